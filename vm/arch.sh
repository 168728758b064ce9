# shellcheck shell=sh
# SPDX-License-Identifier: BSD-3-Clause
# Source this file, then call arch_load NAME: it sets ARCH_OCI, ARCH_DEBARCH,
# ARCH_KERNELPKG, ARCH_TRIPLE, ARCH_GOARCH, ARCH_GOARM, ARCH_QEMU,
# ARCH_MACHINE, ARCH_CPU, ARCH_CONSOLE, ARCH_VIRTIO from vm/arches.
arch_table=${arch_table:-$(dirname -- "$0")/../vm/arches}

arch_names() {
	awk '!/^#/ && NF { print $1 }' "$arch_table" | tr '\n' ' '
}

arch_load() {
	line=$(awk -v a="$1" '!/^#/ && $1 == a' "$arch_table")
	if [ -z "$line" ]; then
		echo "error: unknown ARCH '$1' (valid: $(arch_names))" >&2
		return 1
	fi
	# shellcheck disable=SC2086 # the table line splits into its fields
	set -- $line
	ARCH_NAME=$1 ARCH_OCI=$2 ARCH_DEBARCH=$3 ARCH_KERNELPKG=$4 ARCH_TRIPLE=$5
	ARCH_GOARCH=${6%%/*} ARCH_GOARM=
	case $6 in */*) ARCH_GOARM=${6#*/} ;; esac
	ARCH_QEMU=$7 ARCH_MACHINE=$8 ARCH_CPU=$9 ARCH_CONSOLE=${10} ARCH_VIRTIO=${11}
	export ARCH_NAME ARCH_OCI ARCH_DEBARCH ARCH_KERNELPKG ARCH_TRIPLE ARCH_GOARCH \
		ARCH_GOARM ARCH_QEMU ARCH_MACHINE ARCH_CPU ARCH_CONSOLE ARCH_VIRTIO
}
