/*
 * subnet-route: a tailnet client reaches the LAN behind the router over
 * the 172.20.0.0/24 route the router advertises, without SNAT (the LAN
 * host sees the client's own tailnet address, --snat-subnet-routes=false).
 */
#include "canary.h"

#include "guestprobe.h"
#include "peers.h"
#include "tailnet.h"

#include <stdio.h>

int canary_subnet_route(struct scenario *s, struct canary_outcome *out);

int canary_subnet_route(struct scenario *s, struct canary_outcome *out)
{
	struct probe_site client = { s->peers->client_ns };
	char src[96], line[512];
	const char *needles[] = { src, "status=200", NULL };
	struct guestprobe res;
	size_t mark = log_mark(s->peers->lan_log);

	snprintf(src, sizeof(src), "src=%s:", s->peers->client_ip4);
	out->verdict = VERDICT_PASS;
	if (probe_http(s, &client, out, "get", "http://" LAB_LANHOST "/subnet",
		       (int)(8000 * s->timeout_scale), &res) < 0)
		return -1;
	if (res.exit_code != 0)
		canary_fail(out, res.exit_code == 2 ? "no-answer" : "wrong-answer",
			    "GET http://%s/ over the advertised route failed", LAB_LANHOST);
	else if (log_find_since(s->peers->lan_log, mark, needles, line, sizeof(line)) < 0)
		canary_fail(out, "snat", "the LAN host did not see the client's tailnet "
			    "address %s", s->peers->client_ip4);
	else
		strbuf_addf(&out->detail, "lan log: %s\n", line);
	return 0;
}
