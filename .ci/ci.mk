# SPDX-License-Identifier: BSD-3-Clause
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

ci-config-check: dockerfile-check renovate-check woodpecker-check ci-shellcheck compare-exit-check

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

# Every shell script in the tree: the *.sh files and every file whose first
# line names sh, bash or dash or sets the shell for shellcheck (the image's
# entrypoint, the guest init, the .ci scripts, sourced libraries).
CI_SHELL_SCRIPTS = $(shell find . \( -path ./build -o -path ./out -o -path ./.git \
	-o -name node_modules \) -prune -o -type f -print | LC_ALL=C sort | \
	xargs awk 'FNR == 1 { if (/^\#!.*[\/ ](ba|da)?sh( |$$)/ || /^\# shellcheck shell=/) \
	print FILENAME; nextfile }')
ci-shellcheck:
	@test -n '$(CI_SHELL_SCRIPTS)' || { echo 'ci-shellcheck: no shell scripts found' >&2; exit 1; }
	shellcheck -x $(CI_SHELL_SCRIPTS)

report-check:
	.ci/check-reports

# The compare pipeline step ends with compare's own exit code (.ci/pr-compare).
.PHONY: compare-exit-check
compare-exit-check:
	tests/compare-exit.sh
