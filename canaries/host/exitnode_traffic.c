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

/*
 * With the router as the client's exit node, GET url (a web server whose
 * log is web_log) and require the request logged from wan ("a.b.c.d" or
 * "[v6]"); the client's exit node is cleared again on every path.
 */
static int fetch_via_router(struct scenario *s, struct canary_outcome *out, const char *url,
			    const char *web_log, const char *wan)
{
	struct probe_site client = { s->peers->client_ns };
	char src[96], line[512];
	const char *needles[] = { src, "status=200", NULL };
	int timeout_ms = scaled(s, 20000), ret = 0;
	struct guestprobe res;
	size_t mark;

	snprintf(src, sizeof(src), "src=%s:", wan);
	out->verdict = VERDICT_PASS;
	if (node_use_exit(&s->peers->client, s->router_ip4, timeout_ms) < 0)
		return -1;
	mark = log_mark(web_log);
	if (probe_http(s, &client, out, "get", url, scaled(s, 8000), &res) < 0)
		ret = -1;
	else if (res.exit_code != 0)
		canary_fail(out, res.exit_code == 2 ? "no-answer" : "wrong-answer",
			    "GET %s through the router as exit node failed", url);
	else if (log_find_since(web_log, mark, needles, line, sizeof(line)) < 0)
		canary_fail(out, "not-via-exit",
			    "the web server did not see the request from "
			    "the router's WAN address %s",
			    wan);
	else
		strbuf_addf(&out->detail, "web log: %s\n", line);
	if (node_use_exit(&s->peers->client, "", timeout_ms) < 0)
		ret = -1;
	return ret;
}

int canary_exitnode_traffic(struct scenario *s, struct canary_outcome *out)
{
	return fetch_via_router(s, out, "http://" LAB_WEB "/exit-traffic", s->peers->web_log,
				LAB_ROUTER_WAN);
}

int canary_exitnode_traffic6(struct scenario *s, struct canary_outcome *out)
{
	return fetch_via_router(s, out, "http://[" LAB_WEB6 "]/exit-traffic6", s->peers->web6_log,
				"[" LAB_ROUTER_WAN6 "]");
}
