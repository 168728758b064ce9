/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "tsversion.h"

/* What the lab's own binaries print, as measured: each names its release. */
static void versions_from_program_output(void **state)
{
	static const struct {
		const char *text, *want;
	} ok[] = {
		{ "1.102.5-ERR-BuildInfo\n  long version: 1.102.5-ERR-BuildInfo\n  go version: "
		  "go1.26.8\n",
		  "v1.102.5" },
		{ "1.100.0-t1234abcd-gdeadbeef\n", "v1.100.0" },
		{ "headscale version v0.29.2\ncommit: unknown\n", "v0.29.2" },
		{ "v1.104.0-pre", "v1.104.0" },
	};
	static const char *const bad[] = {
		"",
		"\n1.102.5\n",
		"headscale version unknown\nv0.29.2\n",
		"version 1.102\n",
	};
	char out[32];

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(tsversion_from_output(ok[i].text, out, sizeof(out)), 0);
		assert_string_equal(out, ok[i].want);
	}
	/* the version must be on the first line, a whole word */
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(tsversion_from_output(bad[i], out, sizeof(out)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(versions_from_program_output),
	};

	return cmocka_run_group_tests_name("tsversion", tests, NULL, NULL);
}
