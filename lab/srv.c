/* SPDX-License-Identifier: BSD-3-Clause */
#include "srv.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
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

int srv_start(const char *prog, const char *logpath, sigset_t *run_mask)
{
	struct sigaction sa;
	sigset_t block;

	if (logpath) {
		srv_log_fd = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (srv_log_fd < 0) {
			fprintf(stderr, "%s: cannot open log '%s': %s\n", prog, logpath,
				strerror(errno));
			return -1;
		}
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = srv_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, run_mask);
	sigdelset(run_mask, SIGTERM);
	sigdelset(run_mask, SIGINT);
	return 0;
}

int srv_parse_addr(const char *prog, const char *addr, unsigned port, struct sockaddr_storage *ss,
		   socklen_t *len)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		*len = sizeof(*s4);
		return 0;
	}
	if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*s6);
		return 0;
	}
	return srv_fail(prog, "invalid address '%s' (want an IPv4 or IPv6 literal)", addr);
}

int srv_open_socket(const char *prog, const struct sockaddr_storage *ss, socklen_t len, int type,
		    int backlog)
{
	const char *what = type == SOCK_STREAM ? "tcp" : "udp";
	int one = 1, fd;

	fd = socket(ss->ss_family, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return srv_fail(prog, "cannot create %s socket: %s", what, strerror(errno));
	if (type == SOCK_STREAM)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss->ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)ss, len) < 0) {
		srv_fail(prog, "cannot bind %s socket: %s", what, strerror(errno));
		close(fd);
		return -1;
	}
	if (type == SOCK_STREAM && listen(fd, backlog) < 0) {
		srv_fail(prog, "cannot listen: %s", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

void srv_format_peer(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN] = "?";

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof(ip));
		snprintf(buf, len, "[%s]:%u", ip, ntohs(s6->sin6_port));
	} else {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;

		inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof(ip));
		snprintf(buf, len, "%s:%u", ip, ntohs(s4->sin_port));
	}
}
