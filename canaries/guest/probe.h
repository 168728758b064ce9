/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TSCANARY_GUEST_PROBE_H
#define TSCANARY_GUEST_PROBE_H

/*
 * The contract every guest probe keeps with the harness: one evidence line
 * of " "-separated key=value pairs on stdout, "result" and "reason" last,
 * and an exit status that says which kind of outcome it was.  Values are
 * percent-encoded where they hold a space, a control byte, '%' or (in list
 * items) ',', so a line always splits on spaces and a list on commas.
 * Human-readable diagnostics go to stderr only.
 */

#include <stddef.h>

/* Exit statuses, each with its "result" word. */
enum probe_exit {
	PROBE_PASS = 0,     /* result=pass: the answer matched */
	PROBE_FAIL = 1,     /* result=fail: an answer came, and it was wrong */
	PROBE_NOANSWER = 2, /* result=fail: no answer (timeout, refused, ...) */
	PROBE_ERROR = 3,    /* result=error: usage or local error */
};

/* Print " key=value" (no leading space first on the line), value encoded. */
void probe_kv(const char *key, const char *value);
/* Like probe_kv() with a printf-formatted value. */
void probe_kvf(const char *key, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print " key=a,b,c" from n items, each encoded. */
void probe_kv_list(const char *key, char *const *items, size_t n);
/* End the line with result and reason, flush stdout and return the status. */
int probe_finish(enum probe_exit status, const char *reason);

/* Print "PROG: error: ..." on stderr and return -1. */
int probe_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Like probe_error(), with strerror(errno) appended; preserves errno. */
int probe_error_errno(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Parse a decimal number in [min, max] into *out: 0, or -1 (reported). */
int probe_parse_ulong(const char *what, const char *text, unsigned long min, unsigned long max,
		      unsigned long *out);

#endif
