#ifndef TSCANARY_SCENARIO_H
#define TSCANARY_SCENARIO_H

#include <jansson.h>

#include "arch.h"
#include "lab.h"

struct agent;
struct headscale;
struct image;
struct lab;
struct peers;

/* Tailscale's service address: MagicDNS lives here. */
#define LAB_QUAD100 "100.100.100.100"
/* Where the guest overlay keeps its own programs (off the image's PATH). */
#define GUEST_DIR "/.tscanary"
/* The upstream zone's fixture, relative to the fixtures dir. */
#define ZONE_UPSTREAM "zones/canary.test.zone"

/* The state of one run that canaries read: what is up and where. */
struct scenario {
	struct arch arch;
	struct lab *lab;
	struct headscale *hs;
	struct agent *router;      /* guest agent of the router VM */
	struct peers *peers;       /* client, exit node, LAN host, web servers */
	const char *fixtures_dir;  /* fixtures/ */
	const char *logdir;        /* out/<arch>/logs */
	const char *host_probes;   /* host (amd64) builds of the probe programs */
	json_t *metrics;           /* the run's measured figures (summary metrics) */
	double timeout_scale;      /* >1 on slow emulation */
	char router_fqdn[256];     /* router's MagicDNS name, from headscale */
	char router_ip4[64];       /* router's tailnet IPv4, from headscale */
	char router_ip6[64];       /* router's tailnet IPv6, from headscale */
	unsigned long long router_node_id;
	int router_ts_pid;         /* tailscaled's first pid in the guest */
	const char *router_ts_log; /* its log inside the guest */
	char *upstream_dns_log;    /* queries the upstream DNS saw */
	const struct image *image; /* the image under test, unpacked (rootfs, config, source) */
	const char *recipe_dir;    /* image/: allowlist, waived-deps */
	const char *feature_table; /* featuretags table of the pinned tailscale.com, or NULL */
};

#endif
