/*
 * no-panic: packets tailscaled injects itself (TSMP pings and pongs) go
 * through net/tstun's injected-read path; a build without netstack panicked
 * there in invertGSOChecksum. Pings both ways, then the sentinel must hold
 * and the LocalAPI still answer.
 */
#include "canary.h"

#include "node.h"
#include "peers.h"
#include "tailnet.h"

#include <stdio.h>
#include <stdlib.h>

int canary_no_panic(struct scenario *s, struct canary_outcome *out);

int canary_no_panic(struct scenario *s, struct canary_outcome *out)
{
	const char *to_client[] = { "ping", "--tsmp", "--c=3", "--timeout=5s",
				    s->peers->client_ip4, NULL };
	const char *to_router[] = { "ping", "--tsmp", "--c=3", "--timeout=5s", s->router_ip4,
				    NULL };
	const char *status[] = { "status", "--json", NULL };
	struct strbuf o = STRBUF_INIT, e = STRBUF_INIT;
	const char *sig = "";
	int st = 0, holds;

	out->verdict = VERDICT_PASS;
	router_cli(s, to_client, (int)(30000 * s->timeout_scale), &o, &e);
	strbuf_rtrim(&o);
	strbuf_rtrim(&e);
	strbuf_addf(&out->detail, "router -> client tsmp ping: %s %s\n", strbuf_str(&o),
		    strbuf_str(&e));
	strbuf_reset(&o);
	strbuf_reset(&e);
	node_cli(&s->peers->client, to_router, (int)(30000 * s->timeout_scale), &o, &e, &st);
	strbuf_rtrim(&o);
	strbuf_rtrim(&e);
	strbuf_addf(&out->detail, "client -> router tsmp ping: %s %s\n", strbuf_str(&o),
		    strbuf_str(&e));
	strbuf_release(&o);
	strbuf_release(&e);
	holds = sentinel_holds(s, s->router_ts_pid, s->router_ts_log, &out->detail, &sig);
	if (holds < 0)
		return -1;
	if (!holds) {
		canary_fail(out, sig, "tailscaled did not survive injected TSMP packets (%s)", sig);
		return 0;
	}
	if (router_cli(s, status, 15000, NULL, NULL) < 0)
		canary_fail(out, "localapi", "the router's LocalAPI did not answer status --json");
	return 0;
}
