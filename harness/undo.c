/* SPDX-License-Identifier: BSD-3-Clause */
#include "undo.h"

#include "log.h"
#include "proc.h"
#include "strbuf.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

struct undo_entry {
	undo_fn *fn;
	void *arg;
	char *what;
};

static struct undo_entry *stack;
static size_t depth, alloc;
static volatile sig_atomic_t got_signal;
static volatile sig_atomic_t deadline_hit;

void undo_push(undo_fn *fn, void *arg, const char *what)
{
	if (depth == alloc) {
		alloc = alloc ? alloc * 2 : 32;
		stack = xrealloc(stack, alloc * sizeof(*stack));
	}
	stack[depth].fn = fn;
	stack[depth].arg = arg;
	stack[depth].what = xstrdup(what);
	depth++;
	debug("undo: pushed '%s'", what);
}

static void undo_run_cmd(void *arg)
{
	char **argv = arg;
	struct strbuf err = STRBUF_INIT;
	struct proc_spec spec = { .name = argv[0], .argv = (const char *const *)argv };
	int status;

	if (run_capture(&spec, 10000, NULL, &err, &status) < 0 || status != 0)
		warning("undo command '%s' failed: %s", argv[0], strbuf_str(&err));
	strbuf_release(&err);
	for (char **p = argv; *p; p++)
		free(*p);
}

void undo_push_argv(const char *what, const char *const *argv)
{
	size_t n = 0;
	char **copy;

	while (argv[n])
		n++;
	copy = xcalloc(n + 1, sizeof(*copy));
	for (size_t i = 0; i < n; i++)
		copy[i] = xstrdup(argv[i]);
	undo_push(undo_run_cmd, copy, what);
}

size_t undo_depth(void)
{
	return depth;
}

void undo_unwind(size_t to)
{
	/*
	 * Inverses must run after the signal that ended the run too (each is
	 * bounded by its own timeout); a second signal abandons the rest.
	 */
	sig_atomic_t sig = got_signal;

	got_signal = 0;
	while (depth > to) {
		struct undo_entry *e = &stack[--depth];

		debug("undo: %s", e->what);
		e->fn(e->arg);
		free(e->arg);
		free(e->what);
	}
	if (!got_signal)
		got_signal = sig;
}

void undo_all(void)
{
	undo_unwind(0);
}

static void on_signal(int sig)
{
	got_signal = sig;
}

void undo_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	atexit(undo_all);
}

int interrupted(void)
{
	return got_signal != 0 || deadline_hit != 0;
}

static void on_alarm(int sig)
{
	(void)sig;
	deadline_hit = 1;
}

void deadline_arm(int ms)
{
	struct sigaction sa;
	struct itimerval it;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm; /* no SA_RESTART: a blocked call returns EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	memset(&it, 0, sizeof(it));
	it.it_value.tv_sec = ms / 1000;
	it.it_value.tv_usec = (ms % 1000) * 1000;
	/* again every second, for a call that retries on EINTR before looking */
	it.it_interval.tv_sec = 1;
	deadline_hit = 0;
	setitimer(ITIMER_REAL, &it, NULL);
}

void deadline_disarm(void)
{
	struct itimerval it;

	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	deadline_hit = 0;
}

int deadline_expired(void)
{
	return deadline_hit != 0;
}

int interrupt_signal(void)
{
	return got_signal;
}
