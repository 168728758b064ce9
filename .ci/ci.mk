# Make fragment for the CI wiring: the Dockerfile, renovate.json and the
# Woodpecker pipelines checked with their own tools, and the reports of the
# runs under out/ checked as TAP 13 and JUnit. The top-level Makefile
# includes it; make check runs ci-config-check and report-check.
#   make ci-config-check      dockerfile-check renovate-check woodpecker-check ci-shellcheck
#   make report-check         out/*/report.tap and junit.xml of every run there
#   make dockerfile           regenerate the Dockerfile's config block from image/image-config
# Tools come from the registries and are cached under $(TSCANARY_CACHE)/ci:
# Python tools (PyPI, .ci/python/requirements.txt), Renovate and its Node
# (npm, .ci/renovate/package-lock.json).

.PHONY: ci-config-check dockerfile dockerfile-check renovate-check woodpecker-check \
	ci-shellcheck report-check

ci-config-check: dockerfile-check renovate-check woodpecker-check ci-shellcheck

dockerfile:
	@mkdir -p $(BUILD)
	@.ci/dockerfile-config >$(BUILD)/dockerfile-config.tmp
	@awk -v f=$(BUILD)/dockerfile-config.tmp '/^# image-config:begin/ { print; while ((getline l < f) > 0) print l; skip = 1; next } \
		/^# image-config:end/ { skip = 0 } !skip' Dockerfile | \
		sed "s/^ARG TAILSCALE_VERSION=.*/ARG TAILSCALE_VERSION=$$(.ci/tailscale-version)/" >$(BUILD)/Dockerfile.tmp && \
		mv $(BUILD)/Dockerfile.tmp Dockerfile
	@rm -f $(BUILD)/dockerfile-config.tmp

# Compared with the native build's config: the image of $(ARCH) (cached).
dockerfile-check: image
	ARCH=$(ARCH) .ci/check-dockerfile Dockerfile $(IMAGE_OUT)/image.oci.tar

renovate-check:
	.ci/check-renovate

woodpecker-check:
	.ci/check-woodpecker

CI_SHELL_SCRIPTS := .ci/install-deps .ci/run .ci/check-dockerfile .ci/check-renovate \
	.ci/check-woodpecker .ci/check-reports .ci/dockerfile-config .ci/tailscale-version \
	.ci/pr-compare .ci/python/setup .ci/renovate/setup .ci/lib/cache.sh image/build.sh image/busybox.sh \
	image/entrypoint.sh image/featuretable.sh image/tests/override.sh harness/compare.sh \
	harness/coverage.sh harness/doctor.sh harness/tree-hash.sh image/index.sh image/release.sh \
	image/dockerfile-build.sh \
	canaries/sysroot.sh canaries/guest/tests/probes.sh $(wildcard tests/*.sh)
ci-shellcheck:
	shellcheck -x $(CI_SHELL_SCRIPTS)

report-check:
	.ci/check-reports
