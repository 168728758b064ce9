/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * exitnode-dns-client: devices that use the router as their exit node
 * resolve public names through it. The exit node proxies DNS over its
 * PeerAPI (/dns-query); without the PeerAPI server a laptop keeps asking
 * its own resolver (a different answer here), and a phone, which has no
 * resolver of its own, gets an instant SERVFAIL from its own tailscaled.
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

/*
 * One device: use the router as exit node, resolve, check who asked
 * upstream.
 */
static int lookup_via_exit(struct scenario *s, struct canary_outcome *out, const char *label,
			   struct node *dev, const char *netns, const char *zone_addr)
{
	struct probe_site site = { netns };
	struct guestprobe res;
	const char *needles[] = { "src=" LAB_ROUTER_WAN ":", "qname=www.canary.test", NULL };
	int timeout_ms = scaled(s, 20000), ret = 0;
	size_t mark;
	char line[512];

	if (node_use_exit(dev, s->router_ip4, timeout_ms) < 0)
		return -1;
	/*
	 * The device routes DNS to the exit node's DoH once it has learnt the
	 * router's PeerAPI services through control; let that settle, then ask
	 * either way: without the PeerAPI server it never comes. The settling
	 * is the router's: one window from its coming online, for both devices
	 * and every canary that needs it.
	 */
	if (router_peerapi_wait(s, dev, NULL, 0) < 0)
		strbuf_addf(&out->detail,
			    "%s: no PeerAPI URL for the router within %d s of its coming online\n",
			    label, scaled(s, PEERAPI_SETTLE_MS / 1000));
	mark = log_mark(s->upstream_dns_log);
	if (probe_dns(s, &site, out, label, LAB_QUAD100, "www.canary.test", "udp", zone_addr,
		      scaled(s, 5000), &res) < 0) {
		ret = -1;
		goto restore;
	}
	if (res.latency_ms >= 0) {
		char key[64];

		snprintf(key, sizeof(key), "%s_latency_ms", label);
		json_object_set_new(out->figures, key, json_real(res.latency_ms));
	}
	if (res.exit_code != 0)
		canary_fail(out, "not-via-exit", "%s: no upstream answer through the router (%s)",
			    label, res.exit_code == 2 ? "no answer" : "wrong answer or rcode");
	else if (log_find_since(s->upstream_dns_log, mark, needles, line, sizeof(line)) < 0)
		canary_fail(out, "not-via-exit",
			    "%s: upstream DNS never saw the query from the "
			    "router's WAN address %s",
			    label, LAB_ROUTER_WAN);
	else
		strbuf_addf(&out->detail, "%s upstream log: %s\n", label, line);
restore:
	if (node_use_exit(dev, "", timeout_ms) < 0)
		ret = -1;
	return ret;
}

int canary_exitnode_dns_client(struct scenario *s, struct canary_outcome *out)
{
	char zone_path[512], zone_addr[128];

	snprintf(zone_path, sizeof(zone_path), "%s/" ZONE_UPSTREAM, s->fixtures_dir);
	if (zone_lookup(zone_path, "www.canary.test", 0, zone_addr, sizeof(zone_addr)) < 0)
		return -1;
	out->verdict = VERDICT_PASS;
	/* the laptop's own resolver answers canary.test differently: a leak shows */
	if (lookup_via_exit(s, out, "laptop", &s->peers->client, s->peers->client_ns, zone_addr) <
	    0)
		return -1;
	/* the phone has no resolver of its own: Tailscale owns its DNS */
	return lookup_via_exit(s, out, "phone", &s->peers->phone, s->peers->phone_ns, zone_addr);
}
