/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guestprobe.h"
#include "strbuf.h"

/* The host's busybox stands in for the overlay's: same applets, same sh. */
#define HOST_BUSYBOX "/bin/busybox"

/* Replace every from in sb by to. */
static void replace_all(struct strbuf *sb, const char *from, const char *to)
{
	struct strbuf o = STRBUF_INIT;
	const char *p = strbuf_str(sb), *hit;

	while ((hit = strstr(p, from))) {
		strbuf_add(&o, p, (size_t)(hit - p));
		strbuf_addstr(&o, to);
		p = hit + strlen(from);
	}
	strbuf_addstr(&o, p);
	strbuf_reset(sb);
	strbuf_addstr(sb, strbuf_str(&o));
	strbuf_release(&o);
}

/* Run the set's script as the router would, on the host; its report into rep. */
static int run_script(const char *const *const *argvs, size_t n, const char *tmp,
		      struct strbuf *rep)
{
	struct strbuf script = STRBUF_INIT, cmd = STRBUF_INIT;
	char buf[4096];
	size_t got;
	FILE *fp;
	int status;

	probeset_script(&script, argvs, n);
	assert_non_null(strstr(strbuf_str(&script), GUEST_BUSYBOX));
	replace_all(&script, GUEST_BUSYBOX, HOST_BUSYBOX);
	replace_all(&script, GUEST_RUN, tmp);
	strbuf_addstr(&cmd, HOST_BUSYBOX " sh -c ");
	strbuf_add_sq(&cmd, strbuf_str(&script));
	fp = popen(strbuf_str(&cmd), "r");
	assert_non_null(fp);
	while ((got = fread(buf, 1, sizeof(buf), fp)) > 0)
		strbuf_add(rep, buf, got);
	status = pclose(fp);
	strbuf_release(&script);
	strbuf_release(&cmd);
	return status;
}

/*
 * Probes that end in every way a probe can (exit 0 with output, a nonzero
 * exit with stderr, a signal, an argument with quotes and spaces, no
 * output): each one's status and bytes come back apart, in the set's order,
 * whatever order they ended in, and the script leaves no directory behind.
 */
static void script_reports_each_probe(void **state)
{
	static const char *const a0[] = { "sh", "-c", "sleep 0.3; echo first", NULL };
	static const char *const a1[] = { "sh", "-c", "echo to-err >&2; exit 2", NULL };
	static const char *const a2[] = { "sh", "-c", "kill -9 $$", NULL };
	static const char *const a3[] = { "printf", "%s|", "it's a 'word'", "$HOME", NULL };
	static const char *const a4[] = { "true", NULL };
	const char *const *argvs[] = { a0, a1, a2, a3, a4 };
	struct probeset_part p[5];
	struct strbuf rep = STRBUF_INIT;
	char tmp[] = "/tmp/test_guestprobe.XXXXXX";
	struct strbuf ls = STRBUF_INIT;

	(void)state;
	assert_non_null(mkdtemp(tmp));
	assert_int_equal(run_script(argvs, 5, tmp, &rep), 0);
	assert_int_equal(probeset_split(rep.buf, rep.len, p, 5), 0);
	assert_true(WIFEXITED(p[0].status) && WEXITSTATUS(p[0].status) == 0);
	assert_int_equal(p[0].out_len, 6);
	assert_memory_equal(p[0].out, "first\n", 6);
	assert_int_equal(p[0].err_len, 0);
	assert_true(WIFEXITED(p[1].status) && WEXITSTATUS(p[1].status) == 2);
	assert_int_equal(p[1].out_len, 0);
	assert_int_equal(p[1].err_len, 7);
	assert_memory_equal(p[1].err, "to-err\n", 7);
	assert_true(WIFSIGNALED(p[2].status) && WTERMSIG(p[2].status) == 9);
	assert_int_equal(p[3].out_len, strlen("it's a 'word'|$HOME|"));
	assert_memory_equal(p[3].out, "it's a 'word'|$HOME|", p[3].out_len);
	assert_true(WIFEXITED(p[4].status) && WEXITSTATUS(p[4].status) == 0);
	assert_int_equal(p[4].out_len + p[4].err_len, 0);
	/* the scratch directory is gone */
	strbuf_addf(&ls, "ls -A %s", tmp);
	{
		FILE *fp = popen(strbuf_str(&ls), "r");
		char c;

		assert_non_null(fp);
		assert_int_equal(fread(&c, 1, 1, fp), 0);
		pclose(fp);
	}
	assert_int_equal(rmdir(tmp), 0);
	strbuf_release(&ls);
	strbuf_release(&rep);
}

/* Reports that are not n whole ones are refused, never read past. */
static void split_refuses_bad_reports(void **state)
{
	static const char ok[] = "0 3 0\nabc1 0 2\nxy";
	struct probeset_part p[3];

	(void)state;
	assert_int_equal(probeset_split(ok, sizeof(ok) - 1, p, 2), 0);
	assert_int_equal(p[1].err_len, 2);
	assert_memory_equal(p[1].err, "xy", 2);
	/* one report short, one too many, cut short, a bad header, trailing bytes */
	assert_int_equal(probeset_split(ok, sizeof(ok) - 1, p, 3), -1);
	assert_int_equal(probeset_split(ok, sizeof(ok) - 1, p, 1), -1);
	assert_int_equal(probeset_split("0 9 0\nabc", 9, p, 1), -1);
	assert_int_equal(probeset_split("0 x 0\n", 6, p, 1), -1);
	assert_int_equal(probeset_split("0 1 0 7\na", 9, p, 1), -1);
	assert_int_equal(probeset_split("256 0 0\n", 8, p, 1), -1);
	assert_int_equal(probeset_split("", 0, p, 1), -1);
	/* 137 is the shell's word for signal 9 */
	assert_int_equal(probeset_split("137 0 0\n", 8, p, 1), 0);
	assert_true(WIFSIGNALED(p[0].status) && WTERMSIG(p[0].status) == 9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(script_reports_each_probe),
		cmocka_unit_test(split_refuses_bad_reports),
	};

	return cmocka_run_group_tests_name("guestprobe", tests, NULL, NULL);
}
