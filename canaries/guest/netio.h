/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TSCANARY_GUEST_NETIO_H
#define TSCANARY_GUEST_NETIO_H

/*
 * Sockets with one absolute deadline for a whole exchange, so a probe's
 * timeout is exact whatever step the peer stalls in.  Deadlines are
 * milliseconds on the monotonic clock (netio_now_ms()).  These functions do
 * not print: a failure returns -1 with errno set, and the probe turns errno
 * into its evidence with netio_classify(), because "the peer did not answer"
 * is a verdict there, not a diagnostic.  ETIMEDOUT means the deadline
 * passed; ENODATA means the peer closed the stream before the data ended.
 */

#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

/* An IPv4 or IPv6 socket address and its length. */
struct netio_addr {
	struct sockaddr_storage ss;
	socklen_t len;
};

/* Milliseconds on the monotonic clock. */
double netio_now_ms(void);

/*
 * Parse "IPv4", "IPv4:PORT", "IPv6", "[IPv6]" or "[IPv6]:PORT" (PORT
 * defaulting to default_port) into *addr: 0, or -1 (reported).
 */
int netio_parse_hostport(const char *text, uint16_t default_port, struct netio_addr *addr);
/* Parse a bare IPv4 or IPv6 address (port 0) into *addr: 0, or -1 (reported). */
int netio_parse_addr(const char *text, struct netio_addr *addr);

/*
 * Open a non-blocking socket of type (SOCK_DGRAM or SOCK_STREAM), bind it to
 * src if not NULL, and connect it to dst before deadline: the fd, or -1.
 */
int netio_connect(int type, const struct netio_addr *dst, const struct netio_addr *src,
		  double deadline);
/* Wait until fd has one of events (or an error) before deadline: 0, or -1. */
int netio_wait(int fd, short events, double deadline);
/* Write all len bytes of buf before deadline: 0, or -1. */
int netio_write_all(int fd, const void *buf, size_t len, double deadline);
/* Read exactly len bytes before deadline: 0, or -1 (ENODATA at early EOF). */
int netio_read_full(int fd, void *buf, size_t len, double deadline);
/* Read what arrives first (at most len bytes) before deadline: count (0 at EOF), or -1. */
ssize_t netio_read_some(int fd, void *buf, size_t len, double deadline);

/*
 * Name errno from a failed exchange as an evidence reason ("timeout",
 * "refused", ...): 1 if it is the peer's or the network's doing (no answer),
 * 0 if it is a local error (then *reason is "local_error").
 */
int netio_classify(int err, const char **reason);

#endif
