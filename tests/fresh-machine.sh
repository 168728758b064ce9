#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# make fresh-check: the gate's one command on a fresh Debian 12, timed.
#
#   tests/fresh-machine.sh [ARCH]        (root; default armv7)
#
# mmdebstrap makes a bookworm minbase root holding only git, make and
# ca-certificates (plus this machine's own extra CA certificates from
# /usr/local/share/ca-certificates and its APT settings, which a machine
# behind a TLS-inspecting proxy or a snapshot mirror needs to reach the
# Go module proxy and Debian), and a clone of this tree's HEAD. In a
# private mount namespace, with the root bound onto itself (a mount point,
# as a machine's / is), the machine's /dev and /sys and a fresh /proc and
# /run, `make test ARCH` runs chrooted there as root: it installs
# what the root lacks, builds everything from empty caches and runs the
# gate; its lab's namespaces are this kernel's, as in any run. Nothing is
# installed on this machine, and the root is removed afterwards (KEEP=1
# keeps it). The last line gives the time; out/fresh/ keeps the log.
# Exit: make test's status, 2 usage, 3 this machine cannot make the root.
set -euo pipefail

arch=${1:-armv7}
top=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
out=$top/out/fresh
say() { printf 'fresh: %s\n' "$*"; }

[ "$(id -u)" = 0 ] || { echo "fresh-machine.sh: needs root (chroot, mount namespace)" >&2; exit 2; }
for t in mmdebstrap unshare chroot git findmnt; do
	command -v "$t" >/dev/null || { echo "fresh-machine.sh: missing tool '$t' (make deps)" >&2; exit 3; }
done
rev=$(git -C "$top" rev-parse --short HEAD)
[ -z "$(git -C "$top" status --porcelain --untracked-files=no)" ] ||
	say "note: uncommitted changes are not in the fresh root: it clones HEAD ($rev)"

root=$(mktemp -d /var/tmp/tsc-fresh.XXXXXX)
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	if [ "${KEEP:-}" = 1 ]; then
		say "kept the root: $root"
	elif [ -z "$(findmnt -rn -R -o TARGET "$root" 2>/dev/null)" ]; then
		rm -rf "$root"
	else
		say "the root still has mounts, left in place: $root" >&2
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$out"
log=$out/fresh-$arch.log

s=$(date +%s)
say "making a bookworm minbase root in $root (git, make, ca-certificates)"
certs=(/usr/local/share/ca-certificates/*.crt)
# shellcheck disable=SC2016 # mmdebstrap expands $1 (the root) in its hooks
hooks=(--customize-hook='chroot "$1" update-ca-certificates >/dev/null')
if [ -e "${certs[0]}" ]; then
	# shellcheck disable=SC2016
	hooks=(--customize-hook='cp /usr/local/share/ca-certificates/*.crt "$1/usr/local/share/ca-certificates/"' "${hooks[@]}")
fi
if ! mmdebstrap --variant=minbase --include=ca-certificates,git,make "${hooks[@]}" \
	bookworm "$root" >"$out/mmdebstrap.log" 2>&1; then
	tail -n 5 "$out/mmdebstrap.log" >&2
	echo "fresh-machine.sh: mmdebstrap failed (see $out/mmdebstrap.log)" >&2
	exit 3
fi
cp /etc/resolv.conf "$root/etc/resolv.conf"
cp -a /etc/apt/apt.conf.d/. "$root/etc/apt/apt.conf.d/"
git clone -q "$top" "$root/root/tscanary"
say "root ready in $(($(date +%s) - s)) s; make test ARCH=$arch in it (HEAD $rev), log $log"

rc=0
t0=$(date +%s)
# shellcheck disable=SC2016 # the inner shell expands its environment
FRESH_ROOT=$root FRESH_ARCH=$arch unshare -m --propagation private bash -c '
	set -e
	r=$FRESH_ROOT
	# the root a mount point, as / is on a machine (the lab nodes make
	# their mounts private from there)
	mount --bind "$r" "$r"
	mount -t proc proc "$r/proc"
	mount --rbind /sys "$r/sys"
	mount --rbind /dev "$r/dev"
	mount -t tmpfs tmpfs "$r/run"
	exec chroot "$r" /usr/bin/env -i HOME=/root TERM=dumb \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		/bin/sh -c "cd /root/tscanary && exec make test ARCH=$FRESH_ARCH"
' >"$log" 2>&1 </dev/null || rc=$?
took=$(($(date +%s) - t0))
[ "$rc" != 130 ] || exit 130
grep -E '^(tscanary: |image: \[.*built|.*result: )' "$log" | tail -n 12 || true
cp "$root/root/tscanary/out/$arch/summary.json" "$out/summary-$arch.json" 2>/dev/null || true
say "make test ARCH=$arch on a fresh Debian 12: exit $rc in $took s (packages, every build from empty caches, the run)"
exit "$rc"
