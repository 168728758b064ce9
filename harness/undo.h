/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TSCANARY_UNDO_H
#define TSCANARY_UNDO_H

#include <stddef.h>

/*
 * The undo stack: every successful create pushes its inverse at once, and
 * the inverses run in reverse order when a scope ends, at exit, or after
 * SIGINT/SIGTERM/SIGHUP (which only set a flag; waits notice it and unwind).
 */

/* An inverse action; arg is owned by the entry and freed after it ran. */
typedef void undo_fn(void *arg);

/* Push fn(arg) with a description for the log; arg is freed with free(). */
void undo_push(undo_fn *fn, void *arg, const char *what);
/* Push a command to run (argv copied), e.g. {"ip", "netns", "del", n}. */
void undo_push_argv(const char *what, const char *const *argv);
/* Current depth, to unwind a scope later with undo_unwind(). */
size_t undo_depth(void);
/* Run and drop entries until the stack is depth entries deep. */
void undo_unwind(size_t depth);
/* Run every entry (also registered with atexit by undo_install()). */
void undo_all(void);
/* Install the signal handlers and the atexit hook. */
void undo_install(void);
/*
 * Non-zero once SIGINT, SIGTERM or SIGHUP arrived, or an armed deadline
 * passed: every wait must stop.
 */
int interrupted(void);
/*
 * A watchdog for one bounded step (a canary): after ms, interrupted() turns
 * true and SIGALRM breaks a blocking system call, so the step returns.
 */
void deadline_arm(int ms);
/* Stop the watchdog; interrupted() again reports signals only. */
void deadline_disarm(void);
/* 1 when the armed deadline passed (since deadline_arm()). */
int deadline_expired(void);
/* The signal that interrupted the run, or 0. */
int interrupt_signal(void);

#endif
