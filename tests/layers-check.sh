#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# tests/layers-check.sh: the layers of the host-side C code, enforced
# (make layers-check). harness/layers.mk is the map, lowest layer first;
# Make reads it here as the Makefile does.
#   1. every C source and header of harness/ and canaries/host/ is in
#      exactly one layer, and every file the map names exists;
#   2. no file #includes a header of a layer after its own (a quoted
#      include resolves as the compiler's: the file's own directory, then
#      -Iharness, then -Icanaries/host);
#   3. the runner includes of the canaries only their interface
#      (LAYER_canaries_interface), and only from its .c files: no header
#      under harness/ includes one of canaries/;
#   4. a unit test (test_<m>.c) lives beside its module's layer
#      (canaries/host/tests/ for the canaries', harness/tests/ for the
#      rest; a test named after no module counts as the runner's) and
#      includes nothing above that layer.
# The archives (one per layer, linked highest first) catch the same
# direction at link time. TAP 13 on stdout; exit 1 on any failure.
set -eu
cd "$(dirname "$0")/.."
# shellcheck source=tests/tap.sh
. tests/tap.sh

# "<layer> <file>...": one line per layer in order, then the interface
# shellcheck disable=SC2016 # Make expands these, not the shell
map=$(MAKEFLAGS='' make -s --no-print-directory -f harness/layers.mk \
	--eval 'layers-print: ; @$(foreach l,$(LAYERS),echo "$(l) $(LAYER_$(l))";) echo "interface $(LAYER_canaries_interface)"' \
	layers-print)
files=$(ls harness/*.c harness/*.h canaries/host/*.c canaries/host/*.h)

# 1. the map covers the tree, once each
bad=$(printf '%s\n' "$map" | awk -v files="$files" '
	$1 != "interface" { for (i = 2; i <= NF; i++) { n[$i]++; where[$i] = where[$i] " " $1 } }
	END {
		split(files, f, "\n")
		for (i in f) { on_disk[f[i]] = 1; if (!(f[i] in n)) print f[i] ": in no layer" }
		for (p in n) {
			if (n[p] > 1) print p ": in" where[p]
			if (!(p in on_disk)) print p ": in the map, not in the tree"
		}
	}' | sort)
if [ -z "$bad" ]; then
	tap_ok "$(echo "$files" | wc -l) files of harness/ and canaries/host/ each in one layer"
else
	tap_not_ok "files of harness/ and canaries/host/ each in one layer"
	printf '%s\n' "$bad" | tap_diag
fi

# The header a quoted "#include" line of file names, as the compiler finds
# it (the file's own directory, then -Iharness, then -Icanaries/host), if
# the map has it; else "". An awk function both include checks use.
# shellcheck disable=SC2016 # awk expands these, not the shell
header_of='
function header_of(line, file,    q, dir) {
	split(line, q, "\"")
	dir = file; sub(/\/[^\/]*$/, "", dir)
	if ((dir "/" q[2]) in layer) return dir "/" q[2]
	if (("harness/" q[2]) in layer) return "harness/" q[2]
	if (("canaries/host/" q[2]) in layer) return "canaries/host/" q[2]
	return ""
}'

# 2. and 3. every quoted #include against the map
# shellcheck disable=SC2086 # the file list splits on whitespace
includes=$(grep -H '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' $files || true)
violations=$(printf '%s\n' "$map" | awk -v includes="$includes" "$header_of"'
	$1 == "interface" { for (i = 2; i <= NF; i++) iface[$i] = 1; next }
	{ for (i = 2; i <= NF; i++) { layer[$i] = $1; rank[$i] = NR } }
	END {
		n = split(includes, lines, "\n")
		for (k = 1; k <= n; k++) {
			line = lines[k]
			if (line == "") continue
			file = substr(line, 1, index(line, ":") - 1)
			hdr = header_of(line, file)
			if (hdr == "" || !(file in layer)) continue
			if (rank[hdr] > rank[file])
				print "up " file " (" layer[file] ") includes " hdr " (" layer[hdr] ")"
			else if (layer[file] == "runner" && layer[hdr] == "canaries" && !(hdr in iface))
				print "iface " file " (runner) includes " hdr ", not the canaries interface"
			else if (file ~ /^harness\/.*\.h$/ && hdr ~ /^canaries\//)
				print "hdr " file " (a header of harness/) includes " hdr
		}
	}' | sort)
up=$(printf '%s\n' "$violations" | sed -n 's/^up //p')
iface=$(printf '%s\n' "$violations" | sed -n 's/^iface //p')
hdrs=$(printf '%s\n' "$violations" | sed -n 's/^hdr //p')
if [ -z "$up" ]; then
	tap_ok "no file includes a header of a higher layer"
else
	tap_not_ok "no file includes a header of a higher layer"
	printf '%s\n' "$up" | tap_diag
fi
if [ -z "$iface" ]; then
	tap_ok "the runner includes of the canaries only their interface"
else
	tap_not_ok "the runner includes of the canaries only their interface"
	printf '%s\n' "$iface" | tap_diag
fi
if [ -z "$hdrs" ]; then
	tap_ok "no header of harness/ includes one of canaries/"
else
	tap_not_ok "no header of harness/ includes one of canaries/"
	printf '%s\n' "$hdrs" | tap_diag
fi
# 4. the unit tests: their place and their includes, as files of their module's layer
tests=$(ls harness/tests/test_*.c canaries/host/tests/test_*.c 2>/dev/null || true)
# shellcheck disable=SC2086 # the file list splits on whitespace
tincludes=$(grep -H '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' $tests /dev/null || true)
tbad=$(printf '%s\n' "$map" | awk -v tests="$tests" -v includes="$tincludes" "$header_of"'
	$1 == "interface" { next }
	{ for (i = 2; i <= NF; i++) { layer[$i] = $1; rank[$i] = NR } lrank[$1] = NR }
	END {
		n = split(tests, t, "\n")
		for (k = 1; k <= n; k++) {
			file = t[k]; m = file; sub(/^.*\/test_/, "", m); sub(/\.c$/, "", m)
			l = "runner"
			if (("harness/" m ".c") in layer) l = layer["harness/" m ".c"]
			else if (("canaries/host/" m ".c") in layer) l = layer["canaries/host/" m ".c"]
			tl[file] = l
			want = l == "canaries" ? "canaries/host/tests/" : "harness/tests/"
			if (index(file, want) != 1) print file ": a test of the " l " layer belongs in " want
		}
		n = split(includes, lines, "\n")
		for (k = 1; k <= n; k++) {
			line = lines[k]
			if (line == "") continue
			file = substr(line, 1, index(line, ":") - 1)
			hdr = header_of(line, file)
			if (hdr != "" && (file in tl) && rank[hdr] > lrank[tl[file]])
				print file " (a test of the " tl[file] " layer) includes " hdr " (" layer[hdr] ")"
		}
	}' | sort)
if [ -z "$tbad" ]; then
	tap_ok "$(echo "$tests" | wc -l) unit tests beside their layer, including nothing above it"
else
	tap_not_ok "unit tests beside their layer, including nothing above it"
	printf '%s\n' "$tbad" | tap_diag
fi
tap_done layers-check
