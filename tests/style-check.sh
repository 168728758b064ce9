#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# tests/style-check.sh: the house style, enforced (make style-check).
#   1. every C file the project writes is as clang-format (.clang-format)
#      leaves it;
#   2. every source file the project writes names its licence in an SPDX
#      line within its first five lines: C, shell, Make, Python, JavaScript,
#      the Dockerfile, the guest kernel profiles and every executable.
# Generated views (vm/arches.mk, vm/arches.env) and data (lock files,
# schemas, requirements) are not sources. TAP 13 on stdout; exit 1 on any
# failure.
set -eu
cd "$(dirname "$0")/.."
# shellcheck source=tests/tap.sh
. tests/tap.sh

c_files=$(git ls-files '*.c' '*.h')
bad=
for f in $c_files; do
	clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || bad="$bad $f"
done
if [ -z "$bad" ]; then
	tap_ok "$(echo "$c_files" | wc -l) C files as clang-format leaves them"
else
	tap_not_ok "C files as clang-format leaves them (not:$bad; run clang-format -i on them)"
fi

sources=$({
	git ls-files '*.c' '*.h' '*.sh' '*.mk' '*.py' '*.mjs' Makefile Dockerfile 'vm/kernels/*'
	git ls-files -s | awk '$1 == "100755" { print $4 }'
} | grep -v -x -e vm/arches.mk -e vm/arches.env | sort -u)
missing=
for f in $sources; do
	head -n 5 "$f" | grep -q 'SPDX-License-Identifier: BSD-3-Clause' || missing="$missing $f"
done
if [ -z "$missing" ]; then
	tap_ok "$(echo "$sources" | wc -l) source files carry an SPDX line"
else
	tap_not_ok "source files carry an SPDX line (not:$missing)"
fi
tap_done style-check
