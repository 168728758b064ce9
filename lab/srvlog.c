#include "srvlog.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

int srv_log_fd = 2;
volatile sig_atomic_t srv_stop_signal;

void srv_on_signal(int sig)
{
	srv_stop_signal = sig;
}

long srv_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void vlogline(const char *prefix, const char *fmt, va_list ap)
{
	char line[1024];
	int p = snprintf(line, sizeof(line), "%s", prefix), n;

	n = vsnprintf(line + p, sizeof(line) - 1 - (size_t)p, fmt, ap);
	if (n < 0)
		return;
	n += p;
	if ((size_t)n > sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	if (write(srv_log_fd, line, (size_t)n) < 0) {
		/* nowhere left to report it */
	}
}

void srv_logline(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlogline("", fmt, ap);
	va_end(ap);
}

int srv_fail(const char *prog, const char *fmt, ...)
{
	char prefix[64];
	va_list ap;

	snprintf(prefix, sizeof(prefix), "%s: error: ", prog);
	va_start(ap, fmt);
	vlogline(prefix, fmt, ap);
	va_end(ap);
	return -1;
}
