/* SPDX-License-Identifier: BSD-3-Clause */
#include "netio.h"

#include "probe.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

double netio_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int fill_addr(const char *host, uint16_t port, struct netio_addr *addr)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&addr->ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&addr->ss;

	memset(addr, 0, sizeof(*addr));
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		addr->len = sizeof(*sin);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		addr->len = sizeof(*sin6);
		return 0;
	}
	return probe_error("invalid IP address '%s'", host);
}

int netio_parse_addr(const char *text, struct netio_addr *addr)
{
	return fill_addr(text, 0, addr);
}

int netio_parse_hostport(const char *text, uint16_t default_port, struct netio_addr *addr)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *port_text = NULL, *colon;
	unsigned long port = default_port;
	size_t len;

	if (*text == '[') {
		const char *close = strchr(text, ']');

		if (!close || (close[1] && close[1] != ':'))
			return probe_error("invalid address '%s'", text);
		len = (size_t)(close - text - 1);
		text++;
		if (close[1] == ':')
			port_text = close + 2;
	} else if ((colon = strchr(text, ':')) && !strchr(colon + 1, ':')) {
		/* One colon: IPv4:PORT.  More than one: a bare IPv6 address. */
		len = (size_t)(colon - text);
		port_text = colon + 1;
	} else {
		len = strlen(text);
	}
	if (len >= sizeof(host))
		return probe_error("invalid address '%s'", text);
	memcpy(host, text, len);
	host[len] = '\0';
	if (port_text && probe_parse_ulong("port", port_text, 1, 65535, &port))
		return -1;
	return fill_addr(host, (uint16_t)port, addr);
}

int netio_wait(int fd, short events, double deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };

	for (;;) {
		double left = deadline - netio_now_ms();
		int ms = (int)left, n;

		if (left <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		/* Round up: waking early would only spin once more. */
		if (ms < left)
			ms++;
		n = poll(&pfd, 1, ms);
		if (n > 0)
			return 0; /* POLLERR/POLLHUP: the next call reports it */
		if (n < 0 && errno != EINTR)
			return -1;
	}
}

int netio_connect(int type, const struct netio_addr *dst, const struct netio_addr *src,
		  double deadline)
{
	int fd, err;
	socklen_t errlen = sizeof(err);

	fd = socket(dst->ss.ss_family, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	if (src && bind(fd, (const struct sockaddr *)&src->ss, src->len))
		goto fail;
	if (!connect(fd, (const struct sockaddr *)&dst->ss, dst->len))
		return fd;
	if (errno != EINPROGRESS)
		goto fail;
	if (netio_wait(fd, POLLOUT, deadline))
		goto fail;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &errlen))
		goto fail;
	if (err) {
		errno = err;
		goto fail;
	}
	return fd;
fail:
	err = errno;
	close(fd);
	errno = err;
	return -1;
}

int netio_write_all(int fd, const void *buf, size_t len, double deadline)
{
	const char *p = buf;

	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				return -1;
			if (netio_wait(fd, POLLOUT, deadline))
				return -1;
			continue;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

ssize_t netio_read_some(int fd, void *buf, size_t len, double deadline)
{
	for (;;) {
		ssize_t n = recv(fd, buf, len, 0);

		if (n >= 0)
			return n;
		if (errno != EAGAIN && errno != EINTR)
			return -1;
		if (netio_wait(fd, POLLIN, deadline))
			return -1;
	}
}

int netio_read_full(int fd, void *buf, size_t len, double deadline)
{
	char *p = buf;

	while (len) {
		ssize_t n = netio_read_some(fd, p, len, deadline);

		if (n < 0)
			return -1;
		if (!n) {
			errno = ENODATA;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int netio_classify(int err, const char **reason)
{
	static const struct {
		int err;
		const char *reason;
	} table[] = {
		{ ETIMEDOUT, "timeout" },
		{ ECONNREFUSED, "refused" },
		{ ECONNRESET, "reset" },
		{ EPIPE, "reset" },
		{ ENODATA, "closed" },
		{ EHOSTUNREACH, "host_unreachable" },
		{ EHOSTDOWN, "host_unreachable" },
		{ ENETUNREACH, "network_unreachable" },
		{ ENONET, "network_unreachable" },
		/* A firewall rule rejecting our packet (e.g. nftables). */
		{ EPERM, "blocked" },
	};
	size_t i;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		if (table[i].err == err) {
			*reason = table[i].reason;
			return 1;
		}
	}
	*reason = "local_error";
	return 0;
}
