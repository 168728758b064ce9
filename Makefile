# SPDX-License-Identifier: BSD-3-Clause
# tscanary: builds the RouterOS Tailscale image, boots it under QEMU in a
# sealed lab and runs the canaries.  `make help` lists the targets.

ARCH ?= armv7
VARIANT ?=
# The cache root: TSCANARY_CACHE means that directory itself, here as in
# every script and the harness (--cache). From the command line or the
# environment (CACHE=DIR, or TSCANARY_CACHE=DIR), else
# $XDG_CACHE_HOME/tscanary, else ~/.cache/tscanary, as lib/cache-root.sh
# alone defines it (lib/cache-root.mk asks it); exported to recipes.
include lib/cache-root.mk
export TSCANARY_CACHE := $(CACHE)

# apt on Debian's container images keeps no package cache (apt.conf.d sets
# Dir::Cache::pkgcache ""), so every apt-cache call parses every list again:
# 1.5 s here with three architectures, and a run asks apt four times before
# it boots anything. tscanary's own apt config (APT_CONFIG) names a main
# config file that apt reads after apt.conf.d: it keeps the package cache in
# TSCANARY_CACHE, where apt itself checks it against the lists (0.02 s a
# call), and includes the machine's /etc/apt/apt.conf when there is one.
# When that directory cannot be written, apt is left as it is.
export APT_CONFIG := $(shell d='$(TSCANARY_CACHE)/apt'; mkdir -p "$$d" 2>/dev/null && \
	printf 'Dir::Etc::main "%s/main.conf";\n' "$$d" >"$$d/.apt.$$$$" 2>/dev/null && \
	{ [ ! -f /etc/apt/apt.conf ] || echo '\#include "/etc/apt/apt.conf";'; \
	  printf 'Dir::Cache::pkgcache "%s/pkgcache.bin";\nDir::Cache::srcpkgcache "%s/srcpkgcache.bin";\n' "$$d" "$$d"; \
	} >"$$d/.main.$$$$" 2>/dev/null && mv -f "$$d/.main.$$$$" "$$d/main.conf" && \
	mv -f "$$d/.apt.$$$$" "$$d/apt.conf" && echo "$$d/apt.conf")

# The arch facts: ARCHES and ARCH_<arch>_<KEY> (OCI, DEBARCH, TRIPLE, QEMU,
# NATIVE, ...). vm/arches is read by the harness alone; this is the view it
# generates for Make (tscanary arch --make). It is committed, not built:
# every make, `make deps` and `make doctor` on a machine without a compiler
# or tscanary's libraries too, reads it before anything is built, and the
# Dockerfile's build step needs the sh view (vm/arches.env) without the
# harness anyway. `make arches` writes both; arches-check (make check)
# fails when they say other than vm/arches.
include vm/arches.mk

BUILD := build
CC ?= cc
WARN := -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes -Wstrict-prototypes \
	-Wwrite-strings -Wvla -Wformat-security -fno-common
CFLAGS ?= -O2 -g
# The checkout's path stays out of what is built (debug info names sources
# relative to it), so the lab's servers hash the same in every checkout:
# they are inputs of a run's key.
PREFIX_MAP := -ffile-prefix-map=$(CURDIR)=.
ALL_CFLAGS = -std=gnu11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(PREFIX_MAP) -MMD -MP -Iharness -Icanaries/host
SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
HOST_LIBS := -lldns -lcurl -ljansson -lcrypto

# The host-side C code in its layers (harness/layers.mk: core, lab,
# canaries, runner), one archive each: build/host/lib<layer>.a, and
# build/asan/lib<layer>.a for the unit tests, linked highest layer first.
# Each layer but the runner also links whole on the ones below it alone
# (LAYER_LINKS), so a lower layer that takes a symbol from a higher one
# fails the build; tests/layers-check.sh checks the #includes. main.c is
# the program's own object.
include harness/layers.mk
LAYER_UNMAPPED := $(filter-out $(foreach l,$(LAYERS),$(LAYER_$(l))),$(wildcard harness/*.[ch] canaries/host/*.[ch]))
$(if $(LAYER_UNMAPPED),$(error in no layer of harness/layers.mk: $(LAYER_UNMAPPED)))
# $(call layer_srcs,L): layer L's archived sources
layer_srcs = $(filter-out harness/main.c,$(filter %.c,$(LAYER_$(1))))
# $(call layers_upto,L): the layers from the lowest up to L, highest first
layers_upto = $(call layers_rev,$(call layers_from,$(1),$(LAYERS)))
layers_from = $(firstword $(2)) $(if $(filter $(1),$(firstword $(2))),,$(call layers_from,$(1),$(wordlist 2,$(words $(2)),$(2))))
layers_rev = $(if $(1),$(call layers_rev,$(wordlist 2,$(words $(1)),$(1))) $(firstword $(1)))
# $(call layer_libs,DIR,L): the archives a program of layer L links, in order
layer_libs = $(foreach l,$(call layers_upto,$(2)),$(BUILD)/$(1)/lib$(l).a)
LAYER_LINKS := $(foreach l,$(filter-out runner,$(LAYERS)),$(BUILD)/host/layer-$(l).linked)
# A module's unit test lives beside it: harness/tests/ for the core, lab and
# runner layers, canaries/host/tests/ for the canaries' (tests/layers-check.sh).
TEST_SRCS := $(wildcard harness/tests/test_*.c canaries/host/tests/test_*.c)
TEST_BINS := $(patsubst %,$(BUILD)/tests/%,$(basename $(notdir $(TEST_SRCS))))
# test_<m> links the layer of harness/<m>.c or canaries/host/<m>.c and those
# below it; a test named after no source, all of them.
test_layer = $(or $(firstword $(foreach l,$(LAYERS),$(if $(filter %/$(1).c,$(LAYER_$(l))),$(l)))),runner)

.PHONY: all help harness unit check test clean distclean deps
.SECONDARY:
all: harness

help:
	@echo 'make test ARCH=armv7      build the image, boot it, run every canary (the gate)'
	@echo 'make check                unit tests, static checks, the armv7 gate, every known-bad variant (CI runs this)'
	@echo 'make unit                 cmocka unit tests under ASan/UBSan'
	@echo 'make test-unprivileged ARCH=armv7  the gate as the user tscanary (made as root), in a user namespace'
	@echo 'make doctor               every prerequisite, its state on this machine and the fix'
	@echo 'make arches               after editing vm/arches: regenerate its views vm/arches.mk and vm/arches.env'
	@echo 'make features             after editing image/allowlist or waived-deps: regenerate image/features.env'
	@echo 'make image ARCH=armv7     build only the image (out/<arch>/image/)'
	@echo 'make image ARCH=all       every arch, then the release index out/release/index.oci.tar'
	@echo 'make test ARCH=armv7 REUSE=1  a passing stored run with the same key stands (cached verdict)'
	@echo 'make test ARCH=armv7 KERNEL=bullseye|all  the gate on another guest kernel profile (vm/kernels/), out/<arch>-kernel-<name>/'
	@echo 'make mutants ARCH=armv7   every known-bad variant, focused, MUTANT_JOBS=3 at a time (FULL=1: whole suite, one at a time)'
	@echo 'make repro-check ARCH=armv7  build twice from empty caches (once unprivileged), compare bytes'
	@echo 'make fresh-check ARCH=armv7  make test on a fresh Debian 12 root (mmdebstrap, chroot), timed'
	@echo 'make dockerfile-build ARCH=armv7|all  build the Dockerfile with buildah (out/dockerfile/<ARCH>/)'
	@echo 'make dockerfile-bytes-check ARCH=armv7|all  the Dockerfile ships the gate'\''s bytes'
	@echo 'make release REGISTRY=host[:port]/name TAG=t  push the index only if the gate passed every platform'
	@echo 'make release-check        make release against a real registry in a lab namespace'
	@echo 'make compare NEW=v1.104.7 [BASE=...] [ARCH=all] [PEERS=base|new]  the suite on two Tailscale versions, out/<arch>/compare.md'
	@echo 'make test ARCH=armv7 PEERS=v1.100.0  the host peers on another Tailscale release (router-new/peers-old)'
	@echo 'make history FROM=v1.94.0 [PEERS=base|new]  figures and verdicts per release, a table and a plot, out/<arch>/history/'
	@echo 'make bisect GOOD=v1.98.5 BAD=v1.102.5 CANARY=name|FIGURE=key  the first release that changed it, out/<arch>/bisect/'
	@echo 'make coverage ARCH=armv7  the suite without each allowlisted feature, out/<arch>/coverage.md'
	@echo 'make test IMAGE=x.tar ARCH=armv7 [ALLOWLIST=f] [WAIVERS=f] [BUDGETS=f]  an image tscanary did not build'
	@echo 'variables: ARCH=$(ARCH) VARIANT=$(VARIANT) KERNEL=$(KERNEL) CACHE=$(TSCANARY_CACHE)'

harness: $(BUILD)/tscanary

$(BUILD)/tscanary: $(BUILD)/host/harness/main.o $(call layer_libs,host,runner) | $(LAYER_LINKS)
	$(CC) $(CFLAGS) -o $@ $^ $(HOST_LIBS)

# Archives, one per layer: a binary pulls in only the objects it needs.
define layer_archive
$(BUILD)/$(1)/lib$(2).a: $(patsubst %.c,$(BUILD)/$(1)/%.o,$(call layer_srcs,$(2)))
	rm -f $$@ && ar rcs $$@ $$^
endef
$(foreach d,host asan,$(foreach l,$(LAYERS),$(eval $(call layer_archive,$(d),$(l)))))

# Every layer but the runner linked whole on the ones below it alone (the
# program's link takes only the objects main.c reaches, with all of the
# runner's): a symbol of a higher layer, from any of its objects, is then
# undefined. The program's build makes these links first.
define layer_link
$(BUILD)/host/layer-$(1).linked: $(call layer_libs,host,$(1))
	$$(CC) -Wl,--defsym=main=0 -o $$@ -Wl,--whole-archive $$< -Wl,--no-whole-archive \
		$$(wordlist 2,$$(words $$^),$$^) $$(HOST_LIBS)
endef
$(foreach l,$(filter-out runner,$(LAYERS)),$(eval $(call layer_link,$(l))))

$(BUILD)/host/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/asan/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(SAN) -O1 -c -o $@ $<

define test_link
$(BUILD)/tests/$(1): $(BUILD)/asan/$(basename $(filter %/$(1).c,$(TEST_SRCS))).o $(call layer_libs,asan,$(call test_layer,$(1:test_%=%)))
	@mkdir -p $$(@D)
	$$(CC) $$(SAN) -o $$@ $$^ -lcmocka $$(HOST_LIBS)
endef
$(foreach t,$(TEST_BINS:$(BUILD)/tests/%=%),$(eval $(call test_link,$(t))))

unit: $(TEST_BINS)
	@set -e; for t in $(TEST_BINS); do echo "== $$t"; \
		ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		CMOCKA_MESSAGE_OUTPUT=stdout $$t; done

# $(MAKE) $(IN_TURN) TARGETS: a make of their own makes TARGETS one at a
# time in their order and stops at the first that fails (-j1 -S: whatever
# -j or -k the caller gave). The lists: kernel-PROFILE (vm/vm.mk),
# image-arch-ARCH (image/image.mk), guest-canaries-arch-ARCH (canaries.mk).
# ($(MAKE) stays in the recipe line: make -n runs only lines that name it.)
IN_TURN = --no-print-directory -j1 -S

# The fragments, each a part of the build; a missing one is an error.
include image/image.mk vm/vm.mk vm/guest/guest.mk lab/lab.mk lab/headscale.mk lab/nodes.mk canaries/canaries.mk .ci/ci.mk

clean:
	rm -rf $(BUILD) out

distclean: clean
	rm -rf $(TSCANARY_CACHE)

# Generated dependency files (-MMD -MP): absent before the first build.
-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# --- The gate -------------------------------------------------------------
IMAGE ?=
CANARY ?=
KEEP ?=
# An image judged on its own terms (IMAGE=, one tscanary did not build):
# feature-deps judges its build tags against ALLOWLIST's dependency closure
# when given (else the build manifest's allowlist, or with none every
# feature's Deps), with WAIVERS' dependencies excused; footprint judges
# against BUDGETS instead of fixtures/budgets/<arch>.
ALLOWLIST ?=
WAIVERS ?=
BUDGETS ?=
JUDGE_ARGS = $(if $(ALLOWLIST),--allowlist $(ALLOWLIST)) $(if $(WAIVERS),--waivers $(WAIVERS)) \
	$(if $(BUDGETS),--budgets $(BUDGETS))
GATE_OUT = out/$(ARCH)$(if $(VARIANT),-$(VARIANT))$(KERNEL_OUT_SUFFIX)
GATE_IMAGE = $(or $(IMAGE),$(IMAGE_OUT)/image.oci.tar)
# Guest canaries ride in the overlay under /.tscanary/canaries.
GUEST_EXTRA = $(BUILD)/$(ARCH)/guest-extra
VM_EXTRA = $(GUEST_EXTRA)

$(GUEST_EXTRA)/.stamp: $(CANARY_BINS)
	@mkdir -p $(GUEST_EXTRA)/canaries
	cp -f $(CANARY_BINS) $(GUEST_EXTRA)/canaries/
	@touch $@

$(VM_OVERLAY): $(GUEST_EXTRA)/.stamp

.PHONY: test negative-control
# Host-side probes (client canaries) are the builds of the guest ones for
# this machine's own arch: the one whose native column is its `uname -m`.
HOST_MACHINE := $(shell uname -m)
HOST_ARCH := $(firstword $(foreach a,$(ARCHES),$(if $(filter $(ARCH_$(a)_NATIVE),$(HOST_MACHINE)),$(a))))
HOST_PROBES = $(BUILD)/$(HOST_ARCH)/canaries
host-probes:
	$(if $(HOST_ARCH),,$(error no arch in vm/arches runs natively on this $(HOST_MACHINE) machine))
	$(MAKE) --no-print-directory ARCH=$(HOST_ARCH) guest-canaries

# Tools every arch's run shares live in one build dir: runs for several
# arches at once (same checkout, same cache) build them under one lock.
HOST_TOOLS = $(BUILD)/tscanary $(DNSD) $(HTTPD) $(NATPMPD) $(HEADSCALE_BIN) $(TS_HOST_TAILSCALED) $(TS_PEERS_TAILSCALED) $(FEATURE_TABLE)
host-tools:
	@mkdir -p $(BUILD)
	@flock $(BUILD)/.host-tools.lock $(MAKE) --no-print-directory host-tools-locked
host-tools-locked: $(HOST_TOOLS) host-probes

.PHONY: host-probes host-tools host-tools-locked
# $(call pair_word,A.B,N): the Nth word of a target's stem A.B
pair_word = $(word $(2),$(subst ., ,$(1)))
ifneq ($(filter all,$(ARCH) $(KERNEL)),)
# Several runs: every arch (ARCH=all; the good image, VARIANT is dropped)
# and/or every guest kernel profile (KERNEL=all). Each run is a target,
# run-ARCH.KERNEL (make test for that pair); the list runs under make -k,
# JOBS at a time, and tscanary summary judges them all: one line per run,
# exit 0 only if every one passed (a run that left no summary did not).
# JOBS=1 (default): one after the other, output as it comes (what CI runs:
# timings stay as measured alone). JOBS=3: three at once, each run's output
# in out/ARCH.KERNEL.make.log; faster in wall time on this 2-core machine
# (armv7+arm64: 53 s together, 79 s one after the other) but every run's
# own timings grow.
RUN_VARIANT = $(if $(filter all,$(ARCH)),,$(VARIANT))
RUN_PAIRS = $(strip $(foreach k,$(if $(filter all,$(KERNEL)),$(KERNEL_PROFILES),$(KERNEL)),\
	$(foreach a,$(if $(filter all,$(ARCH)),$(ARCHES),$(ARCH)),$(a).$(k))))
# $(call pair_summary,ARCH.KERNEL): where that run writes its summary
pair_summary = out/$(call pair_word,$(1),1)$(if $(RUN_VARIANT),-$(RUN_VARIANT))$(if \
	$(filter-out $(KERNEL_DEFAULT),$(call pair_word,$(1),2)),-kernel-$(call pair_word,$(1),2))/summary.json
RUN_SUMMARIES = $(foreach p,$(RUN_PAIRS),$(call pair_summary,$(p)))
test: prereqs host-tools
	@rm -f $(RUN_SUMMARIES); mkdir -p out
	$(if $(filter-out 1,$(JOBS)),@echo "running $(RUN_PAIRS) ($(JOBS) at a time); output in out/ARCH.KERNEL.make.log")
	-@$(MAKE) --no-print-directory -k -j$(JOBS) $(RUN_PAIRS:%=run-%)
	@echo "== every run: $(RUN_PAIRS)"
	@$(BUILD)/tscanary summary $(RUN_SUMMARIES)
run-%:
	@$(MAKE) --no-print-directory test ARCH=$(call pair_word,$*,1) KERNEL=$(call pair_word,$*,2) \
		VARIANT=$(RUN_VARIANT) $(if $(filter-out 1,$(JOBS)),>out/$*.make.log 2>&1 </dev/null)
else
# The kit: every input of a run of ARCH but the image, each with its
# identity (tscanary kit), one file per kernel profile, peers' release and
# judge overrides. Its bytes change only when an input did. make kit writes
# it and prints its path last (for scripts that call the harness directly,
# e.g. tests/bad-inputs.sh: tscanary run --kit KIT --image I --out O).
KIT_JUDGE = $(strip $(JUDGE_ARGS) $(RUN_FEATURE_TABLE))
KIT = $(BUILD)/$(ARCH)/kit-$(KERNEL)$(if $(PEERS),-peers-$(PEERS))$(if $(KIT_JUDGE),-$(shell \
	printf '%s' '$(KIT_JUDGE)' | sha256sum | cut -c1-12)).json
KIT_ARGS = --arch $(ARCH) --kernel-dir "$$(cat $(VM_KERNEL_REF))" --kernel-profile $(KERNEL) \
	--overlay $(VM_OVERLAY) \
	--headscale $(HEADSCALE_BIN) --dnsd $(DNSD) --httpd $(HTTPD) --natpmpd $(NATPMPD) \
	--ts-host-dir $(TS_PEERS_DIR) --host-probes $(HOST_PROBES) \
	--cache $(TSCANARY_CACHE) --feature-table $(or $(RUN_FEATURE_TABLE),$(FEATURE_TABLE)) \
	$(JUDGE_ARGS)
# Every run that ends in a verdict files it in the verdict store (see
# VERDICTS): the manifest digest it ran, the harness tree that judged it,
# the run's key, the result, and its reports. The old summary goes first,
# so a run that ends before writing its own files nothing. REUSE=1 (what CI
# asks for; never the default): a passing record with this run's key
# stands for the run, which then says "cached verdict" and boots nothing;
# REUSE=any: a failed one too (what make coverage asks for).
REUSE ?=
# BESIDE=N: at most N canaries side by side in the run (tscanary run
# --beside; 1: one at a time, to look at a run without the overlap).
# Unset: 3.
BESIDE ?=
# PEERS=vX.Y.Z: the host peers (client, exit node, phone, and the nodes
# canaries add) run that Tailscale release instead of the pin (lab/nodes.mk).
test: prereqs host-tools $(if $(IMAGE),,image) kernel $(VM_OVERLAY)
	@test -z '$(PEERS)' || test '$(PEERS)' = '$(PEERS_VERSION)' || \
		{ echo 'make test: PEERS wants a release version like v1.100.0, not "$(PEERS)"' >&2; exit 2; }
	@rm -f $(GATE_OUT)/summary.json
	@$(MAKE) --no-print-directory kit-write >/dev/null
	@rc=0; tree=$$(harness/tree-hash.sh); \
	$(BUILD)/tscanary run --kit $(KIT) --image $(GATE_IMAGE) --out $(GATE_OUT) --tree "$$tree" \
		$(if $(filter 1 any,$(REUSE)),--reuse $(VERDICTS)) $(if $(filter any,$(REUSE)),--reuse-failures) \
		$(if $(VARIANT),--variant $(VARIANT)) $(foreach c,$(CANARY),--canary $(c)) \
		$(if $(KEEP),--keep) $(if $(BESIDE),--beside $(BESIDE)) || rc=$$?; \
	if [ "$$rc" -le 1 ] && ! $(BUILD)/tscanary verdict record --store $(VERDICTS) \
		--tree "$$tree" $(GATE_OUT)/summary.json; then \
		[ "$$rc" = 1 ] || rc=3; fi; \
	exit $$rc
endif
# The verdict store: one record per gate run, under the cache CI keeps.
VERDICTS ?= $(TSCANARY_CACHE)/verdicts/records
.PHONY: kit
kit: host-tools kernel $(VM_OVERLAY)
	@$(MAKE) --no-print-directory kit-write
# The kit, written by a make that reads this file again: on a fresh machine
# prereqs installs Go only after Make has read its rules, and what it asked
# Go then (the pinned Tailscale version, so the peers' directory) was empty.
.PHONY: kit-write
kit-write:
	@$(BUILD)/tscanary kit $(KIT_ARGS) --out $(KIT)

JOBS ?= 1

# The gate as an ordinary user (what make check runs for armv7): as root,
# the system user tscanary gets read-write access to /dev/net/tun and a
# copy of this tree with a cache of its own (kept: a second run is warm),
# then runs make test ARCH there; its harness enters a user namespace, QEMU
# runs under TCG. Reports in out/ARCH-unpriv/, its verdict in VERDICTS;
# fails when the gate fails.
.PHONY: test-unprivileged
test-unprivileged: prereqs $(BUILD)/tscanary
	VERDICTS=$(VERDICTS) tests/unpriv-test.sh $(ARCH)

# A known-bad variant must be caught: it runs (and fails), then the judge
# checks it failed for the declared reason with its preconditions held.
NEGATIVE ?= no-netstack
negative-control:
	-$(MAKE) --no-print-directory test ARCH=$(ARCH) VARIANT=$(NEGATIVE)
	$(BUILD)/tscanary judge --variant $(NEGATIVE) out/$(ARCH)-$(NEGATIVE)/summary.json

# Every known-bad variant, built and run, then judged into out/ARCH/mutants.json.
# Each run is focused: the preconditions, the sentinel, and the canaries the
# variant claims or names as collateral (tscanary focus), which is what it
# is judged on. FULL=1 runs the whole suite for each and also requires every
# other canary to pass (specificity; the nightly pipeline).
# MUTANT_JOBS variants run at once, the ones with the most canaries first
# (tscanary focus --order);
# each run's output goes to out/ARCH-VARIANT.make.log and one line says how
# it ended. Three at once on this 2-core machine: most of a focused run
# waits out a no-answer timeout, so three overlap well (measured: 359-381 s
# for the 16 against 487 s two at a time, every variant caught); a variant
# is judged on its failure signature and preconditions, never on its
# timings, and the timeout scale follows the slower boots beside the others.
# FULL=1 runs one at a time: there every other canary must pass, timings
# and all. Each run schedules its canaries as the gate does (BESIDE=1 in
# each run was measured: make check's 16 variants took 413 s, against
# 389-416 s side by side, so it stays the gate's way).
VARIANTS = $(notdir $(wildcard fixtures/variants/*))
FULL ?=
MUTANT_JOBS ?= $(if $(FULL),1,3)
.PHONY: mutants
# A variant's old summary.json goes before its build: one whose image does
# not build is then judged "did not run", never on an earlier run.
mutants: prereqs host-tools kernel $(VM_OVERLAY)
	@rm -f $(VARIANTS:%=out/$(ARCH)-%/summary.json); mkdir -p out; \
	order=$$($(BUILD)/tscanary focus --order $(VARIANTS)) || exit 2; \
	echo "mutants: $(words $(VARIANTS)) variants on $(ARCH), $(MUTANT_JOBS) at a time; output in out/$(ARCH)-<variant>.make.log"; \
	$(MAKE) --no-print-directory -k -j$(MUTANT_JOBS) $$(printf 'mutant-%s\n' $$order) || true
	$(BUILD)/tscanary mutants --arch $(ARCH) $(if $(FULL),--full)

# One variant's run (never fails: the judge decides what its end means);
# its old summary goes first, so a run that ends early is never read as it.
mutant-%:
	@rm -f out/$(ARCH)-$*/summary.json; \
	t0=$$(date +%s); c=; [ -n "$(FULL)" ] || c=$$($(BUILD)/tscanary focus $*) || exit 2; \
	rc=0; $(MAKE) --no-print-directory test ARCH=$(ARCH) VARIANT=$* CANARY="$$c" \
		>out/$(ARCH)-$*.make.log 2>&1 </dev/null || rc=$$?; \
	s=out/$(ARCH)-$*/summary.json; r=$$(jq -r .result $$s 2>/dev/null) || r="no summary (make exit $$rc)"; \
	echo "mutants: $* ran in $$(( $$(date +%s) - t0 )) s: $$r (log out/$(ARCH)-$*.make.log)"; \
	[ -f $$s ] || tail -n 20 out/$(ARCH)-$*.make.log

# The runtime coverage map (not part of check: about 42 minutes on armv7,
# 2499 s measured): for each allowlisted feature, coverage-FEATURE builds
# the image without it alone (a variant tscanary coverage --variant
# writes) and runs the suite on it into out/ARCH/coverage/FEATURE/, one
# after the other; tscanary coverage judges them into
# out/ARCH/coverage.{json,md}. A feature whose image does not build
# without it alone (an allowlisted feature needs its code) is built again
# without those features too (omitted_with). A suite whose run key has a
# verdict in the store, passed or failed, stands on it (REUSE=any;
# REUSE=no runs every one). FEATURES="a b" measures only those again,
# keeping the other features' last results.
COVERAGE_OUT = out/$(ARCH)/coverage
COVERAGE_VARIANT = $(BUILD)/tscanary coverage --allowlist image/allowlist --vdir $(BUILD)/coverage
.PHONY: coverage
coverage: host-tools kernel $(VM_OVERLAY)
	@$(if $(FEATURES),,rm -rf $(COVERAGE_OUT);) rm -f out/$(ARCH)/coverage.json out/$(ARCH)/coverage.md; \
	mkdir -p $(COVERAGE_OUT); t0=$$(date +%s); \
	echo "== coverage $(ARCH): the recipe's own image, what each feature's cost is measured against"; \
	$(MAKE) --no-print-directory image ARCH=$(ARCH) VARIANT= >$(COVERAGE_OUT)/baseline-build.log 2>&1 || \
		{ echo "== coverage $(ARCH): the recipe's own image did not build ($(COVERAGE_OUT)/baseline-build.log)"; exit 1; }; \
	features='$(FEATURES)'; [ -n "$$features" ] || features=$$($(BUILD)/tscanary coverage --list image/allowlist) || exit 2; \
	mk=0; $(MAKE) --no-print-directory -j1 -k $$(printf 'coverage-%s\n' $$features) || mk=$$?; \
	rc=0; $(BUILD)/tscanary coverage --arch $(ARCH) --allowlist image/allowlist --dir $(COVERAGE_OUT) \
		--out out/$(ARCH)/coverage.json --markdown out/$(ARCH)/coverage.md \
		--baseline out/$(ARCH)/image/manifest.json || rc=$$?; \
	cat out/$(ARCH)/coverage.md; echo "== coverage $(ARCH): done in $$(($$(date +%s) - t0)) s"; \
	[ $$mk = 0 ] || { echo "== coverage $(ARCH): a feature could not be asked for (above)" >&2; exit 2; }; \
	exit $$rc

# One feature's part of the map. Its status files (build.status,
# run.status) say how it ended; the target fails only when the feature
# cannot be asked for (not allowlisted) or on an interrupt.
coverage-%: $(BUILD)/tscanary $(FEATURE_TABLE)
	@d=$(COVERAGE_OUT)/$*; v=$(BUILD)/coverage/drop-$*; rm -rf $$d && mkdir -p $$d && \
	$(COVERAGE_VARIANT) --variant $* >/dev/null || exit 2; \
	echo "== coverage $(ARCH): image without $*"; \
	build() { rc=0; image/build.sh --arch $(ARCH) --variant-env $$v.env --out $$d/image >$$d/build.log 2>&1 || rc=$$?; }; \
	build; \
	if [ $$rc = 1 ] && with=$$($(COVERAGE_VARIANT) --variant $* --with-dependents $(FEATURE_TABLE)); then \
		echo "== coverage $(ARCH): $* cannot go alone (the build failed); again without what needs it: $$with"; \
		mv $$d/build.log $$d/build-alone.log; echo "$$with" >$$d/omitted_with; build; \
	fi; \
	echo $$rc >$$d/build.status; [ $$rc != 130 ] || exit 130; \
	[ $$rc = 0 ] || { echo "== coverage $(ARCH): $*: image/build.sh exit $$rc ($$(tail -n 1 $$d/build.log))"; exit 0; }; \
	echo "== coverage $(ARCH): suite without $*"; \
	rc=0; $(MAKE) --no-print-directory test ARCH=$(ARCH) VARIANT=drop-$* IMAGE=$$d/image/image.oci.tar \
		GATE_OUT=$$d REUSE=$(if $(filter no,$(REUSE)),,any) >$$d/run.log 2>&1 </dev/null || rc=$$?; \
	echo $$rc >$$d/run.status; [ $$rc != 130 ] || exit 130; \
	echo "== coverage $(ARCH): $*: $$($(BUILD)/tscanary summary $$d/summary.json 2>&1 | tail -n 1)"

# Repeated runs per arch into out/bench.json and a table (not part of check).
BENCH_RUNS ?= 5
BENCH_ARCHES ?= $(ARCHES)
.PHONY: bench
# Each run is a target, bench-ARCH.N (one after the other: -j1, so none
# stretches another's timings); tscanary bench judges the runs that left a summary.
BENCH_LIST = $(foreach a,$(BENCH_ARCHES),$(foreach i,$(shell seq $(BENCH_RUNS)),bench-$(a).$(i)))
bench: $(BUILD)/tscanary
	@rm -rf out/bench
	-@$(MAKE) --no-print-directory -k -j1 $(BENCH_LIST)
	$(BUILD)/tscanary bench --out out/bench.json out/bench/*/*/summary.json | tee out/bench.md
bench-%:
	-@$(MAKE) --no-print-directory test ARCH=$(call pair_word,$*,1) VARIANT=
	@mkdir -p out/bench/$(call pair_word,$*,1) && \
		cp -r out/$(call pair_word,$*,1)$(KERNEL_OUT_SUFFIX) out/bench/$(call pair_word,$*,1)/$(call pair_word,$*,2)

# The README's canary and variant tables are generated (from the registry
# and from fixtures/variants/), never written by hand.
README_TABLES = canaries:list variants:variants
.PHONY: readme readme-check
readme: $(BUILD)/tscanary
	@cp README.md $(BUILD)/README.md
	@for t in $(README_TABLES); do tag=$${t%%:*}; cmd=$${t#*:}; \
		$(BUILD)/tscanary $$cmd --markdown >$(BUILD)/$$tag.md || exit 1; \
		awk -v f=$(BUILD)/$$tag.md -v b="<!-- $$tag:begin" -v e="<!-- $$tag:end" \
			'index($$0, b) == 1 { print; while ((getline l < f) > 0) print l; skip = 1; next } \
			index($$0, e) == 1 { skip = 0 } !skip' $(BUILD)/README.md >$(BUILD)/README.md.new && \
		mv $(BUILD)/README.md.new $(BUILD)/README.md; done
	@mv $(BUILD)/README.md README.md
readme-check: $(BUILD)/tscanary
	@for t in $(README_TABLES); do tag=$${t%%:*}; cmd=$${t#*:}; \
		$(BUILD)/tscanary $$cmd --markdown >$(BUILD)/$$tag.md || exit 1; \
		awk -v b="<!-- $$tag:begin" -v e="<!-- $$tag:end" 'index($$0, b) == 1 { on = 1; next } \
			index($$0, e) == 1 { on = 0 } on' README.md | diff -u - $(BUILD)/$$tag.md || \
		{ echo "README $$tag table is stale: run make readme" >&2; exit 1; }; done

# The views of vm/arches (see the include of vm/arches.mk above).
ARCH_VIEWS = vm/arches.mk:--make vm/arches.env:--sh
.PHONY: arches arches-check
arches: $(BUILD)/tscanary
	@for v in $(ARCH_VIEWS); do $(BUILD)/tscanary arch $${v#*:} >$${v%%:*}.tmp && \
		mv -f $${v%%:*}.tmp $${v%%:*} || exit 1; done
arches-check: $(BUILD)/tscanary
	@for v in $(ARCH_VIEWS); do $(BUILD)/tscanary arch $${v#*:} | diff -u $${v%%:*} - || \
		{ echo "$${v%%:*} is stale: run make arches" >&2; exit 1; }; done

# The view of the feature lists image/build.sh sources, image/features.env
# (see image/image.mk): make features writes it, features-check (make
# check) fails when it says other than image/allowlist and image/waived-deps.
.PHONY: features features-check
features: $(BUILD)/tscanary
	$(write_features_view)
features-check: $(BUILD)/tscanary
	@$(BUILD)/tscanary features --sh | diff -u $(FEATURES_VIEW) - || \
		{ echo "$(FEATURES_VIEW) is stale: run make features" >&2; exit 1; }
# build.sh on the view: a stale or foreign one refused, the parser's refusals.
.PHONY: features-test
features-test: $(BUILD)/tscanary
	image/tests/features.sh

# The cache root's one definition (lib/cache-root.sh) and what the scripts
# and this Makefile get from it, for every TSCANARY_CACHE, XDG_CACHE_HOME
# and HOME set, empty or unset (shell; part of make unit).
.PHONY: cache-root-check
cache-root-check:
	tests/cache-root.sh
unit: cache-root-check

# The house style, enforced: every C file as clang-format (.clang-format)
# leaves it, every source file with its SPDX line (tests/style-check.sh).
# The bulk reformat that brought the tree there is in .git-blame-ignore-revs.
.PHONY: style-check
style-check:
	tests/style-check.sh

# The layers of the host-side C code (harness/layers.mk): each file in one,
# no #include of a higher layer's header, each layer linking on the lower
# ones alone (tests/layers-check.sh, and the links above).
.PHONY: layers-check
layers-check: $(LAYER_LINKS)
	tests/layers-check.sh

# Bad input: a clear message and its own exit code, never a hang (needs a
# good image of each arch: the gate's own, cached).
.PHONY: bad-input-check
bad-input-check: $(BUILD)/tscanary
	@$(MAKE) $(IN_TURN) $(ARCHES:%=image-arch-%) >/dev/null
	tests/bad-inputs.sh $(foreach a,$(ARCHES),out/$(a)/image/image.oci.tar)

# A canary that never returns, a guest kernel panic, a frozen VM, a headscale
# that never gets ready: each run ends in time with a verdict naming it (not
# part of check: about 4 minutes; its figures are in the README).
.PHONY: robustness-check
robustness-check: host-tools kernel $(VM_OVERLAY) image
	tests/robustness.sh $(ARCH)

# fixtures/cli-errors end to end, with tailscale v1.98.5 (whose `tailscale
# up` fails after joining): tolerated by the data file, then not (not part
# of check: it builds that version's image; about 2 minutes).
.PHONY: cli-error-check
cli-error-check: host-tools kernel $(VM_OVERLAY)
	tests/cli-errors.sh $(ARCH)

# SIGINT/SIGTERM at random moments of `make test`, N times (INTERRUPTS=20):
# nothing of any run may survive (not part of check: minutes).
INTERRUPTS ?= 20
.PHONY: interrupt-check
interrupt-check: host-tools kernel $(VM_OVERLAY) image
	tests/interrupts.sh $(INTERRUPTS) $(ARCH)

# image/build.sh's failures with their exit codes (--tailscale-version: a
# malformed or missing version, verification off, no checksum database, a
# stalled or refusing module proxy).
.PHONY: override-check
override-check: $(BUILD)/tscanary
	image/tests/override.sh

# Reproducibility: ARCH's image built twice from empty tscanary and Go build
# caches, the second as nobody with its own Go module cache, must be
# make test ARCH on a fresh Debian 12 (tests/fresh-machine.sh): a minbase
# root with git and make only, a clone of HEAD, `make test` chrooted in it,
# installing and building everything; timed, the root removed afterwards.
# Not part of check (about 10 minutes): .woodpecker/fresh.yaml, nightly.
.PHONY: fresh-check
fresh-check:
	tests/fresh-machine.sh $(ARCH)

# byte-identical, and so must the release index over it (tests/repro.sh;
# not part of check, see the README for its measured cost).
.PHONY: repro-check
repro-check: image
	tests/repro.sh $(ARCH)

# Publish the release index (make image ARCH=all) to REGISTRY as TAG, only if
# the verdict store holds a passing full-suite verdict from this harness tree
# for every platform in it; then pull it back and compare every digest.
# CERT_DIR: the registry's CA (*.crt), AUTHFILE: skopeo credentials.
.PHONY: release release-check
release: $(BUILD)/tscanary
	@[ -n "$(REGISTRY)" ] && [ -n "$(TAG)" ] || \
		{ echo "usage: make release REGISTRY=host[:port]/name TAG=tag [CERT_DIR=dir] [AUTHFILE=file]" >&2; exit 2; }
	$(MAKE) --no-print-directory image ARCH=all VARIANT=
	image/release.sh --index $(RELEASE_INDEX) --dest docker://$(REGISTRY):$(TAG) \
		--store $(VERDICTS) --tree "$$(harness/tree-hash.sh)" \
		$(if $(CERT_DIR),--cert-dir $(CERT_DIR)) $(if $(AUTHFILE),--authfile $(AUTHFILE))

# make release against a real registry in a lab namespace: the gated index
# published and pulled back, every ungated case refused (after the gate ran
# every arch of RELEASE_ARCHES). Its make release builds the index.
release-check: $(BUILD)/tscanary
	RELEASE_ARCHES='$(RELEASE_ARCHES)' tests/release-check.sh $(RELEASE_INDEX) $(VERDICTS) "$$(harness/tree-hash.sh)"

# The README's test command; grows with each landed slice.
# One gate, armv7's (what a maintainer, the bump PR and the release check
# run; the gate pipeline runs each arch in its own job, .woodpecker/gate.yaml),
# run as an ordinary user: the same verdict proves the gate needs no root.
# The static checks and then the bad inputs (one after the other, in a make
# of their own) beside the gate, CHECK_JOBS (2) at once: a lab run waits on
# its router for much of its time, and every static check ignores the lab's
# tsc-* namespaces and links of another run, as the runs do each other's.
# The bad inputs go beside the gate, not beside the variants: measured
# beside the variants, that phase took 522 s against 462 s for the
# variants alone, more than the bad inputs' 35 s.
CHECK_STATIC := unit readme-check arches-check features-check features-test style-check layers-check ci-config-check \
	lab-check guest-canaries-check override-check oci-compare-test bad-input-check
CHECK_JOBS ?= 2
.PHONY: check-static
check: prereqs $(BUILD)/tscanary
	$(MAKE) --no-print-directory -j$(CHECK_JOBS) ARCH=armv7 test-unprivileged check-static
	$(MAKE) --no-print-directory release-check RELEASE_ARCHES=armv7
	$(MAKE) --no-print-directory mutants ARCH=armv7
	$(MAKE) --no-print-directory report-check
# The static checks one after the other in a make of their own (-j1): as
# jobs of the same pool their many small ones would hold the gate back.
check-static:
	$(MAKE) --no-print-directory -j1 $(CHECK_STATIC)

# Every prerequisite, its state and the fix; reads only (about a second).
.PHONY: doctor
doctor:
	@harness/doctor.sh

deps:
	.ci/install-deps

# What make test and make check need first: nothing when it is all there
# (0.3 s); else, as root, what is missing is announced and installed; as a
# user, the command that would install it is printed and make stops (exit 3).
.PHONY: prereqs
prereqs:
	@.ci/install-deps --ensure

# --- Old vs new: two Tailscale versions through the same lab ---------------
# make compare ARCH=armv7 BASE=v1.102.5 NEW=v1.104.7 builds both router
# images (image/build.sh --tailscale-version; BASE defaults to the pinned
# version, which is then exactly the normal build), NEW's first (a missing
# version or unverifiable modules then stop everything at once), runs the
# suite on each image that built, BASE's first, into out/ARCH/compare/
# {base,new}/, and tscanary compare writes out/ARCH/compare.{json,md} and
# decides the exit status (see `build/tscanary --help`). Each side is a
# chain of targets: compare-image-SIDE (build.log, build.status: build.sh's
# exit), then compare-run-SIDE (run.status: make test's), which record how
# they ended and never fail themselves; the judge is tscanary compare.
# Headscale stays pinned for both, and so do the peers unless PEERS=base
# (both sides' peers on BASE: NEW's suite is router-new/peers-old, a
# rollout's tailnet) or PEERS=new (on NEW). NEW_ALLOWLIST=FILE tries NEW
# with another allowlist (e.g. one a newer version's feature table needs);
# BASE keeps the recipe's own.
BASE ?= $(TS_HOST_VERSION)
NEW ?=
NEW_ALLOWLIST ?=
.PHONY: compare compare-image-base compare-image-new compare-run-base compare-run-new
ifeq ($(ARCH),all)
# Every arch one after the other (a list under make -k), then one verdict
# line per arch; exit 0 only if every arch's compare did.
compare:
	@rm -f $(ARCHES:%=out/%/compare.json); rc=0; \
	$(MAKE) --no-print-directory -k $(ARCHES:%=compare-arch-%) || rc=$$?; \
	jq -r '"== \(.arch): \(.verdict) (exit \(.exit_code)): \(.why)"' $(wildcard $(ARCHES:%=out/%/compare.json)) /dev/null; \
	[ $$rc = 0 ] && [ "$$(ls $(ARCHES:%=out/%/compare.json) 2>/dev/null | wc -l)" = $(words $(ARCHES)) ]
compare-arch-%:
	@$(MAKE) --no-print-directory compare ARCH=$*
else
CMP = out/$(ARCH)/compare
# PEERS=base|new: the peers' release for both sides (empty: the pin)
CMP_PEERS = $(if $(filter base,$(PEERS)),$(BASE),$(if $(filter new,$(PEERS)),$(NEW)))
compare: host-tools kernel $(VM_OVERLAY)
	@test -n '$(NEW)' && test -n '$(BASE)' || \
		{ echo 'usage: make compare ARCH=armv7|all NEW=vX.Y.Z [BASE=vX.Y.Z, default the pinned $(TS_HOST_VERSION)] [NEW_ALLOWLIST=FILE] [PEERS=base|new]' >&2; exit 2; }
	@case '$(PEERS)' in ''|base|new) ;; *) echo "make compare: PEERS is base or new, not '$(PEERS)'" >&2; exit 2;; esac
	@rm -rf $(CMP) out/$(ARCH)/compare.json out/$(ARCH)/compare.md; mkdir -p $(CMP)/base $(CMP)/new
	@t0=$$(date +%s); rc=0; \
	$(MAKE) --no-print-directory compare-run-new || exit $$?; \
	$(BUILD)/tscanary compare --arch $(ARCH) --pinned $(TS_HOST_VERSION) --base $(BASE) \
		--base-dir $(CMP)/base --new $(NEW) --new-dir $(CMP)/new --out out/$(ARCH) || rc=$$?; \
	echo "== compare: $$(($$(date +%s) - t0)) s in all"; exit $$rc
# image/build.sh's status for a side: a verdict is 0 (built) or 1 (failed)
cmp_status = $$(cat $(CMP)/$(1)/build.status 2>/dev/null || echo -1)
# $(call cmp_build,SIDE,VERSION,ARGS): build a side's image, its status kept
cmp_build = echo "== compare: image for $(1) (tailscale $(2))"; \
	{ rc=0; image/build.sh --arch $(ARCH) --tailscale-version $(2) $(3) --out $(CMP)/$(1)/image 2>&1 || \
		rc=$$?; echo $$rc >$(CMP)/$(1)/build.status; } | tee $(CMP)/$(1)/build.log
compare-image-new:
	@$(if $(NEW_ALLOWLIST),$(BUILD)/tscanary features --sh --allowlist $(NEW_ALLOWLIST) \
		>$(CMP)/new/features.env || exit 2;)
	@$(call cmp_build,new,$(NEW),$(if $(NEW_ALLOWLIST),--features $(CMP)/new/features.env))
compare-image-base: compare-image-new
	@case $(call cmp_status,new) in 0|1) ;; *) \
		echo "== compare: no base image: new stopped with image/build.sh exit $(call cmp_status,new)"; \
		exit 0;; esac; \
	$(call cmp_build,base,$(BASE),)
# $(call cmp_run,SIDE,VERSION): the suite on a side's image, its status
# kept; only when both builds gave a verdict and this side's image built.
# feature-deps judges each side against its own version's feature table.
define cmp_run
	@case "$(call cmp_status,new) $(call cmp_status,base)" in [01]\ [01]) ;; *) exit 0;; esac; \
	[ $(call cmp_status,$(1)) = 0 ] || { echo "== compare: no run for $(1): its image did not build"; exit 0; }; \
	echo "== compare: suite on $(1) (tailscale $(2), peers $(or $(CMP_PEERS),$(TS_HOST_VERSION)))"; \
	t=$(CMP)/$(1)/image/feature-table.json; table=; [ ! -f $$t ] || table=RUN_FEATURE_TABLE=$$t; \
	rc=0; $(MAKE) --no-print-directory test ARCH=$(ARCH) VARIANT= $$table \
		$(if $(CMP_PEERS),PEERS=$(CMP_PEERS)) IMAGE=$(CMP)/$(1)/image/image.oci.tar \
		GATE_OUT=$(CMP)/$(1) || rc=$$?; \
	echo $$rc >$(CMP)/$(1)/run.status
endef
# Both images are in (or their builds stopped) before either suite runs;
# BASE's suite first.
compare-run-base: compare-image-base
	$(call cmp_run,base,$(BASE))
compare-run-new: compare-run-base
	$(call cmp_run,new,$(NEW))
endif

# --- Figures over versions: make history -----------------------------------
# make history ARCH=armv7 FROM=v1.94.0 (or VERSIONS="v1.98.10 v1.102.5"):
# tscanary history --select names each even minor's latest patch release
# from FROM up in the module proxy's list of tailscale.com; every version
# is built first, each a target history-build-VERSION (image/build.sh
# --tailscale-version V --fit-features: the features a version lacks leave
# the allowlist, recorded; those fixtures/history-fits adds for it join
# it, named), then the suite runs on each that built, each a target
# history-run-VERSION (REUSE=1), so no build competes with a run for the
# CPU; both lists one at a time. Each version's files go to
# out/ARCH/history[-peers-P]/<version>/ (the layout make bisect fills);
# tscanary history writes history.{json,md,dat} from them and gnuplot
# (harness/history.gp) history.svg. A version that cannot be built or run
# is a row with its reason. PEERS=base: the peers run the history's oldest
# version (a rollout's tailnet); PEERS=new: each version's own.
# Exit: tscanary history's (0 written), 2 usage, 5 the version list or the
# plot could not be made, 130 interrupted.
FROM ?=
VERSIONS ?=
HISTORY_OUT = out/$(ARCH)/history$(if $(filter base new,$(PEERS)),-peers-$(PEERS))
HISTORY_FITS = fixtures/history-fits
.PHONY: history
history: host-tools kernel $(VM_OVERLAY)
	@test -n '$(FROM)$(VERSIONS)' && test '$(ARCH)' != all || \
		{ echo 'usage: make history ARCH=<one arch> FROM=vX.Y.Z|VERSIONS="vX.Y.Z ..." [PEERS=base|new]' >&2; exit 2; }
	@case '$(PEERS)' in ''|base|new) ;; *) echo "make history: PEERS is base or new, not '$(PEERS)'" >&2; exit 2;; esac
	@command -v gnuplot >/dev/null || { echo '== history: gnuplot is missing (make deps installs gnuplot-nox)'; exit 5; }
	@t0=$$(date +%s); mkdir -p $(HISTORY_OUT); versions='$(VERSIONS)'; \
	if [ -z "$$versions" ]; then \
		(cd image && GOWORK=off GOFLAGS=-mod=mod timeout -k 10 120 go list -m -versions tailscale.com) \
			>$(HISTORY_OUT)/proxy-versions 2>$(HISTORY_OUT)/proxy-versions.log || \
			{ echo "== history: cannot list the versions of tailscale.com from the module proxy: $$(tail -n 3 $(HISTORY_OUT)/proxy-versions.log)"; exit 5; }; \
		versions=$$($(BUILD)/tscanary history --select --from '$(FROM)' --versions $(HISTORY_OUT)/proxy-versions) || exit $$?; \
	fi; \
	versions=$$(echo $$versions); echo "== history: $$(echo $$versions | wc -w) versions on $(ARCH): $$versions"; \
	mk=0; $(MAKE) --no-print-directory -j1 -k $$(printf 'history-build-%s\n' $$versions) || mk=$$?; \
	[ $$mk != 130 ] || exit 130; \
	$(MAKE) --no-print-directory -j1 -k $$(printf 'history-run-%s\n' $$versions) \
		HISTORY_OLDEST=$${versions%% *} || mk=$$?; \
	[ $$mk != 130 ] || exit 130; \
	$(BUILD)/tscanary history --arch $(ARCH) --dir $(HISTORY_OUT) --peers $(or $(PEERS),pinned) \
		--fits $(HISTORY_FITS) $$versions || exit $$?; \
	gnuplot -e "dat='$(HISTORY_OUT)/history.dat'; out='$(HISTORY_OUT)/history.svg'; arch='$(ARCH)'" \
		harness/history.gp 2>$(HISTORY_OUT)/gnuplot.log || \
		{ echo "== history: gnuplot failed: $$(tail -n 3 $(HISTORY_OUT)/gnuplot.log)"; exit 5; }; \
	echo "== history: done in $$(($$(date +%s) - t0)) s: $(HISTORY_OUT)/history.md, history.json, history.svg"; \
	[ $$mk = 0 ] || { echo "== history: a version could not be asked for (above)" >&2; exit 2; }

# One version's image. Stale results are never judged: its directory
# starts empty. build.status says how the build ended.
history-build-%: $(BUILD)/tscanary
	@d=$(HISTORY_OUT)/$*; rm -rf $$d && mkdir -p $$d; s=$$(date +%s); \
	fit=$$($(BUILD)/tscanary history --fit $* --fits $(HISTORY_FITS)) || exit 2; features=; \
	if [ -n "$$fit" ]; then printf '%s\n' "$$fit" | cat image/allowlist - >$$d/allowlist && \
		$(BUILD)/tscanary features --sh --allowlist $$d/allowlist >$$d/features.env || exit 2; \
		features="--features $$d/features.env"; fi; \
	echo "== history: build $*$${fit:+ (recipe fit: $$(printf '%s\n' "$$fit" | cut -f1 | sed 's/^/+/' | paste -sd' ' -))}"; \
	rc=0; image/build.sh --arch $(ARCH) --tailscale-version $* --fit-features $$features --out $$d/image \
		>$$d/build.log 2>&1 || rc=$$?; \
	echo $$rc >$$d/build.status; [ $$rc != 130 ] || exit 130; \
	if [ $$rc = 0 ]; then echo "== history: $* built ($$(($$(date +%s) - s)) s; $$(jq -r .sizes.binary_bytes $$d/image/manifest.json) packed bytes)"; \
	else echo "== history: $* cannot be built (image/build.sh exit $$rc, $$(($$(date +%s) - s)) s; the reason goes into history.md, the log is $$d/build.log)"; fi

# The suite on one version's image, when it built; run.status says how it
# ended.
history-run-%: $(BUILD)/tscanary
	@d=$(HISTORY_OUT)/$*; [ "$$(cat $$d/build.status 2>/dev/null)" = 0 ] || exit 0; s=$$(date +%s); \
	echo "== history: run $* (the whole suite; log: $$d/run.log)"; \
	table=; [ ! -f $$d/image/feature-table.json ] || table=RUN_FEATURE_TABLE=$$d/image/feature-table.json; \
	rc=0; $(MAKE) --no-print-directory test ARCH=$(ARCH) VARIANT= CANARY= REUSE=1 $$table \
		PEERS=$(if $(filter base,$(PEERS)),$(HISTORY_OLDEST),$(if $(filter new,$(PEERS)),$*)) \
		IMAGE=$$d/image/image.oci.tar GATE_OUT=$$d >$$d/run.log 2>&1 </dev/null || rc=$$?; \
	echo $$rc >$$d/run.status; [ $$rc != 130 ] || exit 130; \
	echo "== history: $*: $$($(BUILD)/tscanary summary $$d/summary.json 2>/dev/null || echo "no summary (make test exit $$rc)") ($$(($$(date +%s) - s)) s)"

# --- Find the release that changed it: make bisect -------------------------
# make bisect ARCH=armv7 GOOD=v1.98.5 BAD=v1.102.5 CANARY=name|FIGURE=key:
# harness/bisect.sh bisects the module proxy's releases of tailscale.com in
# (GOOD, BAD] with tscanary bisect, building each version it asks for
# (image/build.sh --tailscale-version, cached) and running the suite on it
# (REUSE=1) into out/ARCH/bisect/<version>/; the answer goes to
# out/ARCH/bisect/bisect.{json,md}. CANARY: that canary's pass/fail, and
# the run is narrowed to it. FIGURE: a summary.json key (dotted) present or
# absent (e.g. join_cli_error), or KEY>N (>=, <, <=) true or false (e.g.
# metrics.binary_bytes>3650000), with the run narrowed to BISECT_CANARIES.
GOOD ?=
BAD ?=
FIGURE ?=
BISECT_CANARIES ?= $(or $(CANARY),footprint)
.PHONY: bisect
bisect: host-tools kernel $(VM_OVERLAY)
	@test -n '$(GOOD)' && test -n '$(BAD)' && test -n '$(CANARY)$(FIGURE)' && \
		{ test -z '$(CANARY)' || test -z '$(FIGURE)'; } && test '$(ARCH)' != all || \
		{ echo 'usage: make bisect ARCH=<one arch> GOOD=vX.Y.Z BAD=vX.Y.Z CANARY=name|FIGURE=key [BISECT_CANARIES="a b"]' >&2; exit 2; }
	MAKE='$(MAKE)' harness/bisect.sh $(ARCH) $(GOOD) $(BAD) $(if $(FIGURE),figure '$(FIGURE)',canary '$(CANARY)') '$(BISECT_CANARIES)'
