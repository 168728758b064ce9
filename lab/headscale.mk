# SPDX-License-Identifier: BSD-3-Clause
# headscale for the lab: built from the pinned module in lab/headscale
# (its go.mod names the version, once; Go alone reads it) and cached by the
# bytes of its go.mod and go.sum, which fix the version and every module
# the build takes. Hashing them needs no Go, which a fresh machine lacks
# when Make reads this, and a go.sum change rebuilds as a version bump does.

HEADSCALE_MOD := lab/headscale
HEADSCALE_KEY := $(shell cat $(HEADSCALE_MOD)/go.mod $(HEADSCALE_MOD)/go.sum 2>/dev/null | \
	sha256sum | cut -c1-16)
HEADSCALE_BIN := $(TSCANARY_CACHE)/bin/headscale-$(HEADSCALE_KEY)

.PHONY: headscale
headscale: $(HEADSCALE_BIN)

# Built to a temporary name and renamed, so an interrupted build never
# leaves a truncated binary in the cache.
# Its name holds the key, so no file time decides (a fresh clone's go.mod is
# newer than any cached binary).
$(HEADSCALE_BIN):
	@test -r $(HEADSCALE_MOD)/go.mod && test -r $(HEADSCALE_MOD)/go.sum || \
		{ echo 'cannot read $(HEADSCALE_MOD)/go.mod and go.sum' >&2; exit 1; }
	@mkdir -p '$(@D)'
	@s=$$(date +%s) && cd $(HEADSCALE_MOD) && tmp='$(abspath $@).tmp.'$$$$ && \
		v=$$(GOFLAGS=-mod=readonly go list -m -f '{{.Version}}' github.com/juanfont/headscale) && \
		echo "tscanary: building headscale $$v for the lab (once; cached by its go.mod and go.sum)" && \
		CGO_ENABLED=0 go build -mod=readonly -trimpath -o "$$tmp" \
			github.com/juanfont/headscale/cmd/headscale && \
		mv -f "$$tmp" '$(abspath $@)' && \
		echo "tscanary: headscale $$v built in $$(($$(date +%s) - s)) s ($$(stat -c %s '$(abspath $@)') bytes)"
