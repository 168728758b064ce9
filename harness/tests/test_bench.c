/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

static void stats_odd_even_and_empty(void **state)
{
	double odd[] = { 9, 1, 5 }, even[] = { 4, 1, 3, 2 };
	struct bench_stats st;

	(void)state;
	assert_int_equal(bench_stats(odd, 3, &st), 0);
	assert_true(st.median == 5 && st.min == 1 && st.max == 9 && st.n == 3);
	assert_int_equal(bench_stats(even, 4, &st), 0);
	assert_true(st.median == 2.5 && st.min == 1 && st.max == 4);
	assert_int_equal(bench_stats(even, 0, &st), -1);
}

static json_t *run(const char *arch, const char *result, double boot, double rss)
{
	return json_pack("{s:s,s:s,s:{s:f,s:f,s:f,s:f},s:{s:f},s:[{s:s,s:f},{s:s}]}", "arch", arch,
			 "result", result, "timings", "timeout_scale", 1.2, "boot_s", boot,
			 "online_s", boot * 2, "total_s", boot * 5, "metrics", "tailscaled_rss_kib",
			 rss, "canaries", "name", "quad100-router", "duration_s", boot / 2, "name",
			 "no-duration");
}

static json_t *figure(json_t *arch, const char *name)
{
	json_t *f;
	size_t i;

	json_array_foreach(
		json_object_get(arch, "figures"), i,
		f) if (!strcmp(json_string_value(json_object_get(f, "name")), name)) return f;
	return NULL;
}

static void report_groups_by_arch(void **state)
{
	json_t *s[4] = { run("armv7", "pass", 6, 25000), run("armv7", "fail", 8, 26000),
			 run("armv7", "pass", 7, 24000), run("arm64", "pass", 3, 30000) };
	json_t *rep, *armv7, *boot, *canary;
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;

	(void)state;
	rep = bench_report(s, 4);
	armv7 = json_object_get(json_object_get(rep, "arches"), "armv7");
	assert_int_equal(json_integer_value(json_object_get(armv7, "runs")), 3);
	assert_int_equal(json_integer_value(json_object_get(armv7, "passed")), 2);
	boot = figure(armv7, "boot_s");
	assert_non_null(boot);
	assert_true(json_real_value(json_object_get(boot, "median")) == 7);
	assert_true(json_real_value(json_object_get(boot, "max")) == 8);
	canary = figure(armv7, "canary:quad100-router");
	assert_non_null(canary);
	assert_true(json_real_value(json_object_get(canary, "median")) == 3.5);
	/* not a time, and a canary without a duration: no figure */
	assert_null(figure(armv7, "timeout_scale"));
	assert_null(figure(armv7, "canary:no-duration"));
	/* the steps in the order the summary has them, then canaries, then memory */
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(json_object_get(armv7, "figures"), 0), "name")),
			    "boot_s");
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(json_object_get(armv7, "figures"), 3), "name")),
			    "canary:quad100-router");
	assert_null(json_object_get(armv7, "values"));
	fp = open_memstream(&buf, &len);
	bench_table(rep, fp);
	fclose(fp);
	assert_non_null(strstr(buf, "| armv7 | 3 | 2 | boot_s | 3 | 7.0 | 6.0 | 8.0 |"));
	assert_non_null(strstr(buf, "| arm64 | 1 | 1 | tailscaled_rss_kib | 1 | 30000.0 |"));
	free(buf);
	json_decref(rep);
	for (int i = 0; i < 4; i++)
		json_decref(s[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(stats_odd_even_and_empty),
		cmocka_unit_test(report_groups_by_arch),
	};

	return cmocka_run_group_tests_name("bench", tests, NULL, NULL);
}
