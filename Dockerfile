# syntax=docker/dockerfile:1
# SPDX-License-Identifier: BSD-3-Clause
# The release image for linux/amd64, linux/arm64 and linux/arm/v7, from the
# same recipe (image/) and the same pinned Tailscale as the native build
# (make image). It holds no decisions of its own: the rootfs comes from the
# recipe's build step (image/build.sh --platform ... --rootfs: feature tags,
# version stamp, overlay, UPX, busybox, CA bundle), cross-compiled on the
# build platform; the config comes from image/image-config (make dockerfile
# generates that block). make check proves both (.ci/check-dockerfile).
#
#   docker buildx build --platform linux/amd64,linux/arm64,linux/arm/v7 -t IMAGE .
#
# No build argument is needed. TAILSCALE_VERSION defaults to the version
# image/go.mod pins (make dockerfile writes it; Renovate moves both in one
# pull request; make check fails when they disagree) and only fills the
# labels: the build fails unless it is that version. OCI_VERSION, the
# image's own version label, defaults to it; a release sets its tag there
# (--build-arg OCI_VERSION=v1.102.5-mt.1). Go is the toolchain line of
# image/go.mod, exactly (build.sh sets GOTOOLCHAIN to it; Debian's go
# fetches that release through the module proxy). Without a registry,
# make dockerfile-build builds this file unchanged with buildah.

# The build machine is the Debian release the native build and CI run on, so
# that apt resolves the same ca-certificates, upx-ucl, cross compilers and
# musl the native build uses (busybox's source version is pinned in
# image/busybox-source).
ARG DEBIAN_IMAGE=debian:bookworm-slim
ARG TAILSCALE_VERSION=v1.102.5

FROM --platform=$BUILDPLATFORM ${DEBIAN_IMAGE} AS rootfs
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
WORKDIR /src
COPY vm/arches.env vm/arch.sh vm/
COPY .ci/install-deps .ci/
RUN .ci/install-deps --image
COPY lib/cache-root.sh lib/
COPY image/ image/
ARG TARGETOS TARGETARCH TARGETVARIANT TAILSCALE_VERSION
# A builder behind a TLS-inspecting proxy passes its CA bundle as the secret
# build_ca (--secret id=build_ca,src=FILE): Go's downloads trust it for this
# step only; it never reaches the image, whose bundle comes from Debian.
# One cache mount holds the recipe's cache, Go's build cache and its module
# cache (with the Go toolchain image/go.mod names) between builds.
RUN --mount=type=cache,id=tscanary,target=/tscanary-cache \
	--mount=type=secret,id=build_ca,required=false \
	if [ -s /run/secrets/build_ca ]; then export SSL_CERT_FILE=/run/secrets/build_ca; fi; \
	env -u TAILSCALE_VERSION TSCANARY_CACHE=/tscanary-cache/tscanary \
		GOCACHE=/tscanary-cache/go/build GOMODCACHE=/tscanary-cache/go/mod \
		image/build.sh \
		--platform "${TARGETOS}/${TARGETARCH}${TARGETVARIANT:+/${TARGETVARIANT}}" \
		--expect-version "${TAILSCALE_VERSION:?TAILSCALE_VERSION is empty}" \
		--rootfs /rootfs

FROM scratch
COPY --from=rootfs /rootfs/ /
ARG TAILSCALE_VERSION
ARG OCI_VERSION=${TAILSCALE_VERSION}
# image-config:begin (generated from image/image-config by `make dockerfile`; do not edit)
ENV PATH="/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
VOLUME ["/var/lib/tailscale"]
ENTRYPOINT ["/usr/local/bin/entrypoint.sh"]
CMD ["--no-logs-no-support", "--state=/var/lib/tailscale/tailscaled.state", "--socket=/var/run/tailscale/tailscaled.sock", "--statedir=/var/lib/tailscale"]
LABEL org.opencontainers.image.title="tailscale for MikroTik RouterOS (tscanary)"
LABEL org.opencontainers.image.description="Minimal Tailscale container (tailscaled + CLI, busybox debug shell) for MikroTik RouterOS containers"
LABEL org.opencontainers.image.source="https://github.com/tailscale/tailscale/tree/${TAILSCALE_VERSION}"
LABEL org.opencontainers.image.version="${OCI_VERSION}"
LABEL tscanary.tailscale.version="${TAILSCALE_VERSION}"
# image-config:end
