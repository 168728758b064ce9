/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "userns.h"

static void root_and_capable_run_as_they_are(void **state)
{
	(void)state;
	assert_int_equal(userns_plan_for(1, 0), USERNS_AS_IS);
	/* a user given the capabilities needs no namespace */
	assert_int_equal(userns_plan_for(1, 1000), USERNS_AS_IS);
	/* root limited on purpose is told so, not moved into a namespace */
	assert_int_equal(userns_plan_for(0, 0), USERNS_AS_IS);
	assert_int_equal(userns_plan_for(0, 1000), USERNS_ENTER);
	assert_int_equal(userns_plan_for(0, 65534), USERNS_ENTER);
}

static void map_line_maps_one_id_to_root(void **state)
{
	char buf[32];

	(void)state;
	assert_int_equal(userns_map_line(buf, sizeof(buf), 1000), 0);
	assert_string_equal(buf, "0 1000 1\n");
	assert_int_equal(userns_map_line(buf, sizeof(buf), 4294967294UL), 0);
	assert_string_equal(buf, "0 4294967294 1\n");
	assert_int_equal(userns_map_line(buf, 8, 1000), -1); /* "0 1000 1\n" needs 10 */
}

static void initial_map_is_the_whole_identity(void **state)
{
	(void)state;
	assert_true(userns_map_is_initial("         0          0 4294967295\n"));
	assert_false(userns_map_is_initial("         0       1000          1\n"));
	assert_false(userns_map_is_initial("         0          0      65536\n"));
	assert_false(userns_map_is_initial("0 0 4294967295\n1 1 1\n"));
	assert_false(userns_map_is_initial(""));
}

static void not_entered_outside(void **state)
{
	(void)state;
	assert_false(userns_active());
	if (geteuid() != 0)
		assert_false(userns_really_root());
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(root_and_capable_run_as_they_are),
		cmocka_unit_test(map_line_maps_one_id_to_root),
		cmocka_unit_test(initial_map_is_the_whole_identity),
		cmocka_unit_test(not_entered_outside),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
