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

#include <stdio.h>

int canary_exitnode_traffic(struct scenario *s, struct canary_outcome *out);
int canary_exitnode_traffic6(struct scenario *s, struct canary_outcome *out);

/* One family's GET through the router as exit node. */
struct exit_get {
	const char *label; /* in the evidence */
	const char *url;
	const char *web_log; /* the web server's log */
	const char *wan;     /* the source it must log: "a.b.c.d" or "[v6]" */
	size_t mark;         /* the log's end before the GET */
	struct guestprobe res;
};

static const struct exit_get get4 = { .label = "get",
				      .url = "http://" LAB_WEB "/exit-traffic",
				      .wan = LAB_ROUTER_WAN };
static const struct exit_get get6 = { .label = "get6",
				      .url = "http://[" LAB_WEB6 "]/exit-traffic6",
				      .wan = "[" LAB_ROUTER_WAN6 "]" };

/*
 * exitnode-traffic6's GET when exitnode-traffic made it beside its own, in
 * the same exit-node window (both selected: one wait, not two, when the
 * router forwards nothing). exitnode-traffic6 then judges it instead of
 * asking again.
 */
static struct {
	int made;
	struct exit_get g;
} early6;

/* Judge g's GET: an answer, logged upstream from the router's WAN address. */
static void judge_get(struct canary_outcome *out, const struct exit_get *g)
{
	char src[96], line[512];
	const char *needles[] = { src, "status=200", NULL };

	snprintf(src, sizeof(src), "src=%s:", g->wan);
	out->verdict = VERDICT_PASS;
	if (g->res.exit_code != 0)
		canary_fail(out, g->res.exit_code == 2 ? "no-answer" : "wrong-answer",
			    "GET %s through the router as exit node failed", g->url);
	else if (log_find_since(g->web_log, g->mark, needles, line, sizeof(line)) < 0)
		canary_fail(out, "not-via-exit",
			    "the web server did not see the request from "
			    "the router's WAN address %s",
			    g->wan);
	else
		strbuf_addf(&out->detail, "web log: %s\n", line);
}

/*
 * With the router as the client's exit node, make the GETs of set (n of
 * them) at once; the client's exit node is cleared again on every path.
 */
static int gets_via_router(struct scenario *s, struct canary_outcome *out, struct exit_get *set,
			   size_t n)
{
	struct probe_site client = { s->peers->client_ns };
	struct http_probe probes[2];
	int timeout_ms = scaled(s, 20000), ret = 0;

	if (node_use_exit(&s->peers->client, s->router_ip4, timeout_ms) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		set[i].mark = log_mark(set[i].web_log);
		probes[i] = (struct http_probe){
			&client, set[i].label, set[i].url, scaled(s, 8000), { 0 }
		};
	}
	if (probe_http_set(s, out, probes, n) < 0)
		ret = -1;
	for (size_t i = 0; i < n; i++)
		set[i].res = probes[i].res;
	if (node_use_exit(&s->peers->client, "", timeout_ms) < 0)
		ret = -1;
	return ret;
}

int canary_exitnode_traffic(struct scenario *s, struct canary_outcome *out)
{
	struct exit_get set[2] = { get4, get6 };
	size_t n = s->selected(s, "exitnode-traffic6") ? 2 : 1;

	set[0].web_log = s->peers->web_log;
	set[1].web_log = s->peers->web6_log;
	early6.made = 0;
	if (gets_via_router(s, out, set, n) < 0)
		return -1;
	judge_get(out, &set[0]);
	if (n == 2) {
		early6.g = set[1];
		early6.made = 1;
	}
	return 0;
}

int canary_exitnode_traffic6(struct scenario *s, struct canary_outcome *out)
{
	struct exit_get g = get6;

	if (early6.made) {
		early6.made = 0;
		strbuf_addf(&out->detail,
			    "%s: %s (made beside exitnode-traffic's GET, in its exit-node "
			    "window)\n",
			    early6.g.label, early6.g.res.line);
		judge_get(out, &early6.g);
		return 0;
	}
	g.web_log = s->peers->web6_log;
	if (gets_via_router(s, out, &g, 1) < 0)
		return -1;
	judge_get(out, &g);
	return 0;
}
