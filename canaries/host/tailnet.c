/* SPDX-License-Identifier: BSD-3-Clause */
#include "tailnet.h"

#include "clock.h"
#include "agent.h"
#include "headscale.h"
#include "lab.h"
#include "log.h"
#include "node.h"
#include "peers.h"
#include "strbuf.h"
#include "undo.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 * Between two looks at a node's status (a CLI or LocalAPI round trip that
 * costs tailscaled a whole status): a wait that never ends its way (a bad
 * build) would otherwise keep a core busy that canaries side by side and
 * the router VM share.
 */
#define STATUS_POLL_MS 100

int extra_node_join(struct scenario *s, const struct extra_node_spec *spec, struct node *n,
		    int *started, unsigned long long *id, char *ip4, size_t len)
{
	static const char *const env[] = { "TS_PANIC_IF_HIT_MAIN_CONTROL=1",
					   "TS_DISABLE_PORTMAPPER=1", NULL };
	const struct peers_spec *ps = s->peers_spec;
	char netns[32], *log = NULL, *key = NULL;
	struct hs_node hn = { 0 };
	uint64_t uid;
	int ret = -1;

	*started = 0;
	if (!ps || !ps->ca_path)
		return error("the run does not say how its host nodes were started");
	if (lab_name(s->lab, spec->role, netns, sizeof(netns)) < 0 ||
	    lab_add_host(s->lab, netns, s->lab->inet, s->lab->inet_br, spec->cidr, NULL) < 0)
		return -1;
	log = xasprintf("%s/tailscaled-%s.log", s->logdir, spec->name);

	struct node_spec ns = {
		.name = spec->name,
		.netns = netns,
		.bindir = ps->ts_bindir,
		.workdir = ps->workdir,
		.ca_path = ps->ca_path,
		.resolv_conf = "",
		.log_path = log,
		.env = env,
		.timeout_ms = ps->timeout_ms,
	};

	if (node_start(n, &ns) < 0)
		goto out;
	*started = 1;
	if (headscale_create_user(s->hs, spec->user, &uid) < 0 ||
	    headscale_create_authkey(s->hs, uid, 0, "1h", &key) < 0 ||
	    node_up(n, HEADSCALE_URL, key, spec->flags) < 0)
		goto out;
	if (headscale_wait_online(s->hs, spec->name, scaled(s, 30000), &hn) < 0)
		goto out;
	*id = hn.id;
	snprintf(ip4, len, "%s", hn.ipv4);
	ret = 0;
out:
	hs_node_release(&hn);
	free(log);
	free(key);
	return ret;
}

int extra_node_leave(struct scenario *s, struct node *n, int started, int registered,
		     unsigned long long id, size_t undo_base)
{
	const char *logout[] = { "logout", NULL };
	int ret = 0;

	if (started)
		node_cli(n, logout, scaled(s, 15000), NULL, NULL, NULL);
	if (registered && headscale_delete_node(s->hs, id) < 0)
		ret = -1;
	undo_unwind(undo_base);
	if (started)
		node_release(n);
	return ret;
}

int node_use_exit(struct node *n, const char *ip, int timeout_ms)
{
	char *flag = xasprintf("--exit-node=%s", ip);
	const char *args[] = { "set", flag, NULL };
	double deadline = mono_s() + timeout_ms / 1000.0;
	int ret = -1;

	if (node_cli(n, args, timeout_ms, NULL, NULL, NULL) < 0)
		goto out;
	while (mono_s() < deadline && !interrupted()) {
		json_t *st = node_status(n);
		json_t *peer = st && *ip ? node_status_peer(st, ip) : NULL;
		int done = *ip ? peer && node_peer_is_exit_node(peer)
			       : st && !json_is_object(json_object_get(st, "ExitNodeStatus"));

		json_decref(st);
		if (done) {
			ret = 0;
			goto out;
		}
		poll(NULL, 0, STATUS_POLL_MS);
	}
	error("node '%s' did not switch its exit node to '%s' within %d s", n->name, ip,
	      timeout_ms / 1000);
out:
	free(flag);
	return ret;
}

int node_wait_peerapi(struct node *n, const char *peer_ip, int timeout_ms, char *url, size_t len)
{
	double deadline = mono_s() + timeout_ms / 1000.0;

	do {
		json_t *st = node_status(n);
		json_t *peer = st ? node_status_peer(st, peer_ip) : NULL;
		const char *u = peer ? node_peer_api_url(peer) : NULL;
		int found = u && *u;

		if (found && url)
			snprintf(url, len, "%s", u);
		json_decref(st);
		if (found)
			return 0;
		poll(NULL, 0, STATUS_POLL_MS);
	} while (mono_s() < deadline && !interrupted());
	return -1;
}

int router_peerapi_wait(struct scenario *s, struct node *n, char *url, size_t len)
{
	double left = s->router_online_at + scaled(s, PEERAPI_SETTLE_MS) / 1000.0 - mono_s();

	return node_wait_peerapi(n, s->router_ip4, left > 0 ? (int)(left * 1000) : 0, url, len);
}
