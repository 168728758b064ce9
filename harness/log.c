/* SPDX-License-Identifier: BSD-3-Clause */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>

static enum log_level stderr_level = LOG_INFO;
static FILE *log_file;
static struct timespec t0;

static const char *const level_names[] = {
	[LOG_ERROR] = "error",
	[LOG_WARN] = "warning",
	[LOG_INFO] = "info",
	[LOG_DEBUG] = "debug",
};

void log_set_level(enum log_level level)
{
	stderr_level = level;
}

void log_set_file(FILE *fp)
{
	log_file = fp;
}

void log_start(void)
{
	clock_gettime(CLOCK_MONOTONIC, &t0);
}

double log_elapsed_s(void)
{
	struct timespec now;

	if (!t0.tv_sec && !t0.tv_nsec)
		log_start();
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0.tv_sec) + (double)(now.tv_nsec - t0.tv_nsec) / 1e9;
}

static void vlog(enum log_level level, const char *prefix, const char *fmt, va_list ap,
		 const char *suffix)
{
	int saved = errno;
	va_list cp;

	if (level <= stderr_level) {
		/*
		 * One write per line: canaries run side by side in processes
		 * of their own (schedule.c) share stderr, unbuffered.
		 */
		char line[4096];
		int n = snprintf(line, sizeof(line), "%s: ", prefix ? prefix : level_names[level]);

		va_copy(cp, ap);
		if (n >= 0 && (size_t)n < sizeof(line))
			n += vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, cp);
		va_end(cp);
		if (n >= 0 && (size_t)n < sizeof(line))
			n += snprintf(line + n, sizeof(line) - (size_t)n, "%s%s\n",
				      suffix ? ": " : "", suffix ? suffix : "");
		if (n < 0 || (size_t)n >= sizeof(line)) {
			/* too long for one write: as it comes */
			va_copy(cp, ap);
			fprintf(stderr, "%s: ", prefix ? prefix : level_names[level]);
			vfprintf(stderr, fmt, cp);
			fprintf(stderr, "%s%s\n", suffix ? ": " : "", suffix ? suffix : "");
			va_end(cp);
		} else {
			fputs(line, stderr);
		}
	}
	if (log_file) {
		va_copy(cp, ap);
		fprintf(log_file, "%9.3f %-7s ", log_elapsed_s(), level_names[level]);
		if (prefix)
			fprintf(log_file, "%s: ", prefix);
		vfprintf(log_file, fmt, cp);
		fprintf(log_file, "%s%s\n", suffix ? ": " : "", suffix ? suffix : "");
		fflush(log_file);
		va_end(cp);
	}
	errno = saved;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(level, NULL, fmt, ap, NULL);
	va_end(ap);
}

int error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_ERROR, NULL, fmt, ap, NULL);
	va_end(ap);
	return -1;
}

int error_errno(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_ERROR, NULL, fmt, ap, strerror(saved));
	va_end(ap);
	errno = saved;
	return -1;
}

void warning(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARN, NULL, fmt, ap, NULL);
	va_end(ap);
}

void info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, NULL, fmt, ap, NULL);
	va_end(ap);
}

void debug(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_DEBUG, NULL, fmt, ap, NULL);
	va_end(ap);
}

void progress(const char *step, const char *fmt, ...)
{
	char prefix[64];
	va_list ap;

	snprintf(prefix, sizeof(prefix), "[%6.1fs] %s", log_elapsed_s(), step);
	va_start(ap, fmt);
	vlog(LOG_INFO, prefix, fmt, ap, NULL);
	va_end(ap);
}
