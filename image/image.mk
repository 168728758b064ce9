# Make fragment for the image recipe; the top-level Makefile includes it and
# sets ARCH (and optionally VARIANT, a file name in fixtures/variants/).
#   make image ARCH=armv7
#   make image ARCH=armv7 VARIANT=no-netstack
# Writes out/$(ARCH)[-$(VARIANT)]/image/{image.oci.tar,manifest.json}; the
# build is cached by content, so this target always runs and is cheap when
# nothing changed.

IMAGE_OUT = out/$(ARCH)$(if $(VARIANT),-$(VARIANT))/image

.PHONY: image
image:
	image/build.sh --arch $(ARCH) $(if $(VARIANT),--variant fixtures/variants/$(VARIANT)) --out $(IMAGE_OUT)
