#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Interrupt `make test` with SIGINT or SIGTERM (to its whole process group,
# as a terminal's Ctrl-C or a CI runner's cancel does) at random moments,
# N times, and check after each that nothing of that run survived: no
# namespace or link with its suffix, no process it started (QEMU,
# headscale, tailscaled, servers), no mount or work dir.
#
#   tests/interrupts.sh [N] [ARCH]     (root; `make interrupt-check`)
set -uo pipefail

n=${1:-20} arch=${2:-armv7}
max_delay=${INTERRUPT_MAX_S:-70}
tmp=$(mktemp -d /tmp/tscanary-intr-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
# shellcheck source=tests/tap.sh
. "$(dirname -- "$0")/tap.sh"

for i in $(seq 1 "$n"); do
	sig=INT
	[ $((i % 2)) = 0 ] && sig=TERM
	delay=$((RANDOM % max_delay))
	out=$tmp/run-$i
	# its own session, with SIGINT back to default: a background job of a
	# script would otherwise start with SIGINT ignored, unlike a terminal's
	setsid env --default-signal=INT,QUIT make --no-print-directory test ARCH="$arch" \
		GATE_OUT="$out" >"$tmp/make-$i.log" 2>&1 &
	pid=$!
	sleep "$delay"
	# where the run is when the signal lands: its last progress line
	at=build
	[ -f "$out/logs/run.log" ] && at=$(grep -o '\] [a-z]*:' "$out/logs/run.log" | tail -n 1 | tr -d '] :')
	# the whole process group, as a terminal's Ctrl-C or a CI runner's cancel
	kill -s "$sig" -- "-$pid" 2>/dev/null
	t0=$(date +%s)
	wait "$pid"
	code=$?
	# make may exit at once (SIGTERM); the run's teardown goes on: wait for
	# every process of the session, each step noticing within its poll slice
	for _ in $(seq 1 180); do pgrep -s "$pid" >/dev/null || break; sleep 0.5; done
	if pgrep -s "$pid" >/dev/null; then
		tap_not_ok "SIG$sig after ${delay}s during '$at': still running 90 s later: $(pgrep -s "$pid" -a | cut -c1-60 | paste -sd';' -)"
		pkill -KILL -s "$pid"
		continue
	fi
	log=$out/logs/run.log
	step=${at:-build}
	suffix='' workdir=''
	if [ -f "$log" ]; then
		suffix=$(grep -o "netns tsc-inet-[a-z0-9]*" "$log" | head -n 1 | sed 's/.*-//')
		workdir=$(grep -o '/tmp/tscanary-[a-z0-9]*-[A-Za-z0-9]*' "$log" | head -n 1)
	fi
	left=()
	if [ -n "$suffix" ]; then
		ip netns | grep -q -- "-$suffix\b" && left+=("netns")
		ip -o link | grep -q -- "-$suffix" && left+=("link")
		grep -q -- "$suffix" /proc/mounts && left+=("mount")
	fi
	if [ -f "$log" ]; then
		while read -r p; do
			[ -d "/proc/$p" ] && ! grep -qz 'make\|bash' "/proc/$p/cmdline" && left+=("pid $p ($(tr '\0' ' ' <"/proc/$p/cmdline" | cut -c1-40))")
		done < <(grep -o "as pid [0-9]*" "$log" | awk '{ print $3 }')
	fi
	if [ -n "$workdir" ]; then
		[ -e "$workdir" ] && left+=("workdir")
		pgrep -f -- "$workdir" >/dev/null && left+=("process in $workdir")
		grep -q -- "$workdir" /proc/mounts && left+=("mount of $workdir")
	fi
	took=$(($(date +%s) - t0))
	# make dies of the signal itself (it is in the group): 128 + the signal;
	# a run that had started says so in its summary; all within 10 s
	want=130
	[ "$sig" = TERM ] && want=143
	[ "$code" = "$want" ] || left+=("exit $code, want $want")
	[ "$took" -le 10 ] || left+=("took ${took}s to exit, want at most 10")
	if [ -f "$out/summary.json" ] && ! jq -e '.error // "" | test("interrupted")' "$out/summary.json" >/dev/null; then
		left+=("summary.json does not say interrupted")
	fi
	if [ ${#left[@]} -gt 0 ]; then
		tap_not_ok "SIG$sig after ${delay}s during '$step': exit $code in ${took}s: ${left[*]}"
	else
		tap_ok "SIG$sig after ${delay}s during '$step': exit $code in ${took}s after the signal, nothing left (suffix ${suffix:--})"
	fi
done
tap_done interrupts
