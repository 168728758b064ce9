/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TSCANARY_SRV_H
#define TSCANARY_SRV_H

#include <signal.h>
#include <stddef.h>
#include <sys/socket.h>

/*
 * What the lab's small servers (dnsd, httpd) share: start-up (log and
 * signals), their log, stop signal and clock, and the listening socket.
 * The log is written a whole line at a time, so tests reading it
 * (O_APPEND) never see half a line.
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

/*
 * Open the log (logpath NULL: stay on stderr), make SIGTERM/SIGINT set
 * srv_stop_signal, and block them except inside ppoll(..., run_mask), so
 * none is lost between checks. -1 (said on stderr) if the log won't open.
 */
int srv_start(const char *prog, const char *logpath, sigset_t *run_mask);
/* Parse an IPv4 or IPv6 literal and port into ss; -1 (logged) if invalid. */
int srv_parse_addr(const char *prog, const char *addr, unsigned port, struct sockaddr_storage *ss,
		   socklen_t *len);
/* A bound non-blocking socket of type (listening with backlog for TCP), or -1. */
int srv_open_socket(const char *prog, const struct sockaddr_storage *ss, socklen_t len, int type,
		    int backlog);
/* "ip:port" or "[ip6]:port" of a peer. */
void srv_format_peer(const struct sockaddr_storage *ss, char *buf, size_t len);

#endif
