# Generated from vm/arches by `tscanary arch --make` (make arches): do not edit.
# make check (arches-check) fails when this differs from what it prints.
ARCHES := armv7 arm64 amd64

ARCH_armv7_NAME := armv7
ARCH_armv7_OCI := arm/v7
ARCH_armv7_OCIBASE :=
ARCH_armv7_OCIALIAS :=
ARCH_armv7_DEBARCH := armhf
ARCH_armv7_KERNELPKG := linux-image-armmp-lpae
ARCH_armv7_TRIPLE := arm-linux-gnueabihf
ARCH_armv7_GOARCH := arm
ARCH_armv7_GOARM := 7
ARCH_armv7_QEMU := qemu-system-arm
ARCH_armv7_QEMUPKG := qemu-system-arm
ARCH_armv7_MACHINE := virt
ARCH_armv7_CPU := cortex-a15
ARCH_armv7_CONSOLE := ttyAMA0
ARCH_armv7_VIRTIO := mmio
ARCH_armv7_NATIVE :=

ARCH_arm64_NAME := arm64
ARCH_arm64_OCI := arm64
ARCH_arm64_OCIBASE := v8
ARCH_arm64_OCIALIAS := aarch64
ARCH_arm64_DEBARCH := arm64
ARCH_arm64_KERNELPKG := linux-image-arm64
ARCH_arm64_TRIPLE := aarch64-linux-gnu
ARCH_arm64_GOARCH := arm64
ARCH_arm64_GOARM :=
ARCH_arm64_QEMU := qemu-system-aarch64
ARCH_arm64_QEMUPKG := qemu-system-arm
ARCH_arm64_MACHINE := virt
ARCH_arm64_CPU := cortex-a57
ARCH_arm64_CONSOLE := ttyAMA0
ARCH_arm64_VIRTIO := mmio
ARCH_arm64_NATIVE := aarch64

ARCH_amd64_NAME := amd64
ARCH_amd64_OCI := amd64
ARCH_amd64_OCIBASE := v1
ARCH_amd64_OCIALIAS := x86_64,x86-64
ARCH_amd64_DEBARCH := amd64
ARCH_amd64_KERNELPKG := linux-image-cloud-amd64
ARCH_amd64_TRIPLE := x86_64-linux-gnu
ARCH_amd64_GOARCH := amd64
ARCH_amd64_GOARM :=
ARCH_amd64_QEMU := qemu-system-x86_64
ARCH_amd64_QEMUPKG := qemu-system-x86
ARCH_amd64_MACHINE := q35
ARCH_amd64_CPU := max
ARCH_amd64_CONSOLE := ttyS0
ARCH_amd64_VIRTIO := pci
ARCH_amd64_NATIVE := x86_64
