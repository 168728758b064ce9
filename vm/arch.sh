# shellcheck shell=sh
# SPDX-License-Identifier: BSD-3-Clause
# Source this file, then call arch_load NAME: it sets and exports ARCH_NAME,
# ARCH_OCI, ARCH_OCIBASE, ARCH_OCIALIAS, ARCH_DEBARCH, ARCH_KERNELPKG,
# ARCH_TRIPLE, ARCH_GOARCH, ARCH_GOARM, ARCH_QEMU, ARCH_QEMUPKG, ARCH_MACHINE,
# ARCH_CPU, ARCH_CONSOLE, ARCH_VIRTIO and ARCH_NATIVE
# (vm/arches says what each means). They come from vm/arches.env, the view of
# vm/arches that `make arches` generates: scripts that run without the harness
# (the Dockerfile's build step runs image/build.sh alone) read it as well.
# Set arch_env to its path first when $0 is not one directory below the top.
arch_env=${arch_env:-$(dirname -- "$0")/../vm/arches.env}
# shellcheck source-path=SCRIPTDIR source=arches.env
. "$arch_env"

arch_names() {
	echo "$ARCHES"
}

arch_load() {
	arch_set "$1" && return 0
	echo "error: unknown ARCH '$1' (valid: $(arch_names))" >&2
	return 1
}

# arch_find KEY VALUE: the first arch whose ARCH_KEY is VALUE (arch_find OCI
# arm/v7 prints armv7); status 1 when none is. It loads each arch it tries:
# call it in a command substitution.
arch_find() {
	for arch_find_a in $ARCHES; do
		arch_set "$arch_find_a"
		arch_find_v=
		eval "arch_find_v=\$ARCH_$1"
		if [ "$arch_find_v" = "$2" ]; then
			echo "$arch_find_a"
			return 0
		fi
	done
	return 1
}
