#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The feature lists' one parser and their view: tscanary features --sh
# parses image/allowlist and image/waived-deps, image/build.sh sources the
# view (image/features.env, committed) and parses neither. Each case runs
# on a copy of the recipe and stops before anything is built.
#
#   image/tests/features.sh      (needs build/tscanary; make features-test)
set -euo pipefail

top=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)
# shellcheck source=tests/tap.sh
. "$top/tests/tap.sh"
tscanary=$top/build/tscanary
[ -x "$tscanary" ] || { echo "features.sh: build $tscanary first (make build/tscanary)" >&2; exit 2; }
tmp=$(mktemp -d /tmp/tsc-features.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

# A copy of what build.sh reads before its recipe section: the recipe, the
# arch view and the cache root's definition.
copy=$tmp/tree
mkdir -p "$copy/vm" "$copy/lib"
cp -a "$top/image" "$copy/"
cp "$top/vm/arches.env" "$top/vm/arch.sh" "$copy/vm/"
cp "$top/lib/cache-root.sh" "$copy/lib/"

# expect NAME STATUS PATTERN CMD...: CMD (in the copy) exits STATUS and its
# last "image: error:" line matches PATTERN.
expect() {
	local name=$1 want=$2 pattern=$3 rc=0 msg
	shift 3
	(cd "$copy" && "$@") >"$tmp/out" 2>&1 || rc=$?
	msg=$(grep 'error:' "$tmp/out" | tail -n 1 || true)
	if [ "$rc" = "$want" ] && grep -q -- "$pattern" <<<"$msg"; then
		tap_ok "$name: exit $rc"
		echo "$msg" | tap_diag
	else
		tap_not_ok "$name: exit $rc (want $want, an error matching '$pattern')"
		tail -n 5 "$tmp/out" | tap_diag
	fi
}

# The committed view sources as sh and was written from these very lists
# (that it says what they say: make features-check).
# view FILE VAR...: the values FILE's assignments give VAR..., one a line
view() {
	# shellcheck disable=SC2016 # expanded by the child shell
	bash -c 'set -eu; . "$1"; shift; for v; do printf "%s\n" "${!v}"; done' _ "$@"
}
sha() { sha256sum <"$1" | cut -d' ' -f1; }
if [ "$(view "$copy/image/features.env" features_allowlist_sha256 features_waived_sha256)" = \
	"$(sha "$copy/image/allowlist")"$'\n'"$(sha "$copy/image/waived-deps")" ]; then
	tap_ok "image/features.env sources and hashes as image/allowlist and image/waived-deps"
else
	tap_not_ok "image/features.env is stale or does not source (make features)"
fi

build=(image/build.sh --arch armv7 --out "$tmp/img")
printf 'ssh\twhat the view has not seen\n' >>"$copy/image/allowlist"
expect "an allowlist edited after its view" 1 "features.env is stale" "${build[@]}"
cp "$top/image/allowlist" "$copy/image/allowlist"
printf '# a comment the view has not seen\n' >>"$copy/image/waived-deps"
expect "waived-deps edited after its view" 1 "features.env is stale" "${build[@]}"
cp "$top/image/waived-deps" "$copy/image/waived-deps"
echo 'features_allowlist=netstack' >"$tmp/partial.env"
expect "--features: not a view" 2 "is not a view" "${build[@]}" --features "$tmp/partial.env"
expect "--features: no such file" 2 "cannot read the feature lists' view" \
	"${build[@]}" --features "$tmp/missing.env"

# The parser's refusals, with the file and line.
printf 'netstack\tkept\nnetstack\tagain\n' >"$tmp/twice"
expect "a feature listed twice" 2 "twice:2: \"netstack\" listed twice" \
	"$tscanary" features --sh --allowlist "$tmp/twice"
printf 'netstack\n' >"$tmp/noreason"
expect "a feature without a reason" 2 "noreason:1: want name<TAB>reason" \
	"$tscanary" features --sh --allowlist "$tmp/noreason"
expect "a missing allowlist" 2 "cannot read" "$tscanary" features --sh --allowlist "$tmp/none"

# Another allowlist's view (what make compare NEW_ALLOWLIST= and make
# history hand build.sh --features): its names and path, the recipe's waivers.
printf 'netstack\tMagicDNS\nuseexitnode\tclients\n' >"$tmp/other"
if (cd "$copy" && "$tscanary" features --sh --allowlist "$tmp/other") >"$tmp/other.env" &&
	[ "$(view "$tmp/other.env" features_allowlist features_allowlist_file features_waived_file)" = \
		$'netstack\nuseexitnode\n'"$tmp/other"$'\nimage/waived-deps' ]; then
	tap_ok "another allowlist's view: its names, its path, the recipe's waivers"
else
	tap_not_ok "another allowlist's view"
	tap_diag <"$tmp/other.env"
fi

tap_done features.sh
