# SPDX-License-Identifier: BSD-3-Clause
# Host-side Tailscale nodes (client, exit) and the lab's web server.
#
#   make tailscale-host   tailscaled + tailscale for the host, default tags,
#                         from the module image/go.mod pins (the image's
#                         version), cached under $(TS_HOST_DIR)
#   make httpd            build/host/httpd (the web server at 198.51.100.80)
#   PEERS=vX.Y.Z          the peers on another Tailscale release (a rollout:
#                         the router new, its clients old), cached under
#                         $(TSCANARY_CACHE)/bin/tailscale-host-vX.Y.Z too
#
# The version comes from the image's own module (`go list -m`), so a bump of
# image/go.mod moves the host nodes with it. Both binaries are built to a
# temporary directory and renamed into place, so an interrupted build never
# leaves a half-written cache entry.

TS_HOST_MOD := image
TS_HOST_VERSION := $(shell cd $(TS_HOST_MOD) 2>/dev/null && \
	GOFLAGS=-mod=readonly GOWORK=off go list -m -f '{{.Version}}' tailscale.com 2>/dev/null)
TS_HOST_DIR := $(TSCANARY_CACHE)/bin/tailscale-host-$(TS_HOST_VERSION)
TS_HOST_TAILSCALED := $(TS_HOST_DIR)/tailscaled
TS_HOST_TAILSCALE := $(TS_HOST_DIR)/tailscale
# PEERS=vX.Y.Z: the peers' version when it is not the pin. Anything else
# (empty, or make compare's base|new, which its targets turn into a version)
# leaves the pin.
PEERS ?=
PEERS_VERSION := $(or $(filter v%,$(PEERS)),$(TS_HOST_VERSION))
TS_PEERS_DIR := $(TSCANARY_CACHE)/bin/tailscale-host-$(PEERS_VERSION)
TS_PEERS_TAILSCALED := $(TS_PEERS_DIR)/tailscaled

HTTPD := $(BUILD)/host/httpd
NATPMPD := $(BUILD)/host/natpmpd

.PHONY: tailscale-host httpd natpmpd
all: httpd natpmpd

tailscale-host: $(TS_HOST_TAILSCALED) $(TS_HOST_TAILSCALE) $(TS_PEERS_TAILSCALED)

# Both binaries of $(1) (a directory) must be tailscale.com $(2); then the
# directory replaces $(3), else it goes.
define ts_host_install
for b in tailscaled tailscale; do \
	go version -m "$(1)/$$b" | grep -Eq '^[[:space:]]+mod[[:space:]]+tailscale.com[[:space:]]+$(2)([[:space:]]|$$)' || \
		{ echo "$(1)/$$b is not tailscale.com $(2)" >&2; rm -rf "$(1)"; exit 1; }; \
done && \
rm -rf '$(3)' && mv -T "$(1)" '$(3)'
endef

# One go build makes both (grouped target). The host's own GOOS/GOARCH, no
# -tags: every feature is in, as on a user's laptop or exit node.
$(TS_HOST_TAILSCALED) $(TS_HOST_TAILSCALE) &:
	@test -n '$(TS_HOST_VERSION)' || \
		{ echo 'cannot read the tailscale.com version from $(TS_HOST_MOD)/go.mod (is go installed?)' >&2; exit 1; }
	@mkdir -p '$(dir $(TS_HOST_DIR))'
	@echo "tscanary: building the peers' tailscaled and tailscale $(TS_HOST_VERSION) (once; cached by version)"
	s=$$(date +%s) && cd $(TS_HOST_MOD) && tmp='$(TS_HOST_DIR).tmp.'$$$$ && rm -rf "$$tmp" && mkdir "$$tmp" && \
		GOFLAGS=-mod=readonly GOWORK=off CGO_ENABLED=0 GOOS= GOARCH= \
			go build -mod=readonly -trimpath -o "$$tmp/" \
			tailscale.com/cmd/tailscaled tailscale.com/cmd/tailscale && \
		$(call ts_host_install,$$tmp,$(TS_HOST_VERSION),$(TS_HOST_DIR)) && \
		echo "tscanary: peers' tailscale built in $$(($$(date +%s) - s)) s"

# Another release for the peers. The pin builds from image/go.mod and its
# go.sum with -mod=readonly; no go.sum of this repo covers another release,
# so a throwaway module beside the cache entry requires tailscale.com at
# that version and GOFLAGS=-mod=mod lets go resolve the rest there (and
# only there): the same dependency versions as that release's own go.mod
# (minimal version selection over one requirement), each checked against
# the checksum database (GOSUMDB) instead of a committed go.sum. The
# go.mod and go.sum it settled on are kept in the entry (module/).
ifneq ($(PEERS_VERSION),$(TS_HOST_VERSION))
$(TS_PEERS_DIR)/tailscaled $(TS_PEERS_DIR)/tailscale &:
	@mkdir -p '$(dir $(TS_PEERS_DIR))'
	@echo "tscanary: building the peers' tailscaled and tailscale $(PEERS_VERSION) (PEERS; once; cached by version)"
	s=$$(date +%s) && tmp='$(TS_PEERS_DIR).tmp.'$$$$ && rm -rf "$$tmp" && mkdir -p "$$tmp/module" && \
		cd "$$tmp/module" && export GOWORK=off GOFLAGS=-mod=mod && \
		go mod init tscanary/peers 2>/dev/null && go get 'tailscale.com@$(PEERS_VERSION)' && \
		CGO_ENABLED=0 GOOS= GOARCH= go build -trimpath -o "$$tmp/" \
			tailscale.com/cmd/tailscaled tailscale.com/cmd/tailscale && \
		cd / && $(call ts_host_install,$$tmp,$(PEERS_VERSION),$(TS_PEERS_DIR)) && \
		echo "tscanary: peers' tailscale $(PEERS_VERSION) built in $$(($$(date +%s) - s)) s"
endif

httpd: $(HTTPD)

$(HTTPD): $(BUILD)/host/lab/httpd.o $(BUILD)/host/lab/srv.o
	$(CC) $(CFLAGS) -o $@ $^

# The lab's NAT-PMP server: RouterOS's /ip nat-pmp on the containers bridge.
natpmpd: $(NATPMPD)

$(NATPMPD): $(BUILD)/host/lab/natpmpd.o $(BUILD)/host/lab/srv.o
	$(CC) $(CFLAGS) -o $@ $^
