#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# tests/release-check.sh: image/release.sh against a real registry.
#
# Starts the CNCF distribution registry (Debian's docker-registry) in a
# network namespace of its own, on 198.51.100.5:5000 with TLS from a CA made
# for this run, and runs every skopeo call inside that namespace: nothing
# reaches the machine's network. Then:
#   1. make release publishes the gated index (out/release/index.oci.tar,
#      every platform passed by this harness tree in the verdict store) and
#      pulls it back;
#   2. refusals, each from a store that differs in one way, each must push
#      nothing: an index whose armv7 manifest differs (one file of its layer
#      changed, re-digested), an arch without a verdict, a failed verdict, a
#      verdict from another harness tree.
# The namespace, the registry and every file of it are gone afterwards.
#
#   tests/release-check.sh INDEX STORE TREE
#
# Run as root, after the gate passed every arch the index holds (all of
# them, or RELEASE_ARCHES from the environment: make check gates armv7 and
# publishes armv7's alone); the make release of case 1 builds INDEX (make
# image ARCH=all, from cache).
# Exit 0 all held, 1 a case failed, 2 usage or machine.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
index=${1:-} store=${2:-} tree=${3:-}
{ [ -n "$index" ] && [ -n "$store" ] && [ -n "$tree" ]; } || {
	echo "usage: tests/release-check.sh INDEX STORE TREE" >&2
	exit 2
}
t0=$(date +%s)
say() { printf 'release-check: [%3ds] %s\n' "$(($(date +%s) - t0))" "$*"; }
die() {
	say "error: $*" >&2
	exit 2
}
[ "$(id -u)" = 0 ] || die "run as root (a network namespace for the registry)"
for t in docker-registry openssl skopeo jq ip curl gzip; do
	command -v "$t" >/dev/null || die "'$t' is not installed (make deps)"
done

addr=198.51.100.5 port=5000
ns=tsc-rel-$$
work=$(mktemp -d /tmp/tsc-release-check.XXXXXX)
reg_pid=''
# shellcheck disable=SC2317 # called by the trap
cleanup() {
	[ -z "$reg_pid" ] || kill "$reg_pid" 2>/dev/null || true
	[ -z "$reg_pid" ] || wait "$reg_pid" 2>/dev/null || true
	# anything still in the namespace goes with it
	ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
	ip netns del "$ns" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the registry, sealed ----------------------------------------------------
ip netns add "$ns"
ip -n "$ns" link set lo up
ip -n "$ns" addr add "$addr/32" dev lo # no link at all: nothing can leave
inns() { ip netns exec "$ns" "$@"; }

certs=$work/certs
mkdir -p "$certs"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
	-subj "/CN=tscanary release-check CA $$" -keyout "$certs/ca.key" -out "$certs/ca.crt" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$addr" \
	-keyout "$certs/registry.key" -out "$work/registry.csr" 2>/dev/null
openssl x509 -req -in "$work/registry.csr" -CA "$certs/ca.crt" -CAkey "$certs/ca.key" \
	-CAcreateserial -days 1 -extfile <(printf 'subjectAltName=IP:%s\n' "$addr") \
	-out "$certs/registry.crt" 2>/dev/null
trust=$work/trust # what clients trust: the CA only
mkdir -p "$trust"
cp "$certs/ca.crt" "$trust/ca.crt"
cat >"$work/config.yml" <<EOF
version: 0.1
log:
  level: info
storage:
  filesystem:
    rootdirectory: $work/storage
  delete:
    enabled: true
http:
  addr: $addr:$port
  tls:
    certificate: $certs/registry.crt
    key: $certs/registry.key
EOF
ip netns exec "$ns" docker-registry serve "$work/config.yml" >"$work/registry.log" 2>&1 &
reg_pid=$!
for _ in $(seq 100); do
	inns curl -sf --cacert "$trust/ca.crt" "https://$addr:$port/v2/" >/dev/null && break
	kill -0 "$reg_pid" 2>/dev/null || { tail -n 5 "$work/registry.log" >&2; die "the registry exited"; }
	sleep 0.1
done
inns curl -sf --cacert "$trust/ca.crt" "https://$addr:$port/v2/" >/dev/null || die "the registry did not answer in 10 s"
say "registry up at https://$addr:$port in namespace $ns (TLS from a per-run CA)"

fail=0
release() { # NAME TAG INDEX STORE: image/release.sh in the namespace; its exit code
	local rc=0
	inns "$top/image/release.sh" --index "$3" --dest "docker://$addr:$port/tscanary:$2" \
		--store "$4" --tree "$tree" --cert-dir "$trust" >"$work/$1.log" 2>&1 || rc=$?
	sed 's/^/    /' "$work/$1.log"
	return "$rc"
}
tag_absent() { # TAG: the registry holds nothing under it
	! inns skopeo inspect --raw --cert-dir "$trust" "docker://$addr:$port/tscanary:$1" >/dev/null 2>&1
}
expect_refused() { # NAME TAG INDEX STORE WORDS: refused (exit 1), naming WORDS, nothing pushed
	local rc=0
	release "$1" "$2" "$3" "$4" || rc=$?
	if [ "$rc" = 1 ] && grep -qF -- "$5" "$work/$1.log" && grep -q 'REFUSED' "$work/$1.log" && tag_absent "$2"; then
		say "ok: $1: refused ($5), nothing under tag $2"
	else
		say "FAIL: $1: want exit 1, '$5' and no tag $2; got exit $rc"
		fail=1
	fi
}

# --- 1. the gated index, through make release as a maintainer runs it --------
rc=0
(cd "$top" && inns make --no-print-directory release REGISTRY="$addr:$port/tscanary" TAG=gated \
	CERT_DIR="$trust" VERDICTS="$store") >"$work/gated.log" 2>&1 || rc=$?
grep -v '^image: ' "$work/gated.log" | sed 's/^/    /' 
if [ "$rc" = 0 ] && grep -q '^release: verified: ' "$work/gated.log"; then
	want=$(tar -xOf "$index" index.json | jq -r '.manifests[0].digest')
	got=$(inns skopeo inspect --raw --cert-dir "$trust" "docker://$addr:$port/tscanary:gated" | sha256sum | cut -c1-64)
	pub=$(dirname "$index")/published-gated.txt
	if [ "sha256:$got" = "$want" ] && grep -qx "index $want" "$pub" &&
		[ "$(grep -c '^linux/' "$pub")" = "$(tar -xOf "$index" "blobs/sha256/${want#sha256:}" | jq '.manifests | length')" ]; then
		say "ok: gated: published and pulled back as $want; $(basename "$pub") names it and every platform"
	else
		say "FAIL: gated: the registry serves sha256:$got, the archive is $want (or $pub does not list them)"
		fail=1
	fi
else
	say "FAIL: gated: make release exit $rc (the gate must have passed every arch of this index, ${RELEASE_ARCHES:-all of them}, on this tree)"
	fail=1
fi

# --- 2. refusals ---------------------------------------------------------------
[ -f "$index" ] || die "no '$index': make release did not build it"
# the index's platforms and their manifests
x=$work/x
mkdir -p "$x"
tar -C "$x" -xf "$index"
idigest=$(jq -r '.manifests[0].digest' "$x/index.json")
blob() { echo "$x/blobs/sha256/${1#sha256:}"; }
arm_m=$(jq -r '.manifests[] | select(.platform.architecture == "arm" and .platform.variant == "v7") | .digest' "$(blob "$idigest")")
[ -n "$arm_m" ] || die "the index holds no linux/arm/v7"

# a. armv7's manifest differs: one file of its layer changed, every digest redone
t=$work/tamper
mkdir -p "$t/rootfs"
layer=$(jq -r '.layers[0].digest' "$(blob "$arm_m")")
config=$(jq -r '.config.digest' "$(blob "$arm_m")")
tar -C "$t/rootfs" --same-owner -xzf "$(blob "$layer")"
f=$(cd "$t/rootfs" && find . -type f -path '*etc*' | LC_ALL=C sort | head -n 1)
[ -n "$f" ] || die "armv7's layer has no file under etc/ to change"
echo "# changed after the gate" >>"$t/rootfs/$f"
(cd "$t/rootfs" && find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort |
	tar --no-recursion --numeric-owner --mtime=@0 -cf "$t/layer.tar" -T -)
diffid=sha256:$(sha256sum <"$t/layer.tar" | cut -c1-64)
gzip -n -c "$t/layer.tar" >"$t/layer.tar.gz"
put() { # FILE: into the layout's blobs; prints its digest
	local h
	h=$(sha256sum <"$1" | cut -c1-64)
	cp "$1" "$x/blobs/sha256/$h"
	echo "sha256:$h"
}
nl=$(put "$t/layer.tar.gz")
jq -cj --arg d "$diffid" '.rootfs.diff_ids = [$d]' "$(blob "$config")" >"$t/config"
nc=$(put "$t/config")
jq -cj --arg l "$nl" --argjson ls "$(stat -c %s "$t/layer.tar.gz")" --arg c "$nc" \
	--argjson cs "$(stat -c %s "$t/config")" \
	'.layers[0].digest = $l | .layers[0].size = $ls | .config.digest = $c | .config.size = $cs' \
	"$(blob "$arm_m")" >"$t/manifest"
nm=$(put "$t/manifest")
jq -cj --arg old "$arm_m" --arg new "$nm" --argjson s "$(stat -c %s "$t/manifest")" \
	'.manifests |= map(if .digest == $old then .digest = $new | .size = $s else . end)' \
	"$(blob "$idigest")" >"$t/index"
ni=$(put "$t/index")
jq -c --arg d "$ni" --argjson s "$(stat -c %s "$t/index")" \
	'.manifests[0].digest = $d | .manifests[0].size = $s' "$x/index.json" >"$t/index.json"
cp "$t/index.json" "$x/index.json"
(cd "$x" && tar -cf "$work/tampered.oci.tar" oci-layout index.json blobs)
say "tampered index $ni: armv7 manifest $nm ('$f' changed), the other platforms as gated"
expect_refused tampered tampered "$work/tampered.oci.tar" "$store" "armv7  linux/arm/v7 $nm: REFUSED: no verdict"

# b-d: stores that differ from the real one in one way for armv7
mkstore() { # NAME: a copy of the real store's records for this index's manifests
	local d=$work/store-$1 m
	mkdir -p "$d"
	for m in $(jq -r '.manifests[].digest' "$(blob "$idigest")"); do
		[ ! -d "$store/${m#sha256:}" ] || cp -r "$store/${m#sha256:}" "$d/"
	done
	echo "$d"
}
s=$(mkstore noverdict)
rm -rf "${s:?}/${arm_m#sha256:}"
expect_refused no-verdict noverdict "$index" "$s" "armv7  linux/arm/v7 $arm_m: REFUSED: no verdict for this manifest"

s=$(mkstore failed)
newest=$(find "$s/${arm_m#sha256:}" -maxdepth 1 -name '*.json' | LC_ALL=C sort | tail -n 1)
[ -n "$newest" ] || die "the store holds no verdict for armv7's $arm_m"
later=$(($(date +%s) + 1))
jq --argjson t "$later" '.result = "fail" | .failed = ["no-panic"] | .time_unix = $t |
	.time = ($t | todate)' "$newest" >"$s/${arm_m#sha256:}/9999999999-armv7-failed.json"
expect_refused failed failed "$index" "$s" "armv7  linux/arm/v7 $arm_m: REFUSED: the newest run ($(date -u -d "@$later" +%Y-%m-%dT%H:%M:%SZ)) failed: no-panic"

s=$(mkstore othertree)
for r in "$s/${arm_m#sha256:}"/*.json; do
	jq '.tree = "0000000000000000000000000000000000000000000000000000000000000000"' "$r" >"$r.x"
	mv "$r.x" "$r"
done
expect_refused other-tree othertree "$index" "$s" "armv7  linux/arm/v7 $arm_m: REFUSED: verdicts only from another harness tree"

if [ "$fail" = 0 ]; then
	say "release-check passed: the gated index published byte for byte, every ungated case refused"
	exit 0
fi
tail -n 20 "$work/registry.log" | sed 's/^/    registry: /'
say "release-check FAILED"
exit 1
