/* SPDX-License-Identifier: BSD-3-Clause */
#include "peers.h"

#include "log.h"
#include "proc.h"
#include "strbuf.h"
#include "undo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Start the lab web server (httpd) in netns on addr, answering with name. */
/*
 * RouterOS's NAT-PMP service with the containers bridge as its internal
 * interface and the WAN as its external one (/ip nat-pmp): mappings become
 * dst-nat entries in the router namespace's dstnat chain.
 */
static struct proc *start_natpmpd(const struct lab *lab, const struct peers_spec *spec,
				  const char *log, int timeout_ms)
{
	const char *argv[] = { spec->natpmpd,  "-a",     LAB_CTR_GW, "-e",          LAB_ROUTER_WAN,
			       "-i",           lab->wan, "-t",       LAB_NAT_TABLE, "-c",
			       LAB_NAT_DSTNAT, "-l",     log,        NULL };
	struct proc_spec ps = { .name = "natpmpd", .argv = argv, .netns = lab->routeros };
	struct proc *p = proc_spawn(&ps);

	if (!p)
		return NULL;
	if (lab_wait_log(log, 0, "natpmpd: listening", timeout_ms, p) < 0) {
		error("NAT-PMP server in '%s' did not start (see %s)", lab->routeros, log);
		return NULL;
	}
	return p;
}

int peers_up_lab(struct peers *p, struct lab *lab, const struct peers_spec *spec)
{
	char *zone, eth[32];

	if (lab_name(lab, "cli", p->client_ns, sizeof(p->client_ns)) < 0 ||
	    lab_name(lab, "exit", p->exit_ns, sizeof(p->exit_ns)) < 0 ||
	    lab_name(lab, "lan", p->lan_ns, sizeof(p->lan_ns)) < 0 ||
	    lab_name(lab, "lan2", p->lan2_ns, sizeof(p->lan2_ns)) < 0 ||
	    lab_name(lab, "mob", p->phone_ns, sizeof(p->phone_ns)) < 0)
		return -1;
	/*
	 * The exit node holds a /32 with a device route to the stand-in
	 * internet: an exit node refuses to forward into a subnet on its own
	 * interfaces (a "guest wifi" guard), and the web server sits in
	 * 198.51.100.0/24 too.
	 */
	if (lab_add_host(lab, p->client_ns, lab->inet, lab->inet_br, LAB_CLIENT "/24", NULL) < 0 ||
	    lab_add_host(lab, p->phone_ns, lab->inet, lab->inet_br, LAB_PHONE "/24", NULL) < 0 ||
	    lab_add_host(lab, p->exit_ns, lab->inet, lab->inet_br, LAB_EXIT "/32", NULL) < 0 ||
	    lab_name(lab, "eth", eth, sizeof(eth)) < 0 ||
	    lab_add_route(lab, p->exit_ns, LAB_INET_NET, NULL, eth) < 0 ||
	    lab_add_host(lab, p->lan_ns, lab->routeros, lab->containers, LAB_LANHOST "/24",
			 LAB_CTR_GW) < 0 ||
	    lab_add_host(lab, p->lan2_ns, lab->routeros, lab->containers, LAB_LANHOST2 "/24",
			 LAB_CTR_GW) < 0)
		return -1;
	/*
	 * Dual stack: the laptop's internet connection has IPv6 too, and the
	 * LAN hosts have the containers bridge's ULA addresses.
	 */
	if (lab_add_addr(lab, p->client_ns, eth, LAB_CLIENT6 "/64") < 0 ||
	    lab_add_addr(lab, p->lan_ns, eth, LAB_LANHOST6 "/64") < 0 ||
	    lab_add_addr(lab, p->lan2_ns, eth, LAB_LANHOST2_6 "/64") < 0)
		return -1;
	/* the exit node forwards for its clients: a real exit host has forwarding on */
	if (lab_sysctl(lab, p->exit_ns, "net.ipv4.ip_forward", "1") < 0 ||
	    lab_sysctl(lab, p->exit_ns, "net.ipv6.conf.all.forwarding", "1") < 0)
		return -1;
	/* the LAN host answers tailnet clients through RouterOS, as a real LAN does */
	if (lab_add_route(lab, p->lan_ns, LAB_TAILNET4, LAB_CTR_GW, NULL) < 0 ||
	    lab_add_route(lab, p->lan2_ns, LAB_TAILNET4, LAB_CTR_GW, NULL) < 0 ||
	    lab_add_route(lab, p->lan_ns, LAB_TAILNET6, LAB_CTR6_GW, NULL) < 0 ||
	    lab_add_route(lab, p->lan2_ns, LAB_TAILNET6, LAB_CTR6_GW, NULL) < 0)
		return -1;
	p->web_log = xasprintf("%s/web.log", spec->logdir);
	p->lan_log = xasprintf("%s/lan-web.log", spec->logdir);
	p->lan2_log = xasprintf("%s/lan2-web.log", spec->logdir);
	p->web6_log = xasprintf("%s/web6.log", spec->logdir);
	p->lan6_log = xasprintf("%s/lan6-web.log", spec->logdir);
	p->natpmp_log = xasprintf("%s/natpmp.log", spec->logdir);
	p->client_dns_log = xasprintf("%s/dns-client.log", spec->logdir);
	if (!lab_start_httpd(spec->httpd, lab->inet, LAB_WEB, "web", p->web_log,
			     spec->timeout_ms) ||
	    !lab_start_httpd(spec->httpd, p->lan_ns, LAB_LANHOST, "lan", p->lan_log,
			     spec->timeout_ms) ||
	    !lab_start_httpd(spec->httpd, p->lan2_ns, LAB_LANHOST2, "lan2", p->lan2_log,
			     spec->timeout_ms) ||
	    !lab_start_httpd(spec->httpd, lab->inet, LAB_WEB6, "web6", p->web6_log,
			     spec->timeout_ms) ||
	    !lab_start_httpd(spec->httpd, p->lan_ns, LAB_LANHOST6, "lan6", p->lan6_log,
			     spec->timeout_ms) ||
	    !start_natpmpd(lab, spec, p->natpmp_log, spec->timeout_ms))
		return -1;
	zone = xasprintf("%s/zones/canary.test.client.zone", spec->fixtures);
	if (!lab_start_dnsd(spec->dnsd, lab->inet, LAB_DNS_CLIENT, zone, p->client_dns_log,
			    LAB_DNSD_RA)) {
		free(zone);
		return -1;
	}
	free(zone);
	return 0;
}

static int start_node(struct node *n, const char *name, const char *netns, const char *resolv,
		      const struct peers_spec *spec)
{
	static const char *const env[] = { "TS_PANIC_IF_HIT_MAIN_CONTROL=1",
					   "TS_DISABLE_PORTMAPPER=1", NULL };
	char *log = xasprintf("%s/tailscaled-%s.log", spec->logdir, name);
	struct node_spec ns = {
		.name = name,
		.netns = netns,
		.bindir = spec->ts_bindir,
		.workdir = spec->workdir,
		.ca_path = spec->ca_path,
		.resolv_conf = resolv,
		.log_path = log,
		.env = env,
		/* a fixed port (Debian's default): peers find a restarted node at once */
		.port = 41641,
		.timeout_ms = spec->timeout_ms,
	};
	int ret = node_start(n, &ns);

	free(log);
	return ret;
}

int peers_join(struct peers *p, struct headscale *hs, const struct peers_spec *spec)
{
	static const char *const client_flags[] = { "--accept-routes", NULL };
	static const char *const exit_flags[] = { "--advertise-exit-node", NULL };
	static const char *const exit_routes[] = { "0.0.0.0/0", "::/0", NULL };
	struct node *const nodes[] = { &p->client, &p->exit, &p->phone };
	const char *const *const flags[] = { client_flags, exit_flags, NULL };
	struct hs_node hn = { 0 };
	uint64_t uid;
	char *key = NULL;
	int ret = -1;

	/* the client's own resolver answers canary.test differently from upstream */
	if (start_node(&p->client, "client", p->client_ns, "nameserver " LAB_DNS_CLIENT "\n",
		       spec) < 0 ||
	    start_node(&p->exit, "exit", p->exit_ns, "nameserver " LAB_DNS_UPSTREAM "\n", spec) <
		    0 ||
	    start_node(&p->phone, "phone", p->phone_ns, "", spec) < 0)
		return -1;
	p->client_up = p->exit_up = p->phone_up = 1;
	if (headscale_create_user(hs, "laptops", &uid) < 0 ||
	    headscale_create_authkey(hs, uid, HS_AUTHKEY_REUSABLE, "1h", &key) < 0)
		goto out;
	if (node_up_all(nodes, ARRAY_SIZE(nodes), HEADSCALE_URL, key, flags) < 0)
		goto out;
	if (headscale_wait_online(hs, "client", spec->timeout_ms, &hn) < 0)
		goto out;
	p->client_id = hn.id;
	snprintf(p->client_ip4, sizeof(p->client_ip4), "%s", hn.ipv4);
	snprintf(p->client_ip6, sizeof(p->client_ip6), "%s", hn.ipv6 ? hn.ipv6 : "");
	hs_node_release(&hn);
	memset(&hn, 0, sizeof(hn));
	if (headscale_wait_online(hs, "phone", spec->timeout_ms, &hn) < 0)
		goto out;
	snprintf(p->phone_ip4, sizeof(p->phone_ip4), "%s", hn.ipv4);
	hs_node_release(&hn);
	memset(&hn, 0, sizeof(hn));
	if (headscale_wait_online(hs, "exit", spec->timeout_ms, &hn) < 0)
		goto out;
	p->exit_id = hn.id;
	snprintf(p->exit_ip4, sizeof(p->exit_ip4), "%s", hn.ipv4);
	if (headscale_approve_routes(hs, hn.id, exit_routes) < 0)
		goto out;
	info("client %s and exit node %s joined", p->client_ip4, p->exit_ip4);
	ret = 0;
out:
	hs_node_release(&hn);
	free(key);
	return ret;
}

static int has_route(json_t *peer, enum node_route_kind kind, const char *route)
{
	char **r = node_peer_routes(peer, kind, NULL);
	int found = 0;

	for (char **x = r; x && *x; x++)
		found |= !strcmp(*x, route);
	node_routes_free(r);
	return found;
}

int peers_approve_router(struct peers *p, struct headscale *hs, unsigned long long router_id,
			 const char *router_ip4, int timeout_ms)
{
	static const char *const routes[] = { "0.0.0.0/0", "::/0", LAB_CTR_NET, LAB_CTR6_NET,
					      NULL };
	struct timespec t0, now;

	if (headscale_approve_routes(hs, router_id, routes) < 0)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		json_t *st = node_status(&p->client);
		json_t *router = st ? node_status_peer(st, router_ip4) : NULL;
		json_t *exitp = st ? node_status_peer(st, p->exit_ip4) : NULL;
		int ok = router && exitp && node_peer_is_exit_option(router) &&
			 node_peer_is_exit_option(exitp) &&
			 has_route(router, NODE_ROUTES_PRIMARY, LAB_CTR_NET) &&
			 has_route(router, NODE_ROUTES_PRIMARY, LAB_CTR6_NET);

		json_decref(st);
		if (ok)
			return 0;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (interrupted() ||
		    (now.tv_sec - t0.tv_sec) * 1000 + (now.tv_nsec - t0.tv_nsec) / 1000000 >
			    timeout_ms)
			break;
		/* node_status() is a CLI round trip: it paces this loop */
	}
	return error("the client did not see the router's exit node and %s and %s routes "
		     "within %d s",
		     LAB_CTR_NET, LAB_CTR6_NET, timeout_ms / 1000);
}

void peers_release(struct peers *p)
{
	if (p->client_up)
		node_release(&p->client);
	if (p->exit_up)
		node_release(&p->exit);
	if (p->phone_up)
		node_release(&p->phone);
	free(p->web_log);
	free(p->lan_log);
	free(p->lan2_log);
	free(p->web6_log);
	free(p->lan6_log);
	free(p->natpmp_log);
	free(p->client_dns_log);
	memset(p, 0, sizeof(*p));
}
