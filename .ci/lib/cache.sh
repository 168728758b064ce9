# shellcheck shell=sh
# SPDX-License-Identifier: BSD-3-Clause
# Shared by the .ci/ tool setups (one directory below .ci/): where the cache
# is (cache_root, from lib/cache-root.sh, the one definition), and how an
# entry is published (built under a temp name, then renamed, so a killed or
# parallel run never leaves a half-made entry behind).

# shellcheck source=lib/cache-root.sh
. "$(dirname -- "$0")/../../lib/cache-root.sh"

# cache_key FILE...: a short content hash of the files (and the tool that
# reads them, given as extra words in $CACHE_KEY_EXTRA).
cache_key() {
	{ cat -- "$@" && printf '%s\n' "${CACHE_KEY_EXTRA:-}"; } | sha256sum | cut -c1-16
}

# cache_publish TMPDIR FINALDIR: rename into place; if another run got there
# first, keep theirs.
cache_publish() {
	if ! mv -T -- "$1" "$2" 2>/dev/null; then
		rm -rf -- "$1"
		[ -d "$2" ] || { echo "error: cannot store '$2'" >&2; return 1; }
	fi
}
