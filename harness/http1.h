/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TSCANARY_HTTP1_H
#define TSCANARY_HTTP1_H

/*
 * HTTP/1.0 over a unix socket, as the guest agent speaks it to tailscaled's
 * LocalAPI (vm/guest/agent.c) and the host's unit tests check it: pure
 * formatting and parsing on libc only, shared by both sides like frame.c.
 *
 * A request is one HTTP/1.0 message with Content-Length; the server then
 * answers and closes, so a response is everything read until EOF. Go's
 * server sends no chunked body to an HTTP/1.0 client, but a chunked one is
 * decoded all the same.
 */

#include <stddef.h>

/* The Host LocalAPI wants (apitype.LocalAPIHost). */
#define HTTP1_LOCALAPI_HOST "local-tailscaled.sock"
/* Largest request head http1_format_request() writes. */
#define HTTP1_HEAD_MAX 4096

/*
 * Write the head of a request (request line, Host, Sec-Tailscale: localapi,
 * Content-Length, blank line) into buf. Its length, or 0 when method or
 * path is empty, holds a space, CR, LF or NUL, or it does not fit.
 */
size_t http1_format_request(char *buf, size_t size, const char *method, const char *path,
			    size_t body_len);

/* A parsed response; body points into the parsed buffer. */
struct http1_response {
	int status; /* 100-999 */
	const char *body;
	size_t body_len;
	const char *error; /* why parsing failed (static text) */
};

/*
 * Parse a whole response (read to EOF) in raw[0..len). A chunked body is
 * decoded in place; a Content-Length body is cut to that length and a
 * shorter one is an error. 0, or -1 with r->error set.
 */
int http1_parse_response(char *raw, size_t len, struct http1_response *r);

#endif
