/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "beside.h"
#include "canary.h"
#include "log.h"

/* Two parts of the lab: the rule is the same for any bit. */
#define PART_A SHARED_FLASH
#define PART_B SHARED_NETMAP

static void alone_waits_for_everyone(void **state)
{
	(void)state;
	assert_int_equal(beside_may_start(0, 0, 0, 0, 0, BESIDE_MAX), 1);
	assert_int_equal(beside_may_start(0, 0, CANARY_BESIDE, 0, 1, BESIDE_MAX), 0);
	assert_int_equal(beside_may_start(0, 0, CANARY_BESIDE | PART_A, PART_B, 2, BESIDE_MAX), 0);
	/* and none starts beside one that runs alone (it runs in the run itself) */
	assert_int_equal(beside_may_start(CANARY_BESIDE, 0, 0, 0, 1, BESIDE_MAX), 0);
}

static void beside_unless_one_changes_what_the_other_holds(void **state)
{
	(void)state;
	assert_int_equal(beside_may_start(CANARY_BESIDE, 0, 0, 0, 0, BESIDE_MAX), 1);
	assert_int_equal(beside_may_start(CANARY_BESIDE | PART_A, PART_B, 0, 0, 0, BESIDE_MAX), 1);
	/* both hold the same part, neither changes it */
	assert_int_equal(beside_may_start(CANARY_BESIDE | PART_B, 0, CANARY_BESIDE | PART_B, 0, 1,
					  BESIDE_MAX),
			 1);
	/* both change the same part, neither holds it */
	assert_int_equal(
		beside_may_start(CANARY_BESIDE, PART_B, CANARY_BESIDE, PART_B, 1, BESIDE_MAX), 1);
	/* it changes what a running one holds */
	assert_int_equal(
		beside_may_start(CANARY_BESIDE, PART_B, CANARY_BESIDE | PART_B, 0, 1, BESIDE_MAX),
		0);
	/* a running one changes what it holds */
	assert_int_equal(
		beside_may_start(CANARY_BESIDE | PART_B, 0, CANARY_BESIDE, PART_B, 1, BESIDE_MAX),
		0);
	/* other parts do not matter */
	assert_int_equal(beside_may_start(CANARY_BESIDE | PART_A, PART_A, CANARY_BESIDE | PART_B,
					  PART_B, 2, BESIDE_MAX),
			 1);
}

static void no_more_than_the_maximum(void **state)
{
	(void)state;
	/* --beside 1: every canary one at a time; --beside 2: two */
	assert_int_equal(beside_may_start(CANARY_BESIDE, 0, 0, 0, 0, 1), 1);
	assert_int_equal(beside_may_start(CANARY_BESIDE, 0, CANARY_BESIDE, 0, 1, 1), 0);
	assert_int_equal(beside_may_start(CANARY_BESIDE, 0, CANARY_BESIDE, 0, 1, 2), 1);
	assert_int_equal(beside_may_start(CANARY_BESIDE, 0, CANARY_BESIDE, 0, 2, 2), 0);
	assert_int_equal(
		beside_may_start(CANARY_BESIDE, 0, CANARY_BESIDE, 0, BESIDE_MAX - 1, BESIDE_MAX),
		1);
	assert_int_equal(
		beside_may_start(CANARY_BESIDE, 0, CANARY_BESIDE, 0, BESIDE_MAX, BESIDE_MAX), 0);
}

/* Any byte, NUL and broken UTF-8 included, in a detail and a summary. */
static const char odd_detail[] = "line one\nbinary \x00\xff\xfe end\n\nlast";

static void outcome_round_trip(void **state)
{
	struct canary_outcome out = { 0 }, back = { 0 };
	json_t *before = json_pack("{s:i, s:i, s:s}", "kept", 1, "changed", 2, "same", "x");
	json_t *after = json_pack("{s:i, s:i, s:s, s:f}", "kept", 1, "changed", 3, "same", "x",
				  "new", 0.5);
	json_t *metrics = NULL;
	double spent = 0;
	char *msg;
	size_t len = 0;
	int ret = 7;

	(void)state;
	out.verdict = VERDICT_FAIL;
	out.timed_out = 1;
	strbuf_addstr(&out.signature, "no-answer");
	strbuf_addstr(&out.summary, "the router said nothing \xc3\xa9");
	strbuf_add(&out.detail, odd_detail, sizeof(odd_detail) - 1);
	out.figures = json_pack("{s:i}", "pongs", 3);

	msg = beside_encode(&out, -1, 12.25, before, after, &len);
	assert_non_null(msg);
	back.figures = json_object();
	assert_int_equal(beside_decode(msg, len, &back, &ret, &spent, &metrics), 0);
	assert_int_equal(ret, -1);
	assert_int_equal(back.verdict, VERDICT_FAIL);
	assert_int_equal(back.timed_out, 1);
	assert_true(spent > 12.2499 && spent < 12.2501);
	assert_string_equal(strbuf_str(&back.signature), "no-answer");
	assert_string_equal(strbuf_str(&back.summary), "the router said nothing \xc3\xa9");
	assert_int_equal(back.detail.len, sizeof(odd_detail) - 1);
	assert_memory_equal(back.detail.buf, odd_detail, sizeof(odd_detail) - 1);
	assert_int_equal(json_integer_value(json_object_get(back.figures, "pongs")), 3);
	/* only what the canary set or changed comes back */
	assert_int_equal(json_object_size(metrics), 2);
	assert_int_equal(json_integer_value(json_object_get(metrics, "changed")), 3);
	assert_non_null(json_object_get(metrics, "new"));
	assert_null(json_object_get(metrics, "kept"));

	json_decref(metrics);
	json_decref(before);
	json_decref(after);
	json_decref(out.figures);
	json_decref(back.figures);
	strbuf_release(&out.signature);
	strbuf_release(&out.summary);
	strbuf_release(&out.detail);
	strbuf_release(&back.signature);
	strbuf_release(&back.summary);
	strbuf_release(&back.detail);
	free(msg);
}

static void a_pass_with_nothing_to_say(void **state)
{
	struct canary_outcome out = { 0 }, back = { 0 };
	json_t *metrics = NULL, *m = json_object();
	double spent = -1;
	char *msg;
	size_t len = 0;
	int ret = -1;

	(void)state;
	msg = beside_encode(&out, 0, 0.0, NULL, m, &len);
	assert_non_null(msg);
	assert_int_equal(beside_decode(msg, len, &back, &ret, &spent, &metrics), 0);
	assert_int_equal(ret, 0);
	assert_int_equal(back.verdict, VERDICT_PASS);
	assert_int_equal(back.signature.len, 0);
	assert_int_equal(back.detail.len, 0);
	assert_true(json_is_object(back.figures));
	assert_int_equal(json_object_size(metrics), 0);
	json_decref(metrics);
	json_decref(m);
	json_decref(back.figures);
	strbuf_release(&back.signature);
	strbuf_release(&back.summary);
	strbuf_release(&back.detail);
	free(msg);
}

/* Decode text; expect a refusal and nothing handed back. */
static void refused(const char *text, size_t len)
{
	struct canary_outcome back = { 0 };
	json_t *metrics = NULL;
	double spent = 0;
	int ret = 0;

	assert_int_equal(beside_decode(text, len, &back, &ret, &spent, &metrics), -1);
	assert_null(metrics);
	strbuf_release(&back.signature);
	strbuf_release(&back.summary);
	strbuf_release(&back.detail);
}

static void refuses_what_is_not_an_outcome(void **state)
{
	struct canary_outcome out = { 0 };
	json_t *m = json_object();
	char *msg, *cut;
	size_t len;
	int saved, quiet;

	(void)state;
	/* every refusal says why on stderr: a few hundred lines, not wanted here */
	fflush(stderr);
	saved = dup(2);
	assert_true(saved >= 0);
	quiet = open("/dev/null", O_WRONLY | O_CLOEXEC);
	assert_true(quiet >= 0);
	dup2(quiet, 2);
	close(quiet);
	strbuf_addstr(&out.detail, "some evidence");
	msg = beside_encode(&out, 0, 1.5, NULL, m, &len);
	assert_non_null(msg);
	assert_int_equal(len, strlen(msg));
	/* a process that died halfway: every cut short of the whole is refused */
	for (size_t n = 0; n < len; n++)
		refused(msg, n);
	/* bytes after the end */
	cut = xasprintf("%sjunk", msg);
	refused(cut, strlen(cut));
	free(cut);
	refused("", 0);
	refused("hello\n", 6);
	/* values out of range */
	cut = xasprintf("tscanary-beside 1\nret 0\nverdict 9\ntimed_out 0\nspent 1\n");
	refused(cut, strlen(cut));
	free(cut);
	cut = xasprintf("tscanary-beside 1\nret 0\nverdict 0\ntimed_out 0\nspent -1\n");
	refused(cut, strlen(cut));
	free(cut);
	/* figures that are no object */
	cut = xasprintf("tscanary-beside 1\nret 0\nverdict 0\ntimed_out 0\nspent 1\n"
			"signature 0\n\nsummary 0\n\ndetail 0\n\nfigures 2\n[]\nmetrics 2\n{}\n");
	refused(cut, strlen(cut));
	free(cut);
	dup2(saved, 2);
	close(saved);
	strbuf_release(&out.detail);
	json_decref(m);
	free(msg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(alone_waits_for_everyone),
		cmocka_unit_test(beside_unless_one_changes_what_the_other_holds),
		cmocka_unit_test(no_more_than_the_maximum),
		cmocka_unit_test(outcome_round_trip),
		cmocka_unit_test(a_pass_with_nothing_to_say),
		cmocka_unit_test(refuses_what_is_not_an_outcome),
	};

	log_set_level(LOG_WARN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
