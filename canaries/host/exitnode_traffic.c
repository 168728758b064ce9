/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * exitnode-traffic and exitnode-traffic6: a laptop using the router as exit
 * node reaches the internet through it, and the internet sees the RouterOS
 * host's WAN address, over IPv4 and over IPv6.
 *
 * For IPv6 the container forwards the client's fd7a:115c:a1e0:: source
 * unchanged (--snat-subnet-routes=false). RouterOS has no default IPv6
 * masquerade, so it is the user's own srcnat rule, and route back to the
 * tailnet prefix, that gets the traffic out and its replies back.
 */
#include "canary.h"

#include "guestprobe.h"
#include "node.h"
#include "peers.h"
#include "tailnet.h"
#include "webget.h"

#include <stdio.h>

int canary_exitnode_traffic(struct scenario *s, struct canary_outcome *out);
int canary_exitnode_traffic6(struct scenario *s, struct canary_outcome *out);

/* exitnode-traffic6's GET when exitnode-traffic made it, in its exit-node window. */
static struct sibling_get early6;

/* The two families' GETs: the web server must log them from the router's WAN address. */
static void exit_gets(struct scenario *s, struct web_get *set)
{
	web_get_init(&set[0], "get", "http://" LAB_WEB "/exit-traffic", s->peers->web_log,
		     LAB_ROUTER_WAN);
	web_get_init(&set[1], "get6", "http://[" LAB_WEB6 "]/exit-traffic6", s->peers->web6_log,
		     "[" LAB_ROUTER_WAN6 "]");
}

/* Judge g's GET: an answer, logged upstream from the router's WAN address. */
static void judge_get(struct canary_outcome *out, const struct web_get *g)
{
	char line[512], addr[96];

	out->verdict = VERDICT_PASS;
	if (g->res.exit_code != 0)
		canary_fail(out, g->res.exit_code == 2 ? "no-answer" : "wrong-answer",
			    "GET %s through the router as exit node failed", g->url);
	else if (web_get_seen(g, line, sizeof(line)) < 0)
		canary_fail(out, "not-via-exit",
			    "the web server did not see the request from "
			    "the router's WAN address %s",
			    web_get_addr(g, addr, sizeof(addr)));
	else
		strbuf_addf(&out->detail, "web log: %s\n", line);
}

/*
 * With the router as the client's exit node, make the GETs of set (n of
 * them) at once; the client's exit node is cleared again on every path.
 */
static int gets_via_router(struct scenario *s, struct canary_outcome *out, struct web_get *set,
			   size_t n)
{
	struct probe_site client = { s->peers->client_ns };
	int timeout_ms = scaled(s, 20000), ret = 0;

	if (node_use_exit(&s->peers->client, s->router_ip4, timeout_ms) < 0)
		return -1;
	if (web_gets(s, out, &client, set, n, scaled(s, PROBE_ANSWER_MS)) < 0)
		ret = -1;
	if (node_use_exit(&s->peers->client, "", timeout_ms) < 0)
		ret = -1;
	return ret;
}

int canary_exitnode_traffic(struct scenario *s, struct canary_outcome *out)
{
	struct web_get set[2];
	size_t n = s->selected(s, "exitnode-traffic6") ? 2 : 1;

	sibling_keep(&early6, NULL, 0);
	exit_gets(s, set);
	if (gets_via_router(s, out, set, n) < 0)
		return -1;
	judge_get(out, &set[0]);
	sibling_keep(&early6, set, n);
	return 0;
}

int canary_exitnode_traffic6(struct scenario *s, struct canary_outcome *out)
{
	struct web_get set[2];

	if (!sibling_take(&early6, out, "exitnode-traffic", &set[1])) {
		exit_gets(s, set);
		if (gets_via_router(s, out, &set[1], 1) < 0)
			return -1;
	}
	judge_get(out, &set[1]);
	return 0;
}
