/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TSCANARY_IMAGE_H
#define TSCANARY_IMAGE_H

#include <stddef.h>

#include <jansson.h>

#include "arch.h"
#include "strbuf.h"

/*
 * OCI image ingestion: take an OCI archive, an OCI layout directory or a
 * `docker save` tarball, pick the manifest for the arch under test (the
 * image config is authoritative for the platform), convert it with skopeo
 * and unpack its rootfs with umoci. The parsing below is pure (no tools, no
 * files) so it can be tested on inline JSON; image_open() drives the tools.
 */

/* What kind of input image_open() was given. */
enum image_format {
	IMAGE_FORMAT_NONE,
	IMAGE_FORMAT_OCI_DIR,        /* OCI image layout directory */
	IMAGE_FORMAT_OCI_ARCHIVE,    /* tar of an OCI image layout */
	IMAGE_FORMAT_DOCKER_ARCHIVE, /* `docker save` tarball (manifest.json) */
};

/* An OCI platform; absent fields are empty strings. */
struct image_platform {
	char os[32];
	char arch[32];
	char variant[16];
};

/* How a platform compares with the one an arch needs. */
enum image_match {
	IMAGE_MISMATCH,   /* another os or architecture, or another variant */
	IMAGE_MATCH,      /* runs as the arch under test */
	IMAGE_NO_VARIANT, /* right architecture, but the needed variant is missing */
};

/* The parts of an image config the harness uses (vectors NULL-terminated). */
struct image_config {
	struct image_platform platform; /* os/architecture/variant of the config */
	char **entrypoint;              /* Entrypoint (empty vector when unset) */
	char **cmd;                     /* Cmd (empty vector when unset) */
	char **argv;                    /* Entrypoint + Cmd, as a container runtime runs them */
	char **env;                     /* Env, "NAME=VALUE" */
	char **volumes;                 /* Volumes, paths */
	char **labels;                  /* Labels, "key=value" */
	char *working_dir;              /* WorkingDir ("" when unset) */
	char *user;                     /* User ("" when unset) */
	char *version;                  /* label org.opencontainers.image.version ("" when unset) */
};

/* One runnable image found in an OCI index or a docker-save manifest.json. */
struct image_candidate {
	struct image_platform
		platform; /* effective: the config's, the index's where the config is silent */
	struct image_platform declared; /* the index's platform entry (empty when none) */
	size_t index;                   /* position in the top-level index.json / manifest.json */
	char *manifest_digest;          /* OCI manifest digest (NULL for docker save) */
	char *index_digest;   /* the image index index.json names that holds it, or NULL */
	char *manifest_type;  /* its media type (NULL for docker save) */
	size_t manifest_size; /* its size in bytes (0 for docker save) */
	char *config_digest;  /* digest of the config blob ("sha256:<hex>") */
	char *config_json;    /* the config blob */
	char **members;       /* files it needs: OCI manifest, config, layers; docker config */
};

/* The runnable images of one input. */
struct image_candidates {
	struct image_candidate *v;
	size_t n;
};

/*
 * Read the file called name (a path inside the layout or archive, e.g.
 * "index.json", "blobs/sha256/<hex>") into out; report and return -1 on
 * failure.
 */
typedef int image_read_fn(void *ctx, const char *name, struct strbuf *out);

/* An image opened and unpacked for one arch. */
struct image {
	enum image_format format;
	char *source;          /* the path given to image_open() */
	char *dir;             /* private temp dir under workdir, removed by image_release() */
	char *rootfs;          /* the unpacked root filesystem (dir/rootfs) */
	char *manifest_digest; /* OCI manifest digest ("" for docker save) */
	/*
	 * The digest of the image index that index.json names and the chosen
	 * manifest sits in (a multi-platform release), "" when index.json
	 * lists the manifest itself (or for docker save).
	 */
	char *index_digest;
	char *config_digest; /* sha256:<hex> of the image config (docker: the image ID) */
	struct image_platform platform;  /* the platform that was chosen */
	struct image_config config;      /* its config */
	unsigned long long rootfs_bytes; /* sum of regular file sizes, hard links once */
	/*
	 * The chosen image as an OCI archive with gzip layers, as a registry
	 * ships it: the input file's size for an OCI archive, else measured
	 * by writing one (a `docker save` tarball holds its layers uncompressed).
	 */
	unsigned long long shipped_bytes;
};

/* Write a platform as "os/arch[/variant]" into buf. */
const char *image_platform_str(const struct image_platform *p, char *buf, size_t len);
/* The platform an arch needs (linux/<oci_arch>[/<oci_variant>]). */
void image_platform_of_arch(const struct arch *want, struct image_platform *out);
/* Compare platform p with what arch want needs (see enum image_match). */
enum image_match image_platform_match(const struct image_platform *p, const struct arch *want);

/* Parse an image config blob; -1 (reported) when it is not a valid config. */
int image_config_parse(const char *json, size_t len, struct image_config *out);
/* Free what image_config_parse() allocated. */
void image_config_release(struct image_config *cfg);
/* The value of label key, or NULL. */
const char *image_config_label(const struct image_config *cfg, const char *key);

/*
 * List the runnable images of an OCI layout from its index.json, reading
 * nested indexes, manifests and configs through read (attestations skipped).
 * An index and a config that spell one architecture two ways (aarch64 and
 * arm64) agree as the ocialias column of arches says.
 */
int image_list_oci(const char *index_json, image_read_fn *read, void *ctx,
		   const struct arch_table *arches, struct image_candidates *out);
/* List the images of a `docker save` manifest.json, reading configs through read. */
int image_list_docker(const char *manifest_json, image_read_fn *read, void *ctx,
		      struct image_candidates *out);
/*
 * Pick the first candidate that runs as want into *chosen; otherwise report
 * which platforms the image (called what) has and which one ARCH needs.
 */
int image_select(const struct image_candidates *c, const struct arch *want, const char *what,
		 size_t *chosen);
/* Free a candidate list. */
void image_candidates_release(struct image_candidates *c);

/*
 * Open the image at path for arch want of the table arches: detect its
 * format, check its platform, convert it (skopeo) and unpack its rootfs
 * (umoci) into a new private directory under workdir (created if missing),
 * and read its config. The directory is removed by image_release() and,
 * failing that, by the undo stack. On failure everything is released and the
 * cause reported.
 */
int image_open(struct image *img, const char *path, const struct arch *want,
	       const struct arch_table *arches, const char *workdir);
/* Remove the image's directory and free everything; idempotent. */
void image_release(struct image *img);
/*
 * The manifest.json image/build.sh wrote for this very image: beside the
 * archive, or under <arch>/ beside a release index (image/index.sh). It
 * counts only when its manifest_digest or config_digest is the opened
 * image's; one that describes another image is named in a warning and
 * ignored. NULL when there is none (an image tscanary did not build); else
 * a new reference, and *path (when path is not NULL) the file it came from.
 */
json_t *image_build_manifest(const struct image *img, const char *arch, char **path);
/* Sum the sizes of regular files under dir (each hard-linked file once). */
int image_tree_bytes(const char *dir, unsigned long long *bytes);

#endif
