#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# tests/compare-exit.sh: .ci/compare-exit, the code a compare pipeline step
# ends with: compare's own exit_code where make only says 2. TAP 13.
set -eu
cd "$(dirname "$0")/.."
# shellcheck source=tests/tap.sh
. tests/tap.sh

t=$(mktemp -d /tmp/tsc-compare-exit.XXXXXX)
trap 'rm -rf "$t"' EXIT
echo '{"verdict":"regression","exit_code":1}' >"$t/regression.json"
echo '{"verdict":"inconclusive","exit_code":5}' >"$t/inconclusive.json"
echo '{"verdict":"no regression","exit_code":0}' >"$t/none.json"
echo '{"verdict":"odd","exit_code":"x"}' >"$t/odd.json"
echo 'not json' >"$t/broken.json"

check() { # MAKE_STATUS FILE WANT DESC
	got=$(.ci/compare-exit "$1" "$t/$2")
	if [ "$got" = "$3" ]; then tap_ok "$4"; else tap_not_ok "$4 (got $got, want $3)"; fi
}
check 0 none.json 0 "make passed: 0"
check 2 regression.json 1 "make's 2 becomes compare's 1 (regression)"
check 2 inconclusive.json 5 "make's 2 becomes compare's 5 (inconclusive)"
check 2 missing.json 2 "no compare.json (compare never ran): make's 2"
check 2 broken.json 2 "an unreadable compare.json: make's 2"
check 2 odd.json 2 "a non-numeric exit_code: make's 2"
check 130 regression.json 130 "interrupted: 130, whatever compare.json says"
tap_done compare-exit
