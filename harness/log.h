/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TSCANARY_LOG_H
#define TSCANARY_LOG_H

#include <stdio.h>

enum log_level {
	LOG_ERROR,
	LOG_WARN,
	LOG_INFO,
	LOG_DEBUG,
};

/* Set the most verbose level echoed to stderr (the run log gets everything). */
void log_set_level(enum log_level level);
/* Send a timestamped copy of every message to this file (NULL: none). */
void log_set_file(FILE *fp);
/* Log one message; preserves errno. */
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Report a failure and return -1 (for "return error(...)"). */
int error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Like error(), with strerror(errno) appended; preserves errno. */
int error_errno(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Report something worth attention that is not a failure. */
void warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Report normal progress. */
void info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Report detail only useful when debugging. */
void debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Seconds since log_start() (monotonic). */
double log_elapsed_s(void);
/* Start the run clock that progress lines are measured against. */
void log_start(void);
/* Print "[  12.3s] step: text" on stderr and in the run log. */
void progress(const char *step, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
