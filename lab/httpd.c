/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * httpd: the lab's small web server (198.51.100.80 in the inet namespace).
 *
 *   httpd -a ADDR [-p PORT] [-l LOGFILE] [-n NAME]
 *
 * Serves HTTP/1.0 and HTTP/1.1 GET and HEAD on ADDR:PORT (default 80): any
 * path starting with '/' gets 200 with the body "NAME\n" (default "httpd"),
 * so a test sees who answered; other methods get 405, a malformed request
 * 400, another HTTP version 505, a request head over 8 KiB 431, and a
 * client that has not sent a whole request head within 5 s 408. One
 * response per connection (Connection: close); a request without Host is
 * accepted.
 *
 * One line per request, written at once, so tests can see who asked:
 *   <unix time> src=<ip>:<port> method=<method> path=<path> status=<code>
 * (IPv6 sources as [ip]:port; the path as sent, up to 256 bytes, with
 * spaces and bytes outside printable ASCII as %XX; method=- path=- for
 * what did not parse), to LOGFILE (default: stderr), as are errors. "httpd: listening
 * on ..." marks readiness; SIGTERM or SIGINT ends it with exit status 0.
 */
#include "srv.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONN       64
#define MAX_REQ        8192 /* request line and headers */
#define REQ_TIMEOUT_MS 5000 /* from accept to a whole request head */
#define DRAIN_MS       1000 /* lingering close: read what the client still sends */
#define MAX_METHOD     16
#define MAX_PATH_LOG   256

enum conn_state {
	CONN_FREE,
	CONN_READING,  /* waiting for the end of the request head */
	CONN_DRAINING, /* answered, write side shut: wait for the client's EOF */
};

struct conn {
	enum conn_state state;
	int fd;
	struct sockaddr_storage peer;
	char buf[MAX_REQ];
	size_t have;
	long deadline_ms;
};

/* What a request head says, as far as it parsed. */
struct request {
	char method[MAX_METHOD + 1];     /* "-" until the request line parsed */
	char path[MAX_PATH_LOG * 3 + 1]; /* escaped for the log */
	int status;
};

static const char *name = "httpd";

static const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 431: return "Request Header Fields Too Large";
	case 505: return "HTTP Version Not Supported";
	default: return "Error";
	}
}

static int is_tchar(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* Copy the request target into the log: one token, %XX for what would break it. */
static void escape_path(const char *p, size_t len, char *out, size_t out_len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	if (len > MAX_PATH_LOG)
		len = MAX_PATH_LOG;
	for (size_t i = 0; i < len && o + 4 <= out_len; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c > 0x20 && c < 0x7f) {
			out[o++] = (char)c;
		} else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
}

/*
 * Parse the request line (line, len bytes, without its line end) into req:
 * method and path for the log, and the status the request gets.
 */
static void parse_request_line(const char *line, size_t len, struct request *req)
{
	const char *sp1, *sp2, *end = line + len;
	size_t mlen, vlen;

	req->status = 400;
	sp1 = memchr(line, ' ', len);
	if (!sp1)
		return;
	mlen = (size_t)(sp1 - line);
	if (mlen == 0 || mlen > MAX_METHOD)
		return;
	for (size_t i = 0; i < mlen; i++)
		if (!is_tchar((unsigned char)line[i]))
			return;
	memcpy(req->method, line, mlen);
	req->method[mlen] = '\0';
	sp2 = memchr(sp1 + 1, ' ', (size_t)(end - sp1 - 1));
	escape_path(sp1 + 1, (size_t)((sp2 ? sp2 : end) - sp1 - 1), req->path, sizeof(req->path));
	if (!sp2 || sp2 == sp1 + 1 || sp1[1] != '/')
		return;
	vlen = (size_t)(end - sp2 - 1);
	if (vlen != 8 || memcmp(sp2 + 1, "HTTP/", 5) != 0 || sp2[7] != '.' || sp2[6] < '0' ||
	    sp2[6] > '9' || sp2[8] < '0' || sp2[8] > '9')
		return;
	if (memcmp(sp2 + 1, "HTTP/1.0", 8) != 0 && memcmp(sp2 + 1, "HTTP/1.1", 8) != 0) {
		req->status = 505;
		return;
	}
	if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
		req->status = 405;
		return;
	}
	req->status = 200;
}

/* End of the request head in buf (after "\r\n\r\n" or "\n\n"), or NULL. */
static const char *head_end(const char *buf, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (buf[i + 1] == '\n')
			return buf + i + 2;
		if (buf[i + 1] == '\r' && i + 2 < len && buf[i + 2] == '\n')
			return buf + i + 3;
	}
	return NULL;
}

/* Fill req from what conn has read so far; status as given for an incomplete head. */
static void parse_head(const struct conn *c, int incomplete_status, struct request *req)
{
	const char *nl;
	size_t len;

	snprintf(req->method, sizeof(req->method), "-");
	snprintf(req->path, sizeof(req->path), "-");
	nl = memchr(c->buf, '\n', c->have);
	if (nl) {
		len = (size_t)(nl - c->buf);
		if (len > 0 && c->buf[len - 1] == '\r')
			len--;
		parse_request_line(c->buf, len, req);
	}
	if (!head_end(c->buf, c->have))
		req->status = incomplete_status;
}

static void close_conn(struct conn *c)
{
	close(c->fd);
	c->fd = -1;
	c->state = CONN_FREE;
	c->have = 0;
}

/* Answer, log, shut the write side and wait for the client to finish. */
static void respond(struct conn *c, const struct request *req)
{
	char head[512], src[INET6_ADDRSTRLEN + 16];
	struct timespec ts;
	size_t body_len = strlen(name) + 1;
	int n, with_body = strcmp(req->method, "HEAD") != 0;

	clock_gettime(CLOCK_REALTIME, &ts);
	srv_format_peer(&c->peer, src, sizeof(src));
	srv_logline("%lld.%03ld src=%s method=%s path=%s status=%d", (long long)ts.tv_sec,
		    ts.tv_nsec / 1000000L, src, req->method, req->path, req->status);
	if (req->status != 200) {
		with_body = 1;
		body_len = strlen(reason(req->status)) + 1;
	}
	n = snprintf(head, sizeof(head),
		     "HTTP/1.1 %d %s\r\n"
		     "Server: tscanary-httpd\r\n"
		     "Content-Type: text/plain\r\n"
		     "Content-Length: %zu\r\n"
		     "%s"
		     "Connection: close\r\n"
		     "\r\n",
		     req->status, reason(req->status), body_len,
		     req->status == 405 ? "Allow: GET, HEAD\r\n" : "");
	if (n > 0 && (size_t)n < sizeof(head)) {
		struct iovec iov[3] = {
			{ head, (size_t)n },
			{ (void *)(req->status == 200 ? name : reason(req->status)), body_len - 1 },
			{ (void *)"\n", 1 },
		};
		struct msghdr msg = { .msg_iov = iov, .msg_iovlen = with_body ? 3 : 1 };

		/* a fresh socket's send buffer holds this whole answer */
		if (sendmsg(c->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT) < 0 && errno != EPIPE &&
		    errno != ECONNRESET)
			srv_logline("httpd: warning: cannot send to %s: %s", src, strerror(errno));
	}
	/* closing with unread input would reset the connection and could lose the answer */
	shutdown(c->fd, SHUT_WR);
	c->state = CONN_DRAINING;
	c->deadline_ms = srv_now_ms() + DRAIN_MS;
}

static void serve_conn(struct conn *c)
{
	struct request req;
	char sink[4096];
	ssize_t n;

	if (c->state == CONN_DRAINING) {
		n = recv(c->fd, sink, sizeof(sink), MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			close_conn(c);
		return;
	}
	n = recv(c->fd, c->buf + c->have, sizeof(c->buf) - c->have, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		/* the client closed (or half-closed) early: log and answer what it sent */
		if (c->have) {
			parse_head(c, 400, &req);
			respond(c, &req);
		}
		close_conn(c);
		return;
	}
	c->have += (size_t)n;
	if (head_end(c->buf, c->have)) {
		parse_head(c, 400, &req);
		respond(c, &req);
	} else if (c->have == sizeof(c->buf)) {
		parse_head(c, 431, &req);
		respond(c, &req);
	}
}

static void accept_conn(int lfd, struct conn *conns)
{
	struct sockaddr_storage peer;
	socklen_t plen = sizeof(peer);
	int fd = accept4(lfd, (struct sockaddr *)&peer, &plen, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (fd < 0)
		return;
	for (int i = 0; i < MAX_CONN; i++) {
		if (conns[i].state == CONN_FREE) {
			conns[i].state = CONN_READING;
			conns[i].fd = fd;
			conns[i].peer = peer;
			conns[i].have = 0;
			conns[i].deadline_ms = srv_now_ms() + REQ_TIMEOUT_MS;
			return;
		}
	}
	close(fd); /* not reached: the listener is polled only with a free slot */
}

static void expire(struct conn *c, long now)
{
	struct request req;

	if (c->state == CONN_FREE || now <= c->deadline_ms)
		return;
	if (c->state == CONN_READING && c->have) {
		parse_head(c, 408, &req);
		req.status = 408;
		respond(c, &req);
	}
	close_conn(c);
}

static int serve(int lfd, const sigset_t *run_mask)
{
	static struct conn conns[MAX_CONN];

	for (int i = 0; i < MAX_CONN; i++)
		conns[i].fd = -1;
	while (!srv_stop_signal) {
		struct pollfd pfd[1 + MAX_CONN];
		struct timespec ts = { 0, 250 * 1000000L };
		int n, busy = 0;
		long now;

		for (int i = 0; i < MAX_CONN; i++) {
			pfd[1 + i] = (struct pollfd){ .fd = conns[i].fd, .events = POLLIN };
			busy += conns[i].state != CONN_FREE;
		}
		/* when every slot is taken, new clients wait in the listen backlog */
		pfd[0] = (struct pollfd){ .fd = busy < MAX_CONN ? lfd : -1, .events = POLLIN };
		n = ppoll(pfd, 1 + MAX_CONN, &ts, run_mask);
		if (n < 0 && errno != EINTR)
			return srv_fail("httpd", "cannot poll: %s", strerror(errno));
		if (n > 0) {
			for (int i = 0; i < MAX_CONN; i++)
				if (conns[i].state != CONN_FREE && pfd[1 + i].fd == conns[i].fd &&
				    pfd[1 + i].revents)
					serve_conn(&conns[i]);
			if (pfd[0].revents)
				accept_conn(lfd, conns);
		}
		now = srv_now_ms();
		for (int i = 0; i < MAX_CONN; i++)
			expire(&conns[i], now);
	}
	for (int i = 0; i < MAX_CONN; i++)
		if (conns[i].state != CONN_FREE)
			close_conn(&conns[i]);
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: httpd -a ADDR [-p PORT] [-l LOGFILE] [-n NAME]\n");
}

int main(int argc, char **argv)
{
	const char *addr = NULL, *logpath = NULL;
	unsigned long port = 80;
	struct sockaddr_storage ss;
	sigset_t run_mask;
	socklen_t sslen = 0;
	int opt, lfd, ret;

	while ((opt = getopt(argc, argv, "a:p:l:n:h")) != -1) {
		char *end;

		switch (opt) {
		case 'a': addr = optarg; break;
		case 'p':
			errno = 0;
			port = strtoul(optarg, &end, 10);
			if (errno || *end || port == 0 || port > 65535) {
				fprintf(stderr, "httpd: invalid port '%s'\n", optarg);
				return 2;
			}
			break;
		case 'l': logpath = optarg; break;
		case 'n':
			name = optarg;
			if (!*name || strlen(name) > 200 || strpbrk(name, "\r\n")) {
				fprintf(stderr, "httpd: invalid name '%s'\n", optarg);
				return 2;
			}
			break;
		case 'h': usage(); return 0;
		default: usage(); return 2;
		}
	}
	if (!addr || optind != argc) {
		usage();
		return 2;
	}
	if (srv_start("httpd", logpath, &run_mask) < 0)
		return 1;

	if (srv_parse_addr("httpd", addr, (unsigned)port, &ss, &sslen) < 0)
		return 1;
	lfd = srv_open_socket("httpd", &ss, sslen, SOCK_STREAM, 64);
	if (lfd < 0)
		return 1;
	srv_logline("httpd: listening on %s%s%s:%lu (http), name %s",
		    ss.ss_family == AF_INET6 ? "[" : "", addr, ss.ss_family == AF_INET6 ? "]" : "",
		    port, name);
	ret = serve(lfd, &run_mask);
	if (srv_stop_signal)
		srv_logline("httpd: exiting on signal %d", (int)srv_stop_signal);
	close(lfd);
	return ret < 0 ? 1 : 0;
}
