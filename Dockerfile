# syntax=docker/dockerfile:1
# The release image for linux/amd64, linux/arm64 and linux/arm/v7, from the
# same recipe (image/) and the same pinned Tailscale as the native build
# (make image). It holds no decisions of its own: the rootfs comes from the
# recipe's build step (image/build.sh --platform ... --rootfs: feature tags,
# version stamp, overlay, UPX, busybox, CA bundle), cross-compiled on the
# build platform; the config comes from image/image-config (make dockerfile
# generates that block). make check proves both (.ci/check-dockerfile).
#
#   docker buildx build --platform linux/amd64,linux/arm64,linux/arm/v7 \
#       --build-arg TAILSCALE_VERSION="$(.ci/tailscale-version)" -t IMAGE .
#
# TAILSCALE_VERSION only fills the version labels; the build fails unless it
# is the version image/go.mod pins. Go is the toolchain line of
# image/go.mod, exactly (build.sh sets GOTOOLCHAIN to it; Debian's go
# fetches that release through the module proxy).

# The build machine is the Debian release the native build and CI run on, so
# that apt resolves the same busybox-static, ca-certificates and upx-ucl.
ARG DEBIAN_IMAGE=debian:bookworm-slim

FROM --platform=$BUILDPLATFORM ${DEBIAN_IMAGE} AS rootfs
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
WORKDIR /src
COPY .ci/install-deps .ci/
RUN .ci/install-deps --image
COPY vm/arches vm/arch.sh vm/
COPY image/ image/
ARG TARGETOS TARGETARCH TARGETVARIANT TAILSCALE_VERSION
RUN --mount=type=cache,target=/root/.cache --mount=type=cache,target=/root/go/pkg/mod \
	env -u TAILSCALE_VERSION image/build.sh \
		--platform "${TARGETOS}/${TARGETARCH}${TARGETVARIANT:+/${TARGETVARIANT}}" \
		--expect-version "${TAILSCALE_VERSION:?pass --build-arg TAILSCALE_VERSION=\$(.ci/tailscale-version)}" \
		--rootfs /rootfs

FROM scratch
COPY --from=rootfs /rootfs/ /
ARG TAILSCALE_VERSION
# image-config:begin (generated from image/image-config by `make dockerfile`; do not edit)
ENV PATH="/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
VOLUME ["/var/lib/tailscale"]
ENTRYPOINT ["/usr/local/bin/entrypoint.sh"]
CMD ["--no-logs-no-support", "--state=/var/lib/tailscale/tailscaled.state", "--socket=/var/run/tailscale/tailscaled.sock", "--statedir=/var/lib/tailscale"]
LABEL org.opencontainers.image.title="tailscale for MikroTik RouterOS (tscanary)"
LABEL org.opencontainers.image.description="Minimal Tailscale container (tailscaled + CLI, busybox debug shell) for MikroTik RouterOS containers"
LABEL org.opencontainers.image.source="https://github.com/tailscale/tailscale/tree/${TAILSCALE_VERSION}"
LABEL org.opencontainers.image.version="${TAILSCALE_VERSION}"
# image-config:end
