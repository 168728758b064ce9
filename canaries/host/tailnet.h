/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TSCANARY_TAILNET_H
#define TSCANARY_TAILNET_H

#include <stddef.h>

#include "canary.h"
#include "router.h"

struct node;

/* A host node a canary adds to the tailnet for its own test. */
struct extra_node_spec {
	const char *name;         /* node name and hostname */
	const char *role;         /* lab_name() role of its new netns */
	const char *cidr;         /* its address on the stand-in internet */
	const char *user;         /* the headscale user it joins as (created here) */
	const char *const *flags; /* more `tailscale up` flags, or NULL */
};
/*
 * Start spec's node in a new netns on the stand-in internet (no resolver,
 * no port mapping, a panic if it dials the public control plane), create
 * its user and a one-off key, `tailscale up` and wait until headscale lists
 * it online; its id and IPv4 from headscale. *started says whether n must
 * be released (node_release) whatever the result. 0 joined, -1 not.
 */
int extra_node_join(struct scenario *s, const struct extra_node_spec *spec, struct node *n,
		    int *started, unsigned long long *id, char *ip4, size_t len);
/*
 * Undo extra_node_join(): log n out (if started), delete it in headscale
 * (if registered, id), unwind the undo stack to undo_base (its netns and
 * whatever the canary added there) and release n. -1 if the delete failed.
 */
int extra_node_leave(struct scenario *s, struct node *n, int started, int registered,
		     unsigned long long id, size_t undo_base);
/* Select (ip) or clear (ip == "") node n's exit node and wait until it shows. */
int node_use_exit(struct node *n, const char *ip, int timeout_ms);
/*
 * Wait up to timeout_ms until node n's status shows peer_ip's PeerAPI URL
 * (copied into url when not NULL): a peer's services reach the others
 * through control a little after it comes online. 0 found, -1 not (no
 * error reported: a build without the PeerAPI server never shows one).
 */
int node_wait_peerapi(struct node *n, const char *peer_ip, int timeout_ms, char *url, size_t len);
/*
 * How long the router's PeerAPI services have to reach a device through
 * control, before scaling: counted from the router coming online, once for
 * the run (and again after a restart), so the canaries that need them share
 * one window instead of each waiting out its own on a build that never
 * offers them.
 */
#define PEERAPI_SETTLE_MS 10000
/*
 * node_wait_peerapi() for the router, as seen by device n, until the
 * router's window is over (looking at least once): 0 found, -1 not.
 */
int router_peerapi_wait(struct scenario *s, struct node *n, char *url, size_t len);

#endif
