/*
 * router-uses-route: the router accepts the subnet routes other nodes
 * share (`tailscale up --accept-routes`, as a RouterOS user runs it; RouterOS
 * then routes those subnets via the container). A site peer joins with a
 * subnet of its own, 198.51.100.210/32 (a web server on its loopback, which
 * nothing outside its namespace can reach: it answers no ARP for it), and
 * shares it; once control approves it, the router's GET to that address
 * must be answered over the tailnet (the site's web server sees the
 * router's tailnet address). A build without route acceptance routes it
 * out of RouterOS's WAN, where nothing answers.
 */
#include "canary.h"

#include "clock.h"
#include "guestprobe.h"
#include "headscale.h"
#include "lab.h"
#include "log.h"
#include "node.h"
#include "peers.h"
#include "tailnet.h"
#include "undo.h"

#include <poll.h>
#include <stdio.h>
#include <string.h>

#define SITE_NAME  "sitepeer"
#define SITE_ROLE  "si"
#define SITE_USER  "sites"
#define SITE_CIDR  "198.51.100.42/24"
#define SITE_HOST  "198.51.100.210"
#define SITE_ROUTE SITE_HOST "/32"

int canary_router_uses_route(struct scenario *s, struct canary_outcome *out);

static int scaled(const struct scenario *s, int ms)
{
	return (int)(ms * s->timeout_scale);
}

struct site {
	struct node node;
	int node_up;
	unsigned long long id;
	int registered;
	char ip4[64];
	char *log;
};

/* The site's own subnet: a loopback address with a web server, answered over the tailnet only. */
static int site_subnet(struct scenario *s, struct site *st)
{
	if (lab_sysctl(s->lab, st->node.netns, "net.ipv4.conf.all.arp_ignore", "1") < 0 ||
	    lab_add_addr(s->lab, st->node.netns, "lo", SITE_ROUTE) < 0)
		return -1;
	st->log = xasprintf("%s/site-web.log", s->logdir);
	return lab_start_httpd(s->peers_spec->httpd, st->node.netns, SITE_HOST, "site", st->log,
			       scaled(s, 10000)) ? 0 : -1;
}

/* Whether the router's netmap lists the site's route as a primary route. */
static int router_has_route(struct scenario *s, const char *site_ip, struct strbuf *seen)
{
	static const char *const args[] = { "status", "--json", NULL };
	struct strbuf o = STRBUF_INIT;
	json_t *st, *peer;
	char **routes = NULL;
	int found = 0;

	router_cli(s, args, scaled(s, 15000), &o, NULL);
	st = o.len ? json_loadb(o.buf, o.len, 0, NULL) : NULL;
	peer = st ? node_status_peer(st, site_ip) : NULL;
	routes = peer ? node_peer_routes(peer, NODE_ROUTES_PRIMARY, NULL) : NULL;
	strbuf_reset(seen);
	strbuf_addstr(seen, peer ? "site's routes:" : "the site is not among the router's peers");
	for (size_t i = 0; routes && routes[i]; i++) {
		strbuf_addf(seen, " %s", routes[i]);
		found |= !strcmp(routes[i], SITE_ROUTE);
	}
	node_routes_free(routes);
	json_decref(st);
	strbuf_release(&o);
	return found;
}

static int check(struct scenario *s, struct canary_outcome *out, struct site *st)
{
	static const char *const flags[] = { "--advertise-routes=" SITE_ROUTE, NULL };
	const struct extra_node_spec spec = { SITE_NAME, SITE_ROLE, SITE_CIDR, SITE_USER, flags };
	const char *approve[] = { SITE_ROUTE, NULL };
	struct probe_site router = { NULL };
	struct strbuf seen = STRBUF_INIT;
	struct guestprobe res;
	char src[96], line[512];
	const char *needles[] = { src, "path=/site", NULL };
	double deadline;
	size_t mark;
	int have = 0, ret = -1;

	if (extra_node_join(s, &spec, &st->node, &st->node_up, &st->id, st->ip4, sizeof(st->ip4)) < 0)
		goto out;
	st->registered = 1;
	if (site_subnet(s, st) < 0 || headscale_approve_routes(s->hs, st->id, approve) < 0)
		goto out;
	strbuf_addf(&out->detail, "site peer %s (%s) shares %s, approved\n", SITE_NAME, st->ip4,
		    SITE_ROUTE);
	deadline = mono_s() + scaled(s, 30000) / 1000.0;
	while (!(have = router_has_route(s, st->ip4, &seen)) && mono_s() < deadline && !interrupted())
		poll(NULL, 0, 500);
	strbuf_addf(&out->detail, "router's view: %s\n", strbuf_str(&seen));
	if (!have) {
		canary_fail(out, "route-unseen", "the router never listed the approved route %s",
			    SITE_ROUTE);
		ret = 0;
		goto out;
	}
	snprintf(src, sizeof(src), "src=%s:", s->router_ip4);
	mark = log_mark(st->log);
	if (probe_http(s, &router, out, "router-get", "http://" SITE_HOST "/site", scaled(s, 10000),
		       &res) < 0)
		goto out;
	if (res.exit_code != 0)
		canary_fail(out, guestprobe_signature(res.exit_code), "the router's GET to %s, "
			    "behind an accepted route, failed", SITE_HOST);
	else if (log_find_since(st->log, mark, needles, line, sizeof(line)) < 0)
		canary_fail(out, "not-via-tailnet", "the site's web server did not see the router's "
			    "tailnet address %s", s->router_ip4);
	else
		strbuf_addf(&out->detail, "site log: %s\n", line);
	ret = 0;
out:
	strbuf_release(&seen);
	return ret;
}

int canary_router_uses_route(struct scenario *s, struct canary_outcome *out)
{
	struct site st;
	size_t base = undo_depth();
	int ret;

	memset(&st, 0, sizeof(st));
	out->verdict = VERDICT_PASS;
	ret = check(s, out, &st);
	/* leave no node, route or netns behind for the next canary */
	if (extra_node_leave(s, &st.node, st.node_up, st.registered, st.id, base) < 0)
		ret = -1;
	free(st.log);
	return ret;
}
