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

#include <stdio.h>
#include <string.h>

int canary_subnet_route(struct scenario *s, struct canary_outcome *out);
int canary_subnet_route6(struct scenario *s, struct canary_outcome *out);

/* One family's GET to a LAN host over the advertised route. */
struct lan_get {
	const char *label; /* in the evidence */
	const char *url;
	const char *lan_log; /* the LAN host's web log */
	char src[96];        /* the source it must log: "src=a.b.c.d:" or "src=[v6]:" */
	size_t mark;         /* the log's end before the GET */
	struct guestprobe res;
};

/*
 * subnet-route6's GET when subnet-route made it beside its own (both
 * selected and the client has a tailnet IPv6 address: one wait, not two,
 * when the router forwards nothing). subnet-route6 then judges it instead
 * of asking again.
 */
static struct {
	int made;
	struct lan_get g;
} early6;

static void lan_get4(struct scenario *s, struct lan_get *g)
{
	*g = (struct lan_get){ .label = "get",
			       .url = "http://" LAB_LANHOST "/subnet",
			       .lan_log = s->peers->lan_log };
	snprintf(g->src, sizeof(g->src), "src=%s:", s->peers->client_ip4);
}

/* 0 with g set, or -1 when headscale gave the client no tailnet IPv6 address. */
static int lan_get6(struct scenario *s, struct lan_get *g)
{
	if (!*s->peers->client_ip6)
		return -1;
	*g = (struct lan_get){ .label = "get6",
			       .url = "http://[" LAB_LANHOST6 "]/subnet6",
			       .lan_log = s->peers->lan6_log };
	snprintf(g->src, sizeof(g->src), "src=[%s]:", s->peers->client_ip6);
	return 0;
}

/* Make the GETs of set (n of them) from the client at once. */
static int gets_over_route(struct scenario *s, struct canary_outcome *out, struct lan_get *set,
			   size_t n)
{
	struct probe_site client = { s->peers->client_ns };
	struct http_probe probes[2];

	for (size_t i = 0; i < n; i++) {
		set[i].mark = log_mark(set[i].lan_log);
		probes[i] = (struct http_probe){
			&client, set[i].label, set[i].url, scaled(s, 8000), { 0 }
		};
	}
	if (probe_http_set(s, out, probes, n) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		set[i].res = probes[i].res;
	return 0;
}

/* Judge g's GET: an answer, logged by the LAN host from the client's own address. */
static void judge_get(struct canary_outcome *out, const struct lan_get *g)
{
	char line[512];
	const char *needles[] = { g->src, "status=200", NULL };

	out->verdict = VERDICT_PASS;
	if (g->res.exit_code != 0)
		canary_fail(out, g->res.exit_code == 2 ? "no-answer" : "wrong-answer",
			    "GET %s over the advertised route failed", g->url);
	else if (log_find_since(g->lan_log, g->mark, needles, line, sizeof(line)) < 0)
		canary_fail(out, "snat",
			    "the LAN host did not see the client's tailnet "
			    "address %.*s",
			    (int)strlen(g->src) - 5, g->src + 4);
	else
		strbuf_addf(&out->detail, "lan log: %s\n", line);
}

int canary_subnet_route(struct scenario *s, struct canary_outcome *out)
{
	struct lan_get set[2];
	size_t n = 1;

	early6.made = 0;
	lan_get4(s, &set[0]);
	if (s->selected(s, "subnet-route6") && lan_get6(s, &set[1]) == 0)
		n = 2;
	if (gets_over_route(s, out, set, n) < 0)
		return -1;
	judge_get(out, &set[0]);
	if (n == 2) {
		early6.g = set[1];
		early6.made = 1;
	}
	return 0;
}

int canary_subnet_route6(struct scenario *s, struct canary_outcome *out)
{
	struct lan_get g;

	if (early6.made) {
		early6.made = 0;
		strbuf_addf(&out->detail, "%s: %s (made beside subnet-route's GET)\n",
			    early6.g.label, early6.g.res.line);
		judge_get(out, &early6.g);
		return 0;
	}
	if (lan_get6(s, &g) < 0) {
		out->verdict = VERDICT_PASS;
		canary_fail(out, "no-client-ip6",
			    "headscale gave the client no tailnet IPv6 address");
		return 0;
	}
	if (gets_over_route(s, out, &g, 1) < 0)
		return -1;
	judge_get(out, &g);
	return 0;
}
