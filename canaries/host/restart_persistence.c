/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * restart-persistence: a RouterOS owner joins once with a pre-auth key,
 * then the router reboots for years on the state in its flash. Expire the
 * key, power the VM off, boot it on the same flash with no key and no
 * `tailscale up`: it must come back online as the same node (same id and
 * tailnet address, no second node in headscale), and MagicDNS on
 * 100.100.100.100 must answer again.
 */
#include "canary.h"

#include "headscale.h"
#include "log.h"
#include "tailnet.h"

#include <stdio.h>
#include <string.h>

int restart_persistence_before(struct scenario *s, struct canary_outcome *out);
int restart_persistence_after(struct scenario *s, struct canary_outcome *out, int restarted,
			      const struct router_restart_result *res);
int canary_quad100_router(struct scenario *s, struct canary_outcome *out);

/* What the router was before the reboot, for after() to compare. */
static struct {
	unsigned long long id;
	char ip4[64];
	size_t total, mine;
} was;

/*
 * Nodes headscale knows, how many carry the router's hostname, and whether
 * the router's own entry (node id) is online there (online may be NULL).
 */
static int count_nodes(struct scenario *s, size_t *total, size_t *mine, int *online)
{
	struct hs_node *nodes;
	size_t n;

	if (headscale_list_nodes(s->hs, &nodes, &n) < 0)
		return -1;
	*total = n;
	*mine = 0;
	if (online)
		*online = 0;
	for (size_t i = 0; i < n; i++) {
		if ((nodes[i].name && !strcmp(nodes[i].name, s->router_hostname)) ||
		    (nodes[i].given_name &&
		     !strncmp(nodes[i].given_name, s->router_hostname, strlen(s->router_hostname))))
			(*mine)++;
		if (online && nodes[i].id == s->router_node_id)
			*online = nodes[i].online;
	}
	hs_nodes_free(nodes, n);
	return 0;
}

/* MagicDNS in the router again, judged as the quad100-router canary judges it. */
static int quad100_again(struct scenario *s, struct canary_outcome *out)
{
	struct canary_outcome sub = { 0 };
	int ret;

	sub.figures = json_object();
	ret = canary_quad100_router(s, &sub);
	strbuf_addf(&out->detail, "quad100-router after the reboot: %s%s%s\n",
		    ret < 0 ? "harness error" : verdict_name(sub.verdict),
		    sub.summary.len ? ": " : "", strbuf_str(&sub.summary));
	if (sub.detail.len)
		strbuf_addf(&out->detail, "%s", sub.detail.buf);
	if (ret == 0 && sub.verdict != VERDICT_PASS) {
		char sig[64];

		snprintf(sig, sizeof(sig), "quad100-%s", strbuf_str(&sub.signature));
		canary_fail(out, sig, "after the reboot, quad100-router: %s",
			    strbuf_str(&sub.summary));
	}
	json_decref(sub.figures);
	strbuf_release(&sub.signature);
	strbuf_release(&sub.summary);
	strbuf_release(&sub.detail);
	return ret;
}

/* Before the reboot: online, counted, its key expired; 1 to reboot, 0 verdict in. */
int restart_persistence_before(struct scenario *s, struct canary_outcome *out)
{
	size_t total0, mine0;
	int online0;
	char state[32];
	unsigned long long id0 = s->router_node_id;
	char ip0[64];

	snprintf(ip0, sizeof(ip0), "%s", s->router_ip4);
	if (!s->restart_router || !s->authkey || !s->router_hostname)
		return error("restart-persistence needs the run's restart hook, key and hostname");
	/* a reboot proves persistence only from a router that was online before it */
	if (router_wait_running(s, scaled(s, 30000), state, sizeof(state)) < 0) {
		canary_fail(out, "not-online-before",
			    "before the reboot the router was not Running "
			    "(BackendState %s): nothing to persist",
			    *state ? state : "unknown");
		return 0;
	}
	if (count_nodes(s, &total0, &mine0, &online0) < 0)
		return -1;
	strbuf_addf(&out->detail,
		    "before: BackendState %s; node %llu, %s, %s in headscale; "
		    "headscale lists %zu nodes, %zu named %s\n",
		    state, id0, ip0, online0 ? "online" : "NOT online", total0, mine0,
		    s->router_hostname);
	if (!online0) {
		canary_fail(out, "not-online-before",
			    "before the reboot headscale did not list the "
			    "router (node %llu) as online: nothing to persist",
			    id0);
		return 0;
	}
	/* the key that joined it is gone: only the flash can bring it back */
	if (headscale_expire_authkey(s->hs, s->authkey) < 0)
		return -1;
	strbuf_addf(&out->detail, "the pre-auth key it joined with is expired\n");
	was.id = id0;
	snprintf(was.ip4, sizeof(was.ip4), "%s", ip0);
	was.total = total0;
	was.mine = mine0;
	return 1;
}

/* Booted again on its flash (restarted < 0: it did not): the same node, MagicDNS. */
int restart_persistence_after(struct scenario *s, struct canary_outcome *out, int restarted,
			      const struct router_restart_result *res)
{
	size_t total1, mine1;

	if (restarted < 0) {
		/* a verdict, not a harness error: the router did not come back */
		canary_fail(out, "reboot-failed",
			    "the router did not boot again on its flash "
			    "(see run.log and console.boot2.log)");
		return 0;
	}
	json_object_set_new(out->figures, "reboot_boot_s", json_real(res->boot_s));
	json_object_set_new(out->figures, "reboot_online_s", json_real(res->online_s));
	json_object_set_new(s->metrics, "reboot_boot_s", json_real(res->boot_s));
	json_object_set_new(s->metrics, "reboot_online_s", json_real(res->online_s));
	strbuf_addf(&out->detail,
		    "reboot: agent after %.1f s; tailscaled %s after %.1f s (BackendState %s)\n",
		    res->boot_s, res->online ? "online" : "NOT online", res->online_s,
		    res->backend_state[0] ? res->backend_state : "unknown");
	if (count_nodes(s, &total1, &mine1, NULL) < 0)
		return -1;
	strbuf_addf(&out->detail, "after: node %llu, %s; headscale lists %zu nodes, %zu named %s\n",
		    res->node_id, res->ip4[0] ? res->ip4 : "-", total1, mine1, s->router_hostname);
	out->verdict = VERDICT_PASS;
	if (!res->online) {
		canary_fail(out, "not-online",
			    "after the reboot the router did not come online "
			    "(BackendState %s)",
			    res->backend_state[0] ? res->backend_state : "unknown");
		return 0;
	}
	if (res->node_id != was.id || total1 != was.total || mine1 != was.mine)
		canary_fail(out, "new-node",
			    "the router came back as node %llu (was %llu); "
			    "headscale lists %zu nodes (was %zu)",
			    res->node_id, was.id, total1, was.total);
	else if (strcmp(res->ip4, was.ip4))
		canary_fail(out, "new-address", "the router came back as %s (was %s)", res->ip4,
			    was.ip4);
	return quad100_again(s, out);
}
