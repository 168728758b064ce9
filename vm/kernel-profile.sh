# shellcheck shell=sh
# SPDX-License-Identifier: BSD-3-Clause
# Source this file, then call kprofile_load FILE: it reads a guest kernel
# profile (vm/kernels/<name>) and sets
#   KPROFILE_NAME     the file's base name (what KERNEL= names)
#   KPROFILE_SUITE    the Debian suite the kernel comes from
#   KPROFILE_APT      machine: the machine's own APT sources and lists;
#                     private: an APT state of tscanary's own for that suite
#   KPROFILE_MODULES  the modules to load, in order, one a line
# A profile is lines of words; '#' starts a comment; blank lines are skipped:
#   suite NAME        once (lower-case letters, digits, '-')
#   apt machine|private   once
#   modules NAME...   any number of times; names add up in order, a name
#                     given twice is an error
# Anything else is an error naming the file and line; returns 1 then.
kprofile_err() {
	echo "error: kernel profile '$1': $2" >&2
	return 1
}

kprofile_load() {
	if [ ! -f "$1" ] || [ ! -r "$1" ]; then
		kprofile_err "$1" "no such file"
		return 1
	fi
	KPROFILE_NAME=$(basename -- "$1")
	case $KPROFILE_NAME in
	''|*[!a-z0-9-]*|-*) kprofile_err "$1" "a profile's name is lower-case letters, digits and '-'"; return 1 ;;
	esac
	KPROFILE_SUITE='' KPROFILE_APT='' KPROFILE_MODULES=''
	_kp_n=0
	# shellcheck disable=SC2162 # backslashes are not part of the format
	while IFS= read _kp_line || [ -n "$_kp_line" ]; do
		_kp_n=$((_kp_n + 1))
		_kp_line=${_kp_line%%#*}
		set -f
		# shellcheck disable=SC2086 # split into words on purpose
		set -- $_kp_line
		set +f
		[ $# -gt 0 ] || continue
		_kp_key=$1; shift
		case $_kp_key in
		suite)
			[ $# -eq 1 ] || { kprofile_err "$KPROFILE_NAME" "line $_kp_n: 'suite' takes one name"; return 1; }
			[ -z "$KPROFILE_SUITE" ] || { kprofile_err "$KPROFILE_NAME" "line $_kp_n: a second 'suite'"; return 1; }
			case $1 in
			*[!a-z0-9-]*|-*) kprofile_err "$KPROFILE_NAME" "line $_kp_n: bad suite name '$1'"; return 1 ;;
			esac
			KPROFILE_SUITE=$1 ;;
		apt)
			[ $# -eq 1 ] || { kprofile_err "$KPROFILE_NAME" "line $_kp_n: 'apt' takes machine or private"; return 1; }
			[ -z "$KPROFILE_APT" ] || { kprofile_err "$KPROFILE_NAME" "line $_kp_n: a second 'apt'"; return 1; }
			case $1 in
			machine|private) KPROFILE_APT=$1 ;;
			*) kprofile_err "$KPROFILE_NAME" "line $_kp_n: 'apt' takes machine or private, not '$1'"; return 1 ;;
			esac ;;
		modules)
			[ $# -gt 0 ] || { kprofile_err "$KPROFILE_NAME" "line $_kp_n: 'modules' without a name"; return 1; }
			for _kp_m in "$@"; do
				case $_kp_m in
				*[!A-Za-z0-9_-]*|-*) kprofile_err "$KPROFILE_NAME" "line $_kp_n: bad module name '$_kp_m'"; return 1 ;;
				esac
				case "
$KPROFILE_MODULES
" in
				*"
$_kp_m
"*) kprofile_err "$KPROFILE_NAME" "line $_kp_n: module '$_kp_m' listed twice"; return 1 ;;
				esac
				KPROFILE_MODULES=${KPROFILE_MODULES:+$KPROFILE_MODULES
}$_kp_m
			done ;;
		*) kprofile_err "$KPROFILE_NAME" "line $_kp_n: unknown key '$_kp_key' (suite, apt, modules)"; return 1 ;;
		esac
	done <"$1"
	[ -n "$KPROFILE_SUITE" ] || { kprofile_err "$KPROFILE_NAME" "no 'suite' line"; return 1; }
	[ -n "$KPROFILE_APT" ] || { kprofile_err "$KPROFILE_NAME" "no 'apt' line"; return 1; }
	[ -n "$KPROFILE_MODULES" ] || { kprofile_err "$KPROFILE_NAME" "no 'modules' line"; return 1; }
	export KPROFILE_NAME KPROFILE_SUITE KPROFILE_APT KPROFILE_MODULES
}
