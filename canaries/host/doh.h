/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TSCANARY_DOH_H
#define TSCANARY_DOH_H

#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"

/* What one RFC 8484 exchange gave. */
struct doh_result {
	long http_status; /* 0 when no HTTP answer came */
	char content_type[128];
	char curl_error[256]; /* "" when the transfer worked */
	size_t request_bytes;
	size_t response_bytes;
	int id_match;      /* the reply's id equals the query's */
	char rcode[16];    /* "NOERROR", ... ("" without a DNS reply) */
	char answers[256]; /* sorted A/AAAA addresses, comma-separated */
	double latency_ms;
};

/* base64url without padding (RFC 4648 section 5), as ?dns= wants it. */
void doh_base64url(const uint8_t *data, size_t len, struct strbuf *out);

/*
 * Parse a DNS wire reply: check its id, fill rcode and answers.
 * Returns 0 when it is a DNS message, -1 otherwise.
 */
int doh_parse_reply(const uint8_t *wire, size_t len, uint16_t want_id, struct doh_result *res);

/*
 * Ask url (http://IP:PORT/dns-query) for name's A records from inside
 * network namespace netns, with GET ?dns= (post == 0) or POST
 * application/dns-message. Returns 0 when the exchange was attempted
 * (res says how it went), -1 on a local error.
 */
int doh_query(const char *netns, const char *url, const char *name, int post, int timeout_ms,
	      struct doh_result *res);

/* One evidence line for a result. */
void doh_describe(const struct doh_result *res, struct strbuf *out);

#endif
