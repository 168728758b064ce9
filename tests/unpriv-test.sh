#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# tests/unpriv-test.sh ARCH: the gate as an ordinary user. Run as root, it
# makes what that user needs and nothing more: the system user tscanary
# (UNPRIV_USER) when missing, read-write access for it to /dev/net/tun (an
# ACL), a copy of this tree's files it owns and a cache of its own, both
# under UNPRIV_DIR (default CACHE/unpriv; /var/tmp/tscanary-unpriv when the
# user cannot enter CACHE, e.g. below root's home) and kept between runs
# (Go's module and build caches inside, so a second run is warm). Then
# `make test ARCH=...` runs there as that user, whose harness enters a user
# namespace of its own, and its reports are copied to out/ARCH-unpriv/ for
# make report-check, and its verdict is filed in VERDICTS (root's store)
# when the copy is this harness tree. Run it under the lab's lock when others share the machine.
#
# Exit: the gate's own status (make's: 0 passed, 2 it did not), 3 when the
# setup cannot be made here.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
arch=${1:-}
if [ -z "$arch" ] || [ "$arch" = all ]; then
	echo "usage: tests/unpriv-test.sh ARCH (one arch)" >&2
	exit 2
fi
say() { printf 'unpriv: [%4ds] %s\n' "$(($(date +%s) - t0))" "$*"; }
die() {
	printf 'unpriv: error: %s\n' "$*" >&2
	exit 3
}
t0=$(date +%s)
[ "$(id -u)" = 0 ] || die "run as root: it makes the user tscanary and its /dev/net/tun access first"
user=${UNPRIV_USER:-tscanary}
cache=${TSCANARY_CACHE:?run it as make test-unprivileged, which sets TSCANARY_CACHE}

if ! id -u "$user" >/dev/null 2>&1; then
	say "creating the system user $user (no login, no home of its own)"
	useradd --system --user-group --no-create-home --home-dir /nonexistent \
		--shell /usr/sbin/nologin "$user" || die "useradd $user failed"
fi
as_user() { setpriv --reuid="$user" --regid="$user" --init-groups -- "$@"; }
[ -c /dev/net/tun ] || die "no /dev/net/tun (modprobe tun)"
if ! as_user sh -c ': <>/dev/net/tun' 2>/dev/null; then
	say "giving $user read-write access to /dev/net/tun (setfacl -m u:$user:rw)"
	setfacl -m "u:$user:rw" /dev/net/tun || die "setfacl failed (apt-get install acl)"
fi

# Its own directory, which it must be able to reach.
dir=${UNPRIV_DIR:-}
if [ -z "$dir" ]; then
	dir=$cache/unpriv
	mkdir -p "$dir"
	if ! as_user test -x "$dir"; then
		dir=/var/tmp/tscanary-unpriv
		say "$user cannot enter $cache: using $dir instead"
	fi
fi
mkdir -p "$dir/home" "$dir/cache"
chown "$user:$user" "$dir" "$dir/home" "$dir/cache"
as_user test -w "$dir/cache" || die "$user cannot write $dir/cache"

# The tree's files as they are (new, uncommitted ones too), modes and
# mtimes kept; the copy's build/ and out/ stay from the last run.
src=$dir/src
rm -rf "$src.new"
mkdir "$src.new"
(cd "$top" && git ls-files -z -co --exclude-standard) |
	(cd "$top" && xargs -0 cp -a --parents -t "$src.new")
for d in build out; do
	[ ! -d "$src/$d" ] || mv "$src/$d" "$src.new/$d"
done
rm -rf "$src"
mv "$src.new" "$src"
chown -R "$user:$user" "$src"
say "tree copied to $src ($(cd "$src" && find . -path ./build -prune -o -path ./out -prune -o -type f -print | wc -l) files), cache $dir/cache"

# A clean environment: the Go proxy settings root uses, certificates and
# proxies if set; everything else the user's own.
goenv=$(cd "$top/image" && GOWORK=off go env -json GOPROXY GOSUMDB GONOSUMDB GOPRIVATE GOFLAGS)
envs=(PATH="$PATH" HOME="$dir/home" TSCANARY_CACHE="$dir/cache/tscanary" LANG=C.UTF-8
	GOCACHE="$dir/cache/go-build" GOMODCACHE="$dir/cache/go-mod"
	GOPROXY="$(jq -r .GOPROXY <<<"$goenv")" GOSUMDB="$(jq -r .GOSUMDB <<<"$goenv")"
	GONOSUMDB="$(jq -r .GONOSUMDB <<<"$goenv")" GOPRIVATE="$(jq -r .GOPRIVATE <<<"$goenv")"
	GOFLAGS="$(jq -r .GOFLAGS <<<"$goenv")")
for v in http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY NO_PROXY SSL_CERT_FILE SSL_CERT_DIR; do
	[ -z "${!v:-}" ] || envs+=("$v=${!v}")
done

# UNPRIV_GOALS: what make runs as the user (default the gate; e.g. "image
# kit" builds all a run needs without booting anything).
goals=${UNPRIV_GOALS:-test}
say "make $goals ARCH=$arch as $user (uid $(id -u "$user")), not root"
rc=0
# shellcheck disable=SC2086 # the goals are words
as_user env -i "${envs[@]}" make -C "$src" --no-print-directory $goals ARCH="$arch" VARIANT= || rc=$?
say "make $goals ARCH=$arch as $user: exit $rc in $(($(date +%s) - t0)) s"
[ "$goals" = test ] || exit "$rc"

# Its reports, where make report-check reads them.
out=$top/out/$arch-unpriv
rm -rf "$out"
if [ -f "$src/out/$arch/summary.json" ]; then
	mkdir -p "$out"
	(cd "$src/out/$arch" && find . -path ./image -prune -o -type f -print0 | xargs -0 cp --parents -t "$out")
	say "reports in out/$arch-unpriv/: $(jq -r '"\(.result), user namespace \(.lab_user_namespace), accel \(.versions.accel)"' "$out/summary.json" 2>/dev/null)"
	# the verdict joins root's store (VERDICTS) when the user's copy is this
	# very harness tree, so make release and release-check count it
	tree=$("$top/harness/tree-hash.sh")
	utree=$(as_user "$src/harness/tree-hash.sh")
	if [ -z "${VERDICTS:-}" ]; then
		say "no VERDICTS store given: the verdict stays in $dir/cache"
	elif [ "$tree" = "$utree" ]; then
		if ! "$top/build/tscanary" verdict record --store "$VERDICTS" --tree "$tree" \
			"$out/summary.json"; then
			[ "$rc" != 0 ] || rc=3
		fi
	else
		say "the user's copy has harness tree $utree, this tree $tree: its verdict is not filed here"
		[ "$rc" != 0 ] || rc=3
	fi
else
	say "no summary.json: the run ended before its reports"
fi
exit "$rc"
