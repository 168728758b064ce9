# SPDX-License-Identifier: BSD-3-Clause
# The guest agent: one static binary per arch (build/<arch>/agent), plus a
# native build for the host's unit tests (build/host/agent-native).
#   make agent ARCH=arm64        build/arm64/agent
#   make build/armv7/agent       any arch named in vm/arches
#   make agent-all               every arch in vm/arches (ARCHES)

AGENT_SRCS := vm/guest/agent.c harness/frame.c harness/http1.c
AGENT_DEPS := $(AGENT_SRCS) harness/frame.h harness/http1.h vm/guest/guest.mk
AGENT_CFLAGS = -std=gnu11 -D_GNU_SOURCE $(WARN) -Iharness
HOST_TRIPLE := $(shell gcc -dumpmachine 2>/dev/null)

# The C compiler for arch $(1): the cross gcc of its triple, or plain gcc
# when that triple is the host's own.
agent_cc = $(strip $(foreach t,$(ARCH_$(1)_TRIPLE),\
	$(if $(filter $(t),$(HOST_TRIPLE)),gcc,$(t)-gcc)))

.PHONY: agent agent-all
agent: $(BUILD)/$(ARCH)/agent
agent-all: $(ARCHES:%=$(BUILD)/%/agent)

$(BUILD)/%/agent: $(AGENT_DEPS) vm/arches.mk
	@test -n '$(call agent_cc,$*)' || { echo "error: unknown ARCH '$*' (valid: $(ARCHES))" >&2; exit 1; }
	@mkdir -p $(@D)
	@# cached by content: sources, this fragment, the arch's triple, flags, compiler
	@set -e; cc='$(call agent_cc,$*)'; \
	key=$$( { cat $(AGENT_DEPS); echo '$(ARCH_$*_TRIPLE)'; $$cc --version | head -n 1; \
		echo '$(AGENT_CFLAGS)'; } | sha256sum | cut -c1-16); \
	c='$(TSCANARY_CACHE)/guest/$*/agent-'$$key; \
	if [ -x "$$c" ]; then echo "agent $*: cached ($$key)"; else \
		mkdir -p "$${c%/*}"; \
		$$cc $(AGENT_CFLAGS) -Os -static -s -o "$$c.tmp.$$$$" $(AGENT_SRCS); \
		mv -f "$$c.tmp.$$$$" "$$c"; echo "agent $*: built ($$key)"; fi; \
	cp -f "$$c" $@.tmp && mv -f $@.tmp $@

# Native, under the sanitizers, for harness/tests/test_agent.c.
$(BUILD)/host/agent-native: $(AGENT_DEPS)
	@mkdir -p $(@D)
	$(CC) $(AGENT_CFLAGS) $(SAN) -O1 -g -o $@ $(AGENT_SRCS)

unit: $(BUILD)/host/agent-native
$(BUILD)/tests/test_agent: | $(BUILD)/host/agent-native
export TSCANARY_AGENT_NATIVE := $(abspath $(BUILD)/host/agent-native)
