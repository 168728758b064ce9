#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# `make bisect`: the first Tailscale release in (GOOD, BAD] where a canary's
# result, or a figure of the run, differs from GOOD's.
#
#   harness/bisect.sh ARCH GOOD BAD canary|figure NAME RUN_CANARIES  (from the checkout's top)
#
# The module proxy's version list of tailscale.com (the project's go
# environment, as image/build.sh resolves versions) goes to
# out/ARCH/bisect/versions. Then, in a loop, `tscanary bisect` replays what
# out/ARCH/bisect/<version>/ already holds and either prints the next
# version to test (exit 10) or writes bisect.json and bisect.md and ends
# with its own exit code. Each version is built with image/build.sh
# --tailscale-version (its image cache makes a version built before cost
# nothing) and, if it built, run with `make test REUSE=1 CANARY=RUN_CANARIES`
# (a passing verdict of the same run key stands). The lab's peers and
# headscale stay pinned; only the router image differs.
set -euo pipefail

[ $# -eq 6 ] || { echo "usage: $0 ARCH GOOD BAD canary|figure NAME RUN_CANARIES" >&2; exit 2; }
arch=$1 good=$2 bad=$3 kind=$4 name=$5 run_canaries=$6
case $kind in canary | figure) ;; *) echo "$0: canary or figure, not '$kind'" >&2; exit 2 ;; esac
make=${MAKE:-make}
out=out/$arch/bisect
t0=$(date +%s)

say() { printf '== bisect: %s\n' "$*"; }

rm -rf "$out"
mkdir -p "$out"
if ! (cd image && GOWORK=off GOFLAGS=-mod=mod timeout -k 10 120 go list -m -versions tailscale.com) \
	>"$out/versions" 2>"$out/versions.log"; then
	say "cannot list the versions of tailscale.com from the module proxy: $(tail -n 3 "$out/versions.log")"
	exit 5
fi

steps=0
while :; do
	rc=0
	next=$(build/tscanary bisect --arch "$arch" --good "$good" --bad "$bad" "--$kind" "$name" \
		--versions "$out/versions" --dir "$out") || rc=$?
	if [ "$rc" != 10 ]; then
		[ -z "$next" ] || printf '%s\n' "$next"
		say "$steps versions tested, $(($(date +%s) - t0)) s in all"
		exit "$rc"
	fi
	d=$out/$next
	[ ! -e "$d" ] || { say "$next was tested already but has no result: stopping"; exit 5; }
	mkdir -p "$d"
	steps=$((steps + 1))
	say "step $steps: tailscale $next"
	{
		brc=0
		image/build.sh --arch "$arch" --tailscale-version "$next" --out "$d/image" 2>&1 || brc=$?
		echo "$brc" >"$d/build.status"
	} | tee "$d/build.log"
	brc=$(cat "$d/build.status")
	[ "$brc" != 130 ] || exit 130
	[ "$brc" = 0 ] || { say "$next: image/build.sh exit $brc: skipped"; continue; }
	table=()
	[ ! -f "$d/image/feature-table.json" ] || table=(RUN_FEATURE_TABLE="$d/image/feature-table.json")
	rc=0
	"$make" --no-print-directory test ARCH="$arch" VARIANT= "${table[@]}" REUSE=1 \
		CANARY="$run_canaries" IMAGE="$d/image/image.oci.tar" GATE_OUT="$d" || rc=$?
	echo "$rc" >"$d/run.status"
	[ "$rc" != 130 ] || exit 130
done
