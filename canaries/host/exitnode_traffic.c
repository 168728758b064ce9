/*
 * exitnode-traffic: a laptop using the router as exit node reaches the
 * internet through it, and the internet sees the router's WAN address.
 */
#include "canary.h"

#include "guestprobe.h"
#include "node.h"
#include "peers.h"
#include "tailnet.h"

#include <stdio.h>

int canary_exitnode_traffic(struct scenario *s, struct canary_outcome *out);

int canary_exitnode_traffic(struct scenario *s, struct canary_outcome *out)
{
	struct probe_site client = { s->peers->client_ns };
	const char *needles[] = { "src=" LAB_ROUTER_WAN ":", "status=200", NULL };
	int timeout_ms = (int)(20000 * s->timeout_scale), ret = 0;
	struct guestprobe res;
	size_t mark;
	char line[512];

	out->verdict = VERDICT_PASS;
	if (node_use_exit(&s->peers->client, s->router_ip4, timeout_ms) < 0)
		return -1;
	mark = log_mark(s->peers->web_log);
	if (probe_http(s, &client, out, "get", "http://" LAB_WEB "/exit-traffic",
		       (int)(8000 * s->timeout_scale), &res) < 0)
		ret = -1;
	else if (res.exit_code != 0)
		canary_fail(out, res.exit_code == 2 ? "no-answer" : "wrong-answer",
			    "GET http://%s/ through the router as exit node failed", LAB_WEB);
	else if (log_find_since(s->peers->web_log, mark, needles, line, sizeof(line)) < 0)
		canary_fail(out, "not-via-exit", "the web server did not see the request from "
			    "the router's WAN address %s", LAB_ROUTER_WAN);
	else
		strbuf_addf(&out->detail, "web log: %s\n", line);
	if (node_use_exit(&s->peers->client, "", timeout_ms) < 0)
		ret = -1;
	return ret;
}
