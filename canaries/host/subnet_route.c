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

int canary_subnet_route(struct scenario *s, struct canary_outcome *out);
int canary_subnet_route6(struct scenario *s, struct canary_outcome *out);

/*
 * GET url on a LAN host (its web log lan_log) over the advertised route
 * and require the request logged from src_addr ("a.b.c.d" or "[v6]").
 */
static int fetch_lan(struct scenario *s, struct canary_outcome *out, const char *url,
		     const char *lan_log, const char *src_addr)
{
	struct probe_site client = { s->peers->client_ns };
	char src[96], line[512];
	const char *needles[] = { src, "status=200", NULL };
	struct guestprobe res;
	size_t mark = log_mark(lan_log);

	snprintf(src, sizeof(src), "src=%s:", src_addr);
	out->verdict = VERDICT_PASS;
	if (probe_http(s, &client, out, "get", url, scaled(s, 8000), &res) < 0)
		return -1;
	if (res.exit_code != 0)
		canary_fail(out, res.exit_code == 2 ? "no-answer" : "wrong-answer",
			    "GET %s over the advertised route failed", url);
	else if (log_find_since(lan_log, mark, needles, line, sizeof(line)) < 0)
		canary_fail(out, "snat",
			    "the LAN host did not see the client's tailnet "
			    "address %s",
			    src_addr);
	else
		strbuf_addf(&out->detail, "lan log: %s\n", line);
	return 0;
}

int canary_subnet_route(struct scenario *s, struct canary_outcome *out)
{
	return fetch_lan(s, out, "http://" LAB_LANHOST "/subnet", s->peers->lan_log,
			 s->peers->client_ip4);
}

int canary_subnet_route6(struct scenario *s, struct canary_outcome *out)
{
	char src[80];

	if (!*s->peers->client_ip6) {
		out->verdict = VERDICT_PASS;
		canary_fail(out, "no-client-ip6",
			    "headscale gave the client no tailnet IPv6 address");
		return 0;
	}
	snprintf(src, sizeof(src), "[%s]", s->peers->client_ip6);
	return fetch_lan(s, out, "http://[" LAB_LANHOST6 "]/subnet6", s->peers->lan6_log, src);
}
