/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * router-uses-exit: the router itself uses another node (the exit node at
 * 198.51.100.30) as its exit node: its own traffic and its MagicDNS
 * forwarding leave through that node. The router then resolves public
 * names over the exit node's PeerAPI DoH, which needs the PeerAPI client.
 */
#include "canary.h"

#include "clock.h"
#include "guestprobe.h"
#include "kv.h"
#include "lab.h"
#include "log.h"
#include "node.h"
#include "peers.h"
#include "tailnet.h"
#include "undo.h"
#include "zone.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int canary_router_uses_exit(struct scenario *s, struct canary_outcome *out);

/*
 * The undo of `tailscale set --advertise-exit-node=false --exit-node=IP`:
 * no exit node, and the routes the join advertised (the exit routes with
 * them) advertised again. Through the LocalAPI: the CLI is what this
 * canary tests, once; starting it again in the guest would only unpack the
 * packed binary once more.
 */
static const char restore_prefs[] = "{\"ExitNodeIDSet\":true,\"ExitNodeID\":\"\","
				    "\"ExitNodeIPSet\":true,\"ExitNodeIP\":\"\","
				    "\"AdvertiseRoutesSet\":true,\"AdvertiseRoutes\":"
				    "[\"0.0.0.0/0\",\"::/0\",\"" LAB_CTR_NET "\",\"" LAB_CTR6_NET
				    "\"]}";

/*
 * Wait until the router's own status (its LocalAPI's, what `tailscale
 * status --json` prints) shows ip (or none, for "") as its exit node.
 */
static int router_exit_is(struct scenario *s, const char *ip, int timeout_ms)
{
	double deadline = mono_s() + timeout_ms / 1000.0;

	while (mono_s() < deadline && !interrupted()) {
		json_t *st = router_status_json(s, 15000, 1), *peer = NULL;
		int done = 0;

		if (st && *ip) {
			peer = node_status_peer(st, ip);
			done = peer && node_peer_is_exit_node(peer);
		} else if (st) {
			done = !json_is_object(json_object_get(st, "ExitNodeStatus"));
		}
		json_decref(st);
		if (done)
			return 0;
		poll(NULL, 0, 250);
	}
	return error("the router did not switch its exit node to '%s' within %d s", ip,
		     timeout_ms / 1000);
}

int canary_router_uses_exit(struct scenario *s, struct canary_outcome *out)
{
	char zone_path[512], zone_addr[128], flag[96], line[512];
	const char *use[] = { "set", "--advertise-exit-node=false", flag, NULL };
	const char *web_needles[] = { "src=" LAB_EXIT ":", "status=200", NULL };
	const char *dns_needles[] = { "src=" LAB_EXIT ":", "qname=www.canary.test", NULL };
	int timeout_ms = scaled(s, 20000), ret = 0;
	struct strbuf err = STRBUF_INIT;
	struct guestprobe res;
	size_t mark;

	snprintf(zone_path, sizeof(zone_path), "%s/" ZONE_UPSTREAM, s->fixtures_dir);
	if (zone_lookup(zone_path, "www.canary.test", 0, zone_addr, sizeof(zone_addr)) < 0)
		return -1;
	snprintf(flag, sizeof(flag), "--exit-node=%s", s->peers->exit_ip4);
	out->verdict = VERDICT_PASS;
	if (router_cli(s, use, timeout_ms, NULL, &err) < 0) {
		strbuf_rtrim(&err);
		canary_fail(out, "cli-error", "tailscale set %s failed: %s", flag,
			    strbuf_str(&err));
		strbuf_release(&err);
		return 0;
	}
	strbuf_release(&err);
	if (router_exit_is(s, s->peers->exit_ip4, timeout_ms) < 0) {
		ret = -1;
		goto restore;
	}
	mark = log_mark(s->peers->web_log);
	if (probe_http(s, NULL, out, "router-get", "http://" LAB_WEB "/router-exit",
		       scaled(s, PROBE_ANSWER_MS), &res) < 0) {
		ret = -1;
		goto restore;
	}
	if (res.exit_code != 0)
		canary_fail(out, res.exit_code == 2 ? "no-answer" : "wrong-answer",
			    "GET http://%s/ from the router through the exit node failed", LAB_WEB);
	else if (log_find_since(s->peers->web_log, mark, web_needles, line, sizeof(line)) < 0)
		canary_fail(out, "not-via-exit",
			    "the web server did not see the router's request "
			    "from the exit node %s",
			    LAB_EXIT);
	else
		strbuf_addf(&out->detail, "web log: %s\n", line);
	mark = log_mark(s->upstream_dns_log);
	if (probe_dns(s, NULL, out, "router-dns", LAB_QUAD100, "www.canary.test", "udp", zone_addr,
		      scaled(s, 5000), &res) < 0) {
		ret = -1;
		goto restore;
	}
	if (res.latency_ms >= 0)
		json_object_set_new(out->figures, "dns_latency_ms", json_real(res.latency_ms));
	if (res.exit_code != 0) {
		char rcode[32] = "";

		/* SERVFAIL here is the forwarder's own answer: no upstream it can use */
		kv_get(res.line, "rcode", rcode, sizeof(rcode));
		canary_fail(
			out,
			!strcmp(rcode, "SERVFAIL") ? "servfail"
			: res.exit_code == 2       ? "no-answer"
						   : "wrong-answer",
			"the router could not resolve www.canary.test via 100.100.100.100 while "
			"using the exit node (%s)",
			*rcode ? rcode : "no answer");
	} else if (log_find_since(s->upstream_dns_log, mark, dns_needles, line, sizeof(line)) < 0)
		canary_fail(out, "not-via-exit",
			    "upstream DNS did not see the router's query from "
			    "the exit node %s",
			    LAB_EXIT);
	else
		strbuf_addf(&out->detail, "upstream dns log: %s\n", line);
restore:
	if (router_set_prefs(s, restore_prefs, "no exit node, exit routes advertised", timeout_ms) <
		    0 ||
	    router_exit_is(s, "", timeout_ms) < 0)
		ret = -1;
	return ret;
}
