#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# tests/kernel-profiles.sh: the guest kernel profiles (vm/kernels/) and
# their parser (vm/kernel-profile.sh): every profile loads; the default's
# module list is the one its cache key was made with before profiles
# existed (so its kernel directory is still a cache hit); bullseye loads no
# nf_tables module; malformed profiles fail naming file and line; and
# vm/kernel.sh refuses an unknown profile before asking APT anything.
set -eu
cd "$(dirname -- "$0")/.."
# shellcheck disable=SC1091
. vm/kernel-profile.sh

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
n=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
bad() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $*"; }

# Every profile parses, names a suite and an apt mode.
for f in vm/kernels/*; do
	if kprofile_load "$f" 2>"$tmp/err"; then
		ok "$f loads (suite $KPROFILE_SUITE, apt $KPROFILE_APT, $(printf '%s\n' "$KPROFILE_MODULES" | wc -l) modules)"
	else
		bad "$f does not load: $(cat "$tmp/err")"
	fi
done

# The default: the exact list (and order) of the kernel dirs cached before.
kprofile_load vm/kernels/bookworm
want='virtio_rng virtio_console virtio_blk virtio_net tun ipv6 crc32c_generic ext4 nf_tables nf_conntrack nf_nat nft_chain_nat nft_nat nft_masq nft_ct'
got=$(printf '%s\n' "$KPROFILE_MODULES" | tr '\n' ' ')
if [ "$got" = "$want " ] && [ "$KPROFILE_SUITE" = bookworm ] && [ "$KPROFILE_APT" = machine ]; then
	ok "bookworm: the pre-profile module list, from the machine's APT"
else
	bad "bookworm changed: suite=$KPROFILE_SUITE apt=$KPROFILE_APT modules=$got"
fi

# bullseye: its own APT state, iptables, and no nf_tables module.
kprofile_load vm/kernels/bullseye
case "
$KPROFILE_MODULES
" in
*"
nf_tables
"* | *"
nft_"*) bad "bullseye loads an nf_tables module" ;;
*) ok "bullseye loads no nf_tables module" ;;
esac
case "
$KPROFILE_MODULES
" in
*"
ip_tables
"*) ok "bullseye loads ip_tables" ;;
*) bad "bullseye lacks ip_tables" ;;
esac
if [ "$KPROFILE_SUITE" = bullseye ] && [ "$KPROFILE_APT" = private ]; then
	ok "bullseye resolves through a private APT state"
else
	bad "bullseye: suite=$KPROFILE_SUITE apt=$KPROFILE_APT"
fi
if grep -q 'https://' vm/kernels/bullseye; then ok "bullseye cites its sources"
else bad "bullseye cites no source"; fi

# Comments, blank lines, several names a line, no final newline.
printf '# c\n\nsuite  trixie # the suite\napt private\nmodules a b\nmodules c_d-e' >"$tmp/good"
if kprofile_load "$tmp/good" 2>"$tmp/err" && [ "$KPROFILE_NAME" = good ] &&
	[ "$KPROFILE_SUITE" = trixie ] &&
	[ "$(printf '%s\n' "$KPROFILE_MODULES" | tr '\n' ' ')" = 'a b c_d-e ' ]; then
	ok "comments, blank lines and a last line without newline"
else
	bad "good profile: $(cat "$tmp/err") suite=$KPROFILE_SUITE modules=$KPROFILE_MODULES"
fi

# Each malformed profile fails with a message that names the problem.
expect_error() { # NAME TEXT MESSAGE
	printf '%b' "$2" >"$tmp/$1"
	if kprofile_load "$tmp/$1" 2>"$tmp/err"; then
		bad "$1: accepted"
	elif grep -qF -- "$3" "$tmp/err"; then
		ok "$1: $(cat "$tmp/err")"
	else
		bad "$1: wrong message: $(cat "$tmp/err") (want '$3')"
	fi
}
expect_error no-suite 'apt machine\nmodules a\n' "no 'suite' line"
expect_error no-apt 'suite s\nmodules a\n' "no 'apt' line"
expect_error no-modules 'suite s\napt machine\n' "no 'modules' line"
expect_error two-suites 'suite s\nsuite t\napt machine\nmodules a\n' "line 2: a second 'suite'"
expect_error suite-words 'suite s t\napt machine\nmodules a\n' "line 1: 'suite' takes one name"
expect_error suite-name 'suite S/x\napt machine\nmodules a\n' "bad suite name 'S/x'"
expect_error apt-mode 'suite s\napt sometimes\nmodules a\n' "'apt' takes machine or private, not 'sometimes'"
expect_error two-apts 'suite s\napt machine\napt private\nmodules a\n' "line 3: a second 'apt'"
expect_error empty-modules 'suite s\napt machine\nmodules\n' "line 3: 'modules' without a name"
expect_error module-name 'suite s\napt machine\nmodules a/b\n' "bad module name 'a/b'"
expect_error module-twice 'suite s\napt machine\nmodules a b\nmodules a\n' "line 4: module 'a' listed twice"
expect_error unknown-key 'suite s\napt machine\nmodule a\n' "line 3: unknown key 'module'"
expect_error glob-name 'suite s\napt machine\nmodules *\n' "bad module name '*'"
if kprofile_load "$tmp/none" 2>"$tmp/err"; then bad "missing file accepted"
else ok "missing file: $(cat "$tmp/err")"; fi
cp vm/kernels/bookworm "$tmp/Bad_Name"
if kprofile_load "$tmp/Bad_Name" 2>"$tmp/err"; then bad "profile name 'Bad_Name' accepted"
else ok "bad profile name: $(cat "$tmp/err")"; fi

# vm/kernel.sh names the profiles there are and asks APT nothing.
rc=0
vm/kernel.sh --arch armv7 --kernel no-such-profile >/dev/null 2>"$tmp/err" || rc=$?
if [ "$rc" = 1 ] && grep -q "unknown kernel profile 'no-such-profile' (one of: .*bookworm" "$tmp/err"; then
	ok "kernel.sh refuses an unknown profile"
else
	bad "kernel.sh --kernel no-such-profile: exit $rc: $(cat "$tmp/err")"
fi
rc=0
vm/kernel.sh --arch armv7 --kernel ../arches >/dev/null 2>"$tmp/err" || rc=$?
if [ "$rc" = 1 ] && grep -q "bad kernel profile name" "$tmp/err"; then
	ok "kernel.sh refuses a path as a profile"
else
	bad "kernel.sh --kernel ../arches: exit $rc: $(cat "$tmp/err")"
fi

echo "1..$n"
[ "$fails" = 0 ] || { echo "kernel-profiles: $fails of $n failed" >&2; exit 1; }
