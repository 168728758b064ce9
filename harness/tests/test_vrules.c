/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "vrules.h"
#include "tsversion.h"

static void orders_versions(void **state)
{
	struct tsversion a, b;

	(void)state;
	assert_int_equal(tsversion_parse(&a, "v1.98.5"), 0);
	assert_int_equal(tsversion_parse(&b, "1.102.0"), 0);
	assert_true(tsversion_cmp(&a, &b) < 0);
	assert_true(tsversion_cmp(&b, &a) > 0);
	assert_int_equal(tsversion_parse(&b, "v1.98.5"), 0);
	assert_int_equal(tsversion_cmp(&a, &b), 0);
	assert_int_equal(tsversion_parse(&b, "v1.98.5-pre"), 0);
	assert_true(tsversion_cmp(&b, &a) < 0); /* a pre-release comes first */
	assert_int_equal(tsversion_parse(&a, "v1.98"), -1);
	assert_int_equal(tsversion_parse(&a, "v1.98.x"), -1);
	assert_int_equal(tsversion_parse(&a, "v1.98.5-"), -1);
	assert_int_equal(tsversion_parse(&a, ""), -1);
}

static void matches_ranges(void **state)
{
	(void)state;
	assert_int_equal(tsversion_in("v1.98.5", "<v1.102.0"), 1);
	assert_int_equal(tsversion_in("v1.102.0", "<v1.102.0"), 0);
	assert_int_equal(tsversion_in("v1.102.0-pre", "<v1.102.0"), 1);
	assert_int_equal(tsversion_in("1.100.2", ">=v1.80.0 <v1.102.0"), 1);
	assert_int_equal(tsversion_in("v1.78.0", ">=v1.80.0 <v1.102.0"), 0);
	assert_int_equal(tsversion_in("v1.104.7", ">v1.102.5"), 1);
	assert_int_equal(tsversion_in("v1.102.5", "=v1.102.5"), 1);
	assert_int_equal(tsversion_in("v1.102.5", "<=v1.102.5"), 1);
	assert_int_equal(tsversion_in("v1.102.5", "*"), 1);
	assert_int_equal(tsversion_in("v1.102.5", ""), 1);
	assert_int_equal(tsversion_in("v1.102.5", "~v1.102"), -1);
	assert_int_equal(tsversion_in("v1.102.5", "<<v1.102.0"), -1);
	assert_int_equal(tsversion_in("v1.102.5", "<"), -1);
	assert_int_equal(tsversion_in("garbage", "<v1.102.0"), -1);
}

static const char tailnet_lock[] = "tailnet lock is not supported by this binary";

static void tolerates_only_listed_errors_in_their_versions(void **state)
{
	struct vrules r;
	const struct vrule *m;

	(void)state;
	assert_int_equal(
		vrules_parse(
			&r,
			"# comment\n\n"
			"tailnet lock is not supported by this binary\t<v1.102.0\tjoins anyway\n",
			"t"),
		0);
	assert_int_equal(r.n, 1);
	m = vrules_match(&r, "v1.98.5", "exit 1: tailnet lock is not supported by this binary\n");
	assert_non_null(m);
	assert_string_equal(m->why, "joins anyway");
	assert_null(vrules_match(&r, "v1.102.5", tailnet_lock));
	assert_null(vrules_match(&r, "v1.98.5", "exit 1: backend error: invalid key"));
	assert_null(vrules_match(&r, "not-a-version", tailnet_lock));
	vrules_release(&r);
}

static void rejects_malformed_rules(void **state)
{
	struct vrules r;

	(void)state;
	assert_int_equal(vrules_parse(&r, "just a pattern\n", "t"), -1);
	assert_int_equal(vrules_parse(&r, "p\t<v1.102.0\n", "t"), -1);
	assert_int_equal(vrules_parse(&r, "p\t<v1.102.0\t\n", "t"), -1);
	assert_int_equal(vrules_parse(&r, "\t<v1.102.0\twhy\n", "t"), -1);
	assert_int_equal(vrules_parse(&r, "p\tsoon\twhy\n", "t"), -1);
	assert_int_equal(r.n, 0);
}

/* The committed data file parses and scopes the tailnet-lock error to v1.100's predecessors. */
static void real_fixture(void **state)
{
	struct vrules r;

	(void)state;
	assert_int_equal(vrules_load(&r, "fixtures/cli-errors"), 0);
	assert_true(r.n >= 1);
	assert_non_null(vrules_match(&r, "v1.98.5", tailnet_lock));
	assert_non_null(vrules_match(&r, "v1.98.10", tailnet_lock));
	assert_null(vrules_match(&r, "v1.100.0", tailnet_lock));
	assert_null(vrules_match(&r, "v1.102.5", tailnet_lock));
	assert_null(vrules_match(&r, "v1.98.5", "exit 1: some other failure"));
	vrules_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(orders_versions),
		cmocka_unit_test(matches_ranges),
		cmocka_unit_test(tolerates_only_listed_errors_in_their_versions),
		cmocka_unit_test(rejects_malformed_rules),
		cmocka_unit_test(real_fixture),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
