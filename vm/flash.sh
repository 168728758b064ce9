#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# vm/flash.sh OUT [SIZE_MB]: make the router's flash, a raw ext4 image that
# the guest mounts (noatime) on /var/lib/tailscale. Inode tables and journal
# are initialised now, not lazily in the guest, so the disk's write counters
# show only what tailscaled writes; its root holds nothing (no lost+found),
# like the container volume it stands for. Default size 64 MiB. Per run: cheap.
set -eu

prog=flash.sh
die() { printf '%s: error: %s\n' "$prog" "$*" >&2; exit 1; }

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	echo "usage: $prog OUT [SIZE_MB]" >&2
	exit 2
fi
out=$1
size=${2:-64}
case $size in
''|*[!0-9]*) die "size '$size' is not a number of MiB" ;;
esac
[ "$size" -ge 8 ] || die "size ${size} MiB is too small for ext4 with a journal"

tmp=$out.tmp.$$
trap 'rm -f "$tmp"' EXIT
trap 'exit 130' INT TERM HUP
rm -f "$tmp"
truncate -s "${size}M" "$tmp" || die "cannot create '$tmp'"
mkfs.ext4 -q -F -L flash -E lazy_itable_init=0,lazy_journal_init=0 "$tmp" >&2 ||
	die "mkfs.ext4 failed on '$tmp'"
# The state dir is the file system's root here, but on a router it is a
# plain directory: mkfs's lost+found would be the only entry tailscaled did
# not make. Nothing needs it until an fsck finds orphans (it then makes one).
debugfs -w -R 'rmdir lost+found' "$tmp" >/dev/null 2>&1 ||
	die "debugfs cannot remove lost+found from '$tmp'"
if debugfs -R 'ls /' "$tmp" 2>/dev/null | grep -q 'lost+found'; then
	die "lost+found is still in '$tmp' after debugfs rmdir"
fi
mv -f -- "$tmp" "$out"
echo "$out"
