/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "history.h"
#include "strbuf.h"
#include "vrules.h"
#include "words.h"

/* The module proxy's list as `go list -m -versions tailscale.com` printed it. */
#define PROXY_LIST "fixtures/bisect/tailscale-versions"

/* The selection from `from` in the proxy's list, space-joined, or "error: ...". */
static char *select_from(const char *from)
{
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;
	const char **chosen;
	struct words w;
	long k;

	load_words(&w, PROXY_LIST);
	k = history_select(w.v, w.n, from, &chosen, &err);
	if (k < 0)
		strbuf_addf(&out, "error: %s", strbuf_str(&err));
	for (long i = 0; i < k; i++)
		strbuf_addf(&out, "%s%s", i ? " " : "", chosen[i]);
	free(chosen);
	release_words(&w);
	strbuf_release(&err);
	return strbuf_detach(&out, NULL);
}

static void expect_selection(const char *from, const char *want)
{
	char *got = select_from(from);

	assert_string_equal(got, want);
	free(got);
}

/* Each even minor's latest patch release, oldest first; pre-releases and odd minors never. */
static void test_select_latest_patch_per_even_minor(void **state)
{
	(void)state;
	expect_selection("v1.94.0", "v1.94.2 v1.96.5 v1.98.10 v1.100.0 v1.102.5 v1.104.7");
	/* FROM is a lower bound, not a release that must exist */
	expect_selection("v1.95.0", "v1.96.5 v1.98.10 v1.100.0 v1.102.5 v1.104.7");
	expect_selection("1.102.5", "v1.102.5 v1.104.7");
	/* a patch above FROM's in the same minor keeps that minor */
	expect_selection("v1.104.5", "v1.104.7");
	expect_selection("v1.200.0", "");
}

static void test_select_rejects_a_bad_from(void **state)
{
	(void)state;
	expect_selection("latest", "error: FROM 'latest' is not a release version (vX.Y.Z)");
	expect_selection("v1.99.0-pre",
			 "error: FROM 'v1.99.0-pre' is not a release version (vX.Y.Z)");
}

/* A side as compare_side_load leaves it, from JSON text (NULL: the file is missing). */
static void side(struct compare_side *s, const char *version, int build, int run,
		 const char *manifest, const char *summary)
{
	memset(s, 0, sizeof(*s));
	s->label = "history";
	s->version = version;
	s->build_status = build;
	s->run_status = run;
	s->manifest = manifest ? json_loads(manifest, 0, NULL) : NULL;
	s->summary = summary ? json_loads(summary, 0, NULL) : NULL;
	assert_true(!manifest || s->manifest);
	assert_true(!summary || s->summary);
}

#define MANIFEST_OLD                                                                               \
	"{\"sizes\": {\"binary_bytes\": 3500000, \"binary_unpacked_bytes\": 15000000,"             \
	" \"rootfs_bytes\": 4000000, \"archive_bytes\": 3900000},"                                 \
	" \"dropped_features\": [\"ipnbus\"]}"
/* v1.94.2's run: `tailscale up` failed with an error no rule tolerates */
#define SUMMARY_NO_JOIN                                                                            \
	"{\"result\": \"fail\", \"join_cli_error\": \"exit 1: 404 Not Found\","                    \
	" \"preconditions\": {\"boot\": true, \"join\": false}, \"canaries\": [],"                 \
	" \"timings\": {\"boot_s\": 9.3}}"
#define SUMMARY_FAIL                                                                               \
	"{\"result\": \"fail\", \"join_cli_error\": \"exit 1: tailnet lock is not supported\","    \
	" \"join_cli_tolerated\": {\"versions\": \"<v1.100.0\"},"                                  \
	" \"metrics\": {\"tailscaled_rss_kib\": 24000, \"tailscaled_hwm_kib\": 25000},"            \
	" \"timings\": {\"boot_s\": 7.25, \"online_s\": 8.5, \"total_s\": 90},"                    \
	" \"canaries\": [{\"name\": \"quad100-router\", \"result\": \"pass\"},"                    \
	" {\"name\": \"health-report\", \"result\": \"fail\"},"                                    \
	" {\"name\": \"portmap\", \"result\": \"skip\"}]}"

static void test_row_of_a_run(void **state)
{
	struct compare_side s;
	json_t *row;

	(void)state;
	side(&s, "v1.96.5", 0, 1, MANIFEST_OLD, SUMMARY_FAIL);
	row = history_row(&s, NULL);
	assert_string_equal(json_string_value(json_object_get(row, "status")), "fail");
	assert_string_equal(json_string_value(json_object_get(row, "reason")), "run result fail");
	assert_int_equal(json_integer_value(json_object_get(row, "binary_bytes")), 3500000);
	assert_int_equal(json_integer_value(json_object_get(row, "tailscaled_hwm_kib")), 25000);
	assert_true(json_number_value(json_object_get(row, "online_s")) == 8.5);
	assert_int_equal(json_integer_value(json_object_get(row, "passed")), 1);
	assert_int_equal(json_integer_value(json_object_get(row, "total")), 3);
	/* everything but a pass is named: a skip is not a pass */
	assert_int_equal(json_array_size(json_object_get(row, "failed")), 2);
	assert_string_equal(json_string_value(json_array_get(json_object_get(row, "failed"), 0)),
			    "health-report");
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(row, "canaries"), "portmap")),
		"skip");
	assert_string_equal(
		json_string_value(json_array_get(json_object_get(row, "dropped_features"), 0)),
		"ipnbus");
	assert_non_null(json_object_get(row, "join_cli_error"));
	assert_true(json_is_true(json_object_get(row, "join_cli_tolerated")));
	json_decref(row);
	compare_side_release(&s);

	/* a precondition that failed is the reason, not the bare result */
	side(&s, "v1.94.2", 0, 1, MANIFEST_OLD, SUMMARY_NO_JOIN);
	row = history_row(&s, NULL);
	assert_string_equal(json_string_value(json_object_get(row, "status")), "fail");
	assert_string_equal(json_string_value(json_object_get(row, "reason")),
			    "precondition join failed");
	assert_true(json_is_false(json_object_get(row, "join_cli_tolerated")));
	assert_int_equal(json_integer_value(json_object_get(row, "total")), 0);
	assert_null(json_object_get(row, "online_s"));
	json_decref(row);
	compare_side_release(&s);
}

static void test_row_of_a_version_that_did_not_build(void **state)
{
	struct compare_side s;
	json_t *row;

	(void)state;
	side(&s, "v1.104.7", 6, -1, NULL, NULL);
	s.build_error = xstrdup("the module proxy refused modules tailscaled needs");
	row = history_row(&s, NULL);
	assert_string_equal(json_string_value(json_object_get(row, "status")), "unbuilt");
	assert_string_equal(json_string_value(json_object_get(row, "reason")),
			    "image/build.sh exit 6: the module proxy refused modules tailscaled "
			    "needs");
	/* no figure is made up: the row has none */
	assert_null(json_object_get(row, "binary_bytes"));
	assert_null(json_object_get(row, "online_s"));
	assert_null(json_object_get(row, "total"));
	assert_int_equal(json_array_size(json_object_get(row, "dropped_features")), 0);
	json_decref(row);
	compare_side_release(&s);

	side(&s, "v1.102.5", 0, 3, MANIFEST_OLD, NULL);
	row = history_row(&s, NULL);
	assert_string_equal(json_string_value(json_object_get(row, "status")), "not run");
	assert_string_equal(json_string_value(json_object_get(row, "reason")),
			    "its run wrote no summary.json (make test exit 3)");
	/* the build's own figures stand without a run */
	assert_int_equal(json_integer_value(json_object_get(row, "rootfs_bytes")), 4000000);
	json_decref(row);
	compare_side_release(&s);
}

/* The table, the verdict matrix and the plot's data from two rows. */
static void test_markdown_and_data(void **state)
{
	struct compare_side a, b, c;
	json_t *rows = json_array(), *doc;
	char *md = NULL, *dat = NULL;
	size_t mdlen = 0, datlen = 0;
	FILE *fp;

	(void)state;
	side(&a, "v1.96.5", 0, 1, MANIFEST_OLD, SUMMARY_FAIL);
	side(&b, "v1.104.7", 6, -1, NULL, NULL);
	side(&c, "v1.94.2", 0, 1, MANIFEST_OLD, SUMMARY_NO_JOIN);
	json_array_append_new(rows, history_row(&c, NULL));
	json_array_append_new(rows, history_row(&a, NULL));
	json_array_append_new(rows, history_row(&b, NULL));
	doc = history_doc("armv7", "pinned", rows);

	assert_non_null(fp = open_memstream(&md, &mdlen));
	history_markdown(doc, fp);
	assert_int_equal(fclose(fp), 0);
	assert_non_null(strstr(md, "## Tailscale releases on armv7 (peers: pinned)"));
	assert_non_null(strstr(md,
			       "| v1.94.2 | FAIL | 3,500,000 | 15,000,000 | 4,000,000 | "
			       "3,900,000 | - | - | 9.3 | - | -ipnbus (not in this release) | "
			       "precondition join failed; `tailscale up`: exit 1: 404 Not Found "
			       "(not tolerated) |"));
	assert_non_null(strstr(md,
			       "| v1.96.5 | FAIL 1/3 | 3,500,000 | 15,000,000 | 4,000,000 | "
			       "3,900,000 | 24,000 | 25,000 | 7.2 | 8.5 | -ipnbus (not in this "
			       "release) | failed: health-report, portmap; `tailscale up`: exit 1: "
			       "tailnet lock is not supported (tolerated) |"));
	assert_non_null(strstr(md, "| v1.104.7 | unbuilt | - | - | - | - | - | - | - | - | - | "
				   "image/build.sh exit 6: see build.log |"));
	/* the verdict matrix: a column per version, '-' where a version has no verdict */
	assert_non_null(strstr(md, "| canary | v1.94.2 | v1.96.5 | v1.104.7 |"));
	assert_non_null(strstr(md, "| health-report | - | fail | - |"));

	assert_non_null(fp = open_memstream(&dat, &datlen));
	history_data(doc, fp);
	assert_int_equal(fclose(fp), 0);
	assert_non_null(strstr(dat,
			       "\nv1.96.5\t3.500\t15.000\t4.000\t3.900\t23.438\t24.414\t7.250\t"
			       "8.500\n"));
	assert_non_null(strstr(dat, "\nv1.104.7\tNaN\tNaN\tNaN\tNaN\tNaN\tNaN\tNaN\tNaN\n"));

	free(md);
	free(dat);
	json_decref(doc);
	compare_side_release(&a);
	compare_side_release(&b);
	compare_side_release(&c);
}

/* fixtures/history-fits: what it adds to which release, kept only where it was built in. */
static void test_fits(void **state)
{
	struct compare_side s;
	struct vrules rules;
	json_t *add, *row;

	(void)state;
	assert_int_equal(vrules_load(&rules, "fixtures/history-fits"), 0);
	add = history_fits(&rules, "v1.96.5");
	assert_int_equal(json_array_size(add), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(add, 0), "feature")),
			    "clientmetrics");
	json_decref(add);
	add = history_fits(&rules, "v1.98.10");
	assert_int_equal(json_array_size(add), 0);
	json_decref(add);

	add = history_fits(&rules, "v1.94.2");
	side(&s, "v1.94.2", 0, 0, "{\"allowlist\": [\"dns\", \"clientmetrics\"]}", NULL);
	row = history_row(&s, add);
	assert_int_equal(json_array_size(json_object_get(row, "added_features")), 1);
	json_decref(row);
	compare_side_release(&s);
	/* an image built without the fit does not claim it */
	side(&s, "v1.94.2", 0, 0, "{\"allowlist\": [\"dns\"]}", NULL);
	row = history_row(&s, add);
	assert_int_equal(json_array_size(json_object_get(row, "added_features")), 0);
	json_decref(row);
	compare_side_release(&s);
	json_decref(add);
	vrules_release(&rules);
}

/* Text in a table cell cannot break its row: pipes escaped, newlines spaces. */
static void test_md_cell(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	strbuf_add_md_cell(&sb, "exit 1: a|b\nnext line");
	strbuf_add_md_cell(&sb, NULL);
	assert_string_equal(strbuf_str(&sb), "exit 1: a\\|b next line");
	strbuf_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_select_latest_patch_per_even_minor),
		cmocka_unit_test(test_select_rejects_a_bad_from),
		cmocka_unit_test(test_row_of_a_run),
		cmocka_unit_test(test_row_of_a_version_that_did_not_build),
		cmocka_unit_test(test_markdown_and_data),
		cmocka_unit_test(test_fits),
		cmocka_unit_test(test_md_cell),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
