/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "arch.h"
#include "budget.h"
#include "strbuf.h"

static void parses_budgets_with_provenance(void **state)
{
	struct budget b[4];

	(void)state;
	assert_int_equal(budget_parse("# comment\n\nbinary_bytes=3800000 measured=3594108 "
				      "date=2026-11-25 source=UPX lzma\n"
				      "tailscaled_rss_kib=40000 measured=25240 date=2026-11-25\n",
				      b, 4),
			 2);
	assert_string_equal(b[0].key, "binary_bytes");
	assert_true(b[0].limit == 3800000 && b[0].measured == 3594108);
	assert_string_equal(b[1].date, "2026-11-25");
}

static void rejects_budgets_without_source(void **state)
{
	struct budget b[4];

	(void)state;
	assert_int_equal(budget_parse("binary_bytes=3800000\n", b, 4), -1);
	assert_int_equal(budget_parse("binary_bytes=lots measured=1 date=x\n", b, 4), -1);
	assert_int_equal(budget_parse("=5 measured=1 date=x\n", b, 4), -1);
	assert_int_equal(budget_parse("a=1 measured=1 date=x\nb=2 measured=1 date=x\n", b, 1), -1);
}

/* Every arch of vm/arches has a budget the image met. */
static void real_fixtures_parse(void **state)
{
	char names[256], *save = NULL;

	(void)state;
	assert_int_equal(arch_names("vm/arches", names, sizeof(names)), 0);
	for (char *name = strtok_r(names, " ", &save); name; name = strtok_r(NULL, " ", &save)) {
		struct strbuf sb = STRBUF_INIT;
		struct budget b[16];
		char path[64];

		snprintf(path, sizeof(path), "fixtures/budgets/%s", name);
		assert_int_equal(strbuf_read_file(&sb, path), 0);
		/* binary, rootfs, archive, RSS, HWM, busybox */
		assert_int_equal(budget_parse(sb.buf, b, 16), 6);
		for (int k = 0; k < 6; k++)
			assert_true(b[k].limit >= b[k].measured); /* a budget the image met */
		strbuf_release(&sb);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_budgets_with_provenance),
		cmocka_unit_test(rejects_budgets_without_source),
		cmocka_unit_test(real_fixtures_parse),
	};

	return cmocka_run_group_tests_name("budget", tests, NULL, NULL);
}
