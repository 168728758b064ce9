#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# harness/tree-hash.sh: the harness tree hash, the identity of everything
# that judges an image besides the image itself: the harness, the canaries,
# the VM side, the fixtures, the lab and the Makefile, as they are in the
# working tree (uncommitted edits and new files count; ignored ones do not).
# A verdict record names it, so a release accepts only verdicts that this
# very tree reached. Prints 64 hex digits.
set -eu
cd "$(dirname "$0")/.."
paths="harness canaries vm fixtures lab Makefile"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	# shellcheck disable=SC2086 # the paths are words
	git ls-files -z -co --exclude-standard -- $paths
else
	# shellcheck disable=SC2086 # the paths are words
	find $paths -type f -print0
fi | LC_ALL=C sort -zu | xargs -0 sha256sum | sha256sum | cut -c1-64
