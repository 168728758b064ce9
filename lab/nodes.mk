# SPDX-License-Identifier: BSD-3-Clause
# Host-side Tailscale nodes (client, exit) and the lab's web server.
#
#   make tailscale-host   tailscaled + tailscale for the host, default tags,
#                         from the module image/go.mod pins (the image's
#                         version), cached under $(TS_HOST_DIR)
#   make httpd            build/host/httpd (the web server at 198.51.100.80)
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
HTTPD := $(BUILD)/host/httpd
NATPMPD := $(BUILD)/host/natpmpd

.PHONY: tailscale-host httpd natpmpd
all: httpd natpmpd

tailscale-host: $(TS_HOST_TAILSCALED) $(TS_HOST_TAILSCALE)

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
		for b in tailscaled tailscale; do \
			go version -m "$$tmp/$$b" | grep -Eq '^[[:space:]]+mod[[:space:]]+tailscale.com[[:space:]]+$(TS_HOST_VERSION)([[:space:]]|$$)' || \
				{ echo "$$tmp/$$b is not tailscale.com $(TS_HOST_VERSION)" >&2; rm -rf "$$tmp"; exit 1; }; \
		done && \
		rm -rf '$(TS_HOST_DIR)' && mv -T "$$tmp" '$(TS_HOST_DIR)' && \
		echo "tscanary: peers' tailscale built in $$(($$(date +%s) - s)) s"

httpd: $(HTTPD)

$(HTTPD): $(BUILD)/host/lab/httpd.o $(BUILD)/host/lab/srv.o
	$(CC) $(CFLAGS) -o $@ $^

# The lab's NAT-PMP server: RouterOS's /ip nat-pmp on the containers bridge.
natpmpd: $(NATPMPD)

$(NATPMPD): $(BUILD)/host/lab/natpmpd.o $(BUILD)/host/lab/srv.o
	$(CC) $(CFLAGS) -o $@ $^
