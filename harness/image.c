/* SPDX-License-Identifier: BSD-3-Clause */
#include "image.h"

#include "files.h"

#include "log.h"
#include "proc.h"
#include "strbuf.h"
#include "undo.h"
#include "userns.h"

#include <errno.h>
#include <fcntl.h>
#include <fts.h>
#include <jansson.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* index, manifest and config blobs are small; anything bigger is not one */
#define MAX_JSON_BYTES    (16L << 20)
#define MAX_NESTING       4
#define MAX_CANDIDATES    256
#define TAR_TIMEOUT_MS    (120 * 1000)
#define SKOPEO_TIMEOUT_MS (600 * 1000)
#define UMOCI_TIMEOUT_MS  (600 * 1000)
/* the tag the converted layout carries; umoci unpacks it */
#define LAYOUT_TAG "image"
#define OCI_LAYOUT "{\"imageLayoutVersion\":\"1.0.0\"}"

static const char MT_OCI_INDEX[] = "application/vnd.oci.image.index.v1+json";
static const char MT_OCI_MANIFEST[] = "application/vnd.oci.image.manifest.v1+json";
static const char MT_OCI_CONFIG[] = "application/vnd.oci.image.config.v1+json";
static const char MT_DOCKER_LIST[] = "application/vnd.docker.distribution.manifest.list.v2+json";
static const char MT_DOCKER_MANIFEST[] = "application/vnd.docker.distribution.manifest.v2+json";
static const char MT_DOCKER_CONFIG[] = "application/vnd.docker.container.image.v1+json";

/* ---- string vectors (NULL-terminated) ---- */

static char **strv_new(size_t n)
{
	return xcalloc(n + 1, sizeof(char *));
}

static size_t strv_len(char *const *v)
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return n;
}

static void strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

static char **strv_concat(char *const *a, char *const *b)
{
	size_t na = strv_len(a), nb = strv_len(b);
	char **v = strv_new(na + nb);

	for (size_t i = 0; i < na; i++)
		v[i] = xstrdup(a[i]);
	for (size_t i = 0; i < nb; i++)
		v[na + i] = xstrdup(b[i]);
	return v;
}

/* ---- platforms ---- */

static int set_field(char *dst, size_t len, const char *src, const char *what)
{
	size_t n = strlen(src);

	if (n >= len)
		return error("image platform %s '%.40s' is too long", what, src);
	memcpy(dst, src, n + 1);
	return 0;
}

const char *image_platform_str(const struct image_platform *p, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s%s%s", p->os[0] ? p->os : "?", p->arch[0] ? p->arch : "?",
		 p->variant[0] ? "/" : "", p->variant);
	return buf;
}

void image_platform_of_arch(const struct arch *want, struct image_platform *out)
{
	memset(out, 0, sizeof(*out));
	memcpy(out->os, "linux", sizeof("linux"));
	snprintf(out->arch, sizeof(out->arch), "%s", want->oci_arch);
	snprintf(out->variant, sizeof(out->variant), "%s", want->oci_variant);
}

enum image_match image_platform_match(const struct image_platform *p, const struct arch *want)
{
	/* the arch as OCI names it, or as some tools write it (its ocialias) */
	if (strcmp(p->os, "linux") || !arch_oci_is(want, p->arch))
		return IMAGE_MISMATCH;
	if (want->oci_variant[0]) {
		if (!p->variant[0])
			return IMAGE_NO_VARIANT;
		return strcmp(p->variant, want->oci_variant) ? IMAGE_MISMATCH : IMAGE_MATCH;
	}
	if (!p->variant[0])
		return IMAGE_MATCH;
	/* the variant that only restates the baseline (as containerd normalizes) */
	if (want->oci_base[0] && !strcmp(p->variant, want->oci_base))
		return IMAGE_MATCH;
	return IMAGE_MISMATCH;
}

/* ---- JSON helpers ---- */

static json_t *parse_json(const char *text, size_t len, const char *what)
{
	json_error_t err;
	json_t *root = json_loadb(text, len, 0, &err);

	if (!root)
		error("cannot parse %s: %s (line %d, column %d)", what, err.text, err.line,
		      err.column);
	return root;
}

/* *out = the string member key, or NULL when absent or null; -1 if not a string. */
static int get_str(json_t *obj, const char *key, const char **out, const char *what)
{
	json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return error("%s: '%s' is not a string", what, key);
	*out = json_string_value(v);
	return 0;
}

static int platform_from_json(json_t *obj, struct image_platform *p, const char *what)
{
	const char *os, *arch, *variant;

	memset(p, 0, sizeof(*p));
	if (!obj || json_is_null(obj))
		return 0;
	if (!json_is_object(obj))
		return error("%s: platform is not an object", what);
	if (get_str(obj, "os", &os, what) < 0 || get_str(obj, "architecture", &arch, what) < 0 ||
	    get_str(obj, "variant", &variant, what) < 0)
		return -1;
	if ((os && set_field(p->os, sizeof(p->os), os, "os") < 0) ||
	    (arch && set_field(p->arch, sizeof(p->arch), arch, "architecture") < 0) ||
	    (variant && set_field(p->variant, sizeof(p->variant), variant, "variant") < 0))
		return -1;
	return 0;
}

static int strv_from_array(json_t *v, char ***out, const char *what, const char *key)
{
	json_t *e;
	size_t i;

	*out = NULL;
	if (!v || json_is_null(v)) {
		*out = strv_new(0);
		return 0;
	}
	if (!json_is_array(v))
		return error("%s: '%s' is not an array of strings", what, key);
	*out = strv_new(json_array_size(v));
	json_array_foreach(v, i, e)
	{
		if (!json_is_string(e)) {
			strv_free(*out);
			*out = NULL;
			return error("%s: '%s' holds something other than strings", what, key);
		}
		(*out)[i] = xstrdup(json_string_value(e));
	}
	return 0;
}

/* Keys of object v ("key") or its string members ("key=value"). */
static int strv_from_object(json_t *v, char ***out, int with_values, const char *what,
			    const char *key)
{
	const char *k;
	json_t *e;
	size_t i = 0;

	*out = NULL;
	if (!v || json_is_null(v)) {
		*out = strv_new(0);
		return 0;
	}
	if (!json_is_object(v))
		return error("%s: '%s' is not an object", what, key);
	*out = strv_new(json_object_size(v));
	json_object_foreach(v, k, e)
	{
		if (!with_values) {
			(*out)[i++] = xstrdup(k);
			continue;
		}
		if (!json_is_string(e)) {
			strv_free(*out);
			*out = NULL;
			return error("%s: %s '%s' is not a string", what, key, k);
		}
		(*out)[i++] = xasprintf("%s=%s", k, json_string_value(e));
	}
	return 0;
}

/* ---- image config ---- */

static int parse_config(const char *text, size_t len, const char *what, struct image_config *out)
{
	json_t *root, *c;
	const char *wd = NULL, *user = NULL, *version;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	root = parse_json(text, len, what);
	if (!root)
		return -1;
	if (!json_is_object(root)) {
		error("%s is not a JSON object", what);
		goto out;
	}
	c = json_object_get(root, "config");
	if (c && json_is_null(c))
		c = NULL;
	if (c && !json_is_object(c)) {
		error("%s: 'config' is not an object", what);
		goto out;
	}
	/* json_object_get(NULL, ...) is NULL: an absent config reads as empty */
	if (platform_from_json(root, &out->platform, what) < 0 ||
	    strv_from_array(json_object_get(c, "Entrypoint"), &out->entrypoint, what,
			    "Entrypoint") < 0 ||
	    strv_from_array(json_object_get(c, "Cmd"), &out->cmd, what, "Cmd") < 0 ||
	    strv_from_array(json_object_get(c, "Env"), &out->env, what, "Env") < 0 ||
	    strv_from_object(json_object_get(c, "Volumes"), &out->volumes, 0, what, "Volumes") <
		    0 ||
	    strv_from_object(json_object_get(c, "Labels"), &out->labels, 1, what, "Labels") < 0 ||
	    get_str(c, "WorkingDir", &wd, what) < 0 || get_str(c, "User", &user, what) < 0)
		goto out;
	out->working_dir = xstrdup(wd ? wd : "");
	out->user = xstrdup(user ? user : "");
	version = image_config_label(out, "org.opencontainers.image.version");
	out->version = xstrdup(version ? version : "");
	/* a runtime runs Entrypoint with Cmd as its arguments, or Cmd alone */
	out->argv = strv_concat(out->entrypoint, out->cmd);
	ret = 0;
out:
	json_decref(root);
	if (ret)
		image_config_release(out);
	return ret;
}

int image_config_parse(const char *json, size_t len, struct image_config *out)
{
	return parse_config(json, len, "image config", out);
}

void image_config_release(struct image_config *cfg)
{
	strv_free(cfg->entrypoint);
	strv_free(cfg->cmd);
	strv_free(cfg->argv);
	strv_free(cfg->env);
	strv_free(cfg->volumes);
	strv_free(cfg->labels);
	free(cfg->working_dir);
	free(cfg->user);
	free(cfg->version);
	memset(cfg, 0, sizeof(*cfg));
}

const char *image_config_label(const struct image_config *cfg, const char *key)
{
	size_t klen = strlen(key);

	for (size_t i = 0; cfg->labels && cfg->labels[i]; i++)
		if (!strncmp(cfg->labels[i], key, klen) && cfg->labels[i][klen] == '=')
			return cfg->labels[i] + klen + 1;
	return NULL;
}

/* ---- digests and member names ---- */

static char *hex_digest(const char *alg, const void *data, size_t len)
{
	const EVP_MD *md = !strcmp(alg, "sha512") ? EVP_sha512() : EVP_sha256();
	unsigned char sum[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	struct strbuf sb = STRBUF_INIT;

	if (!EVP_Digest(data, len, sum, &n, md, NULL)) {
		error("cannot compute a %s digest", alg);
		return NULL;
	}
	for (unsigned int i = 0; i < n; i++)
		strbuf_addf(&sb, "%02x", sum[i]);
	return strbuf_detach(&sb, NULL);
}

/* The layout path of a blob ("blobs/sha256/<hex>"); digests are checked
 * strictly because they become paths. */
static char *digest_member(const char *digest, const char *what)
{
	const char *colon = digest ? strchr(digest, ':') : NULL;
	size_t alen, hlen, want;

	if (!colon) {
		error("%s: digest '%.80s' is malformed", what, digest ? digest : "(none)");
		return NULL;
	}
	alen = (size_t)(colon - digest);
	if (alen == 6 && !strncmp(digest, "sha256", 6)) {
		want = 64;
	} else if (alen == 6 && !strncmp(digest, "sha512", 6)) {
		want = 128;
	} else {
		error("%s: digest algorithm of '%.80s' is not supported", what, digest);
		return NULL;
	}
	hlen = strlen(colon + 1);
	if (hlen != want || strspn(colon + 1, "0123456789abcdef") != hlen) {
		error("%s: digest '%.80s' is malformed", what, digest);
		return NULL;
	}
	return xasprintf("blobs/%.*s/%s", (int)alen, digest, colon + 1);
}

/* A relative path inside an archive or layout that cannot leave it. */
static int member_name_ok(const char *name)
{
	const char *p = name;

	if (!*name || *name == '/')
		return 0;
	while (*p) {
		size_t n = strcspn(p, "/");

		if (n == 2 && p[0] == '.' && p[1] == '.')
			return 0;
		p += n;
		while (*p == '/')
			p++;
	}
	return 1;
}

/* ---- candidates ---- */

static struct image_candidate *add_candidate(struct image_candidates *c)
{
	if (c->n >= MAX_CANDIDATES) {
		error("image lists more than %d manifests", MAX_CANDIDATES);
		return NULL;
	}
	c->v = xrealloc(c->v, (c->n + 1) * sizeof(*c->v));
	memset(&c->v[c->n], 0, sizeof(c->v[0]));
	return &c->v[c->n++];
}

void image_candidates_release(struct image_candidates *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].manifest_digest);
		free(c->v[i].index_digest);
		free(c->v[i].manifest_type);
		free(c->v[i].config_digest);
		free(c->v[i].config_json);
		strv_free(c->v[i].members);
	}
	free(c->v);
	c->v = NULL;
	c->n = 0;
}

/* The config decides; the index fills in only what the config leaves out. */
static void merge_platform(struct image_candidate *cand, const struct image_platform *cfg,
			   const struct arch_table *arches, const char *what)
{
	const struct image_platform *d = &cand->declared;
	struct image_platform *p = &cand->platform;
	char a[96], b[96];

	*p = *cfg;
	if (!p->os[0])
		memcpy(p->os, d->os, sizeof(p->os));
	if (!p->arch[0])
		memcpy(p->arch, d->arch, sizeof(p->arch));
	if ((d->os[0] && strcmp(d->os, p->os)) ||
	    (d->arch[0] &&
	     strcmp(arch_oci_name(arches, d->arch), arch_oci_name(arches, p->arch))) ||
	    (d->variant[0] && p->variant[0] && strcmp(d->variant, p->variant))) {
		warning("image %s: the index says %s but the config says %s; going by the config",
			what, image_platform_str(d, a, sizeof(a)),
			image_platform_str(cfg, b, sizeof(b)));
		return;
	}
	if (!p->variant[0])
		memcpy(p->variant, d->variant, sizeof(p->variant));
}

struct oci_walk {
	image_read_fn *read;
	void *ctx;
	const struct arch_table *arches; /* how index and config may spell an arch */
	struct image_candidates *out;
	size_t top;
	const char *top_index; /* digest of the index index.json names, while walking it */
};

static int is_index_type(const char *mt)
{
	return !strcmp(mt, MT_OCI_INDEX) || !strcmp(mt, MT_DOCKER_LIST);
}

static int is_manifest_type(const char *mt)
{
	return !strcmp(mt, MT_OCI_MANIFEST) || !strcmp(mt, MT_DOCKER_MANIFEST);
}

static int add_manifest(struct oci_walk *w, json_t *manifest, const char *mt, const char *digest,
			const char *name, size_t size, const struct image_platform *declared)
{
	json_t *config = json_object_get(manifest, "config");
	json_t *layers = json_object_get(manifest, "layers"), *l;
	const char *cmt = NULL, *cdigest = NULL;
	struct image_candidate *cand;
	struct image_config cfg;
	struct strbuf blob = STRBUF_INIT;
	char *cname;
	size_t i;
	int ret = -1;

	if (!json_is_object(config))
		return error("manifest '%s' has no config", digest);
	if (get_str(config, "mediaType", &cmt, name) < 0 ||
	    get_str(config, "digest", &cdigest, name) < 0)
		return -1;
	if (cmt && strcmp(cmt, MT_OCI_CONFIG) && strcmp(cmt, MT_DOCKER_CONFIG)) {
		debug("image: skipping '%s': its config is '%s', not an image config", digest, cmt);
		return 0;
	}
	if (layers && !json_is_array(layers))
		return error("manifest '%s': 'layers' is not a list", digest);
	cname = digest_member(cdigest, name);
	if (!cname)
		return -1;
	if (w->read(w->ctx, cname, &blob) < 0 || parse_config(blob.buf, blob.len, cname, &cfg) < 0)
		goto out;
	cand = add_candidate(w->out);
	if (!cand) {
		image_config_release(&cfg);
		goto out;
	}
	cand->index = w->top;
	cand->declared = *declared;
	merge_platform(cand, &cfg.platform, w->arches, digest);
	image_config_release(&cfg);
	cand->manifest_digest = xstrdup(digest);
	cand->index_digest = w->top_index ? xstrdup(w->top_index) : NULL;
	cand->manifest_type = xstrdup(mt);
	cand->manifest_size = size;
	cand->config_digest = xstrdup(cdigest);
	cand->config_json = strbuf_detach(&blob, NULL);
	cand->members = strv_new(json_array_size(layers) + 2);
	cand->members[0] = xstrdup(name);
	cand->members[1] = cname;
	cname = NULL;
	json_array_foreach(layers, i, l)
	{
		const char *ldigest = NULL;

		if (!json_is_object(l)) {
			error("manifest '%s': a layer is not an object", digest);
			goto out;
		}
		if (get_str(l, "digest", &ldigest, name) < 0)
			goto out;
		cand->members[i + 2] = digest_member(ldigest, name);
		if (!cand->members[i + 2])
			goto out;
	}
	ret = 0;
out:
	free(cname);
	strbuf_release(&blob);
	return ret;
}

static int walk_index(struct oci_walk *w, json_t *index, const char *what, int depth);

/* Skip what is not a runnable image: BuildKit attestations and the like. */
static int skip_descriptor(json_t *desc, const struct image_platform *declared)
{
	json_t *ann = json_object_get(desc, "annotations");
	const char *type = json_string_value(json_object_get(ann, "vnd.docker.reference.type"));

	if (type && !strcmp(type, "attestation-manifest"))
		return 1;
	return !strcmp(declared->os, "unknown") || !strcmp(declared->arch, "unknown");
}

static int walk_descriptor(struct oci_walk *w, json_t *desc, int depth)
{
	struct image_platform declared;
	const char *mt = NULL, *digest = NULL;
	struct strbuf blob = STRBUF_INIT;
	json_t *doc = NULL;
	char *name;
	int ret = -1;

	if (!json_is_object(desc))
		return error("image index: a manifests entry is not an object");
	if (get_str(desc, "mediaType", &mt, "image index") < 0 ||
	    get_str(desc, "digest", &digest, "image index") < 0 ||
	    platform_from_json(json_object_get(desc, "platform"), &declared, "image index") < 0)
		return -1;
	if (skip_descriptor(desc, &declared)) {
		debug("image: skipping attestation '%s'", digest ? digest : "?");
		return 0;
	}
	name = digest_member(digest, "image index");
	if (!name)
		return -1;
	if (w->read(w->ctx, name, &blob) < 0)
		goto out;
	doc = parse_json(blob.buf, blob.len, name);
	if (!doc)
		goto out;
	if (!json_is_object(doc)) {
		error("%s is not a JSON object", name);
		goto out;
	}
	if (!mt && get_str(doc, "mediaType", &mt, name) < 0)
		goto out;
	if (!mt)
		mt = json_object_get(doc, "manifests") ? MT_OCI_INDEX : MT_OCI_MANIFEST;
	if (is_index_type(mt)) {
		if (depth >= MAX_NESTING) {
			error("image indexes are nested deeper than %d", MAX_NESTING);
		} else {
			if (depth == 0)
				w->top_index = digest;
			ret = walk_index(w, doc, name, depth + 1);
			if (depth == 0)
				w->top_index = NULL;
		}
	} else if (is_manifest_type(mt)) {
		ret = add_manifest(w, doc, mt, digest, name, blob.len, &declared);
	} else {
		debug("image: skipping '%s' of type '%s'", digest, mt);
		ret = 0;
	}
out:
	json_decref(doc);
	strbuf_release(&blob);
	free(name);
	return ret;
}

static int walk_index(struct oci_walk *w, json_t *index, const char *what, int depth)
{
	json_t *m = json_object_get(index, "manifests"), *d;
	size_t i;

	if (!json_is_array(m))
		return error("%s has no 'manifests' list", what);
	json_array_foreach(m, i, d)
	{
		if (depth == 0)
			w->top = i;
		if (walk_descriptor(w, d, depth) < 0)
			return -1;
	}
	return 0;
}

int image_list_oci(const char *index_json, image_read_fn *read, void *ctx,
		   const struct arch_table *arches, struct image_candidates *out)
{
	struct oci_walk w = { read, ctx, arches, out, 0, NULL };
	json_t *root;
	int ret;

	memset(out, 0, sizeof(*out));
	root = parse_json(index_json, strlen(index_json), "index.json");
	if (!root)
		return -1;
	if (!json_is_object(root))
		ret = error("index.json is not a JSON object");
	else
		ret = walk_index(&w, root, "index.json", 0);
	json_decref(root);
	if (ret)
		image_candidates_release(out);
	return ret;
}

static int add_docker_image(json_t *entry, size_t i, image_read_fn *read, void *ctx,
			    struct image_candidates *out)
{
	struct strbuf blob = STRBUF_INIT;
	struct image_candidate *cand;
	struct image_config cfg;
	const char *config = NULL;
	char *digest;

	if (!json_is_object(entry) || get_str(entry, "Config", &config, "manifest.json") < 0 ||
	    !config)
		return error("manifest.json: entry %zu has no Config", i);
	if (!member_name_ok(config))
		return error("manifest.json: Config path '%.80s' leaves the archive", config);
	if (read(ctx, config, &blob) < 0 || parse_config(blob.buf, blob.len, config, &cfg) < 0) {
		strbuf_release(&blob);
		return -1;
	}
	digest = hex_digest("sha256", blob.buf, blob.len);
	cand = digest ? add_candidate(out) : NULL;
	if (!cand) {
		free(digest);
		image_config_release(&cfg);
		strbuf_release(&blob);
		return -1;
	}
	cand->index = i;
	cand->platform = cfg.platform;
	image_config_release(&cfg);
	cand->config_digest = xasprintf("sha256:%s", digest);
	free(digest);
	cand->config_json = strbuf_detach(&blob, NULL);
	cand->members = strv_new(1);
	cand->members[0] = xstrdup(config);
	return 0;
}

int image_list_docker(const char *manifest_json, image_read_fn *read, void *ctx,
		      struct image_candidates *out)
{
	json_t *root, *e;
	size_t i;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	root = parse_json(manifest_json, strlen(manifest_json), "manifest.json");
	if (!root)
		return -1;
	if (!json_is_array(root))
		ret = error("manifest.json is not a JSON list");
	json_array_foreach(root, i, e)
	{
		if (ret)
			break;
		ret = add_docker_image(e, i, read, ctx, out);
	}
	json_decref(root);
	if (ret)
		image_candidates_release(out);
	return ret;
}

int image_select(const struct image_candidates *c, const struct arch *want, const char *what,
		 size_t *chosen)
{
	struct image_platform need;
	struct strbuf have = STRBUF_INIT;
	char needs[96], a[96], b[96];
	size_t i, distinct = 0, novariant = SIZE_MAX;
	int ret;

	image_platform_of_arch(want, &need);
	image_platform_str(&need, needs, sizeof(needs));
	if (!c->n)
		return error(
			"image '%s' holds no runnable image (no manifest with an image config)",
			what);
	for (i = 0; i < c->n; i++) {
		enum image_match m = image_platform_match(&c->v[i].platform, want);

		if (m == IMAGE_MATCH) {
			*chosen = i;
			return 0;
		}
		if (m == IMAGE_NO_VARIANT && novariant == SIZE_MAX)
			novariant = i;
	}
	if (novariant != SIZE_MAX)
		return error("image '%s' is %s without a platform variant; ARCH=%s needs %s "
			     "(the build must set variant '%s' in the index or the image config)",
			     what, image_platform_str(&c->v[novariant].platform, a, sizeof(a)),
			     want->name, needs, want->oci_variant);
	for (i = 0; i < c->n; i++) {
		size_t j;

		image_platform_str(&c->v[i].platform, a, sizeof(a));
		for (j = 0; j < i; j++)
			if (!strcmp(a, image_platform_str(&c->v[j].platform, b, sizeof(b))))
				break;
		if (j < i)
			continue;
		strbuf_addf(&have, "%s%s", distinct++ ? ", " : "", a);
	}
	ret = error("image '%s' has %s%s; ARCH=%s needs %s", what, strbuf_str(&have),
		    distinct == 1 ? " only" : "", want->name, needs);
	strbuf_release(&have);
	return ret;
}

/* ---- files and trees ---- */

struct inode_id {
	dev_t dev;
	ino_t ino;
};

int image_tree_bytes(const char *dir, unsigned long long *bytes)
{
	char *roots[] = { (char *)dir, NULL };
	struct inode_id *seen = NULL;
	size_t nseen = 0;
	FTSENT *e;
	FTS *fts;
	int ret = 0;

	*bytes = 0;
	fts = fts_open(roots, FTS_PHYSICAL | FTS_NOCHDIR | FTS_XDEV, NULL);
	if (!fts)
		return error_errno("cannot walk '%s'", dir);
	while (!ret && (e = fts_read(fts))) {
		const struct stat *st = e->fts_statp;
		size_t i;

		switch (e->fts_info) {
		case FTS_F:
			if (st->st_nlink > 1) {
				for (i = 0; i < nseen; i++)
					if (seen[i].dev == st->st_dev && seen[i].ino == st->st_ino)
						break;
				if (i < nseen)
					break;
				seen = xrealloc(seen, (nseen + 1) * sizeof(*seen));
				seen[nseen].dev = st->st_dev;
				seen[nseen++].ino = st->st_ino;
			}
			*bytes += (unsigned long long)st->st_size;
			break;
		case FTS_NS:
		case FTS_DNR:
		case FTS_ERR:
			errno = e->fts_errno;
			ret = error_errno("cannot read '%s'", e->fts_path);
			break;
		default: break;
		}
	}
	fts_close(fts);
	free(seen);
	return ret;
}

/* ---- the input: a layout directory or an archive ---- */

struct source {
	enum image_format format;
	const char *what;  /* the path as the user gave it, for messages */
	char *path;        /* its absolute path */
	char **members;    /* archive: member names as tar lists them */
	char *extract_dir; /* archive: where members are extracted */
	int compressed;    /* archive: gzip, zstd, xz or bzip2 */
};

static void source_release(struct source *src)
{
	free(src->path);
	strv_free(src->members);
	free(src->extract_dir);
	memset(src, 0, sizeof(*src));
}

/* Tool stderr as one line for the report: "a; b". */
static const char *one_line(struct strbuf *sb)
{
	struct strbuf line = STRBUF_INIT;

	strbuf_rtrim(sb);
	for (size_t i = 0; i < sb->len; i++) {
		if (sb->buf[i] == '\n')
			strbuf_addstr(&line, "; ");
		else
			strbuf_addch(&line, sb->buf[i]);
	}
	strbuf_release(sb);
	*sb = line;
	return sb->len ? strbuf_str(sb) : "(no message)";
}

/* Run a tool to completion; -1 with its stderr reported unless it exits 0. */
static int run_tool(const char *what, const char *tmpdir, int timeout_ms, const char *const *argv)
{
	char *env_tmp = tmpdir ? xasprintf("TMPDIR=%s", tmpdir) : NULL;
	const char *env[] = { env_tmp, NULL };
	struct proc_spec spec = { .name = argv[0], .argv = argv, .env = tmpdir ? env : NULL };
	struct strbuf err = STRBUF_INIT;
	char how[32];
	int status = 0, ret;

	ret = run_capture(&spec, timeout_ms, NULL, &err, &status);
	if (!ret && status) {
		if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
			ret = error("cannot %s: '%s' did not run (is it installed?): %s", what,
				    argv[0], one_line(&err));
		else
			ret = error("cannot %s: %s %s: %s", what, argv[0],
				    proc_describe_status(status, how, sizeof(how)), one_line(&err));
	}
	strbuf_release(&err);
	free(env_tmp);
	return ret;
}

/*
 * tar(1) reads an archive cut at a block boundary, or inside a header, as a
 * shorter one without complaint: check the end of the file as well. Every
 * tar writer ends an archive with two zero blocks (compressed archives are
 * left to the decompressor, which notices a cut).
 */
static int check_archive_end(struct source *src)
{
	static const unsigned char gzip[] = { 0x1f, 0x8b }, zstd[] = { 0x28, 0xb5, 0x2f, 0xfd },
				   xz[] = { 0xfd, '7', 'z', 'X', 'Z' }, bzip2[] = { 'B', 'Z', 'h' };
	unsigned char head[8] = { 0 }, tail[1024];
	struct stat st;
	int fd, ret = 0;

	fd = open(src->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		ret = error_errno("cannot read archive '%s'", src->what);
		goto out;
	}
	if (pread(fd, head, sizeof(head), 0) < 0) {
		ret = error_errno("cannot read archive '%s'", src->what);
		goto out;
	}
	src->compressed = !memcmp(head, gzip, sizeof(gzip)) || !memcmp(head, zstd, sizeof(zstd)) ||
			  !memcmp(head, xz, sizeof(xz)) || !memcmp(head, bzip2, sizeof(bzip2));
	if (src->compressed)
		goto out;
	if (st.st_size % 512) {
		ret = error("archive '%s' is truncated: %lld bytes is not a whole number of "
			    "512-byte tar blocks",
			    src->what, (long long)st.st_size);
		goto out;
	}
	if (st.st_size < (off_t)sizeof(tail) ||
	    pread(fd, tail, sizeof(tail), st.st_size - (off_t)sizeof(tail)) !=
		    (ssize_t)sizeof(tail)) {
		ret = error("archive '%s' is truncated: it is too short for a tar archive",
			    src->what);
		goto out;
	}
	for (size_t i = 0; i < sizeof(tail) && !ret; i++)
		if (tail[i])
			ret = error("archive '%s' is truncated: it lacks the tar end-of-archive "
				    "blocks",
				    src->what);
out:
	if (fd >= 0)
		close(fd);
	return ret;
}

static int list_archive(struct source *src)
{
	const char *argv[] = { "tar", "--force-local", "-t", "-f", src->path, NULL };
	struct proc_spec spec = { .name = "tar", .argv = argv };
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;
	size_t n = 0, cap = 16;
	char how[32], *line, *next;
	int status = 0, ret;

	ret = run_capture(&spec, TAR_TIMEOUT_MS, &out, &err, &status);
	if (!ret && status)
		ret = error("cannot read archive '%s' (%s; truncated or corrupt?): %s", src->what,
			    proc_describe_status(status, how, sizeof(how)), one_line(&err));
	src->members = strv_new(cap);
	for (line = out.buf; !ret && line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (!*line)
			continue;
		if (n == cap) {
			src->members = xrealloc(src->members, (2 * cap + 1) * sizeof(char *));
			memset(src->members + cap, 0, (cap + 1) * sizeof(char *));
			cap *= 2;
		}
		src->members[n++] = xstrdup(line);
	}
	if (!ret && !n)
		ret = error("archive '%s' is empty: not an image", src->what);
	if (!ret)
		ret = check_archive_end(src);
	strbuf_release(&out);
	strbuf_release(&err);
	return ret;
}

/* The archive member that holds name ("./index.json" for "index.json"). */
static const char *archive_member(const struct source *src, const char *name)
{
	for (size_t i = 0; src->members && src->members[i]; i++) {
		const char *m = src->members[i];

		while (m[0] == '.' && m[1] == '/')
			m += 2;
		if (!strcmp(m, name))
			return src->members[i];
	}
	return NULL;
}

/* Extract the named files (not yet extracted) from the archive, as regular files only. */
static int extract_members(struct source *src, char *const *names)
{
	const char *head[] = { "tar",
			       "--force-local",
			       "-x",
			       "-f",
			       src->path,
			       "-C",
			       src->extract_dir,
			       "--no-same-owner",
			       "--no-same-permissions",
			       "--no-recursion",
			       "--occurrence=1",
			       "--" };
	size_t nhead = ARRAY_SIZE(head), n = nhead, count = strv_len(names);
	const char **argv = xcalloc(nhead + count + 1, sizeof(char *));
	struct stat st;
	int ret = 0;

	memcpy(argv, head, sizeof(head));
	for (size_t i = 0; i < count && !ret; i++) {
		char *path = xasprintf("%s/%s", src->extract_dir, names[i]);
		const char *m = archive_member(src, names[i]);

		if (!m)
			ret = error("archive '%s' has no '%s' (truncated or incomplete image?)",
				    src->what, names[i]);
		else if (lstat(path, &st) < 0)
			argv[n++] = m;
		free(path);
	}
	if (!ret && n > nhead)
		ret = run_tool("extract from the image archive", NULL, TAR_TIMEOUT_MS, argv);
	for (size_t i = 0; i < count && !ret; i++) {
		char *path = xasprintf("%s/%s", src->extract_dir, names[i]);

		if (lstat(path, &st) < 0)
			ret = error_errno("cannot extract '%s' from '%s'", names[i], src->what);
		else if (!S_ISREG(st.st_mode))
			ret = error("'%s' in archive '%s' is not a regular file", names[i],
				    src->what);
		free(path);
	}
	free(argv);
	return ret;
}

static int verify_blob(const struct source *src, const char *name, const struct strbuf *blob)
{
	const char *alg = name + strlen("blobs/"), *slash;
	char algname[8], *sum;
	int ok;

	if (strncmp(name, "blobs/", 6) || !(slash = strchr(alg, '/')) ||
	    (size_t)(slash - alg) >= sizeof(algname))
		return 0;
	memcpy(algname, alg, (size_t)(slash - alg));
	algname[slash - alg] = '\0';
	if (strcmp(algname, "sha256") && strcmp(algname, "sha512"))
		return 0;
	sum = hex_digest(algname, blob->buf, blob->len);
	if (!sum)
		return -1;
	ok = !strcmp(sum, slash + 1);
	free(sum);
	if (!ok)
		return error("blob '%s' of image '%s' does not match its digest (corrupt image)",
			     name, src->what);
	return 0;
}

/* image_read_fn over a source: a layout file, or an archive member. */
static int read_member(void *ctx, const char *name, struct strbuf *out)
{
	struct source *src = ctx;
	char *names[] = { (char *)name, NULL };
	char *path;
	struct stat st;
	int ret = -1;

	strbuf_reset(out);
	if (!member_name_ok(name))
		return error("image '%s': refusing path '%.80s'", src->what, name);
	if (src->format == IMAGE_FORMAT_OCI_DIR) {
		path = xasprintf("%s/%s", src->path, name);
	} else {
		if (extract_members(src, names) < 0)
			return -1;
		path = xasprintf("%s/%s", src->extract_dir, name);
	}
	if (stat(path, &st) < 0) {
		if (errno == ENOENT)
			error("image '%s' has no '%s' (incomplete image?)", src->what, name);
		else
			error_errno("cannot read '%s'", path);
	} else if (!S_ISREG(st.st_mode)) {
		error("'%s' in image '%s' is not a regular file", name, src->what);
	} else if (st.st_size > MAX_JSON_BYTES) {
		error("'%s' in image '%s' is too big for metadata (%lld bytes)", name, src->what,
		      (long long)st.st_size);
	} else if (strbuf_read_file(out, path) < 0) {
		error_errno("cannot read '%s'", path);
	} else {
		ret = verify_blob(src, name, out);
	}
	free(path);
	return ret;
}

static int exists_in(const char *dir, const char *name)
{
	char *path = xasprintf("%s/%s", dir, name);
	struct stat st;
	int ok = stat(path, &st) == 0;

	free(path);
	return ok;
}

static int detect_format(struct source *src, const char *path)
{
	struct stat st;
	int fd;

	src->what = path;
	if (stat(path, &st) < 0) {
		if (errno == ENOENT)
			return error(
				"no image at '%s' (build it with 'make image' or pass IMAGE=...)",
				path);
		return error_errno("cannot read image '%s'", path);
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return error_errno("cannot read image '%s'", path);
	close(fd);
	src->path = realpath(path, NULL);
	if (!src->path)
		return error_errno("cannot resolve '%s'", path);
	if (S_ISDIR(st.st_mode)) {
		if (exists_in(src->path, "oci-layout")) {
			src->format = IMAGE_FORMAT_OCI_DIR;
			return 0;
		}
		if (exists_in(src->path, "manifest.json"))
			return error("'%s' looks like an unpacked `docker save`: pass the tar file",
				     path);
		return error(
			"'%s' is not an image: an OCI layout directory has an 'oci-layout' file",
			path);
	}
	if (!S_ISREG(st.st_mode))
		return error("'%s' is not an image: neither a file nor a directory", path);
	if (list_archive(src) < 0)
		return -1;
	if (archive_member(src, "oci-layout") && archive_member(src, "index.json"))
		src->format = IMAGE_FORMAT_OCI_ARCHIVE;
	else if (archive_member(src, "manifest.json") && src->compressed)
		return error("'%s' is a compressed `docker save`, which skopeo 1.9 cannot read: "
			     "decompress it first",
			     path);
	else if (archive_member(src, "manifest.json"))
		src->format = IMAGE_FORMAT_DOCKER_ARCHIVE;
	else
		return error("'%s' is a tar archive but not an image: it has neither 'oci-layout' "
			     "and 'index.json' (OCI) nor 'manifest.json' (docker save)",
			     path);
	return 0;
}

static int list_candidates(struct source *src, const struct arch_table *arches,
			   struct image_candidates *c)
{
	struct strbuf top = STRBUF_INIT;
	const char *name = src->format == IMAGE_FORMAT_DOCKER_ARCHIVE ? "manifest.json"
								      : "index.json";
	int ret;

	memset(c, 0, sizeof(*c));
	if (read_member(src, name, &top) < 0) {
		strbuf_release(&top);
		return -1;
	}
	if (src->format == IMAGE_FORMAT_DOCKER_ARCHIVE)
		ret = image_list_docker(strbuf_str(&top), read_member, src, c);
	else
		ret = image_list_oci(strbuf_str(&top), read_member, src, arches, c);
	strbuf_release(&top);
	return ret;
}

/*
 * A one-manifest OCI layout at dir/src holding exactly the chosen image, so
 * skopeo needs no choosing: skopeo 1.9 cannot pick an entry from an
 * index.json with several unnamed entries, and picks from nested indexes by
 * the index's platform fields only, where the config is what counts here.
 */
static int stage_oci(const struct image *img, struct source *src,
		     const struct image_candidate *cand, char **ref)
{
	char *layout = xasprintf("%s/src", img->dir), *path = NULL, *text = NULL;
	json_t *index;
	int ret = -1;

	if (src->format == IMAGE_FORMAT_OCI_ARCHIVE) {
		if (extract_members(src, cand->members) < 0)
			goto out;
	} else {
		char *blobs = xasprintf("%s/blobs", src->path);

		path = xasprintf("%s/blobs", layout);
		if (mkdir(layout, 0755) < 0 || symlink(blobs, path) < 0) {
			error_errno("cannot stage the layout in '%s'", layout);
			free(blobs);
			goto out;
		}
		free(blobs);
		free(path);
		path = NULL;
	}
	index = json_pack("{s:i, s:[{s:s, s:s, s:I}]}", "schemaVersion", 2, "manifests",
			  "mediaType", cand->manifest_type, "digest", cand->manifest_digest, "size",
			  (json_int_t)cand->manifest_size);
	text = index ? json_dumps(index, JSON_COMPACT) : NULL;
	json_decref(index);
	if (!text) {
		error("cannot build the staged index.json");
		goto out;
	}
	path = xasprintf("%s/oci-layout", layout);
	if (write_text_file(path, OCI_LAYOUT, 0644) < 0)
		goto out;
	free(path);
	path = xasprintf("%s/index.json", layout);
	if (write_text_file(path, text, 0644) < 0)
		goto out;
	*ref = xasprintf("oci:%s", layout);
	ret = 0;
out:
	free(text);
	free(path);
	free(layout);
	return ret;
}

static int stage_docker(const struct image *img, const struct source *src,
			const struct image_candidate *cand, char **ref)
{
	/* the link keeps ':' in the caller's path away from skopeo's parser */
	char *link = xasprintf("%s/source.tar", img->dir);

	if (symlink(src->path, link) < 0) {
		error_errno("cannot link '%s'", link);
		free(link);
		return -1;
	}
	*ref = xasprintf("docker-archive:%s:@%zu", link, cand->index);
	free(link);
	return 0;
}

/* Write the chosen image as an OCI archive with gzip layers; keep its size. */
static int measure_shipped(struct image *img, const char *layout_ref, const char *tmp)
{
	char *path = xasprintf("%s/shipped.tar", img->dir);
	char *ref = xasprintf("oci-archive:%s:" LAYOUT_TAG, path);
	const char *skopeo[] = { "skopeo",  "--insecure-policy", "copy",
				 "--quiet", "--dest-compress",   "--dest-compress-format",
				 "gzip",    layout_ref,          ref,
				 NULL };
	struct stat st;
	int ret = -1;

	if (run_tool("measure the image as shipped", tmp, SKOPEO_TIMEOUT_MS, skopeo) == 0) {
		if (stat(path, &st) < 0) {
			error_errno("cannot stat '%s'", path);
		} else {
			img->shipped_bytes = (unsigned long long)st.st_size;
			ret = 0;
		}
	}
	unlink(path);
	free(path);
	free(ref);
	return ret;
}

static int convert_and_unpack(struct image *img, const char *src_ref)
{
	char *tmp = xasprintf("%s/tmp", img->dir);
	char *dst_ref = xasprintf("oci:%s/layout:" LAYOUT_TAG, img->dir);
	char *umoci_ref = xasprintf("%s/layout:" LAYOUT_TAG, img->dir);
	const char *skopeo[] = { "skopeo",   "--insecure-policy",
				 "copy",     "--quiet",
				 "--format", "oci",
				 src_ref,    dst_ref,
				 NULL };
	const char *umoci[9] = { "umoci", "--log=error", "raw", "unpack" };
	size_t n = 4;
	int ret = -1;

	/* umoci's flag parser stops at the first plain argument: flags go first */
	if (!userns_really_root()) /* a user's namespace root too: no mknod, no chown */
		umoci[n++] = "--rootless";
	umoci[n++] = "--image";
	umoci[n++] = umoci_ref;
	umoci[n++] = img->rootfs;
	umoci[n] = NULL;

	if (mkdir(tmp, 0700) < 0) {
		error_errno("cannot create '%s'", tmp);
		goto out;
	}
	debug("image: skopeo copy %s %s", src_ref, dst_ref);
	if (run_tool("convert the image", tmp, SKOPEO_TIMEOUT_MS, skopeo) < 0)
		goto out;
	debug("image: umoci raw unpack %s %s", umoci_ref, img->rootfs);
	if (run_tool("unpack the image", tmp, UMOCI_TIMEOUT_MS, umoci) < 0)
		goto out;
	if (!img->shipped_bytes && measure_shipped(img, dst_ref, tmp) < 0)
		goto out;
	ret = 0;
out:
	free(tmp);
	free(dst_ref);
	free(umoci_ref);
	return ret;
}

/* Drop everything in the private dir but the rootfs. */
static void remove_intermediates(const struct image *img)
{
	static const char *const names[] = { "src", "layout", "tmp", "source.tar" };

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		char *path = xasprintf("%s/%s", img->dir, names[i]);

		rm_rf(path);
		free(path);
	}
}

static int make_private_dir(struct image *img, struct source *src, const char *workdir)
{
	char *tmpl;

	/* skopeo and umoci read "path:tag" and would cut the path at a ':' */
	if (strchr(workdir, ':'))
		return error("workdir '%s' must not contain ':'", workdir);
	if (mkdir_p(workdir) < 0)
		return -1;
	tmpl = xasprintf("%s/image-XXXXXX", workdir);
	if (!mkdtemp(tmpl)) {
		error_errno("cannot create a directory in '%s'", workdir);
		free(tmpl);
		return -1;
	}
	img->dir = realpath(tmpl, NULL);
	if (!img->dir) {
		error_errno("cannot resolve '%s'", tmpl);
		rmdir(tmpl);
		free(tmpl);
		return -1;
	}
	free(tmpl);
	if (strchr(img->dir, ':')) {
		rmdir(img->dir);
		return error("workdir '%s' resolves to a path with ':'", workdir);
	}
	undo_push(undo_rm_rf, xstrdup(img->dir), "remove image directory");
	img->rootfs = xasprintf("%s/rootfs", img->dir);
	if (src->format == IMAGE_FORMAT_OCI_ARCHIVE || src->format == IMAGE_FORMAT_DOCKER_ARCHIVE) {
		src->extract_dir = xasprintf("%s/src", img->dir);
		if (mkdir(src->extract_dir, 0755) < 0)
			return error_errno("cannot create '%s'", src->extract_dir);
	}
	return 0;
}

int image_open(struct image *img, const char *path, const struct arch *want,
	       const struct arch_table *arches, const char *workdir)
{
	struct source src = { 0 };
	struct image_candidates cands = { 0 };
	const struct image_candidate *cand;
	char *ref = NULL, plat[96];
	size_t pick = 0;
	int ret = -1;

	memset(img, 0, sizeof(*img));
	img->source = xstrdup(path);
	if (detect_format(&src, path) < 0 || make_private_dir(img, &src, workdir) < 0 ||
	    list_candidates(&src, arches, &cands) < 0 ||
	    image_select(&cands, want, path, &pick) < 0)
		goto out;
	cand = &cands.v[pick];
	img->format = src.format;
	img->platform = cand->platform;
	img->manifest_digest = xstrdup(cand->manifest_digest ? cand->manifest_digest : "");
	img->index_digest = xstrdup(cand->index_digest ? cand->index_digest : "");
	img->config_digest = xstrdup(cand->config_digest);
	if (image_config_parse(cand->config_json, strlen(cand->config_json), &img->config) < 0)
		goto out;
	if (!img->config.argv[0]) {
		error("image '%s' has neither Entrypoint nor Cmd: nothing to start", path);
		goto out;
	}
	{
		/* a single-platform OCI archive is shipped as it is */
		struct stat st;

		if (src.format == IMAGE_FORMAT_OCI_ARCHIVE && cands.n == 1 && stat(path, &st) == 0)
			img->shipped_bytes = (unsigned long long)st.st_size;
	}
	if (src.format == IMAGE_FORMAT_DOCKER_ARCHIVE ? stage_docker(img, &src, cand, &ref) < 0
						      : stage_oci(img, &src, cand, &ref) < 0)
		goto out;
	if (convert_and_unpack(img, ref) < 0 ||
	    image_tree_bytes(img->rootfs, &img->rootfs_bytes) < 0)
		goto out;
	remove_intermediates(img);
	debug("image: '%s' %s config %s: %llu bytes in '%s'", path,
	      image_platform_str(&img->platform, plat, sizeof(plat)), img->config_digest,
	      img->rootfs_bytes, img->rootfs);
	ret = 0;
out:
	free(ref);
	image_candidates_release(&cands);
	source_release(&src);
	if (ret)
		image_release(img);
	return ret;
}

void image_release(struct image *img)
{
	if (img->dir)
		rm_rf(img->dir);
	free(img->source);
	free(img->dir);
	free(img->rootfs);
	free(img->manifest_digest);
	free(img->index_digest);
	free(img->config_digest);
	image_config_release(&img->config);
	memset(img, 0, sizeof(*img));
}

/* Whether build manifest m describes img (same manifest or same config). */
static int describes(json_t *m, const struct image *img)
{
	const char *md = json_string_value(json_object_get(m, "manifest_digest"));
	const char *cd = json_string_value(json_object_get(m, "config_digest"));

	return (md && *img->manifest_digest && !strcmp(md, img->manifest_digest)) ||
	       (cd && *img->config_digest && !strcmp(cd, img->config_digest));
}

json_t *image_build_manifest(const struct image *img, const char *arch, char **path)
{
	char *dir = xstrdup(img->source), *slash = strrchr(dir, '/'), *file = NULL;
	json_t *m = NULL;

	if (slash)
		*slash = '\0';
	else
		strcpy(dir, ".");
	for (int i = 0; i < 2 && !m; i++) {
		free(file);
		file = i ? xasprintf("%s/%s/manifest.json", dir, arch)
			 : xasprintf("%s/manifest.json", dir);
		m = json_load_file(file, 0, NULL);
		if (m && !json_is_object(m)) {
			json_decref(m);
			m = NULL;
		}
	}
	if (m && !describes(m, img)) {
		warning("ignoring '%s': it describes manifest %s (config %s), this run's image is "
			"%s "
			"(config %s)",
			file, json_string_value(json_object_get(m, "manifest_digest")) ?: "(none)",
			json_string_value(json_object_get(m, "config_digest")) ?: "(none)",
			*img->manifest_digest ? img->manifest_digest : "(none)",
			img->config_digest);
		json_decref(m);
		m = NULL;
	}
	if (m && path)
		*path = file;
	else
		free(file);
	free(dir);
	return m;
}
