/* SPDX-License-Identifier: BSD-3-Clause */
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
	static const char log[] =
		"start\n[v\0JSON]1{\"x\":1}\nok\npanic: unreachable\n\ngoroutine 44\n";
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

static void counts_verbose_lines_once_each(void **state)
{
	static const char log[] = "2026/11/25 a: [v1] one\n"
				  "2026/11/25 b: plain\n"
				  "2026/11/25 c: [v2] two [v1] both tags, one line\n"
				  "2026/11/25 d: [v3] three\n"
				  "2026/11/25 e: [v4] not a verbosity tailscaled uses\n"
				  "2026/11/25 f: [v1] no newline at the end";
	struct strbuf ex = STRBUF_INIT;

	(void)state;
	assert_int_equal(log_count_verbose(log, sizeof(log) - 1, 0, &ex), 4);
	assert_non_null(strstr(ex.buf, "[v1] one"));
	assert_null(strstr(ex.buf, "plain"));
	/* from an offset: only what follows (the mark of a driven event) */
	assert_int_equal(
		log_count_verbose(log, sizeof(log) - 1, (size_t)(strstr(log, "d:") - log), NULL),
		2);
	assert_int_equal(log_count_verbose(log, sizeof(log) - 1, sizeof(log) + 5, NULL), 0);
	assert_int_equal(log_count_verbose(NULL, 0, 0, NULL), 0);
	strbuf_release(&ex);
}

static void counts_verbose_json_records(void **state)
{
	/* types/logger's Logf.JSON: "[v\0JSON]<level>{...}", NUL included */
	static const char log[] = "2026/11/26 a: [v\0JSON]1{\"Hostinfo\":{}}\n"
				  "2026/11/26 b: control: [v\0JSON]0{\"x\":1}\n"
				  "2026/11/26 c: control: [v\0JSON]2{\"controltime\":\"t\"}\n"
				  "2026/11/26 d: [v\0JSON]";
	struct strbuf ex = STRBUF_INIT;

	(void)state;
	assert_int_equal(log_count_verbose(log, sizeof(log) - 1, 0, &ex), 2);
	assert_non_null(strstr(ex.buf, "[v\\0JSON]1{"));
	assert_null(strstr(ex.buf, "b: control"));
	strbuf_release(&ex);
}

static void keeps_five_examples(void **state)
{
	struct strbuf text = STRBUF_INIT, ex = STRBUF_INIT;
	size_t lines = 0;

	(void)state;
	for (int i = 0; i < 9; i++)
		strbuf_addf(&text, "x [v1] line %d %0200d\n", i, 0);
	assert_int_equal(log_count_verbose(text.buf, text.len, 0, &ex), 9);
	for (const char *p = ex.buf; (p = strchr(p, '\n')); p++)
		lines++;
	assert_int_equal(lines, 5);
	assert_null(strstr(ex.buf, "line 5"));
	strbuf_release(&text);
	strbuf_release(&ex);
}

static void names_the_invertgso_panic_first(void **state)
{
	static const char gso[] = "wgengine: ok\n"
				  "panic: unreachable\n\n"
				  "goroutine 81 [running]:\n"
				  "tailscale.com/net/tstun.invertGSOChecksum(...)\n"
				  "\ttailscale.com/net/tstun/wrap.go:1203\n"
				  "tailscale.com/net/tstun.(*Wrapper).injectedRead(0x1)\n";
	static const char other[] = "x\npanic: runtime error: index out of range\n"
				    "goroutine 1 [running]:\nmain.main()\n";
	static const char fatal[] = "fatal error: concurrent map writes\n";
	static const char clean[] = "magicsock: ok\n[v\0JSON]1{}\ninvertGSOChecksum mentioned\n";

	(void)state;
	assert_string_equal(log_panic_signature(gso, sizeof(gso) - 1), "invertgso-panic");
	assert_string_equal(log_panic_signature(other, sizeof(other) - 1), "panic");
	assert_string_equal(log_panic_signature(fatal, sizeof(fatal) - 1), "panic");
	/* the frame name alone, with no panic, is no crash */
	assert_null(log_panic_signature(clean, sizeof(clean) - 1));
	assert_null(log_panic_signature("", 0));
	assert_null(log_panic_signature(NULL, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(counts_verbose_lines_once_each),
		cmocka_unit_test(keeps_five_examples),
		cmocka_unit_test(counts_verbose_json_records),
		cmocka_unit_test(finds_panic_after_nul_bytes),
		cmocka_unit_test(counts_each_line_and_caps),
		cmocka_unit_test(names_the_invertgso_panic_first),
	};

	return cmocka_run_group_tests_name("tailnet", tests, NULL, NULL);
}
