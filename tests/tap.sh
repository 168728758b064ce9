# shellcheck shell=sh
# SPDX-License-Identifier: BSD-3-Clause
# TAP 13 for the test scripts, sourced by bash and POSIX sh scripts alike.
# Results are numbered as they come; the plan follows the last one.
#
#   tap_ok DESC...          one passing test
#   tap_not_ok DESC...      one failing test
#   tap_skip DESC REASON    one test not run here ("ok N - DESC # SKIP REASON")
#   ... | tap_diag          each input line as a comment under the last result
#   tap_done NAME [NOTE]    the plan and "NAME: P passed, F failed[ NOTE]";
#                           its status is 0 only when no test failed

tap_n=0 tap_passed=0 tap_failed=0

# tap_result OK|"not ok" DESC: one numbered line, after the version line
tap_result() {
	[ "$tap_n" != 0 ] || echo 'TAP version 13'
	tap_n=$((tap_n + 1))
	echo "$1 $tap_n - $2"
}

tap_ok() {
	tap_result ok "$*"
	tap_passed=$((tap_passed + 1))
}

tap_not_ok() {
	tap_result 'not ok' "$*"
	tap_failed=$((tap_failed + 1))
}

tap_skip() {
	tap_result ok "$1 # SKIP $2"
}

tap_diag() {
	sed 's/^/#   /'
}

tap_done() {
	echo "1..$tap_n"
	echo "$1: $tap_passed passed, $tap_failed failed${2:+ $2}"
	[ "$tap_failed" = 0 ]
}
