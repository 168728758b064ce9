/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "strbuf.h"

/* strbuf_add_sq's word, read back by a real shell, is the string again. */
static void sq_words_survive_a_shell(void **state)
{
	static const char *const words[] = {
		"", "plain", "it's", "''", "a b\tc", "$HOME `id` \"q\" \\ ; & | > *", "-n",
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(words); i++) {
		struct strbuf cmd = STRBUF_INIT;
		char got[256] = "";
		size_t n;
		FILE *fp;

		strbuf_addstr(&cmd, "printf '%s' ");
		strbuf_add_sq(&cmd, words[i]);
		fp = popen(strbuf_str(&cmd), "r");
		assert_non_null(fp);
		n = fread(got, 1, sizeof(got) - 1, fp);
		got[n] = '\0';
		assert_int_equal(pclose(fp), 0);
		assert_string_equal(got, words[i]);
		strbuf_release(&cmd);
	}
}

static void sq_exact_forms(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	strbuf_add_sq(&sb, "it's");
	assert_string_equal(strbuf_str(&sb), "'it'\\''s'");
	strbuf_reset(&sb);
	strbuf_add_sq(&sb, NULL);
	assert_string_equal(strbuf_str(&sb), "''");
	strbuf_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sq_words_survive_a_shell),
		cmocka_unit_test(sq_exact_forms),
	};

	return cmocka_run_group_tests_name("strbuf", tests, NULL, NULL);
}
