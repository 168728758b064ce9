/*
 * exitnode-dns-client: a laptop that uses the router as its exit node
 * resolves public names through it. The exit node proxies DNS over its
 * PeerAPI (/dns-query); without the PeerAPI server the client either keeps
 * asking its own resolver or, with none (a phone), answers SERVFAIL itself.
 */
#include "canary.h"

#include "guestprobe.h"
#include "log.h"
#include "node.h"
#include "peers.h"
#include "tailnet.h"
#include "zone.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int canary_exitnode_dns_client(struct scenario *s, struct canary_outcome *out);

/* One lookup from the client netns; checks the answer and who asked upstream. */
static int lookup_via_exit(struct scenario *s, struct canary_outcome *out, const char *label,
			   const char *zone_addr)
{
	struct probe_site client = { s->peers->client_ns };
	struct guestprobe res;
	size_t mark = log_mark(s->upstream_dns_log);
	const char *needles[] = { "src=" LAB_ROUTER_WAN ":", "qname=www.canary.test", NULL };
	char line[512];

	if (probe_dns(s, &client, out, label, LAB_QUAD100, "www.canary.test", "udp", zone_addr,
		      (int)(5000 * s->timeout_scale), &res) < 0)
		return -1;
	if (res.latency_ms >= 0) {
		char key[64];

		snprintf(key, sizeof(key), "%s_latency_ms", label);
		json_object_set_new(out->figures, key, json_real(res.latency_ms));
	}
	if (res.exit_code != 0) {
		canary_fail(out, "not-via-exit", "%s: the client did not get the upstream answer "
			    "through the router (%s)", label,
			    res.exit_code == 2 ? "no answer" : "wrong answer or rcode");
		return 0;
	}
	if (log_find_since(s->upstream_dns_log, mark, needles, line, sizeof(line)) < 0) {
		canary_fail(out, "not-via-exit", "%s: upstream DNS never saw the query from the "
			    "router's WAN address %s", label, LAB_ROUTER_WAN);
		return 0;
	}
	strbuf_addf(&out->detail, "%s upstream log: %s\n", label, line);
	return 0;
}

int canary_exitnode_dns_client(struct scenario *s, struct canary_outcome *out)
{
	char zone_path[512], zone_addr[128];
	int timeout_ms = (int)(20000 * s->timeout_scale), ret = -1;

	snprintf(zone_path, sizeof(zone_path), "%s/" ZONE_UPSTREAM, s->fixtures_dir);
	if (zone_lookup(zone_path, "www.canary.test", 0, zone_addr, sizeof(zone_addr)) < 0)
		return -1;
	out->verdict = VERDICT_PASS;
	if (client_use_exit(s, s->router_ip4, timeout_ms) < 0)
		return -1;
	if (lookup_via_exit(s, out, "own-resolver", zone_addr) < 0)
		goto restore;
	/* as on a phone: no resolver of its own, Tailscale owns DNS */
	if (node_restart(&s->peers->client, "") < 0 ||
	    client_use_exit(s, s->router_ip4, timeout_ms) < 0 ||
	    client_reaches(s, s->router_ip4, timeout_ms) < 0)
		goto restore;
	if (lookup_via_exit(s, out, "no-resolver", zone_addr) < 0)
		goto restore;
	ret = 0;
restore:
	if (node_restart(&s->peers->client, "nameserver " LAB_DNS_CLIENT "\n") < 0 ||
	    client_use_exit(s, "", timeout_ms) < 0)
		ret = -1;
	return ret;
}
