#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# `make history`: the image built from one Tailscale release after another,
# the suite run on each, and the figures as a table and a plot.
#
#   harness/history.sh ARCH FROM VERSIONS PEERS  (from the checkout's top)
#
# VERSIONS (space-separated) names the releases; empty: `tscanary history
# --select` picks each even minor's latest patch release from FROM up in
# the module proxy's list of tailscale.com. Every version is built first
# (image/build.sh --tailscale-version V --fit-features: the recipe without
# the features that version lacks, each recorded, and with the features
# fixtures/history-fits adds for it, each named; the image cache makes a
# version built before cost nothing), then the suite runs on each that
# built (`make test REUSE=1`: a passing verdict of the same run key stands),
# so no build competes with a run for the CPU. Each version's files go to
# out/ARCH/history[-peers-P]/<version>/ (the layout `make bisect` fills);
# `tscanary history` turns them into history.json, history.md and
# history.dat, and gnuplot (harness/history.gp) into history.svg.
# PEERS: empty, the lab's peers run the pin; base, they run the oldest
# version of the history (a rollout's tailnet: every later router beside
# clients that have not updated); new, each version's own release.
# Exit: tscanary history's (0 written: a version that cannot be built or
# run is a row with its reason), 2 usage, 5 the version list or the plot
# could not be made, 130 interrupted.
set -euo pipefail

[ $# -eq 4 ] || { echo "usage: $0 ARCH FROM VERSIONS PEERS" >&2; exit 2; }
arch=$1 from=$2 versions=$3 peers=$4
make=${MAKE:-make}
fits=fixtures/history-fits
case $peers in
'') out=out/$arch/history ;;
base | new) out=out/$arch/history-peers-$peers ;;
*) echo "$0: PEERS is base or new, not '$peers'" >&2; exit 2 ;;
esac
t0=$(date +%s)

say() { printf '== history: %s\n' "$*"; }
since() { echo "$(($(date +%s) - $1)) s"; }

command -v gnuplot >/dev/null || { say "gnuplot is missing (make deps installs gnuplot-nox)"; exit 5; }
mkdir -p "$out"
if [ -z "$versions" ]; then
	[ -n "$from" ] || { echo "$0: give FROM or VERSIONS" >&2; exit 2; }
	if ! (cd image && GOWORK=off GOFLAGS=-mod=mod timeout -k 10 120 go list -m -versions tailscale.com) \
		>"$out/proxy-versions" 2>"$out/proxy-versions.log"; then
		say "cannot list the versions of tailscale.com from the module proxy: $(tail -n 3 "$out/proxy-versions.log")"
		exit 5
	fi
	rc=0
	versions=$(build/tscanary history --select --from "$from" --versions "$out/proxy-versions") || rc=$?
	[ "$rc" = 0 ] || exit "$rc"
fi
read -r -d "" -a list <<<"$versions" || true
n=${#list[@]}
say "$n versions on $arch: ${list[*]}"
peers_for() {
	case $peers in
	'') echo "PEERS=" ;;
	base) echo "PEERS=${list[0]}" ;;
	new) echo "PEERS=$1" ;;
	esac
}

# Stale results of a version are never judged: its directory starts empty.
i=0
for v in "${list[@]}"; do
	i=$((i + 1))
	d=$out/$v
	rm -rf "$d"
	mkdir -p "$d"
	s=$(date +%s)
	build=(--arch "$arch" --tailscale-version "$v" --fit-features --out "$d/image")
	fit=$(build/tscanary history --fit "$v" --fits "$fits")
	if [ -n "$fit" ]; then
		cat image/allowlist - <<<"$fit" >"$d/allowlist"
		build/tscanary features --sh --allowlist "$d/allowlist" >"$d/features.env" ||
			{ echo "history: $v: the fitted allowlist does not parse" >&2; exit 2; }
		build+=(--features "$d/features.env")
	fi
	say "build $i/$n: tailscale $v${fit:+ (recipe fit: $(cut -f1 <<<"$fit" | sed 's/^/+/' | paste -sd' ' -))}"
	brc=0
	image/build.sh "${build[@]}" >"$d/build.log" 2>&1 || brc=$?
	echo "$brc" >"$d/build.status"
	[ "$brc" != 130 ] || exit 130
	if [ "$brc" = 0 ]; then
		say "build $i/$n: $v built ($(since "$s"); $(jq -r '.sizes.binary_bytes' "$d/image/manifest.json") packed bytes)"
	else
		say "build $i/$n: $v cannot be built (image/build.sh exit $brc, $(since "$s"); the reason goes into history.md, the log is $d/build.log)"
	fi
done

i=0
for v in "${list[@]}"; do
	i=$((i + 1))
	d=$out/$v
	[ "$(cat "$d/build.status")" = 0 ] || continue
	s=$(date +%s)
	say "run $i/$n: tailscale $v (the whole suite; log: $d/run.log)"
	args=()
	[ ! -f "$d/image/feature-table.json" ] || args+=(RUN_FEATURE_TABLE="$d/image/feature-table.json")
	p=$(peers_for "$v")
	args+=("$p")
	rc=0
	"$make" --no-print-directory test ARCH="$arch" VARIANT= CANARY= REUSE=1 \
		IMAGE="$d/image/image.oci.tar" GATE_OUT="$d" "${args[@]}" >"$d/run.log" 2>&1 || rc=$?
	echo "$rc" >"$d/run.status"
	[ "$rc" != 130 ] || exit 130
	line=$(build/tscanary summary "$d/summary.json" 2>/dev/null) || true
	say "run $i/$n: $v: ${line:-no summary (make test exit $rc)} ($(since "$s"))"
done

rc=0
build/tscanary history --arch "$arch" --dir "$out" --peers "${peers:-pinned}" --fits "$fits" "${list[@]}" || rc=$?
[ "$rc" = 0 ] || exit "$rc"
if ! gnuplot -e "dat='$out/history.dat'; out='$out/history.svg'; arch='$arch'" harness/history.gp \
	2>"$out/gnuplot.log"; then
	say "gnuplot failed: $(tail -n 3 "$out/gnuplot.log")"
	exit 5
fi
say "$n versions in $(since "$t0"): $out/history.md, history.json, history.svg"
