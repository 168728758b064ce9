/* SPDX-License-Identifier: BSD-3-Clause */
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
struct peers_spec;

/* Tailscale's service address: MagicDNS lives here. */
#define LAB_QUAD100 "100.100.100.100"
/* Where the guest overlay keeps its own programs (off the image's PATH). */
#define GUEST_DIR "/.tscanary"
/* The overlay's own busybox (every applet; the image's has few). */
#define GUEST_BUSYBOX GUEST_DIR "/bin/busybox"
/* The overlay's scratch directory, on the guest's RAM. */
#define GUEST_RUN GUEST_DIR "/run"
/* The upstream zone's fixture, relative to the fixtures dir. */
#define ZONE_UPSTREAM "zones/canary.test.zone"

/* A planned restart of the router, as its owner would do it. */
struct router_restart {
	int reboot;                   /* power the VM off, boot it again on the same flash */
	const char *const *extra_env; /* NULL, or added to the container's environment */
};

/* What a planned restart saw. */
struct router_restart_result {
	double boot_s;              /* power-on to the guest agent (reboot only) */
	double online_s;            /* container start to online, or to giving up */
	int online;                 /* 1 when it came online within the timeout */
	char backend_state[32];     /* tailscaled's last BackendState */
	unsigned long long node_id; /* headscale's entry for the router's hostname */
	char ip4[64];
};

/* The state of one run that canaries read: what is up and where. */
struct scenario {
	struct arch arch;
	struct lab *lab;
	struct headscale *hs;
	struct agent *router;                /* guest agent of the router VM */
	struct peers *peers;                 /* client, exit node, LAN host, web servers */
	const struct peers_spec *peers_spec; /* how they were started: a canary may add a node */
	const char *fixtures_dir;            /* fixtures/ */
	const char *logdir;                  /* out/<arch>/logs */
	const char *host_probes;             /* host (amd64) builds of the probe programs */
	json_t *metrics;                     /* the run's measured figures (summary metrics) */
	double timeout_scale;                /* >1 on slow emulation */
	const char *router_hostname;         /* the hostname the router registered with */
	const char *authkey;                 /* the pre-auth key the router joined with */
	char router_fqdn[256];               /* router's MagicDNS name, from headscale */
	char router_ip4[64];                 /* router's tailnet IPv4, from headscale */
	char router_ip6[64];                 /* router's tailnet IPv6, from headscale */
	unsigned long long router_node_id;
	double router_online_at;   /* mono_s() when the router last came online */
	int router_ts_pid;         /* tailscaled's first pid in the guest */
	const char *router_ts_log; /* its log inside the guest */
	char *upstream_dns_log;    /* queries the upstream DNS saw */
	/*
	 * Restart the router's container, or reboot its VM, and wait for it to
	 * come online again (no `tailscale up`: state must carry it). The
	 * sentinel judges the ended tailscaled life too. 0 when tailscaled
	 * started again (res says whether it came online), -1 when it could not.
	 */
	int (*restart_router)(struct scenario *s, const struct router_restart *rq,
			      struct router_restart_result *res);
	/* Whether this run selected canary name (every canary, when none was named). */
	int (*selected)(const struct scenario *s, const char *name);
	const struct image *image; /* the image under test, unpacked (rootfs, config, source) */
	const char *recipe_dir;    /* image/: allowlist, waived-deps */
	const char *feature_table; /* featuretags table of the pinned tailscale.com, or NULL */
	/*
	 * The manifest.json image/build.sh wrote for this very image, or NULL
	 * for an image tscanary did not build (image_build_manifest()).
	 */
	const json_t *build_manifest;
	const char *build_manifest_path;
	const char *allowlist; /* --allowlist: feature-deps judges against it, or NULL */
	const char *waivers;   /* --waivers: feature-deps' waived dependencies, or NULL */
	const char *budgets;   /* --budgets: footprint's budgets, or NULL */
};

/* t (milliseconds or seconds) stretched by the run's timeout scale. */
static inline int scaled(const struct scenario *s, int t)
{
	return (int)(t * s->timeout_scale);
}

#endif
