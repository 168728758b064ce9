#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Usage: canaries/sysroot.sh DEBARCH
#
# Print the path of a private sysroot holding the static ldns and libcrypto
# (headers and .a) of Debian architecture DEBARCH, fetching it on a miss.
#
# The -dev packages are fetched with `apt-get download` and unpacked with
# `dpkg-deb -x` instead of being installed: installing foreign -dev packages
# through dpkg can be blocked by Multi-Arch version lockstep when one
# architecture's index is stale.  Only the -dev packages are needed for a
# static link (libldns3 and libssl3 hold the shared objects only).
#
# The sysroot lives in $TSCANARY_CACHE/sysroot/DEBARCH/HASH, HASH being
# derived from the exact package versions apt resolves, and is written to a
# temporary name and renamed, so a half-fetched sysroot is never used.  Its
# file "packages" lists the exact versions (one pkg:arch=version a line).
set -eu

PACKAGES="libldns-dev libssl-dev"

die() {
	echo "sysroot.sh: error: $*" >&2
	exit 1
}

[ $# -eq 1 ] || die "usage: $0 DEBARCH"
debarch=$1
case $debarch in
*[!a-z0-9-]* | '') die "invalid Debian architecture '$debarch'" ;;
esac

# shellcheck source=lib/cache-root.sh
. "$(dirname -- "$0")/../lib/cache-root.sh"
cache=$(cache_root)
export LC_ALL=C

# Resolve the candidate version of every package (the cache key) in one
# apt-cache call: each call rebuilds apt's cache in memory, which is slow.
specs=
for pkg in $PACKAGES; do
	specs="$specs $pkg:$debarch"
done
# shellcheck disable=SC2086 # one word per package
manifest=$(apt-cache policy $specs 2>/dev/null | awk '
	/^[^ ].*:$/ { pkg = substr($0, 1, length($0) - 1) }
	/^  Candidate: / && $2 != "(none)" { print pkg "=" $2 }' | sort)
for pkg in $PACKAGES; do
	case $manifest in
	*"$pkg:$debarch="*) ;;
	*) die "no candidate for '$pkg:$debarch' (is the architecture enabled: dpkg --add-architecture $debarch && apt-get update?)" ;;
	esac
done
manifest="$manifest
"
key=$(printf '%s' "$manifest" | sha256sum | cut -c1-16)
dir=$cache/sysroot/$debarch
final=$dir/$key

if [ -d "$final" ]; then
	echo "$final"
	exit 0
fi

mkdir -p "$dir"
tmp=$(mktemp -d "$dir/.tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP
mkdir "$tmp/debs" "$tmp/root"

echo "sysroot.sh: fetching $(printf '%s' "$manifest" | tr '\n' ' ')" >&2
# The download directory is private to root: let apt write it as root
# rather than warn that its _apt sandbox user cannot.
specs=$(printf '%s' "$manifest" | tr '\n' ' ')
# shellcheck disable=SC2086 # one word per package spec
(cd "$tmp/debs" && apt-get -q -o APT::Sandbox::User=root download $specs >&2) ||
	die "cannot download '$specs'"
for deb in "$tmp"/debs/*.deb; do
	dpkg-deb -x "$deb" "$tmp/root" || die "cannot unpack '$deb'"
done

for lib in libldns.a libcrypto.a; do
	[ -n "$(find "$tmp/root/usr/lib" -name "$lib" -print -quit)" ] ||
		die "'$lib' missing from the $debarch packages"
done
printf '%s' "$manifest" >"$tmp/root/packages"

if ! mv -T "$tmp/root" "$final" 2>/dev/null; then
	# Another build won the race: its copy is as good as ours.
	[ -d "$final" ] || die "cannot rename sysroot into '$final'"
fi
echo "$final"
