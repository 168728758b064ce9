# SPDX-License-Identifier: BSD-3-Clause
# headscale for the lab: built from the pinned module in lab/headscale
# (its go.mod names the version, once) and cached by that version.

HEADSCALE_MOD := lab/headscale
HEADSCALE_VERSION := $(shell awk '$$1 == "github.com/juanfont/headscale" { print $$2; exit }' \
	$(HEADSCALE_MOD)/go.mod 2>/dev/null)
HEADSCALE_BIN := $(TSCANARY_CACHE)/bin/headscale-$(HEADSCALE_VERSION)

.PHONY: headscale
headscale: $(HEADSCALE_BIN)

# Built to a temporary name and renamed, so an interrupted build never
# leaves a truncated binary in the cache.
$(HEADSCALE_BIN):
	@test -n '$(HEADSCALE_VERSION)' || \
		{ echo 'cannot read the headscale version from $(HEADSCALE_MOD)/go.mod' >&2; exit 1; }
	@mkdir -p '$(@D)'
	@echo "tscanary: building headscale $(HEADSCALE_VERSION) for the lab (once; cached by version)"
	s=$$(date +%s) && cd $(HEADSCALE_MOD) && tmp='$(abspath $@).tmp.'$$$$ && \
		CGO_ENABLED=0 go build -mod=readonly -trimpath -o "$$tmp" \
			github.com/juanfont/headscale/cmd/headscale && \
		mv -f "$$tmp" '$(abspath $@)' && \
		echo "tscanary: headscale built in $$(($$(date +%s) - s)) s ($$(stat -c %s '$(abspath $@)') bytes)"
