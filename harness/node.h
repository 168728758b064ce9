/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TSCANARY_NODE_H
#define TSCANARY_NODE_H

#include <jansson.h>
#include <stddef.h>

#include "strbuf.h"

struct proc;

/*
 * A full tailscaled on the host side of the lab (the client laptop, the
 * exit node): the host build of the image's Tailscale version, in a lab
 * network namespace and a private mount namespace whose /etc is the node's
 * own directory, so what tailscaled writes there (resolv.conf, its backup,
 * temp files) never reaches the machine's /etc. Its own state dir (which
 * also takes the log config that would go to /var/lib/tailscale), socket
 * and TUN; the nftables firewall mode (like the image, which has no
 * iptables binary); no log upload; no port mapping; no system D-Bus; no
 * TPM; a panic if it ever dials the public control plane.
 */

/* Longest node name: the TUN is "ts-<name>" and must fit IFNAMSIZ. */
#define NODE_NAME_MAX 12

/* How to start a node. */
struct node_spec {
	const char *name;        /* [a-z0-9-], 1..NODE_NAME_MAX; also its hostname */
	const char *netns;       /* lab network namespace to run in */
	const char *bindir;      /* holds tailscaled and tailscale (lab/nodes.mk) */
	const char *workdir;     /* the node lives in <workdir>/<name>/{etc,state,run} */
	const char *ca_path;     /* the run CA (SSL_CERT_FILE) */
	const char *resolv_conf; /* text of its /etc/resolv.conf ("" for no resolver) */
	const char *log_path;    /* tailscaled's stdout and stderr (appended) */
	const char *const *env;  /* extra "KEY=VALUE" for tailscaled (win over ours); NULL: none */
	/*
	 * --port (WireGuard UDP); 0: tailscaled's default, a random port per
	 * start, so peers keep dialing the old one after node_restart() and
	 * reach the node only after a 5 s handshake retry; a fixed port
	 * (41641, Debian's unit default) avoids that.
	 */
	unsigned port;
	int timeout_ms; /* deadline for the LocalAPI (and Running on restart); 0: 30 s */
};

/* A running node; its tailscaled's stop sits on the undo stack (proc_spawn). */
struct node {
	char *name;
	char *netns;
	char *dir;        /* <workdir>/<name> */
	char *etc;        /* private /etc */
	char *state;      /* --statedir */
	char *sock;       /* --socket */
	char *tun;        /* --tun */
	char *tailscaled; /* binaries */
	char *tailscale;
	char *log_path;
	char *resolv_conf; /* text of the private /etc/resolv.conf tailscaled starts with */
	char *ca_env;      /* "SSL_CERT_FILE=<ca>" */
	char *dbus_env;    /* DBUS_SYSTEM_BUS_ADDRESS pointing nowhere */
	char *logs_env;    /* TS_LOGS_DIR=<state> */
	char **extra_env;  /* copy of spec->env */
	unsigned port;
	int timeout_ms;
	struct proc *proc;
	double start_s;   /* node_start(): spawn to a LocalAPI answer */
	double up_s;      /* node_up(): `tailscale up` to BackendState Running */
	double restart_s; /* node_restart(): SIGTERM to Running again */
};

#define NODE_INIT                                                                                  \
	{                                                                                          \
		0                                                                                  \
	}

/*
 * Write the private /etc (resolv.conf from spec, hosts, nsswitch.conf,
 * passwd, group, os-release: generated, nothing copied from the machine),
 * start tailscaled in spec->netns with it over /etc, and wait until
 * `tailscale status --json` answers. On failure n is released.
 *
 * For an exit node the caller enables forwarding in its netns (lab_sysctl:
 * a new netns starts with it off, and tailscaled only warns). An exit node
 * forwards nothing into the subnets of its own interfaces ("guest wifi",
 * shrinkDefaultRoute in ipn/ipnlocal/local.go): on the flat inet bridge,
 * give it LAB_EXIT/32 plus a device route to LAB_INET_NET, or it refuses
 * traffic to LAB_WEB (TSMP reject, "rejected due to acl" in the client log).
 */
int node_start(struct node *n, const struct node_spec *spec);
/*
 * Run `tailscale --socket=<sock> args...` in the node's netns and private
 * /etc within timeout_ms (0: 30 s). With status: 0 when it ran (wait status
 * in *status); without: it must also exit 0 (else an error quoting stderr).
 */
int node_cli(struct node *n, const char *const *args, int timeout_ms, struct strbuf *out,
	     struct strbuf *err, int *status);
/*
 * `tailscale up --login-server=URL --authkey=KEY --hostname=<name> flags...`
 * (flags NULL-terminated or NULL; a later --hostname wins), then wait for
 * BackendState Running; both within max(60 s, the spec's timeout).
 */
int node_up(struct node *n, const char *login_server, const char *authkey,
	    const char *const *flags);
/*
 * node_up() for n nodes at once: every `tailscale up` runs side by side
 * (flags[j] for nodes[j]; flags or an entry may be NULL), then each is
 * waited for to be Running. 0 when all are; -1 when any is not (each
 * failure said).
 */
int node_up_all(struct node *const *nodes, size_t n, const char *login_server, const char *authkey,
		const char *const *const *flags);
/* `tailscale status --json`, parsed (caller decrefs); NULL on failure. */
json_t *node_status(struct node *n);
/* Poll status until BackendState is state ("Running"), up to timeout_ms. */
int node_wait_state(struct node *n, const char *state, int timeout_ms);
/*
 * Stop tailscaled (SIGTERM, bounded wait), write resolv_conf (NULL: the
 * last text again) as the private /etc/resolv.conf, drop the backup
 * tailscaled leaves, start it with the same state and wait for Running.
 */
int node_restart(struct node *n, const char *resolv_conf);
/* 1 while the node's tailscaled runs. */
int node_running(struct node *n);
/* Free n's memory; the process itself is stopped by the undo stack. */
void node_release(struct node *n);

/* ---- status JSON (pure: no process, no network) ---- */

/* BackendState ("NeedsLogin", "Running", ...) or NULL. */
const char *node_status_backend_state(json_t *status);
/* The node's own entry (Self) or NULL. */
json_t *node_status_self(json_t *status);
/*
 * The peer whose TailscaleIPs hold ip_or_name, or whose HostName, DNSName
 * (with or without its trailing dot) or first DNSName label is it; a
 * borrowed reference or NULL.
 */
json_t *node_status_peer(json_t *status, const char *ip_or_name);
/* First IPv4 (or, with v6, IPv6) address of a Self or peer entry, or NULL. */
const char *node_peer_ip(json_t *peer, int v6);
/* The peer's IPv4 PeerAPI URL ("http://100.64.0.2:PORT") or NULL. */
const char *node_peer_api_url(json_t *peer);
/* 1 if the peer offers itself as an exit node (ExitNodeOption), else 0. */
int node_peer_is_exit_option(json_t *peer);
/* 1 if the peer is the exit node in use (ExitNode), else 0. */
int node_peer_is_exit_node(json_t *peer);
/* Which routes node_peer_routes() lists. */
enum node_route_kind {
	NODE_ROUTES_PRIMARY, /* PrimaryRoutes: subnets this peer is primary for */
	NODE_ROUTES_ALLOWED, /* AllowedIPs minus the peer's own addresses (exit routes too) */
};
/*
 * The peer's routes of kind, as a NULL-terminated heap array of heap
 * strings (count in *n when n is not NULL; free: node_routes_free).
 */
char **node_peer_routes(json_t *peer, enum node_route_kind kind, size_t *n);
/* Free an array from node_peer_routes(). */
void node_routes_free(char **routes);
/* 1 if the peer is reached directly (CurAddr set), 0 if over DERP or not at all. */
int node_peer_direct(json_t *peer);

#endif
