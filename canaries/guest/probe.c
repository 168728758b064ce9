/* SPDX-License-Identifier: BSD-3-Clause */
#include "probe.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int line_started;

static const char *const result_words[] = {
	[PROBE_PASS] = "pass",
	[PROBE_FAIL] = "fail",
	[PROBE_NOANSWER] = "fail",
	[PROBE_ERROR] = "error",
};

static void put_encoded(const char *s, int in_list)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c <= ' ' || c >= 0x7f || c == '%' || (in_list && c == ',')) {
			putchar('%');
			putchar(hex[c >> 4]);
			putchar(hex[c & 0xf]);
		} else {
			putchar(c);
		}
	}
}

static void put_key(const char *key)
{
	if (line_started)
		putchar(' ');
	line_started = 1;
	fputs(key, stdout);
	putchar('=');
}

void probe_kv(const char *key, const char *value)
{
	put_key(key);
	put_encoded(value, 0);
}

void probe_kvf(const char *key, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	probe_kv(key, buf);
}

void probe_kv_list(const char *key, char *const *items, size_t n)
{
	size_t i;

	put_key(key);
	for (i = 0; i < n; i++) {
		if (i)
			putchar(',');
		put_encoded(items[i], 1);
	}
}

int probe_finish(enum probe_exit status, const char *reason)
{
	probe_kv("result", result_words[status]);
	probe_kv("reason", reason);
	putchar('\n');
	line_started = 0;
	if (fflush(stdout)) {
		probe_error_errno("cannot write the evidence line");
		return PROBE_ERROR;
	}
	return status;
}

static void vreport(const char *fmt, va_list ap, const char *suffix)
{
	fprintf(stderr, "%s: error: ", program_invocation_short_name);
	vfprintf(stderr, fmt, ap);
	if (suffix)
		fprintf(stderr, ": %s", suffix);
	fputc('\n', stderr);
}

int probe_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(fmt, ap, NULL);
	va_end(ap);
	return -1;
}

int probe_error_errno(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vreport(fmt, ap, strerror(saved));
	va_end(ap);
	errno = saved;
	return -1;
}

int probe_parse_ulong(const char *what, const char *text, unsigned long min, unsigned long max,
		      unsigned long *out)
{
	unsigned long v;
	char *end;

	if (*text < '0' || *text > '9')
		return probe_error("invalid %s '%s'", what, text);
	errno = 0;
	v = strtoul(text, &end, 10);
	if (errno || *end || v < min || v > max)
		return probe_error("invalid %s '%s' (want %lu..%lu)", what, text, min, max);
	*out = v;
	return 0;
}
