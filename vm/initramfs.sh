#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# shellcheck source-path=SCRIPTDIR
# vm/initramfs.sh: build the two halves of a guest's initrd, each a gzip'd
# newc cpio owned by root; the kernel unpacks concatenated archives in order,
# so the initrd is `cat rootfs.cpio.gz overlay.cpio.gz`.
#
#   initramfs.sh --arch ARCH --kernel-dir DIR --agent PATH [--extra DIR] --out FILE
#     The harness overlay, everything under /.tscanary:
#       init               vm/guest/init (rdinit=/.tscanary/init)
#       bin/busybox        Debian busybox-static for the arch (from the cache)
#       bin/agent          the guest agent (--agent)
#       modules/           the kernel dir's modules/*.ko and modules.waves
#       run/               mount point for init's tmpfs
#       versions           what went in: kernel, busybox, input hashes
#       <--extra>/...      the contents of --extra (guest canaries)
#     Nothing per run goes in: the same inputs give the same bytes, and
#     FILE.versions (a copy of versions) plus FILE's sha256 key a cache.
#
#   initramfs.sh --rootfs DIR --out FILE
#     An unpacked image rootfs, modes and symlinks kept, owned by root.
set -eu

here=$(cd -- "$(dirname -- "$0")" && pwd)
# shellcheck disable=SC2034 # read by vm/arch.sh
arch_env=$here/arches.env
# shellcheck disable=SC1091
. "$here/arch.sh"

prog=initramfs.sh
say() { printf '%s: %s\n' "$prog" "$*" >&2; }
die() { say "error: $*"; exit 1; }

usage() {
	cat >&2 <<EOF
usage: $prog --arch ARCH --kernel-dir DIR --agent PATH [--extra DIR] --out FILE
       $prog --rootfs DIR --out FILE
EOF
	exit 2
}

arch='' kdir='' agent='' extra='' rootfs='' out=''
while [ $# -gt 0 ]; do
	case $1 in
	--arch|--kernel-dir|--agent|--extra|--rootfs|--out)
		[ $# -ge 2 ] || usage
		case $1 in
		--arch) arch=$2 ;;
		--kernel-dir) kdir=$2 ;;
		--agent) agent=$2 ;;
		--extra) extra=$2 ;;
		--rootfs) rootfs=$2 ;;
		--out) out=$2 ;;
		esac
		shift 2 ;;
	-h|--help) usage ;;
	*) say "unknown argument '$1'"; usage ;;
	esac
done
[ -n "$out" ] || usage

# shellcheck source=lib/cache-root.sh
. "$here/../lib/cache-root.sh"
cache=$(cache_root)
mkdir -p "$(dirname -- "$out")"
outdir=$(cd "$(dirname -- "$out")" && pwd)
# Modes in the archive must not depend on who builds it.
umask 022
tmp=$(mktemp -d "$outdir/.initramfs.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM HUP

# Pack directory $1 (its entries, not itself) into gzip'd cpio $2: sorted,
# root-owned, no inode or device numbers, so equal trees give equal bytes.
pack() {
	(cd "$1" && find . -mindepth 1 | LC_ALL=C sort |
		cpio --quiet -o -H newc -R 0:0 --reproducible) >"$tmp/pack.cpio" ||
		die "cpio failed on '$1'"
	gzip -n -6 <"$tmp/pack.cpio" >"$2.tmp.$$"
	rm -f "$tmp/pack.cpio"
	mv -f -- "$2.tmp.$$" "$2"
}

# Fetch busybox-static for the arch into the cache; sets busybox, bb_version.
fetch_busybox() {
	pkg=busybox-static:$ARCH_DEBARCH
	bb_version=$(apt-cache policy "$pkg" | awk '$1 == "Candidate:" { print $2; exit }')
	case $bb_version in
	''|'(none)') die "no installable '$pkg' (apt-get update?)" ;;
	esac
	dir=$cache/busybox/$ARCH_DEBARCH/$bb_version
	busybox=$dir/busybox
	if [ -x "$busybox" ]; then
		say "busybox $bb_version: cached"
		return 0
	fi
	say "downloading $pkg=$bb_version"
	mkdir -p "$tmp/bb" "$cache/busybox/$ARCH_DEBARCH"
	(cd "$tmp/bb" && apt-get -q download "$pkg=$bb_version" >&2) ||
		die "cannot download '$pkg=$bb_version' (stale index? apt-get update)"
	set -- "$tmp"/bb/*.deb
	if [ $# -ne 1 ] || [ ! -f "$1" ]; then
		die "apt-get download left no single .deb"
	fi
	mkdir "$tmp/bb/root" "$tmp/bb/out"
	dpkg-deb -x "$1" "$tmp/bb/root"
	[ -x "$tmp/bb/root/bin/busybox" ] || die "'$pkg' has no /bin/busybox"
	cp "$tmp/bb/root/bin/busybox" "$tmp/bb/out/busybox"
	echo "$bb_version" >"$tmp/bb/out/version"
	[ -x "$busybox" ] || rm -rf "$dir"
	if ! mv -T -- "$tmp/bb/out" "$dir" 2>/dev/null; then
		# Another run may have filled the same entry meanwhile.
		[ -x "$busybox" ] || die "cannot rename into '$dir'"
	fi
}

hash_of() { sha256sum <"$1" | cut -d' ' -f1; }

build_overlay() {
	if [ -z "$arch" ] || [ -z "$kdir" ] || [ -z "$agent" ] || [ -n "$rootfs" ]; then
		usage
	fi
	arch_load "$arch" || exit 1
	if [ ! -f "$kdir/modules.load" ] || [ ! -f "$kdir/modules.waves" ] ||
		[ ! -f "$kdir/version" ]; then
		die "'$kdir' is not a kernel dir from vm/kernel.sh"
	fi
	if [ ! -f "$agent" ] || [ ! -x "$agent" ]; then
		die "no executable agent at '$agent'"
	fi
	if [ -n "$extra" ]; then
		[ -d "$extra" ] || die "no directory '$extra'"
		for m in init bin modules run versions; do
			[ ! -e "$extra/$m" ] || die "'$extra/$m' would replace the harness's own '/.tscanary/$m'"
		done
	fi
	fetch_busybox

	t=$tmp/stage/.tscanary
	mkdir -p "$t/bin" "$t/modules" "$t/run"
	install -m 0755 "$here/guest/init" "$t/init"
	install -m 0755 "$busybox" "$t/bin/busybox"
	install -m 0755 "$agent" "$t/bin/agent"
	install -m 0644 "$kdir/modules.waves" "$t/modules/modules.waves"
	while read -r m; do
		[ -f "$kdir/modules/$m" ] || die "'$kdir/modules.load' names missing '$m'"
		install -m 0644 "$kdir/modules/$m" "$t/modules/$m"
	done <"$kdir/modules.load"
	if [ -n "$extra" ]; then
		cp -R -- "$extra/." "$t/"
	fi
	{
		sed 's/^/kernel_/' "$kdir/version"
		echo "busybox_version=$bb_version"
		echo "init_sha256=$(hash_of "$t/init")"
		echo "agent_sha256=$(hash_of "$t/bin/agent")"
		if [ -n "$extra" ]; then
			echo "extra_sha256=$(cd "$extra" && find . -type f -print0 |
				LC_ALL=C sort -z | xargs -0r sha256sum | sha256sum | cut -d' ' -f1)"
		fi
	} >"$t/versions"
	chmod 0755 "$t" "$t/bin" "$t/modules"
	chmod 0700 "$t/run"
	# Fixed mtimes: the overlay's bytes depend on its contents only.
	find "$tmp/stage" -mindepth 1 -exec touch -h -d @0 {} +
	pack "$tmp/stage" "$out"
	cp "$t/versions" "$out.versions.tmp.$$"
	mv -f -- "$out.versions.tmp.$$" "$out.versions"
	say "overlay $out ($(wc -c <"$out") bytes, busybox $bb_version, $(wc -l <"$kdir/modules.load") modules)"
}

build_rootfs() {
	[ -z "$arch$kdir$agent$extra" ] || usage
	[ -d "$rootfs" ] || die "no directory '$rootfs'"
	[ ! -e "$rootfs/.tscanary" ] || die "'$rootfs' has a /.tscanary of its own"
	pack "$rootfs" "$out"
	say "rootfs $out ($(wc -c <"$out") bytes)"
}

if [ -n "$rootfs" ]; then
	build_rootfs
else
	build_overlay
fi
echo "$out"
