#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Build the tscanary image for one arch natively (no Docker) and write an OCI
# archive plus a manifest.json that says exactly what went into it.
#
#   image/build.sh --arch ARCH [--variant-env FILE] [--tailscale-version V] --out DIR [--tar FILE]
#   image/build.sh --platform OS/ARCH[/VARIANT] --rootfs DIR [--expect-version V]
#
# The second form is the recipe's build step for the top-level Dockerfile: it
# builds the same rootfs (same tags, flags, version stamp, overlay, UPX,
# busybox, CA bundle) and stops before the OCI packing, which Docker does.
# Inputs: the recipe in image/ (allowlist and waived-deps, as their committed
# view features.env from `tscanary features --sh` says them; busybox-applets,
# busybox.config, busybox-source, entrypoint.sh, image-config and its
# reader image-config.sh, verbosity_filter.go, rootfs/, go.mod/go.sum), the
# arch facts in vm/arches (as its generated view vm/arches.env says them),
# and optionally a known-bad variant's recipe changes, as `tscanary
# variant-env` writes them (the harness alone reads fixtures/variants/). Sources:
# Tailscale from the Go module cache/proxy, busybox built from Debian's
# source package by image/busybox.sh (musl, UPX), ca-certificates from
# Debian (apt). Results are cached by
# content under the cache root (lib/cache-root.sh).
set -euo pipefail
umask 022
trap 'printf "image: error: unexpected failure (status %s) at %s line %s\n" "$?" "$0" "$LINENO" >&2' ERR

prog=image/build.sh
t0=$(date +%s)

say() { printf 'image: [%4ss] %s\n' "$(($(date +%s) - t0))" "$*" >&2; }
warn() { printf 'image: warning: %s\n' "$*" >&2; }
# A failure found after a deferred one (below: modules the proxy refused)
# names both, so a maintainer sees every reason a version does not build.
die_note=''
die() {
	printf 'image: error: %s%s\n' "$*" "${die_note:+; also: $die_note}" >&2
	exit 1
}
die_code() { # status message...
	local code=$1
	shift
	printf 'image: error: %s\n' "$*" >&2
	exit "$code"
}
usage() {
	cat <<EOF
usage: $prog --arch ARCH [--variant-env FILE] [--tailscale-version V] [--features FILE]
                      [--allow-missing-deps] --out DIR [--tar FILE]
       $prog --platform OS/ARCH[/VARIANT] --rootfs DIR [--expect-version V]

  --arch ARCH       one of the arches in vm/arches
  --platform P      the arch whose OCI platform is P (e.g. linux/arm/v7, as
                    Docker's TARGETPLATFORM), instead of --arch
  --variant-env FILE
                    a known-bad variant's recipe changes: the sh assignments
                    \`tscanary variant-env NAME|FILE\` prints for a variant
                    of fixtures/variants/ (make image VARIANT=NAME writes
                    build/variants/NAME.env); without it the variant is
                    "default"
  --tailscale-version V
                    build tailscale.com V (vX.Y.Z[-pre]) instead of the version
                    image/go.mod pins, without touching image/go.mod: a private
                    copy of go.mod/go.sum is moved to V with every new module
                    checked against the checksum database (GOSUMDB, through the
                    module proxy); the added go.sum lines go into manifest.json.
                    V equal to the pinned version is exactly the normal build.
  --features FILE   the feature lists to build from, instead of the recipe's
                    own (image/features.env, the view of image/allowlist and
                    image/waived-deps): the sh assignments \`tscanary features
                    --sh --allowlist LIST\` prints for another allowlist (e.g.
                    a fixture that tries the recipe another version needs);
                    the allowlist's path is recorded in manifest.json
  --fit-features    leave out of the allowlist and waived-deps the features
                    this Tailscale version does not have (each named in a
                    warning and in manifest.json as dropped_features), instead
                    of failing on them: for builds of older releases (make
                    history), whose feature tables lack newer features
  --allow-missing-deps
                    build the allowlist even where its features declare Deps
                    in neither it nor waived-deps (each named in a warning and
                    in manifest.json as missing_deps): re-creates an image
                    the way a recipe without that check builds it, for the
                    gate to judge (make test IMAGE=...)
  --out DIR         where image.oci.tar and manifest.json are written
  --tar FILE        also write the image as a \`docker save\` tarball, tagged
                    tscanary:<version>-<arch>[-<variant>] (not cached)
  --rootfs DIR      build the rootfs into DIR (must not exist) and stop: no
                    OCI packing, no cache entry (the Dockerfile's step)
  --expect-version V  fail unless the pinned tailscale.com version is V

Environment: TSCANARY_CACHE (cache root), SOURCE_DATE_EPOCH (file mtimes;
default: the tailscale.com module's release time), TSCANARY_GO_TIMEOUT
(seconds each module-resolution step may take, default 600).

Exit status: 0 built (or cached), 1 the build failed (recipe, tools, go build),
2 usage, 3 --tailscale-version names a version the module proxy does not have,
4 checksum verification is switched off for it (GOSUMDB=off, GONOSUMDB or
GOPRIVATE covering a module, -insecure) so the build refuses, 5 the checksum
database could not be reached or did not confirm a module, 6 the module proxy
could not be reached, refused a module the build needs (each one named) or a
resolution step timed out, 130 interrupted. When the proxy refuses modules
tailscaled needs, the recipe is still checked against that version's feature
table first: a recipe that does not fit fails with 1 and names the refused
modules too.
EOF
}

# --- arguments --------------------------------------------------------------
arch='' variant_env_arg='' features_arg='' allow_missing=no fit=no out='' platform_arg='' tar_out='' rootfs_out='' expect_version='' ts_want=''
# Argument errors exit 2 (usage), like an unknown ARCH does.
need_value() { [ "$1" -ge 2 ] || { usage >&2 && die_code 2 "'$2' needs a value"; }; }
while [ $# -gt 0 ]; do
	case $1 in
	--arch) need_value $# "$1"; arch=$2; shift 2 ;;
	--arch=*) arch=${1#*=}; shift ;;
	--variant-env) need_value $# "$1"; variant_env_arg=$2; shift 2 ;;
	--variant-env=*) variant_env_arg=${1#*=}; shift ;;
	--features) need_value $# "$1"; features_arg=$2; shift 2 ;;
	--features=*) features_arg=${1#*=}; shift ;;
	--allow-missing-deps) allow_missing=yes; shift ;;
	--fit-features) fit=yes; shift ;;
	--out) need_value $# "$1"; out=$2; shift 2 ;;
	--out=*) out=${1#*=}; shift ;;
	--platform) need_value $# "$1"; platform_arg=$2; shift 2 ;;
	--platform=*) platform_arg=${1#*=}; shift ;;
	--tar) need_value $# "$1"; tar_out=$2; shift 2 ;;
	--tar=*) tar_out=${1#*=}; shift ;;
	--rootfs) need_value $# "$1"; rootfs_out=$2; shift 2 ;;
	--rootfs=*) rootfs_out=${1#*=}; shift ;;
	--expect-version) need_value $# "$1"; expect_version=$2; shift 2 ;;
	--expect-version=*) expect_version=${1#*=}; shift ;;
	--tailscale-version) need_value $# "$1"; ts_want=$2; shift 2 ;;
	--tailscale-version=*) ts_want=${1#*=}; shift ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; die_code 2 "unknown argument '$1'" ;;
	esac
done

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
top=$(dirname -- "$here")

arch_env=$top/vm/arches.env
[ -r "$arch_env" ] || die "cannot read the arch facts '$arch_env'"
# shellcheck source=../vm/arch.sh disable=SC1091
. "$top/vm/arch.sh"
# shellcheck source=lib/cache-root.sh
. "$top/lib/cache-root.sh"
# shellcheck source=image/image-config.sh
. "$here/image-config.sh"
if [ -n "$platform_arg" ]; then
	[ -z "$arch" ] || die "give --arch or --platform, not both"
	# linux/arm/v7 -> arm/v7, the oci column of vm/arches; a variant that
	# only restates the baseline (the ocibase column: arm64/v8) names the
	# plain arch
	case $platform_arg in
	linux/*) p=${platform_arg#linux/} ;;
	*) die "--platform '$platform_arg': only linux/... images exist" ;;
	esac
	arch=$(arch_find OCI "$p") || arch=$(a=$(arch_find OCI "${p%/*}") && arch_set "$a" &&
		[ -n "$ARCH_OCIBASE" ] && [ "$p" = "$ARCH_OCI/$ARCH_OCIBASE" ] && echo "$a") ||
		die "no arch in vm/arches has platform '$platform_arg' (have: $(for a in $(arch_names); do arch_set "$a"; printf 'linux/%s ' "$ARCH_OCI"; done))"
fi
[ -n "$arch" ] || { usage >&2 && die "no --arch given (valid: $(arch_names))"; }
if [ -n "$rootfs_out" ]; then
	[ -z "$out$tar_out" ] || die "--rootfs builds only a rootfs: no --out or --tar with it"
	[ ! -e "$rootfs_out" ] || die "--rootfs '$rootfs_out' already exists"
else
	[ -n "$out" ] || { usage >&2 && die "no --out given"; }
fi
[[ -z $ts_want || $ts_want =~ ^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]] ||
	{ usage >&2 && die_code 2 "--tailscale-version wants a release version like v1.102.3, not '$ts_want'"; }
arch_load "$arch" || exit 2

oci_os=linux
oci_arch=${ARCH_OCI%%/*}
oci_variant=
case $ARCH_OCI in */*) oci_variant=${ARCH_OCI#*/} ;; esac

# --- tools ------------------------------------------------------------------
need_tools() {
	local t missing=
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || missing="$missing $t"
	done
	[ -z "$missing" ] || die "missing tools:$missing (Debian: golang or go.dev toolchain, umoci, skopeo, jq, upx-ucl, apt, dpkg, coreutils, tar, gawk/mawk)"
}
need_tools go jq apt-get apt-cache dpkg-deb tar sha256sum basenc base64 awk find stat
[ -n "$rootfs_out" ] || need_tools umoci skopeo

# --- variant ----------------------------------------------------------------
# A known-bad variant's recipe changes, as `tscanary variant-env` wrote them:
# the harness alone parses fixtures/variants/ (and checks every key), this
# script sources what it printed.
variant=default variant_env='' v_desc='' v_omit='' v_drop='' v_add='' v_upx=yes v_filter=yes v_side=image
v_bb_drop='' v_sha256=''
v_cfg_drop=() v_cfg_add=()
if [ -n "$variant_env_arg" ]; then
	not_env="is not a variant env (write it with: build/tscanary variant-env NAME|FILE)"
	{ [ -f "$variant_env_arg" ] && [ -r "$variant_env_arg" ]; } || die "cannot read the variant env '$variant_env_arg'"
	grep -q "^variant='" "$variant_env_arg" || die "'$variant_env_arg' $not_env"
	v_config_drop='' v_config_add=''
	# shellcheck source=/dev/null
	. "$variant_env_arg"
	case $v_side in image) [ -n "$v_sha256" ] ;; lab) ;; *) false ;; esac || die "'$variant_env_arg' $not_env"
	variant_env=$variant_env_arg
	# one image-config line (verbatim) a line: to remove, or to append
	[ -z "$v_config_drop" ] || mapfile -t v_cfg_drop <<<"$v_config_drop"
	[ -z "$v_config_add" ] || mapfile -t v_cfg_add <<<"$v_config_add"
	# A lab-side variant (a policy or router setting the lab runs with) is judged on the
	# recipe's own image: the same bytes, from the same cache entry.
	if [ "$v_side" = lab ]; then
		say "variant '$variant' changes the lab only: building the recipe's own image"
		variant=default variant_env='' v_desc=''
	fi
fi
[ "$v_upx" = no ] || need_tools upx

# --- recipe -----------------------------------------------------------------
# The feature lists as `tscanary features --sh` says them (their one parser;
# this script reads names only): the recipe's own from its committed view
# features.env, which must still hash as the lists it was written from,
# then --features' over them.
# Source a feature-lists view: features_{allowlist,waived}{,_file,_sha256}.
load_features() {
	features_allowlist_file='' features_waived_file=''
	[ -r "$1" ] || die_code 2 "cannot read the feature lists' view '$1'"
	# shellcheck source=image/features.env
	. "$1" || die_code 2 "'$1' is not a view \`tscanary features --sh\` wrote"
	if [ -z "$features_allowlist_file" ] || [ -z "$features_waived_file" ]; then
		die_code 2 "'$1' is not a view \`tscanary features --sh\` wrote"
	fi
}
view_fresh() { [ "$(sha256sum <"$2" | cut -d' ' -f1)" = "$1" ]; }
load_features "$here/features.env"
if ! view_fresh "$features_allowlist_sha256" "$here/allowlist" ||
	! view_fresh "$features_waived_sha256" "$here/waived-deps"; then
	die "image/features.env is stale: image/allowlist or image/waived-deps changed since it was written (make features)"
fi
recipe_allowlist=$features_allowlist
[ -z "$features_arg" ] || load_features "$features_arg"
allowlist_file=$features_allowlist_file
allowlist=$features_allowlist
waived=$features_waived
# the applets every image links, as image/busybox.sh (the list's reader) says them
applets=$("$here/busybox.sh" --list) || die "image/busybox.sh --list failed (above)"
[ -n "$allowlist" ] || die "'$allowlist_file' lists no feature"

# Is version A (x.y.z, no v) at most version B, in Go's and Tailscale's order?
ver_le() { [ "$(printf '%s\n' "$1" "$2" | sort -V | head -n 1)" = "$1" ]; }
# words (space or newline separated) -> sorted unique lines
lines() { printf '%s\n' "$@" | tr ' ' '\n' | sed '/^$/d' | LC_ALL=C sort -u; }
# lines in $1 that are not in $2
minus() { LC_ALL=C comm -23 <(lines "$1") <(lines "$2"); }
# lines in both
both() { LC_ALL=C comm -12 <(lines "$1") <(lines "$2"); }

# --- Tailscale module: the pinned one, or --tailscale-version ---------------
# The rest of the build reads go.mod/go.sum from $mod: image/ itself, or, for
# another version, a private copy moved to that version in which every module
# new to go.sum was confirmed by the checksum database. Verification is never
# skipped: settings that would skip it make the build refuse (exit 4), a
# database that cannot be reached fails it (exit 5).
mod=$here ts_override='' modwork='' mod_key='' mod_info=''
if [ -n "$ts_want" ]; then
	# go mod edit reads go.mod alone: no network before the bounded steps below
	pinned=$(cd "$here" && go mod edit -json | jq -r '.Require[] | select(.Path == "tailscale.com") | .Version') ||
		die "cannot read the tailscale.com version from '$here/go.mod'"
	[ -n "$pinned" ] || die "'$here/go.mod' requires no tailscale.com"
	if [ "$ts_want" = "$pinned" ]; then
		say "tailscale.com $ts_want is the version image/go.mod pins: the normal build"
	else
		ts_override=$ts_want
	fi
fi

go_timeout=${TSCANARY_GO_TIMEOUT:-600}
case $go_timeout in '' | *[!0-9]* | 0) die_code 2 "TSCANARY_GO_TIMEOUT must be a whole number of seconds, not '$go_timeout'" ;; esac
# Does the GONOSUMDB-style list $1 cover module path $2? As Go matches: each
# comma-separated glob against as many leading path elements as it has.
covers() {
	local p n prefix pats
	IFS=, read -ra pats <<<"$1"
	for p in "${pats[@]}"; do
		while [[ $p == */ ]]; do p=${p%/}; done
		[ -n "$p" ] || continue
		n=$(tr -cd / <<<"$p" | wc -c)
		[ "$(tr -cd / <<<"$2" | wc -c)" -ge "$n" ] || continue
		prefix=$(cut -d/ -f1-$((n + 1)) <<<"$2")
		# shellcheck disable=SC2053 # the right side is a glob on purpose
		[[ $prefix == $p ]] && return 0
	done
	return 1
}
# Run a go command (argv, may start with env VAR=value) in the private module
# with a deadline: the proxy answers a missing version at once, a stalled
# connection must not hang the build. Output goes to $modwork/go.log. Then
# judge the log, even on success (-e keeps going past errors): exit 5 if the
# checksum database could not vouch for a module, 6 if the proxy or the
# network failed or time ran out, 130 if interrupted; else return go's status.
mod_go() { # what argv...
	local what=$1 rc=0
	shift
	(cd "$mod" && GOFLAGS=-mod=mod GOWORK=off timeout --foreground -k 10 "$go_timeout" "$@") \
		>"$modwork/go.log" 2>&1 || rc=$?
	case $rc in
	124 | 137) die_code 6 "$what: no answer within ${go_timeout}s (TSCANARY_GO_TIMEOUT; GOPROXY=$goproxy)" ;;
	130 | 143) exit 130 ;;
	esac
	if grep -Eq 'verifying (module|go\.mod)|SECURITY ERROR|checksum mismatch|GOSUMDB' "$modwork/go.log"; then
		die_code 5 "$what: cannot verify with the checksum database ($sumdb), so nothing is built: $(go_err)"
	fi
	return "$rc"
}
go_err() { grep -Ev '^go: (downloading|finding) ' "$modwork/go.log" | sed -e 's/^go: //' | tail -n 6 | paste -sd' ' - | tr -s '[:blank:]' ' '; }
# Did the module proxy or the network fail (as opposed to the module graph)?
proxy_failed() { # [log]
	grep -Eq 'reading (https?|file)://[^ ]*: [45][0-9][0-9]|dial tcp|no such host|i/o timeout|TLS handshake|connection (refused|reset)|GOPROXY=off' "${1:-$modwork/go.log}"
}
# The module versions the proxy refused, with its HTTP status.
refused() { # log
	grep -oE '[^[:space:]]+@v[^:[:space:]]+: reading [^ ]+: [45][0-9][0-9]' "$1" |
		sed -E 's/: reading [^ ]+: ([0-9]+)$/ (\1)/' | LC_ALL=C sort -u | paste -sd' ' - || true
}

if [ -n "$ts_override" ]; then
	command -v timeout >/dev/null 2>&1 || die "missing tools: timeout (coreutils)"
	goenv=$(GOWORK=off go env -json GOSUMDB GONOSUMDB GOFLAGS GOPROXY) || die "'go env' failed"
	sumdb=$(jq -r '.GOSUMDB // ""' <<<"$goenv") nosumdb=$(jq -r '.GONOSUMDB // ""' <<<"$goenv")
	goproxy=$(jq -r '.GOPROXY // ""' <<<"$goenv") user_goflags=$(jq -r '.GOFLAGS // ""' <<<"$goenv")
	refuse() { die_code 4 "refusing to build tailscale.com@$ts_override with checksum verification skipped: $*"; }
	case $sumdb in '' | off) refuse "GOSUMDB='$sumdb' (unset it: the default, sum.golang.org, is reached through the module proxy)" ;; esac
	[ -z "${GONOSUMCHECK:-}" ] || refuse "GONOSUMCHECK is set"
	case " $user_goflags " in *" -insecure "* | *" -insecure="*) refuse "GOFLAGS has -insecure" ;; esac
	! covers "$nosumdb" tailscale.com || refuse "GONOSUMDB (or GOPRIVATE) '$nosumdb' covers tailscale.com"

	modwork=$(mktemp -d "${TMPDIR:-/tmp}/tscanary-mod.XXXXXX") || die "cannot create a temporary directory"
	trap 'rm -rf "$modwork"' EXIT
	trap 'exit 130' INT TERM
	cp -- "$here/go.mod" "$here/go.sum" "$modwork/" || die "cannot copy '$here/go.mod' and go.sum"
	mod=$modwork
	# A newer go line may need a newer toolchain: let go fetch it through the
	# proxy (golang.org/toolchain is always checked against the database).
	export GOTOOLCHAIN=auto
	say "resolve tailscale.com@$ts_override (GOPROXY=$goproxy, GOSUMDB=$sumdb)"
	s=$(date +%s)
	if ! mod_go "download tailscale.com@$ts_override" go mod download "tailscale.com@$ts_override"; then
		why=$(go_err)
		# The version is missing if the proxy lists the module's versions
		# without it; anything else is the proxy's or the network's fault.
		mod_go "list the versions of tailscale.com" go list -m -versions -retracted tailscale.com ||
			die_code 6 "cannot reach the module proxy (GOPROXY=$goproxy): $why"
		known=$(tr ' ' '\n' <"$modwork/go.log" | grep '^v' || true)
		grep -qxF -- "$ts_override" <<<"$known" &&
			die_code 6 "cannot download tailscale.com@$ts_override (GOPROXY=$goproxy): $why"
		die_code 3 "tailscale.com has no version $ts_override (GOPROXY=$goproxy says: $why); newest releases: $(grep -v -- - <<<"$known" | sort -V | tail -n 3 | paste -sd' ' -)"
	fi
	# Its go line first, so that every later go command starts on a toolchain
	# new enough (tidy -e would only note the mismatch).
	need_go=$(awk '$1 == "go" { print $2; exit }' "$(go env GOMODCACHE)/cache/download/tailscale.com/@v/$ts_override.mod")
	have_go=$(cd "$mod" && go mod edit -json | jq -r .Go)
	[ -z "$need_go" ] || ver_le "$need_go" "$have_go" ||
		(cd "$mod" && go mod edit -go="$need_go") || die "go mod edit -go=$need_go failed"
	# An older version than the pin: the pin's other requirements (all
	# indirect, at the pin's newer versions) would stay in the graph and
	# break its build (e.g. a newer wireguard-go API), so they go, and tidy
	# resolves that version's own graph. A newer version keeps them, as
	# Renovate's update plus go mod tidy does.
	if ver_le "${ts_override#v}" "${pinned#v}"; then
		drops=()
		while read -r m; do drops+=("-droprequire=$m"); done < <(cd "$mod" && go mod edit -json |
			jq -r '.Require[]? | select(.Path != "tailscale.com") | .Path')
		[ ${#drops[@]} = 0 ] || (cd "$mod" && go mod edit "${drops[@]}") ||
			die "go mod edit -droprequire failed"
	fi
	(cd "$mod" && go mod edit -require="tailscale.com@$ts_override") || die "go mod edit -require=tailscale.com@$ts_override failed"
	# -e: a module only the tests of some dependency import must not stop the
	# build; what the build needs is checked next, against go.sum alone.
	mod_go "go mod tidy" go mod tidy -e || {
		proxy_failed && die_code 6 "go mod tidy: the module proxy (GOPROXY=$goproxy) failed: $(go_err)"
		die "go mod tidy for tailscale.com@$ts_override failed: $(go_err)"
	}
	cp -f "$modwork/go.log" "$modwork/tidy.log"
	tidy_warnings=$(grep -Ev '^go: (downloading|finding) ' "$modwork/tidy.log" | grep -E '^go: ' || true)
	[ -z "$tidy_warnings" ] ||
		warn "go mod tidy -e left errors (whether the build needs them is checked next); the proxy refused: $(refused "$modwork/tidy.log")"
	# Everything the build loads (tailscaled for this arch with every feature
	# in, featuretags for this host) must come from go.sum; -mod=readonly, so
	# nothing is added here.
	deps_fmt='{{with .Error}}{{.}}{{"\n"}}{{end}}{{range .DepsErrors}}{{.}}{{"\n"}}{{end}}'
	# 0 if it loads, 2 if it needs modules the proxy refused (they are
	# in tidy.log); any other failure ends the build here. (One grep, no
	# pipe into grep -q: under pipefail the writer's SIGPIPE made a long
	# error list read as "loads".)
	loads() { # GOOS GOARCH GOARM package
		mod_go "go list -deps $4" env GOOS="$1" GOARCH="$2" GOARM="$3" \
			go list -mod=readonly -e -deps -f "$deps_fmt" "$4" &&
			! grep -Evq '^go: (downloading|finding) ' "$modwork/go.log" && return 0
		proxy_failed && die_code 6 "the module proxy (GOPROXY=$goproxy) does not serve what $4 needs: $(go_err)"
		! grep -q 'missing go.sum entry' "$modwork/go.log" || ! proxy_failed "$modwork/tidy.log" || return 2
		die "tailscale.com@$ts_override: $4 cannot be loaded from the resolved modules: $(go_err)"
	}
	# Without tailscaled's modules nothing can be built, but featuretags
	# may still load: then the recipe is checked against this version's
	# feature table before the build stops on the refusal (exit 6).
	tsd_refused=''
	loads linux "$ARCH_GOARCH" "$ARCH_GOARM" tailscale.com/cmd/tailscaled ||
		tsd_refused="tailscale.com/cmd/tailscaled needs modules the module proxy (GOPROXY=$goproxy) refused: $(refused "$modwork/tidy.log")"
	loads '' '' '' tailscale.com/cmd/featuretags ||
		die_code 6 "${tsd_refused:-tailscale.com/cmd/featuretags needs modules the module proxy (GOPROXY=$goproxy) refused: $(refused "$modwork/tidy.log")}"
	if [ -n "$tsd_refused" ]; then
		warn "$tsd_refused (checking the recipe against tailscale.com@$ts_override's feature table first)"
		die_note=$tsd_refused
	fi
	added=$(LC_ALL=C comm -13 <(LC_ALL=C sort -u "$here/go.sum") <(LC_ALL=C sort -u "$mod/go.sum"))
	if [ -n "$nosumdb" ]; then
		while read -r m; do
			! covers "$nosumdb" "$m" || refuse "GONOSUMDB (or GOPRIVATE) '$nosumdb' covers $m, which go.sum did not pin"
		done < <(awk '{ print $1 }' <<<"$added" | LC_ALL=C sort -u)
	fi
	mod_key=$(cat -- "$mod/go.mod" "$mod/go.sum" | sha256sum | cut -d' ' -f1)
	mod_info=$(jq -n --arg requested "$ts_override" --arg pinned "$pinned" --arg gosumdb "$sumdb" \
		--arg goproxy "$goproxy" --arg gotoolchain "$GOTOOLCHAIN" \
		--arg go_line "$(cd "$mod" && go mod edit -json | jq -r .Go)" --arg modules_sha256 "$mod_key" \
		--argjson added "$(printf '%s\n' "$added" | sed '/^$/d' | jq -R . | jq -sc .)" \
		--argjson tidy "$(printf '%s\n' "$tidy_warnings" | sed '/^$/d' | jq -R . | jq -sc .)" '{
		requested: $requested, pinned: $pinned, go_line: $go_line, gotoolchain: $gotoolchain,
		gosumdb: $gosumdb, goproxy: $goproxy, modules_sha256: $modules_sha256,
		go_sum_added: $added, tidy_warnings: $tidy,
		note: "image/go.mod pins \($pinned); this build used a private copy moved to \($requested) with go mod tidy -e; every go_sum_added line was confirmed by the checksum database \($gosumdb)"}') ||
		die "cannot record the module resolution"
	say "resolved tailscale.com@$ts_override: $(grep -c . <<<"$added" || true) go.sum lines beyond image/go.sum, each confirmed by $sumdb ($(($(date +%s) - s))s)"
fi

# --- Go: version, module, feature tags -------------------------------------
export GOFLAGS=-mod=readonly GOWORK=off
unset GOAMD64 GOARM64 GOEXPERIMENT GO386
gomod() { (cd "$mod" && "$@"); }
ts_version=$(gomod go list -m -f '{{.Version}}' tailscale.com) ||
	die "cannot read the tailscale.com version from '$mod/go.mod'"
[ -z "$expect_version" ] || [ "$expect_version" = "$ts_version" ] ||
	die "image/go.mod pins tailscale.com $ts_version, not '$expect_version'"
ts_dir=$(gomod go list -m -f '{{.Dir}}' tailscale.com)
if [ -z "$ts_dir" ]; then
	say "download tailscale.com@$ts_version (Go module proxy)"
	gomod go mod download tailscale.com || die "cannot download tailscale.com@$ts_version"
	ts_dir=$(gomod go list -m -f '{{.Dir}}' tailscale.com)
fi
[ -d "$ts_dir/cmd/tailscaled" ] || die "no cmd/tailscaled in '$ts_dir'"
# The build reaches this directory through a workspace replace (below), which
# skips go.sum: check it against go.sum here (h1: is x/mod dirhash Hash1).
want_h1=$(awk -v v="$ts_version" '$1 == "tailscale.com" && $2 == v { print $3 }' "$mod/go.sum")
hex=$(cd "$(dirname -- "$ts_dir")" && find "$(basename -- "$ts_dir")" -type f | LC_ALL=C sort |
	xargs -d '\n' sha256sum | sha256sum | cut -d' ' -f1)
got_h1=h1:$(tr a-f A-F <<<"$hex" | tr -d '\n' | basenc --base16 -d | base64)
[ "$got_h1" = "$want_h1" ] ||
	die "'$ts_dir' hashes to $got_h1 but go.sum says '$want_h1' (go clean -modcache, then retry)"
# One Go builds tailscale.combined: the toolchain line of image/go.mod,
# exported as GOTOOLCHAIN (go fetches that exact release through the module
# proxy when the machine's differs; "auto" would never go below a newer
# local Go). Another Tailscale version whose go line needs a newer Go
# raises it to that line, and says so; the manifest records both.
pin_toolchain=$(cd "$here" && go mod edit -json | jq -r '.Toolchain // ""')
[[ $pin_toolchain =~ ^go[0-9]+\.[0-9]+\.[0-9]+$ ]] ||
	die "'$here/go.mod' must pin the Go that builds tailscale.combined with a 'toolchain goX.Y.Z' line (found '${pin_toolchain:-none}')"
go_line=$(gomod go mod edit -json | jq -r .Go)
[[ $go_line =~ ^[0-9]+\.[0-9]+$ ]] && go_line=$go_line.0
want_go=$pin_toolchain
if ! ver_le "$go_line" "${pin_toolchain#go}"; then
	want_go=go$go_line
	warn "tailscale.com@$ts_version needs go $go_line, newer than the pinned $pin_toolchain: building with $want_go"
fi
export GOTOOLCHAIN=$want_go
go_version=$(gomod go env GOVERSION) || die "cannot run Go $want_go (GOTOOLCHAIN=$want_go, fetched through GOPROXY when not installed)"
[ "$go_version" = "$want_go" ] || die "GOTOOLCHAIN=$want_go runs $go_version"
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
	SOURCE_DATE_EPOCH=$(gomod go list -m -f '{{with .Time}}{{.Unix}}{{end}}' tailscale.com)
	: "${SOURCE_DATE_EPOCH:=0}"
fi
case $SOURCE_DATE_EPOCH in '' | *[!0-9]*) die "SOURCE_DATE_EPOCH must be a number of seconds" ;; esac
created=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)

# featuretags of the pinned version, for the host (its output is the same for
# every GOOS/GOARCH); prints one tag a line.
featuretags() {
	(cd "$mod" && GOOS='' GOARCH='' go tool featuretags "$@") | tr ',' '\n' | sed '/^$/d'
}
say "featuretags of tailscale.com@$ts_version ($go_version)"
s=$(date +%s)
base_tags=$(featuretags --min --add=osrouter) || die "'go tool featuretags --min --add=osrouter' failed"
say "featuretags done ($(($(date +%s) - s))s)"
base_omit=$(printf '%s\n' "$base_tags" | sed -n 's/^ts_omit_//p')
# every omittable feature of this version: what --min omits, plus osrouter
all_features=$(lines "$base_omit" osrouter)

check_known() { # what file names...
	local what=$1 unknown
	shift
	unknown=$(minus "$*" "$all_features")
	[ -z "$unknown" ] || die "$what: unknown to tailscale.com@$ts_version featuretags: $(echo "$unknown" | tr '\n' ' ')(see: cd image && go tool featuretags --list)"
}
# --fit-features: a feature this version lacks leaves the lists (recorded);
# without it, an unknown feature is an error in the recipe.
dropped_features=
if [ "$fit" = yes ]; then
	dropped_features=$(minus "$(lines "$allowlist" "$waived")" "$all_features")
	if [ -n "$dropped_features" ]; then
		warn "--fit-features: tailscale.com@$ts_version has no $(echo "$dropped_features" | tr '\n' ' ')feature: left out of the allowlist and waived-deps"
		allowlist=$(both "$allowlist" "$all_features")
		waived=$(both "$waived" "$all_features")
	fi
fi
check_known "'$allowlist_file'" "$allowlist"
check_known "'$features_waived_file'" "$waived"
[ -z "$(both "$allowlist" "$waived")" ] ||
	die "features both allowed and waived: $(both "$allowlist" "$waived" | tr '\n' ' ')"

# Features that must be in the build for these features to work: featuretags
# resolves Deps for --add (the allowlist itself does not).
closure() {
	local add
	add=$(lines osrouter "$@" | paste -sd, -)
	minus "$all_features" "$(featuretags --min --add="$add" | sed -n 's/^ts_omit_//p')"
}
needed=$(minus "$(closure "$allowlist")" "$(lines "$allowlist" osrouter)")
unwaived=$(minus "$needed" "$waived")
if [ -n "$unwaived" ] && [ "$allow_missing" = yes ]; then
	warn "--allow-missing-deps: allowlisted features depend on features in neither allowlist nor waived-deps, built without them: $(echo "$unwaived" | tr '\n' ' ')"
elif [ -n "$unwaived" ]; then
	die "allowlisted features depend on features in neither allowlist nor waived-deps: $(echo "$unwaived" | tr '\n' ' ')(add each to image/allowlist or image/waived-deps with a reason)"
fi
stale=$(minus "$waived" "$needed")
[ -z "$stale" ] || warn "waived-deps lists features nothing allowlisted depends on: $(echo "$stale" | tr '\n' ' ')"

# Apply the variant: drop_allow leaves the allowlist, omit stays listed but
# gets its ts_omit_ tag back, add builds in a feature the allowlist leaves
# out (its ts_omit_ tag goes; every Deps entry must be built in too).
check_known "variant '$variant' omit" "$v_omit"
check_known "variant '$variant' drop_allow" "$v_drop"
check_known "variant '$variant' add" "$v_add"
for f in $v_omit $v_drop; do
	grep -qxF "$f" <<<"$allowlist" || die "variant '$variant': '$f' is not in the allowlist, so omitting it changes nothing"
done
for f in $v_add; do
	grep -qxF "$f" <<<"$base_omit" || die "variant '$variant': '$f' is built in already (allowlisted or not omittable), so adding it changes nothing"
	! grep -qxF "$f" <<<"$allowlist" || die "variant '$variant': '$f' is in the allowlist, so adding it changes nothing"
done
[ -z "$(both "$v_add" "$(lines "$v_omit" "$v_drop")")" ] ||
	die "variant '$variant': features both added and omitted: $(both "$v_add" "$(lines "$v_omit" "$v_drop")" | tr '\n' ' ')"
eff_allow=$(minus "$allowlist" "$v_drop")
omitted=$(minus "$(lines "$(minus "$base_omit" "$eff_allow")" "$v_omit")" "$v_add")
kept=$(minus "$eff_allow" "$v_omit")
if [ -n "$v_add" ]; then
	add_deps=$(minus "$(closure "$v_add")" "$(lines "$v_add" osrouter)")
	add_missing=$(minus "$add_deps" "$(lines "$kept" "$v_add")")
	[ -z "$add_missing" ] ||
		die "variant '$variant' adds features whose dependencies stay omitted: $(echo "$add_missing" | tr '\n' ' ')(add them too)"
fi
broken=
if [ "$variant" != default ]; then
	broken=$(minus "$(minus "$(closure "$kept")" "$(lines "$kept" osrouter)")" "$waived")
	[ -z "$broken" ] || say "variant '$variant' leaves out declared dependencies: $(echo "$broken" | tr '\n' ' ')(on purpose)"
fi
tags=$(printf 'ts_include_cli\n%s\n' "$(printf '%s\n' "$omitted" | sed '/^$/d; s/^/ts_omit_/')" | sed '/^$/d' | paste -sd, -)
grep -qx logtail <<<"$omitted" || [ "$v_filter" = no ] ||
	die "the verbosity filter needs ts_omit_logtail (logtail is allowlisted); set filter=no or leave logtail out"
# The recipe fits this version; only the refused modules stop the build.
[ -z "${tsd_refused:-}" ] || die_code 6 "$tsd_refused (the recipe itself fits tailscale.com@$ts_override)"

# --- Debian inputs (versions first: they are part of the cache key) ---------
candidate() {
	local v
	v=$(apt-cache policy "$1" 2>/dev/null | awk '$1 == "Candidate:" { print $2 }')
	case $v in '' | '(none)') return 1 ;; esac
	printf '%s\n' "$v"
}
# busybox: the key of image/busybox.sh's cache entry (the source
# image/busybox-source pins, config, applets, compilers, musl, upx):
# computed without building. The version is the entry's (bb_info, below).
bb_args=(--arch "$arch")
[ -z "$v_bb_drop" ] || bb_args+=(--drop "$v_bb_drop")
bb_key=$("$here/busybox.sh" "${bb_args[@]}" --key) || die "image/busybox.sh cannot build busybox for $arch here (see above)"
ca_version=$(candidate ca-certificates) || die "apt knows no 'ca-certificates' (apt-get update)"
upx_version=none
[ "$v_upx" = no ] || upx_version=$(upx --version 2>/dev/null | sed -n 1p)

# --- cache key --------------------------------------------------------------
cache_root=$(cache_root)
mkdir -p "$cache_root/image" "$cache_root/debs" || die "cannot create cache '$cache_root'"
recipe_files() {
	(cd "$here" && find build.sh busybox.sh busybox-applets busybox.config busybox-source entrypoint.sh \
		image-config image-config.sh verbosity_filter.go go.mod go.sum rootfs -type f | LC_ALL=C sort)
}
recipe_list=$(recipe_files)
# The feature lists count by their names only: editing a reason (why a
# feature is kept, what coverage found) must not rebuild an image.
recipe_hash=$( (cd "$here" && printf '%s\n' "$recipe_list" | xargs -d '\n' sha256sum
	printf 'allowlist %s\nwaived-deps %s\n' "$(printf '%s\n' "$recipe_allowlist" | tr '\n' ' ')" \
		"$(printf '%s\n' "$waived" | tr '\n' ' ')") | sha256sum | cut -d' ' -f1)
variant_hash=none
# Only the lines the build reads (tscanary variant-env's digest of them):
# editing a variant's claims or comments must not rebuild its image.
[ -z "$variant_env" ] || variant_hash=$v_sha256
# arch=: the arch facts this script reads (busybox's key holds the ones
# image/busybox.sh reads), so a fact only the VMs use rebuilds no image.
key=$(
	printf '%s\n' "tscanary image cache v1" "tailscale=$ts_version" \
		"arch=$arch $ARCH_OCI $ARCH_GOARCH $ARCH_GOARM" "tags=$tags" \
		"upx=$v_upx $upx_version" "filter=$v_filter" "recipe=$recipe_hash" \
		"variant=$variant $variant_hash" "busybox=$bb_key" "ca=$ca_version" \
		"go=$go_version" "epoch=$SOURCE_DATE_EPOCH" ${ts_override:+"modules=$mod_key"} \
		${features_arg:+"allowlist=$(printf '%s\n' "$allowlist" | sha256sum | cut -d' ' -f1)"} \
		${unwaived:+"missing_deps=$allow_missing $(printf '%s\n' "$unwaived" | paste -sd' ' -)"} \
		${dropped_features:+"dropped_features=$(printf '%s\n' "$dropped_features" | paste -sd' ' -)"} | sha256sum | cut -d' ' -f1
)
cached=$cache_root/image/$key
ref=$ts_version-$arch
[ "$variant" = default ] || ref=$ref-$variant

deliver() {
	mkdir -p "$out" || die "cannot create '$out'"
	local f
	for f in image.oci.tar manifest.json; do
		if ! cp -- "$cached/$f" "$out/.$f.$$" || ! mv -f -- "$out/.$f.$$" "$out/$f"; then
			die "cannot write '$out/$f'"
		fi
	done
	[ -z "$tar_out" ] || write_docker_tar
	[ -z "$ts_override" ] || write_feature_table
}
# Another version's feature table, for its feature-deps canary (make
# compare): image/featuretable run against the very modules this build
# resolved and verified; the pinned version's comes from featuretable.sh.
write_feature_table() {
	local tmp=$out/.feature-table.json.$$
	mkdir -p "$mod/featuretable" || die "cannot stage the feature table program"
	cp -- "$here/featuretable/main.go" "$mod/featuretable/main.go" || die "cannot stage the feature table program"
	if ! (cd "$mod" && GOOS='' GOARCH='' GOARM='' go run -mod=readonly ./featuretable) >"$tmp" ||
		! jq -e --arg v "$ts_version" '.tailscale_version == $v' "$tmp" >/dev/null ||
		! mv -f -- "$tmp" "$out/feature-table.json"; then
		rm -f -- "$tmp"
		die "cannot write the feature table of tailscale.com@$ts_override"
	fi
}
# The same image as a `docker save` tarball (docker load, IMAGE=...).
write_docker_tar() {
	local tmp
	tmp=$(dirname -- "$tar_out")/.$(basename -- "$tar_out").$$
	rm -f -- "$tmp"
	skopeo copy -q "oci-archive:$out/image.oci.tar:$ref" "docker-archive:$tmp:tscanary:$ref" >/dev/null ||
		{ rm -f -- "$tmp" && die "skopeo copy to a docker-archive failed"; }
	mv -f -- "$tmp" "$tar_out" || die "cannot write '$tar_out'"
	say "docker save tarball (tscanary:$ref) -> $tar_out"
}
if [ -z "$rootfs_out" ] && [ -f "$cached/manifest.json" ] && [ -f "$cached/image.oci.tar" ]; then
	deliver
	say "cached: $arch variant '$variant' (key ${key:0:16}) -> $out/image.oci.tar"
	exit 0
fi
say "building $arch ($ARCH_OCI) variant '$variant', key ${key:0:16}"

# Leftovers of killed runs (a day old) go; live runs own theirs.
find "$cache_root/image" -maxdepth 1 -name '.tmp.*' -mmin +1440 -exec rm -rf {} + 2>/dev/null || true
work=$(mktemp -d "$cache_root/image/.tmp.XXXXXX") || die "cannot create a work dir in '$cache_root/image'"
trap 'rm -rf "$work" ${modwork:+"$modwork"}' EXIT
trap 'exit 130' INT TERM

# Fetch a Debian package into the cache once; print the .deb path.
fetch_deb() { # pkg[:arch] version
	local name=${1%%:*} deb d
	case $1 in
	*:*) deb=$cache_root/debs/${name}_${2//:/%3a}_${1#*:}.deb ;;
	*) deb=$cache_root/debs/${name}_${2//:/%3a}.deb ;;
	esac
	if [ ! -f "$deb" ]; then
		d=$(mktemp -d "$cache_root/debs/.tmp.XXXXXX")
		(cd "$d" && apt-get -q -o APT::Sandbox::User=root download "$1=$2" >/dev/null) ||
			{ rm -rf "$d" && die "cannot download '$1=$2' (apt-get download)"; }
		mv -f "$d"/*.deb "$deb" && rm -rf "$d"
	fi
	printf '%s\n' "$deb"
}

# --- tailscale.combined -----------------------------------------------------
# Go refuses -overlay for files under GOMODCACHE, so cmd/tailscaled is reached
# through a workspace that replaces tailscale.com with a symlink to the same,
# verified, read-only module directory; the overlay then adds our file there.
ws=$work/ws
mkdir -p "$ws" "$work/bin"
ln -s "$ts_dir" "$ws/tailscale.com"
printf 'go %s\n\nuse %s\n\nreplace tailscale.com %s => ./tailscale.com\n' \
	"$(gomod go mod edit -json | jq -r .Go)" "$mod" "$ts_version" >"$ws/go.work"
overlay_args=()
if [ "$v_filter" = yes ]; then
	jq -n --arg from "$ws/tailscale.com/cmd/tailscaled/zz_tscanary_verbosity_filter.go" \
		--arg to "$here/verbosity_filter.go" '{Replace: {($from): $to}}' >"$ws/overlay.json"
	overlay_args=(-overlay "$ws/overlay.json")
fi
# Stamp the version as Tailscale's release builds do: a build from the module
# proxy has no VCS info, so it would otherwise call itself "x.y.z-ERR-BuildInfo"
# to the control server and in `tailscale version`.
ldflags="-s -w -X tailscale.com/version.longStamp=${ts_version#v} -X tailscale.com/version.shortStamp=${ts_version#v}"
goflags_str="-mod=readonly -trimpath -gcflags=all=-l -ldflags=\"$ldflags\""
[ "$v_filter" = no ] || goflags_str="$goflags_str -overlay=<verbosity_filter.go as cmd/tailscaled/zz_tscanary_verbosity_filter.go>"
say "go build tailscale.com/cmd/tailscaled for linux/$ARCH_GOARCH${ARCH_GOARM:+ GOARM=$ARCH_GOARM}"
s=$(date +%s)
(cd "$mod" && GOWORK=$ws/go.work CGO_ENABLED=0 GOOS=linux GOARCH=$ARCH_GOARCH GOARM=$ARCH_GOARM \
	go build -mod=readonly -trimpath -tags "$tags" -gcflags=all=-l -ldflags="$ldflags" \
	"${overlay_args[@]}" -o "$work/bin/tailscale.combined" tailscale.com/cmd/tailscaled) ||
	die "go build of tailscale.com/cmd/tailscaled failed"
say "go build done ($(($(date +%s) - s))s)"
bi=$(go version -m "$work/bin/tailscale.combined")
grep -qx "[[:space:]]*build[[:space:]]GOARCH=$ARCH_GOARCH" <<<"$bi" ||
	die "built binary is not GOARCH=$ARCH_GOARCH"
[ "$(sed -n '1s/^[^:]*: //p' <<<"$bi")" = "$want_go" ] ||
	die "built binary says $(sed -n '1s/^[^:]*: //p' <<<"$bi"), not $want_go"
unpacked_bytes=$(stat -c %s "$work/bin/tailscale.combined")
if [ "$v_upx" = yes ]; then
	say "upx --lzma --best tailscale.combined ($unpacked_bytes bytes)"
	s=$(date +%s)
	upx -q --lzma --best "$work/bin/tailscale.combined" >/dev/null || die "upx failed"
	upx -q -t "$work/bin/tailscale.combined" >/dev/null || die "upx -t: packed binary does not verify"
	say "upx done ($(($(date +%s) - s))s)"
fi
binary_bytes=$(stat -c %s "$work/bin/tailscale.combined")

# --- busybox ----------------------------------------------------------------
# Built (or taken from the cache) by image/busybox.sh, which checks the
# binary's applet table against the list; a variant's dropped applets are
# the only ones it may lack, and they keep their links.
say "busybox for $arch (image/busybox.sh, key ${bb_key:0:16})"
bb_entry=$("$here/busybox.sh" "${bb_args[@]}") || die "the busybox build for $arch failed (image/busybox.sh, above)"
bb_info() { sed -n "s/^$1=//p" "$bb_entry/info"; }
got=$(bb_info key)
[ "$got" = "$bb_key" ] || die "busybox entry '$bb_entry' has key '$got', want '$bb_key'"
bb_version=$(bb_info version)
[ -n "$bb_version" ] || die "busybox entry '$bb_entry' names no version"
lacking=$(minus "$(minus "$applets" "$(cat "$bb_entry/applets")")" "$v_bb_drop")
[ -z "$lacking" ] || die "busybox ($arch) lacks applets listed in image/busybox-applets: $(echo "$lacking" | tr '\n' ' ')"
[ -z "$v_bb_drop" ] || say "variant '$variant': busybox built without $v_bb_drop (links kept, on purpose)"

# --- CA certificates --------------------------------------------------------
# Built from the package, not copied from this host: the host's bundle may
# carry local CAs (/usr/local/share/ca-certificates).
ca_deb=$(fetch_deb ca-certificates "$ca_version") || exit 1
dpkg-deb -x "$ca_deb" "$work/ca" || die "cannot unpack '$ca_deb'"

# --- rootfs -----------------------------------------------------------------
say "assemble rootfs"
r=$work/rootfs
mkdir -p "$r"/{bin,etc/ssl/certs,usr/local/bin,var/lib/tailscale,var/run/tailscale,tmp,proc,sys,dev,root}
cp -R "$here/rootfs/." "$r/"
chmod -R go-w "$r"
install -m 0755 "$bb_entry/busybox" "$r/bin/busybox"
for a in $applets; do ln -s busybox "$r/bin/$a"; done
install -m 0755 "$work/bin/tailscale.combined" "$r/usr/local/bin/tailscale.combined"
ln -s tailscale.combined "$r/usr/local/bin/tailscale"
ln -s tailscale.combined "$r/usr/local/bin/tailscaled"
install -m 0755 "$here/entrypoint.sh" "$r/usr/local/bin/entrypoint.sh"
find "$work/ca/usr/share/ca-certificates/mozilla" -name '*.crt' | LC_ALL=C sort |
	while IFS= read -r c; do awk 1 "$c"; done >"$r/etc/ssl/certs/ca-certificates.crt"
[ -s "$r/etc/ssl/certs/ca-certificates.crt" ] || die "empty CA bundle from '$ca_deb'"
chmod 1777 "$r/tmp"
chmod 0700 "$r/var/lib/tailscale" "$r/root"
find "$r" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
rootfs_bytes=$(find "$r" -type f -printf '%s\n' | awk '{ n += $1 } END { print n + 0 }')
if [ -n "$rootfs_out" ]; then
	if ! mkdir -p "$(dirname -- "$rootfs_out")" || ! cp -a "$r" "$rootfs_out"; then
		die "cannot copy the rootfs to '$rootfs_out'"
	fi
	say "built $arch rootfs ($ARCH_OCI): tailscale.combined $binary_bytes bytes (unpacked $unpacked_bytes), rootfs $rootfs_bytes -> $rootfs_out"
	exit 0
fi

# --- OCI --------------------------------------------------------------------
say "oci: umoci layout, layer, config"
s=$(date +%s)
layout=$work/oci
rootless=()
[ "$(id -u)" = 0 ] || rootless=(--rootless)
if ! umoci init --layout "$layout" || ! umoci new --image "$layout:$ref" ||
	! umoci unpack "${rootless[@]}" --image "$layout:$ref" "$work/bundle" >/dev/null; then
	die "umoci could not start an image"
fi
cp -a "$r/." "$work/bundle/rootfs/"
touch -h -d "@$SOURCE_DATE_EPOCH" "$work/bundle/rootfs"
# (repack takes no --rootless: it maps owners as unpack recorded in the bundle)
umoci repack --image "$layout:$ref" --history.created "$created" \
	--history.created_by "tscanary image/build.sh" "$work/bundle" || die "umoci repack failed"

cfg=(--os "$oci_os" --architecture "$oci_arch" --created "$created" --no-history)
# The image config as data, with a variant's edits: each dropped line must
# be there (a variant that changes nothing proves nothing).
config_text=$(cat "$here/image-config")
for l in "${v_cfg_drop[@]}"; do
	grep -qxF -- "$l" <<<"$config_text" || die "variant '$variant': config_drop '$l' is not a line of '$here/image-config'"
	config_text=$(grep -vxF -- "$l" <<<"$config_text")
done
for l in "${v_cfg_add[@]}"; do config_text=$config_text$'\n'$l; done
config_lines=$(image_config - "$here/image-config" <<<"$config_text") ||
	die "fix '$here/image-config' (or the config lines of variant '$variant')"
while IFS=$'\t' read -r k v; do
	[ -n "$k" ] || continue
	v=${v//@TAILSCALE_VERSION@/$ts_version}
	v=${v//@OCI_VERSION@/$ts_version}
	case $k in
	env) cfg+=(--config.env "$v") ;;
	volume) cfg+=(--config.volume "$v") ;;
	entrypoint) cfg+=(--config.entrypoint "$v") ;;
	cmd) cfg+=(--config.cmd "$v") ;;
	label) cfg+=(--config.label "$v") ;;
	esac
done <<<"$config_lines"
umoci config --image "$layout:$ref" "${cfg[@]}" || die "umoci config failed"

# umoci knows no platform variant: write it into the config, which changes
# the config's digest, so the manifest that names it changes too.
blob() { printf '%s/blobs/sha256/%s' "$layout" "${1#sha256:}"; }
put_blob() { # file -> prints "digest size"
	local d
	d=$(sha256sum <"$1" | cut -d' ' -f1)
	mv -f "$1" "$(blob "$d")"
	printf 'sha256:%s %s\n' "$d" "$(stat -c %s "$(blob "$d")")"
}
mdesc=$(jq -c --arg r "$ref" '[.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $r)] | if length == 1 then .[0] else error("want one manifest for " + $r) end' "$layout/index.json") ||
	die "cannot find '$ref' in the layout index"
mdigest=$(jq -r .digest <<<"$mdesc")
cdigest=$(jq -r .config.digest "$(blob "$mdigest")")
platform=$(jq -cn --arg os "$oci_os" --arg a "$oci_arch" --arg v "$oci_variant" \
	'{architecture: $a, os: $os} + (if $v == "" then {} else {variant: $v} end)')
jq -cj --arg v "$oci_variant" 'if $v == "" then del(.variant) else .variant = $v end' \
	"$(blob "$cdigest")" >"$work/config.json"
read -r cdigest csize < <(put_blob "$work/config.json")
jq -cj --arg d "$cdigest" --argjson s "$csize" '.config.digest = $d | .config.size = $s' \
	"$(blob "$mdigest")" >"$work/manifest.json"
read -r mdigest msize < <(put_blob "$work/manifest.json")
jq -c --arg r "$ref" --arg d "$mdigest" --argjson s "$msize" --argjson p "$platform" \
	'.manifests |= map(if .annotations["org.opencontainers.image.ref.name"] == $r
		then .digest = $d | .size = $s | .platform = $p else . end)' \
	"$layout/index.json" >"$work/index.json" && mv -f "$work/index.json" "$layout/index.json"
umoci gc --layout "$layout" || die "umoci gc failed"

# skopeo writes the archive; it drops the index's platform, so put it back
# and repack the archive deterministically.
mkdir -p "$work/result" "$work/arc"
skopeo copy -q "oci:$layout:$ref" "oci-archive:$work/skopeo.tar:$ref" >/dev/null ||
	die "skopeo copy to an oci-archive failed"
tar -C "$work/arc" -xf "$work/skopeo.tar" || die "cannot read skopeo's archive"
jq -c --arg r "$ref" --argjson p "$platform" \
	'.manifests |= map(if .annotations["org.opencontainers.image.ref.name"] == $r then .platform = $p else . end)' \
	"$work/arc/index.json" >"$work/index.json" && mv -f "$work/index.json" "$work/arc/index.json"
(cd "$work/arc" && find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort |
	tar --format=ustar --no-recursion --owner=0 --group=0 --numeric-owner \
		--mtime="@$SOURCE_DATE_EPOCH" --mode=go-w -cf "$work/result/image.oci.tar" -T -) ||
	die "cannot write the OCI archive"
say "oci done ($(($(date +%s) - s))s)"

# --- verify the archive as a consumer would ---------------------------------
say "verify archive (skopeo inspect, umoci unpack)"
arc=oci-archive:$work/result/image.oci.tar
got=$(skopeo inspect --config "$arc" | jq -r '[.os, .architecture, .variant // ""] | join("/")') ||
	die "skopeo cannot inspect the archive"
[ "$got" = "$oci_os/$oci_arch/$oci_variant" ] || die "archive config says '$got', want '$oci_os/$oci_arch/$oci_variant'"
got=$(skopeo inspect --raw "$arc" | jq -r .config.digest)
[ "$got" = "$cdigest" ] || die "archive manifest names config '$got', want '$cdigest'"
mkdir -p "$work/check"
tar -C "$work/check" -xf "$work/result/image.oci.tar"
got=$(jq -c '.manifests[0].platform' "$work/check/index.json")
[ "$got" = "$platform" ] || die "archive index platform is '$got', want '$platform'"
for b in "$work"/check/blobs/sha256/*; do
	[ "$(sha256sum <"$b" | cut -d' ' -f1)" = "$(basename "$b")" ] || die "blob '$(basename "$b")' does not match its digest"
done
umoci unpack "${rootless[@]}" --image "$work/check:$ref" "$work/check-bundle" >/dev/null ||
	die "umoci cannot unpack the archive"
for p in usr/local/bin/tailscale.combined usr/local/bin/tailscaled usr/local/bin/tailscale \
	usr/local/bin/entrypoint.sh bin/busybox bin/sh etc/ssl/certs/ca-certificates.crt; do
	[ -e "$work/check-bundle/rootfs/$p" ] || die "unpacked image lacks '/$p'"
done
cmp -s "$work/check-bundle/rootfs/usr/local/bin/tailscale.combined" "$r/usr/local/bin/tailscale.combined" ||
	die "unpacked tailscale.combined differs from the built one"
archive_bytes=$(stat -c %s "$work/result/image.oci.tar")

# --- manifest.json ----------------------------------------------------------
jarr() { lines "$@" | jq -R . | jq -sc .; }
jq -n \
	--arg tailscale_version "$ts_version" --arg arch "$arch" --arg variant "$variant" \
	--arg variant_description "$v_desc" --arg variant_sha256 "$variant_hash" \
	--argjson platform "$platform" --arg ref "$ref" \
	--arg tags "$tags" --argjson omitted "$(jarr "$omitted")" \
	--argjson allowlist "$(jarr "$eff_allow")" --argjson waived "$(jarr "$waived")" \
	--arg allowlist_file "$allowlist_file" \
	--argjson v_omit "$(jarr "$v_omit")" --argjson v_drop "$(jarr "$v_drop")" \
	--argjson v_add "$(jarr "$v_add")" \
	--argjson broken "$(jarr "$broken")" --argjson missing_deps "$(jarr "$unwaived")" \
	--argjson dropped_features "$(jarr "$dropped_features")" \
	--argjson cfg_drop "$(printf '%s\n' "${v_cfg_drop[@]}" | sed '/^$/d' | jq -R . | jq -sc .)" \
	--argjson cfg_add "$(printf '%s\n' "${v_cfg_add[@]}" | sed '/^$/d' | jq -R . | jq -sc .)" \
	--arg go_version "$go_version" --arg go_toolchain_pinned "$pin_toolchain" --arg goflags "$goflags_str" \
	--arg goenv "CGO_ENABLED=0 GOOS=linux GOARCH=$ARCH_GOARCH${ARCH_GOARM:+ GOARM=$ARCH_GOARM}" \
	--arg bb_version "$bb_version musl" --argjson bb_bytes "$(stat -c %s "$r/bin/busybox")" \
	--argjson bb_unpacked "$(bb_info unpacked_bytes)" --arg bb_key "$bb_key" \
	--arg bb_sha256 "$(bb_info sha256)" --arg bb_dsc "$(bb_info dsc_sha256)" \
	--arg bb_suite "$(bb_info suite)" --arg bb_cc "$(bb_info cc)" --arg bb_musl "$(bb_info musl)" \
	--arg bb_upx "$(bb_info upx)" --argjson bb_dropped "$(jarr "$v_bb_drop")" \
	--argjson bb_has "$(jarr "$(cat "$bb_entry/applets")")" \
	--argjson applets "$(jarr "$applets")" \
	--arg ca_version "$ca_version" --argjson upx "$([ "$v_upx" = yes ] && echo true || echo false)" \
	--arg upx_version "$upx_version" --argjson filter "$([ "$v_filter" = yes ] && echo true || echo false)" \
	--argjson binary_bytes "$binary_bytes" --argjson binary_unpacked_bytes "$unpacked_bytes" \
	--argjson rootfs_bytes "$rootfs_bytes" --argjson archive_bytes "$archive_bytes" \
	--arg recipe_hash "$recipe_hash" --arg cache_key "$key" --argjson epoch "$SOURCE_DATE_EPOCH" \
	--arg config_digest "$cdigest" --arg manifest_digest "$mdigest" '{
	tailscale_version: $tailscale_version, arch: $arch, variant: $variant,
	variant_description: $variant_description, variant_sha256: $variant_sha256,
	variant_changes: {omit: $v_omit, drop_allow: $v_drop, add: $v_add, busybox_drop: $bb_dropped, breaks_deps: $broken,
		config_drop: $cfg_drop, config_add: $cfg_add},
	platform: $platform, ref: $ref,
	tags: $tags, omitted_features: $omitted, allowlist: $allowlist, allowlist_file: $allowlist_file,
	waived_deps: $waived, missing_deps: $missing_deps,
	dropped_features: $dropped_features,
	go_version: $go_version, go_toolchain_pinned: $go_toolchain_pinned, goflags: $goflags, goenv: $goenv,
	verbosity_filter: $filter,
	busybox: {source: "debian source package busybox (\($bb_suite)), musl, upx", version: $bb_version,
		upx: true, key: $bb_key, sha256: $bb_sha256, dsc_sha256: $bb_dsc,
		compiler: $bb_cc, musl: $bb_musl, packer: $bb_upx,
		note: "built by image/busybox.sh: allnoconfig plus the listed applets and image/busybox.config, static against musl, UPX-packed; every listed applet gets a link",
		bytes: $bb_bytes, unpacked_bytes: $bb_unpacked, applets: $applets, built_applets: $bb_has,
		dropped_applets: $bb_dropped},
	ca_certificates_version: $ca_version,
	upx: $upx, upx_version: $upx_version,
	sizes: {binary_bytes: $binary_bytes, binary_unpacked_bytes: $binary_unpacked_bytes,
		rootfs_bytes: $rootfs_bytes, archive_bytes: $archive_bytes},
	config_digest: $config_digest, manifest_digest: $manifest_digest,
	source_date_epoch: $epoch, recipe_hash: $recipe_hash, cache_key: $cache_key
	}' >"$work/result/manifest.json" || die "cannot write manifest.json"

# --- manifest.json: the module resolution (--tailscale-version only) --------
if [ -n "$ts_override" ]; then
	if ! jq --argjson m "$mod_info" '. + {tailscale_module: $m}' "$work/result/manifest.json" >"$work/manifest.tmp" ||
		! mv -f "$work/manifest.tmp" "$work/result/manifest.json"; then
		die "cannot record the module resolution in manifest.json"
	fi
fi

# --- publish to the cache, then to --out ------------------------------------
if ! mv -T "$work/result" "$cached" 2>/dev/null; then
	[ -f "$cached/manifest.json" ] || die "cannot store the result in '$cached'"
	say "a concurrent run stored the same key first; using it"
fi
deliver
say "built $arch variant '$variant': tailscale.combined $binary_bytes bytes (unpacked $unpacked_bytes), rootfs $rootfs_bytes, archive $archive_bytes -> $out/image.oci.tar"
