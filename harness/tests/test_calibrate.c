/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "calibrate.h"
#include "files.h"

static void factor_is_a_boot_over_the_reference_clamped(void **state)
{
	(void)state;
	assert_true(calibrate_factor(9.0) == 1.5);
	/* a boot faster than the reference never shortens a timeout */
	assert_true(calibrate_factor(2.0) == 1.0);
	assert_true(calibrate_factor(0.0) == 1.0);
	assert_true(calibrate_factor(600.0) == 4.0);
}

/* The scale before a boot: the median of the newest five boots, times the user's. */
static void scale_from_the_newest_boots(void **state)
{
	char dir[] = "/tmp/tsc-test-calibrate-XXXXXX";
	static const double boots[] = { 30.0, 30.0, 30.0, 9.0, 12.0, 9.0, 6.0, 7.2 };

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_true(calibrate_scale(dir, "armv7", 1.0) == 1.0);
	assert_true(calibrate_scale(NULL, "armv7", 2.0) == 2.0);
	for (size_t i = 0; i < sizeof(boots) / sizeof(boots[0]); i++)
		calibrate_record(dir, "armv7", boots[i]);
	/* kept: 9.0 12.0 9.0 6.0 7.2; median 9.0 */
	assert_true(calibrate_scale(dir, "armv7", 1.0) == 1.5);
	assert_true(calibrate_scale(dir, "armv7", 2.0) == 3.0);
	/* another arch has its own boots */
	assert_true(calibrate_scale(dir, "arm64", 1.0) == 1.0);
	assert_int_equal(rm_rf(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(factor_is_a_boot_over_the_reference_clamped),
		cmocka_unit_test(scale_from_the_newest_boots),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
