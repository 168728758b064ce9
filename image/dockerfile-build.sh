#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# image/dockerfile-build.sh: build the top-level Dockerfile for real, with
# buildah (no daemon, no registry), for one arch or all of them.
#
#   image/dockerfile-build.sh --arch ARCH|all --out FILE [--oci-version V]
#
# The Dockerfile's builder stage starts FROM a Debian image (its DEBIAN_IMAGE
# argument). No base-image registry is needed: the base is made here with
# mmdebstrap (bookworm, minbase, the bookworm, bookworm-updates and
# bookworm-security suites as debian:bookworm-slim has them), imported into
# tscanary's own buildah storage once and reused until mmdebstrap or the
# suites change. The build then runs the Dockerfile unchanged:
#   buildah build --platform P[,P...] --manifest ... --isolation chroot
# and writes every platform as one OCI image index archive, FILE. No build
# argument is passed but OCI_VERSION, with --oci-version (a release's tag).
#
# buildah 1.28 (Debian 12) needs BUILDPLATFORM passed explicitly, which
# buildx sets itself: with --platform set, buildah otherwise looks for the
# builder's base image under the target platform. (Measured here: when
# buildah's storage lies under a RUN step's cache-mount target path, such as
# /root/.cache, the step's output is lost; the Dockerfile's cache mount
# targets /tscanary-cache, which no storage path lies under.)
# A CA bundle in SSL_CERT_FILE (a TLS-inspecting proxy's) is passed as the
# build secret build_ca; it is used by that build step only.
#
# Storage: ${TSCANARY_CACHE}/buildah (images, the cache mounts' contents).
# Exit codes: 0 built, 1 a tool or the build failed, 2 usage.
set -euo pipefail

prog=image/dockerfile-build.sh
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
start=$(date +%s)
say() { printf '%s: [%4ds] %s\n' dockerfile "$(($(date +%s) - start))" "$*" >&2; }
die() {
	echo "$prog: error: $*" >&2
	exit 1
}
usage() {
	echo "usage: $prog --arch ARCH|all --out FILE [--oci-version V]" >&2
	exit 2
}

arch='' out='' oci_version=''
while [ $# -gt 0 ]; do
	case $1 in
	--arch | --out | --oci-version)
		[ $# -ge 2 ] || usage
		case $1 in
		--arch) arch=$2 ;;
		--out) out=$2 ;;
		*) oci_version=$2 ;;
		esac
		shift 2
		;;
	-h | --help)
		awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
		exit 0
		;;
	*) usage ;;
	esac
done
{ [ -n "$arch" ] && [ -n "$out" ]; } || usage
[ "$(id -u)" = 0 ] || die "buildah with chroot isolation and overlay storage needs root here"
for t in buildah mmdebstrap jq; do
	command -v "$t" >/dev/null || die "'$t' is not installed (make deps)"
done

# shellcheck disable=SC2034 # read by vm/arch.sh
arch_env=$top/vm/arches.env
# shellcheck source=../vm/arch.sh disable=SC1091
. "$top/vm/arch.sh"
# shellcheck source=lib/cache-root.sh
. "$top/lib/cache-root.sh"
arches=$arch
[ "$arch" != all ] || arches=$(arch_names)
platforms=''
for a in $arches; do
	arch_load "$a" || exit 1
	platforms=${platforms:+$platforms,}linux/$ARCH_OCI
done
# the build platform is the arch whose Debian arch is this machine's
build_platform=$(a=$(arch_find DEBARCH "$(dpkg --print-architecture)") && arch_set "$a" &&
	echo "linux/$ARCH_OCI") || die "no arch in vm/arches builds on $(dpkg --print-architecture)"
version=$("$top/.ci/tailscale-version") || die "cannot read the pinned Tailscale version"

cache_root=$(cache_root)
store=$cache_root/buildah
mkdir -p "$store" || die "cannot create '$store'"
bh() { buildah --root "$store/root" --runroot "$store/run" --storage-driver overlay "$@"; }
bh info >/dev/null 2>&1 || die "buildah cannot use overlay storage under '$store' (kernel overlayfs needed)"

# --- the builder's base image ------------------------------------------------
mirror=http://deb.debian.org/debian
suites=("deb $mirror bookworm main" "deb $mirror bookworm-updates main"
	"deb http://deb.debian.org/debian-security bookworm-security main")
base_key=$(printf '%s\n' "$(mmdebstrap --version)" minbase "${suites[@]}" | sha256sum | cut -c1-16)
base=localhost/tscanary-build-base:bookworm-$base_key
if bh inspect --type image "$base" >/dev/null 2>&1; then
	say "base $base (cached)"
else
	say "base: mmdebstrap bookworm minbase"
	work=$(mktemp -d "$store/.base.XXXXXX")
	trap 'rm -rf "$work"' EXIT
	mmdebstrap --quiet --variant=minbase --mode=root bookworm "$work/base.tar" "${suites[@]}" ||
		die "mmdebstrap failed"
	c=$(bh from scratch) || die "buildah from scratch failed"
	if ! bh add --quiet "$c" "$work/base.tar" / ||
		! bh config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
			--cmd /bin/bash --os linux --arch "${build_platform#linux/}" "$c" ||
		! bh commit --quiet "$c" "$base" >/dev/null; then
		bh rm "$c" >/dev/null 2>&1 || true
		die "cannot import the mmdebstrap base into buildah"
	fi
	bh rm "$c" >/dev/null
	rm -rf "$work"
	trap - EXIT
	say "base $base ($(bh inspect --type image --format '{{.Size}}' "$base" 2>/dev/null || echo '?') bytes)"
fi

# --- the build ---------------------------------------------------------------
list=localhost/tscanary-dockerfile:$arch
bh manifest rm "$list" >/dev/null 2>&1 || true
extra=()
if [ -s "${SSL_CERT_FILE:-}" ]; then extra=(--secret "id=build_ca,src=$SSL_CERT_FILE"); fi
[ -z "$oci_version" ] || extra+=(--build-arg "OCI_VERSION=$oci_version")
say "buildah build --platform $platforms (tailscale.com $version)"
s=$(date +%s)
(cd "$top" && bh build --pull-never --isolation chroot --network host \
	--platform "$platforms" --manifest "$list" \
	--build-arg "BUILDPLATFORM=$build_platform" --build-arg "DEBIAN_IMAGE=$base" \
	"${extra[@]}" \
	-f Dockerfile .) || die "buildah build failed"
say "buildah build done ($(($(date +%s) - s))s)"
mkdir -p "$(dirname -- "$out")" || die "cannot create the directory of '$out'"
rm -f -- "$out"
bh manifest push --quiet --all --format oci "$list" "oci-archive:$out:$version" ||
	die "cannot write '$out'"
say "wrote $out ($(stat -c %s "$out") bytes; platforms $platforms)"
