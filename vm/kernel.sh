#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# shellcheck source-path=SCRIPTDIR
# vm/kernel.sh --arch ARCH [--kernel PROFILE]: fetch the Debian kernel for
# ARCH (the metapackage in vm/arches resolved to its exact linux-image-<abi>
# package and version in the profile's suite) and extract vmlinuz plus only
# the modules the profile names (vm/kernels/PROFILE, default bookworm; see
# vm/kernel-profile.sh for the format) into
#   $TSCANARY_CACHE/kernel/<arch>/<abi>_<version>/            (bookworm)
#   $TSCANARY_CACHE/kernel/<arch>/<profile>/<abi>_<version>/  (any other)
#     vmlinuz          the kernel as QEMU's -kernel takes it: Debian's file,
#                      or for a 32-bit ARM zImage its kernel Image unpacked
#                      here in a U-Boot legacy image (see below)
#     config           the kernel's build config (config-<abi>)
#     modules/*.ko     uncompressed modules (busybox insmod reads no .xz)
#     modules.load     module file names, one a line, in load order
#     modules.waves    the same, one wave a line: a wave's modules need only
#                      modules of earlier waves (init loads each at once)
#     modules.builtin  requested modules that are built in (nothing to load)
#     version          key=value: package, version, release, debarch, arch
#     wanted           recipe revision and requested modules (cache key)
# Prints that directory as the last line of stdout; progress on stderr.
# The .deb stays in $TSCANARY_CACHE/debs: Debian drops superseded kernels.
# A profile with "apt machine" resolves through the machine's APT sources
# and lists (as the Makefile's APT_CONFIG sets them up); "apt private"
# through an APT state of tscanary's own under
# $TSCANARY_CACHE/apt/<suite>-<debarch>/: its own sources.list (the suite's
# main component on deb.debian.org, or $TSCANARY_DEBIAN_MIRROR; never the
# suite's security updates), lists, empty dpkg status and package cache,
# refreshed with apt-get update when it has no lists yet, when they are a
# week old, or once when a download fails. The machine's sources and lists
# are never touched.
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
	echo "usage: $prog --arch ARCH [--kernel PROFILE]" >&2
	exit 2
}

arch=
profile=bookworm
while [ $# -gt 0 ]; do
	case $1 in
	--arch) [ $# -ge 2 ] || usage; arch=$2; shift 2 ;;
	--arch=*) arch=${1#--arch=}; shift ;;
	--kernel) [ $# -ge 2 ] || usage; profile=$2; shift 2 ;;
	--kernel=*) profile=${1#--kernel=}; shift ;;
	-h|--help) usage ;;
	*) say "unknown argument '$1'"; usage ;;
	esac
done
[ -n "$arch" ] || usage
arch_load "$arch" || exit 1
# shellcheck disable=SC1091
. "$here/kernel-profile.sh"
profiles=$(cd "$here/kernels" && echo *)
case $profile in
''|*/*|.*) die "bad kernel profile name '$profile' (one of: $profiles)" ;;
esac
[ -f "$here/kernels/$profile" ] || die "unknown kernel profile '$profile' (one of: $profiles)"
kprofile_load "$here/kernels/$profile" || exit 1

# shellcheck source=lib/cache-root.sh
. "$here/../lib/cache-root.sh"
cache=$(cache_root)

# What the guest needs, by module name: the virtio transport of the
# machine, then the profile's modules (why each: the profile's comments).
# Bump recipe when the way this script builds the directory changes: it is
# part of the cache key.
recipe=4
case $ARCH_VIRTIO in
mmio) transport=virtio_mmio ;;
pci) transport=virtio_pci ;;
*) die "unknown virtio transport '$ARCH_VIRTIO' for '$arch'" ;;
esac
wanted="$transport
$KPROFILE_MODULES"

# The APT state the profile resolves through: "$@" of every apt call.
set --
if [ "$KPROFILE_APT" = private ]; then
	apt_state=$cache/apt/$KPROFILE_SUITE-$ARCH_DEBARCH
	keyring=/usr/share/keyrings/debian-archive-keyring.gpg
	mirror=${TSCANARY_DEBIAN_MIRROR:-http://deb.debian.org/debian}
	[ -r "$keyring" ] ||
		die "no '$keyring' to check $KPROFILE_SUITE's signature (apt-get install debian-archive-keyring)"
	mkdir -p "$apt_state/lists/partial" "$apt_state/archives/partial" \
		"$apt_state/sources.list.d" "$apt_state/preferences.d" ||
		die "cannot create '$apt_state'"
	[ -f "$apt_state/status" ] || : >"$apt_state/status"
	# The suite alone: its security suite is deliberately not used.
	printf 'deb [signed-by=%s] %s %s main\n' "$keyring" "$mirror" "$KPROFILE_SUITE" \
		>"$apt_state/sources.list.tmp.$$"
	mv -f "$apt_state/sources.list.tmp.$$" "$apt_state/sources.list"
	# -c is read after apt.conf.d, so these win over the machine's
	# settings; #clear drops the machine's update and dpkg hooks, which
	# have no business running for this state.
	cat >"$apt_state/apt.conf.tmp.$$" <<EOF
#clear APT::Update::Post-Invoke-Success;
#clear APT::Update::Post-Invoke;
#clear DPkg::Post-Invoke;
#clear APT::Architectures;
APT::Architecture "$ARCH_DEBARCH";
APT::Architectures { "$ARCH_DEBARCH"; };
Dir::State "$apt_state";
Dir::State::Lists "$apt_state/lists";
Dir::State::status "$apt_state/status";
Dir::Cache "$apt_state";
Dir::Cache::archives "$apt_state/archives";
Dir::Cache::pkgcache "$apt_state/pkgcache.bin";
Dir::Cache::srcpkgcache "$apt_state/srcpkgcache.bin";
Dir::Etc::SourceList "$apt_state/sources.list";
Dir::Etc::SourceParts "$apt_state/sources.list.d";
Dir::Etc::Preferences "$apt_state/preferences";
Dir::Etc::PreferencesParts "$apt_state/preferences.d";
Acquire::IndexTargets::deb::DEP-11::DefaultEnabled "false";
Acquire::Languages "none";
EOF
	mv -f "$apt_state/apt.conf.tmp.$$" "$apt_state/apt.conf"
	set -- -c "$apt_state/apt.conf"
fi

# apt-get update of the private state, one run at a time (flock).
apt_refresh() {
	[ "$KPROFILE_APT" = private ] || return 1
	say "apt-get update: $KPROFILE_SUITE ($ARCH_DEBARCH) into $apt_state"
	if flock "$apt_state/.update.lock" apt-get "$@" -q update >"$apt_state/update.log" 2>&1; then
		touch "$apt_state/updated"
	else
		say "warning: apt-get update of $KPROFILE_SUITE failed (see $apt_state/update.log)"
		return 1
	fi
}
if [ "$KPROFILE_APT" = private ] &&
	{ [ ! -f "$apt_state/updated" ] || [ -n "$(find "$apt_state/updated" -mtime +6)" ]; }; then
	apt_refresh "$@" || [ -f "$apt_state/updated" ] ||
		die "no package lists for $KPROFILE_SUITE (apt-get update failed: $apt_state/update.log)"
fi

# Resolve the metapackage to the exact image package and its candidate.
pkg=$(apt-cache "$@" depends "$ARCH_KERNELPKG:$ARCH_DEBARCH" 2>/dev/null |
	awk '$1 == "Depends:" && $2 ~ /^linux-image-/ { print $2; exit }')
pkg=${pkg%:"$ARCH_DEBARCH"}
[ -n "$pkg" ] || die "cannot resolve '$ARCH_KERNELPKG:$ARCH_DEBARCH' (apt-get update?)"
ver=$(apt-cache "$@" policy "$pkg:$ARCH_DEBARCH" | awk '$1 == "Candidate:" { print $2; exit }')
case $ver in
''|'(none)') die "no installable version of '$pkg:$ARCH_DEBARCH'" ;;
esac
release=${pkg#linux-image-}
say "$KPROFILE_NAME ($KPROFILE_SUITE): $ARCH_KERNELPKG:$ARCH_DEBARCH -> $pkg $ver"

# The default profile keeps the directory it had before there were profiles.
if [ "$KPROFILE_NAME" = bookworm ]; then
	dest=$cache/kernel/$arch/${release}_$ver
else
	dest=$cache/kernel/$arch/$KPROFILE_NAME/${release}_$ver
fi
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

mkdir -p "${dest%/*}" "$cache/debs"
tmp=$(mktemp -d "${dest%/*}/.tmp.XXXXXX")
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
	if ! (cd "$tmp/dl" && apt-get "$@" -q download "$pkg:$ARCH_DEBARCH=$ver" >&2); then
		# a private state refreshes itself once; the version must not move
		if ! apt_refresh "$@" ||
			[ "$(apt-cache "$@" policy "$pkg:$ARCH_DEBARCH" |
				awk '$1 == "Candidate:" { print $2; exit }')" != "$ver" ] ||
			! (cd "$tmp/dl" && apt-get "$@" -q download "$pkg:$ARCH_DEBARCH=$ver" >&2); then
			die "cannot download '$pkg:$ARCH_DEBARCH=$ver' (stale index? apt-get update; then run again)"
		fi
	fi
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

# A 32-bit ARM zImage unpacks itself at every boot: under TCG that took
# about 2.5 s of each armv7 boot (make vm-smoke: 7.3-7.7 s as a zImage,
# 4.1-5.2 s as below). Unpack it once here instead and hand QEMU the kernel
# Image in a U-Boot legacy image, which QEMU loads at the image's load
# address and enters with the same Linux boot protocol. The Image must sit
# where the zImage's own decompressor puts it: start of RAM + TEXT_OFFSET,
# the kernel's link offset (arch/arm/Makefile's textofs rules, read from the
# config): 0x208000 for Debian's armmp kernels, which enable ARCH_MESON.
# Loaded at RAM + 0x8000 instead, such a kernel believes RAM starts 2 MiB
# lower than it does and loses its exception vectors at the first interrupt.
boot=as-shipped
boot_at=
if [ "$ARCH_QEMU" = qemu-system-arm ] &&
	[ "$(od -An -tx4 -j36 -N4 "$tmp/out/vmlinuz" | tr -d ' ')" = 016f2818 ]; then
	cfg=$tmp/out/config
	on() { grep -qx "CONFIG_$1=y" "$cfg"; }
	case $ARCH_MACHINE in
	virt) ram_base=$((0x40000000)) ;; # QEMU's virt machine: RAM at 1 GiB
	*) ram_base= ;;
	esac
	# arch/arm/Makefile: the last matching rule wins.
	textofs=$((0x8000))
	if on PM_H1940 || on ARCH_REALTEK; then textofs=$((0x108000)); fi
	if { on ARCH_SA1100 && on SA1111; } || on ARCH_IPQ40XX || on ARCH_MSM8X60 ||
		on ARCH_MSM8960 || on ARCH_MESON; then
		textofs=$((0x208000))
	fi
	if on ARCH_AXXIA; then textofs=$((0x308000)); fi
	if [ -z "$ram_base" ]; then
		say "keeping the zImage: no known start of RAM for machine '$ARCH_MACHINE'"
	elif ! on KERNEL_XZ; then
		say "keeping the zImage: its payload is not XZ, the one format unpacked here"
	else
		# The payload is the first XZ stream that unpacks to this kernel.
		found=
		offsets=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$tmp/out/vmlinuz" | cut -d: -f1)
		for off in $offsets; do
			if tail -c "+$((off + 1))" "$tmp/out/vmlinuz" |
				xz -dc --single-stream >"$tmp/Image" 2>/dev/null &&
				LC_ALL=C grep -qaF "Linux version $release " "$tmp/Image"; then
				found=$off
				break
			fi
		done
		[ -n "$found" ] || die "no XZ stream in the zImage of '$pkg' unpacks to Linux $release"
		load=$(printf '0x%08x' $((ram_base + textofs)))
		# the package's own date in the header: the same bytes on every machine
		SOURCE_DATE_EPOCH=$(stat -c %Y "$tmp/root/boot/vmlinuz-$release") \
			mkimage -A arm -O linux -T kernel -C none -a "$load" -e "$load" \
			-n "$release" -d "$tmp/Image" "$tmp/out/vmlinuz.uimage" >/dev/null ||
			die "mkimage failed on the unpacked kernel of '$pkg'"
		mv -f "$tmp/out/vmlinuz.uimage" "$tmp/out/vmlinuz"
		rm -f "$tmp/Image"
		boot=uimage
		boot_at="load_address=$load
text_offset=$(printf '0x%x' "$textofs")"
		say "unpacked the zImage once: a $(($(stat -c %s "$tmp/out/vmlinuz") / 1048576)) MiB uImage, loaded at $load"
	fi
fi

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

# Load waves: the same modules grouped so that each depends only on modules
# of earlier waves, for the guest's init to load one wave's modules at once
# (the guest has two CPUs; one by one, 24 modules took 2-3.3 s of every
# boot). A module's wave is one past the latest wave of what it needs: its
# depends (modules.dep) and the modules its softdep "pre:" names load first
# by name or alias (libcrc32c asks the crypto API for "crc32c" at load,
# which crc32c_generic provides; nothing in modules.dep says so).
: >"$tmp/waveof"
# a module's name as the kernel knows it, from its file
modname() {
	b=$(basename -- "$1")
	b=${b%.xz}
	b=${b%.zst}
	b=${b%.gz}
	echo "${b%.ko}" | tr - _
}
while read -r path; do
	m=$(modname "$path")
	wave=0
	needs=$(awk -v p="$path" -v d="$moddir/" -F': *' 'd $1 == p { print $2; exit }' \
		"$moddir/modules.dep")
	for dep in $needs; do
		d=$(modname "$dep")
		w=$(awk -v m="$d" '$1 == m { print $2; exit }' "$tmp/waveof")
		[ -n "$w" ] || die "'$m' needs '$d', which loads after it"
		[ "$w" -lt "$wave" ] || wave=$((w + 1))
	done
	for pre in $(modinfo -F softdep "$path" 2>/dev/null | sed -n 's/.*pre: *//p' | sed 's/ *post:.*//'); do
		# the loaded module that is, or is an alias of, $pre
		w=$(awk -v m="$(echo "$pre" | tr - _)" '$1 == m || index(" " $0 " ", " " m " ") { print $2; exit }' \
			"$tmp/waveof")
		[ -z "$w" ] || [ "$w" -lt "$wave" ] || wave=$((w + 1))
	done
	aliases=$(modinfo -F alias "$path" 2>/dev/null | tr - _ | tr '\n' ' ')
	echo "$m $wave $aliases" >>"$tmp/waveof"
done <"$tmp/paths"
# one line per wave: its modules' file names, in load order
paste -d' ' "$tmp/out/modules.load" "$tmp/waveof" |
	awk '{ w[$3] = w[$3] (w[$3] == "" ? "" : " ") $1; if ($3 > last) last = $3 }
	     END { for (i = 0; i <= last; i++) print w[i] }' >"$tmp/out/modules.waves"

printf 'recipe %s\n%s\n' "$recipe" "$wanted" >"$tmp/out/wanted"
cat >"$tmp/out/version" <<EOF
arch=$arch
debarch=$ARCH_DEBARCH
metapackage=$ARCH_KERNELPKG
package=$pkg
version=$ver
release=$release
boot=$boot
EOF
[ -z "$boot_at" ] || printf '%s\n' "$boot_at" >>"$tmp/out/version"

if ! mv -T -- "$tmp/out" "$dest" 2>/dev/null; then
	# Another run may have filled the same entry meanwhile: take theirs.
	cached || die "cannot rename into '$dest'"
	say "another run filled '$dest' first: using it"
fi
say "$(wc -l <"$dest/modules.load") modules to load, $(wc -l <"$dest/modules.builtin") built in"
echo "$dest"
