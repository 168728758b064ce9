#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Usage: canaries/guest/tests/probes.sh NATIVE_DIR [ARCH=DIR ...]
#
# Test the guest probes (dnsprobe, httpget) of NATIVE_DIR against real
# servers in a throwaway network namespace: ldns-testns answering the
# records in zone.data beside this script on 198.51.100.53 (UDP and TCP,
# and on [fd7a:115c:a1e0::53]:5353), busybox httpd on 198.51.100.80, and
# 198.51.100.99 reachable but silent (a static neighbour entry behind a
# veth whose far end has no address), so queries to it meet the timeout.
# Each ARCH=DIR (armv7, arm64) runs the same DNS and HTTP checks on that
# arch's binaries under qemu-user (package qemu-user-static: the twin of the
# arch's QEMU in vm/arches), skipped if it is missing.  Needs root, iproute2, ldnsutils and busybox-static.
# Prints TAP and "N passed, N failed"; exits non-zero if any check failed.
set -eu

here=$(cd "$(dirname -- "$0")" && pwd)
# shellcheck source=tests/tap.sh
. "$here/../../../tests/tap.sh"
# shellcheck disable=SC2034 # read by vm/arch.sh
arch_env=$here/../../../vm/arches.env
# shellcheck source=vm/arch.sh
. "$here/../../../vm/arch.sh"
native=${1:?usage: $0 NATIVE_DIR [ARCH=DIR ...]}
shift

fail() {
	echo "probes.sh: error: $*" >&2
	exit 1
}

[ "$(id -u)" = 0 ] || fail "needs root (network namespaces)"
for tool in ip ldns-testns busybox; do
	command -v "$tool" >/dev/null || fail "'$tool' is not installed"
done

suffix=$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
ns=tsc-probe-$suffix
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tsc-probe-$suffix.XXXXXX")
pids=

cleanup() {
	# The servers, and anything a probe left behind in the namespace.
	for pid in $pids $(ip netns pids "$ns" 2>/dev/null); do
		kill -TERM "$pid" 2>/dev/null || true
	done
	ip netns del "$ns" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

in_ns() {
	ip netns exec "$ns" "$@"
}

now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# Poll until a TCP port listens in the namespace, for at most 5 s.
wait_listen() {
	deadline=$(($(now_ms) + 5000))
	until in_ns ss -Hltn "sport = :$1" | grep -q .; do
		[ "$(now_ms)" -lt "$deadline" ] || fail "nothing listens on port $1"
		sleep 0.05
	done
}

# Start a server in the namespace; a simple command, so $! is its pid
# (ip netns exec execs it).
spawn() {
	ip netns exec "$ns" "$@" >>"$tmp/servers.log" 2>&1 </dev/null &
	pids="$pids $!"
}

ip netns add "$ns"
in_ns ip link set lo up
in_ns ip link add tscp0 type veth peer name tscp1
in_ns ip addr add 198.51.100.53/24 dev tscp0
in_ns ip addr add 198.51.100.80/24 dev tscp0
in_ns ip addr add fd7a:115c:a1e0::53/64 dev tscp0 nodad
in_ns ip link set tscp0 up
in_ns ip link set tscp1 up
in_ns ip neigh add 198.51.100.99 lladdr 02:00:00:00:00:99 dev tscp0 nud permanent

mkdir "$tmp/www"
printf 'canary web\n' >"$tmp/www/index.html"
spawn ldns-testns -p 53 "$here/zone.data"
spawn ldns-testns -6 -p 5353 "$here/zone.data"
spawn busybox httpd -f -p 198.51.100.80:80 -h "$tmp/www"
wait_listen 53
wait_listen 5353
wait_listen 80

out=

# check DESC WANT_EXIT WANT_WORD... -- COMMAND...: run COMMAND in the
# namespace; pass if it exits WANT_EXIT and its first line holds every word.
check() {
	desc=$1 want=$2
	shift 2
	words=
	while [ "$1" != -- ]; do
		words="$words $1"
		shift
	done
	shift
	start=$(now_ms)
	rc=0
	out=$(in_ns "$@" 2>"$tmp/stderr") || rc=$?
	took=$(($(now_ms) - start))
	line=$(printf '%s\n' "$out" | head -n 1)
	ok=1
	[ "$rc" = "$want" ] || ok=0
	for w in $words; do
		case " $line " in
		*" $w "*) ;;
		*) ok=0 ;;
		esac
	done
	if [ $ok = 1 ]; then
		tap_ok "$desc (exit $rc, ${took} ms wall)"
	else
		tap_not_ok "$desc (exit $rc, want $want; want words:$words)"
		sed 's/^/stderr: /' "$tmp/stderr" | tap_diag
	fi
	echo "#   $line"
}

# dns_checks LABEL DIR [RUNNER...]
dns_checks() {
	label=$1 dir=$2
	shift 2
	p=$dir/dnsprobe
	check "$label dnsprobe udp match" 0 result=pass reason=match \
		answers=198.51.100.80 -- \
		"$@" "$p" -s 198.51.100.53 -n www.canary.test -e 198.51.100.80
	check "$label dnsprobe tcp match" 0 result=pass transport=tcp -- \
		"$@" "$p" -s 198.51.100.53 -n www.canary.test -T tcp -e 198.51.100.80
	check "$label dnsprobe wrong expected address" 1 result=fail \
		reason=answers_mismatch -- \
		"$@" "$p" -s 198.51.100.53 -n www.canary.test -e 198.51.100.81
	check "$label dnsprobe timeout on a silent server" 2 result=fail \
		reason=timeout -- \
		"$@" "$p" -s 198.51.100.99 -n www.canary.test -w 1000
	# Exact: not before the timeout, and not long after (qemu-user start).
	if [ "$took" -ge 1000 ] && [ "$took" -lt 1800 ]; then
		tap_ok "$label dnsprobe gives up after 1000 ms ($took ms wall)"
	else
		tap_not_ok "$label dnsprobe gave up after $took ms, want 1000"
	fi
	check "$label httpget 200" 0 result=pass status=200 bytes=11 -- \
		"$@" "$dir/httpget" -u http://198.51.100.80/index.html
}

for f in dnsprobe httpget; do
	if ! command -v file >/dev/null; then
		tap_skip "$f is static" "'file' is not installed"
	elif file -b "$native/$f" | grep -q 'statically linked'; then
		tap_ok "$f is static"
	else
		tap_not_ok "$f is static: $(file -b "$native/$f")"
	fi
done

dns_checks native "$native"
p=$native/dnsprobe
check "dnsprobe multiple answers as a set" 0 result=pass \
	answers=198.51.100.81,198.51.100.82 -- \
	"$p" -s 198.51.100.53 -n multi.canary.test -e 198.51.100.82 \
	-e 198.51.100.81 -e 198.51.100.81
check "dnsprobe one missing answer" 1 reason=answers_mismatch -- \
	"$p" -s 198.51.100.53 -n multi.canary.test -e 198.51.100.81
check "dnsprobe AAAA over IPv6, expected in another spelling" 0 \
	result=pass answers=fd7a:115c:a1e0::80 -- \
	"$p" -s '[fd7a:115c:a1e0::53]:5353' -n www.canary.test -t AAAA \
	-e fd7a:115c:a1e0:0:0::80
check "dnsprobe TXT, encoded" 0 result=pass \
	'answers=hello%20world%2C%20100%25x' -- \
	"$p" -s 198.51.100.53 -n www.canary.test -t TXT -e 'hello world, 100%x'
check "dnsprobe NXDOMAIN is a mismatch by default" 1 rcode=NXDOMAIN \
	reason=rcode_mismatch -- \
	"$p" -s 198.51.100.53 -n nope.canary.test
check "dnsprobe NXDOMAIN when expected" 0 result=pass \
	expected_rcode=NXDOMAIN -- \
	"$p" -s 198.51.100.53 -n nope.canary.test -r nxdomain
check "dnsprobe tcp timeout on a silent server" 2 reason=timeout -- \
	"$p" -s 198.51.100.99 -n www.canary.test -T tcp -w 1000
check "dnsprobe refused (nothing on the port)" 2 reason=refused -- \
	"$p" -s 198.51.100.53:54 -n www.canary.test
check "dnsprobe source address" 0 result=pass -- \
	"$p" -s 198.51.100.53 -n www.canary.test -b 198.51.100.80 \
	-e 198.51.100.80
check "dnsprobe usage error" 3 result=error reason=usage -- \
	"$p" -s 198.51.100.53
check "dnsprobe bad expected family" 3 reason=usage -- \
	"$p" -s 198.51.100.53 -n www.canary.test -e ::1

h=$native/httpget
check "httpget body follows the evidence line" 0 status=200 -- \
	"$h" -u http://198.51.100.80/
body=$(printf '%s\n' "$out" | sed -n 2p)
if [ "$body" = "canary web" ]; then
	tap_ok "httpget body"
else
	tap_not_ok "httpget body: '$body'"
fi
check "httpget 404" 1 status=404 reason=status_mismatch -- \
	"$h" -u http://198.51.100.80/missing
check "httpget 404 when expected" 0 result=pass expected_status=404 -- \
	"$h" -u http://198.51.100.80/missing -e 404
check "httpget refused" 2 reason=refused -- \
	"$h" -u http://198.51.100.80:81/
check "httpget timeout on a silent server" 2 reason=timeout -- \
	"$h" -u http://198.51.100.99/ -w 1000
check "httpget source address" 0 result=pass -- \
	"$h" -u http://198.51.100.80/ -b 198.51.100.53
check "httpget usage error" 3 reason=usage -- "$h" -u ftp://198.51.100.80/

for spec in "$@"; do
	arch=${spec%%=*} dir=${spec#*=}
	arch_load "$arch" || fail "no qemu-user mapping for '$arch'"
	# qemu-system-aarch64's user-mode twin is qemu-aarch64-static
	qemu=qemu-${ARCH_QEMU#qemu-system-}-static
	if ! command -v "$qemu" >/dev/null; then
		tap_skip "$arch probes" "$qemu is not installed"
		continue
	fi
	dns_checks "$arch" "$dir" "$qemu"
done

tap_done probes
