/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <sys/wait.h>

#include "clock.h"
#include "proc.h"
#include "strbuf.h"

/* Two children of a set wait together: the set takes the longer one's time, not the sum. */
static void set_runs_side_by_side(void **state)
{
	const char *a[] = { "sh", "-c", "sleep 0.6; echo first", NULL };
	const char *b[] = { "sh", "-c", "echo second; echo err >&2; sleep 0.6; exit 3", NULL };
	struct proc_spec sa = { .name = "a", .argv = a }, sb = { .name = "b", .argv = b };
	struct strbuf oa = STRBUF_INIT, ob = STRBUF_INIT, eb = STRBUF_INIT;
	struct capture set[] = {
		{ .spec = &sa, .timeout_ms = 5000, .out = &oa },
		{ .spec = &sb, .timeout_ms = 5000, .out = &ob, .err = &eb },
	};
	long t0 = mono_ms(), took;

	(void)state;
	assert_int_equal(run_capture_set(set, 2), 0);
	took = mono_ms() - t0;
	assert_true(took >= 550 && took < 1100);
	assert_int_equal(set[0].ret, 0);
	assert_int_equal(set[1].ret, 0);
	assert_string_equal(strbuf_str(&oa), "first\n");
	assert_string_equal(strbuf_str(&ob), "second\n");
	assert_string_equal(strbuf_str(&eb), "err\n");
	assert_true(WIFEXITED(set[0].status) && WEXITSTATUS(set[0].status) == 0);
	assert_true(WIFEXITED(set[1].status) && WEXITSTATUS(set[1].status) == 3);
	strbuf_release(&oa);
	strbuf_release(&ob);
	strbuf_release(&eb);
}

/* A child past its own deadline is killed and reported; the others still finish. */
static void each_child_keeps_its_deadline(void **state)
{
	const char *slow[] = { "sh", "-c", "echo started; exec sleep 30", NULL };
	const char *fast[] = { "sh", "-c", "sleep 0.3; echo done", NULL };
	struct proc_spec ss = { .name = "slow", .argv = slow },
			 sf = { .name = "fast", .argv = fast };
	struct strbuf os = STRBUF_INIT, of = STRBUF_INIT;
	struct capture set[] = {
		{ .spec = &ss, .timeout_ms = 400, .out = &os },
		{ .spec = &sf, .timeout_ms = 5000, .out = &of },
	};
	long t0 = mono_ms(), took;

	(void)state;
	assert_int_equal(run_capture_set(set, 2), -1);
	took = mono_ms() - t0;
	assert_true(took >= 350 && took < 3000);
	assert_int_equal(set[0].ret, -1);
	assert_int_equal(set[1].ret, 0);
	assert_string_equal(strbuf_str(&os), "started\n");
	assert_string_equal(strbuf_str(&of), "done\n");
	strbuf_release(&os);
	strbuf_release(&of);
}

/* run_capture() is a set of one: same status and output. */
static void capture_of_one(void **state)
{
	const char *argv[] = { "sh", "-c", "printf 'x y'; exit 7", NULL };
	struct proc_spec spec = { .name = "one", .argv = argv };
	struct strbuf o = STRBUF_INIT;
	int status = -1;

	(void)state;
	assert_int_equal(run_capture(&spec, 5000, &o, NULL, &status), 0);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 7);
	assert_string_equal(strbuf_str(&o), "x y");
	strbuf_release(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(set_runs_side_by_side),
		cmocka_unit_test(each_child_keeps_its_deadline),
		cmocka_unit_test(capture_of_one),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
