/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TSCANARY_LAB_H
#define TSCANARY_LAB_H

#include <net/if.h>
#include <stddef.h>

#include "strbuf.h"

struct proc;

/*
 * The sealed lab: network namespaces, bridges, veths and taps, built with
 * iproute2 and nft. Every create pushes its inverse on the undo stack at
 * once. Links live only inside lab namespaces (named "tsc-..."), so deleting
 * a namespace removes its links, addresses, routes and nftables with it; the
 * functions below refuse any other namespace, and refuse addresses outside
 * the lab ranges, so a bug cannot reach the machine's own network.
 */

/* Lab address plan (ARCHITECTURE.md, "The lab's address plan"): every address a run uses. */
#define LAB_INET_NET     "198.51.100.0/24"     /* stand-in internet */
#define LAB_INET_GW      "198.51.100.1"        /* inet bridge: headscale, DERP, STUN */
#define LAB_ROUTER_WAN   "198.51.100.2"        /* the MikroTik host's WAN */
#define LAB_CLIENT       "198.51.100.20"       /* netns cli: the laptop */
#define LAB_EXIT         "198.51.100.30"       /* netns exit (later slice) */
#define LAB_PHONE        "198.51.100.21"       /* netns mob: a phone, no resolver of its own */
#define LAB_DNS_UPSTREAM "198.51.100.53"       /* upstream DNS (zone canary.test) */
#define LAB_DNS_CLIENT   "198.51.100.54"       /* the client's own resolver */
#define LAB_WEB          "198.51.100.80"       /* web server */
#define LAB_CTR_NET      "172.20.0.0/24"       /* RouterOS "containers" bridge */
#define LAB_CTR_GW       "172.20.0.1"          /* the router on that bridge */
#define LAB_ROUTER_VM    "172.20.0.2"          /* the container (QEMU guest) */
#define LAB_LANHOST      "172.20.0.10"         /* a LAN host */
#define LAB_LANHOST2     "172.20.0.11"         /* a LAN host the guest user's rules leave out */
#define LAB_GUEST        "198.51.100.41"       /* netns gu: policy-enforced's guest peer */
#define LAB_TAILNET4     "100.64.0.0/10"       /* headscale's IPv4 prefix */
#define LAB_TAILNET6     "fd7a:115c:a1e0::/48" /* headscale's IPv6 prefix */

/*
 * IPv6, as a dual-stack RouterOS site runs it: the stand-in internet in
 * 2001:db8::/32 (a documentation range; the lab uses its first /64), the
 * containers bridge a ULA /64 (its interface IDs match the IPv4 plan).
 */
#define LAB_INET6_RANGE "2001:db8::/32"    /* all the lab may use of the documentation range */
#define LAB_INET6_NET   "2001:db8::/64"    /* stand-in internet, IPv6 */
#define LAB_INET6_GW    "2001:db8::1"      /* inet bridge: headscale, DERP, STUN */
#define LAB_ROUTER_WAN6 "2001:db8::2"      /* the MikroTik host's WAN */
#define LAB_CLIENT6     "2001:db8::20"     /* the laptop */
#define LAB_WEB6        "2001:db8::80"     /* web server */
#define LAB_CTR6_NET    "fd00:172:20::/64" /* RouterOS "containers" bridge, IPv6 (ULA) */
#define LAB_CTR6_GW     "fd00:172:20::1"   /* the router on that bridge */
#define LAB_ROUTER_VM6  "fd00:172:20::2"   /* the container */
#define LAB_LANHOST6    "fd00:172:20::10"  /* the LAN host */
#define LAB_LANHOST2_6  "fd00:172:20::11"  /* the second LAN host */

/* The router namespace's nftables NAT table, and its dstnat chain (NAT-PMP's entries). */
#define LAB_NAT_TABLE   "tscanary"
#define LAB_NAT_DSTNAT  "dstnat"
#define LAB_NATPMP_PORT 5351

/* Length of a generated run suffix: "tsc-<role>-<suffix>" fits IFNAMSIZ. */
#define LAB_SUFFIX_LEN 6
/* Longest role in a name built by lab_name() for an interface. */
#define LAB_ROLE_MAX (IFNAMSIZ - 1 - 4 - 1 - LAB_SUFFIX_LEN)

/* One run's lab: its suffix, the names of what lab_up_router() builds. */
struct lab {
	char suffix[LAB_SUFFIX_LEN + 1]; /* random run suffix, [a-z0-9] */
	char inet[IFNAMSIZ];             /* netns: stand-in internet (tsc-inet-SUFFIX) */
	char routeros[IFNAMSIZ];         /* netns: the MikroTik host (tsc-ros-SUFFIX) */
	char inet_br[IFNAMSIZ];    /* bridge in inet holding 198.51.100.1/24, 2001:db8::1/64 */
	char wan[IFNAMSIZ];        /* routeros WAN veth (198.51.100.2/24, 2001:db8::2/64) */
	char wan_peer[IFNAMSIZ];   /* its peer, a port of inet_br (named like routeros) */
	char containers[IFNAMSIZ]; /* bridge "containers" in routeros (172.20.0.1/24,
				      fd00:172:20::1/64) */
	char tap[IFNAMSIZ];        /* tap in routeros for QEMU, port of containers */
	size_t undo_base;          /* undo depth at lab_init(): lab_down() unwinds to it */
	double up_s, down_s;       /* wall time of lab_up_router() and lab_down() */
};

/*
 * Set up lab names for a run. suffix NULL: a random one; else 1 to
 * LAB_SUFFIX_LEN characters of [a-z0-9]. Records the undo depth that
 * lab_down() unwinds to (so it also stops what was started in the lab).
 */
int lab_init(struct lab *lab, const char *suffix);
/* Write "tsc-<role>-<suffix>" into buf; -1 if it is not a valid ifname. */
int lab_name(const struct lab *lab, const char *role, char *buf, size_t len);
/* 1 if name is a lab namespace name ("tsc-" then [a-z0-9-], <= 15 chars). */
int lab_netns_ok(const char *name);
/* 1 if an address or prefix ("a.b.c.d", "a.b.c.d/n", IPv6 alike) is in a lab range. */
int lab_addr_ok(const char *addr);
/* Map a sysctl key ("net.ipv4.ip_forward" or "net/ipv4/ip_forward") to its /proc path. */
int lab_sysctl_path(const char *key, char *buf, size_t len);

/* 1 when this process holds CAP_NET_ADMIN and CAP_SYS_ADMIN, 0 if not, -1 on error. */
int lab_capable(void);

/*
 * Check that the lab can be built here: root or CAP_NET_ADMIN and
 * CAP_SYS_ADMIN (a user gets them in its own user namespace, userns.h), /dev/net/tun, ip and nft,
 * and that `ip netns add` and a bridge inside it work (a probe namespace, removed again).
 */
int lab_preflight(void);

/*
 * Build the router slice: netns inet and routeros with bridges, veth, tap,
 * forwarding and NAT, in both address families. nat6 0 leaves out the
 * IPv6 masquerade on the WAN (the RouterOS step a user can forget).
 */
int lab_up_router(struct lab *lab, int nat6);
/* Tear down everything pushed since lab_init(), in reverse order. */
void lab_down(struct lab *lab);

/*
 * Create network namespace name with lo up; pushes its deletion (which
 * first kills any process still inside). Refuses a name that exists.
 */
int lab_add_netns(struct lab *lab, const char *name);
/* Create bridge name (up, no STP, no forward delay) in netns. */
int lab_add_bridge(struct lab *lab, const char *netns, const char *name);
/* Create veth name_a in netns_a and its peer name_b in netns_b, both up. */
int lab_add_veth(struct lab *lab, const char *netns_a, const char *name_a, const char *netns_b,
		 const char *name_b);
/* Make link ifname in netns a port of bridge (both in netns). */
int lab_enslave(struct lab *lab, const char *netns, const char *ifname, const char *bridge);
/* Add address cidr ("198.51.100.1/24"; IPv6 without DAD) to ifname in netns. */
int lab_add_addr(struct lab *lab, const char *netns, const char *ifname, const char *cidr);
/*
 * An address only what binds to it uses: deprecated (preferred_lft 0), so
 * the kernel never picks it as the source of an unbound socket's packets.
 * The stand-in internet's IPv6 services share one bridge with headscale,
 * whose STUN server answers from [::]:3478 unbound: from the newest
 * address of equal prefix, the web server's, unless that one is
 * deprecated. A router behind NAT66 drops a STUN reply from an address it
 * did not ask (conntrack has no such flow), so tailscaled's IPv6 probe
 * would never answer: the router would report no IPv6 and each netcheck
 * would wait out its 3 s STUN timeout. Real DERP servers answer from the
 * address they were asked on.
 */
int lab_add_service_addr(struct lab *lab, const char *netns, const char *ifname, const char *cidr);
/* Add route dst ("default" or a lab prefix) via gateway (or NULL) dev (or NULL) in netns. */
int lab_add_route(struct lab *lab, const char *netns, const char *dst, const char *via,
		  const char *dev);
/* Create tap name (for QEMU started in netns), up, a port of bridge unless NULL. */
int lab_add_tap(struct lab *lab, const char *netns, const char *name, const char *bridge);
/*
 * Add a host: netns (e.g. lab_name(lab, "cli")) with veth tsc-eth-SUFFIX
 * holding cidr, its peer (named like netns) a port of bridge in
 * bridge_netns; with gateway, a route to LAB_INET_NET via it (for hosts
 * behind the router). One call for the client, exit node or LAN host.
 */
int lab_add_host(struct lab *lab, const char *netns, const char *bridge_netns, const char *bridge,
		 const char *cidr, const char *gateway);
/* Set sysctl key to value inside netns (net.* keys only: they are per-netns). */
int lab_sysctl(struct lab *lab, const char *netns, const char *key, const char *value);
/* Load an nftables ruleset (nft syntax, one string) inside netns. */
int lab_nft(struct lab *lab, const char *netns, const char *ruleset);
/*
 * Run nft (argv[0] "nft") inside lab namespace netns, stdout into out (may
 * be NULL); what names the action in errors. 0 on exit 0.
 */
int lab_nft_cmd(const char *netns, const char *what, const char *const *argv, struct strbuf *out);

/*
 * Move the calling thread into netns (for in-harness code such as libcurl);
 * *saved_fd keeps the previous namespace for lab_leave(). Sockets opened
 * inside stay in netns after lab_leave().
 */
int lab_enter(const char *netns, int *saved_fd);
/* Return the calling thread to the namespace saved by lab_enter(). */
int lab_leave(int saved_fd);

/*
 * Poll path until text after its first from bytes contains needle, up to
 * timeout_ms; fails early when p (if not NULL) exited or on a signal.
 */
int lab_wait_log(const char *path, size_t from, const char *needle, int timeout_ms, struct proc *p);

/* Options of lab_start_dnsd(). */
enum lab_dnsd_flags {
	LAB_DNSD_RA = (1 << 0), /* set RA in answers (a resolver, not only an authority) */
};
/*
 * Start the lab DNS server (binary dnsd, e.g. build/host/dnsd) in netns on
 * addr port 53 with zonefile, logging queries to logpath, and wait until it
 * listens. Its stop is on the undo stack. NULL on failure.
 */
struct proc *lab_start_dnsd(const char *dnsd, const char *netns, const char *addr,
			    const char *zonefile, const char *logpath, unsigned flags);
/*
 * Start the lab web server (httpd) in netns on addr:80, answering with
 * name, logging every request to logpath; wait until it listens (within
 * timeout_ms). NULL (reported) on failure; its stop is on the undo stack.
 */
struct proc *lab_start_httpd(const char *httpd, const char *netns, const char *addr,
			     const char *name, const char *logpath, int timeout_ms);

/*
 * Snapshot what a run must leave as it found it: routes and rules (v4 and
 * v6, all tables), links, addresses, the nftables ruleset (stateless),
 * network namespaces, forwarding sysctls and the type, mode, size and
 * sha256 of everything under /etc. Sorted "section: line" lines, with
 * lifetimes that count down by themselves left out.
 */
int lab_host_snapshot(struct strbuf *out);
/* Compare two snapshots: 0 if equal, else 1 with the differing lines in diff. */
int lab_host_compare(const char *before, const char *after, struct strbuf *diff);
/*
 * Namespaces and host links of the lab with this suffix that still exist,
 * described into what; returns how many (0 after a clean teardown), -1 on error.
 */
int lab_leftovers(const char *suffix, struct strbuf *what);

#endif
