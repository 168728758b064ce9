/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "kv.h"

static const char line[] =
	"server=100.100.100.100 transport=udp name=www.canary.test type=A rcode=NOERROR "
	"flags=qr,aa,rd,ra answers=198.51.100.80 latency_ms=12.5 result=pass reason=all fine here\n"
	"next=line\n";

static void gets_values(void **state)
{
	char buf[64];
	double d;

	(void)state;
	assert_int_equal(kv_get(line, "transport", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "udp");
	assert_int_equal(kv_get(line, "answers", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "198.51.100.80");
	assert_int_equal(kv_get(line, "reason", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "all fine here");
	assert_int_equal(kv_get_double(line, "latency_ms", &d), 0);
	assert_true(d > 12.49 && d < 12.51);
}

static void key_must_start_a_word_and_stay_on_the_line(void **state)
{
	char buf[64];

	(void)state;
	assert_int_equal(kv_get(line, "name", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "www.canary.test"); /* not "server=" suffix */
	assert_int_equal(kv_get(line, "ver", buf, sizeof(buf)), -1);
	assert_int_equal(kv_get(line, "next", buf, sizeof(buf)), -1);
	assert_int_equal(kv_get_double(line, "rcode", &(double){ 0 }), -1);
}

static void too_small_buffer_fails(void **state)
{
	char buf[4];

	(void)state;
	assert_int_equal(kv_get(line, "server", buf, sizeof(buf)), -1);
}

static void finds_line_by_value(void **state)
{
	const char text[] = "a=1 transport=udp\na=2 transport=tcp\n";
	const char *l;

	(void)state;
	l = kv_find_line(text, "transport", "tcp");
	assert_non_null(l);
	assert_true(!strncmp(l, "a=2", 3));
	assert_null(kv_find_line(text, "transport", "doh"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(gets_values),
		cmocka_unit_test(key_must_start_a_word_and_stay_on_the_line),
		cmocka_unit_test(too_small_buffer_fails),
		cmocka_unit_test(finds_line_by_value),
	};

	return cmocka_run_group_tests_name("kv", tests, NULL, NULL);
}
