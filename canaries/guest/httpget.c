/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * httpget: one plain HTTP/1.0 GET from inside the router guest, with plain
 * sockets (a static libcurl does not link for every arch).
 *
 *   httpget -u http://IP[:PORT]/PATH [-w TIMEOUT_MS] [-b SOURCE_ADDR]
 *           [-e STATUS]
 *
 * stdout gets one evidence line, then the body as received (at most
 * MAX_SHOWN bytes of it; bytes= counts all of it):
 *
 *   url=http://198.51.100.80/ status=200 bytes=12 latency_ms=1.234
 *   result=pass reason=match
 *
 * latency_ms runs from the start of the connect to the end of the body.
 * Exit 0: the status was STATUS (default 200).  Exit 1: a response came and
 * was wrong (reason=status_mismatch, malformed_reply, short_body,
 * body_timeout).  Exit 2: no response (reason=timeout, refused, reset,
 * closed, ...).  Exit 3: usage or local error (result=error).
 */
#include "netio.h"
#include "probe.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define DEFAULT_TIMEOUT_MS 5000
#define MAX_TIMEOUT_MS     600000
#define MAX_HEADER         (64 * 1024)
#define MAX_SHOWN          (1024 * 1024)

struct httpget {
	const char *url;
	char *authority;
	const char *path;
	struct netio_addr server;
	struct netio_addr source;
	int have_source;
	unsigned long timeout_ms;
	unsigned long expect_status;

	char *buf; /* the header, then at most MAX_SHOWN bytes of body */
	size_t len;
	size_t header_len;        /* 0 until the blank line after the header */
	long long content_length; /* -1: not given */
	int status;
	unsigned long long body_bytes;
	double latency_ms;
};

static const char usage_text[] =
	"usage: httpget -u http://IP[:PORT]/PATH [-w TIMEOUT_MS] [-b SOURCE_ADDR]\n"
	"               [-e STATUS]\n";

static int parse_url(struct httpget *h)
{
	static const char scheme[] = "http://";
	const char *auth = h->url + sizeof(scheme) - 1, *slash;
	size_t len;

	if (strncmp(h->url, scheme, sizeof(scheme) - 1))
		return probe_error("url '%s' is not http://IP[:PORT]/PATH", h->url);
	slash = strchr(auth, '/');
	len = slash ? (size_t)(slash - auth) : strlen(auth);
	h->path = slash ? slash : "/";
	h->authority = strndup(auth, len);
	if (!h->authority)
		return probe_error("out of memory");
	return netio_parse_hostport(h->authority, 80, &h->server);
}

static int parse_args(struct httpget *h, int argc, char **argv)
{
	const char *source = NULL;
	int c;

	h->timeout_ms = DEFAULT_TIMEOUT_MS;
	h->expect_status = 200;
	while ((c = getopt(argc, argv, "u:w:b:e:h")) != -1) {
		switch (c) {
		case 'u': h->url = optarg; break;
		case 'w':
			if (probe_parse_ulong("timeout", optarg, 1, MAX_TIMEOUT_MS, &h->timeout_ms))
				return -1;
			break;
		case 'b': source = optarg; break;
		case 'e':
			if (probe_parse_ulong("status", optarg, 100, 999, &h->expect_status))
				return -1;
			break;
		default: return -1;
		}
	}
	if (optind != argc)
		return probe_error("unexpected argument '%s'", argv[optind]);
	if (!h->url)
		return probe_error("-u URL is required");
	if (parse_url(h))
		return -1;
	if (source) {
		if (netio_parse_addr(source, &h->source))
			return -1;
		if (h->source.ss.ss_family != h->server.ss.ss_family)
			return probe_error("source '%s' and url '%s' differ in family", source,
					   h->url);
		h->have_source = 1;
	}
	return 0;
}

/* Find the end of the header: its length with the blank line, or 0. */
static size_t header_end(const char *buf, size_t len)
{
	const char *crlf = memmem(buf, len, "\r\n\r\n", 4);
	const char *lf = memmem(buf, len, "\n\n", 2);

	if (crlf && (!lf || crlf < lf))
		return (size_t)(crlf - buf) + 4;
	if (lf)
		return (size_t)(lf - buf) + 2;
	return 0;
}

/* Read the status code and Content-Length from a complete header. */
static int parse_header(struct httpget *h)
{
	const char *line, *end = h->buf + h->header_len;
	unsigned long status;
	char code[4];

	if (h->header_len < 12 || strncmp(h->buf, "HTTP/1.", 7) || h->buf[8] != ' ')
		return -1;
	memcpy(code, h->buf + 9, 3);
	code[3] = '\0';
	if (probe_parse_ulong("status", code, 100, 999, &status))
		return -1;
	h->status = (int)status;
	h->content_length = -1;
	for (line = h->buf; line < end; line++) {
		line = memchr(line, '\n', (size_t)(end - line));
		if (!line || end - line < 16)
			break;
		if (!strncasecmp(line + 1, "content-length:", 15)) {
			char *stop;

			errno = 0;
			h->content_length = strtoll(line + 16, &stop, 10);
			if (errno || stop == line + 16 || h->content_length < 0)
				return -1;
		}
	}
	return 0;
}

static int body_complete(const struct httpget *h)
{
	return h->header_len && h->content_length >= 0 &&
	       h->body_bytes >= (unsigned long long)h->content_length;
}

/* Keep what fits in buf (header, then body up to MAX_SHOWN) and count the body. */
static int take(struct httpget *h, const char *data, size_t n)
{
	size_t room, keep;

	if (!h->header_len) {
		room = MAX_HEADER - h->len;
		keep = n < room ? n : room;
		memcpy(h->buf + h->len, data, keep);
		h->len += keep;
		h->header_len = header_end(h->buf, h->len);
		if (!h->header_len)
			return h->len == MAX_HEADER ? -1 : 0;
		if (parse_header(h))
			return -1;
		/* What came after the blank line is the start of the body. */
		h->body_bytes = h->len - h->header_len;
		return keep < n ? take(h, data + keep, n - keep) : 0;
	}
	room = MAX_HEADER + MAX_SHOWN - h->len;
	keep = n < room ? n : room;
	memcpy(h->buf + h->len, data, keep);
	h->len += keep;
	h->body_bytes += n;
	return 0;
}

/* Run the exchange: exit status and reason. */
static enum probe_exit fetch(struct httpget *h, const char **reason)
{
	double start = netio_now_ms(), deadline = start + (double)h->timeout_ms;
	char chunk[16384], *req;
	enum probe_exit status = PROBE_PASS;
	int fd, len;

	len = asprintf(&req,
		       "GET %s HTTP/1.0\r\nHost: %s\r\n"
		       "User-Agent: tscanary-httpget\r\nConnection: close\r\n\r\n",
		       h->path, h->authority);
	if (len < 0) {
		probe_error("out of memory");
		*reason = "out_of_memory";
		return PROBE_ERROR;
	}
	fd = netio_connect(SOCK_STREAM, &h->server, h->have_source ? &h->source : NULL, deadline);
	if (fd < 0 || netio_write_all(fd, req, (size_t)len, deadline))
		goto failed;
	while (!body_complete(h)) {
		ssize_t n = netio_read_some(fd, chunk, sizeof(chunk), deadline);

		if (n < 0)
			goto failed;
		if (!n)
			break;
		if (take(h, chunk, (size_t)n)) {
			*reason = "malformed_reply";
			status = PROBE_FAIL;
			goto out;
		}
	}
	if (!h->header_len) {
		*reason = h->len ? "malformed_reply" : "closed";
		status = h->len ? PROBE_FAIL : PROBE_NOANSWER;
	} else if (h->content_length >= 0 &&
		   h->body_bytes < (unsigned long long)h->content_length) {
		*reason = "short_body";
		status = PROBE_FAIL;
	} else if ((unsigned long)h->status != h->expect_status) {
		*reason = "status_mismatch";
		status = PROBE_FAIL;
	} else {
		*reason = "match";
	}
	goto out;
failed:
	if (h->header_len && errno == ETIMEDOUT) {
		/* The status came, the body did not finish: a wrong answer. */
		*reason = "body_timeout";
		status = PROBE_FAIL;
	} else if (netio_classify(errno, reason)) {
		status = PROBE_NOANSWER;
	} else {
		probe_error_errno("cannot fetch '%s'", h->url);
		status = PROBE_ERROR;
	}
out:
	h->latency_ms = netio_now_ms() - start;
	if (fd >= 0)
		close(fd);
	free(req);
	return status;
}

int main(int argc, char **argv)
{
	struct httpget h = { 0 };
	enum probe_exit status;
	const char *reason;
	size_t shown = 0;
	int ret;

	if (parse_args(&h, argc, argv)) {
		fputs(usage_text, stderr);
		free(h.authority);
		return probe_finish(PROBE_ERROR, "usage");
	}
	h.buf = malloc(MAX_HEADER + MAX_SHOWN);
	if (!h.buf) {
		probe_error("out of memory");
		free(h.authority);
		return probe_finish(PROBE_ERROR, "out_of_memory");
	}
	status = fetch(&h, &reason);
	probe_kv("url", h.url);
	if (h.header_len) {
		shown = h.len - h.header_len;
		probe_kvf("status", "%d", h.status);
		probe_kvf("bytes", "%llu", h.body_bytes);
		if (shown < h.body_bytes)
			probe_kvf("shown_bytes", "%zu", shown);
	}
	if (h.expect_status != 200)
		probe_kvf("expected_status", "%lu", h.expect_status);
	probe_kvf("latency_ms", "%.3f", h.latency_ms);
	ret = probe_finish(status, reason);
	if (shown && (fwrite(h.buf + h.header_len, 1, shown, stdout) != shown || fflush(stdout))) {
		probe_error_errno("cannot write the body");
		ret = PROBE_ERROR;
	}
	free(h.buf);
	free(h.authority);
	return ret;
}
