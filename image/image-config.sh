# shellcheck shell=sh
# SPDX-License-Identifier: BSD-3-Clause
# The one reader of image/image-config (the image's OCI config as data),
# sourced by image/build.sh, which sets the native build's config from it,
# and by .ci/dockerfile-config, which writes the Dockerfile's config block
# from it. It is sh, for both; the Dockerfile's build stage has it with the
# rest of image/.

# image_config FILE [NAME]: read image-config lines from FILE (- for
# stdin; NAME, default FILE, names them in messages) and print one
# "key<TAB>value" line per entry, in their order: the key is the line's
# first word, the value the rest of the line without the blanks around it,
# verbatim otherwise. Comments and blank lines are skipped. A key other
# than env, volume, entrypoint, cmd and label is an error: each is said on
# stderr, and the status is 1.
image_config() {
	awk -v f="${2:-$1}" '
		/^[ \t]*(#|$)/ { next }
		$1 !~ /^(env|volume|entrypoint|cmd|label)$/ {
			printf "%s:%d: unknown key %s\n", f, NR, $1 > "/dev/stderr"
			bad = 1
			next
		}
		{
			v = $0
			sub(/^[ \t]*[^ \t]+[ \t]*/, "", v)
			sub(/[ \t]+$/, "", v)
			printf "%s\t%s\n", $1, v
		}
		END { exit bad }' "$1"
}
