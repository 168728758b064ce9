#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Negative checks of image/build.sh --tailscale-version: each case must stop
# quickly, with its own exit status and an "image: error:" line naming the
# cause, and never build an image.
#
#   image/tests/override.sh [VERSION]     (default v1.102.3; root, for a netns)
#
# The checksum-database cases run in a network namespace holding only
# loopback, so nothing leaves it: the modules come from this machine's module
# cache served as a file:// proxy into an empty GOMODCACHE, so the only thing
# missing is the database.
set -euo pipefail

top=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)
# shellcheck source=tests/tap.sh
. "$top/tests/tap.sh"
version=${1:-v1.102.3}
tmp=$(mktemp -d /tmp/tsc-override.XXXXXX)
ns=tsc-sumdb-$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
stall_pid=''
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	[ -z "$stall_pid" ] || kill "$stall_pid" 2>/dev/null || true
	ip netns del "$ns" 2>/dev/null || true
	chmod -R u+w "$tmp" 2>/dev/null || true # the module cache is read-only
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# name, wanted status, seconds allowed, command...
expect() {
	local name=$1 want=$2 limit=$3 rc=0 t0 took msg
	shift 3
	t0=${EPOCHREALTIME/[.,]/}
	timeout -k 5 "$limit" "$@" >"$tmp/out" 2>&1 || rc=$?
	took=$(((${EPOCHREALTIME/[.,]/} - t0) / 100000))
	took=$((took / 10)).$((took % 10))
	msg=$(grep 'image: error:' "$tmp/out" | tail -n 1 || true)
	if [ "$rc" = "$want" ] && [ -n "$msg" ] && [ ! -e "$tmp/img/image.oci.tar" ]; then
		tap_ok "$name: exit $rc in ${took}s"
		echo "$msg" | tap_diag
	else
		tap_not_ok "$name: exit $rc (want $want) in ${took}s"
		tail -n 15 "$tmp/out" | tap_diag
	fi
}
build=("$top/image/build.sh" --arch armv7 --out "$tmp/img" --tailscale-version)
# In the namespace, offline but for this machine's module cache (env takes
# more VAR=value words after these).
offline=(ip netns exec "$ns" env GOMODCACHE="$tmp/modcache" TSCANARY_CACHE="$tmp/cache"
	GOPROXY="file://$(go env GOMODCACHE)/cache/download")

[ "$(id -u)" = 0 ] || { echo "override.sh: needs root (network namespace)" >&2; exit 2; }
for t in go ip timeout od python3; do
	command -v "$t" >/dev/null || { echo "override.sh: missing tool '$t'" >&2; exit 2; }
done
# The offline cases need $version in this machine's module cache: fetch it
# (verified through the checksum database, as any download is).
mkdir -p "$tmp/fetch"
printf 'module fetch\n' >"$tmp/fetch/go.mod"
(cd "$tmp/fetch" && GOFLAGS=-mod=mod timeout 300 go mod download "tailscale.com@$version") ||
	{ echo "override.sh: cannot fetch tailscale.com@$version into the module cache" >&2; exit 2; }

expect "malformed version" 2 30 "${build[@]}" 1.102
expect "version that does not exist" 3 120 "${build[@]}" v1.999.0
expect "GOSUMDB=off" 4 60 env GOSUMDB=off "${build[@]}" "$version"
expect "GONOSUMDB covers tailscale.com" 4 60 env GONOSUMDB=tailscale.com "${build[@]}" "$version"
expect "GOPRIVATE covers tailscale.com" 4 60 env GOPRIVATE='*.com' "${build[@]}" "$version"
# v1.104.7 needs module versions the proxy here refuses (403): with an
# allowlist that fits that version, the refusal is the verdict (6, naming the
# modules); with the recipe's own, which does not fit, the recipe is (1).
# (Skipped, and said so, once the proxy serves them: then the README's v1.104
# section needs revisiting.)
refused_mod=gvisor.dev/gvisor@v0.0.0-20260915211658-a6f909f08a72
refusal=$(cd "$tmp/fetch" && GOFLAGS=-mod=mod timeout 60 go mod download -json "$refused_mod" 2>&1) || true
if grep -q '403\|not available' <<<"$refusal"; then
	"$top/build/tscanary" features --sh --recipe-dir "$top/image" \
		--allowlist "$top/fixtures/allowlists/v1.104" >"$tmp/v1.104.env" ||
		{ echo "override.sh: tscanary features cannot read fixtures/allowlists/v1.104" >&2; exit 2; }
	expect "proxy refuses modules the build needs (fitting allowlist)" 6 300 \
		"${build[@]}" v1.104.7 --features "$tmp/v1.104.env"
	expect "recipe does not fit, and the proxy refuses modules" 1 300 "${build[@]}" v1.104.7
else
	for c in "proxy refuses modules the build needs" "recipe does not fit, and the proxy refuses modules"; do
		tap_skip "$c" "the module proxy now serves $refused_mod"
	done
fi
ip netns add "$ns"
ip -n "$ns" link set lo up
expect "checksum database unreachable (default GOSUMDB, no route out)" 5 180 \
	"${offline[@]}" "${build[@]}" "$version"
expect "checksum database at a closed port" 5 180 \
	"${offline[@]}" GOSUMDB="sum.golang.org http://127.0.0.1:9" "${build[@]}" "$version"
# A proxy that accepts connections and never answers: the deadline must end it.
ip netns exec "$ns" python3 -c '
import socket
s = socket.socket()
s.bind(("127.0.0.1", 8081))
s.listen(16)
held = []
while True:
    held.append(s.accept())
' &
stall_pid=$!
deadline=$((SECONDS + 10))
until ip netns exec "$ns" bash -c '</dev/tcp/127.0.0.1/8081' 2>/dev/null; do
	[ "$SECONDS" -lt "$deadline" ] || { echo "override.sh: the stalling proxy did not start" >&2; exit 2; }
	sleep 0.1 # poll, bounded by the deadline above
done
expect "module proxy that never answers (TSCANARY_GO_TIMEOUT=3)" 6 60 \
	ip netns exec "$ns" env GOMODCACHE="$tmp/modcache2" TSCANARY_CACHE="$tmp/cache" \
	GOPROXY=http://127.0.0.1:8081 TSCANARY_GO_TIMEOUT=3 "${build[@]}" "$version"
tap_done override
