#ifndef TSCANARY_SRVLOG_H
#define TSCANARY_SRVLOG_H

#include <signal.h>

/*
 * What the lab's small servers (dnsd, httpd) share: their log, stop
 * signal and clock. The log is written a whole line at a time, so tests
 * reading it (O_APPEND) never see half a line.
 */

/* Where log lines go: stderr until the server opens its -l log. */
extern int srv_log_fd;
/* Set by srv_on_signal(); the server's loop ends when it is non-zero. */
extern volatile sig_atomic_t srv_stop_signal;

/* A SIGTERM/SIGINT handler that only records the signal. */
void srv_on_signal(int sig);
/* Monotonic milliseconds. */
long srv_now_ms(void);
/* Write one whole line (a newline is added) to the log. */
void srv_logline(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Log "<prog>: error: <message>" and return -1. */
int srv_fail(const char *prog, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
