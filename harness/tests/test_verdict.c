/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "files.h"
#include "strbuf.h"
#include "verdict.h"

#define D1    "sha256:e06655e385c9326a172f74a553a0b5b8361701845e62a36fffc54ea4fd47a1f6"
#define D2    "sha256:6d583df6c2c68a4e5cef9f937e2cc23a03fb1d438fa331a54c207c253fdd3fa1"
#define TREE  "0123456789abcdef0123456789abcdef"
#define OTHER "fedcba9876543210fedcba9876543210"

static const char *const suite[] = { "quad100-router", "no-panic", "footprint" };

/* A summary as the harness writes it: the fields a record reads. */
static json_t *summary(const char *result, const char *digest, int ncanaries, const char *failing)
{
	json_t *s = json_pack("{s:s,s:s,s:s,s:s,s:[]}", "arch", "armv7", "tailscale_version",
			      "v1.102.5", "variant", "default", "result", result, "canaries");

	if (digest)
		json_object_set_new(s, "image",
				    json_pack("{s:s,s:s,s:n,s:s}", "manifest_digest", digest,
					      "config_digest", D2, "index_digest", "platform",
					      "linux/arm/v7"));
	for (int i = 0; i < ncanaries; i++)
		json_array_append_new(
			json_object_get(s, "canaries"),
			json_pack("{s:s,s:s}", "name", suite[i], "result",
				  failing && !strcmp(failing, suite[i]) ? "fail" : "pass"));
	return s;
}

static json_t *record(const char *result, int ncanaries, const char *failing, const char *tree,
		      time_t when)
{
	struct strbuf why = STRBUF_INIT;
	json_t *s = summary(result, D1, ncanaries, failing);
	json_t *r = verdict_record(s, tree, suite, 3, when, &why);

	assert_non_null(r);
	json_decref(s);
	strbuf_release(&why);
	return r;
}

static void record_binds_result_to_digest_and_tree(void **state)
{
	json_t *r = record("fail", 3, "no-panic", TREE, 1790000000);

	(void)state;
	assert_string_equal(json_string_value(json_object_get(r, "arch")), "armv7");
	assert_string_equal(json_string_value(json_object_get(r, "manifest_digest")), D1);
	assert_string_equal(json_string_value(json_object_get(r, "tree")), TREE);
	assert_string_equal(json_string_value(json_object_get(r, "result")), "fail");
	assert_string_equal(json_string_value(json_object_get(r, "time")), "2026-09-21T14:13:20Z");
	assert_true(json_is_true(json_object_get(r, "full_suite")));
	assert_int_equal(json_array_size(json_object_get(r, "failed")), 1);
	assert_string_equal(json_string_value(json_array_get(json_object_get(r, "failed"), 0)),
			    "no-panic");
	/* no index given: null, never a guess */
	assert_true(json_is_null(json_object_get(r, "index_digest")));
	json_decref(r);
	/* two of three canaries: not the full suite */
	r = record("pass", 2, NULL, TREE, 1790000000);
	assert_false(json_is_true(json_object_get(r, "full_suite")));
	json_decref(r);
}

static void no_record_without_digest_result_or_tree(void **state)
{
	struct strbuf why = STRBUF_INIT;
	json_t *s;

	(void)state;
	/* an interrupted run before the image was read: no digest */
	s = summary("fail", NULL, 0, NULL);
	assert_null(verdict_record(s, TREE, suite, 3, 1, &why));
	assert_non_null(strstr(strbuf_str(&why), "no image manifest digest"));
	json_decref(s);
	strbuf_reset(&why);
	s = summary("maybe", D1, 3, NULL);
	assert_null(verdict_record(s, TREE, suite, 3, 1, &why));
	assert_non_null(strstr(strbuf_str(&why), "no result"));
	strbuf_reset(&why);
	assert_null(verdict_record(s, "not hex!", suite, 3, 1, &why));
	assert_non_null(strstr(strbuf_str(&why), "not a hex hash"));
	json_decref(s);
	strbuf_release(&why);
}

static enum verdict_state decide(json_t *recs, const char *arch, const char *tree, const char *want)
{
	struct strbuf why = STRBUF_INIT;
	enum verdict_state st = verdict_decide(recs, arch, tree, &why);

	if (want && !strstr(strbuf_str(&why), want))
		fail_msg("'%s' does not say '%s'", strbuf_str(&why), want);
	strbuf_release(&why);
	return st;
}

static void newest_full_run_of_this_tree_decides(void **state)
{
	json_t *recs = json_array();

	(void)state;
	assert_int_equal(decide(recs, "armv7", TREE, "no verdict"), GATED_NONE);
	/* another harness tree passed: not enough */
	json_array_append_new(recs, record("pass", 3, NULL, OTHER, 100));
	assert_int_equal(decide(recs, "armv7", TREE, "another harness tree (newest: fedcba987654"),
			 GATED_OTHER_TREE);
	/* this tree, but selected canaries only */
	json_array_append_new(recs, record("pass", 1, NULL, TREE, 150));
	assert_int_equal(decide(recs, "armv7", TREE, "no full-suite run"), GATED_NONE);
	/* a full failing run */
	json_array_append_new(recs, record("fail", 3, "footprint", TREE, 200));
	assert_int_equal(decide(recs, "armv7", TREE, "failed: footprint"), GATED_FAILED);
	/* a newer full pass decides */
	json_array_append_new(recs, record("pass", 3, NULL, TREE, 300));
	assert_int_equal(decide(recs, "armv7", TREE, "passed at 1970-01-01T00:05:00Z"), GATED_PASS);
	/* and a newer failure takes it back */
	json_array_append_new(recs, record("fail", 3, "no-panic", TREE, 400));
	assert_int_equal(decide(recs, "armv7", TREE, "no-panic"), GATED_FAILED);
	/* another arch's verdict on these bytes does not count */
	assert_int_equal(decide(recs, "arm64", TREE, "no verdict"), GATED_NONE);
	json_decref(recs);
}

static void variant_runs_do_not_gate(void **state)
{
	json_t *recs = json_array(), *r = record("pass", 3, NULL, TREE, 100);

	(void)state;
	json_object_set_new(r, "variant", json_string("no-netstack"));
	json_array_append_new(recs, r);
	assert_int_equal(decide(recs, "armv7", TREE, NULL), GATED_NONE);
	json_decref(recs);
}

static void other_kernel_runs_do_not_gate(void **state)
{
	json_t *recs = json_array(), *r;

	(void)state;
	/* a passing run on the default kernel, then a newer failing one on bullseye */
	r = record("pass", 3, NULL, TREE, 100);
	json_object_set_new(r, "kernel_profile", json_string(VERDICT_KERNEL_PROFILE));
	json_array_append_new(recs, r);
	r = record("fail", 3, "no-panic", TREE, 200);
	json_object_set_new(r, "kernel_profile", json_string("bullseye"));
	json_array_append_new(recs, r);
	assert_int_equal(decide(recs, "armv7", TREE, "passed at"), GATED_PASS);
	json_decref(recs);
	/* a pass on bullseye alone does not let the manifest ship */
	recs = json_array();
	r = record("pass", 3, NULL, TREE, 100);
	json_object_set_new(r, "kernel_profile", json_string("bullseye"));
	json_array_append_new(recs, r);
	assert_int_equal(decide(recs, "armv7", TREE, "no verdict"), GATED_NONE);
	json_decref(recs);
}

static void record_names_the_kernel_profile(void **state)
{
	struct strbuf why = STRBUF_INIT;
	json_t *s = summary("pass", D1, 3, NULL), *r;

	(void)state;
	r = verdict_record(s, TREE, suite, 3, 1, &why);
	assert_non_null(r);
	assert_null(json_object_get(r, "kernel_profile"));
	json_decref(r);
	json_object_set_new(s, "versions", json_pack("{s:s}", "kernel_profile", "bullseye"));
	r = verdict_record(s, TREE, suite, 3, 1, &why);
	assert_non_null(r);
	assert_string_equal(json_string_value(json_object_get(r, "kernel_profile")), "bullseye");
	json_decref(r);
	json_decref(s);
	strbuf_release(&why);
}

static void store_round_trip(void **state)
{
	char dir[] = "/tmp/tsc-verdict-test.XXXXXX";
	json_t *recs, *r;
	char *path;

	(void)state;
	assert_non_null(mkdtemp(dir));
	r = record("pass", 3, NULL, TREE, 500);
	path = verdict_store_put(dir, r);
	assert_non_null(path);
	assert_non_null(strstr(path, D1 + 7));
	free(path);
	json_decref(r);
	recs = verdict_store_get(dir, D1);
	assert_int_equal(json_array_size(recs), 1);
	assert_int_equal(decide(recs, "armv7", TREE, "passed"), GATED_PASS);
	json_decref(recs);
	/* another digest: nothing */
	recs = verdict_store_get(dir, D2);
	assert_int_equal(json_array_size(recs), 0);
	json_decref(recs);
	/* not a digest: nothing, and no path built from it */
	recs = verdict_store_get(dir, "sha256:../../etc");
	assert_int_equal(json_array_size(recs), 0);
	json_decref(recs);
	assert_int_equal(rm_rf(dir), 0);
}

#define KEY_A "sha256:aaaa"
#define KEY_B "sha256:bbbb"

/* A stored record with a run key and a time, as verdict_store_get returns it. */
static json_t *keyed(const char *result, const char *key, time_t when, const char *path)
{
	json_t *r = record(result, 3, !strcmp(result, "pass") ? NULL : "no-panic", TREE, when);

	if (key)
		json_object_set_new(r, "run_key", json_string(key));
	json_object_set_new(r, "path", json_string(path));
	return r;
}

static void reuse_needs_the_same_key_and_a_pass(void **state)
{
	json_t *recs = json_array(), *got;

	(void)state;
	json_array_append_new(recs, keyed("pass", KEY_A, 100, "/s/old-pass"));
	json_array_append_new(recs, keyed("pass", KEY_A, 300, "/s/new-pass"));
	json_array_append_new(recs, keyed("fail", KEY_A, 400, "/s/newest-fail"));
	json_array_append_new(recs, keyed("pass", KEY_B, 500, "/s/other-key"));
	json_array_append_new(recs, keyed("pass", NULL, 600, "/s/no-key"));
	got = verdict_find_reusable(recs, KEY_A, 0);
	assert_non_null(got);
	/* the newest pass of that key; a failure of the key does not hide it */
	assert_string_equal(json_string_value(json_object_get(got, "path")), "/s/new-pass");
	assert_null(verdict_find_reusable(recs, "sha256:cccc", 0));
	assert_null(verdict_find_reusable(recs, NULL, 0));
	assert_null(verdict_find_reusable(recs, "", 0));
	/* failures asked for: the newest verdict of the key, failed or not */
	got = verdict_find_reusable(recs, KEY_A, 1);
	assert_non_null(got);
	assert_string_equal(json_string_value(json_object_get(got, "path")), "/s/newest-fail");
	assert_null(verdict_find_reusable(recs, "sha256:cccc", 1));
	json_decref(recs);
	/* a record that is neither pass nor fail never stands, asked or not */
	recs = json_array();
	got = keyed("fail", KEY_A, 700, "/s/error");
	json_object_set_new(got, "result", json_string("error"));
	json_array_append_new(recs, got);
	assert_null(verdict_find_reusable(recs, KEY_A, 1));
	json_decref(recs);
}

static void record_keeps_the_run_key(void **state)
{
	struct strbuf why = STRBUF_INIT;
	json_t *s = summary("pass", D1, 3, NULL), *r;

	(void)state;
	json_object_set_new(s, "run_key", json_string(KEY_A));
	r = verdict_record(s, TREE, suite, 3, 1, &why);
	assert_non_null(r);
	assert_string_equal(json_string_value(json_object_get(r, "run_key")), KEY_A);
	json_decref(r);
	json_decref(s);
	strbuf_release(&why);
}

static void reports_go_beside_the_record_and_back(void **state)
{
	char dir[] = "/tmp/tsc-verdict-test.XXXXXX";
	static const char *const files[] = { "summary.json", "report.tap", "junit.xml" };
	/* the last is a peer's */
	static const char *const logs[] = { "tailscaled.log", "tailscaled.life1.log",
					    "tailscaled-client.log" };
	char *run, *back, *rec, *rdir, *p;
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	assert_non_null(mkdtemp(dir));
	run = xasprintf("%s/run", dir);
	back = xasprintf("%s/back", dir);
	rec = xasprintf("%s/store/x/0000000001-armv7-0123.json", dir);
	assert_int_equal(mkdir_p(run), 0);
	rdir = verdict_reports_dir(rec);
	assert_string_equal(rdir + strlen(dir), "/store/x/0000000001-armv7-0123.reports");
	/* a run without all its reports keeps none */
	p = xasprintf("%s/summary.json", run);
	assert_int_equal(write_text_file(p, "{}", 0644), 0);
	free(p);
	assert_int_equal(verdict_store_reports(rec, run), -1);
	assert_int_not_equal(access(rdir, F_OK), 0);
	for (size_t i = 0; i < 3; i++) {
		p = xasprintf("%s/%s", run, files[i]);
		assert_int_equal(write_text_file(p, files[i], 0644), 0);
		free(p);
	}
	/* the router's tailscaled logs go along; a peer's stays behind */
	p = xasprintf("%s/logs", run);
	assert_int_equal(mkdir_p(p), 0);
	free(p);
	for (size_t i = 0; i < ARRAY_SIZE(logs); i++) {
		p = xasprintf("%s/logs/%s", run, logs[i]);
		assert_int_equal(write_text_file(p, logs[i], 0644), 0);
		free(p);
	}
	assert_int_equal(verdict_store_reports(rec, run), 0);
	assert_int_equal(verdict_restore_reports(rec, back), 0);
	for (size_t i = 0; i < 3 + ARRAY_SIZE(logs); i++) {
		int peer = i == 3 + ARRAY_SIZE(logs) - 1;
		const char *name = i < 3 ? files[i] : logs[i - 3];

		p = i < 3 ? xasprintf("%s/%s", back, name) : xasprintf("%s/logs/%s", back, name);
		strbuf_reset(&sb);
		if (peer) {
			assert_int_not_equal(access(p, F_OK), 0);
		} else {
			assert_int_equal(strbuf_read_file(&sb, p), 0);
			assert_string_equal(strbuf_str(&sb), name);
		}
		free(p);
	}
	strbuf_release(&sb);
	free(run);
	free(back);
	free(rec);
	free(rdir);
	assert_int_equal(rm_rf(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(record_binds_result_to_digest_and_tree),
		cmocka_unit_test(no_record_without_digest_result_or_tree),
		cmocka_unit_test(newest_full_run_of_this_tree_decides),
		cmocka_unit_test(variant_runs_do_not_gate),
		cmocka_unit_test(other_kernel_runs_do_not_gate),
		cmocka_unit_test(record_names_the_kernel_profile),
		cmocka_unit_test(store_round_trip),
		cmocka_unit_test(reuse_needs_the_same_key_and_a_pass),
		cmocka_unit_test(record_keeps_the_run_key),
		cmocka_unit_test(reports_go_beside_the_record_and_back),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
