# SPDX-License-Identifier: BSD-3-Clause
# The layers of the host-side C code (ARCHITECTURE.md, "Layers"), lowest
# first: every C source and header of harness/ and canaries/host/ is in
# exactly one. A layer may use the ones before it, never one after it.
#   - the Makefile builds one archive per layer (build/host/lib<layer>.a)
#     and links each layer but the runner whole on the ones below it alone
#     (build/host/layer-<layer>.linked, made before build/tscanary): a
#     symbol a lower layer takes from a higher one is left undefined and
#     the build fails. Programs and unit tests link the archives highest
#     layer first, a test those of its module's layer and below;
#   - tests/layers-check.sh (make layers-check) fails when a file is in no
#     layer or in two, or #includes a header of a layer after its own, or
#     when the runner includes a canaries header other than the interface.
# A new file goes into the list of its layer.

LAYERS := core lab canaries runner

# $(call c_and_h,DIR,NAMES): DIR/NAME.c and DIR/NAME.h of each name
c_and_h = $(foreach m,$(2),$(1)/$(m).c $(1)/$(m).h)

# No knowledge of Tailscale, the lab or the canaries; the small parsers
# beside it use only it.
LAYER_core := $(call c_and_h,harness,strbuf log proc undo files clock frame \
	http1 kv tsversion buildinfo zone arch variant budget vrules featuretags outcome)

# The world one run builds and tears down, the router's tailscaled seen
# from the host, and the scenario: what a canary sees of it.
LAYER_lab := $(call c_and_h,harness,lab peers node headscale pki qemu agent \
	image accel userns router) harness/scenario.h

# The drivers, the contract and the registry, and the drivers' shared helpers.
LAYER_canaries := canaries/host/canary.h canaries/host/registry.c \
	$(patsubst %,canaries/host/%.c,busybox_applets derp_only exitnode_dns_client \
	exitnode_traffic feature_deps flash_writes footprint health_report \
	log_verbosity no_panic peerapi_doh policy_enforced quad100_aaaa \
	quad100_router restart_persistence router_uses_exit subnet_route) \
	$(call c_and_h,canaries/host,doh flash guestprobe portmap tailnet tsping udpblock webget)
# What the runner may see of the canaries: the interface alone.
LAYER_canaries_interface := canaries/host/canary.h

# One run (a table of steps) and the commands (main.c), with what they need
# to run, report and remember a run. main.c is the program, not archived.
LAYER_runner := harness/main.c harness/runner.h harness/online.c harness/schedule.c \
	$(call c_and_h,harness,beside) \
	$(call c_and_h,harness,run restart sentinel bundle faults calibrate report runkey kit \
	verdict bench compare bisect history coverage)
