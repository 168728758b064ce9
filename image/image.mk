# SPDX-License-Identifier: BSD-3-Clause
# Make fragment for the image recipe; the top-level Makefile includes it and
# sets ARCH (and optionally VARIANT, a file name in fixtures/variants/).
#   make image ARCH=armv7
#   make image ARCH=armv7 VARIANT=no-netstack
#   make image ARCH=armv7 TAILSCALE_VERSION=v1.102.3   (not the pinned version;
#       image/go.mod stays as it is, see image/build.sh --help)
# Writes out/$(ARCH)[-$(VARIANT)]/image/{image.oci.tar,manifest.json} (and
# the variant's build/variants/$(VARIANT).env, from tscanary variant-env); the
# build is cached by content, so this target always runs and is cheap when
# nothing changed.

IMAGE_OUT = out/$(ARCH)$(if $(VARIANT),-$(VARIANT))/image
VARIANT_ENV = $(BUILD)/variants/$(VARIANT).env
TAILSCALE_VERSION ?=

# The release artifact: one OCI image index over every arch's image, byte
# for byte the platform images the gate runs (index.oci.json beside it holds
# its digests); make image ARCH=all writes it, make release publishes it.
RELEASE_INDEX = out/release/index.oci.tar
# The platforms it holds: every arch, unless told fewer (make check's
# release-check publishes armv7's alone, the one arch it gated).
RELEASE_ARCHES ?= $(ARCHES)

.PHONY: image
ifeq ($(ARCH),all)
image:
	@[ -z "$(VARIANT)" ] || { echo "make image ARCH=all builds the release: no VARIANT" >&2; exit 2; }
	@$(MAKE) $(IN_TURN) $(RELEASE_ARCHES:%=image-arch-%)
	image/index.sh --out $(RELEASE_INDEX) $(RELEASE_ARCHES:%=out/%/image)
else
image: $(FEATURES_VIEW) $(if $(VARIANT),$(VARIANT_ENV))
	image/build.sh --arch $(ARCH) $(if $(VARIANT),--variant-env $(VARIANT_ENV)) \
		$(if $(TAILSCALE_VERSION),--tailscale-version $(TAILSCALE_VERSION)) --out $(IMAGE_OUT)
endif
# image-arch-ARCH: make image for that arch, the recipe's own (no VARIANT);
# the lists of make image ARCH=all and make bad-input-check. A static
# pattern rule, so it names these targets alone (an image-% pattern would
# also match files such as image/image-config).
IMAGE_ARCH_TARGETS := $(patsubst %,image-arch-%,$(sort $(ARCHES) $(RELEASE_ARCHES)))
.PHONY: $(IMAGE_ARCH_TARGETS)
$(IMAGE_ARCH_TARGETS): image-arch-%:
	@$(MAKE) --no-print-directory image ARCH=$* VARIANT=

# The feature lists as image/build.sh sources them: tscanary is the one
# parser of image/allowlist and image/waived-deps, and their view is
# committed because the Dockerfile's build stage runs build.sh without the
# harness (build.sh refuses a view whose lists changed since). After an edit
# of either list this writes the view again; it is replaced only when its
# text changes, so a checkout whose view is current (as git leaves it,
# whatever the files' times) is never written to.
# make features writes it the same way, whatever the files' times.
FEATURES_VIEW = image/features.env
define write_features_view
	@mkdir -p $(BUILD)
	@$(BUILD)/tscanary features --sh >$(BUILD)/features.env.tmp || { rm -f $(BUILD)/features.env.tmp; exit 2; }
	@if cmp -s $(BUILD)/features.env.tmp $(FEATURES_VIEW); then rm -f $(BUILD)/features.env.tmp; \
	else echo "tscanary: $(FEATURES_VIEW) written again from image/allowlist and image/waived-deps"; \
		mv -f $(BUILD)/features.env.tmp $(FEATURES_VIEW); fi
endef
$(FEATURES_VIEW): image/allowlist image/waived-deps | $(BUILD)/tscanary
	$(write_features_view)

# A variant's recipe changes as image/build.sh --variant-env sources them:
# tscanary is the one parser of fixtures/variants/. Without the variant's
# file, tscanary still runs, to name the variants there are.
ifneq ($(VARIANT),)
$(VARIANT_ENV): $(wildcard fixtures/variants/$(VARIANT)) $(BUILD)/tscanary
	@mkdir -p $(@D)
	$(BUILD)/tscanary variant-env $(VARIANT) >$@.tmp || { rm -f $@.tmp; exit 2; }
	@mv -f $@.tmp $@
endif

# The feature table (featuretags) of the pinned tailscale.com, for the
# feature-deps canary: cached by version and program hash, so cheap here.
FEATURE_TABLE = $(BUILD)/feature-table.json

.PHONY: feature-table
feature-table: $(FEATURE_TABLE)

$(FEATURE_TABLE): image/featuretable.sh image/featuretable/main.go image/go.mod image/go.sum
	image/featuretable.sh --out $@

# The Dockerfile built for real (buildah, a base from mmdebstrap: no daemon,
# no registry), and proof that it ships the gate's bytes. Neither runs in
# make check (about 2 minutes an arch warm): a pipeline runs them on bump
# pull requests and release tags (.woodpecker/dockerfile.yaml).
#   make dockerfile-build ARCH=armv7|all [OCI_VERSION=v1.102.5-mt.1]
#       -> out/dockerfile/<ARCH>/index.oci.tar
#   make dockerfile-bytes-check ARCH=armv7|all
DOCKERFILE_OUT = out/dockerfile/$(ARCH)/index.oci.tar

.PHONY: dockerfile-build dockerfile-bytes-check oci-compare-test
# The comparison itself, on small layouts made for it (in make check, 1 s).
oci-compare-test:
	python3 tests/oci-compare-test.py

dockerfile-build:
	image/dockerfile-build.sh --arch $(ARCH) --out $(DOCKERFILE_OUT) \
		$(if $(OCI_VERSION),--oci-version $(OCI_VERSION))

dockerfile-bytes-check: image dockerfile-build
	tests/dockerfile-bytes.sh --arch $(ARCH) --dockerfile $(DOCKERFILE_OUT)
