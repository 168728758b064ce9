/* SPDX-License-Identifier: BSD-3-Clause */
/* The router's planned restarts and the group that shares one (restart.h). */
#include "restart.h"

#include "agent.h"
#include "canary.h"
#include "clock.h"
#include "faults.h"
#include "headscale.h"
#include "log.h"
#include "proc.h"
#include "runner.h"
#include "sentinel.h"
#include "strbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * The canaries that restart the router (before() and after() around the
 * restart their registry entry asks for): each one's before() in registry
 * order, one restart that is a reboot if any asks for one and carries
 * every extra_env, then each after(). Selected together they share that
 * restart; its time counts for the canary that asked for its kind (the
 * reboot's, else the first), under that canary's watchdog.
 */
#define RESTART_ENV_MAX 16

/* What a canary that restarts the router carries from its first half to its second. */
struct canary_slot {
	const struct canary *c;
	struct canary_outcome out;
	double spent; /* seconds so far, the restart's included for its owner */
	int ret;      /* before(): 1 wants the restart, 0 verdict in, -1 error */
};

void run_restart_group(struct run *r, const struct canary *const *cs, size_t n)
{
	struct canary_slot g[RESTART_GROUP_MAX] = { 0 };
	const char *env[RESTART_ENV_MAX + 1];
	struct router_restart rq = { 0 };
	struct router_restart_result res = { 0 };
	struct canary_slot *owner = NULL;
	size_t ne = 0;
	int restarted = -1;

	if (n > RESTART_GROUP_MAX)
		n = RESTART_GROUP_MAX;
	for (size_t k = 0; k < n; k++) {
		g[k].c = cs[k];
		g[k].out.figures = json_object();
		progress("canary", "%s (%s): up to the restart%s", g[k].c->name,
			 canary_where_name(g[k].c->where), n > 1 ? " it shares" : "");
		g[k].ret = run_part(r, g[k].c, PART_BEFORE, &g[k].out, &g[k].spent, 0, NULL);
		if (g[k].ret <= 0 || g[k].out.timed_out)
			continue;
		if (!owner || (g[k].c->restart.reboot && !rq.reboot))
			owner = &g[k];
		rq.reboot |= g[k].c->restart.reboot;
		for (const char *const *e = g[k].c->restart.extra_env;
		     e && *e && ne < RESTART_ENV_MAX; e++)
			env[ne++] = *e;
	}
	env[ne] = NULL;
	rq.extra_env = ne ? env : NULL;
	if (owner) {
		double t0 = watch_begin(r, owner->c, owner->spent);

		restarted = restart_router(&r->s, &rq, &res);
		watch_end(r, owner->c, &owner->out, t0, &owner->spent);
	}
	for (size_t k = 0; k < n; k++) {
		struct canary_slot *m = &g[k];

		if (m->ret > 0 && !m->out.timed_out) {
			if (m != owner)
				strbuf_addf(&m->out.detail,
					    "the restart was shared with %s (%s, %.1f s "
					    "to online)\n",
					    owner->c->name,
					    rq.reboot ? "a reboot" : "a container restart",
					    res.online_s);
			progress("canary", "%s (%s): after the restart", m->c->name,
				 canary_where_name(m->c->where));
			if (!r->s.router && m != owner) {
				/* a planned restart that failed took the VM with it */
				canary_fail(&m->out, "agent-lost",
					    "the router VM is gone (a planned restart failed)");
				m->ret = 0;
			} else {
				m->ret = run_part(r, m->c, PART_AFTER, &m->out, &m->spent,
						  restarted, &res);
			}
		}
		finish_canary(r, m->c, &m->out, m->ret, m->spent);
	}
}

int restart_router(struct scenario *s, const struct router_restart *rq,
		   struct router_restart_result *res)
{
	struct run *r = run_of(s);
	struct hs_node node = { 0 };
	double t0;
	int ret = -1;

	memset(res, 0, sizeof(*res));
	end_life(r);
	if (rq->reboot) {
		char *sock = xasprintf("%s/agent.sock", r->workdir);

		progress("restart", "powering the router VM off (flash kept)");
		power_off(r);
		if (r->qemu && proc_wait(r->qemu, 1000, NULL) == 1)
			proc_stop(r->qemu, 5000);
		unlink(sock);
		free(sock);
		t0 = now_s();
		if (r->canary_now && fault_for("noboot", r->canary_now))
			return error("the router VM did not start again (fault injection)");
		if (step_qemu(r) < 0 || step_boot_wait(r) < 0 || step_configure_guest(r) < 0)
			return -1;
		res->boot_s = now_s() - t0;
	} else {
		const char *const empty = "";

		progress("restart", "restarting the router's container");
		if (agent_stop_child(r->s.router, 10000) < 0 ||
		    agent_write_file(r->s.router, GUEST_TS_LOG, 0644, empty, 0) < 0)
			return -1;
	}
	t0 = now_s();
	if (step_start_entrypoint(r, rq->extra_env) < 0 ||
	    wait_guest_socket(r, scaled(&r->s, 60000)) < 0)
		return -1;
	if (wait_online(r, scaled(&r->s, 90000), scaled(&r->s, 15000), &node, res->backend_state,
			sizeof(res->backend_state)) == 0) {
		res->online = 1;
		r->s.router_online_at = mono_s();
		res->node_id = node.id;
		snprintf(res->ip4, sizeof(res->ip4), "%s", node.ipv4 ? node.ipv4 : "");
	}
	res->online_s = now_s() - t0;
	progress("restart", "router %s after %.1f s (%s)", res->online ? "online" : "NOT online",
		 res->online_s, res->backend_state[0] ? res->backend_state : "no state");
	ret = 0;
	hs_node_release(&node);
	return ret;
}
