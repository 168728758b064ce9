/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * subnet-route and subnet-route6: a tailnet client reaches the LAN behind
 * the router over the routes the router advertises, 172.20.0.0/24 and
 * fd00:172:20::/64, without SNAT: the LAN host sees the client's own
 * tailnet address of that family (--snat-subnet-routes=false). The router
 * forwards IPv6 only when IPv6 forwarding is on in the container, which the
 * image's entrypoint switches on apart from IPv4's.
 */
#include "canary.h"

#include "guestprobe.h"
#include "peers.h"
#include "tailnet.h"
#include "webget.h"

#include <stdio.h>

int canary_subnet_route(struct scenario *s, struct canary_outcome *out);
int canary_subnet_route6(struct scenario *s, struct canary_outcome *out);

/* subnet-route6's GET when subnet-route made it beside its own. */
static struct sibling_get early6;

static void lan_get4(struct scenario *s, struct web_get *g)
{
	web_get_init(g, "get", "http://" LAB_LANHOST "/subnet", s->peers->lan_log,
		     s->peers->client_ip4);
}

/* 0 with g set, or -1 when headscale gave the client no tailnet IPv6 address. */
static int lan_get6(struct scenario *s, struct web_get *g)
{
	char addr[80];

	if (!*s->peers->client_ip6)
		return -1;
	snprintf(addr, sizeof(addr), "[%s]", s->peers->client_ip6);
	web_get_init(g, "get6", "http://[" LAB_LANHOST6 "]/subnet6", s->peers->lan6_log, addr);
	return 0;
}

/* Judge g's GET: an answer, logged by the LAN host from the client's own address. */
static void judge_get(struct canary_outcome *out, const struct web_get *g)
{
	char line[512], addr[96];

	out->verdict = VERDICT_PASS;
	if (g->res.exit_code != 0)
		canary_fail(out, g->res.exit_code == 2 ? "no-answer" : "wrong-answer",
			    "GET %s over the advertised route failed", g->url);
	else if (web_get_seen(g, line, sizeof(line)) < 0)
		canary_fail(out, "snat",
			    "the LAN host did not see the client's tailnet "
			    "address %s",
			    web_get_addr(g, addr, sizeof(addr)));
	else
		strbuf_addf(&out->detail, "lan log: %s\n", line);
}

int canary_subnet_route(struct scenario *s, struct canary_outcome *out)
{
	struct probe_site client = { s->peers->client_ns };
	struct web_get set[2];
	size_t n = 1;

	sibling_keep(&early6, NULL, 0);
	lan_get4(s, &set[0]);
	if (s->selected(s, "subnet-route6") && lan_get6(s, &set[1]) == 0)
		n = 2;
	if (web_gets(s, out, &client, set, n, scaled(s, PROBE_ANSWER_MS)) < 0)
		return -1;
	judge_get(out, &set[0]);
	sibling_keep(&early6, set, n);
	return 0;
}

int canary_subnet_route6(struct scenario *s, struct canary_outcome *out)
{
	struct probe_site client = { s->peers->client_ns };
	struct web_get g;

	if (!sibling_take(&early6, out, "subnet-route", &g)) {
		if (lan_get6(s, &g) < 0) {
			out->verdict = VERDICT_PASS;
			canary_fail(out, "no-client-ip6",
				    "headscale gave the client no tailnet IPv6 address");
			return 0;
		}
		if (web_gets(s, out, &client, &g, 1, scaled(s, PROBE_ANSWER_MS)) < 0)
			return -1;
	}
	judge_get(out, &g);
	return 0;
}
