/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The router coming online, for the run's join and for a planned restart
 * (restart.c): tailscaled's LocalAPI socket in the guest, then Running with
 * no health warning that makes the join unsound, online in headscale.
 */
#include "runner.h"

#include "agent.h"
#include "headscale.h"
#include "log.h"
#include "router.h"
#include "undo.h"

#include <poll.h>
#include <stdio.h>
#include <string.h>

/* Between probes for tailscaled's socket. */
#define SOCKET_POLL_MS 100

int wait_guest_socket(struct run *r, int timeout_ms)
{
	double deadline = now_s() + timeout_ms / 1000.0;
	const char *argv[] = { GUEST_BUSYBOX, "test", "-S", ROUTER_TS_SOCKET, NULL };

	while (now_s() < deadline && !interrupted()) {
		struct agent_cmd cmd = { .argv = argv, .timeout_ms = 5000 };
		struct agent_result res = AGENT_RESULT_INIT;
		int ok;

		if (agent_exec(r->s.router, &cmd, &res) < 0)
			return -1;
		ok = res.status == 0;
		agent_result_release(&res);
		if (ok)
			return 0;
		/*
		 * Each probe is an exec in the guest (tens of ms of its CPU under
		 * TCG), and tailscaled is unpacking itself meanwhile: back to back,
		 * the probes held tailscaled's socket back by 0.2-0.3 s.
		 */
		poll(NULL, 0, SOCKET_POLL_MS);
	}
	return error("tailscaled socket %s did not appear within %d s", ROUTER_TS_SOCKET,
		     timeout_ms / 1000);
}

/* A health warning about control, DERP or DNS means the join is not sound. */
static int health_blocks_online(const char *w)
{
	static const char *const words[] = { "control", "coordination", "DERP", "derp",
					     "DNS",     "dns",          "relay" };

	for (size_t i = 0; i < ARRAY_SIZE(words); i++)
		if (strstr(w, words[i]))
			return 1;
	return 0;
}

/*
 * Online: tailscaled reports BackendState Running with no control/DERP/DNS
 * health warning, and headscale sees the router online. Its headscale
 * entry goes into *node, the last BackendState into state_out. With
 * login_grace_ms, give up once tailscaled has said NeedsLogin that long:
 * after a restart without a key nothing else will log it in.
 */
#define ONLINE_POLL_MS 250
int wait_online(struct run *r, int timeout_ms, int login_grace_ms, struct hs_node *node,
		char *state_out, size_t state_len)
{
	double t0 = now_s(), deadline = t0 + timeout_ms / 1000.0, login_since = 0;
	char state_buf[32] = "";
	int online = 0;

	while (!online && now_s() < deadline && !interrupted()) {
		/* the LocalAPI through the agent: the CLI would unpack itself each time */
		json_t *st = router_status_json(&r->s, 15000, 1);
		const char *state = json_string_value(json_object_get(st, "BackendState"));
		json_t *w;
		size_t i;
		int blocked = 0;

		snprintf(state_buf, sizeof(state_buf), "%s", state ? state : "");
		json_array_clear(r->health);
		json_array_foreach(json_object_get(st, "Health"), i, w)
		{
			const char *text = json_string_value(w);

			if (!text)
				continue;
			json_array_append(r->health, w);
			blocked |= health_blocks_online(text);
		}
		json_decref(st);
		if (!strcmp(state_buf, "Running") && !blocked) {
			/* the daemon says so: control must agree */
			hs_node_release(node);
			memset(node, 0, sizeof(*node));
			online = headscale_wait_online(&r->hs, r->hostname, scaled(&r->s, 10000),
						       node) == 0;
			continue;
		}
		debug("not online yet: BackendState=%s, %zu health warnings",
		      state_buf[0] ? state_buf : "?", json_array_size(r->health));
		if (strcmp(state_buf, "NeedsLogin"))
			login_since = 0;
		else if (!login_since)
			login_since = now_s();
		if (login_grace_ms && login_since &&
		    now_s() - login_since > login_grace_ms / 1000.0) {
			warning("tailscaled has needed a login for %.0f s: it lost its state",
				now_s() - login_since);
			break;
		}
		/* pace the polls: the guest is slow under TCG and tailscaled is starting */
		poll(NULL, 0, ONLINE_POLL_MS);
	}
	if (state_out && state_len)
		snprintf(state_out, state_len, "%s", state_buf);
	if (!online)
		return error("router did not come online within %.0f s (BackendState %s; wanted "
			     "Running, no control/DERP/DNS health warning, online in headscale)",
			     now_s() - t0, state_buf[0] ? state_buf : "unknown");
	return 0;
}
