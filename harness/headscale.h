/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TSCANARY_HEADSCALE_H
#define TSCANARY_HEADSCALE_H

#include <stddef.h>
#include <stdint.h>

#include "lab.h"
#include "strbuf.h"

/* The lab's control server address (netns inet), as clients dial it. */
#define HEADSCALE_IPV4 LAB_INET_GW
/* Its IPv6 address: the DERP node and STUN answer on both families. */
#define HEADSCALE_IPV6 LAB_INET6_GW
/* Its URL: control and the embedded DERP node, TLS on port 443. */
#define HEADSCALE_URL "https://" HEADSCALE_IPV4
/* The MagicDNS suffix of the lab's tailnet. */
#define HEADSCALE_BASE_DOMAIN "tailnet.lab.test"

/* Values for the @NAME@ placeholders of fixtures/headscale/config.yaml.in. */
struct headscale_conf {
	const char *server_url;  /* @SERVER_URL@ */
	const char *listen_addr; /* @LISTEN_ADDR@ */
	const char *server_ipv4; /* @SERVER_IPV4@ (the DERP node's address) */
	const char *server_ipv6; /* @SERVER_IPV6@ (its IPv6 address) */
	const char *stun_addr;   /* @STUN_LISTEN_ADDR@ */
	const char *prefix_v4;   /* @PREFIX_V4@ (tailnet addresses) */
	const char *prefix_v6;   /* @PREFIX_V6@ */
	const char *state_dir;   /* @STATE_DIR@ (absolute) */
	const char *tls_cert;    /* @TLS_CERT@ */
	const char *tls_key;     /* @TLS_KEY@ */
	const char *policy_path; /* @POLICY_PATH@ */
	const char *base_domain; /* @BASE_DOMAIN@ */
	const char *log_level;   /* @LOG_LEVEL@ */
};

/*
 * Replace every @NAME@ (NAME: [A-Z][A-Z0-9_]*) in tmpl with its value from
 * conf, appending to out. Fails on an unknown name, a name whose value is
 * NULL, or a value that cannot sit inside a double-quoted YAML string.
 * Any other '@' is copied as is.
 */
int headscale_render_config(const char *tmpl, const struct headscale_conf *conf,
			    struct strbuf *out);

/* How to start headscale. */
struct headscale_spec {
	const char *binary;        /* the headscale executable */
	const char *netns;         /* network namespace to serve in */
	const char *state_dir;     /* per-run dir: config, db, keys, socket */
	const char *tls_dir;       /* holds ca.crt, server.crt, server.key */
	const char *template_path; /* fixtures/headscale/config.yaml.in */
	const char *policy_path;   /* fixtures/headscale/policy.hujson */
	const char *log_path;      /* headscale's stdout and stderr */
	const char *log_level;     /* NULL: "info" */
	int timeout_ms;            /* deadline for /health; 0: 30 s */
};

/* A running headscale; its stop sits on the undo stack (proc_spawn). */
struct headscale {
	struct proc *proc;
	char *binary;
	char *netns;
	char *config_path;
	char *log_path;
	char *ca_path;
	double ready_s; /* seconds from spawn to a passing /health */
};

#define HEADSCALE_INIT                                                                             \
	{                                                                                          \
		NULL, NULL, NULL, NULL, NULL, NULL, 0                                              \
	}

/*
 * Render the config into spec->state_dir, start `headscale serve` in
 * spec->netns and wait until GET HEADSCALE_URL/health (verified against
 * the run CA, from inside the netns) answers 200 with status "pass".
 * If headscale exits first, the error quotes the end of its log.
 */
int headscale_start(struct headscale *hs, const struct headscale_spec *spec);
/* 1 while headscale runs, 0 once it exited. */
int headscale_running(struct headscale *hs);
/* Free hs's memory; the process itself is stopped by the undo stack. */
void headscale_release(struct headscale *hs);

/* One node as `headscale nodes list -o json` shows it. */
struct hs_node {
	uint64_t id;
	char *name;       /* the hostname the node reported */
	char *given_name; /* its MagicDNS label */
	char *user;       /* owner's user name ("" for tagged nodes) */
	char *ipv4;       /* "" when none */
	char *ipv6;       /* "" when none */
	int online;
	char **approved_routes; /* NULL-terminated */
	size_t n_approved;
	char **available_routes; /* NULL-terminated */
	size_t n_available;
};

/* Flags for headscale_create_authkey(). */
enum hs_authkey_flags {
	HS_AUTHKEY_REUSABLE = (1 << 0),
	HS_AUTHKEY_EPHEMERAL = (1 << 1),
};

/* `users create NAME`: the new user's id into *id. */
int headscale_create_user(struct headscale *hs, const char *name, uint64_t *id);
/* `preauthkeys create -u ID -e EXPIRY` (NULL: 1h): the key (heap string) into *key. */
int headscale_create_authkey(struct headscale *hs, uint64_t user_id, enum hs_authkey_flags flags,
			     const char *expiry, char **key);
/*
 * Expire key (the full key as created) with `preauthkeys expire -i ID`, its
 * id found in `preauthkeys list`; then check the list shows it expired.
 */
int headscale_expire_authkey(struct headscale *hs, const char *key);
/* `nodes list -o json` as headscale prints it, into out (for the logs). */
int headscale_nodes_json(struct headscale *hs, struct strbuf *out);
/* `nodes list`: an array of *n nodes into *nodes (free: hs_nodes_free). */
int headscale_list_nodes(struct headscale *hs, struct hs_node **nodes, size_t *n);
/* `nodes approve-routes`: replace node id's approved set with routes (NULL-terminated). */
int headscale_approve_routes(struct headscale *hs, uint64_t node_id, const char *const *routes);
/* `nodes delete -i ID --force`: peers then drop the node from their netmaps. */
int headscale_delete_node(struct headscale *hs, uint64_t node_id);
/*
 * Replace the file headscale serves DNS extra records from
 * (dns.extra_records_path, which it watches) with json: a JSON array of
 * {"name", "type", "value"}; "[]" for none. Written beside it, then renamed.
 */
int headscale_set_extra_records(struct headscale *hs, const char *json);
/*
 * Poll `nodes list` until the node whose name or given name is name is
 * online, up to timeout_ms; its entry is copied into *out when non-NULL
 * (release it with hs_node_release).
 */
int headscale_wait_online(struct headscale *hs, const char *name, int timeout_ms,
			  struct hs_node *out);

/* Parse `nodes list -o json` output ("null" is no nodes). */
int hs_parse_nodes(const char *json, size_t len, struct hs_node **nodes, size_t *n);
/* Parse `users create -o json` output: the user's id. */
int hs_parse_user_id(const char *json, size_t len, uint64_t *id);
/* Parse `preauthkeys create -o json` output: the key (heap string). */
int hs_parse_authkey(const char *json, size_t len, char **key);
/*
 * Find key in `preauthkeys list -o json` output, which shows new keys as
 * "hskey-auth-<prefix>-***": its id, and its expiry (unix seconds, 0 when
 * none). 0 found, -1 not (or bad JSON).
 */
int hs_parse_authkey_entry(const char *json, size_t len, const char *key, uint64_t *id,
			   long long *expires);
/* Free one node's fields. */
void hs_node_release(struct hs_node *node);
/* Free an array from hs_parse_nodes() or headscale_list_nodes(). */
void hs_nodes_free(struct hs_node *nodes, size_t n);

#endif
