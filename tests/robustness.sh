#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The harness ends every run within its timeouts with a verdict naming the
# cause, and leaves nothing behind, when a part of the lab misbehaves:
# a canary that never returns (alone, or side by side with another), a
# guest kernel that panics, a VM that freezes, a headscale that never
# becomes ready. Faults come from
# TSCANARY_FAULT (harness/faults.c) or from a stand-in binary.
#
#   tests/robustness.sh [ARCH]      (root; `make robustness-check`)
set -uo pipefail

arch=${1:-armv7}
tmp=$(mktemp -d /tmp/tscanary-robust-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
kit=$(make -s --no-print-directory kit ARCH="$arch" | tail -n 1)
[ -f "$kit" ] ||
	{ echo "robustness: make kit ARCH=$arch wrote no kit" >&2; exit 2; }
image=out/$arch/image/image.oci.tar
[ -f "$image" ] || make --no-print-directory image ARCH="$arch" >/dev/null || exit 1
# shellcheck source=tests/tap.sh
. "$(dirname -- "$0")/tap.sh"

# case NAME CODE JQ-CHECK [ENV=VALUE...] -- [harness args...]: the run (of
# the kit $run_kit, else the arch's) exits
# CODE and its summary.json satisfies JQ-CHECK; nothing of it survives.
check() {
	local name=$1 want=$2 jqc=$3 t0 code out=$tmp/$1 env=()
	shift 3
	while [ "$1" != -- ]; do env+=("$1"); shift; done
	shift
	t0=$(date +%s)
	env "${env[@]}" timeout --kill-after=10 600 build/tscanary run --kit "${run_kit:-$kit}" --image "$image" \
		--out "$out" "$@" >"$tmp/$name.log" 2>&1
	code=$?
	local took=$(($(date +%s) - t0))
	# the run itself checks that nothing with its suffix survived teardown
	# and that the machine's routes, rules, nftables and /etc are unchanged
	jqc="(.error // \"\" | test(\"teardown left|changed the machine\") | not) and ($jqc)"
	if [ "$code" != "$want" ]; then
		tap_not_ok "$name: exit $code, want $want (${took}s)"
		tail -n 5 "$tmp/$name.log" | tap_diag
	elif ! jq -e "$jqc" "$out/summary.json" >/dev/null 2>&1; then
		tap_not_ok "$name: exit $code but summary.json fails: $jqc"
	else
		tap_ok "$name: exit $code in ${took}s: $(jq -r '[.error // empty, (.canaries[] | select(.result != "pass") | "\(.name): \(.signature // "") \(.summary)")] | join("; ")' "$out/summary.json" | cut -c1-220)"
	fi
}

check canary-hang 1 '.canaries[] | select(.name == "footprint") | .signature == "timeout"' \
	TSCANARY_FAULT=hang:footprint -- --canary footprint --canary quad100-router
# side by side: the hung canary's own process times out; the one beside
# it still gets its verdict
check canary-hang-beside 1 '([.canaries[] | select(.name == "policy-enforced") | .signature] == ["timeout"]) and ([.canaries[] | select(.name == "flash-writes") | .result] == ["pass"])' \
	TSCANARY_FAULT=hang:policy-enforced -- --canary flash-writes --canary policy-enforced
check guest-panic 1 '.canaries[] | select(.name == "sentinel") | .signature == "guest-panic"' \
	TSCANARY_FAULT=panic:footprint -- --canary footprint
check vm-freeze 1 '[.canaries[] | select(.name == "sentinel") | .signature] == ["agent-lost"]' \
	TSCANARY_FAULT=freeze:footprint -- --canary footprint
# a reboot that never comes back: a verdict for restart-persistence, the
# sentinel fails as agent-lost, and no crash
check reboot-fails 1 '([.canaries[] | select(.name == "restart-persistence") | .signature] == ["reboot-failed"]) and ([.canaries[] | select(.name == "sentinel") | .signature] == ["agent-lost"])' \
	TSCANARY_FAULT=noboot:restart-persistence -- --canary restart-persistence
# a headscale that names its release and, started, never answers
cat >"$tmp/headscale" <<'SH'
#!/bin/sh
[ "$1" != version ] || { echo "headscale version v0.29.2"; exit 0; }
exec sleep 100000
SH
chmod +x "$tmp/headscale"
hs_kit=$(build/tscanary kit --from "$kit" --headscale "$tmp/headscale" --out "$tmp/hs-kit.json") ||
	exit 2
run_kit=$hs_kit check headscale-never-ready 5 '.error | test("headscale")' --

tap_done robustness
