/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "zone.h"

static void finds_fixture_addresses(void **state)
{
	char buf[128];

	(void)state;
	assert_int_equal(zone_lookup("fixtures/zones/canary.test.zone", "www.canary.test", 0, buf,
				     sizeof(buf)),
			 0);
	assert_string_equal(buf, "198.51.100.80");
	assert_int_equal(zone_lookup("fixtures/zones/canary.test.client.zone", "www.canary.test.",
				     0, buf, sizeof(buf)),
			 0);
	assert_string_equal(buf, "198.51.100.180");
}

static void upstream_and_client_zones_differ(void **state)
{
	char up[128], cl[128];

	(void)state;
	/* the canaries tell the two resolvers apart by this */
	assert_int_equal(zone_lookup("fixtures/zones/canary.test.zone", "www.canary.test", 0, up,
				     sizeof(up)),
			 0);
	assert_int_equal(zone_lookup("fixtures/zones/canary.test.client.zone", "www.canary.test", 0,
				     cl, sizeof(cl)),
			 0);
	assert_string_not_equal(up, cl);
}

static void missing_name_or_file_fails(void **state)
{
	char buf[128];

	(void)state;
	assert_int_equal(zone_lookup("fixtures/zones/canary.test.zone", "nope.canary.test", 0, buf,
				     sizeof(buf)),
			 -1);
	assert_int_equal(
		zone_lookup("fixtures/zones/absent.zone", "www.canary.test", 0, buf, sizeof(buf)),
		-1);
	assert_int_equal(
		zone_lookup("fixtures/zones/canary.test.zone", "www.canary.test", 0, buf, 4), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(finds_fixture_addresses),
		cmocka_unit_test(upstream_and_client_zones_differ),
		cmocka_unit_test(missing_name_or_file_fails),
	};

	return cmocka_run_group_tests_name("zone", tests, NULL, NULL);
}
