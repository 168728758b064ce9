/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * feature-deps: the image's tailscaled must hold every feature it needs.
 * Everything is read from the image itself: the Go build info of
 * tailscale.combined (`go version -m`, after `upx -d` of a copy when it is
 * packed) gives the build tags and the tailscale.com version it was built
 * from, and the feature table (featuretags Deps) is that version's: the
 * one --feature-table names when the versions agree, else one
 * image/featuretable.sh builds for the binary's version (cached by
 * version). What the tags are judged against:
 *   --allowlist FILE      the dependency closure of that allowlist;
 *   the build manifest    image/build.sh's manifest.json of this very image:
 *                         the allowlist it was built from (the recipe's own
 *                         image, a variant, --allowlist builds);
 *   neither               the binary on its own terms: every Deps entry of
 *                         every feature it holds must be built too.
 * Every member must be built, or waived with a reason: --waivers FILE, else
 * image/waived-deps when an allowlist decides, else nothing is waived (an
 * image tscanary did not build made none of the recipe's choices). The
 * detail lists the closure, who requires each member and its state.
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
/* Building another version's table may fetch its module through the proxy. */
#define FEATURE_TABLE_TIMEOUT_MS (180 * 1000)

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

	ret = run_capture(&spec, scaled(s, 30000), &o, &e, &st);
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

	if (run_capture(&spec, scaled(s, 60000), NULL, &e, &st) < 0)
		goto out;
	if (st != 0) {
		strbuf_rtrim(&e);
		canary_fail(out, "no-buildinfo",
			    "'%s' has no Go build info and upx -d cannot "
			    "unpack it",
			    TS_BINARY);
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
		canary_fail(out, "tool-missing",
			    "'upx' is not on PATH: it unpacks a copy of the "
			    "packed %s to read its build info (Debian: upx-ucl)",
			    TS_BINARY);
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

/* Parse a "name<TAB>reason" file into l; -1 (reported) when unreadable or malformed. */
static int load_list(const char *path, struct feature_list *l)
{
	struct strbuf text = STRBUF_INIT;
	int ret;

	if (strbuf_read_file(&text, path) < 0)
		ret = error_errno("cannot read '%s'", path);
	else
		ret = feature_list_parse(l, text.buf, path);
	strbuf_release(&text);
	return ret;
}

/*
 * The allowlist that decides, if any: --allowlist, else the build
 * manifest's (after the variant; reasons from image/allowlist where it has
 * them). 1 with none (the binary is judged on its own), 0, or -1.
 */
static int load_allowlist(struct scenario *s, struct feature_list *allow, struct strbuf *from)
{
	json_t *list = json_object_get(s->build_manifest, "allowlist"), *e;
	struct feature_list recipe = { 0 };
	char *path;
	size_t i;

	memset(allow, 0, sizeof(*allow));
	if (s->allowlist) {
		if (load_list(s->allowlist, allow) < 0)
			return -1;
		strbuf_addf(from, "%s (--allowlist)", s->allowlist);
		return 0;
	}
	if (!json_is_array(list))
		return 1;
	path = xasprintf("%s/allowlist", s->recipe_dir);
	if (load_list(path, &recipe) < 0)
		warning("no reasons for the manifest's allowlist: '%s' does not parse", path);
	json_array_foreach(list, i, e)
	{
		const char *name = json_string_value(e);
		const struct feature_item *it = name ? feature_list_find(&recipe, name) : NULL;

		if (name)
			feature_list_add(allow, name, it ? it->reason : NULL);
	}
	strbuf_addf(from, "the build manifest %s (variant %s, allowlist %s)",
		    s->build_manifest_path ? s->build_manifest_path : "?",
		    json_string_value(json_object_get(s->build_manifest, "variant")) ?: "?",
		    json_string_value(json_object_get(s->build_manifest, "allowlist_file"))
			    ?: "image/allowlist");
	feature_list_release(&recipe);
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

/* --waivers, else image/waived-deps when an allowlist decides, else none. */
static int load_waived(struct scenario *s, int by_allowlist, struct feature_list *waived,
		       struct strbuf *from)
{
	char *path;
	int ret;

	memset(waived, 0, sizeof(*waived));
	if (s->waivers) {
		strbuf_addf(from, "%s (--waivers)", s->waivers);
		return load_list(s->waivers, waived);
	}
	if (!by_allowlist) {
		strbuf_addstr(from, "none (an image judged on its own features; --waivers FILE "
				    "gives some)");
		return 0;
	}
	path = xasprintf("%s/waived-deps", s->recipe_dir);
	strbuf_addstr(from, path);
	ret = load_list(path, waived);
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

/* Judge the build's tags: against the allowlist's closure, or on their own. */
static int judge(struct scenario *s, const struct feature_table *t, const char *tags,
		 struct canary_outcome *out)
{
	struct feature_list allow, waived;
	struct feature_verdict v;
	struct strbuf from = STRBUF_INIT, wfrom = STRBUF_INIT;
	int none;

	none = load_allowlist(s, &allow, &from);
	if (none < 0 || load_waived(s, !none, &waived, &wfrom) < 0) {
		feature_list_release(&allow);
		strbuf_release(&from);
		strbuf_release(&wfrom);
		return -1;
	}
	if (none) {
		feature_judge_build(t, &waived, tags, &v);
		strbuf_addstr(&out->detail,
			      "judged against: the binary's own features (no "
			      "--allowlist, no build manifest of image/build.sh for this image): "
			      "every Deps entry of a built feature must be built or waived\n");
	} else {
		feature_judge(t, &allow, &waived, tags, &v);
		strbuf_addf(&out->detail, "allowlist: %s\n", from.buf);
	}
	strbuf_addf(&out->detail, "waivers: %s\n", wfrom.buf);
	json_object_set_new(out->figures, "judged_against",
			    json_string(none           ? "binary"
					: s->allowlist ? "allowlist"
						       : "build-manifest"));
	json_object_set_new(out->figures, "waivers", json_string(wfrom.buf));
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
	strbuf_release(&wfrom);
	return 0;
}

/*
 * The feature table of tailscale.com ver, the binary's own version, when it
 * is not the one --feature-table gives: image/featuretable.sh builds it
 * (cached by version) into the run's logs. 1 loaded into t, 0 when the
 * verdict is set (no such table), -1 on error.
 */
static int version_table(struct scenario *s, const char *ver, struct feature_table *t,
			 struct canary_outcome *out)
{
	char *script = xasprintf("%s/featuretable.sh", s->recipe_dir);
	char *file = xasprintf("%s/feature-table-%s.json", s->logdir, ver);
	const char *argv[] = { script, "--tailscale-version", ver, "--out", file, NULL };
	struct proc_spec spec = { .name = "featuretable.sh", .argv = argv };
	struct strbuf e = STRBUF_INIT;
	int st = 0, ret = -1;

	if (run_capture(&spec, scaled(s, FEATURE_TABLE_TIMEOUT_MS), NULL, &e, &st) < 0)
		goto out;
	strbuf_rtrim(&e);
	if (st != 0) {
		const char *last = strrchr(e.buf ? e.buf : "", '\n');

		canary_fail(out, "no-table",
			    "no feature table for tailscale.com %s, the binary's "
			    "version: %s",
			    ver, last ? last + 1 : strbuf_str(&e));
		strbuf_addf(&out->detail, "%s --tailscale-version %s: %s\n", script, ver,
			    strbuf_str(&e));
		ret = 0;
		goto out;
	}
	if (load_table(file, t) < 0)
		goto out;
	if (strcmp(t->ts_version, ver)) {
		ret = error("'%s' is the table of %s, not %s", file, t->ts_version, ver);
		feature_table_release(t);
		goto out;
	}
	ret = 1;
out:
	strbuf_release(&e);
	free(script);
	free(file);
	return ret;
}

int canary_feature_deps(struct scenario *s, struct canary_outcome *out)
{
	struct feature_table t;
	struct go_buildinfo bi;
	const char *tags, *from = NULL;
	char ver[128];
	int packed, ret;

	if (!s->feature_table) {
		canary_fail(out, "no-table",
			    "no feature table: run with --feature-table FILE "
			    "(make test builds it with image/featuretable.sh)");
		return error("feature-deps: no --feature-table given");
	}
	if (!s->image || !s->image->rootfs)
		return error("feature-deps: no unpacked image");
	if (!on_path("go")) {
		canary_fail(out, "tool-missing",
			    "'go' is not on PATH: it reads the build info "
			    "of %s (go version -m)",
			    TS_BINARY);
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
	if (go_buildinfo_release_version(&bi, TS_MODULE, ver, sizeof(ver), &from) < 0)
		snprintf(ver, sizeof(ver), "(not recorded)");
	strbuf_addf(&out->detail, "%s: %s, built by %s from %s %s%s%s%s\n", TS_BINARY,
		    bi.path ? bi.path : "?", bi.go_version, TS_MODULE, ver, from ? " (its " : "",
		    from ? from : "",
		    from ? (packed ? " line; build info read from a upx -d copy)" : " line)") : "");
	json_object_set_new(out->figures, "tailscale_version", json_string(ver));
	ret = 1;
	if (!from) {
		canary_fail(out, "no-version",
			    "the binary records no %s version (its module line "
			    "says %s and -ldflags has no version stamp): no feature table to judge "
			    "it with",
			    TS_MODULE, go_buildinfo_module_version(&bi, TS_MODULE) ?: "nothing");
		ret = 0;
	} else if (strcmp(ver, t.ts_version)) {
		struct feature_table own;

		strbuf_addf(&out->detail, "the given feature table is of %s %s: building %s's\n",
			    TS_MODULE, t.ts_version, ver);
		ret = version_table(s, ver, &own, out);
		if (ret > 0) {
			feature_table_release(&t);
			t = own;
		}
	}
	if (ret > 0) {
		strbuf_addf(&out->detail, "feature table: %s %s (%zu features)\n", TS_MODULE,
			    t.ts_version, t.n);
		json_object_set_new(out->figures, "feature_table_version",
				    json_string(t.ts_version));
		out->verdict = VERDICT_PASS;
		ret = judge(s, &t, tags, out);
	}
	strbuf_addf(&out->detail, "build tags (from the binary's build info): %s\n",
		    *tags ? tags : "(none)");
	go_buildinfo_release(&bi);
	feature_table_release(&t);
	return ret;
}
