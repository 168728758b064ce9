/* SPDX-License-Identifier: BSD-3-Clause */
#include "canary.h"
#include "strbuf.h"

#include <stdarg.h>
#include <string.h>

static const char *const verbose_env[] = { "TS_LOG_VERBOSITY=1", NULL };

int canary_quad100_router(struct scenario *s, struct canary_outcome *out);
int canary_peerapi_doh(struct scenario *s, struct canary_outcome *out);
int canary_exitnode_dns_client(struct scenario *s, struct canary_outcome *out);
int canary_exitnode_traffic(struct scenario *s, struct canary_outcome *out);
int canary_subnet_route(struct scenario *s, struct canary_outcome *out);
int canary_router_uses_exit(struct scenario *s, struct canary_outcome *out);
int canary_footprint(struct scenario *s, struct canary_outcome *out);
int canary_feature_deps(struct scenario *s, struct canary_outcome *out);
int canary_no_panic(struct scenario *s, struct canary_outcome *out);
int canary_derp_only(struct scenario *s, struct canary_outcome *out);
int canary_flash_writes(struct scenario *s, struct canary_outcome *out);
int restart_persistence_before(struct scenario *s, struct canary_outcome *out);
int restart_persistence_after(struct scenario *s, struct canary_outcome *out, int restarted,
			      const struct router_restart_result *res);
int log_verbosity_before(struct scenario *s, struct canary_outcome *out);
int log_verbosity_after(struct scenario *s, struct canary_outcome *out, int restarted,
			const struct router_restart_result *res);
int canary_policy_enforced(struct scenario *s, struct canary_outcome *out);
int canary_portmap(struct scenario *s, struct canary_outcome *out);
int canary_health_report(struct scenario *s, struct canary_outcome *out);
int canary_quad100_aaaa(struct scenario *s, struct canary_outcome *out);
int canary_exitnode_traffic6(struct scenario *s, struct canary_outcome *out);
int canary_subnet_route6(struct scenario *s, struct canary_outcome *out);
int canary_busybox_applets(struct scenario *s, struct canary_outcome *out);

const struct canary canary_registry[] = {
	{
		.name = "quad100-router",
		.where = CANARY_ROUTER,
		.run = canary_quad100_router,
		.timeout_s = 40,
		.proves = "MagicDNS on 100.100.100.100 answers inside the router over UDP and TCP: "
			  "the router's own tailnet name and a name forwarded to the upstream "
			  "resolver",
	},
	{
		.name = "quad100-aaaa",
		.where = CANARY_ROUTER,
		.run = canary_quad100_aaaa,
		.timeout_s = 40,
		.proves = "MagicDNS on 100.100.100.100 answers AAAA inside the router over UDP and "
			  "TCP: the router's own tailnet name with its fd7a:115c:a1e0:: address, "
			  "and a public name with the upstream resolver's IPv6 answer",
	},
	{
		.name = "peerapi-doh",
		.where = CANARY_CLIENT,
		.run = canary_peerapi_doh,
		.timeout_s = 40,
		.proves = "the router's PeerAPI answers RFC 8484 DNS queries on /dns-query (GET "
			  "?dns= "
			  "and POST application/dns-message) with the upstream answer",
	},
	{
		.name = "exitnode-dns-client",
		.where = CANARY_CLIENT,
		.run = canary_exitnode_dns_client,
		.timeout_s = 120,
		.proves =
			"devices using the router as exit node resolve public names through it "
			"(upstream sees the router's WAN address): a laptop with its own resolver "
			"and a phone with none",
	},
	{
		.name = "exitnode-traffic",
		.where = CANARY_CLIENT,
		.run = canary_exitnode_traffic,
		.timeout_s = 60,
		.proves = "a client's web traffic leaves through the router as exit node, seen "
			  "upstream from the router's WAN address",
	},
	{
		.name = "exitnode-traffic6",
		.where = CANARY_CLIENT,
		.run = canary_exitnode_traffic6,
		.timeout_s = 60,
		.proves =
			"a client's IPv6 web traffic leaves through the router as exit node, seen "
			"upstream from the RouterOS host's IPv6 WAN address (its own masquerade)",
	},
	{
		.name = "subnet-route",
		.where = CANARY_CLIENT,
		.run = canary_subnet_route,
		.timeout_s = 30,
		.proves = "a client reaches the LAN behind the router over the advertised "
			  "172.20.0.0/24 route, and the LAN host sees the client's own tailnet "
			  "address",
	},
	{
		.name = "subnet-route6",
		.where = CANARY_CLIENT,
		.run = canary_subnet_route6,
		.timeout_s = 30,
		.proves = "a client reaches an IPv6 LAN host behind the router over the advertised "
			  "fd00:172:20::/64 route, and the host sees the client's tailnet IPv6 "
			  "address",
	},
	{
		.name = "router-uses-exit",
		.where = CANARY_ROUTER,
		.run = canary_router_uses_exit,
		.timeout_s = 90,
		.proves = "the router can use another exit node: its web traffic and its MagicDNS "
			  "lookups leave through that node",
	},
	{
		.name = "footprint",
		.where = CANARY_HOST,
		.run = canary_footprint,
		.timeout_s = 20,
		.proves = "the packed tailscale.combined and busybox, extracted rootfs, compressed "
			  "image and the router's tailscaled VmRSS/VmHWM at steady state stay "
			  "within the arch's budgets "
			  "in fixtures/budgets/ (or BUDGETS=FILE), whoever built the image",
	},
	{
		.name = "feature-deps",
		.where = CANARY_HOST,
		.run = canary_feature_deps,
		/* the first run on a version other than the pin builds its table */
		.timeout_s = 240,
		.proves =
			"every feature the build needs is in the binary's build tags, read with "
			"its tailscale.com version from the image's own tailscale.combined and "
			"judged by that version's featuretags Deps: the dependency closure of the "
			"allowlist (the build manifest's, or ALLOWLIST=FILE), or, for an image "
			"tscanary did not build, every Deps entry of every feature it holds; or "
			"waived with a reason (image/waived-deps, WAIVERS=FILE)",
	},
	{
		.name = "no-panic",
		.where = CANARY_ROUTER,
		.run = canary_no_panic,
		.timeout_s = 120,
		.proves = "with the router Running, a TSMP ping each way (packets tailscaled "
			  "injects) "
			  "gets its pong, and tailscaled stays the process it was at the canary's "
			  "start, "
			  "logs no panic from then on and keeps its LocalAPI answering",
	},
	{
		.name = "portmap",
		.where = CANARY_CLIENT,
		.run = canary_portmap,
		.timeout_s = 90,
		.proves =
			"with NAT-PMP on RouterOS's containers bridge, the router asks RouterOS to "
			"map its WireGuard port on the WAN address and announces the mapped "
			"endpoint (portmap) among the ones it sends to control for its peers",
	},
	{
		.name = "health-report",
		.where = CANARY_ROUTER,
		.run = canary_health_report,
		.timeout_s = 40,
		.proves =
			"the router's tailscale status reports the health warnings its setup calls "
			"for, and no other: an exit node with --snat-subnet-routes=false warns "
			"that "
			"internet traffic through it needs masquerading elsewhere; any other "
			"warning (a firewall table it could not create) is a problem",
		/* a settled router: no netmap changes beside it */
		.holds = CANARY_BESIDE | SHARED_NETMAP,
	},
	{
		.name = "derp-only",
		.where = CANARY_CLIENT,
		.run = canary_derp_only,
		.timeout_s = 90,
		.proves = "with direct UDP between the client and the router dropped on the "
			  "router's host (counters above zero), a direct path falls back to DERP "
			  "and the router still carries the client's exit traffic and DNS; the "
			  "path comes back direct once the drop goes",
		/*
		 * A tailnet nobody changes: beside netmap changes (flash-writes'
		 * and policy-enforced's) its exit GET and DNS over DERP once went
		 * unanswered for 15 s (one bench run of five), cause not found.
		 */
		.holds = CANARY_BESIDE | SHARED_NETMAP,
	},
	{
		.name = "busybox-applets",
		.where = CANARY_ROUTER,
		.run = canary_busybox_applets,
		.timeout_s = 120,
		.proves =
			"the image's busybox holds every applet image/busybox-applets lists, each "
			"link runs and exits below 128 on --help (no signal, no 'applet not "
			"found'), id -un says root and a lab name resolves through nslookup and "
			"through the C library (ping)",
		/*
		 * Its lookups go through the router's DNS, which a netmap's DNS
		 * change reconfigures: beside flash-writes' extra record, ping once
		 * could not resolve the lab's name (one bench run of five).
		 */
		.holds = CANARY_BESIDE | SHARED_NETMAP,
	},
	{
		.name = "flash-writes",
		.where = CANARY_ROUTER,
		.run = canary_flash_writes,
		.timeout_s = 60,
		.proves =
			"tailscaled writes nothing to the router's flash while its netmap changes "
			"(a node joins and leaves, a route is approved and removed, a DNS record "
			"is added and removed), and keeps nothing there but tailscaled.state and "
			"derpmap.cached.json; the counter is shown to see a persisted pref change",
		.holds = CANARY_BESIDE | SHARED_FLASH,
		.changes = SHARED_NETMAP | SHARED_FLASH,
	},
	{
		.name = "policy-enforced",
		.where = CANARY_CLIENT,
		.run = canary_policy_enforced,
		.timeout_s = 90,
		.proves =
			"the router enforces the tailnet policy: a peer whose rules give it only "
			"the router and LAN host 172.20.0.10 reaches that host, while its packets "
			"to 172.20.0.11 (which the client laptop reaches) are dropped and logged "
			"by the router and never arrive, and it gets no exit traffic upstream",
		.holds = CANARY_BESIDE,
		.changes = SHARED_NETMAP, /* its guest peer joins and leaves */
	},
	/*
	 * The two that restart tailscaled come last: a restart resets peers'
	 * sessions. restart-persistence goes first, so that it starts from a
	 * router no restart has touched yet (one that keeps its state in memory
	 * loses it at the first restart, whoever makes it). Selected together,
	 * they share one restart: the reboot, with TS_LOG_VERBOSITY=1 in the
	 * container's environment (harness/restart.c, run_restart_group).
	 */
	{
		.name = "restart-persistence",
		.where = CANARY_ROUTER,
		.before = restart_persistence_before,
		.after = restart_persistence_after,
		.restart = { .reboot = 1 },
		.timeout_s = 120,
		.proves =
			"with its pre-auth key expired, the router powered off and booted on the "
			"same flash comes back online by itself as the same node (id, address, no "
			"second node) and MagicDNS answers again",
	},
	{
		.name = "log-verbosity",
		.where = CANARY_ROUTER,
		.before = log_verbosity_before,
		.after = log_verbosity_after,
		.restart = { .reboot = 0, .extra_env = verbose_env },
		.timeout_s = 90,
		.proves = "with the image's defaults tailscaled logs no [v1]/[v2]/[v3] lines, and "
			  "restarted with TS_LOG_VERBOSITY=1 it logs them for the same events",
	},
};

const size_t canary_count = ARRAY_SIZE(canary_registry);

const struct canary *canary_find(const char *name)
{
	for (size_t i = 0; i < canary_count; i++)
		if (!strcmp(canary_registry[i].name, name))
			return &canary_registry[i];
	return NULL;
}

const char *canary_where_name(enum canary_where w)
{
	switch (w) {
	case CANARY_ROUTER: return "router";
	case CANARY_CLIENT: return "client";
	case CANARY_HOST: return "host";
	}
	return "?";
}

void canary_fail(struct canary_outcome *out, const char *signature, const char *fmt, ...)
{
	va_list ap;

	out->verdict = VERDICT_FAIL;
	/*
	 * Every signature seen, in order, space-separated: a claimed failure
	 * followed by a harness error or the watchdog keeps both, and the
	 * report lists them all (the first stays "signature").
	 */
	if (*signature && !strbuf_has_word(&out->signature, signature)) {
		if (out->signature.len)
			strbuf_addch(&out->signature, ' ');
		strbuf_addstr(&out->signature, signature);
	}
	if (out->summary.len)
		return; /* keep the first reason */
	va_start(ap, fmt);
	strbuf_vaddf(&out->summary, fmt, ap);
	va_end(ap);
}
