/* SPDX-License-Identifier: BSD-3-Clause */
#include "http1.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int token_ok(const char *s)
{
	if (!s || !*s)
		return 0;
	for (; *s; s++)
		if (*s == ' ' || *s == '\r' || *s == '\n' || *s == '\t')
			return 0;
	return 1;
}

size_t http1_format_request(char *buf, size_t size, const char *method, const char *path,
			    size_t body_len)
{
	int n;

	if (!token_ok(method) || !token_ok(path))
		return 0;
	n = snprintf(buf, size,
		     "%s %s HTTP/1.0\r\n"
		     "Host: " HTTP1_LOCALAPI_HOST "\r\n"
		     "Sec-Tailscale: localapi\r\n"
		     "Content-Length: %zu\r\n"
		     "\r\n",
		     method, path, body_len);
	if (n < 0 || (size_t)n >= size)
		return 0;
	return (size_t)n;
}

static int fail(struct http1_response *r, const char *why)
{
	r->error = why;
	return -1;
}

/* The value of header name in head[0..len) (lines end in CRLF), or NULL. */
static const char *header(const char *head, size_t len, const char *name, size_t *vlen)
{
	size_t n = strlen(name);
	const char *p = memchr(head, '\n', len), *end = head + len;

	/* skip the status line */
	while (p && ++p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *v;

		if (!eol)
			eol = end;
		if ((size_t)(eol - p) > n && p[n] == ':' && !strncasecmp(p, name, n)) {
			v = p + n + 1;
			while (v < eol && (*v == ' ' || *v == '\t'))
				v++;
			*vlen = (size_t)(eol - v);
			while (*vlen && (v[*vlen - 1] == '\r' || v[*vlen - 1] == ' '))
				(*vlen)--;
			return v;
		}
		p = eol;
	}
	return NULL;
}

/* Decode a chunked body in place: its decoded length, or -1. */
static long dechunk(char *body, size_t len)
{
	size_t in = 0, out = 0;

	for (;;) {
		char *eol = memchr(body + in, '\n', len - in), *end;
		unsigned long size;

		if (!eol)
			return -1;
		size = strtoul(body + in, &end, 16);
		if (end == body + in)
			return -1;
		in = (size_t)(eol - body) + 1;
		if (!size)
			return (long)out;
		if (size > len - in)
			return -1;
		memmove(body + out, body + in, size);
		out += size;
		in += size;
		/* each chunk ends in CRLF */
		if (in < len && body[in] == '\r')
			in++;
		if (in >= len || body[in] != '\n')
			return -1;
		in++;
	}
}

int http1_parse_response(char *raw, size_t len, struct http1_response *r)
{
	const char *v;
	char *head_end, num[32];
	size_t head_len, vlen;

	memset(r, 0, sizeof(*r));
	if (len < 12 || memcmp(raw, "HTTP/1.", 7))
		return fail(r, "not an HTTP/1 response");
	if (raw[8] != ' ' || raw[9] < '1' || raw[9] > '9' || raw[10] < '0' || raw[10] > '9' ||
	    raw[11] < '0' || raw[11] > '9' || (len > 12 && raw[12] != ' ' && raw[12] != '\r'))
		return fail(r, "malformed status line");
	r->status = (raw[9] - '0') * 100 + (raw[10] - '0') * 10 + (raw[11] - '0');
	head_end = memmem(raw, len, "\r\n\r\n", 4);
	if (!head_end)
		return fail(r, "response head does not end");
	head_len = (size_t)(head_end - raw) + 2;
	r->body = head_end + 4;
	r->body_len = len - (size_t)(r->body - raw);
	if ((v = header(raw, head_len, "Transfer-Encoding", &vlen)) && vlen == 7 &&
	    !strncasecmp(v, "chunked", 7)) {
		long n = dechunk(raw + (r->body - raw), r->body_len);

		if (n < 0)
			return fail(r, "malformed chunked body");
		r->body_len = (size_t)n;
		return 0;
	}
	if ((v = header(raw, head_len, "Content-Length", &vlen))) {
		unsigned long long want;
		char *end;

		if (!vlen || vlen >= sizeof(num))
			return fail(r, "malformed Content-Length");
		memcpy(num, v, vlen);
		num[vlen] = '\0';
		want = strtoull(num, &end, 10);
		if (*end || num[0] < '0' || num[0] > '9')
			return fail(r, "malformed Content-Length");
		if (want > r->body_len)
			return fail(r, "body shorter than its Content-Length");
		r->body_len = (size_t)want;
	}
	return 0;
}
