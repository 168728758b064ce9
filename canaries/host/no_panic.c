/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * no-panic: packets tailscaled injects itself (TSMP pings and pongs) go
 * through net/tstun's injected-read path; a build without netstack panicked
 * there in invertGSOChecksum. With the router Running, a TSMP ping each way
 * must get its pong, and tailscaled must stay the process it was when this
 * canary started, log no panic from then on, and keep its LocalAPI
 * answering. An earlier canary's crash is not this one's: the pid and the
 * log are judged from a snapshot taken at the start.
 */
#include "canary.h"

#include "agent.h"
#include "node.h"
#include "peers.h"
#include "tailnet.h"
#include "tsping.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int canary_no_panic(struct scenario *s, struct canary_outcome *out);

/* TSMP pings each way, at most (the first pong ends them) */
#define PING_TRIES 3
#define STR_(x)    #x
#define STR(x)     STR_(x)

/* tailscaled as the guest agent sees it, and how long its log is. */
struct ts_snapshot {
	int pid;
	unsigned starts, exits;
	size_t log_len;
};

static int snapshot(struct scenario *s, struct ts_snapshot *snap, struct strbuf *log)
{
	struct agent_status st;

	if (agent_status(s->router, NULL, &st) < 0)
		return -1;
	snap->pid = (int)st.pid;
	snap->starts = st.start_count;
	snap->exits = st.exits;
	strbuf_reset(log);
	if (agent_read_file(s->router, s->router_ts_log, 16 << 20, log, NULL) < 0)
		return -1;
	snap->log_len = log->len;
	return 0;
}

/* One TSMP ping; 1 when a pong came back from ip, with what was seen in detail. */
static int tsmp_pong(struct strbuf *detail, const char *what, const char *ip, int rc,
		     struct strbuf *o, struct strbuf *e)
{
	struct tsping_result res;
	int ok;

	strbuf_rtrim(o);
	strbuf_rtrim(e);
	tsping_parse(strbuf_str(o), o->len, &res);
	ok = rc == 0 && res.pongs > 0 && !strcmp(res.last.ip, ip) && !strcmp(res.last.via, "TSMP");
	strbuf_addf(detail, "%s tsmp ping: exit %s, %d pong(s)%s%s%s; output: %s%s%s\n", what,
		    rc == 0 ? "0" : "non-zero", res.pongs, res.pongs ? " from " : "",
		    res.pongs ? res.last.ip : "",
		    res.pongs ? (ok ? " via TSMP" : " (not a TSMP pong from the target)") : "",
		    o->len ? strbuf_str(o) : "(none)", e->len ? "; stderr: " : "", strbuf_str(e));
	return ok;
}

int canary_no_panic(struct scenario *s, struct canary_outcome *out)
{
	const char *to_client[] = {
		"ping", "--tsmp", "--c=" STR(PING_TRIES), "--timeout=5s", s->peers->client_ip4, NULL
	};
	const char *to_router[] = {
		"ping", "--tsmp", "--c=1", "--timeout=5s", s->router_ip4, NULL
	};
	struct strbuf o = STRBUF_INIT, e = STRBUF_INIT, log = STRBUF_INIT;
	struct ts_snapshot before, after;
	struct agent_status mid;
	char state[32];
	const char *crash;
	int rc, st = 0, pong_out, pong_in, ret = -1;
	json_t *j = NULL;

	out->verdict = VERDICT_PASS;
	if (router_wait_running(s, scaled(s, 40000), state, sizeof(state)) < 0) {
		canary_fail(out, "not-running",
			    "the router's tailscaled was not Running before the pings "
			    "(BackendState %s)",
			    *state ? state : "unknown");
		return 0;
	}
	if (snapshot(s, &before, &log) < 0)
		goto out;
	strbuf_addf(&out->detail, "at start: pid %d, starts %u, exits %u, log %zu bytes\n",
		    before.pid, before.starts, before.exits, before.log_len);

	rc = router_cli(s, to_client, scaled(s, 30000), &o, &e);
	pong_out = tsmp_pong(&out->detail, "router -> client", s->peers->client_ip4, rc, &o, &e);
	/*
	 * The client's pings, one at a time (three tries, as the router's),
	 * each after a look at the router's tailscaled: one that ended has its
	 * verdict (the panic in its log, else the restart, both judged below
	 * before any missing pong), and further pings would only wait out their
	 * timeouts on a daemon that is not there. The router ends on the
	 * client's first ping when injecting its pong panics.
	 */
	pong_in = 0;
	for (int try = 1; try <= PING_TRIES && !pong_in; try++) {
		if (agent_status(s->router, NULL, &mid) < 0)
			goto out;
		if (mid.pid != before.pid || mid.start_count != before.starts ||
		    mid.exits != before.exits) {
			strbuf_addf(&out->detail,
				    "client -> router: ping %d not tried: tailscaled ended "
				    "(pid %d -> %ld, exits %u -> %u)\n",
				    try, before.pid, (long)mid.pid, before.exits, mid.exits);
			break;
		}
		strbuf_reset(&o);
		strbuf_reset(&e);
		rc = node_cli(&s->peers->client, to_router, scaled(s, 30000), &o, &e, &st);
		pong_in = tsmp_pong(&out->detail, "client -> router", s->router_ip4, rc, &o, &e);
	}

	if (snapshot(s, &after, &log) < 0)
		goto out;
	strbuf_addf(&out->detail, "after: pid %d, starts %u, exits %u, log %zu bytes\n", after.pid,
		    after.starts, after.exits, after.log_len);
	{
		/* the log only grows (appended across restarts); from 0 if it was replaced */
		size_t from = after.log_len >= before.log_len ? before.log_len : 0;
		struct strbuf hits = STRBUF_INIT;

		crash = log_panic_signature(log.buf + from, log.len - from);
		if (crash) {
			log_grep(log.buf + from, log.len - from, "panic:", &hits);
			log_grep(log.buf + from, log.len - from, "invertGSOChecksum", &hits);
			strbuf_addf(&out->detail, "log since the start:\n%s", strbuf_str(&hits));
		}
		strbuf_release(&hits);
	}
	if (crash)
		canary_fail(out, crash, "tailscaled %s on injected TSMP packets",
			    strcmp(crash, "panic") ? "panicked in invertGSOChecksum" : "panicked");
	else if (after.pid != before.pid || after.starts != before.starts ||
		 after.exits != before.exits)
		canary_fail(out, "restart",
			    "tailscaled restarted during the TSMP pings (pid %d -> %d)", before.pid,
			    after.pid);
	else if (!pong_out || !pong_in)
		canary_fail(out, "no-pong", "no TSMP pong %s",
			    !pong_out && !pong_in ? "either way"
			    : !pong_out           ? "from the client to the router's ping"
						  : "from the router to the client's ping");
	else if (!(j = router_status_json(s, 15000, 0)))
		canary_fail(out, "localapi",
			    "the router's LocalAPI did not answer /localapi/v0/status");
	ret = 0;
out:
	json_decref(j);
	strbuf_release(&o);
	strbuf_release(&e);
	strbuf_release(&log);
	return ret;
}
