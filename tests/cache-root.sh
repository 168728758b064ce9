#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# tests/cache-root.sh: the cache root has one definition (lib/cache-root.sh)
# and every reader gets the same path from it. For every combination of
# TSCANARY_CACHE, XDG_CACHE_HOME and HOME unset, set empty or set, the path
# the rule gives (TSCANARY_CACHE itself, else $XDG_CACHE_HOME/tscanary,
# else $HOME/.cache/tscanary; empty counts as unset) is what cache_root
# prints under sh and bash and what the Makefile's CACHE becomes
# (lib/cache-root.mk); and no other file spells the default out. TAP 13
# (make cache-root-check, part of make unit).
set -eu
cd "$(dirname "$0")/.."
# shellcheck source=tests/tap.sh
. tests/tap.sh

t=$(mktemp -d /tmp/tsc-cache-root.XXXXXX)
trap 'rm -rf "$t"' EXIT
# shellcheck disable=SC2016 # for make to expand
printf 'print:\n\t@echo "$(CACHE)"\n' >"$t/print.mk"

# want T X H: the rule, stated apart from its definition (- is unset)
want() {
	if [ "$1" != - ] && [ -n "$1" ]; then
		echo "$1"
	elif [ "$2" != - ] && [ -n "$2" ]; then
		echo "$2/tscanary"
	else
		echo "${3#-}/.cache/tscanary"
	fi
}

for tc in - '' /t/cache; do
	for xdg in - '' /x/xdg; do
		for home in - '' /h/home; do
			set -- env -i PATH="$PATH"
			desc=
			for kv in "TSCANARY_CACHE=$tc" "XDG_CACHE_HOME=$xdg" "HOME=$home"; do
				case $kv in
				*=-) kv="${kv%=-} unset" ;;
				*) set -- "$@" "$kv" ;;
				esac
				desc=${desc:+$desc, }$kv
			done
			w=$(want "$tc" "$xdg" "$home")
			sh=$("$@" sh -c '. ./lib/cache-root.sh && cache_root')
			bash=$("$@" bash -c '. ./lib/cache-root.sh && cache_root')
			mk=$("$@" make -s --no-print-directory -f lib/cache-root.mk -f "$t/print.mk" print)
			if [ "$sh" = "$w" ] && [ "$bash" = "$w" ] && [ "$mk" = "$w" ]; then
				tap_ok "$desc: $w (sh, bash, make)"
			else
				tap_not_ok "$desc: want $w; sh '$sh', bash '$bash', make '$mk'"
			fi
		done
	done
done

# CACHE from the command line or the environment stays as given.
mk=$(env -i PATH="$PATH" TSCANARY_CACHE=/t make -s --no-print-directory -f lib/cache-root.mk -f "$t/print.mk" print CACHE=/c)
menv=$(env -i PATH="$PATH" CACHE=/e make -s --no-print-directory -f lib/cache-root.mk -f "$t/print.mk" print)
if [ "$mk" = /c ] && [ "$menv" = /e ]; then
	tap_ok "CACHE given on the command line or in the environment is kept"
else
	tap_not_ok "CACHE given is kept (command line: '$mk', environment: '$menv')"
fi

# The one definition: no other file spells the default out, in sh
# (${XDG_CACHE_HOME:-...}) or in Make ($(XDG_CACHE_HOME)/...).
others=$(git ls-files -co --exclude-standard | grep -v -x -e lib/cache-root.sh -e tests/cache-root.sh |
	xargs grep -l -E 'XDG_CACHE_HOME(:-|\)/)' | paste -sd' ' - || true)
if [ -z "$others" ]; then
	tap_ok "only lib/cache-root.sh defines the cache root"
else
	tap_not_ok "the cache root spelled out outside lib/cache-root.sh: $others"
fi
tap_done cache-root
