#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Bad input must end in a clear message and its own non-zero exit, never a
# hang. Each case runs the harness (or the image build) the way a user would
# get it wrong, under a hard timeout, and checks the exit code and that the
# message names the cause.
#
#   tests/bad-inputs.sh ARMV7_IMAGE ARM64_IMAGE AMD64_IMAGE
#
# Good OCI archives of each arch: armv7 is the arch under test, arm64 the
# image of another platform, amd64 the one a broken /dev/kvm would run. Run
# as root from the repo root after `make kit` built what a run needs; `make bad-input-check` does all of that. The
# cases without root change nothing on the machine: what they lack or get
# is in namespaces of their own.
set -uo pipefail

[ $# -eq 3 ] || { echo "usage: $0 ARMV7_IMAGE ARM64_IMAGE AMD64_IMAGE" >&2; exit 2; }
good=$1 other=$2 native=$3
for f in "$good" "$other" "$native"; do
	[ -f "$f" ] || { echo "bad-inputs: no image '$f'" >&2; exit 2; }
done

limit=${BAD_INPUT_TIMEOUT:-120}
tmp=$(mktemp -d /tmp/tscanary-badinput-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

kit=$(make -s --no-print-directory kit ARCH=armv7 | tail -n 1)
[ -f "$kit" ] ||
	{ echo "bad-inputs: make kit ARCH=armv7 wrote no kit" >&2; exit 2; }
# shellcheck source=tests/tap.sh
. "$(dirname -- "$0")/tap.sh"
t_all=$(date +%s)

# expect NAME CODE REGEX -- COMMAND...: the command exits CODE within the
# limit and its output matches REGEX (grep -E).
expect() {
	local name=$1 want=$2 re=$3 t0 code
	shift 4
	t0=$(date +%s)
	timeout --kill-after=10 "$limit" "$@" >"$tmp/out" 2>&1
	code=$?
	local took=$(($(date +%s) - t0))
	if [ "$code" = 124 ] || [ "$code" = 137 ]; then
		tap_not_ok "$name: no verdict within ${limit}s (a hang)"
	elif [ "$code" != "$want" ]; then
		tap_not_ok "$name: exit $code, want $want"
		tail -n 8 "$tmp/out" | tap_diag
	elif ! grep -Eiq -- "$re" "$tmp/out"; then
		tap_not_ok "$name: exit $code but no message matching /$re/"
		tail -n 8 "$tmp/out" | tap_diag
	else
		tap_ok "$name: exit $code in ${took}s: $(grep -Eim1 -- "$re" "$tmp/out" | sed 's/^[[:space:]]*//' | cut -c1-150)"
	fi
}

tsc=(build/tscanary run --kit "$kit" --out "$tmp/o")
# a kit like the armv7 one but for the flags given: its path
kit_with() {
	local out=$tmp/kit-$((++nkits)).json
	build/tscanary kit --from "$kit" --out "$out" "$@" >/dev/null && echo "$out"
}
nkits=0

# usage (2)
expect "unknown ARCH" 2 "error: unknown ARCH .mips." -- \
	build/tscanary run --kit "$(kit_with --arch mips)" --image "$good" --out "$tmp/o"
expect "no kit" 2 "error: cannot read the kit" -- \
	build/tscanary run --kit "$tmp/no-such-kit.json" --image "$good" --out "$tmp/o"
echo '{"arch": "armv7"}' >"$tmp/not-a-kit.json"
expect "not a kit" 2 "error: .* is not a kit" -- \
	build/tscanary run --kit "$tmp/not-a-kit.json" --image "$good" --out "$tmp/o"
# an input changed after its kit was written: the run stops, naming it
cp "$(jq -r .inputs.dnsd.path "$kit")" "$tmp/dnsd" && stale=$(kit_with --dnsd "$tmp/dnsd") &&
	printf 'X' >>"$tmp/dnsd"
expect "stale kit" 2 "error: the kit is stale: dnsd .* is not what it was" -- \
	build/tscanary run --kit "$stale" --image "$good" --out "$tmp/o"
expect "unknown canary" 2 "error: unknown canary .no-such-canary." -- "${tsc[@]}" --image "$good" --canary no-such-canary
# image (4)
expect "IMAGE missing" 4 "error: no image at" -- "${tsc[@]}" --image "$tmp/no-such-image.tar"
head -c 200000 "$good" >"$tmp/truncated.tar"
expect "IMAGE truncated" 4 "error: cannot read archive.*(truncated|corrupt)" -- \
	"${tsc[@]}" --image "$tmp/truncated.tar"
head -c 3000000 /dev/urandom >"$tmp/random.tar"
expect "IMAGE garbage" 4 "error: cannot read archive" -- \
	"${tsc[@]}" --image "$tmp/random.tar"
# a layer whose bytes no longer match its digest
mkdir -p "$tmp/flip" && tar -C "$tmp/flip" -xf "$good"
big=$(find "$tmp/flip/blobs/sha256" -type f -size +100k | head -n 1)
printf 'X' | dd of="$big" bs=1 seek=4096 conv=notrunc status=none
(cd "$tmp/flip" && tar -cf "$tmp/flipped.tar" .)
expect "IMAGE blob corrupt" 4 "error: .*digest did not match" -- "${tsc[@]}" --image "$tmp/flipped.tar"
expect "IMAGE of another platform" 4 "error: .*has linux/arm64 only; ARCH=armv7 needs linux/arm/v7" -- "${tsc[@]}" --image "$other"
# this machine (3)
expect "no CAP_NET_ADMIN" 3 "error: the lab needs CAP_NET_ADMIN" -- \
	setpriv --inh-caps=-all --bounding-set=-net_admin,-sys_admin -- \
	build/tscanary run --kit "$kit" --image "$good" --out "$tmp/o"
# Not root: the harness would enter a user namespace of its own, but nobody
# may not open /dev/net/tun here (nobody may write its reports, so what
# stops it is that check).
chmod 0755 "$tmp" && mkdir -m 1777 "$tmp/nobody"
# nobody runs from this tree, or, where it cannot read it (a private
# directory above it, as /root is), from a copy of its files, the harness
# and the kit in $tmp.
ntree=$PWD
if ! setpriv --reuid=65534 --regid=65534 --clear-groups -- \
	test -r vm/arches -a -x build/tscanary -a -r "$kit"; then
	ntree=$tmp/tree
	mkdir "$ntree"
	{ git ls-files -z -co --exclude-standard && printf '%s\0' build/tscanary "$kit"; } |
		xargs -0 cp -a --parents -t "$ntree"
fi
expect "not root, no /dev/net/tun access" 3 \
	"error: not root, and nobody \(uid 65534\) cannot open /dev/net/tun read-write: .*run as root, or allow unprivileged user namespaces.*setfacl -m u:nobody:rw /dev/net/tun" -- \
	env -C "$ntree" setpriv --reuid=65534 --regid=65534 --clear-groups -- \
	build/tscanary run --kit "$kit" --image "$good" --out "$tmp/nobody/o"
# Not root, /dev/net/tun read-write, user namespaces refused: nobody runs
# in a user namespace whose user.max_user_namespaces is 0 (a limit of that
# namespace, not the machine's), with a tun node of its own in a private
# /dev/net; the harness's unshare fails.
cat >"$tmp/nouserns.py" <<'PY'
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
r, w = os.pipe()
r2, w2 = os.pipe()
pid = os.fork()
if pid == 0:
    if libc.unshare(0x10000000) != 0:  # CLONE_NEWUSER
        os._exit(99)
    os.write(w, b"u")
    os.read(r2, 1)
    with open("/proc/sys/user/max_user_namespaces", "w") as f:
        f.write("0")
    os.setgroups([])
    os.setresgid(65534, 65534, 65534)
    os.setresuid(65534, 65534, 65534)
    os.execvp(sys.argv[1], sys.argv[1:])
os.read(r, 1)
for m in ("uid_map", "gid_map"):
    with open("/proc/%d/%s" % (pid, m), "w") as f:
        f.write("0 0 65536\n")
os.write(w2, b"m")
sys.exit(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
PY
expect "not root, user namespaces refused" 3 \
	"error: not root, and nobody \(uid 65534\) cannot make a user namespace.*No space left on device; run as root, or allow unprivileged user namespaces" -- \
	env -C "$ntree" unshare --mount --propagation private sh -c \
	'mount -t tmpfs tsc-tun /dev/net && mknod -m 0666 /dev/net/tun c 10 200 && exec "$@"' sh \
	python3 "$tmp/nouserns.py" build/tscanary run --kit "$kit" --image "$good" --out "$tmp/nobody/o2"
expect "no /dev/net/tun" 3 "error: no /dev/net/tun" -- \
	unshare --mount --propagation private sh -c \
	'mount -t tmpfs tsc-no-tun /dev/net && exec "$@"' sh \
	build/tscanary run --kit "$kit" --image "$good" --out "$tmp/o"
# a missing kernel: the VM cannot start (5), named as such
expect "missing kernel" 5 "error: no kernel .*vmlinuz" -- \
	build/tscanary run --kit "$(kit_with --kernel-dir "$tmp/no-kernel" 2>/dev/null)" \
	--image "$good" --out "$tmp/o"
# a Tailscale version that does not exist: the module proxy says so at once
expect "TAILSCALE_VERSION that does not exist" 3 "tailscale.com has no version v1\.999\.0" -- \
	image/build.sh --arch armv7 --tailscale-version v1.999.0 --out "$tmp/img-none"
# a known-bad variant: tscanary alone parses fixtures/variants/ (an unknown
# name, a bad value), and image/build.sh takes only what it wrote
expect "VARIANT that does not exist" 2 "no variant 'no-such-variant' in 'fixtures/variants' \(have: " -- \
	make --no-print-directory image ARCH=armv7 VARIANT=no-such-variant
printf 'description=x\nomit=netstack\nupx=maybe\n' >"$tmp/bad-variant"
expect "variant with upx neither yes nor no" 2 "upx is yes or no, not 'maybe'" -- \
	build/tscanary variant-env "$tmp/bad-variant"
expect "a variant file as image/build.sh's variant env" 1 "is not a variant env" -- \
	image/build.sh --arch armv7 --variant-env fixtures/variants/no-netstack --out "$tmp/img"
# a full disk under the cache: the image build stops at once, naming it
mkdir -p "$tmp/full"
cat >"$tmp/full.sh" <<'SH'
set -e
mount -t tmpfs -o size=256k tsc-full "$1"
dd if=/dev/zero of="$1/fill" bs=4k 2>/dev/null || true
export TSCANARY_CACHE="$1"
shift
exec "$@"
SH
expect "full disk in the cache" 1 "No space left on device" -- \
	unshare --mount --propagation private sh "$tmp/full.sh" "$tmp/full" \
	image/build.sh --arch armv7 --out "$tmp/img"

# a /dev/kvm that exists but does not work (/dev/null bound over it in a
# private mount namespace, whatever the real one does): the first native
# boot probes it, QEMU dies, the run falls back to TCG and still passes.
# The host that runs amd64 natively is vm/arches' to say.
# shellcheck disable=SC2034 # read by vm/arch.sh
arch_env=vm/arches.env
# shellcheck source=vm/arch.sh
. vm/arch.sh
amd64_host=$(arch_load amd64 && echo "$ARCH_NATIVE") || exit 2
if [ -e /dev/kvm ] && [ "$(uname -m)" = "$amd64_host" ]; then
	amd64_kit=$(make -s --no-print-directory kit ARCH=amd64 | tail -n 1)
	mkdir -p "$tmp/kvm-cache"
	build/tscanary kit --from "$amd64_kit" --cache "$tmp/kvm-cache" --out "$tmp/kvm-kit.json" >/dev/null
	cat >"$tmp/kvm.sh" <<'SH'
set -e
mount --bind /dev/null /dev/kvm
exec "$@"
SH
	expect "broken /dev/kvm" 0 "falling back to TCG" -- \
		unshare --mount --propagation private sh "$tmp/kvm.sh" \
		build/tscanary run --kit "$tmp/kvm-kit.json" --image "$native" \
		--out "$tmp/kvm-out" --canary footprint
else
	tap_skip "broken /dev/kvm" "no /dev/kvm on an $amd64_host host here"
fi

tap_done "bad inputs" "in $(($(date +%s) - t_all))s"
