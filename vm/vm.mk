# SPDX-License-Identifier: BSD-3-Clause
# The VM layer: kernel + modules, the harness overlay, the flash disk.
#   make kernel ARCH=armv7     fetch/extract the Debian kernel into the cache
#                              ($(VM_KERNEL_REF) then names its directory)
#   make overlay ARCH=armv7    $(VM_OVERLAY): init, busybox, agent, modules
#   make vm-smoke ARCH=armv7   boot an empty rootfs + the overlay with a stub
#                              agent, sealed (no root, no network), and check
#                              that init reaches the agent and powers off
# Helpers for other fragments:
#   $(call vm_rootfs_cpio,DIR,OUT)   recipe line: pack an unpacked rootfs
#   $(call vm_initrd,ROOTFS,OUT)     recipe line: rootfs cpio + overlay
#   $(call vm_flash,OUT)             recipe line: a fresh flash image
# Guest canaries go into the overlay with VM_EXTRA=DIR (under /.tscanary).
# Cache keys: the kernel dir is keyed on the exact Debian version; the
# overlay is byte-reproducible (sha256 of the file, inputs in its .versions).
#
# KERNEL=NAME picks the guest kernel profile vm/kernels/NAME (suite and
# modules; default bookworm, Debian 12's 6.1; bullseye is Debian 11's 5.10,
# closer to RouterOS 7's kernel). A profile other than the default builds
# in $(BUILD)/ARCH/vm-NAME and reports in out/ARCH-kernel-NAME, so each
# keeps its own overlay and results. KERNEL=all: every profile in turn (make
# test and make kernel; make kernel's list is of kernel-PROFILE targets).
KERNEL_DEFAULT := bookworm
KERNEL ?= $(KERNEL_DEFAULT)
KERNEL_PROFILES := $(notdir $(wildcard vm/kernels/*))
KERNEL_SUFFIX = $(if $(filter-out $(KERNEL_DEFAULT),$(KERNEL)),-$(KERNEL))
KERNEL_OUT_SUFFIX = $(if $(KERNEL_SUFFIX),-kernel$(KERNEL_SUFFIX))

VM_DIR = $(BUILD)/$(ARCH)/vm$(KERNEL_SUFFIX)
VM_KERNEL_REF = $(VM_DIR)/kernel-dir
VM_OVERLAY = $(VM_DIR)/overlay.cpio.gz
VM_AGENT ?= $(BUILD)/$(ARCH)/agent
VM_EXTRA ?=

.PHONY: kernel overlay vm-smoke vm-force
vm-force:

ifeq ($(KERNEL),all)
kernel:
	@$(MAKE) $(IN_TURN) $(KERNEL_TARGETS)
else
kernel: $(VM_KERNEL_REF)
endif
# kernel-PROFILE: make kernel for that profile. A static pattern rule, so
# it names these targets alone (a kernel-% pattern would also match files
# such as $(VM_KERNEL_REF), kernel-dir).
KERNEL_TARGETS := $(KERNEL_PROFILES:%=kernel-%)
.PHONY: $(KERNEL_TARGETS)
$(KERNEL_TARGETS): kernel-%:
	@$(MAKE) --no-print-directory kernel KERNEL=$*

# The profile parser's and the profiles' own checks (shell; part of make unit).
.PHONY: kernel-profile-check
kernel-profile-check:
	tests/kernel-profiles.sh
unit: kernel-profile-check

# Always asks vm/kernel.sh (a cache hit costs two apt-cache calls), but
# rewrites the reference only when the resolved directory changes, so
# whatever depends on it rebuilds only for a new kernel.
$(VM_KERNEL_REF): vm-force
	@mkdir -p $(@D)
	@d=$$(vm/kernel.sh --arch $(ARCH) --kernel $(KERNEL)) && test -n "$$d" && \
		{ test "$$(cat $@ 2>/dev/null)" = "$$d" || echo "$$d" >$@; }

overlay: $(VM_OVERLAY)

# Whoever fills VM_EXTRA adds a prerequisite to $(VM_OVERLAY) that changes
# with its contents (the top Makefile uses a stamp file).
$(VM_OVERLAY): $(VM_KERNEL_REF) vm/guest/init vm/initramfs.sh vm/arches.env $(VM_AGENT) \
		$(wildcard vm/kernels/$(KERNEL))
	vm/initramfs.sh --arch $(ARCH) --kernel-dir "$$(cat $<)" --agent $(VM_AGENT) \
		$(if $(VM_EXTRA),--extra $(VM_EXTRA)) --out $@

vm_rootfs_cpio = vm/initramfs.sh --rootfs $(1) --out $(2)
vm_initrd = cat $(1) $(VM_OVERLAY) >$(2).tmp && mv -f $(2).tmp $(2)
vm_flash = vm/flash.sh $(1)

# The smoke boot: QEMU as harness/qemu.c starts it, but with the NIC on an
# empty hub (sealed by construction), and a stub agent that reports what
# init set up and exits, so init must power the VM off by itself.
VM_SMOKE = $(BUILD)/$(ARCH)/vm-smoke$(KERNEL_SUFFIX)
# virtio-*-device (mmio) or virtio-*-pci, as the arch's virtio column says
VM_VIRTIO_DEV = $(if $(filter pci,$(ARCH_$(ARCH)_VIRTIO)),pci,device)

vm-smoke: $(VM_SMOKE)/initrd $(VM_KERNEL_REF)
	@set -e; k=$$(cat $(VM_KERNEL_REF)); s=$(VM_SMOKE); dev=$(VM_VIRTIO_DEV); \
	vm/flash.sh $$s/flash.img >/dev/null; rm -f $$s/console.log $$s/agent.sock; \
	t0=$$(date +%s%N); \
	timeout 120 $(ARCH_$(ARCH)_QEMU) -no-user-config -nodefaults -display none -no-reboot \
		-M $(ARCH_$(ARCH)_MACHINE) -cpu $(ARCH_$(ARCH)_CPU) -accel tcg,thread=multi -smp 2 -m 256 \
		-kernel $$k/vmlinuz -initrd $$s/initrd \
		-append "console=$(ARCH_$(ARCH)_CONSOLE) rdinit=/.tscanary/init panic=-1 cryptomgr.notests=1" \
		-chardev file,id=console,path=$$s/console.log -serial chardev:console \
		-netdev hubport,id=net0,hubid=0 -device virtio-net-$$dev,netdev=net0 \
		-drive file=$$s/flash.img,format=raw,if=none,id=flash \
		-device virtio-blk-$$dev,drive=flash -device virtio-serial-$$dev \
		-chardev socket,id=agent,path=$$s/agent.sock,server=on,wait=off \
		-device virtserialport,chardev=agent,name=tscanary.agent \
		-object rng-random,id=rng0,filename=/dev/urandom \
		-device virtio-rng-$$dev,rng=rng0 || { echo "vm-smoke: QEMU failed or timed out"; exit 1; }; \
	ms=$$(( ($$(date +%s%N) - t0) / 1000000 )); \
	grep -a 'tscanary:' $$s/console.log; \
	if grep -aq 'tscanary: smoke: ok' $$s/console.log && \
		! grep -aqE 'tscanary: init: (warning|error)' $$s/console.log && \
		grep -aq 'tscanary: init: poweroff' $$s/console.log; then \
		echo "vm-smoke: $(ARCH) ok, QEMU ran $$ms ms"; \
	else echo "vm-smoke: $(ARCH) FAILED (console: $$s/console.log)"; exit 1; fi

$(VM_SMOKE)/agent: vm/vm.mk
	@mkdir -p $(@D)
	@printf '%s\n' '#!/.tscanary/bin/busybox sh' 'b=/.tscanary/bin/busybox' \
		'$$b test -c "$$1" && $$b test -c /dev/net/tun && $$b test -e /sys/class/net/eth0 &&' \
		'$$b grep -q " /var/lib/tailscale ext4 " /proc/mounts && echo "tscanary: smoke: ok $$1"' \
		'exit 0' >$@
	@chmod 0755 $@

$(VM_SMOKE)/initrd: $(VM_KERNEL_REF) $(VM_SMOKE)/agent vm/guest/init vm/initramfs.sh \
		$(wildcard vm/kernels/$(KERNEL))
	@mkdir -p $(VM_SMOKE)/rootfs/etc
	vm/initramfs.sh --rootfs $(VM_SMOKE)/rootfs --out $(VM_SMOKE)/rootfs.cpio.gz
	vm/initramfs.sh --arch $(ARCH) --kernel-dir "$$(cat $(VM_KERNEL_REF))" \
		--agent $(VM_SMOKE)/agent --out $(VM_SMOKE)/overlay.cpio.gz
	cat $(VM_SMOKE)/rootfs.cpio.gz $(VM_SMOKE)/overlay.cpio.gz >$@
