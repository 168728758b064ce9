/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TSCANARY_PEERS_H
#define TSCANARY_PEERS_H

#include "headscale.h"
#include "lab.h"
#include "node.h"

struct proc;

/* Binaries and data the peers need. */
struct peers_spec {
	const char *ts_bindir; /* host tailscaled + tailscale: the image's version, or PEERS= */
	const char *httpd;     /* lab web server */
	const char *dnsd;      /* lab DNS server */
	const char *natpmpd;   /* lab NAT-PMP server (RouterOS /ip nat-pmp) */
	const char *fixtures;  /* fixtures/ */
	const char *workdir;   /* per-run dir; nodes live below it */
	const char *logdir;    /* logs go here */
	const char *ca_path;   /* the run CA */
	int timeout_ms;        /* per wait */
};

/*
 * Everything around the router that the canaries use: the client laptop,
 * a phone (no resolver of its own: Tailscale owns its DNS) and the exit node (full tailscaled, each
 * in its own netns and private /etc), the LAN host behind the router, the web server on the
 * stand-in internet and the client's own resolver.
 */
struct peers {
	struct node client, exit, phone;
	int client_up, exit_up, phone_up;
	char client_ns[32], exit_ns[32], lan_ns[32], lan2_ns[32], phone_ns[32];
	char client_ip4[64], client_ip6[64], exit_ip4[64], phone_ip4[64];
	unsigned long long client_id, exit_id;
	char *web_log, *lan_log, *lan2_log, *client_dns_log, *natpmp_log;
	char *web6_log, *lan6_log; /* the IPv6 web servers (LAB_WEB6, LAB_LANHOST6) */
};

/* Build the client, exit and LAN namespaces, web servers and client DNS. */
int peers_up_lab(struct peers *p, struct lab *lab, const struct peers_spec *spec);
/* Start both host nodes and join them (exit advertises, routes approved). */
int peers_join(struct peers *p, struct headscale *hs, const struct peers_spec *spec);
/*
 * Approve the router's exit and subnet routes and wait until the client
 * sees the router as an exit node option with 172.20.0.0/24 and
 * fd00:172:20::/64 as primary routes, and the exit node as an option too.
 */
int peers_approve_router(struct peers *p, struct headscale *hs, unsigned long long router_id,
			 const char *router_ip4, int timeout_ms);
/* Free memory (processes are stopped by the undo stack). */
void peers_release(struct peers *p);

#endif
