#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "tailnet.h"

static void finds_panic_after_nul_bytes(void **state)
{
	/* tailscaled writes "[v\0JSON]" lines: a NUL must not hide what follows */
	static const char log[] = "start\n[v\0JSON]1{\"x\":1}\nok\npanic: unreachable\n\ngoroutine 44\n";
	struct strbuf hits = STRBUF_INIT;

	(void)state;
	assert_int_equal(log_grep(log, sizeof(log) - 1, "panic:", &hits), 1);
	assert_string_equal(hits.buf, "panic: unreachable\n");
	strbuf_release(&hits);
}

static void counts_each_line_and_caps(void **state)
{
	struct strbuf text = STRBUF_INIT, hits = STRBUF_INIT;

	(void)state;
	for (int i = 0; i < 15; i++)
		strbuf_addf(&text, "line %d fatal error: x\n", i);
	strbuf_addstr(&text, "last fatal error: without newline");
	assert_int_equal(log_grep(text.buf, text.len, "fatal error:", &hits), 10);
	strbuf_reset(&hits);
	assert_int_equal(log_grep(text.buf + text.len - 33, 33, "fatal error:", &hits), 1);
	assert_string_equal(hits.buf, "last fatal error: without newline\n");
	assert_int_equal(log_grep("", 0, "panic:", &hits), 0);
	strbuf_release(&text);
	strbuf_release(&hits);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(finds_panic_after_nul_bytes),
		cmocka_unit_test(counts_each_line_and_caps),
	};

	return cmocka_run_group_tests_name("tailnet", tests, NULL, NULL);
}
