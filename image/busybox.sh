#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Build the image's busybox for one arch: Debian's busybox source package
# (image/busybox-source, Debian's patches applied), configured from
# allnoconfig with exactly the applets of image/busybox-applets and the
# features of image/busybox.config, linked statically against musl with
# Debian's cross compilers, then UPX-packed.
#
#   image/busybox.sh --arch ARCH [--drop "APPLET..."] [--key]
#   image/busybox.sh --list
#
# --list prints the applets image/busybox-applets lists, one a line in its
# order, and stops (no arch, no tools): this script is that file's one
# reader, image/build.sh and the busybox-applets canary take the list here.
# Prints the cache entry's directory on stdout (busybox: the packed binary;
# busybox.unpacked; applets: its applet table; config: the .config it was
# built with; info: key=value facts), or with --key only the cache key (no
# build, no network). --drop leaves applets of the list out of the config
# (a known-bad variant; the image still links them). Progress goes to
# stderr. The entry lives under the cache root (lib/cache-root.sh) in
# busybox/<key>,
# keyed by the source version, the config, the applets, this script, the
# compilers, musl, the kernel headers and upx; the source and a private APT
# state live under busybox-src/ there. The machine's APT sources are never
# read or changed.
#
# Exit status: 0 built (or cached), 1 failed, 2 usage.
set -euo pipefail
umask 022

prog=image/busybox.sh
t0=$(date +%s)
say() { printf 'busybox: [%4ss] %s\n' "$(($(date +%s) - t0))" "$*" >&2; }
die() {
	printf 'busybox: error: %s\n' "$*" >&2
	exit 1
}
usage() {
	cat <<EOF
usage: $prog --arch ARCH [--drop "APPLET..."] [--key]
       $prog --list
  --arch ARCH   one of the arches in vm/arches
  --drop LIST   applets of image/busybox-applets to leave out (known-bad variants)
  --key         print the cache key and stop (nothing is built or fetched)
  --list        print the applets image/busybox-applets lists and stop
Environment: TSCANARY_CACHE (cache root).
EOF
}

arch='' drop='' key_only='' list_only=''
while [ $# -gt 0 ]; do
	case $1 in
	--arch) [ $# -ge 2 ] || { usage >&2 && exit 2; }; arch=$2; shift 2 ;;
	--arch=*) arch=${1#*=}; shift ;;
	--drop) [ $# -ge 2 ] || { usage >&2 && exit 2; }; drop=$2; shift 2 ;;
	--drop=*) drop=${1#*=}; shift ;;
	--key) key_only=1; shift ;;
	--list) list_only=1; shift ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; printf 'busybox: error: unknown argument %s\n' "$1" >&2; exit 2 ;;
	esac
done

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
top=$(dirname -- "$here")
# The applets: the first word of each line that is not a comment.
list_file=$here/busybox-applets
[ -r "$list_file" ] || die "cannot read '$list_file'"
named=$(awk '/^[[:space:]]*(#|$)/ { next } { print $1 }' "$list_file")
[ -n "$named" ] || die "'$list_file' lists no applet"
if [ -n "$list_only" ]; then
	printf '%s\n' "$named"
	exit 0
fi
# shellcheck disable=SC2034 # read by vm/arch.sh
arch_env=$top/vm/arches.env
# shellcheck source=../vm/arch.sh disable=SC1091
. "$top/vm/arch.sh"
# shellcheck source=lib/cache-root.sh
. "$top/lib/cache-root.sh"
[ -n "$arch" ] || { usage >&2 && exit 2; }
arch_load "$arch" || exit 2

# --- recipe -------------------------------------------------------------------
src_file=$here/busybox-source
cfg_file=$here/busybox.config
for f in "$src_file" "$cfg_file"; do
	[ -r "$f" ] || die "cannot read '$f'"
done
src_get() { awk -v k="$1" '!/^[[:space:]]*(#|$)/ && $1 == k { print $2; n++ } END { exit n != 1 }' "$src_file" ||
	die "'$src_file' must name '$1' once"; }
pkg=$(src_get package)
version=$(src_get version)
suite=$(src_get suite)
mirror=$(src_get mirror)
lines() { printf '%s\n' "$@" | tr ' ' '\n' | sed '/^$/d' | LC_ALL=C sort -u; }
listed=$(lines "$named")
dropped=$(lines "$drop")
stray=$(LC_ALL=C comm -13 <(printf '%s\n' "$listed") <(printf '%s\n' "$dropped") | sed '/^$/d')
[ -z "$stray" ] || die "--drop names applets image/busybox-applets does not list: $(echo "$stray" | tr '\n' ' ')"
want=$(LC_ALL=C comm -23 <(printf '%s\n' "$listed") <(printf '%s\n' "$dropped"))
# the fragment's lines, checked: CONFIG_X=value or "# CONFIG_X is not set"
fragment=$(awk -v f="$cfg_file" '
	/^# CONFIG_[A-Za-z0-9_]+ is not set$/ { print; next }
	/^[[:space:]]*(#|$)/ { next }
	/^CONFIG_[A-Za-z0-9_]+=/ { print; next }
	{ printf "%s:%d: not a .config line: %s\n", f, NR, $0 > "/dev/stderr"; bad = 1 }
	END { exit bad }' "$cfg_file") || die "fix '$cfg_file'"

# --- tools --------------------------------------------------------------------
cc=$ARCH_TRIPLE-gcc
cc_pkg=gcc-${ARCH_TRIPLE//_/-}
command -v "$cc" >/dev/null 2>&1 || die "no C compiler '$cc' for $arch: install $cc_pkg (apt-get install $cc_pkg)"
command -v "$ARCH_TRIPLE-strip" >/dev/null 2>&1 || die "no '$ARCH_TRIPLE-strip': install binutils-${ARCH_TRIPLE//_/-}"
for t in make gcc dpkg-source dpkg-parsechangelog dpkg-query apt-get apt-cache upx sha256sum; do
	command -v "$t" >/dev/null 2>&1 || die "missing tool '$t' (Debian: build-essential, dpkg-dev, apt, upx-ucl)"
done
musl_version=$(dpkg-query -W -f '${Version}' "musl-dev:$ARCH_DEBARCH" 2>/dev/null) || musl_version=''
[ -n "$musl_version" ] ||
	die "musl-dev:$ARCH_DEBARCH is not installed (dpkg --add-architecture $ARCH_DEBARCH if needed; apt-get install musl-dev:$ARCH_DEBARCH)"
specs=$(dpkg-query -L "musl-dev:$ARCH_DEBARCH" | grep '/musl-gcc\.specs$' | head -n 1) || specs=''
[ -f "$specs" ] ||
	die "musl-dev:$ARCH_DEBARCH has no musl-gcc.specs (reinstall musl-dev:$ARCH_DEBARCH)"
# Kernel headers for the target: the cross package's tree, or (the
# machine's own arch) the native linux-libc-dev with asm/ in its multiarch dir.
if [ -d "/usr/$ARCH_TRIPLE/include/linux" ] && [ -d "/usr/$ARCH_TRIPLE/include/asm" ]; then
	kdir=/usr/$ARCH_TRIPLE/include kasm=$kdir/asm
elif [ -d /usr/include/linux ] && [ -d "/usr/include/$ARCH_TRIPLE/asm" ]; then
	kdir=/usr/include kasm=/usr/include/$ARCH_TRIPLE/asm
else
	die "no kernel headers for $ARCH_TRIPLE: install linux-libc-dev-$ARCH_DEBARCH-cross (or linux-libc-dev:$ARCH_DEBARCH)"
fi
kpkg=$(dpkg-query -S "$kdir/linux/if.h" 2>/dev/null | cut -d: -f1 | head -n 1) || kpkg=''
[ -n "$kpkg" ] || die "'$kdir/linux/if.h' belongs to no package (kernel headers must come from Debian)"
kver=$(dpkg-query -W -f '${Version}' "$kpkg") || die "cannot read the version of $kpkg"
upx_version=$(upx --version 2>/dev/null | sed -n 1p)
upx_flags='--lzma --ultra-brute'
cc_version=$("$cc" --version | sed -n 1p)
ld_version=$("$ARCH_TRIPLE-ld" --version | sed -n 1p)
hostcc_version=$(gcc --version | sed -n 1p)

# --- cache key ----------------------------------------------------------------
cache_root=$(cache_root)
sha() { sha256sum | cut -d' ' -f1; }
key=$(printf '%s\n' "tscanary busybox v1" "arch=$arch $ARCH_DEBARCH $ARCH_TRIPLE" \
	"source=$pkg $version $suite $mirror" "config=$(printf '%s\n' "$fragment" | sha)" \
	"applets=$(printf '%s\n' "$want" | sha)" "script=$(sha <"$here/busybox.sh")" \
	"cc=$cc_version" "ld=$ld_version" "hostcc=$hostcc_version" "musl=$musl_version" \
	"headers=$kpkg $kver" "upx=$upx_version $upx_flags" | sha)
if [ -n "$key_only" ]; then
	printf '%s\n' "$key"
	exit 0
fi
entry=$cache_root/busybox/$key
if [ -f "$entry/busybox" ] && [ -f "$entry/info" ]; then
	say "cached: $arch busybox $version (key ${key:0:16})"
	printf '%s\n' "$entry"
	exit 0
fi
mkdir -p "$cache_root/busybox" "$cache_root/busybox-src" || die "cannot create the cache under '$cache_root'"
find "$cache_root/busybox" -maxdepth 1 -name '.tmp.*' -mmin +1440 -exec rm -rf {} + 2>/dev/null || true
work=$(mktemp -d "$cache_root/busybox/.tmp.XXXXXX") || die "cannot create a work dir under '$cache_root/busybox'"
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
say "building $arch busybox $version (key ${key:0:16})"

# --- source: Debian's source package through a private APT state -------------
# Own sources list (deb-src of the pinned suite, signed by the Debian archive
# keyring), own lists and cache: the machine's APT configuration stays as it
# is. apt checks the index signature and each file against the index's
# hashes; dpkg-source -x checks them again against the .dsc.
srcdir=$cache_root/busybox-src/$pkg-${version//:/%3a}
dsc=${pkg}_${version#*:}.dsc
if [ ! -f "$srcdir/$dsc" ]; then
	keyring=/usr/share/keyrings/debian-archive-keyring.gpg
	[ -r "$keyring" ] || die "no '$keyring' (apt-get install debian-archive-keyring)"
	apt_state=$cache_root/busybox-src/apt
	mkdir -p "$apt_state/lists/partial" "$apt_state/cache/archives/partial" || die "cannot create '$apt_state'"
	printf 'deb-src [signed-by=%s] %s %s main\n' "$keyring" "$mirror" "$suite" >"$apt_state/sources.list"
	apt_opts=(-o "Dir::Etc::SourceList=$apt_state/sources.list" -o Dir::Etc::SourceParts=/dev/null
		-o "Dir::State::Lists=$apt_state/lists" -o "Dir::Cache=$apt_state/cache"
		-o APT::Sandbox::User=root -o Acquire::Retries=3)
	say "apt-get update (private state: deb-src $mirror $suite main)"
	apt-get -q "${apt_opts[@]}" update >"$work/apt.log" 2>&1 ||
		die "apt-get update of deb-src $mirror $suite failed: $(tail -n 3 "$work/apt.log" | paste -sd' ' -)"
	served=$(apt-cache "${apt_opts[@]}" showsrc "$pkg" 2>/dev/null | awk '$1 == "Version:" { print $2 }' | paste -sd' ' -)
	grep -qxF -- "$version" <(tr ' ' '\n' <<<"$served") ||
		die "$suite no longer serves $pkg $version (it serves: ${served:-nothing}); pin a served version in image/busybox-source"
	say "apt-get source --download-only $pkg=$version"
	mkdir -p "$work/dl"
	(cd "$work/dl" && apt-get -q "${apt_opts[@]}" source --download-only "$pkg=$version") >"$work/apt.log" 2>&1 ||
		die "apt-get source $pkg=$version failed: $(tail -n 3 "$work/apt.log" | paste -sd' ' -)"
	[ -f "$work/dl/$dsc" ] || die "apt-get source left no '$dsc'"
	# another run may have stored it meanwhile: then its copy stays
	if ! mv -T "$work/dl" "$srcdir" 2>/dev/null; then
		[ -f "$srcdir/$dsc" ] || die "cannot store the source in '$srcdir'"
	fi
fi
say "dpkg-source -x $dsc (checks the .dsc's hashes, applies Debian's patches)"
(cd "$work" && dpkg-source --no-copy -x "$srcdir/$dsc" src) >"$work/dpkg-source.log" 2>&1 ||
	die "dpkg-source -x '$srcdir/$dsc' failed: $(tail -n 3 "$work/dpkg-source.log" | paste -sd' ' -)"
src=$work/src
got=$(dpkg-parsechangelog -l "$src/debian/changelog" -SVersion) || die "cannot read '$src/debian/changelog'"
[ "$got" = "$version" ] || die "the unpacked source is $pkg $got, not $version"
# The build's clock: the changelog entry of this version, not the host's.
SOURCE_DATE_EPOCH=$(dpkg-parsechangelog -l "$src/debian/changelog" -STimestamp) || die "no changelog timestamp"
# kconfig stamps the banner with SOURCE_DATE_EPOCH (in UTC).
export SOURCE_DATE_EPOCH KBUILD_BUILD_TIMESTAMP="@$SOURCE_DATE_EPOCH"
export KBUILD_BUILD_USER=tscanary KBUILD_BUILD_HOST=tscanary LC_ALL=C TZ=UTC
# Nothing from the caller's make reaches busybox's: `make image ARCH=amd64`
# exports ARCH, which busybox's Makefile would take over the arch it derives
# from CROSS_COMPILE (arch/x86_64/Makefile's flags then went missing and the
# amd64 binary differed from a Dockerfile build's).
unset CFLAGS LDFLAGS CPPFLAGS MAKEFLAGS MFLAGS MAKEOVERRIDES MAKELEVEL ARCH SUBARCH CROSS_COMPILE

# --- toolchain: the cross gcc with musl's specs, kernel headers alone ---------
kinc=$work/kinc
mkdir -p "$kinc" "$work/bin"
ln -s "$kdir/linux" "$kinc/linux"
ln -s "$kasm" "$kinc/asm"
ln -s "$kdir/asm-generic" "$kinc/asm-generic"
[ ! -d "$kdir/mtd" ] || ln -s "$kdir/mtd" "$kinc/mtd"
printf '#!/bin/sh\nexec %s -specs %s -isystem %s "$@"\n' "$cc" "$specs" "$kinc" >"$work/bin/cc"
chmod 0755 "$work/bin/cc"
printf 'int main(void) { return 0; }\n' >"$work/t.c"
"$work/bin/cc" -static -o "$work/t" "$work/t.c" 2>"$work/t.log" ||
	die "$cc with musl ($specs) cannot link a static program: $(head -n 3 "$work/t.log" | paste -sd' ' -)"

# --- config -------------------------------------------------------------------
# Applet name -> config symbol, from the //applet: lines of the source. An
# applet with several (sh: SH_IS_ASH or SH_IS_HUSH) must be chosen in
# image/busybox.config.
grep -rhE '^//applet:' --include='*.c' "$src" |
	sed -nE 's/^\/\/applet:[[:space:]]*IF_([A-Z0-9_]+)\([[:space:]]*APPLET[A-Z_]*\([[:space:]]*([^,[:space:]]+)[[:space:]]*,.*/\2 \1/p' |
	LC_ALL=C sort -u >"$work/applet-map"
syms='' unknown='' ambiguous=''
for a in $want; do
	s=$(awk -v a="$a" '$1 == a { print $2 }' "$work/applet-map")
	case $(printf '%s\n' "$s" | sed '/^$/d' | wc -l) in
	0) unknown="$unknown $a" ;;
	1) syms="$syms $s" ;;
	*)
		chosen=$(awk 'NR == FNR { c["CONFIG_" $1 "=y"]; next } $0 in c' <(printf '%s\n' "$s") <(printf '%s\n' "$fragment"))
		[ "$(printf '%s\n' "$chosen" | sed '/^$/d' | wc -l)" = 1 ] || ambiguous="$ambiguous $a($(echo "$s" | tr '\n' '|' | sed 's/|$//'))"
		;;
	esac
done
[ -z "$unknown" ] || die "no busybox $version applet is called:$unknown (image/busybox-applets)"
[ -z "$ambiguous" ] || die "applets with several config symbols, choose one in image/busybox.config:$ambiguous"
set_lines=$(printf '%s\n' "CONFIG_STATIC=y" "$fragment"
	for s in $syms; do printf 'CONFIG_%s=y\n' "$s"; done)
set_lines=$(sed '/^$/d' <<<"$set_lines")
say "config: allnoconfig + $(wc -w <<<"$want") applets + image/busybox.config"
make -C "$src" -s allnoconfig >"$work/config.log" 2>&1 || die "make allnoconfig failed: $(tail -n 3 "$work/config.log" | paste -sd' ' -)"
set_syms=$(sed -E 's/^# (CONFIG_[A-Za-z0-9_]+) is not set$/\1/; s/=.*//' <<<"$set_lines" | LC_ALL=C sort -u)
{
	grep -vE '^(# )?CONFIG_[A-Za-z0-9_]+[= ]' "$src/.config" || true
	grep -E '^(# )?CONFIG_[A-Za-z0-9_]+[= ]' "$src/.config" |
		awk 'NR == FNR { s[$1]; next } { n = $0; sub(/^# /, "", n); sub(/[= ].*/, "", n) } !(n in s)' \
			<(printf '%s\n' "$set_syms") -
	printf '%s\n' "$set_lines"
} >"$work/config.new"
mv -f "$work/config.new" "$src/.config"
{ yes '' || true; } | make -C "$src" oldconfig >>"$work/config.log" 2>&1 ||
	die "make oldconfig failed: $(tail -n 3 "$work/config.log" | paste -sd' ' -)"
lost=$(grep -vxF -f "$src/.config" <<<"$set_lines" || true)
[ -z "$lost" ] || die "config lines that did not survive make oldconfig (unmet dependencies?): $(echo "$lost" | paste -sd' ' -)"

# --- build --------------------------------------------------------------------
jobs=$(nproc 2>/dev/null || echo 2)
say "make busybox ($cc, musl $musl_version, -j$jobs)"
s=$(date +%s)
# A static busybox is not position independent anyway: -fno-pie drops the
# GOT indirections Debian's default-PIE compilers put in (3.4 kB packed on
# amd64).
make -C "$src" -j"$jobs" CROSS_COMPILE="$ARCH_TRIPLE-" CC="$work/bin/cc" HOSTCC=gcc \
	EXTRA_CFLAGS="-ffile-prefix-map=$src/= -fno-pie" EXTRA_LDFLAGS=-no-pie SKIP_STRIP=n V=0 \
	busybox >"$work/make.log" 2>&1 ||
	die "make busybox failed ($arch): $(grep -E 'error|Error' "$work/make.log" | head -n 5 | paste -sd' ' -)"
say "make done ($(($(date +%s) - s))s)"
bin=$src/busybox
[ -f "$bin" ] || die "the build left no busybox"
file_out=$(file -b "$bin" 2>/dev/null || true)
case $file_out in *dynamically*) die "busybox is not static: $file_out" ;; esac

# --- applets: the binary's own table ------------------------------------------
# The applet names sit in the binary as one sorted, NUL-separated table:
# the longest run of ascending applet-like strings is it. The bytes before
# it need not end in a NUL, so a first "[" may come glued to them (it is
# then the line before "[["). Read without running the binary, then, where
# it can run (this arch, or qemu-user), ask it too.
LC_ALL=C tr '\0' '\n' <"$bin" | LC_ALL=C awk '
	function end() { if (n > bn) { bn = n; for (i = 1; i <= n; i++) best[i] = run[i] } n = 0 }
	/^[a-z0-9_.[-]+$/ && n > 0 && $0 > run[n] { run[++n] = $0; prev = $0; next }
	{ end() }
	/^[a-z0-9_.[-]+$/ { if ($0 == "[[" && prev ~ /\[$/) run[++n] = "["; run[++n] = $0 }
	{ prev = $0 }
	END { end(); for (i = 1; i <= bn; i++) print best[i] }' >"$work/applets"
missing=$(LC_ALL=C comm -23 <(printf '%s\n' "$want") "$work/applets")
[ -z "$missing" ] || die "the built busybox lacks applets: $(echo "$missing" | tr '\n' ' ')"
extra=$(LC_ALL=C comm -13 <(printf '%s\n' "$want") "$work/applets")
run=()
if [ "$(dpkg --print-architecture)" = "$ARCH_DEBARCH" ]; then
	run=()
elif command -v "${ARCH_QEMU/system-/}-static" >/dev/null 2>&1; then
	run=("${ARCH_QEMU/system-/}-static")
else
	run=(none)
fi
if [ "${run[*]}" != none ]; then
	"${run[@]}" "$bin" --list | LC_ALL=C sort >"$work/list" || die "busybox --list failed (${run[*]:-native})"
	cmp -s "$work/list" <(LC_ALL=C sort "$work/applets") ||
		die "busybox --list and the applet table differ: $(diff "$work/list" <(LC_ALL=C sort "$work/applets") | grep '^[<>]' | paste -sd' ' -)"
fi
unpacked_bytes=$(stat -c %s "$bin")
cp -- "$bin" "$work/busybox.unpacked"

# --- pack ---------------------------------------------------------------------
say "upx $upx_flags busybox ($unpacked_bytes bytes)"
s=$(date +%s)
# shellcheck disable=SC2086 # the flags are words
upx -q $upx_flags "$bin" >"$work/upx.log" 2>&1 || die "upx failed: $(tail -n 2 "$work/upx.log" | paste -sd' ' -)"
upx -q -t "$bin" >/dev/null 2>&1 || die "upx -t: the packed busybox does not verify"
if [ "${run[*]}" != none ]; then
	"${run[@]}" "$bin" --list | LC_ALL=C sort | cmp -s - "$work/list" ||
		die "the packed busybox does not run or lists other applets (${run[*]:-native})"
fi
packed_bytes=$(stat -c %s "$bin")
say "upx done ($(($(date +%s) - s))s): $packed_bytes bytes"

# --- the entry ----------------------------------------------------------------
mkdir -p "$work/entry"
install -m 0755 "$bin" "$work/entry/busybox"
install -m 0644 "$work/busybox.unpacked" "$work/entry/busybox.unpacked"
cp -- "$work/applets" "$work/entry/applets"
grep -E '^(# )?CONFIG_' "$src/.config" >"$work/entry/config"
{
	printf 'key=%s\n' "$key"
	printf 'package=%s\nversion=%s\nsuite=%s\n' "$pkg" "$version" "$suite"
	printf 'dsc_sha256=%s\n' "$(sha <"$srcdir/$dsc")"
	printf 'source_date_epoch=%s\n' "$SOURCE_DATE_EPOCH"
	printf 'cc=%s\nmusl=%s\nheaders=%s %s\nupx=%s %s\n' "$cc_version" "$musl_version" "$kpkg" "$kver" "$upx_version" "$upx_flags"
	printf 'bytes=%s\nunpacked_bytes=%s\n' "$packed_bytes" "$unpacked_bytes"
	printf 'sha256=%s\n' "$(sha <"$work/entry/busybox")"
	printf 'dropped=%s\n' "$(paste -sd' ' - <<<"$dropped")"
	printf 'extra=%s\n' "$(paste -sd' ' - <<<"$extra")"
	printf 'verified_by=%s\n' "$([ "${run[*]}" = none ] && echo table || echo "busybox --list${run[*]:+ under ${run[*]}}")"
} >"$work/entry/info"
if ! mv -T "$work/entry" "$entry" 2>/dev/null; then
	[ -f "$entry/info" ] || die "cannot store the result in '$entry'"
	say "a concurrent run stored the same key first; using it"
fi
say "built $arch busybox: $packed_bytes bytes packed ($unpacked_bytes unpacked), $(wc -l <"$entry/applets") applets -> $entry"
printf '%s\n' "$entry"
