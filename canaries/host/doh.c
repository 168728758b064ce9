/* SPDX-License-Identifier: BSD-3-Clause */
#include "doh.h"

#include "lab.h"
#include "log.h"

#include <curl/curl.h>
#include <ldns/ldns.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

void doh_base64url(const uint8_t *data, size_t len, struct strbuf *out)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t i;

	for (i = 0; i + 2 < len; i += 3) {
		uint32_t v = (uint32_t)data[i] << 16 | (uint32_t)data[i + 1] << 8 | data[i + 2];

		strbuf_addch(out, tab[v >> 18 & 63]);
		strbuf_addch(out, tab[v >> 12 & 63]);
		strbuf_addch(out, tab[v >> 6 & 63]);
		strbuf_addch(out, tab[v & 63]);
	}
	if (len - i == 1) {
		uint32_t v = (uint32_t)data[i] << 16;

		strbuf_addch(out, tab[v >> 18 & 63]);
		strbuf_addch(out, tab[v >> 12 & 63]);
	} else if (len - i == 2) {
		uint32_t v = (uint32_t)data[i] << 16 | (uint32_t)data[i + 1] << 8;

		strbuf_addch(out, tab[v >> 18 & 63]);
		strbuf_addch(out, tab[v >> 12 & 63]);
		strbuf_addch(out, tab[v >> 6 & 63]);
	}
}

int doh_parse_reply(const uint8_t *wire, size_t len, uint16_t want_id, struct doh_result *res)
{
	ldns_pkt *pkt = NULL;
	ldns_rr_list *an;
	ldns_lookup_table *rc;
	char *addrs[32];
	struct strbuf joined = STRBUF_INIT;
	size_t n = 0;

	res->rcode[0] = res->answers[0] = '\0';
	res->id_match = 0;
	if (ldns_wire2pkt(&pkt, wire, len) != LDNS_STATUS_OK)
		return -1;
	res->id_match = ldns_pkt_id(pkt) == want_id;
	rc = ldns_lookup_by_id(ldns_rcodes, (int)ldns_pkt_get_rcode(pkt));
	snprintf(res->rcode, sizeof(res->rcode), "%s", rc ? rc->name : "?");
	an = ldns_pkt_answer(pkt);
	for (size_t i = 0; i < ldns_rr_list_rr_count(an) && n < 32; i++) {
		ldns_rr *rr = ldns_rr_list_rr(an, i);

		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_A ||
		    ldns_rr_get_type(rr) == LDNS_RR_TYPE_AAAA)
			addrs[n++] = ldns_rdf2str(ldns_rr_rdf(rr, 0));
	}
	strbuf_add_sorted(&joined, addrs, n, ",");
	snprintf(res->answers, sizeof(res->answers), "%s", strbuf_str(&joined));
	strbuf_release(&joined);
	for (size_t i = 0; i < n; i++)
		free(addrs[i]);
	ldns_pkt_free(pkt);
	return 0;
}

static size_t collect(char *ptr, size_t size, size_t nmemb, void *data)
{
	struct strbuf *sb = data;

	if (sb->len + size * nmemb > (1 << 20))
		return 0; /* a DNS message is never this large */
	strbuf_add(sb, ptr, size * nmemb);
	return size * nmemb;
}

int doh_query(const char *netns, const char *url, const char *name, int post, int timeout_ms,
	      struct doh_result *res)
{
	ldns_pkt *q = NULL;
	uint8_t *wire = NULL;
	size_t wlen = 0;
	uint16_t id;
	struct strbuf full = STRBUF_INIT, body = STRBUF_INIT;
	struct curl_slist *hdrs = NULL;
	char *ctype = NULL;
	CURL *c = NULL;
	CURLcode cc;
	struct timespec t0, t1;
	int saved = -1, ret = -1;

	memset(res, 0, sizeof(*res));
	if (ldns_pkt_query_new_frm_str(&q, name, LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, LDNS_RD) !=
	    LDNS_STATUS_OK)
		return error("cannot build a DNS query for '%s'", name);
	if (getrandom(&id, sizeof(id), 0) != sizeof(id))
		id = (uint16_t)time(NULL);
	/* RFC 8484 recommends id 0 for caching; a random id proves the echo */
	ldns_pkt_set_id(q, id);
	if (ldns_pkt2wire(&wire, q, &wlen) != LDNS_STATUS_OK) {
		ldns_pkt_free(q);
		return error("cannot encode the DNS query for '%s'", name);
	}
	res->request_bytes = wlen;
	c = curl_easy_init();
	if (!c) {
		error("cannot create a libcurl handle");
		goto out;
	}
	if (post) {
		strbuf_addstr(&full, url);
		hdrs = curl_slist_append(hdrs, "Content-Type: application/dns-message");
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, (const char *)wire);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)wlen);
	} else {
		strbuf_addf(&full, "%s?dns=", url);
		doh_base64url(wire, wlen, &full);
	}
	hdrs = curl_slist_append(hdrs, "Accept: application/dns-message");
	curl_easy_setopt(c, CURLOPT_URL, full.buf);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	if (lab_enter(netns, &saved) < 0)
		goto out;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	cc = curl_easy_perform(c);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (lab_leave(saved) < 0)
		goto out;
	res->latency_ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
			  (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	if (cc != CURLE_OK)
		snprintf(res->curl_error, sizeof(res->curl_error), "%s", curl_easy_strerror(cc));
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &res->http_status);
	if (curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ctype) == CURLE_OK && ctype)
		snprintf(res->content_type, sizeof(res->content_type), "%s", ctype);
	res->response_bytes = body.len;
	if (body.len)
		doh_parse_reply((const uint8_t *)body.buf, body.len, id, res);
	ret = 0;
out:
	curl_slist_free_all(hdrs);
	if (c)
		curl_easy_cleanup(c);
	free(wire);
	ldns_pkt_free(q);
	strbuf_release(&full);
	strbuf_release(&body);
	return ret;
}

void doh_describe(const struct doh_result *res, struct strbuf *out)
{
	strbuf_addf(out,
		    "http_status=%ld content_type=%s request_bytes=%zu response_bytes=%zu "
		    "id_match=%d rcode=%s answers=%s latency_ms=%.1f",
		    res->http_status, *res->content_type ? res->content_type : "-",
		    res->request_bytes, res->response_bytes, res->id_match,
		    *res->rcode ? res->rcode : "-", *res->answers ? res->answers : "-",
		    res->latency_ms);
	if (*res->curl_error)
		strbuf_addf(out, " error=%s", res->curl_error);
}
