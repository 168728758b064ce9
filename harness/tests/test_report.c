/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "strbuf.h"

static char *render(int (*fn)(const struct report *, FILE *), const struct report *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	assert_non_null(fp);
	assert_int_equal(fn(r, fp), 0);
	fclose(fp);
	return buf;
}

static void sample(struct report *r)
{
	report_init(r, "armv7", NULL);
	report_add(r, "quad100-router", VERDICT_PASS, 0, 1.25, NULL, "", "udp rcode=NOERROR", NULL);
	report_add(r, "peerapi-doh", VERDICT_FAIL, 1, 10.0, "no-answer", "no answer within 3 s",
		   "line1 <x>\nline2 & 'y'", NULL);
	report_add(r, "flash-writes", VERDICT_SKIP, 0, 0, NULL, "needs client node", "", NULL);
}

static void tap_has_plan_and_directives(void **state)
{
	struct report r;
	char *tap;

	(void)state;
	sample(&r);
	tap = render(report_write_tap, &r);
	assert_true(!strncmp(tap, "TAP version 13\n1..3\n", 20));
	assert_non_null(strstr(tap, "ok 1 - quad100-router\n"));
	assert_non_null(strstr(tap, "not ok 2 - peerapi-doh # TIMEOUT no answer within 3 s\n"));
	assert_non_null(strstr(tap, "ok 3 - flash-writes # SKIP needs client node\n"));
	assert_non_null(strstr(tap, "  detail: |\n    line1 <x>\n    line2 & 'y'\n"));
	assert_non_null(strstr(tap, "  ...\n# totals: pass 1, fail 1, skip 1\n"));
	free(tap);
	report_release(&r);
}

static void tap_counts_run_error_as_a_test(void **state)
{
	struct report r;
	char *tap;

	(void)state;
	report_init(&r, "armv7", "no-netstack");
	report_set_error(&r, "router never came online: %s", "timeout");
	report_set_error(&r, "second error is dropped");
	tap = render(report_write_tap, &r);
	assert_non_null(strstr(tap, "1..1\nnot ok 1 - run"));
	assert_non_null(strstr(tap, "router never came online: timeout"));
	assert_null(strstr(tap, "second"));
	assert_non_null(strstr(tap, "# totals: pass 0, fail 1, skip 0\n"));
	free(tap);
	report_release(&r);
}

static void tap_description_cannot_inject_directives(void **state)
{
	struct report r;
	char *tap;

	(void)state;
	report_init(&r, "armv7", NULL);
	report_add(&r, "evil # SKIP\nok 9", VERDICT_FAIL, 0, 0, NULL, "x", "", NULL);
	tap = render(report_write_tap, &r);
	assert_non_null(strstr(tap, "not ok 1 - evil   SKIP ok 9\n"));
	free(tap);
	report_release(&r);
}

static void junit_escapes_and_counts(void **state)
{
	struct report r;
	char *x;

	(void)state;
	sample(&r);
	x = render(report_write_junit, &r);
	assert_non_null(strstr(x, "tests=\"3\" failures=\"1\" errors=\"0\" skipped=\"1\""));
	assert_non_null(strstr(x, "<failure type=\"timeout\" message=\"no answer within 3 s\">"
				  "line1 &lt;x&gt;\nline2 &amp; &apos;y&apos;</failure>"));
	assert_non_null(strstr(x, "<skipped message=\"needs client node\"/>"));
	free(x);
	report_release(&r);
}

static void xml_escape_drops_control_bytes(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	xml_escape(&sb, "a\x01"
			"b\tc\"");
	assert_string_equal(sb.buf, "a?b\tc&quot;");
	strbuf_release(&sb);
}

static void xml_escape_keeps_utf8_replaces_stray_bytes(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	/* é and ✓ stay; a lone continuation byte, a truncated sequence, an
	 * overlong '/', a surrogate and U+FFFE each become '?' */
	xml_escape(&sb, "\xc3\xa9 \xe2\x9c\x93 \x80 \xe2\x9c \xc0\xaf \xed\xa0\x80 \xef\xbf\xbe.");
	assert_string_equal(sb.buf, "\xc3\xa9 \xe2\x9c\x93 ? ?? ?? ??? ???.");
	strbuf_release(&sb);
}

static void tap_yaml_quotes_text_a_block_cannot_hold(void **state)
{
	struct report r;
	char *tap;

	(void)state;
	report_init(&r, "armv7", NULL);
	/* a first line indented deeper than the rest would end a block scalar
	 * early (YAML takes its indentation from the first line) */
	report_add(&r, "a", VERDICT_FAIL, 0, 0, NULL, "s", "  indented \"q\" \\\nnext\x01", NULL);
	report_add(&r, "b", VERDICT_FAIL, 0, 0, NULL, "s", "ok\x01\tx\n\xff", NULL);
	tap = render(report_write_tap, &r);
	assert_non_null(strstr(tap, "  detail: \"  indented \\\"q\\\" \\\\\\nnext\\x01\"\n"));
	assert_non_null(strstr(tap, "  detail: |\n    ok? x\n    ?\n"));
	free(tap);
	report_release(&r);
}

static void tap_description_keeps_utf8_only(void **state)
{
	struct report r;
	char *tap;

	(void)state;
	report_init(&r, "armv7", NULL);
	report_add(&r, "caf\xc3\xa9\xff\x02", VERDICT_PASS, 0, 0, NULL, "", "", NULL);
	tap = render(report_write_tap, &r);
	assert_non_null(strstr(tap, "ok 1 - caf\xc3\xa9??\n"));
	free(tap);
	report_release(&r);
}

static void json_summary_fields(void **state)
{
	struct report r;
	json_t *o;

	(void)state;
	sample(&r);
	r.tailscale_version = xstrdup("v1.98.5");
	json_object_set_new(r.metrics, "rootfs_bytes", json_integer(4000000));
	json_object_set_new(r.timings, "boot_s", json_real(3.5));
	o = report_to_json(&r);
	assert_string_equal(json_string_value(json_object_get(o, "arch")), "armv7");
	assert_string_equal(json_string_value(json_object_get(o, "variant")), "default");
	assert_string_equal(json_string_value(json_object_get(o, "result")), "fail");
	assert_string_equal(json_string_value(json_object_get(o, "tailscale_version")), "v1.98.5");
	assert_int_equal(
		json_integer_value(json_object_get(json_object_get(o, "metrics"), "rootfs_bytes")),
		4000000);
	assert_int_equal(json_array_size(json_object_get(o, "canaries")), 3);
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(json_object_get(o, "canaries"), 2), "result")),
			    "skip");
	json_decref(o);
	report_release(&r);
}

/* Every signature a canary saw is kept; "signature" stays the first. */
static void json_keeps_every_signature(void **state)
{
	struct report r;
	struct strbuf sb = STRBUF_INIT;
	json_t *o, *c;

	(void)state;
	strbuf_addstr(&sb, "no-answer harness-error");
	assert_true(strbuf_has_word(&sb, "harness-error"));
	assert_true(strbuf_has_word(&sb, "no-answer"));
	assert_false(strbuf_has_word(&sb, "answer"));
	assert_false(strbuf_has_word(&sb, "harness"));
	assert_false(strbuf_has_word(&sb, ""));
	report_init(&r, "armv7", NULL);
	report_add(&r, "no-panic", VERDICT_FAIL, 1, 0, sb.buf, "s", "", NULL);
	report_add(&r, "footprint", VERDICT_FAIL, 0, 0, "over-budget", "s", "", NULL);
	o = report_to_json(&r);
	c = json_array_get(json_object_get(o, "canaries"), 0);
	assert_string_equal(json_string_value(json_object_get(c, "signature")), "no-answer");
	assert_int_equal(json_array_size(json_object_get(c, "signatures")), 2);
	assert_string_equal(json_string_value(json_array_get(json_object_get(c, "signatures"), 1)),
			    "harness-error");
	c = json_array_get(json_object_get(o, "canaries"), 1);
	assert_string_equal(json_string_value(json_object_get(c, "signature")), "over-budget");
	assert_null(json_object_get(c, "signatures"));
	json_decref(o);
	report_release(&r);
	strbuf_release(&sb);
}

static void passed_needs_all_pass_and_no_skip(void **state)
{
	struct report r;

	(void)state;
	report_init(&r, "armv7", NULL);
	assert_false(report_passed(&r)); /* nothing ran: not a pass */
	report_add(&r, "a", VERDICT_PASS, 0, 0, NULL, NULL, NULL, NULL);
	assert_true(report_passed(&r));
	report_add(&r, "b", VERDICT_SKIP, 0, 0, NULL, "why", NULL, NULL);
	assert_false(report_passed(&r));
	report_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tap_has_plan_and_directives),
		cmocka_unit_test(json_keeps_every_signature),
		cmocka_unit_test(tap_counts_run_error_as_a_test),
		cmocka_unit_test(tap_description_cannot_inject_directives),
		cmocka_unit_test(junit_escapes_and_counts),
		cmocka_unit_test(xml_escape_drops_control_bytes),
		cmocka_unit_test(xml_escape_keeps_utf8_replaces_stray_bytes),
		cmocka_unit_test(tap_yaml_quotes_text_a_block_cannot_hold),
		cmocka_unit_test(tap_description_keeps_utf8_only),
		cmocka_unit_test(json_summary_fields),
		cmocka_unit_test(passed_needs_all_pass_and_no_skip),
	};

	return cmocka_run_group_tests_name("report", tests, NULL, NULL);
}
