/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TSCANARY_PROC_H
#define TSCANARY_PROC_H

#include <sys/types.h>

#include "strbuf.h"

/* How to start a child process. */
struct proc_spec {
	const char *name;        /* short name for logs */
	const char *const *argv; /* argv[0] is looked up in PATH */
	const char *const *env;  /* extra "KEY=VALUE" entries; NULL: none */
	const char *netns;       /* enter /run/netns/<netns> first; NULL: stay */
	const char *private_etc; /* bind this dir over /etc in a private mount ns */
	const char *log_path;    /* stdout+stderr appended here; NULL: /dev/null */
	const char *cwd;         /* working directory; NULL: inherit */
};

/* A running (or reaped) child in its own process group. */
struct proc;

/*
 * Start a long-running child in its own process group, killed if the
 * harness dies, and push its stop onto the undo stack. NULL on failure.
 */
struct proc *proc_spawn(const struct proc_spec *spec);
/* The child's pid. */
pid_t proc_pid(const struct proc *p);
/* The child's name. */
const char *proc_name(const struct proc *p);
/* 1 while the child runs, 0 once it exited (its status then in *status). */
int proc_running(struct proc *p, int *status);
/* Wait up to timeout_ms for exit: 0 exited, 1 still running, -1 error. */
int proc_wait(struct proc *p, int timeout_ms, int *status);
/* SIGTERM the group, wait grace_ms, then SIGKILL; reaps. Idempotent. */
void proc_stop(struct proc *p, int grace_ms);

/*
 * Run a child to completion with a deadline, capturing stdout and stderr
 * (either may be NULL to discard). Returns 0 when it exited (wait status
 * in *status), -1 when it could not start, timed out or was interrupted;
 * a timed-out child's whole process group is killed.
 */
int run_capture(const struct proc_spec *spec, int timeout_ms, struct strbuf *out,
		struct strbuf *err, int *status);
/* One child of a set run side by side: run_capture() for each, at once. */
struct capture {
	const struct proc_spec *spec;
	int timeout_ms;           /* this child's own deadline */
	struct strbuf *out, *err; /* either may be NULL to discard */
	int status;               /* out: its wait status */
	int ret;                  /* out: as run_capture() returns */
};

/*
 * Start every child of set, capture them together and wait for all, each
 * to its own deadline. 0 when every one exited; -1 when any could not
 * start, timed out or was interrupted (its .ret says which).
 */
int run_capture_set(struct capture *set, size_t n);
/* Run argv (NULL-terminated) and require exit 0; reports stderr on failure. */
int run_argv(int timeout_ms, const char *const *argv);
/* Same, inside network namespace netns. */
int run_argv_ns(const char *netns, int timeout_ms, const char *const *argv);
/*
 * The release a program names when asked (path arg, e.g. "tailscale
 * version"): "vMAJOR.MINOR.PATCH" (tsversion_from_output) into out. 0, or
 * -1 with a message when it would not run or named none.
 */
int program_version(const char *path, const char *arg, char *out, size_t len);
/* Describe a wait status ("exit 3", "signal 9") into buf. */
const char *proc_describe_status(int status, char *buf, size_t len);

#endif
