#!/usr/bin/env bash
# Write the feature table of the tailscale.com version image/go.mod pins
# (feature/featuretags: every feature, its description and its Deps) as JSON
# to --out FILE, for the feature-deps canary. The table comes from
# image/featuretable/main.go, built for this host inside the image module
# (so go.mod and go.sum decide the version), and is cached by tailscale.com
# version, go.sum hash and program hash under
# ${TSCANARY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tscanary}/featuretable.
#
#   image/featuretable.sh --out build/feature-table.json
set -euo pipefail
umask 022

prog=image/featuretable.sh
die() {
	printf 'featuretable: error: %s\n' "$*" >&2
	exit 1
}
say() { printf 'featuretable: %s\n' "$*" >&2; }

out=''
while [ $# -gt 0 ]; do
	case $1 in
	--out) [ $# -ge 2 ] || die "'--out' needs a value"; out=$2; shift 2 ;;
	--out=*) out=${1#*=}; shift ;;
	-h | --help) printf 'usage: %s --out FILE\n' "$prog"; exit 0 ;;
	*) die "unknown argument '$1' (usage: $prog --out FILE)" ;;
	esac
done
[ -n "$out" ] || die "no --out given (usage: $prog --out FILE)"
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
key=$(
	{
		printf 'tscanary featuretable v1\ntailscale=%s\n' "$ts_version"
		sha256sum <"$here/go.sum"
		sha256sum <"$here/featuretable/main.go"
	} | sha256sum | cut -d' ' -f1
)
cache_root=${TSCANARY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tscanary}
dir=$cache_root/featuretable
cached=$dir/$ts_version-${key:0:16}.json
mkdir -p "$dir" || die "cannot create cache '$dir'"

if [ -s "$cached" ]; then
	say "cached: tailscale.com $ts_version ($cached)"
else
	say "tailscale.com $ts_version: go run ./featuretable"
	tmp=$(mktemp "$dir/.tmp.XXXXXX") || die "cannot create a temp file in '$dir'"
	trap 'rm -f "$tmp"' EXIT
	gomod go run ./featuretable >"$tmp" || die "go run ./featuretable failed"
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
