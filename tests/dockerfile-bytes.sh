#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# tests/dockerfile-bytes.sh: the image the Dockerfile builds holds the bytes
# the gate tested, platform by platform.
#
#   tests/dockerfile-bytes.sh --arch ARCH|all --dockerfile FILE [--gate FILE]
#
# FILE is the Dockerfile build's OCI archive (make dockerfile-build writes
# out/dockerfile/<ARCH>/index.oci.tar); each arch's gate image is
# out/<arch>/image/image.oci.tar (make image), or --gate FILE for one arch.
# tests/oci-compare.py compares tailscale.combined, the rootfs tree, the
# runtime config and the layer digests, and names the first difference.
# Exit codes: 0 every platform holds the gate's bytes, 1 one differs,
# 2 usage or an unreadable archive.
set -euo pipefail
cd "$(dirname "$0")/.."
prog=tests/dockerfile-bytes.sh
usage() {
	echo "usage: $prog --arch ARCH|all --dockerfile FILE [--gate FILE]" >&2
	exit 2
}
arch='' dock='' gate=''
while [ $# -gt 0 ]; do
	[ $# -ge 2 ] || usage
	case $1 in
	--arch) arch=$2 ;;
	--dockerfile) dock=$2 ;;
	--gate) gate=$2 ;;
	*) usage ;;
	esac
	shift 2
done
{ [ -n "$arch" ] && [ -n "$dock" ]; } || usage
[ -z "$gate" ] || [ "$arch" != all ] || usage
# shellcheck disable=SC2034 # read by vm/arch.sh
arch_env=vm/arches.env
# shellcheck source=../vm/arch.sh disable=SC1091
. vm/arch.sh
arches=$arch
[ "$arch" != all ] || arches=$(arch_names)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tsc-dfbytes.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
unpack() { # archive dir
	[ -f "$1" ] || { echo "$prog: error: no archive '$1'" >&2; exit 2; }
	if ! mkdir -p "$2" || ! tar -xf "$1" -C "$2"; then
		echo "$prog: error: '$1' is not a readable OCI archive" >&2
		exit 2
	fi
}
unpack "$dock" "$tmp/dockerfile"
rc=0
for a in $arches; do
	arch_load "$a" || exit 2
	g=${gate:-out/$a/image/image.oci.tar}
	unpack "$g" "$tmp/gate-$a"
	echo "== $a: gate $g vs Dockerfile $dock"
	python3 tests/oci-compare.py "$tmp/gate-$a" "$tmp/dockerfile" "linux/$ARCH_OCI" || {
		r=$?
		[ "$r" -le "$rc" ] || rc=$r
	}
done
[ "$rc" != 0 ] || echo "dockerfile-bytes: every platform of $dock holds the gate's bytes ($arches)"
exit "$rc"
