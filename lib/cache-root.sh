# shellcheck shell=sh
# SPDX-License-Identifier: BSD-3-Clause
# The cache root, defined here alone: TSCANARY_CACHE names the directory
# itself, else $XDG_CACHE_HOME/tscanary, else ~/.cache/tscanary (a variable
# set empty counts as unset). Every script that finds the cache sources this
# file and calls cache_root; the Makefile's CACHE comes from it too
# (lib/cache-root.mk), and tests/cache-root.sh checks both. It is sh, for the
# bash and POSIX sh scripts alike, and the Dockerfile's build stage copies it
# (image/build.sh and image/busybox.sh run there alone).

# cache_root: print the cache root.
cache_root() {
	printf '%s\n' "${TSCANARY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tscanary}"
}
