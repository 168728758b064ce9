# SPDX-License-Identifier: BSD-3-Clause
# Guest-side canary programs: static binaries run inside the router VM,
# built per arch into $(BUILD)/<arch>/canaries/, which holds nothing else
# (pass it as VM_EXTRA: they land in /.tscanary/).  Objects, the resolved
# library flags and lib-versions (the exact -dev package versions linked)
# go to $(BUILD)/<arch>/canaries-obj/.  Cross arches link the static ldns
# and libcrypto of the target's Debian -dev packages, unpacked into a
# private sysroot in the cache by canaries/sysroot.sh; the build machine's
# own arch links the installed ones (libldns-dev, libssl-dev).
#
#   make guest-canaries ARCH=armv7    build/armv7/canaries/{dnsprobe,httpget}
#   make guest-canaries-all           the same for every arch in vm/arches
#   make guest-canaries-check         build ARCH=$(ARCH) (and the host's
#                                     own arch) and test them in a
#                                     throwaway netns (root)
#
# Needs: gcc-arm-linux-gnueabihf, gcc-aarch64-linux-gnu (their
# libc6-dev-*-cross bring the static libc), libldns-dev, libssl-dev, and
# dpkg foreign architectures armhf and arm64 with apt lists (for
# `apt-get download`).  The check also uses ldnsutils (ldns-testns),
# busybox-static (httpd) and, if installed, qemu-user-static.
#
# Static glibc makes the linker warn that getaddrinfo, dlopen and the
# getserv*/getproto* calls need glibc's shared NSS at run time: libcrypto
# and ldns's WKS text parser reference them, the probes never call them.

CANARY_DIR := $(BUILD)/$(ARCH)/canaries
CANARY_OBJ := $(BUILD)/$(ARCH)/canaries-obj
CANARY_PROGS := dnsprobe httpget
CANARY_BINS := $(CANARY_PROGS:%=$(CANARY_DIR)/%)
CANARY_COMMON := probe netio
CANARY_LIBPKGS := libldns-dev libssl-dev

CANARY_DEBARCH = $(ARCH_$(ARCH)_DEBARCH)
CANARY_TRIPLE = $(ARCH_$(ARCH)_TRIPLE)
CANARY_CC = $(CANARY_TRIPLE)-gcc
CANARY_CFLAGS := -std=gnu11 -D_GNU_SOURCE $(WARN) -Os -ffunction-sections \
	-fdata-sections -MMD -MP
CANARY_LDFLAGS := -static -s -Wl,--gc-sections
# dnsprobe needs ldns (and the libcrypto it was built with); httpget nothing.
CANARY_LIBS_dnsprobe := -lldns -lcrypto
CANARY_LIBS_httpget :=

.PHONY: guest-canaries guest-canaries-all guest-canaries-check canaries-resolve
guest-canaries: $(CANARY_BINS)

guest-canaries-all:
	@$(MAKE) $(IN_TURN) $(ARCHES:%=guest-canaries-arch-%)
# guest-canaries-arch-ARCH: make guest-canaries for that arch (static: these
# targets alone).
.PHONY: $(ARCHES:%=guest-canaries-arch-%)
$(ARCHES:%=guest-canaries-arch-%): guest-canaries-arch-%:
	@$(MAKE) --no-print-directory ARCH=$* guest-canaries

# The host's own build (HOST_ARCH, the top Makefile) runs on the host.
guest-canaries-check: guest-canaries
	$(if $(filter $(HOST_ARCH),$(ARCH)),,$(MAKE) --no-print-directory ARCH=$(HOST_ARCH) guest-canaries)
	canaries/guest/tests/probes.sh $(HOST_PROBES) \
		$(if $(filter $(HOST_ARCH),$(ARCH)),,$(ARCH)=$(CANARY_DIR))

# The include and library flags for this arch, and the exact library package
# versions in lib-versions.  Resolved on every build (cheap unless a fetch is
# due) and replaced only when they change, so objects rebuild only then.
$(CANARY_OBJ)/libflags: canaries-resolve
	$(if $(CANARY_TRIPLE),,$(error ARCH '$(ARCH)' is not in vm/arches))
	@mkdir -p $(@D)
	@# per-process temp names: two runs in one checkout may resolve at once
	@set -e; v=$@.versions.$$$$; t=$@.tmp.$$$$; \
	if [ "$(CANARY_DEBARCH)" = "$$(dpkg --print-architecture)" ]; then \
		dpkg-query -W -f='$${Package}:$${Architecture}=$${Version}\n' \
			$(CANARY_LIBPKGS) >$$v; \
		: >$$t; \
	else \
		root=$$(canaries/sysroot.sh $(CANARY_DEBARCH)); \
		cp "$$root/packages" $$v; \
		echo "-isystem $$root/usr/include" \
			"-isystem $$root/usr/include/$(CANARY_TRIPLE)" \
			"-L$$root/usr/lib/$(CANARY_TRIPLE)" >$$t; \
	fi; \
	if cmp -s $$v $(@D)/lib-versions; then rm -f $$v; \
	else mv -f $$v $(@D)/lib-versions; fi; \
	if cmp -s $$t $@; then rm -f $$t; else mv -f $$t $@; fi

# Each probe is one compile-and-link of its sources, cached by content: the
# sources and headers, the library versions and flags, the compiler and
# this fragment. A fresh clone with the same inputs copies it from the cache.
CANARY_HDRS := $(wildcard canaries/guest/*.h)
CANARY_BUILD_CFLAGS := $(filter-out -MMD -MP,$(CANARY_CFLAGS))

$(CANARY_BINS): $(CANARY_DIR)/%: canaries/guest/%.c $(CANARY_COMMON:%=canaries/guest/%.c) \
		$(CANARY_HDRS) $(CANARY_OBJ)/libflags canaries/canaries.mk
	@mkdir -p $(@D)
	@set -e; key=$$( { cat $(filter %.c %.h,$^) $(CANARY_OBJ)/libflags \
		$(CANARY_OBJ)/lib-versions canaries/canaries.mk; $(CANARY_CC) --version | head -n 1; } | \
		sha256sum | cut -c1-16); \
	c='$(TSCANARY_CACHE)/guest/$(ARCH)/$*-'$$key; \
	if [ -x "$$c" ]; then echo "$* $(ARCH): cached ($$key)"; else \
		mkdir -p "$${c%/*}"; \
		$(CANARY_CC) $(CANARY_BUILD_CFLAGS) $(CANARY_LDFLAGS) $$(cat $(CANARY_OBJ)/libflags) \
			-o "$$c.tmp.$$$$" $(filter %.c,$^) $(CANARY_LIBS_$*); \
		mv -f "$$c.tmp.$$$$" "$$c"; echo "$* $(ARCH): built ($$key)"; fi; \
	cp -f "$$c" $@.tmp && mv -f $@.tmp $@

canaries-resolve:
