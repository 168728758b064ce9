#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# fixtures/cli-errors, end to end: an image whose `tailscale up` fails after
# the node joined (tailscale v1.98.5: "tailnet lock is not supported by this
# binary") passes the join where the data file tolerates that error for its
# version, and fails precondition join (exit 1) where it does not.
#
#   tests/cli-errors.sh [ARCH]      (root; `make cli-error-check`)
set -uo pipefail

arch=${1:-armv7} version=v1.98.5
tmp=$(mktemp -d /tmp/tscanary-clierr-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
kit=$(make -s --no-print-directory kit ARCH="$arch" | tail -n 1)
[ -f "$kit" ] ||
	{ echo "cli-errors: make kit ARCH=$arch wrote no kit" >&2; exit 2; }
image/build.sh --arch "$arch" --tailscale-version "$version" --out "$tmp/img" >"$tmp/build.log" 2>&1 ||
	{ echo "cli-errors: cannot build tailscale $version for $arch (see below)" >&2; tail -n 5 "$tmp/build.log" >&2; exit 2; }
# the same fixtures, but the rule no longer covers this version
cp -r fixtures "$tmp/fixtures"
awk -F '\t' -v OFS='\t' '!/^#/ && NF == 3 { $2 = "<v1.0.0" } { print }' fixtures/cli-errors >"$tmp/fixtures/cli-errors"
# shellcheck source=tests/tap.sh
. "$(dirname -- "$0")/tap.sh"

# case NAME CODE JQ-CHECK FIXTURES: the run exits CODE, its summary satisfies JQ-CHECK
check() {
	local name=$1 want=$2 jqc=$3 fx=$4 code t0
	t0=$(date +%s)
	build/tscanary kit --from "$kit" --fixtures "$fx" --out "$tmp/$name.kit.json" >/dev/null ||
		{ tap_not_ok "$name: cannot write its kit"; return; }
	timeout --kill-after=10 600 build/tscanary run --kit "$tmp/$name.kit.json" \
		--image "$tmp/img/image.oci.tar" --out "$tmp/$name" --canary footprint >"$tmp/$name.log" 2>&1
	code=$?
	if [ "$code" = "$want" ] && jq -e "$jqc" "$tmp/$name/summary.json" >/dev/null 2>&1; then
		tap_ok "$name: exit $code in $(($(date +%s) - t0))s: $(jq -r '.error // (.join_cli_tolerated.why | .[0:90])' "$tmp/$name/summary.json")"
	else
		tap_not_ok "$name: exit $code (want $want), or summary.json fails: $jqc"
		tail -n 5 "$tmp/$name.log" | tap_diag
	fi
}

check tolerated 0 '.preconditions.join == true and (.join_cli_error | test("tailnet lock")) and .join_cli_tolerated.versions == "<v1.100.0"' fixtures
check not-tolerated 1 '.preconditions.join == false and (.preconditions.online | not) and (.error | test("precondition join failed")) and ([.canaries[] | select(.name == "footprint") | .result] == ["skip"])' "$tmp/fixtures"
tap_done cli-errors
