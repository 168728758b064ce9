/* SPDX-License-Identifier: BSD-3-Clause */
/* The verdict store: which bytes passed, judged by which harness tree. */
#include "verdict.h"

#include "files.h"
#include "log.h"
#include "strbuf.h"

#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static int digest_ok(const char *d)
{
	size_t i;

	if (!d || strncmp(d, "sha256:", 7) || strlen(d) != 7 + 64)
		return 0;
	for (i = 7; d[i]; i++)
		if (!strchr("0123456789abcdef", d[i]))
			return 0;
	return 1;
}

static int tree_ok(const char *t)
{
	return t && *t && strspn(t, "0123456789abcdef") == strlen(t);
}

int summary_holds_canaries(json_t *summary, const char *const *names, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		json_t *c;
		size_t i;
		int seen = 0;

		json_array_foreach(json_object_get(summary, "canaries"), i, c)
			seen |= str(c, "name") && !strcmp(str(c, "name"), names[k]);
		if (!seen)
			return 0;
	}
	return n > 0;
}

json_t *verdict_record(json_t *summary, const char *tree, const char *const *canaries, size_t n,
		       time_t now, struct strbuf *why)
{
	json_t *img = json_object_get(summary, "image"), *failed = json_array(), *c, *rec;
	const char *digest = str(img, "manifest_digest"), *result = str(summary, "result");
	char when[32];
	struct tm tm;
	size_t i;

	if (!tree_ok(tree)) {
		strbuf_addf(why, "harness tree '%s' is not a hex hash", tree ? tree : "");
		goto none;
	}
	if (!str(summary, "arch")) {
		strbuf_addstr(why, "the summary names no arch");
		goto none;
	}
	if (!digest_ok(digest)) {
		strbuf_addstr(why, "the summary names no image manifest digest (the run did not "
				   "read the image)");
		goto none;
	}
	if (!result || (strcmp(result, "pass") && strcmp(result, "fail"))) {
		strbuf_addstr(why, "the summary has no result");
		goto none;
	}
	json_array_foreach(json_object_get(summary, "canaries"), i, c)
	{
		if (!str(c, "name"))
			continue;
		if (!str(c, "result") || strcmp(str(c, "result"), "pass"))
			json_array_append_new(failed, json_string(str(c, "name")));
	}
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	rec = json_pack("{s:i,s:s,s:s,s:s?,s:s?,s:s?,s:s?,s:s,s:s,s:b,s:o,s:s,s:I}", "schema", 1,
			"arch", str(summary, "arch"), "manifest_digest", digest, "index_digest",
			str(img, "index_digest"), "config_digest", str(img, "config_digest"),
			"platform", str(img, "platform"), "tailscale_version",
			str(summary, "tailscale_version"), "variant",
			str(summary, "variant") ? str(summary, "variant") : "default", "tree", tree,
			"full_suite", summary_holds_canaries(summary, canaries, n), "failed",
			failed, "time", when, "time_unix", (json_int_t)now);
	if (!rec)
		return NULL;
	json_object_set_new(rec, "result", json_string(result));
	if (str(summary, "error"))
		json_object_set_new(rec, "error", json_string(str(summary, "error")));
	if (str(summary, "run_key"))
		json_object_set_new(rec, "run_key", json_string(str(summary, "run_key")));
	if (str(json_object_get(summary, "versions"), "kernel_profile"))
		json_object_set_new(
			rec, "kernel_profile",
			json_string(str(json_object_get(summary, "versions"), "kernel_profile")));
	return rec;
none:
	json_decref(failed);
	return NULL;
}

char *verdict_store_put(const char *store, json_t *rec)
{
	const char *digest = str(rec, "manifest_digest"), *tree = str(rec, "tree");
	char *dir, *path, *tmp;

	if (!digest_ok(digest) || !tree_ok(tree) || !str(rec, "arch")) {
		error("a verdict record needs a manifest digest, a tree and an arch");
		return NULL;
	}
	dir = xasprintf("%s/%s", store, digest + 7);
	path = xasprintf("%s/%010lld-%s-%.12s-%ld.json", dir,
			 (long long)json_integer_value(json_object_get(rec, "time_unix")),
			 str(rec, "arch"), tree, (long)getpid());
	tmp = xasprintf("%s.tmp", path);
	if (mkdir_p(dir) < 0 || json_dump_file(rec, tmp, JSON_INDENT(2) | JSON_SORT_KEYS) < 0 ||
	    rename(tmp, path) < 0) {
		error("cannot write verdict record '%s': %s", path, strerror(errno));
		unlink(tmp);
		free(path);
		path = NULL;
	}
	free(tmp);
	free(dir);
	return path;
}

json_t *verdict_store_get(const char *store, const char *digest)
{
	json_t *all = json_array();
	struct dirent **ents;
	char *dir;
	int n, i;

	if (!digest_ok(digest))
		return all;
	dir = xasprintf("%s/%s", store, digest + 7);
	n = scandir(dir, &ents, NULL, alphasort);
	for (i = 0; i < n; i++) {
		size_t len = strlen(ents[i]->d_name);

		if (len > 5 && !strcmp(ents[i]->d_name + len - 5, ".json")) {
			char *path = xasprintf("%s/%s", dir, ents[i]->d_name);
			json_t *rec = json_load_file(path, 0, NULL);

			if (rec && json_is_object(rec) && str(rec, "manifest_digest") &&
			    !strcmp(str(rec, "manifest_digest"), digest)) {
				json_object_set_new(rec, "path", json_string(path));
				json_array_append_new(all, rec);
			} else {
				warning("ignoring verdict record '%s': unreadable or of another "
					"digest",
					path);
				json_decref(rec);
			}
			free(path);
		}
		free(ents[i]);
	}
	if (n >= 0)
		free(ents);
	free(dir);
	return all;
}

static int field_is(json_t *rec, const char *key, const char *want)
{
	return str(rec, key) && !strcmp(str(rec, key), want);
}

enum verdict_state verdict_decide(json_t *records, const char *arch, const char *tree,
				  struct strbuf *why)
{
	json_t *rec, *newest = NULL, *other = NULL;
	size_t i, partial = 0;

	json_array_foreach(records, i, rec)
	{
		if (!field_is(rec, "arch", arch) || !field_is(rec, "variant", "default"))
			continue;
		/* a run on another guest kernel is a finding, not the gate */
		if (str(rec, "kernel_profile") &&
		    !field_is(rec, "kernel_profile", VERDICT_KERNEL_PROFILE))
			continue;
		if (!field_is(rec, "tree", tree)) {
			if (!other ||
			    json_integer_value(json_object_get(rec, "time_unix")) >=
				    json_integer_value(json_object_get(other, "time_unix")))
				other = rec;
			continue;
		}
		if (!json_is_true(json_object_get(rec, "full_suite"))) {
			partial++;
			continue;
		}
		if (!newest || json_integer_value(json_object_get(rec, "time_unix")) >=
				       json_integer_value(json_object_get(newest, "time_unix")))
			newest = rec;
	}
	if (newest && field_is(newest, "result", "pass")) {
		strbuf_addf(why, "passed at %s", str(newest, "time"));
		return GATED_PASS;
	}
	if (newest) {
		json_t *f = json_object_get(newest, "failed");

		strbuf_addf(why, "the newest run (%s) failed", str(newest, "time"));
		if (json_array_size(f)) {
			strbuf_addstr(why, ":");
			json_array_foreach(f, i, rec)
				strbuf_addf(why, " %s", json_string_value(rec));
		}
		if (str(newest, "error"))
			strbuf_addf(why, " (%s)", str(newest, "error"));
		return GATED_FAILED;
	}
	if (partial) {
		strbuf_addf(why,
			    "no full-suite run from this harness tree (%zu with selected canaries "
			    "only)",
			    partial);
		return GATED_NONE;
	}
	if (other) {
		strbuf_addf(why,
			    "verdicts only from another harness tree (newest: %.12s, %s %s), not "
			    "this one (%.12s)",
			    str(other, "tree"), str(other, "result"), str(other, "time"), tree);
		return GATED_OTHER_TREE;
	}
	strbuf_addstr(why, "no verdict for this manifest");
	return GATED_NONE;
}

/* The reports a record's run wrote, kept beside it for a reused verdict. */
static const char *const report_files[] = { "summary.json", "report.tap", "junit.xml" };

char *verdict_reports_dir(const char *record_path)
{
	size_t n = strlen(record_path);

	if (n > 5 && !strcmp(record_path + n - 5, ".json"))
		n -= 5;
	return xasprintf("%.*s.reports", (int)n, record_path);
}

/*
 * Copy every report file from one directory into another (created), and
 * the router's tailscaled logs the run left (logs/tailscaled.log and one
 * per earlier life, logs/tailscaled.lifeN.log; none is fine): a crash is
 * read from them (make coverage), so a reused verdict brings them along.
 */
static int copy_reports(const char *from_dir, const char *to_dir)
{
	int ret = mkdir_p(to_dir);
	char *pattern = xasprintf("%s/logs/tailscaled.*log", from_dir);
	glob_t g;

	for (size_t i = 0; !ret && i < ARRAY_SIZE(report_files); i++) {
		char *from = xasprintf("%s/%s", from_dir, report_files[i]);
		char *to = xasprintf("%s/%s", to_dir, report_files[i]);

		ret = copy_file(from, to);
		free(from);
		free(to);
	}
	if (!ret && !glob(pattern, 0, NULL, &g)) {
		char *logs = xasprintf("%s/logs", to_dir);

		ret = mkdir_p(logs);
		for (size_t i = 0; !ret && i < g.gl_pathc; i++) {
			const char *base = strrchr(g.gl_pathv[i], '/') + 1;
			char *to = xasprintf("%s/%s", logs, base);

			ret = copy_file(g.gl_pathv[i], to);
			free(to);
		}
		free(logs);
		globfree(&g);
	}
	free(pattern);
	return ret;
}

int verdict_store_reports(const char *record_path, const char *from_dir)
{
	char *dir = verdict_reports_dir(record_path);
	int ret = copy_reports(from_dir, dir);

	if (ret)
		rm_rf(dir);
	free(dir);
	return ret;
}

int verdict_restore_reports(const char *record_path, const char *to_dir)
{
	char *dir = verdict_reports_dir(record_path);
	int ret = copy_reports(dir, to_dir);

	free(dir);
	return ret;
}

json_t *verdict_find_reusable(json_t *records, const char *key, int failures)
{
	json_t *rec, *newest = NULL;
	size_t i;

	if (!key || !*key)
		return NULL;
	json_array_foreach(records, i, rec)
	{
		if (!field_is(rec, "run_key", key) ||
		    !(field_is(rec, "result", "pass") ||
		      (failures && field_is(rec, "result", "fail"))) ||
		    !str(rec, "path"))
			continue;
		if (!newest || json_integer_value(json_object_get(rec, "time_unix")) >=
				       json_integer_value(json_object_get(newest, "time_unix")))
			newest = rec;
	}
	return newest;
}

const char *verdict_state_name(enum verdict_state s)
{
	switch (s) {
	case GATED_PASS: return "pass";
	case GATED_FAILED: return "failed";
	case GATED_OTHER_TREE: return "another harness";
	case GATED_NONE: break;
	}
	return "no verdict";
}
