#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# image/release.sh: publish a release index only if the gate passed every
# platform in it, then prove the registry holds exactly those bytes.
#
#   image/release.sh --index FILE --dest docker://HOST[:PORT]/NAME:TAG
#                      --store DIR --tree HASH [--cert-dir DIR] [--authfile FILE]
#
# FILE is an OCI image index archive (make image ARCH=all writes
# out/release/index.oci.tar). Its platform manifests are read from the
# archive itself, never from a side file. For each one the verdict store DIR
# must hold a passing full-suite verdict reached by harness tree HASH
# (`tscanary verdict check`); otherwise nothing is pushed and the refusal
# names the arch and why. Then skopeo copies the index as it is (--all
# --preserve-digests, no re-compression), pulls it back by tag into a
# scratch layout and checks the index digest and every blob's digest
# against the archive: that check is the guarantee.
#
# Exit codes: 0 published and verified, 1 refused or the registry does not
# hold the same bytes, 2 usage or an unusable archive.
set -euo pipefail

prog=image/release.sh
say() { printf 'release: %s\n' "$*"; }
die() {
	echo "$prog: error: $*" >&2
	exit "${2:-2}"
}
usage() {
	echo "usage: $prog --index FILE --dest docker://HOST[:PORT]/NAME:TAG --store DIR --tree HASH [--cert-dir DIR] [--authfile FILE]" >&2
	exit 2
}

index='' dest='' store='' tree='' certdir='' authfile=''
while [ $# -gt 0 ]; do
	if [ "$1" = -h ] || [ "$1" = --help ]; then
		sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'
		exit 0
	fi
	[ $# -ge 2 ] || usage
	case $1 in
	--index) index=$2 ;;
	--dest) dest=$2 ;;
	--store) store=$2 ;;
	--tree) tree=$2 ;;
	--cert-dir) certdir=$2 ;;
	--authfile) authfile=$2 ;;
	*) usage ;;
	esac
	shift 2
done
{ [ -n "$index" ] && [ -n "$dest" ] && [ -n "$store" ] && [ -n "$tree" ]; } || usage
case $dest in docker://*/*:*) ;; *) die "--dest must be docker://HOST[:PORT]/NAME:TAG, not '$dest'" ;; esac
[ -f "$index" ] || die "no index archive '$index' (make image ARCH=all writes out/release/index.oci.tar)"
top=$(cd "$(dirname "$0")/.." && pwd)
tscanary=$top/build/tscanary
[ -x "$tscanary" ] || die "no $tscanary (make harness)"
for t in skopeo jq tar sha256sum; do command -v "$t" >/dev/null || die "'$t' is not installed (make deps)"; done

work=$(mktemp -d "${TMPDIR:-/tmp}/tsc-release.XXXXXX")
trap 'rm -rf "$work"' EXIT

# --- what the archive holds ----------------------------------------------
mkdir -p "$work/local"
tar -C "$work/local" -xf "$index" 2>/dev/null || die "'$index' is not a readable tar archive"
[ -f "$work/local/index.json" ] || die "'$index' is not an OCI layout (no index.json)"
for b in "$work/local"/blobs/sha256/*; do
	[ -f "$b" ] || die "'$index' holds no blobs"
	[ "$(sha256sum <"$b" | cut -c1-64)" = "$(basename "$b")" ] ||
		die "blob $(basename "$b") of '$index' does not match its digest"
done
[ "$(jq '.manifests | length' "$work/local/index.json")" = 1 ] ||
	die "'$index' must name exactly one image index in index.json"
idigest=$(jq -r '.manifests[0] | select(.mediaType == "application/vnd.oci.image.index.v1+json") | .digest' \
	"$work/local/index.json")
[ -n "$idigest" ] || die "'$index' names no image index (a single-platform archive is not a release)"
iblob=$work/local/blobs/sha256/${idigest#sha256:}
[ -f "$iblob" ] || die "'$index' lacks its index blob $idigest"
mapfile -t platforms < <(jq -r '.manifests[] |
	"\(.platform.os)/\(.platform.architecture)\(if .platform.variant then "/" + .platform.variant else "" end)=\(.digest)"' "$iblob")
[ "${#platforms[@]}" -gt 0 ] || die "index $idigest names no platform"
say "index $idigest: ${platforms[*]}"

# --- gated? ----------------------------------------------------------------
say "verdicts: store $store, harness tree ${tree:0:12}"
if ! "$tscanary" verdict check --store "$store" --tree "$tree" --arches "$top/vm/arches" "${platforms[@]}"; then
	say "REFUSED: not every platform of index $idigest passed the gate on this harness tree; nothing was pushed"
	exit 1
fi

# --- publish ----------------------------------------------------------------
tls=()
[ -z "$certdir" ] || tls=(--dest-cert-dir "$certdir")
auth=()
[ -z "$authfile" ] || auth=(--dest-authfile "$authfile")
s=$(date +%s)
say "push $dest (skopeo copy --all --preserve-digests)"
skopeo copy --quiet --all --preserve-digests "${tls[@]}" "${auth[@]}" "oci-archive:$index" "$dest" ||
	die "skopeo could not push to $dest" 1
say "pushed in $(($(date +%s) - s)) s"

# --- the guarantee: pull it back by tag and compare every digest -------------
src=() insp=()
[ -z "$certdir" ] || src+=(--src-cert-dir "$certdir") insp+=(--cert-dir "$certdir")
[ -z "$authfile" ] || src+=(--src-authfile "$authfile") insp+=(--authfile "$authfile")
got=$(skopeo inspect --raw "${insp[@]}" "$dest" | sha256sum | cut -c1-64) || die "cannot read $dest back" 1
[ "sha256:$got" = "$idigest" ] || die "$dest resolves to sha256:$got, not the gated index $idigest" 1
skopeo copy --quiet --all --preserve-digests "${src[@]}" "$dest" "oci:$work/pulled:x" ||
	die "cannot pull $dest back" 1
bad=0 n=0
for b in "$work/local"/blobs/sha256/*; do
	h=$(basename "$b")
	p=$work/pulled/blobs/sha256/$h
	n=$((n + 1))
	if [ ! -f "$p" ]; then
		say "the registry's $dest lacks blob sha256:$h"
		bad=1
	elif [ "$(sha256sum <"$p" | cut -c1-64)" != "$h" ]; then
		say "the registry's blob sha256:$h does not match its digest"
		bad=1
	fi
done
for p in "$work/pulled"/blobs/sha256/*; do
	[ -f "$work/local/blobs/sha256/$(basename "$p")" ] || {
		say "the registry's $dest holds blob sha256:$(basename "$p"), which the gated archive does not"
		bad=1
	}
done
[ "$bad" = 0 ] || die "$dest does not hold exactly the gated bytes" 1
say "verified: $dest is index $idigest; all $n blobs pulled back match the gated archive"

# What was published, for a router's update script to compare with what the
# registry serves for the tag (one "key value" pair a line).
tag=${dest##*:}
record=$(dirname "$index")/published-$tag.txt
{
	echo "tag $tag"
	echo "index $idigest"
	for p in "${platforms[@]}"; do echo "${p%%=*} ${p#*=}"; done
} >"$record"
say "wrote $record"
