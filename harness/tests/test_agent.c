/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The host side of the guest agent against the real agent program, built
 * natively (build/host/agent-native, see vm/guest/guest.mk) and serving a
 * unix socket the way QEMU's chardev would.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "files.h"
#include "frame.h"
#include "log.h"
#include "proc.h"
#include "strbuf.h"
#include "undo.h"

struct fixture {
	char dir[64];
	char sock[128];
	char console[128];
	struct proc *proc;
	struct agent *a;
	size_t undo_at;
};

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static const char *agent_binary(void)
{
	const char *p = getenv("TSCANARY_AGENT_NATIVE");

	return p && *p ? p : "build/host/agent-native";
}

static char *path_in(struct fixture *fx, const char *name)
{
	return xasprintf("%s/%s", fx->dir, name);
}

static int setup(void **state)
{
	struct fixture *fx = xcalloc(1, sizeof(*fx));
	const char *bin = agent_binary();
	char *log = NULL;

	if (access(bin, X_OK) < 0) {
		fprintf(stderr, "no native agent '%s' (make build/host/agent-native): %s\n", bin,
			strerror(errno));
		free(fx);
		return -1;
	}
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/tsc-agent-test-XXXXXX");
	if (!mkdtemp(fx->dir)) {
		free(fx);
		return -1;
	}
	snprintf(fx->sock, sizeof(fx->sock), "%s/agent.sock", fx->dir);
	snprintf(fx->console, sizeof(fx->console), "%s/console", fx->dir);
	log = path_in(fx, "agent.log");
	/* stands in for /dev/console: the agent opens it, it does not create it */
	close(open(fx->console, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
	{
		const char *argv[] = { bin,         "--listen-unix", fx->sock,
				       "--console", fx->console,     NULL };
		struct proc_spec spec = { .name = "agent-native", .argv = argv, .log_path = log };

		fx->undo_at = undo_depth();
		fx->proc = proc_spawn(&spec);
	}
	free(log);
	if (!fx->proc)
		return -1;
	fx->a = agent_connect(fx->sock, 10000);
	if (!fx->a) {
		undo_unwind(fx->undo_at);
		return -1;
	}
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	agent_close(fx->a);
	undo_unwind(fx->undo_at);
	rm_rf(fx->dir);
	free(fx);
	return 0;
}

static void run_ok(struct fixture *fx, const char *const *argv, struct agent_result *res)
{
	struct agent_cmd cmd = { .argv = argv, .timeout_ms = 10000 };

	assert_int_equal(agent_exec(fx->a, &cmd, res), 0);
}

static void says_hello(void **state)
{
	struct fixture *fx = *state;
	const struct agent_hello *h = agent_hello(fx->a);

	assert_string_equal(h->version, "tscanary-agent 2");
	assert_non_null(strstr(h->uname, "Linux"));
	assert_int_equal(h->pid, proc_pid(fx->proc));
	assert_true(h->uptime_ms > 0);
	assert_int_equal(agent_ping(fx->a), 0);
}

static void exec_status_and_output(void **state)
{
	struct fixture *fx = *state;
	const char *argv[] = { "sh", "-c", "echo out; echo err >&2; exit 3", NULL };
	struct agent_result res = AGENT_RESULT_INIT;

	run_ok(fx, argv, &res);
	assert_true(WIFEXITED(res.status));
	assert_int_equal(WEXITSTATUS(res.status), 3);
	assert_string_equal(strbuf_str(&res.out), "out\n");
	assert_string_equal(strbuf_str(&res.err), "err\n");
	assert_int_equal(res.timed_out, 0);
	assert_int_equal(res.truncated, 0);
	agent_result_release(&res);
}

static void exec_binary_data(void **state)
{
	struct fixture *fx = *state;
	size_t n = (1u << 20) + 256;
	unsigned char *data = xmalloc(n);
	char arg[256];
	const char *cat[] = { "cat", NULL };
	const char *echo[] = { "sh", "-c", "printf %s \"$1\"", "sh", arg, NULL };
	struct agent_cmd cmd = {
		.argv = cat, .stdin_data = data, .stdin_len = n, .timeout_ms = 10000
	};
	struct agent_result res = AGENT_RESULT_INIT;

	for (size_t i = 0; i < n; i++)
		data[i] = (unsigned char)(i < 256 ? i : i * 31 + 7);
	assert_int_equal(agent_exec(fx->a, &cmd, &res), 0);
	assert_int_equal(res.status, 0);
	assert_int_equal(res.out.len, n);
	assert_memory_equal(res.out.buf, data, n);

	/* every byte but NUL survives as an argument */
	for (int i = 0; i < 255; i++)
		arg[i] = (char)(i + 1);
	arg[255] = '\0';
	run_ok(fx, echo, &res);
	assert_int_equal(res.out.len, 255);
	assert_memory_equal(res.out.buf, arg, 255);
	agent_result_release(&res);
	free(data);
}

static void exec_env_and_cwd(void **state)
{
	struct fixture *fx = *state;
	const char *argv[] = { "sh", "-c", "printf '%s|%s' \"$FOO\" \"$(pwd)\"", NULL };
	const char *env[] = { "FOO=bar baz=q", NULL };
	struct agent_cmd cmd = { .argv = argv, .env = env, .cwd = fx->dir, .timeout_ms = 10000 };
	struct agent_result res = AGENT_RESULT_INIT;
	char *want = xasprintf("bar baz=q|%s", fx->dir);

	assert_int_equal(agent_exec(fx->a, &cmd, &res), 0);
	assert_string_equal(strbuf_str(&res.out), want);
	agent_result_release(&res);
	free(want);
}

static void exec_missing_command(void **state)
{
	struct fixture *fx = *state;
	const char *argv[] = { "/nonexistent/tscanary-cmd", NULL };
	const char *env_bad[] = { "NOEQUALS", NULL };
	const char *sh[] = { "true", NULL };
	struct agent_cmd cmd = { .argv = argv, .timeout_ms = 5000 };
	struct agent_result res = AGENT_RESULT_INIT;

	errno = 0;
	assert_int_equal(agent_exec(fx->a, &cmd, &res), -1);
	assert_int_equal(errno, ENOENT);
	cmd = (struct agent_cmd){ .argv = sh, .env = env_bad, .timeout_ms = 5000 };
	assert_int_equal(agent_exec(fx->a, &cmd, &res), -1);
	assert_int_equal(errno, EINVAL);
	/* and the agent carries on */
	assert_int_equal(agent_ping(fx->a), 0);
	agent_result_release(&res);
}

/* Is pid gone (or a zombie nobody reaped yet)? */
static int process_gone(long pid)
{
	char path[64], buf[256];
	FILE *fp;
	char *p;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	fp = fopen(path, "r");
	if (!fp)
		return 1;
	p = fgets(buf, sizeof(buf), fp);
	fclose(fp);
	p = p ? strrchr(buf, ')') : NULL;
	return p && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X');
}

static void exec_timeout_kills_group(void **state)
{
	struct fixture *fx = *state;
	const char *argv[] = { "sh", "-c", "sleep 30 & echo $!; echo before; wait", NULL };
	struct agent_cmd cmd = { .argv = argv, .timeout_ms = 500 };
	struct agent_result res = AGENT_RESULT_INIT;
	long t0 = now_ms(), elapsed, bg;
	char *end;

	assert_int_equal(agent_exec(fx->a, &cmd, &res), 0);
	elapsed = now_ms() - t0;
	assert_int_equal(res.timed_out, 1);
	assert_true(WIFSIGNALED(res.status));
	assert_int_equal(WTERMSIG(res.status), SIGKILL);
	assert_non_null(strstr(strbuf_str(&res.out), "before"));
	assert_true(res.duration_ms >= 450 && res.duration_ms < 5000);
	assert_true(elapsed < 5000);
	bg = strtol(strbuf_str(&res.out), &end, 10);
	assert_true(bg > 0 && *end == '\n');
	/* the background sleep was in the group: it died too */
	for (long deadline = now_ms() + 3000; !process_gone(bg) && now_ms() < deadline;)
		poll(NULL, 0, 20);
	assert_true(process_gone(bg));
	agent_result_release(&res);
}

static void exec_output_cap(void **state)
{
	struct fixture *fx = *state;
	const char *argv[] = { "head", "-c", "5000000", "/dev/zero", NULL };
	struct agent_result res = AGENT_RESULT_INIT;

	run_ok(fx, argv, &res);
	assert_int_equal(res.status, 0);
	assert_int_equal(res.truncated, 1);
	assert_int_equal(res.out.len, 4u << 20);
	agent_result_release(&res);
}

static void write_and_read_files(void **state)
{
	struct fixture *fx = *state;
	char *path = path_in(fx, "a/b/c.bin");
	char *under_file = path_in(fx, "a/b/c.bin/x");
	char *missing = path_in(fx, "missing");
	size_t n = 100000;
	unsigned char *data = xmalloc(n);
	struct strbuf got = STRBUF_INIT;
	struct stat st;
	int truncated = -1;

	for (size_t i = 0; i < n; i++)
		data[i] = (unsigned char)(i ^ (i >> 8));
	assert_int_equal(agent_write_file(fx->a, path, 0600, data, n), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_size, n);
	assert_int_equal(agent_read_file(fx->a, path, n, &got, &truncated), 0);
	assert_int_equal(truncated, 0);
	assert_int_equal(got.len, n);
	assert_memory_equal(got.buf, data, n);
	assert_int_equal(agent_read_file(fx->a, path, 10, &got, &truncated), 0);
	assert_int_equal(truncated, 1);
	assert_int_equal(got.len, 10);
	/* rewriting replaces content and mode */
	assert_int_equal(agent_write_file(fx->a, path, 0755, "x", 1), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	assert_int_equal(agent_read_file(fx->a, path, 1000, &got, NULL), 0);
	assert_int_equal(got.len, 1);
	/* an empty file */
	assert_int_equal(agent_write_file(fx->a, path, 0644, NULL, 0), 0);
	assert_int_equal(agent_read_file(fx->a, path, 1000, &got, &truncated), 0);
	assert_int_equal(got.len, 0);
	assert_int_equal(truncated, 0);

	errno = 0;
	assert_int_equal(agent_read_file(fx->a, missing, 1000, &got, NULL), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(agent_write_file(fx->a, under_file, 0644, "x", 1), -1);
	assert_int_equal(errno, ENOTDIR);
	assert_int_equal(agent_read_file(fx->a, fx->dir, 1000, &got, NULL), -1);
	assert_int_equal(errno, EISDIR);
	strbuf_release(&got);
	free(data);
	free(path);
	free(under_file);
	free(missing);
}

/* Poll STATUS until cond holds or ms pass. */
#define wait_status(fx, st, cond, ms)                                                              \
	do {                                                                                       \
		long deadline_ = now_ms() + (ms);                                                  \
		for (;;) {                                                                         \
			assert_int_equal(agent_status((fx)->a, NULL, (st)), 0);                    \
			if ((cond) || now_ms() > deadline_)                                        \
				break;                                                             \
			poll(NULL, 0, 25);                                                         \
		}                                                                                  \
		assert_true(cond);                                                                 \
	} while (0)

/* How many runs of the child below logged their line. */
static int count_runs(struct strbuf *text, const char *log)
{
	int runs = 0;

	strbuf_reset(text);
	if (strbuf_read_file(text, log) < 0)
		return 0;
	for (const char *p = text->buf; (p = strstr(p, "run X=1 HOME=unset\n")); p++)
		runs++;
	return runs;
}

static void supervise_restarts_on_failure(void **state)
{
	struct fixture *fx = *state;
	char *flag = path_in(fx, "ran-once");
	char *log = path_in(fx, "logs/child.log");
	char *script = xasprintf("echo \"run X=$X HOME=${HOME-unset}\"; "
				 "if [ -e '%s' ]; then exec sleep 30; fi; touch '%s'; exit 1",
				 flag, flag);
	const char *argv[] = { "sh", "-c", script, NULL };
	const char *env[] = { "PATH=/usr/bin:/bin", "X=1", NULL };
	struct agent_child child = { .argv = argv, .env = env, .log_path = log, .restart_ms = 300 };
	struct agent_status st;
	struct strbuf text = STRBUF_INIT;
	pid_t first = 0;
	long t0 = now_ms();

	assert_int_equal(agent_start(fx->a, &child, &first), 0);
	assert_true(first > 0);
	/* the first run exits 1; after the interval a new pid runs on */
	wait_status(fx, &st, st.start_count == 2 && st.pid > 0, 5000);
	assert_true(now_ms() - t0 >= 300);
	assert_true(st.pid != first);
	assert_int_equal(st.exits, 1);
	assert_true(WIFEXITED(st.last_status));
	assert_int_equal(WEXITSTATUS(st.last_status), 1);
	assert_true(st.uptime_ms >= 0);
	/* the second run printed its line too: it is sleep now */
	for (long deadline = now_ms() + 3000; count_runs(&text, log) < 2 && now_ms() < deadline;)
		poll(NULL, 0, 20);
	assert_int_equal(count_runs(&text, log), 2);
	assert_int_equal(agent_status(fx->a, NULL, &st), 0);
	assert_true(st.vmrss_kib > 0 && st.vmhwm_kib >= st.vmrss_kib);

	/* a second START is refused while one is supervised */
	errno = 0;
	assert_int_equal(agent_start(fx->a, &child, NULL), -1);
	assert_int_equal(errno, EBUSY);

	assert_int_equal(agent_stop_child(fx->a, 2000), 0);
	assert_int_equal(agent_status(fx->a, NULL, &st), 0);
	assert_int_equal(st.pid, 0);
	assert_int_equal(st.uptime_ms, -1);
	assert_int_equal(st.exits, 2);
	assert_true(WIFSIGNALED(st.last_status));
	assert_int_equal(WTERMSIG(st.last_status), SIGTERM);

	/* output went to the log and to the console, the agent's env did not leak */
	assert_int_equal(count_runs(&text, log), 2);
	strbuf_reset(&text);
	assert_int_equal(strbuf_read_file(&text, fx->console), 0);
	assert_non_null(strstr(strbuf_str(&text), "run X=1 HOME=unset\n"));

	/* stopped: it can start again */
	assert_int_equal(agent_start(fx->a, &child, NULL), 0);
	assert_int_equal(agent_stop_child(fx->a, 2000), 0);
	strbuf_release(&text);
	free(script);
	free(log);
	free(flag);
}

static void supervise_keeps_clean_exit(void **state)
{
	struct fixture *fx = *state;
	char *log = path_in(fx, "true.log");
	const char *argv[] = { "true", NULL };
	const char *env[] = { "PATH=/usr/bin:/bin", NULL };
	struct agent_child child = { .argv = argv, .env = env, .log_path = log, .restart_ms = 100 };
	struct agent_status st;
	long until;

	assert_int_equal(agent_start(fx->a, &child, NULL), 0);
	wait_status(fx, &st, st.exits == 1, 3000);
	/* on-failure: an exit 0 is not restarted, however long we look */
	until = now_ms() + 500;
	while (now_ms() < until)
		poll(NULL, 0, 50);
	assert_int_equal(agent_status(fx->a, NULL, &st), 0);
	assert_int_equal(st.start_count, 1);
	assert_int_equal(st.pid, 0);
	assert_int_equal(st.last_status, 0);
	assert_int_equal(agent_stop_child(fx->a, 1000), 0);
	free(log);
}

static void stop_kills_stubborn_child(void **state)
{
	struct fixture *fx = *state;
	char *log = path_in(fx, "stubborn.log");
	const char *argv[] = { "sh", "-c",
			       "trap '' TERM; echo ready; "
			       "while :; do sleep 1; done",
			       NULL };
	const char *env[] = { "PATH=/usr/bin:/bin", NULL };
	struct agent_child child = { .argv = argv, .env = env, .log_path = log, .restart_ms = 100 };
	struct agent_status st;
	struct strbuf text = STRBUF_INIT;
	long t0;

	assert_int_equal(agent_start(fx->a, &child, NULL), 0);
	/* wait until the trap is set before we send SIGTERM */
	for (long deadline = now_ms() + 3000; now_ms() < deadline;) {
		strbuf_reset(&text);
		if (strbuf_read_file(&text, log) == 0 && strstr(strbuf_str(&text), "ready"))
			break;
		poll(NULL, 0, 20);
	}
	assert_non_null(strstr(strbuf_str(&text), "ready"));
	t0 = now_ms();
	assert_int_equal(agent_stop_child(fx->a, 300), 0);
	assert_true(now_ms() - t0 >= 250 && now_ms() - t0 < 3000);
	assert_int_equal(agent_status(fx->a, NULL, &st), 0);
	assert_int_equal(st.pid, 0);
	assert_true(WIFSIGNALED(st.last_status));
	assert_int_equal(WTERMSIG(st.last_status), SIGKILL);
	/* nothing to stop is fine too */
	assert_int_equal(agent_stop_child(fx->a, 300), 0);
	strbuf_release(&text);
	free(log);
}

static void status_reads_block_stat(void **state)
{
	struct fixture *fx = *state;
	struct agent_status st;
	DIR *d = opendir("/sys/block");
	struct dirent *de;
	char dev[256] = "";

	assert_int_equal(agent_status(fx->a, NULL, &st), 0);
	assert_int_equal(st.pid, 0);
	assert_int_equal(st.start_count, 0);
	assert_int_equal(st.vmrss_kib, -1);
	if (d) {
		while ((de = readdir(d)))
			if (de->d_name[0] != '.') {
				snprintf(dev, sizeof(dev), "%s", de->d_name);
				break;
			}
		closedir(d);
	}
	if (dev[0]) {
		assert_int_equal(agent_status(fx->a, dev, &st), 0);
		assert_true(st.disk_fields >= 11);
	}
	assert_int_equal(agent_status(fx->a, "tscanary-no-such-disk", &st), 0);
	assert_string_equal(st.diskstat, "");
	assert_int_equal(st.disk_fields, 0);
	errno = 0;
	assert_int_equal(agent_status(fx->a, "../vda", &st), -1);
	assert_int_equal(errno, EINVAL);
}

static void reconnect_gets_hello(void **state)
{
	struct fixture *fx = *state;

	agent_close(fx->a);
	fx->a = agent_connect(fx->sock, 5000);
	assert_non_null(fx->a);
	assert_int_equal(agent_hello(fx->a)->pid, proc_pid(fx->proc));
	assert_int_equal(agent_ping(fx->a), 0);
}

static void silent_agent_times_out(void **state)
{
	struct fixture *fx = *state;
	char cont[64];
	long t0;

	/* stalled for a second: the call times out, the quick ping finds it back */
	agent_set_timeout(fx->a, 400);
	assert_int_equal(kill(proc_pid(fx->proc), SIGSTOP), 0);
	snprintf(cont, sizeof(cont), "sleep 1; kill -CONT %d", (int)proc_pid(fx->proc));
	{
		const char *argv[] = { "sh", "-c", cont, NULL };
		struct proc_spec ps = { .name = "cont", .argv = argv };

		assert_non_null(proc_spawn(&ps));
	}
	t0 = now_ms();
	errno = 0;
	assert_int_equal(agent_ping(fx->a), -1);
	assert_int_equal(errno, ETIMEDOUT);
	assert_true(now_ms() - t0 >= 350 && now_ms() - t0 < 5000);
	/* the late PONG of the first ping is told apart from the new one */
	agent_set_timeout(fx->a, 5000);
	assert_int_equal(agent_ping(fx->a), 0);
	assert_int_equal(agent_ping(fx->a), 0);
}

static void frozen_agent_is_given_up(void **state)
{
	struct fixture *fx = *state;
	long t0;

	/* stopped for good: one timeout plus the quick ping, then every call fails at once */
	agent_set_timeout(fx->a, 400);
	assert_int_equal(kill(proc_pid(fx->proc), SIGSTOP), 0);
	t0 = now_ms();
	assert_int_equal(agent_ping(fx->a), -1);
	assert_true(now_ms() - t0 < 5000);
	t0 = now_ms();
	assert_int_equal(agent_ping(fx->a), -1);
	assert_true(now_ms() - t0 < 100);
	assert_int_equal(kill(proc_pid(fx->proc), SIGCONT), 0);
}

static void lost_agent_fails_fast(void **state)
{
	struct fixture *fx = *state;
	/* the command's parent is the agent: it kills it mid-request */
	const char *argv[] = { "sh", "-c", "kill -KILL $PPID", NULL };
	struct agent_cmd cmd = { .argv = argv, .timeout_ms = 20000 };
	struct agent_result res = AGENT_RESULT_INIT;
	long t0 = now_ms();
	int status;

	assert_int_equal(agent_exec(fx->a, &cmd, &res), -1);
	assert_true(now_ms() - t0 < 3000);
	assert_int_equal(proc_wait(fx->proc, 3000, &status), 0);
	assert_true(WIFSIGNALED(status));
	/* and stays failed, at once */
	t0 = now_ms();
	assert_int_equal(agent_ping(fx->a), -1);
	assert_true(now_ms() - t0 < 100);
	agent_result_release(&res);
}

static void poweroff_in_test_mode_exits(void **state)
{
	struct fixture *fx = *state;
	int status = -1;

	assert_int_equal(agent_poweroff(fx->a), 0);
	assert_int_equal(proc_wait(fx->proc, 5000, &status), 0);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* A raw client of the agent's socket, to put frames on the wire ourselves. */
struct raw {
	int fd;
	struct frame_decoder dec;
};

static void raw_open(struct fixture *fx, struct raw *r)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	/* the agent serves one client at a time: let the fixture's go */
	agent_close(fx->a);
	fx->a = NULL;
	r->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(r->fd >= 0);
	memcpy(sa.sun_path, fx->sock, strlen(fx->sock) + 1);
	assert_int_equal(connect(r->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	frame_decoder_init(&r->dec, 0);
}

static void raw_send(struct raw *r, struct frame_builder *b)
{
	assert_int_equal(frame_finish(b), 0);
	assert_int_equal(write(r->fd, b->buf, b->len), (ssize_t)b->len);
	frame_builder_release(b);
}

/* The next frame within ms: 1, or 0 on timeout. */
static int raw_next(struct raw *r, struct frame *f, int ms)
{
	long deadline = now_ms() + ms;
	unsigned char chunk[4096];

	while (frame_decoder_next(&r->dec, f) != FRAME_READY) {
		struct pollfd pfd = { .fd = r->fd, .events = POLLIN };
		long left = deadline - now_ms();
		ssize_t n;

		if (left <= 0)
			return 0;
		assert_true(poll(&pfd, 1, (int)left) >= 0);
		if (!pfd.revents)
			continue;
		n = read(r->fd, chunk, sizeof(chunk));
		assert_true(n > 0);
		assert_int_equal(frame_decoder_feed(&r->dec, chunk, (size_t)n), 0);
	}
	return 1;
}

static void raw_close(struct raw *r)
{
	frame_decoder_release(&r->dec);
	close(r->fd);
}

static void send_exec(struct raw *r, uint32_t id, const char *script)
{
	struct frame_builder b = { 0 };

	frame_begin(&b, FRAME_EXEC, id);
	frame_add_str(&b, TAG_ARG, "sh");
	frame_add_str(&b, TAG_ARG, "-c");
	frame_add_str(&b, TAG_ARG, script);
	frame_add_u64(&b, TAG_TIMEOUT_MS, 30000);
	raw_send(r, &b);
}

static void send_ping(struct raw *r, uint32_t id, int reset)
{
	struct frame_builder b = { 0 };

	frame_begin(&b, FRAME_PING, id);
	if (reset)
		frame_add_u64(&b, TAG_RESET, 1);
	raw_send(r, &b);
}

static void junk_from_host_is_refused(void **state)
{
	struct fixture *fx = *state;
	struct raw r;
	struct frame f;
	int got_err = 0, got_pong = 0, hello = 0;

	raw_open(fx, &r);
	assert_int_equal(write(r.fd, "garbage!", 8), 8);
	send_ping(&r, 42, 0);
	while (!got_pong && raw_next(&r, &f, 5000)) {
		hello += f.type == FRAME_HELLO;
		got_err += f.type == FRAME_ERR && f.id == 0 &&
			   frame_get_u64(&f, TAG_ERRNO, 0) == EPROTO;
		got_pong += f.type == FRAME_PONG && f.id == 42;
	}
	assert_int_equal(hello, 1);
	assert_true(got_err >= 1);
	assert_int_equal(got_pong, 1);
	raw_close(&r);
}

static void ping_answered_while_busy(void **state)
{
	struct fixture *fx = *state;
	struct raw r;
	struct frame f;
	struct frame_field fld;

	raw_open(fx, &r);
	assert_true(raw_next(&r, &f, 5000));
	assert_int_equal(f.type, FRAME_HELLO);
	/* a slow command, a PING and a second command, back to back */
	send_exec(&r, 1, "sleep 0.5; echo first");
	send_ping(&r, 2, 0);
	send_exec(&r, 3, "echo second");
	assert_true(raw_next(&r, &f, 5000));
	assert_int_equal(f.type, FRAME_PONG);
	assert_int_equal(f.id, 2);
	/* the queued command runs after the first, in order */
	assert_true(raw_next(&r, &f, 5000));
	assert_int_equal(f.type, FRAME_RESULT);
	assert_int_equal(f.id, 1);
	assert_int_equal(frame_find(&f, TAG_STDOUT, &fld), 1);
	assert_memory_equal(fld.data, "first\n", 6);
	assert_true(raw_next(&r, &f, 5000));
	assert_int_equal(f.type, FRAME_RESULT);
	assert_int_equal(f.id, 3);
	assert_int_equal(frame_find(&f, TAG_STDOUT, &fld), 1);
	assert_memory_equal(fld.data, "second\n", 7);
	raw_close(&r);
}

static void reset_ping_abandons_old_work(void **state)
{
	struct fixture *fx = *state;
	struct raw r;
	struct frame f;
	long t0;

	raw_open(fx, &r);
	assert_true(raw_next(&r, &f, 5000));
	/*
	 * What a host that reconnected faster than the agent looked sends: the
	 * earlier connection's command must not hold up the new one.
	 */
	send_exec(&r, 1, "sleep 30");
	send_exec(&r, 2, "echo queued-before-reset");
	t0 = now_ms();
	send_ping(&r, 3, 1);
	send_exec(&r, 4, "echo after");
	assert_true(raw_next(&r, &f, 5000));
	assert_int_equal(f.type, FRAME_PONG);
	assert_int_equal(f.id, 3);
	assert_true(raw_next(&r, &f, 5000));
	assert_int_equal(f.type, FRAME_RESULT);
	assert_int_equal(f.id, 4);
	assert_true(now_ms() - t0 < 3000);
	/* nothing else: no RESULT for 1 or 2 */
	assert_int_equal(raw_next(&r, &f, 300), 0);
	raw_close(&r);
}

static void host_gone_mid_exec(void **state)
{
	struct fixture *fx = *state;
	const char *echo[] = { "echo", "hi", NULL };
	struct agent_result res = AGENT_RESULT_INIT;
	struct raw r;
	struct frame f;
	long t0;

	raw_open(fx, &r);
	assert_true(raw_next(&r, &f, 5000));
	send_exec(&r, 1, "sleep 30");
	raw_close(&r);
	/* the next host is served at once: the old command was dropped */
	t0 = now_ms();
	fx->a = agent_connect(fx->sock, 5000);
	assert_non_null(fx->a);
	run_ok(fx, echo, &res);
	assert_string_equal(strbuf_str(&res.out), "hi\n");
	assert_true(now_ms() - t0 < 3000);
	agent_result_release(&res);
}

static void waits_stop_when_interrupted(void **state)
{
	struct fixture *fx = *state;
	char *nosock = path_in(fx, "nobody.sock");
	int status = -1;
	pid_t pid;

	/* in a child: the interrupted flag cannot be cleared again */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		long t0;
		int ok;

		undo_install();
		raise(SIGINT);
		t0 = now_ms();
		ok = agent_ping(fx->a) == -1 && agent_connect(nosock, 5000) == NULL;
		_exit(ok && now_ms() - t0 < 1000 ? 0 : 1);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	free(nosock);
}

static void connect_gives_up(void **state)
{
	struct fixture *fx = *state;
	char *nosock = path_in(fx, "nobody.sock");
	char *mute = path_in(fx, "mute.sock");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	long t0 = now_ms();
	int fd;

	/* no socket at all */
	assert_null(agent_connect(nosock, 300));
	assert_true(now_ms() - t0 >= 250 && now_ms() - t0 < 2000);
	/* a socket that never says hello */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	memcpy(sa.sun_path, mute, strlen(mute) + 1);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 4), 0);
	t0 = now_ms();
	assert_null(agent_connect(mute, 1500));
	assert_true(now_ms() - t0 >= 1400 && now_ms() - t0 < 3000);
	close(fd);
	free(nosock);
	free(mute);
}

/*
 * A one-request HTTP server on a unix socket, in a child process: it reads
 * the head and the Content-Length body, then answers 201 with what it got,
 * or (silent) never answers. Its pid; the socket exists on return.
 */
static pid_t http_server(const char *path, int silent)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	pid_t pid;

	assert_true(fd >= 0);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 1), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char req[8192], resp[9000];
		size_t len = 0;
		int c = accept(fd, NULL, NULL);
		char *head_end = NULL, *cl;
		int n;

		while (c >= 0 && len < sizeof(req) - 1) {
			ssize_t r = read(c, req + len, sizeof(req) - 1 - len);

			if (r <= 0)
				break;
			len += (size_t)r;
			req[len] = '\0';
			head_end = strstr(req, "\r\n\r\n");
			cl = strstr(req, "Content-Length: ");
			if (head_end && cl &&
			    len >= (size_t)(head_end + 4 - req) + strtoul(cl + 16, NULL, 10))
				break;
		}
		if (silent)
			pause();
		n = snprintf(resp, sizeof(resp),
			     "HTTP/1.0 201 Created\r\nContent-Length: %zu\r\n\r\n%s", len, req);
		if (write(c, resp, (size_t)n) < 0)
			_exit(1);
		_exit(0);
	}
	close(fd);
	return pid;
}

static void http_request_and_answer(void **state)
{
	struct fixture *fx = *state;
	char *sock = path_in(fx, "http.sock");
	struct agent_http_req rq = { .socket = sock,
				     .method = "PATCH",
				     .path = "/localapi/v0/prefs",
				     .body = "{\"RouteAll\":true}",
				     .body_len = 17,
				     .timeout_ms = 5000 };
	struct strbuf body = STRBUF_INIT;
	pid_t srv = http_server(sock, 0);
	int status = 0;

	assert_int_equal(agent_http(fx->a, &rq, &status, &body), 0);
	assert_int_equal(status, 201);
	assert_non_null(strstr(body.buf, "PATCH /localapi/v0/prefs HTTP/1.0\r\n"));
	assert_non_null(strstr(body.buf, "\r\nHost: local-tailscaled.sock\r\n"));
	assert_non_null(strstr(body.buf, "\r\nSec-Tailscale: localapi\r\n"));
	assert_non_null(strstr(body.buf, "\r\n\r\n{\"RouteAll\":true}"));
	assert_int_equal(waitpid(srv, NULL, 0), srv);
	/* the agent serves on after it */
	assert_int_equal(agent_ping(fx->a), 0);
	strbuf_release(&body);
	free(sock);
}

static void http_without_server_fails(void **state)
{
	struct fixture *fx = *state;
	char *sock = path_in(fx, "none.sock");
	struct agent_http_req rq = {
		.socket = sock, .path = "/localapi/v0/status", .timeout_ms = 5000, .quiet = 1
	};
	struct strbuf body = STRBUF_INIT;
	int status = 0;

	assert_int_equal(agent_http(fx->a, &rq, &status, &body), -1);
	assert_int_equal(errno, ENOENT);
	rq.path = "/with space";
	assert_int_equal(agent_http(fx->a, &rq, &status, &body), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(agent_ping(fx->a), 0);
	strbuf_release(&body);
	free(sock);
}

static void http_silent_server_times_out(void **state)
{
	struct fixture *fx = *state;
	char *sock = path_in(fx, "mute.sock");
	struct agent_http_req rq = { .socket = sock,
				     .path = "/localapi/v0/status",
				     .timeout_ms = 500 };
	struct strbuf body = STRBUF_INIT;
	pid_t srv = http_server(sock, 1);
	long t0 = now_ms();
	int status = 0;

	assert_int_equal(agent_http(fx->a, &rq, &status, &body), -1);
	assert_int_equal(errno, ETIMEDOUT);
	assert_true(now_ms() - t0 < 3000);
	kill(srv, SIGKILL);
	assert_int_equal(waitpid(srv, NULL, 0), srv);
	assert_int_equal(agent_ping(fx->a), 0);
	strbuf_release(&body);
	free(sock);
}

/*
 * Two processes on one shared connection, each with its own run of
 * commands: every answer goes to the process that asked, whole.
 */
static int lane_calls(struct agent *a, char tag, int n)
{
	for (int i = 0; i < n; i++) {
		char want[32], arg[32];
		const char *argv[] = { "sh", "-c", "printf '%s' \"$1\"", "sh", arg, NULL };
		struct agent_cmd cmd = { .argv = argv, .timeout_ms = 10000 };
		struct agent_result res = AGENT_RESULT_INIT;
		int ok;

		snprintf(arg, sizeof(arg), "%c%d", tag, i);
		snprintf(want, sizeof(want), "%c%d", tag, i);
		ok = agent_exec(a, &cmd, &res) == 0 && res.status == 0 &&
		     !strcmp(strbuf_str(&res.out), want);
		agent_result_release(&res);
		if (!ok)
			return -1;
	}
	return 0;
}

static void shared_by_two_processes(void **state)
{
	struct fixture *fx = *state;
	int status = 0;
	pid_t pid;

	assert_int_equal(agent_share(fx->a), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		agent_lane(fx->a, 1);
		_exit(lane_calls(fx->a, 'c', 40) == 0 ? 0 : 1);
	}
	assert_int_equal(lane_calls(fx->a, 'p', 40), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* and the parent's connection is still in step afterwards */
	assert_int_equal(agent_ping(fx->a), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(says_hello),
		T(exec_status_and_output),
		T(exec_binary_data),
		T(exec_env_and_cwd),
		T(exec_missing_command),
		T(exec_timeout_kills_group),
		T(exec_output_cap),
		T(write_and_read_files),
		T(supervise_restarts_on_failure),
		T(supervise_keeps_clean_exit),
		T(stop_kills_stubborn_child),
		T(status_reads_block_stat),
		T(reconnect_gets_hello),
		T(silent_agent_times_out),
		T(frozen_agent_is_given_up),
		T(lost_agent_fails_fast),
		T(poweroff_in_test_mode_exits),
		T(junk_from_host_is_refused),
		T(ping_answered_while_busy),
		T(reset_ping_abandons_old_work),
		T(host_gone_mid_exec),
		T(waits_stop_when_interrupted),
		T(connect_gives_up),
		T(http_request_and_answer),
		T(http_without_server_fails),
		T(http_silent_server_times_out),
		T(shared_by_two_processes),
#undef T
	};

	log_set_level(LOG_WARN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
