/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "bisect.h"
#include "strbuf.h"
#include "words.h"

/* The module proxy's list as `go list -m -versions tailscale.com` printed it. */
#define PROXY_LIST "fixtures/bisect/tailscale-versions"

static void init_ok(struct bisect *b, const char *good, const char *bad)
{
	struct words w;
	struct strbuf err = STRBUF_INIT;

	load_words(&w, PROXY_LIST);
	assert_int_equal(bisect_init(b, w.v, w.n, good, bad, &err), 0);
	assert_string_equal(strbuf_str(&err), "");
	release_words(&w);
}

/* Test what bisect_next asks for, giving it value (NULL: skip); the version tested. */
static const char *step(struct bisect *b, const char *expect, const char *value)
{
	const char *next = bisect_next(b);

	assert_non_null(next);
	if (expect)
		assert_string_equal(next, expect);
	assert_int_equal(bisect_apply(b, next, value, value ? "seen" : "did not build", NULL), 0);
	return expect;
}

static void filters_and_orders_the_proxy_list(void **state)
{
	static const char *const want[] = { "v1.98.5",  "v1.98.6",  "v1.98.7",  "v1.98.8",
					    "v1.98.9",  "v1.98.10", "v1.100.0", "v1.102.0",
					    "v1.102.1", "v1.102.2", "v1.102.3", "v1.102.4",
					    "v1.102.5" };
	struct bisect b;

	(void)state;
	init_ok(&b, "v1.98.5", "v1.102.5");
	/* semver (v1.98.10 after v1.98.9), no pre-release, no odd minor */
	assert_int_equal(b.n, ARRAY_SIZE(want));
	for (size_t i = 0; i < b.n; i++) {
		assert_string_equal(b.steps[i].version, want[i]);
		assert_int_equal(b.steps[i].mark, BISECT_UNTESTED);
	}
	bisect_release(&b);
}

static void refuses_unknown_and_reversed_versions(void **state)
{
	static const char *const cases[][3] = {
		{ "v1.98.5", "v1.999.0", "BAD v1.999.0 is not a Tailscale release" },
		{ "v1.99.0-pre", "v1.102.5", "GOOD v1.99.0-pre is not a Tailscale release" },
		{ "v1.98.5", "v1.103.0-pre", "BAD v1.103.0-pre is not" },
		{ "nonsense", "v1.102.5", "GOOD nonsense is not" },
		{ "v1.102.5", "v1.98.5", "GOOD v1.102.5 must be older than BAD v1.98.5" },
		{ "v1.102.5", "v1.102.5", "GOOD v1.102.5 must be older than BAD v1.102.5" },
	};
	struct words w;

	(void)state;
	load_words(&w, PROXY_LIST);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct strbuf err = STRBUF_INIT;
		struct bisect b;

		assert_int_equal(bisect_init(&b, w.v, w.n, cases[i][0], cases[i][1], &err), -1);
		assert_non_null(strstr(strbuf_str(&err), cases[i][2]));
		assert_null(b.steps);
		strbuf_release(&err);
	}
	release_words(&w);
}

static void finds_the_first_bad_release(void **state)
{
	struct strbuf answer = STRBUF_INIT;
	struct bisect b;

	(void)state;
	init_ok(&b, "v1.98.5", "v1.102.5");
	/* the figure present up to v1.100.0, absent from v1.102.0 */
	step(&b, "v1.98.5", "present");
	step(&b, "v1.102.5", "absent");
	step(&b, "v1.100.0", "present"); /* midpoint of 0..12 */
	step(&b, "v1.102.2", "absent");  /* of 6..12 */
	step(&b, "v1.102.0", "absent");  /* of 6..9 */
	assert_null(bisect_next(&b));
	assert_int_equal(bisect_state(&b, NULL, NULL), BISECT_FOUND);
	assert_int_equal(bisect_exit_code(&b), BISECT_EXIT_FOUND);
	bisect_answer(&b, "figure join_cli_error", &answer);
	assert_string_equal(strbuf_str(&answer),
			    "figure join_cli_error changes in v1.102.0: first bad v1.102.0 "
			    "(absent: seen); last good v1.100.0 (present: seen)");
	/* a version out of turn or out of range is refused */
	assert_int_equal(bisect_apply(&b, "v1.98.7", "absent", NULL, NULL), -1);
	strbuf_release(&answer);
	bisect_release(&b);
}

static void good_may_be_a_failure(void **state)
{
	struct bisect b;
	size_t lo, hi;

	(void)state;
	/* a canary that fails on GOOD and passes from some release on (a fix) */
	init_ok(&b, "v1.98.5", "v1.102.5");
	step(&b, "v1.98.5", "fail");
	step(&b, "v1.102.5", "pass");
	step(&b, "v1.100.0", "pass");
	step(&b, "v1.98.8", "fail");
	step(&b, "v1.98.9", "fail");
	step(&b, "v1.98.10", "pass");
	assert_int_equal(bisect_state(&b, &lo, &hi), BISECT_FOUND);
	assert_string_equal(b.steps[lo].version, "v1.98.9");
	assert_string_equal(b.steps[hi].version, "v1.98.10");
	bisect_release(&b);
}

static void skip_at_the_midpoint_moves_it(void **state)
{
	struct strbuf answer = STRBUF_INIT;
	struct bisect b;

	(void)state;
	init_ok(&b, "v1.98.5", "v1.102.5");
	step(&b, "v1.98.5", "pass");
	step(&b, "v1.102.5", "fail");
	step(&b, "v1.100.0", NULL);   /* the midpoint cannot be built */
	step(&b, "v1.102.0", "fail"); /* its neighbour instead */
	step(&b, "v1.98.8", "pass");  /* midpoint of 0..7 */
	step(&b, "v1.98.10", "pass"); /* of 3..7 */
	/* only the skipped v1.100.0 lies between v1.98.10 and v1.102.0 */
	assert_null(bisect_next(&b));
	assert_int_equal(bisect_state(&b, NULL, NULL), BISECT_AMBIGUOUS);
	bisect_release(&b);

	/* a skip in the final gap: the answer is the range, with the skip named */
	init_ok(&b, "v1.98.10", "v1.102.1");
	step(&b, "v1.98.10", "pass");
	step(&b, "v1.102.1", "fail");
	step(&b, "v1.100.0", NULL);
	step(&b, "v1.102.0", "fail");
	assert_null(bisect_next(&b));
	assert_int_equal(bisect_state(&b, NULL, NULL), BISECT_AMBIGUOUS);
	assert_int_equal(bisect_exit_code(&b), BISECT_EXIT_UNCLEAR);
	bisect_answer(&b, "canary footprint", &answer);
	assert_string_equal(
		strbuf_str(&answer),
		"canary footprint changes in (v1.98.10, v1.102.0], not narrower: the first bad "
		"release is one of v1.100.0 v1.102.0; last good v1.98.10 (pass: seen); bad "
		"v1.102.0 (fail: seen). Skipped (no result, as `git bisect skip`): v1.100.0 "
		"(did not build)");
	strbuf_release(&answer);
	bisect_release(&b);
}

static void every_release_between_skipped(void **state)
{
	struct bisect b;

	(void)state;
	init_ok(&b, "v1.102.0", "v1.102.4");
	step(&b, "v1.102.0", "pass");
	step(&b, "v1.102.4", "fail");
	for (int i = 0; i < 3; i++)
		step(&b, NULL, NULL);
	assert_null(bisect_next(&b));
	assert_int_equal(bisect_state(&b, NULL, NULL), BISECT_AMBIGUOUS);
	bisect_release(&b);
}

static void adjacent_good_and_bad(void **state)
{
	struct bisect b;

	(void)state;
	init_ok(&b, "v1.98.10", "v1.100.0");
	assert_int_equal(b.n, 2);
	step(&b, "v1.98.10", "pass");
	step(&b, "v1.100.0", "fail");
	assert_null(bisect_next(&b));
	assert_int_equal(bisect_state(&b, NULL, NULL), BISECT_FOUND);
	bisect_release(&b);
}

static void good_or_bad_without_a_result(void **state)
{
	struct strbuf answer = STRBUF_INIT;
	struct bisect b;

	(void)state;
	init_ok(&b, "v1.98.5", "v1.102.5");
	step(&b, "v1.98.5", NULL);
	assert_null(bisect_next(&b));
	assert_int_equal(bisect_state(&b, NULL, NULL), BISECT_NO_GOOD);
	assert_int_equal(bisect_exit_code(&b), BISECT_EXIT_NO_RESULT);
	bisect_answer(&b, "canary x", &answer);
	assert_string_equal(strbuf_str(&answer),
			    "no answer: GOOD v1.98.5 has no result for canary x (did not build)");
	bisect_release(&b);

	init_ok(&b, "v1.98.5", "v1.102.5");
	step(&b, "v1.98.5", "pass");
	step(&b, "v1.102.5", NULL);
	assert_null(bisect_next(&b));
	assert_int_equal(bisect_state(&b, NULL, NULL), BISECT_NO_BAD);
	bisect_release(&b);
	strbuf_release(&answer);
}

static void bad_with_goods_result_is_no_change(void **state)
{
	struct bisect b;
	json_t *doc;

	(void)state;
	init_ok(&b, "v1.98.5", "v1.102.5");
	step(&b, "v1.98.5", "pass");
	step(&b, "v1.102.5", "pass");
	assert_null(bisect_next(&b));
	assert_int_equal(bisect_state(&b, NULL, NULL), BISECT_SAME);
	assert_int_equal(bisect_exit_code(&b), BISECT_EXIT_UNCLEAR);
	doc = bisect_json(&b, "armv7", "canary footprint");
	assert_string_equal(json_string_value(json_object_get(doc, "state")), "no change");
	assert_null(json_object_get(doc, "first_bad"));
	json_decref(doc);
	bisect_release(&b);
}

static void writes_the_evidence(void **state)
{
	struct bisect b;
	json_t *doc, *fb;

	(void)state;
	init_ok(&b, "v1.98.10", "v1.102.0");
	assert_int_equal(bisect_apply(&b, "v1.98.10", "present", "join_cli_error: x",
				      "out/armv7/bisect/v1.98.10/summary.json"),
			 0);
	assert_string_equal(bisect_next(&b), "v1.102.0");
	assert_int_equal(bisect_exit_code(&b), BISECT_EXIT_NEXT);
	assert_int_equal(bisect_apply(&b, "v1.102.0", "absent", "no join_cli_error",
				      "out/armv7/bisect/v1.102.0/summary.json"),
			 0);
	assert_string_equal(bisect_next(&b), "v1.100.0");
	assert_int_equal(bisect_apply(&b, "v1.100.0", "absent", "no join_cli_error",
				      "out/armv7/bisect/v1.100.0/summary.json"),
			 0);
	doc = bisect_json(&b, "armv7", "figure join_cli_error");
	assert_string_equal(json_string_value(json_object_get(doc, "state")), "found");
	assert_int_equal(json_integer_value(json_object_get(doc, "exit_code")), 0);
	fb = json_object_get(doc, "first_bad");
	assert_string_equal(json_string_value(json_object_get(fb, "version")), "v1.100.0");
	assert_string_equal(json_string_value(json_object_get(fb, "summary_json")),
			    "out/armv7/bisect/v1.100.0/summary.json");
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(doc, "last_good"), "version")),
		"v1.98.10");
	json_decref(doc);
	bisect_release(&b);
}

static void reads_values_from_summaries(void **state)
{
	json_error_t jerr;
	json_t *pass = json_load_file("fixtures/summaries/default-pass.json", 0, &jerr);
	json_t *died = json_load_file("fixtures/summaries/reboot-failed.json", 0, &jerr);
	struct strbuf d = STRBUF_INIT;
	struct bisect_figure join;

	(void)state;
	assert_int_equal(bisect_figure_parse(&join, "join_cli_error", &d), 0);
	assert_non_null(pass);
	assert_non_null(died);
	assert_string_equal(bisect_value(pass, "footprint", NULL, &d), "pass");
	strbuf_reset(&d);
	assert_null(bisect_value(pass, "no-such-canary", NULL, &d));
	assert_non_null(strstr(strbuf_str(&d), "did not run"));
	strbuf_reset(&d);
	/* the pinned version joins without a CLI error */
	assert_string_equal(bisect_value(pass, NULL, &join, &d), "absent");
	strbuf_reset(&d);
	json_object_set_new(pass, "join_cli_error",
			    json_string("exit 1: tailnet lock is not supported by this binary"));
	json_object_set_new(pass, "join_cli_tolerated",
			    json_pack("{s:s}", "versions", "<v1.102.0"));
	assert_string_equal(bisect_value(pass, NULL, &join, &d), "present");
	assert_string_equal(strbuf_str(&d),
			    "join_cli_error: exit 1: tailnet lock is not supported by this "
			    "binary; tolerated for <v1.102.0 by fixtures/cli-errors");
	strbuf_reset(&d);
	/* a run that never got past the join says nothing of the figure */
	json_object_set_new(json_object_get(died, "preconditions"), "join", json_false());
	assert_null(bisect_value(died, NULL, &join, &d));
	assert_non_null(strstr(strbuf_str(&d), "did not get past the join"));
	strbuf_release(&d);
	json_decref(pass);
	json_decref(died);
}

static void figures_with_a_threshold(void **state)
{
	static const char *const bad[][2] = {
		{ "", "want a summary.json key" },
		{ "Metrics.x", "want a summary.json key" },
		{ "metrics..x", "want a summary.json key" },
		{ "metrics.x.", "want a summary.json key" },
		{ ">5", "want a summary.json key" },
		{ "metrics.x=>5", "operator" },
		{ "metrics.x=5", "operator" },
		{ "metrics.x<>5", "operator" },
		{ "metrics.x>", "not a number" },
		{ "metrics.x>5kB", "not a number" },
	};
	json_error_t jerr;
	json_t *pass = json_load_file("fixtures/summaries/default-pass.json", 0, &jerr);
	struct strbuf d = STRBUF_INIT;
	struct bisect_figure f;

	(void)state;
	assert_non_null(pass);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		strbuf_reset(&d);
		assert_int_equal(bisect_figure_parse(&f, bad[i][0], &d), -1);
		assert_non_null(strstr(strbuf_str(&d), bad[i][1]));
	}
	/* binary_bytes is 3678528 in that run */
	assert_int_equal(bisect_figure_parse(&f, "metrics.binary_bytes>3678527", &d), 0);
	assert_string_equal(f.path, "metrics.binary_bytes");
	assert_string_equal(f.op, ">");
	strbuf_reset(&d);
	assert_string_equal(bisect_value(pass, NULL, &f, &d), "true");
	assert_string_equal(strbuf_str(&d), "metrics.binary_bytes = 3678528; > 3678527: true");
	assert_int_equal(bisect_figure_parse(&f, "metrics.binary_bytes>3678528", &d), 0);
	assert_string_equal(bisect_value(pass, NULL, &f, &d), "false");
	assert_int_equal(bisect_figure_parse(&f, "metrics.binary_bytes>=3678528", &d), 0);
	assert_string_equal(bisect_value(pass, NULL, &f, &d), "true");
	assert_int_equal(bisect_figure_parse(&f, "timings.online_s<=10", &d), 0);
	assert_string_equal(bisect_value(pass, NULL, &f, &d), "false");
	assert_int_equal(bisect_figure_parse(&f, "timings.online_s<11.5", &d), 0);
	assert_string_equal(bisect_value(pass, NULL, &f, &d), "true");
	/* a figure the run does not have, or not a number: no result */
	strbuf_reset(&d);
	assert_int_equal(bisect_figure_parse(&f, "metrics.no_such_bytes>1", &d), 0);
	assert_null(bisect_value(pass, NULL, &f, &d));
	assert_string_equal(strbuf_str(&d),
			    "no number metrics.no_such_bytes in the run (run result: pass)");
	assert_int_equal(bisect_figure_parse(&f, "arch>1", &d), 0);
	assert_null(bisect_value(pass, NULL, &f, &d));
	/* presence on a dotted path */
	strbuf_reset(&d);
	assert_int_equal(bisect_figure_parse(&f, "metrics.binary_bytes", &d), 0);
	assert_string_equal(bisect_value(pass, NULL, &f, &d), "present");
	assert_string_equal(strbuf_str(&d), "metrics.binary_bytes: 3678528");
	strbuf_release(&d);
	json_decref(pass);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(filters_and_orders_the_proxy_list),
		cmocka_unit_test(refuses_unknown_and_reversed_versions),
		cmocka_unit_test(finds_the_first_bad_release),
		cmocka_unit_test(good_may_be_a_failure),
		cmocka_unit_test(skip_at_the_midpoint_moves_it),
		cmocka_unit_test(every_release_between_skipped),
		cmocka_unit_test(adjacent_good_and_bad),
		cmocka_unit_test(good_or_bad_without_a_result),
		cmocka_unit_test(bad_with_goods_result_is_no_change),
		cmocka_unit_test(writes_the_evidence),
		cmocka_unit_test(reads_values_from_summaries),
		cmocka_unit_test(figures_with_a_threshold),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
