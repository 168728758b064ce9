/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * peerapi-doh: the router's PeerAPI serves DNS-over-HTTPS-style queries on
 * /dns-query (RFC 8484 wire format over plain HTTP on the tailnet), GET and
 * POST; this is what exit-node clients use for DNS.
 */
#include "canary.h"

#include "doh.h"
#include "guestprobe.h"
#include "node.h"
#include "peers.h"
#include "tailnet.h"
#include "zone.h"

#include <stdio.h>
#include <string.h>

int canary_peerapi_doh(struct scenario *s, struct canary_outcome *out);

int canary_peerapi_doh(struct scenario *s, struct canary_outcome *out)
{
	char zone_path[512], zone_addr[128], url[256], base[200];
	int timeout_ms = scaled(s, PROBE_ANSWER_MS);

	snprintf(zone_path, sizeof(zone_path), "%s/" ZONE_UPSTREAM, s->fixtures_dir);
	if (zone_lookup(zone_path, "www.canary.test", 0, zone_addr, sizeof(zone_addr)) < 0)
		return -1;
	out->verdict = VERDICT_PASS;
	if (router_peerapi_wait(s, &s->peers->client, base, sizeof(base)) < 0) {
		canary_fail(out, "no-peerapi",
			    "the client's status shows no PeerAPI URL for the "
			    "router %s within %d s of its coming online",
			    s->router_ip4, scaled(s, PEERAPI_SETTLE_MS / 1000));
		return 0;
	}
	snprintf(url, sizeof(url), "%s/dns-query", base);
	strbuf_addf(&out->detail, "url: %s\n", url);
	for (int post = 0; post <= 1; post++) {
		struct doh_result r;
		const char *m = post ? "POST" : "GET";
		char key[64];

		if (doh_query(s->peers->client_ns, url, "www.canary.test", post, timeout_ms, &r) <
		    0)
			return -1;
		strbuf_addf(&out->detail, "%s: ", m);
		doh_describe(&r, &out->detail);
		strbuf_addch(&out->detail, '\n');
		snprintf(key, sizeof(key), "%s_latency_ms", post ? "post" : "get");
		json_object_set_new(out->figures, key, json_real(r.latency_ms));
		snprintf(key, sizeof(key), "%s_http_status", post ? "post" : "get");
		json_object_set_new(out->figures, key, json_integer(r.http_status));
		snprintf(key, sizeof(key), "%s_response_bytes", post ? "post" : "get");
		json_object_set_new(out->figures, key, json_integer((json_int_t)r.response_bytes));
		if (r.http_status == 0)
			canary_fail(out, "no-peerapi", "%s %s: no HTTP answer (%s)", m, url,
				    r.curl_error);
		else if (r.http_status != 200 ||
			 strncmp(r.content_type, "application/dns-message", 23))
			canary_fail(out, "doh-refused", "%s: HTTP %ld, content type '%s'", m,
				    r.http_status, r.content_type);
		else if (!r.id_match || strcmp(r.rcode, "NOERROR") || strcmp(r.answers, zone_addr))
			canary_fail(out, "wrong-answer",
				    "%s: id_match=%d rcode=%s answers=%s, "
				    "want NOERROR %s",
				    m, r.id_match, r.rcode, r.answers, zone_addr);
	}
	return 0;
}
