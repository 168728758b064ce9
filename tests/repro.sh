#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# tests/repro.sh ARCH: is the image reproducible? Builds it twice from
# nothing: each build gets an empty tscanary cache and an empty Go build
# cache, the second runs as an unprivileged user (nobody) with a Go module
# cache of its own, fetched again through the module proxy. Both must give
# byte-identical archives: the same blobs, the same manifest digest. On a
# mismatch it names the first differing blob and, inside a layer, the first
# differing file. Both builds then go through image/index.sh, which must
# give the same index digest. The build logs stay in out/repro/.
#
# Run as root (the second build drops to nobody). Exit 0 reproducible,
# 1 not, 2 usage or a build that failed.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
arch=${1:-}
[ -n "$arch" ] || {
	echo "usage: tests/repro.sh ARCH" >&2
	exit 2
}
[ "$(id -u)" = 0 ] || {
	echo "tests/repro.sh: run as root (the second build runs as nobody)" >&2
	exit 2
}
say() { printf 'repro: [%4ds] %s\n' "$(($(date +%s) - t0))" "$*"; }
t0=$(date +%s)

# World-readable scratch outside the repo: nobody must reach the tree and
# its own half, never root's caches.
logs=$top/out/repro
mkdir -p "$logs"
tmp=$(mktemp -d /tmp/tsc-repro.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
mkdir -p "$tmp/a" "$tmp/b"
chown nobody:nogroup "$tmp/b"
# nobody reads the tree through a copy of what the build reads (root's
# checkout may sit below a directory nobody cannot enter)
src=$tmp/src
mkdir -p "$src"
# (the tracked files, as they are in the working tree)
(cd "$top" && git ls-files -z) | (cd "$top" && xargs -0 cp --parents -t "$src")
chmod -R a+rX "$src"

goenv=$(cd "$top/image" && GOWORK=off go env -json GOPROXY GOSUMDB GONOSUMDB GOPRIVATE)
gp=$(jq -r .GOPROXY <<<"$goenv") gs=$(jq -r .GOSUMDB <<<"$goenv")

build() { # NAME USER [NOTE]: one build into $tmp/NAME/out, log in out/repro/NAME.log
	local d=$tmp/$1 s rc=0 how
	s=$(date +%s)
	say "build $1 as $2: empty tscanary and Go build caches${3:+, $3}"
	how=(env TSCANARY_CACHE="$d/cache" GOCACHE="$d/gocache")
	[ "$2" = root ] || how=(setpriv --reuid=nobody --regid=nogroup --clear-groups
		env -i PATH="$PATH" HOME="$d" TSCANARY_CACHE="$d/cache" GOCACHE="$d/gocache"
		GOMODCACHE="$d/gomod" GOPROXY="$gp" GOSUMDB="$gs" GOFLAGS=-buildvcs=false)
	(cd "$src" && "${how[@]}" image/build.sh --arch "$arch" --out "$d/out") >"$logs/$1.log" 2>&1 || rc=$?
	if [ "$rc" != 0 ]; then
		tail -n 20 "$logs/$1.log" >&2
		say "build $1 failed (exit $rc; log out/repro/$1.log)"
		exit 2
	fi
	say "build $1 done in $(($(date +%s) - s)) s: manifest $(jq -r .manifest_digest "$d/out/manifest.json")"
}

build a root
build b nobody "its own Go module cache"

# Named digests first, then every blob.
fail=0
for k in manifest_digest config_digest source_date_epoch go_version; do
	va=$(jq -r ".$k" "$tmp/a/out/manifest.json") vb=$(jq -r ".$k" "$tmp/b/out/manifest.json")
	if [ "$va" = "$vb" ]; then say "$k: $va (both)"; else say "$k differs: $va / $vb"; fail=1; fi
done
if cmp -s "$tmp/a/out/image.oci.tar" "$tmp/b/out/image.oci.tar"; then
	say "image.oci.tar identical: sha256 $(sha256sum <"$tmp/a/out/image.oci.tar" | cut -c1-64)"
else
	fail=1
	mkdir -p "$tmp/xa" "$tmp/xb"
	tar -C "$tmp/xa" -xf "$tmp/a/out/image.oci.tar"
	tar -C "$tmp/xb" -xf "$tmp/b/out/image.oci.tar"
	first=$(diff <(cd "$tmp/xa" && find . -type f | LC_ALL=C sort) <(cd "$tmp/xb" && find . -type f | LC_ALL=C sort) |
		sed -n 's/^[<>] //p' | head -n 1 || true)
	say "image.oci.tar differs; first blob only one build has: ${first:-none}"
	# the layer: unpack both and name the first differing file
	la=$(jq -r '.layers[0].digest' "$tmp/xa/blobs/sha256/$(jq -r '.manifests[0].digest' "$tmp/xa/index.json" | cut -d: -f2)")
	lb=$(jq -r '.layers[0].digest' "$tmp/xb/blobs/sha256/$(jq -r '.manifests[0].digest' "$tmp/xb/index.json" | cut -d: -f2)")
	if [ "$la" != "$lb" ]; then
		mkdir -p "$tmp/la" "$tmp/lb"
		tar -C "$tmp/la" -xzf "$tmp/xa/blobs/sha256/${la#sha256:}" 2>/dev/null || true
		tar -C "$tmp/lb" -xzf "$tmp/xb/blobs/sha256/${lb#sha256:}" 2>/dev/null || true
		d=$(diff -rq --no-dereference "$tmp/la" "$tmp/lb" | head -n 1 || true)
		say "layer $la / $lb: first differing file: ${d:-none (the contents agree: metadata differs)}"
		if [ -z "$d" ]; then
			{ diff <(tar -tvzf "$tmp/xa/blobs/sha256/${la#sha256:}") <(tar -tvzf "$tmp/xb/blobs/sha256/${lb#sha256:}") |
				head -n 4 | sed 's/^/repro:   /'; } || true
		fi
	fi
fi

# And the gate's own build, when there is one: the bytes it ran.
if [ -f "$top/out/$arch/image/manifest.json" ]; then
	g=$(jq -r .manifest_digest "$top/out/$arch/image/manifest.json")
	if [ "$g" = "$(jq -r .manifest_digest "$tmp/a/out/manifest.json")" ]; then
		say "the gate's image (out/$arch/image) is the same manifest: $g"
	else
		say "the gate's image (out/$arch/image) is manifest $g: built from other inputs (an older tree or cache?)"
		fail=1
	fi
fi

# The release index over each build: the same digest.
ia=$("$top/image/index.sh" --out "$tmp/a/release/index.oci.tar" "$tmp/a/out" | sed -n 's/.*index \(sha256:[0-9a-f]*\).*/\1/p')
ib=$("$top/image/index.sh" --out "$tmp/b/release/index.oci.tar" "$tmp/b/out" | sed -n 's/.*index \(sha256:[0-9a-f]*\).*/\1/p')
if [ -n "$ia" ] && [ "$ia" = "$ib" ]; then say "index digest: $ia (both)"; else say "index digests differ: $ia / $ib"; fail=1; fi

if [ "$fail" = 0 ]; then
	say "reproducible: $arch built twice from empty caches (root, nobody) is byte-identical"
	exit 0
fi
say "NOT reproducible (build logs: out/repro/a.log, out/repro/b.log)"
exit 1
