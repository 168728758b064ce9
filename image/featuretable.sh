#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Write the feature table of the tailscale.com version image/go.mod pins
# (feature/featuretags: every feature, its description and its Deps) as JSON
# to --out FILE, for the feature-deps canary. The table comes from
# image/featuretable/main.go, built for this host inside the image module
# (so go.mod and go.sum decide the version), and is cached by tailscale.com
# version, go.sum hash and program hash under featuretable/ in the cache
# root (lib/cache-root.sh).
#
# --tailscale-version V writes the table of another version (the one a
# binary tscanary did not build records): the program runs in a private
# module of its own that requires tailscale.com@V, resolved through the
# module proxy with go.sum checked by the checksum database as go always
# does; cached by V and program hash. V equal to the pin is the pinned table.
#
#   image/featuretable.sh --out build/feature-table.json
#   image/featuretable.sh --tailscale-version v1.102.2 --out /tmp/table.json
set -euo pipefail
umask 022

prog=image/featuretable.sh
die() {
	printf 'featuretable: error: %s\n' "$*" >&2
	exit 1
}
say() { printf 'featuretable: %s\n' "$*" >&2; }

out='' want=''
usage="usage: $prog [--tailscale-version vX.Y.Z] --out FILE"
while [ $# -gt 0 ]; do
	case $1 in
	--out) [ $# -ge 2 ] || die "'--out' needs a value"; out=$2; shift 2 ;;
	--out=*) out=${1#*=}; shift ;;
	--tailscale-version) [ $# -ge 2 ] || die "'--tailscale-version' needs a value"; want=$2; shift 2 ;;
	--tailscale-version=*) want=${1#*=}; shift ;;
	-h | --help) printf '%s\n' "$usage"; exit 0 ;;
	*) die "unknown argument '$1' ($usage)" ;;
	esac
done
[ -n "$out" ] || die "no --out given ($usage)"
[[ -z $want || $want =~ ^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]] ||
	die "--tailscale-version wants a module version like v1.102.2, not '$want'"
for t in go jq sha256sum; do
	command -v "$t" >/dev/null 2>&1 || die "missing tool '$t'"
done

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
# The module's own pins, for this host (the table is the same on every arch).
export GOFLAGS=-mod=readonly GOWORK=off CGO_ENABLED=0
unset GOOS GOARCH GOARM GOAMD64 GOARM64 GO386 GOEXPERIMENT
gomod() { (cd "$here" && "$@"); }

ts_version=$(gomod go list -m -f '{{.Version}}' tailscale.com) ||
	die "cannot read the tailscale.com version from '$here/go.mod'"
private=''
if [ -n "$want" ] && [ "$want" != "$ts_version" ]; then
	private=$want ts_version=$want
fi
key=$(
	{
		printf 'tscanary featuretable v1\ntailscale=%s\n' "$ts_version"
		if [ -n "$private" ]; then echo private; else sha256sum <"$here/go.sum"; fi
		sha256sum <"$here/featuretable/main.go"
	} | sha256sum | cut -d' ' -f1
)
# shellcheck source=lib/cache-root.sh
. "$here/../lib/cache-root.sh"
cache_root=$(cache_root)
dir=$cache_root/featuretable
cached=$dir/$ts_version-${key:0:16}.json
mkdir -p "$dir" || die "cannot create cache '$dir'"

if [ -s "$cached" ]; then
	say "cached: tailscale.com $ts_version ($cached)"
else
	say "tailscale.com $ts_version: go run ./featuretable${private:+ (not the pin: in a private module)}"
	tmp=$(mktemp "$dir/.tmp.XXXXXX") || die "cannot create a temp file in '$dir'"
	trap 'rm -f "$tmp"' EXIT
	if [ -z "$private" ]; then
		gomod go run ./featuretable >"$tmp" || die "go run ./featuretable failed"
	else
		# its own module: the program and tailscale.com@V, nothing of image/
		work=$(mktemp -d "${TMPDIR:-/tmp}/tscanary-ft.XXXXXX") || die "cannot create a temp dir"
		trap 'rm -f "$tmp"; rm -rf "$work"' EXIT
		cp -- "$here/featuretable/main.go" "$work/" || die "cannot stage the program"
		printf 'module tscanary/featuretable\n\ngo 1.22\n' >"$work/go.mod"
		# a newer go line than this Go's makes go fetch that toolchain
		(cd "$work" && GOFLAGS=-mod=mod GOTOOLCHAIN=auto go get "tailscale.com@$private" &&
			GOFLAGS=-mod=mod GOTOOLCHAIN=auto go mod tidy) >"$work/go.log" 2>&1 ||
			die "cannot resolve tailscale.com@$private through the module proxy: $(grep -v '^go: downloading' "$work/go.log" | tail -n 3 | paste -sd' ' -)"
		(cd "$work" && GOTOOLCHAIN=auto go run .) >"$tmp" || die "go run of the feature table program at tailscale.com@$private failed"
	fi
	jq -e --arg v "$ts_version" '.format == 1 and .tailscale_version == $v and
		(.features | length) > 0' "$tmp" >/dev/null ||
		die "the table is not format 1 for tailscale.com $ts_version"
	chmod 0644 "$tmp"
	mv -f "$tmp" "$cached"
fi

mkdir -p "$(dirname -- "$out")" || die "cannot create '$(dirname -- "$out")'"
if ! cp -- "$cached" "$out.tmp.$$" || ! mv -f -- "$out.tmp.$$" "$out"; then
	rm -f -- "$out.tmp.$$"
	die "cannot write '$out'"
fi
