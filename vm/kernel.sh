#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# shellcheck source-path=SCRIPTDIR
# vm/kernel.sh --arch ARCH: fetch the Debian kernel for ARCH (the metapackage
# in vm/arches resolved to its exact linux-image-<abi> package and version)
# and extract vmlinuz plus only the modules the guest needs into
#   $TSCANARY_CACHE/kernel/<arch>/<abi>_<version>/
#     vmlinuz          the kernel as QEMU's -kernel takes it
#     config           the kernel's build config (config-<abi>)
#     modules/*.ko     uncompressed modules (busybox insmod reads no .xz)
#     modules.load     module file names, one a line, in load order
#     modules.builtin  requested modules that are built in (nothing to load)
#     version          key=value: package, version, release, debarch, arch
#     wanted           recipe revision and requested modules (cache key)
# Prints that directory as the last line of stdout; progress on stderr.
# The .deb stays in $TSCANARY_CACHE/debs: Debian drops superseded kernels.
set -eu

here=$(cd -- "$(dirname -- "$0")" && pwd)
# shellcheck disable=SC2034 # read by vm/arch.sh
arch_env=$here/arches.env
# shellcheck disable=SC1091
. "$here/arch.sh"

prog=kernel.sh
say() { printf '%s: %s\n' "$prog" "$*" >&2; }
die() { say "error: $*"; exit 1; }

usage() {
	echo "usage: $prog --arch ARCH" >&2
	exit 2
}

arch=
while [ $# -gt 0 ]; do
	case $1 in
	--arch) [ $# -ge 2 ] || usage; arch=$2; shift 2 ;;
	--arch=*) arch=${1#--arch=}; shift ;;
	-h|--help) usage ;;
	*) say "unknown argument '$1'"; usage ;;
	esac
done
[ -n "$arch" ] || usage
arch_load "$arch" || exit 1

cache=${TSCANARY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tscanary}

# What the guest needs, by module name. The first is the virtio transport of
# the machine; the nftables set is what tailscaled's linuxfw nftables runner
# installs (nat chains with masquerade and dnat, ct state/mark matches,
# filter chains; cmp/meta/payload/bitwise/immediate/counter/rt/exthdr are
# part of nf_tables itself). crc32c_generic is named because ext4 and jbd2
# ask the crypto API for "crc32c" at mount time, which no depends line shows
# and no modprobe in the guest would resolve. Bump recipe when the way this
# script builds the directory changes: it is part of the cache key.
recipe=1
case $ARCH_VIRTIO in
mmio) transport=virtio_mmio ;;
pci) transport=virtio_pci ;;
*) die "unknown virtio transport '$ARCH_VIRTIO' for '$arch'" ;;
esac
wanted=$(tr ' ' '\n' <<EOF
$transport virtio_rng virtio_console virtio_blk virtio_net tun
ipv6 crc32c_generic ext4
nf_tables nf_conntrack nf_nat nft_chain_nat nft_nat nft_masq nft_ct
EOF
)

# Resolve the metapackage to the exact image package and its candidate.
pkg=$(apt-cache depends "$ARCH_KERNELPKG:$ARCH_DEBARCH" 2>/dev/null |
	awk '$1 == "Depends:" && $2 ~ /^linux-image-/ { print $2; exit }')
pkg=${pkg%:"$ARCH_DEBARCH"}
[ -n "$pkg" ] || die "cannot resolve '$ARCH_KERNELPKG:$ARCH_DEBARCH' (apt-get update?)"
ver=$(apt-cache policy "$pkg:$ARCH_DEBARCH" | awk '$1 == "Candidate:" { print $2; exit }')
case $ver in
''|'(none)') die "no installable version of '$pkg:$ARCH_DEBARCH'" ;;
esac
release=${pkg#linux-image-}
say "$ARCH_KERNELPKG:$ARCH_DEBARCH -> $pkg $ver"

dest=$cache/kernel/$arch/${release}_$ver
cached() {
	[ -f "$dest/version" ] && [ -f "$dest/vmlinuz" ] &&
		[ "$(cat "$dest/wanted" 2>/dev/null)" = "recipe $recipe
$wanted" ]
}
if cached; then
	say "cache hit: $dest"
	echo "$dest"
	exit 0
fi
if [ -e "$dest" ]; then
	say "replacing '$dest': built for another module list or recipe"
	rm -rf "$dest"
fi

mkdir -p "$cache/kernel/$arch" "$cache/debs"
tmp=$(mktemp -d "$cache/kernel/$arch/.tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM HUP

# apt names files with the epoch's ':' as %3a; keep that name.
deb=$cache/debs/${pkg}_$(printf '%s' "$ver" | sed 's/:/%3a/')_$ARCH_DEBARCH.deb
if [ -f "$deb" ]; then
	say "using cached $(basename -- "$deb")"
else
	say "downloading $pkg:$ARCH_DEBARCH=$ver (once; cached)"
	t0=$(date +%s)
	mkdir "$tmp/dl"
	(cd "$tmp/dl" && apt-get -q download "$pkg:$ARCH_DEBARCH=$ver" >&2) ||
		die "cannot download '$pkg:$ARCH_DEBARCH=$ver' (stale index? apt-get update)"
	set -- "$tmp"/dl/*.deb
	if [ $# -ne 1 ] || [ ! -f "$1" ]; then
		die "apt-get download left no single .deb"
	fi
	say "downloaded $(basename -- "$1"): $(($(stat -c %s "$1") / 1048576)) MiB in $(($(date +%s) - t0)) s"
	mv -- "$1" "$deb.tmp.$$"
	mv -- "$deb.tmp.$$" "$deb"
fi

say "unpacking $(basename -- "$deb")"
mkdir "$tmp/root" "$tmp/out" "$tmp/out/modules"
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp/root" ./boot ./lib/modules
moddir=$tmp/root/lib/modules/$release
[ -d "$moddir" ] || die "'$pkg' has no lib/modules/$release"
[ -f "$tmp/root/boot/vmlinuz-$release" ] || die "'$pkg' has no boot/vmlinuz-$release"
cp "$tmp/root/boot/vmlinuz-$release" "$tmp/out/vmlinuz"
cp "$tmp/root/boot/config-$release" "$tmp/out/config"

# The package ships no modules.dep: build one for the unpacked tree, then let
# modprobe (with no host configuration) print each wanted module's chain.
# Softdeps are dropped: they pull in every crc32c implementation (crc32-arm-ce
# fails to load on a cortex-a15), and crc32c_generic is requested by name.
depmod -b "$tmp/root" "$release" || die "depmod failed on '$moddir'"
rm -f "$moddir/modules.softdep"
: >"$tmp/paths"
: >"$tmp/out/modules.builtin"
for m in $wanted; do
	modprobe -C /dev/null -d "$tmp/root" -S "$release" --show-depends "$m" \
		>"$tmp/chain" 2>&1 ||
		die "module '$m' is neither built in nor shipped by '$pkg': $(cat "$tmp/chain")"
	while read -r kind path _; do
		case $kind in
		insmod) grep -qxF "$path" "$tmp/paths" || echo "$path" >>"$tmp/paths" ;;
		builtin) grep -qxF "$path" "$tmp/out/modules.builtin" ||
			echo "$path" >>"$tmp/out/modules.builtin" ;;
		*) die "unexpected modprobe output for '$m': $kind $path" ;;
		esac
	done <"$tmp/chain"
done

# Copy (decompressing where the package compresses) in load order.
: >"$tmp/out/modules.load"
while read -r path; do
	base=$(basename -- "$path")
	case $base in
	*.ko) cp -- "$path" "$tmp/out/modules/$base" ;;
	*.ko.xz) base=${base%.xz}; xz -dc -- "$path" >"$tmp/out/modules/$base" ;;
	*.ko.zst) base=${base%.zst}; zstd -qdc -- "$path" >"$tmp/out/modules/$base" ;;
	*.ko.gz) base=${base%.gz}; gzip -dc -- "$path" >"$tmp/out/modules/$base" ;;
	*) die "unknown module file '$path'" ;;
	esac
	echo "$base" >>"$tmp/out/modules.load"
done <"$tmp/paths"

printf 'recipe %s\n%s\n' "$recipe" "$wanted" >"$tmp/out/wanted"
cat >"$tmp/out/version" <<EOF
arch=$arch
debarch=$ARCH_DEBARCH
metapackage=$ARCH_KERNELPKG
package=$pkg
version=$ver
release=$release
EOF

if ! mv -T -- "$tmp/out" "$dest" 2>/dev/null; then
	# Another run may have filled the same entry meanwhile: take theirs.
	cached || die "cannot rename into '$dest'"
	say "another run filled '$dest' first: using it"
fi
say "$(wc -l <"$dest/modules.load") modules to load, $(wc -l <"$dest/modules.builtin") built in"
echo "$dest"
