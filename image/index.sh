#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# image/index.sh: one OCI image index over the per-arch images build.sh wrote,
# as one reproducible archive: the multi-platform artifact a release ships.
#
#   image/index.sh --out FILE DIR...
#
# Each DIR is a build.sh output (image.oci.tar and manifest.json) of the
# same Tailscale version, variant "default". The archive holds every blob of
# every DIR, an image index blob naming each platform manifest (in the order
# given), and an index.json naming that index with the version as its ref.
# Nothing new is made for a platform: its manifest, config and layer are
# the very blobs its own archive holds, so a verdict for a platform manifest
# digest holds for that platform of the index. Entries are written in name
# order with mtime SOURCE_DATE_EPOCH (from the manifests), owner 0, so the
# same inputs give the same bytes. Writes FILE and, beside it,
# FILE-stem.json (the index digest and every platform's digests) and each
# platform's build manifest as <arch>/manifest.json (the harness reads a
# run's build facts from there, for the manifest digest it ran only).
#
# Exit codes: 0 written, 1 an input is unusable or inconsistent, 2 usage.
set -euo pipefail

prog=image/index.sh
die() {
	echo "$prog: error: $*" >&2
	exit 1
}
usage() {
	echo "usage: $prog --out FILE DIR..." >&2
	exit 2
}

out=
while [ $# -gt 0 ]; do
	case $1 in
	--out)
		[ $# -ge 2 ] || usage
		out=$2
		shift 2
		;;
	-h | --help)
		sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'
		exit 0
		;;
	--)
		shift
		break
		;;
	-*) usage ;;
	*) break ;;
	esac
done
{ [ -n "$out" ] && [ $# -ge 1 ]; } || usage
for t in jq tar sha256sum skopeo; do
	command -v "$t" >/dev/null || die "'$t' is not installed (make deps)"
done

work=$(mktemp -d "${TMPDIR:-/tmp}/tsc-index.XXXXXX")
trap 'rm -rf "$work"' EXIT
layout=$work/layout
mkdir -p "$layout/blobs/sha256"

version='' epoch='' descs='[]' platforms='[]'
for dir in "$@"; do
	m=$dir/manifest.json arc=$dir/image.oci.tar
	{ [ -f "$m" ] && [ -f "$arc" ]; } || die "'$dir' holds no build.sh output (manifest.json, image.oci.tar)"
	v=$(jq -er .tailscale_version "$m") || die "'$m' has no tailscale_version"
	e=$(jq -er .source_date_epoch "$m") || die "'$m' has no source_date_epoch"
	variant=$(jq -r .variant "$m")
	[ "$variant" = default ] || die "'$dir' is variant '$variant': a release holds the recipe's own images only"
	[ -z "$version" ] || [ "$v" = "$version" ] || die "'$dir' is tailscale $v, the others $version"
	[ -z "$epoch" ] || [ "$e" = "$epoch" ] || die "'$dir' has SOURCE_DATE_EPOCH $e, the others $epoch"
	version=$v epoch=$e
	x=$work/in.$(basename "$(dirname "$dir")")
	mkdir -p "$x"
	tar -C "$x" -xf "$arc" || die "cannot read '$arc'"
	[ "$(jq '.manifests | length' "$x/index.json")" = 1 ] || die "'$arc' does not hold exactly one image"
	d=$(jq -c '.manifests[0] | {mediaType, digest, size, platform}' "$x/index.json")
	[ "$(jq -r .digest <<<"$d")" = "$(jq -r .manifest_digest "$m")" ] ||
		die "'$arc' holds manifest $(jq -r .digest <<<"$d"), '$m' says $(jq -r .manifest_digest "$m")"
	jq -e '.platform.os and .platform.architecture' <<<"$d" >/dev/null || die "'$arc' names no platform"
	p=$(jq -r '.platform | [.os, .architecture, .variant // empty] | join("/")' <<<"$d")
	jq -e --arg p "$p" 'index($p) == null' <<<"$platforms" >/dev/null || die "platform $p is given twice"
	platforms=$(jq -c --arg p "$p" '. + [$p]' <<<"$platforms")
	for b in "$x"/blobs/sha256/*; do
		h=$(basename "$b")
		[ "$(sha256sum <"$b" | cut -d' ' -f1)" = "$h" ] || die "blob $h of '$arc' does not match its digest"
		cp "$b" "$layout/blobs/sha256/$h"
	done
	descs=$(jq -c --argjson d "$d" --arg arch "$(jq -r .arch "$m")" \
		--arg cfg "$(jq -r .config_digest "$m")" '. + [$d + {arch: $arch, config: $cfg}]' <<<"$descs")
done

# The index blob: platform manifests only, no annotations that could vary.
jq -cj '{schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json",
	manifests: map({mediaType, digest, size, platform})}' <<<"$descs" >"$work/index.blob"
ih=$(sha256sum <"$work/index.blob" | cut -d' ' -f1)
isize=$(stat -c %s "$work/index.blob")
mv "$work/index.blob" "$layout/blobs/sha256/$ih"
jq -cnj --arg d "sha256:$ih" --argjson s "$isize" --arg v "$version" \
	'{schemaVersion: 2, manifests: [{mediaType: "application/vnd.oci.image.index.v1+json",
	digest: $d, size: $s, annotations: {"org.opencontainers.image.ref.name": $v}}]}' >"$layout/index.json"
printf '{"imageLayoutVersion":"1.0.0"}' >"$layout/oci-layout"

mkdir -p "$(dirname "$out")"
(cd "$layout" && find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort |
	tar --format=ustar --no-recursion --owner=0 --group=0 --numeric-owner \
		--mtime="@$epoch" --mode=go-w -cf "$work/index.oci.tar" -T -) ||
	die "cannot write the archive"

# Read it back as a consumer does: skopeo resolves every platform to the
# image (its config blob) that platform's own archive holds.
for row in $(jq -r '.[] | [.config, .platform.architecture, (.platform.variant // "")] | join(",")' <<<"$descs"); do
	IFS=, read -r want a var <<<"$row"
	got=$(skopeo inspect --config --raw --override-os linux --override-arch "$a" \
		${var:+--override-variant "$var"} "oci-archive:$work/index.oci.tar" | sha256sum | cut -d' ' -f1) ||
		die "skopeo cannot inspect the archive for $a"
	[ "sha256:$got" = "$want" ] || die "the archive resolves $a${var:+/$var} to config sha256:$got, want $want"
done
mv -f "$work/index.oci.tar" "$out"
for dir in "$@"; do
	a=$(jq -r .arch "$dir/manifest.json")
	mkdir -p "$(dirname "$out")/$a"
	cp "$dir/manifest.json" "$(dirname "$out")/$a/manifest.json"
done
jq -n --arg v "$version" --argjson e "$epoch" --arg d "sha256:$ih" --argjson m "$descs" \
	--argjson bytes "$(stat -c %s "$out")" \
	'{tailscale_version: $v, source_date_epoch: $e, index_digest: $d, archive_bytes: $bytes,
	platforms: $m | map({arch, platform: ([.platform.os, .platform.architecture, .platform.variant // empty] | join("/")),
		manifest_digest: .digest, config_digest: .config})}' >"${out%.tar}.json"
echo "$prog: $out: index sha256:$ih over $(jq -r 'join(", ")' <<<"$platforms") (tailscale $version)"
