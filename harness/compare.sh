#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# `make compare`: one arch, two Tailscale versions, the same lab.
#
#   [NEW_ALLOWLIST=FILE] [PEERS=base|new] harness/compare.sh ARCH BASE NEW PINNED  (from the checkout's top)
#
# Builds NEW's router image first (a missing version or unverifiable modules
# then stop everything at once), then BASE's; runs the suite on each image
# that built, one after the other, into out/ARCH/compare/{base,new}/; then
# `tscanary compare` writes out/ARCH/compare.{json,md} and decides the exit
# status (see `build/tscanary --help`). Headscale is the pinned one for both
# sides, and so are the peers (client, exit node, phone) unless PEERS says
# otherwise: PEERS=base runs both sides' peers on BASE's release (NEW's
# suite is then a rollout's tailnet: router new, peers old), PEERS=new on
# NEW's; empty, the pinned version, as before. Only the router image differs
# between the sides. Each side's
# directory keeps build.log and build.status (image/build.sh), image/, and
# run.status (`make test`'s status) plus the run's own reports.
set -euo pipefail

[ $# -eq 4 ] || { echo "usage: $0 ARCH BASE NEW PINNED" >&2; exit 2; }
arch=$1 base=$2 new=$3 pinned=$4
peers_v=$pinned peers=()
case ${PEERS:-} in
'') ;;
base) peers_v=$base peers=(PEERS="$base") ;;
new) peers_v=$new peers=(PEERS="$new") ;;
*) echo "$0: PEERS is base or new, not '$PEERS'" >&2 && exit 2 ;;
esac
make=${MAKE:-make}
out=out/$arch/compare
t0=$(date +%s)

say() { printf '== compare: %s\n' "$*"; }
# image/build.sh's status for a side: a verdict (0 built, 1 failed) or not.
status() { cat "$out/$1/build.status" 2>/dev/null || echo -1; }
is_verdict() { case $(status "$1") in 0 | 1) return 0 ;; *) return 1 ;; esac; }

rm -rf "$out" "out/$arch/compare.json" "out/$arch/compare.md"
mkdir -p "$out/base" "$out/new"

build() { # side version [build.sh args...]
	local d=$out/$1 v=$2
	shift 2
	say "image for ${d##*/} (tailscale $v)"
	{
		rc=0
		image/build.sh --arch "$arch" --tailscale-version "$v" "$@" --out "$d/image" 2>&1 || rc=$?
		echo "$rc" >"$d/build.status"
	} | tee "$d/build.log"
	[ "$(status "$1")" != 130 ] || exit 130
}
# NEW_ALLOWLIST: try NEW with another allowlist (e.g. one a newer version's
# feature table needs); BASE keeps the recipe's own.
build new "$new" ${NEW_ALLOWLIST:+--allowlist "$NEW_ALLOWLIST"}
if is_verdict new; then
	build base "$base"
else
	say "no base image: new stopped with image/build.sh exit $(status new)"
fi

if is_verdict new && is_verdict base; then
	for side in base new; do
		[ "$(status "$side")" = 0 ] || { say "no run for $side: its image did not build"; continue; }
		say "suite on $side (tailscale ${!side}, peers $peers_v)"
		rc=0
		# feature-deps judges each side against its own version's feature table
		table=()
		[ ! -f "$out/$side/image/feature-table.json" ] ||
			table=(RUN_FEATURE_TABLE="$out/$side/image/feature-table.json")
		"$make" --no-print-directory test ARCH="$arch" VARIANT= "${table[@]}" "${peers[@]}" \
			IMAGE="$out/$side/image/image.oci.tar" GATE_OUT="$out/$side" || rc=$?
		echo "$rc" >"$out/$side/run.status"
		[ "$rc" != 130 ] || exit 130
	done
fi

rc=0
build/tscanary compare --arch "$arch" --pinned "$pinned" --base "$base" --base-dir "$out/base" \
	--new "$new" --new-dir "$out/new" --out "out/$arch" || rc=$?
say "$(($(date +%s) - t0)) s in all"
exit "$rc"
