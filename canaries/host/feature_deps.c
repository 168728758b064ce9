/*
 * feature-deps: the image's tailscaled must hold every feature the
 * allowlist needs. From the feature table of the pinned tailscale.com
 * (image/featuretable), compute the dependency closure of the allowlist
 * and compare it with the tags the binary was really built with, read from
 * the image itself: the Go build info of tailscale.combined (`go version
 * -m`, after `upx -d` of a copy when it is packed), so a shipped IMAGE=
 * archive is judged the same way. Every member must be built, or waived
 * with a reason in image/waived-deps. The detail lists the closure, who
 * requires each member and its state, so a reviewer sees what a bump added.
 */
#include "canary.h"

#include "buildinfo.h"
#include "featuretags.h"
#include "files.h"
#include "image.h"
#include "log.h"
#include "proc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TS_BINARY "/usr/local/bin/tailscale.combined"
#define TS_MODULE "tailscale.com"

int canary_feature_deps(struct scenario *s, struct canary_outcome *out);

/* Whether name is an executable somewhere on PATH. */
static int on_path(const char *name)
{
	const char *path = getenv("PATH");

	for (const char *p = path ? path : "/usr/bin:/bin"; *p;) {
		size_t len = strcspn(p, ":");
		char *f = xasprintf("%.*s/%s", (int)len, len ? p : ".", name);
		int ok = access(f, X_OK) == 0;

		free(f);
		if (ok)
			return 1;
		p += len;
		p += *p == ':';
	}
	return 0;
}

/* `go version -m file` into bi; 1 when the file holds no build info (e.g. packed). */
static int read_buildinfo(struct scenario *s, const char *file, struct go_buildinfo *bi)
{
	const char *argv[] = { "go", "version", "-m", file, NULL };
	struct proc_spec spec = { .name = "go version -m", .argv = argv };
	struct strbuf o = STRBUF_INIT, e = STRBUF_INIT;
	int st = 0, ret;

	ret = run_capture(&spec, (int)(30000 * s->timeout_scale), &o, &e, &st);
	if (ret == 0 && st == 0 && go_buildinfo_parse(bi, strbuf_str(&o)) == 0)
		ret = 0;
	else if (ret == 0) {
		strbuf_rtrim(&e);
		debug("go version -m '%s': %s", file, strbuf_str(&e));
		ret = 1;
	}
	strbuf_release(&o);
	strbuf_release(&e);
	return ret;
}

/* Unpack a UPX copy of bin into dir and read its build info. */
static int read_packed(struct scenario *s, const char *bin, const char *dir,
		       struct go_buildinfo *bi, struct canary_outcome *out)
{
	char *copy = xasprintf("%s/tailscale.combined", dir);
	const char *argv[] = { "upx", "-d", "-q", "-o", copy, bin, NULL };
	struct proc_spec spec = { .name = "upx -d", .argv = argv };
	struct strbuf e = STRBUF_INIT;
	int st = 0, ret = -1;

	if (run_capture(&spec, (int)(60000 * s->timeout_scale), NULL, &e, &st) < 0)
		goto out;
	if (st != 0) {
		strbuf_rtrim(&e);
		canary_fail(out, "no-buildinfo", "'%s' has no Go build info and upx -d cannot "
			    "unpack it", TS_BINARY);
		strbuf_addf(&out->detail, "upx -d: %s\n", strbuf_str(&e));
		ret = 0;
		goto out;
	}
	ret = read_buildinfo(s, copy, bi);
	if (ret == 1) {
		canary_fail(out, "no-buildinfo", "'%s' holds no Go build info, even unpacked",
			    TS_BINARY);
		ret = 0;
	} else if (ret == 0) {
		ret = 1; /* read */
	}
out:
	unlink(copy);
	free(copy);
	strbuf_release(&e);
	return ret;
}

/*
 * The binary's build info: as is, or from an unpacked copy when UPX packed
 * it. 1 when read, 0 when the verdict is set (no build info), -1 on error.
 */
static int binary_buildinfo(struct scenario *s, struct go_buildinfo *bi, int *packed,
			    struct canary_outcome *out)
{
	char *bin = xasprintf("%s%s", s->image->rootfs, TS_BINARY);
	char *tmpl = NULL;
	const char *tmp = getenv("TMPDIR");
	struct stat st;
	int ret;

	*packed = 0;
	if (lstat(bin, &st) < 0 || !S_ISREG(st.st_mode)) {
		canary_fail(out, "no-binary", "the image has no regular file %s", TS_BINARY);
		free(bin);
		return 0;
	}
	ret = read_buildinfo(s, bin, bi);
	if (ret != 1) {
		free(bin);
		return ret < 0 ? -1 : 1;
	}
	*packed = 1;
	if (!on_path("upx")) {
		canary_fail(out, "tool-missing", "'upx' is not on PATH: it unpacks a copy of the "
			    "packed %s to read its build info (Debian: upx-ucl)", TS_BINARY);
		free(bin);
		return error("feature-deps needs 'upx' on PATH (Debian: upx-ucl)");
	}
	tmpl = xasprintf("%s/tscanary-fdeps-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(tmpl)) {
		error_errno("cannot create a temp dir '%s'", tmpl);
		free(tmpl);
		free(bin);
		return -1;
	}
	ret = read_packed(s, bin, tmpl, bi, out);
	rm_rf(tmpl);
	free(tmpl);
	free(bin);
	return ret;
}

/*
 * The effective allowlist: the build manifest's (after the variant) when
 * the harness built this very image, else image/allowlist. Reasons come
 * from image/allowlist either way.
 */
static int load_allowlist(struct scenario *s, struct feature_list *allow, struct strbuf *from)
{
	char *path = xasprintf("%s/allowlist", s->recipe_dir), *dir, *slash, *mpath;
	struct strbuf text = STRBUF_INIT;
	struct feature_list file;
	struct stat st;
	json_t *m = NULL, *list, *e;
	const char *digest;
	size_t i;
	int ret;

	if (strbuf_read_file(&text, path) < 0) {
		error_errno("cannot read the allowlist '%s'", path);
		free(path);
		return -1;
	}
	ret = feature_list_parse(&file, text.buf, path);
	strbuf_release(&text);
	if (ret < 0) {
		free(path);
		return -1;
	}
	memset(allow, 0, sizeof(*allow));
	dir = xstrdup(s->image->source);
	slash = strrchr(dir, '/');
	mpath = slash ? (*slash = '\0', xasprintf("%s/manifest.json", dir)) :
		xstrdup("manifest.json");
	if (stat(s->image->source, &st) == 0 && S_ISREG(st.st_mode))
		m = json_load_file(mpath, 0, NULL);
	digest = json_string_value(json_object_get(m, "config_digest"));
	list = json_object_get(m, "allowlist");
	if (m && digest && !strcmp(digest, s->image->config_digest) && json_is_array(list)) {
		json_array_foreach(list, i, e) {
			const struct feature_item *it = feature_list_find(&file, json_string_value(e) ?
									 json_string_value(e) : "");

			if (json_string_value(e))
				feature_list_add(allow, json_string_value(e), it ? it->reason : NULL);
		}
		strbuf_addf(from, "the build manifest %s (variant %s)", mpath,
			    json_string_value(json_object_get(m, "variant")) ?
			    json_string_value(json_object_get(m, "variant")) : "?");
		feature_list_release(&file);
	} else {
		if (m)
			warning("'%s' describes another image (config %s, not %s): using '%s'", mpath,
				digest ? digest : "?", s->image->config_digest, path);
		*allow = file;
		strbuf_addf(from, "%s (no build manifest for this image)", path);
	}
	json_decref(m);
	free(mpath);
	free(dir);
	free(path);
	return 0;
}

static int load_table(const char *path, struct feature_table *t)
{
	struct strbuf text = STRBUF_INIT;
	int ret;

	if (strbuf_read_file(&text, path) < 0)
		return error_errno("cannot read the feature table '%s'", path);
	ret = feature_table_parse(t, text.buf, text.len);
	strbuf_release(&text);
	return ret;
}

static int load_waived(struct scenario *s, struct feature_list *waived)
{
	char *path = xasprintf("%s/waived-deps", s->recipe_dir);
	struct strbuf text = STRBUF_INIT;
	int ret;

	if (strbuf_read_file(&text, path) < 0)
		ret = error_errno("cannot read '%s'", path);
	else
		ret = feature_list_parse(waived, text.buf, path);
	strbuf_release(&text);
	free(path);
	return ret;
}

static void set_figures(json_t *fig, const struct feature_verdict *v, size_t ntable,
			const char *tags)
{
	json_object_set_new(fig, "features_in_table", json_integer((json_int_t)ntable));
	json_object_set_new(fig, "features_built", json_integer((json_int_t)v->nbuilt_total));
	json_object_set_new(fig, "allowlisted", json_integer((json_int_t)v->nallowlisted));
	json_object_set_new(fig, "closure", json_integer((json_int_t)v->n));
	json_object_set_new(fig, "closure_built", json_integer((json_int_t)v->nbuilt));
	json_object_set_new(fig, "closure_waived", json_integer((json_int_t)v->nwaived));
	json_object_set_new(fig, "closure_missing", json_integer((json_int_t)v->nmissing));
	json_object_set_new(fig, "build_tags", json_string(tags));
}

/* Judge the build's tags against the allowlist's closure. */
static int judge(struct scenario *s, const struct feature_table *t, const char *tags,
		 struct canary_outcome *out)
{
	struct feature_list allow, waived;
	struct feature_verdict v;
	struct strbuf from = STRBUF_INIT;

	if (load_allowlist(s, &allow, &from) < 0)
		return -1;
	if (load_waived(s, &waived) < 0) {
		feature_list_release(&allow);
		strbuf_release(&from);
		return -1;
	}
	feature_judge(t, &allow, &waived, tags, &v);
	strbuf_addf(&out->detail, "allowlist: %s\n", from.buf);
	feature_verdict_detail(&v, &out->detail);
	set_figures(out->figures, &v, t->n, tags);
	if (v.signature) {
		struct strbuf sum = STRBUF_INIT;

		feature_verdict_summary(&v, &sum);
		canary_fail(out, v.signature, "%s", sum.buf);
		strbuf_release(&sum);
	} else {
		feature_verdict_summary(&v, &out->summary);
	}
	feature_verdict_release(&v);
	feature_list_release(&allow);
	feature_list_release(&waived);
	strbuf_release(&from);
	return 0;
}

int canary_feature_deps(struct scenario *s, struct canary_outcome *out)
{
	struct feature_table t;
	struct go_buildinfo bi;
	const char *tags, *ver;
	int packed, ret;

	if (!s->feature_table) {
		canary_fail(out, "no-table", "no feature table: run with --feature-table FILE "
			    "(make test builds it with image/featuretable.sh)");
		return error("feature-deps: no --feature-table given");
	}
	if (!s->image || !s->image->rootfs)
		return error("feature-deps: no unpacked image");
	if (!on_path("go")) {
		canary_fail(out, "tool-missing", "'go' is not on PATH: it reads the build info "
			    "of %s (go version -m)", TS_BINARY);
		return error("feature-deps needs 'go' on PATH (go version -m)");
	}
	if (load_table(s->feature_table, &t) < 0)
		return -1;
	ret = binary_buildinfo(s, &bi, &packed, out);
	if (ret <= 0) {
		feature_table_release(&t);
		return ret;
	}
	tags = go_buildinfo_setting(&bi, "-tags");
	tags = tags ? tags : "";
	ver = go_buildinfo_module_version(&bi, TS_MODULE);
	strbuf_addf(&out->detail, "%s: %s, built by %s from %s %s%s\n", TS_BINARY,
		    bi.path ? bi.path : "?", bi.go_version, TS_MODULE, ver ? ver : "(not recorded)",
		    packed ? " (build info read from a upx -d copy)" : "");
	strbuf_addf(&out->detail, "feature table: %s %s (%zu features) from %s\n", TS_MODULE,
		    t.ts_version, t.n, s->feature_table);
	if (!ver || strcmp(ver, t.ts_version)) {
		canary_fail(out, "table-mismatch", "the binary is %s %s but the feature table is "
			    "of %s: build the table for the image's version", TS_MODULE,
			    ver ? ver : "(unknown)", t.ts_version);
		ret = 0;
	} else {
		out->verdict = VERDICT_PASS;
		ret = judge(s, &t, tags, out);
	}
	strbuf_addf(&out->detail, "build tags (from the binary's build info): %s\n",
		    *tags ? tags : "(none)");
	go_buildinfo_release(&bi);
	feature_table_release(&t);
	return ret;
}
