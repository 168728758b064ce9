/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * derp-only: when something on the way (the MikroTik host's firewall, an
 * ISP) drops UDP between a client and the router, the tailnet must fall
 * back to the DERP relay and the router must stay useful: a client using it
 * as exit node still reaches the internet and resolves public names.
 *
 * First the client-router path must be direct (a path already on DERP
 * proves nothing). Then tables in the RouterOS host's namespace drop UDP
 * between the client and the router's WAN address, both ways and in both
 * address families (udpblock.h: 198.51.100.20 <-> 198.51.100.2 and
 * 2001:db8::20 <-> 2001:db8::2); `tailscale ping` must report DERP and the
 * drop counters of each family must have risen (a family whose counter
 * stays at zero carried no direct path to block).
 * With the block still in place the client uses the router as exit node for
 * a web fetch and a MagicDNS lookup, both seen upstream from the router's
 * WAN address, and the path must still be DERP afterwards. Finally the block
 * goes (on every path: its removal sits on the undo stack) and the path must
 * come back direct, so later canaries are not slowed.
 */
#include "canary.h"

#include "clock.h"
#include "guestprobe.h"
#include "lab.h"
#include "log.h"
#include "node.h"
#include "peers.h"
#include "tailnet.h"
#include "tsping.h"
#include "udpblock.h"
#include "undo.h"
#include "zone.h"

#include <stdio.h>
#include <string.h>

int canary_derp_only(struct scenario *s, struct canary_outcome *out);

/* What polling `tailscale ping` for one kind of path saw. */
struct path_wait {
	int attempts, pongs, direct, derp, timeouts;
	struct tsping_pong last; /* the last reply (path TSPING_OTHER, node "" if none) */
	double reached_s;        /* since t0 until the wanted reply arrived; -1: never */
	struct strbuf err;       /* the CLI's last complaint */
};

/*
 * Per-ping timeout: a reply in the lab takes milliseconds even under TCG;
 * while the dead direct path is still trusted every ping times out, so this
 * is also the resolution of derp_switch_s.
 */
static int ping_timeout_ms(const struct scenario *s)
{
	return scaled(s, 500);
}

/*
 * One `tailscale ping --c=1` from the client to the router. With
 * until_direct (the CLI's default) a direct reply returns at once; any
 * other reply costs the CLI's own 1 s pause: paced polling either way.
 */
static int ping_router(struct scenario *s, int until_direct, struct tsping_result *res,
		       struct strbuf *err)
{
	char timeout[32];
	const char *args[] = {
		"ping",        "--c=1",
		timeout,       until_direct ? "--until-direct=true" : "--until-direct=false",
		s->router_ip4, NULL
	};
	struct strbuf o = STRBUF_INIT;
	int status = 0, ret;

	snprintf(timeout, sizeof(timeout), "--timeout=%dms", ping_timeout_ms(s));
	strbuf_reset(err);
	ret = node_cli(&s->peers->client, args, ping_timeout_ms(s) + 15000, &o, err, &status);
	if (ret == 0)
		tsping_parse(strbuf_str(&o), o.len, res);
	strbuf_release(&o);
	return ret;
}

/*
 * Ping until a reply comes the wanted way or timeout_ms passes; w->reached_s
 * counts from t0 to that reply (the attempt's start plus its latency).
 * -1 only when the CLI could not run at all.
 */
static int wait_path(struct scenario *s, enum tsping_path want, double t0, int timeout_ms,
		     struct path_wait *w)
{
	double deadline = mono_s() + timeout_ms / 1000.0;

	w->attempts = w->pongs = w->direct = w->derp = w->timeouts = 0;
	memset(&w->last, 0, sizeof(w->last));
	w->reached_s = -1;
	do {
		double start = mono_s();
		struct tsping_result r;

		if (ping_router(s, want == TSPING_DIRECT, &r, &w->err) < 0)
			return -1;
		w->attempts++;
		w->pongs += r.pongs;
		w->direct += r.direct;
		w->derp += r.derp;
		w->timeouts += r.timeouts;
		if (!r.pongs)
			continue;
		w->last = r.last;
		if (r.last.path == want) {
			w->reached_s = start - t0 +
				       (r.last.latency_ms > 0 ? r.last.latency_ms / 1e3 : 0);
			return 0;
		}
	} while (mono_s() < deadline && !interrupted());
	return 0;
}

/* One evidence line for a phase's pings. */
static void describe_wait(struct strbuf *d, const char *phase, const struct path_wait *w)
{
	strbuf_addf(d, "%s: %d pings, %d replies (%d direct, %d DERP), %d timed out", phase,
		    w->attempts, w->pongs, w->direct, w->derp, w->timeouts);
	if (w->pongs)
		strbuf_addf(d, "; last reply via %s %s in %.1f ms", tsping_path_name(w->last.path),
			    w->last.via, w->last.latency_ms);
	else if (w->err.len)
		strbuf_addf(d, "; cli: %.200s", strbuf_str(&w->err));
	strbuf_addch(d, '\n');
}

/* The client's current exit node's IPv4 into ip ("" for none); -1 if status fails. */
static int client_exit_node(struct node *client, char *ip, size_t len)
{
	json_t *st = node_status(client), *peers, *peer;
	const char *key;

	*ip = '\0';
	if (!st)
		return error("cannot read the client's status");
	peers = json_object_get(st, "Peer");
	json_object_foreach(peers, key, peer)
	{
		const char *addr = node_peer_is_exit_node(peer) ? node_peer_ip(peer, 0) : NULL;

		if (addr) {
			snprintf(ip, len, "%s", addr);
			break;
		}
	}
	json_decref(st);
	return 0;
}

/*
 * 1 if the client's status has a trusted direct address for the router
 * (CurAddr), 0 if it sends via DERP; the peer's addresses into the detail.
 * Status costs no ping: what the data path used, as it stands.
 */
static int status_direct(struct scenario *s, struct canary_outcome *out)
{
	json_t *st = node_status(&s->peers->client);
	json_t *peer = st ? node_status_peer(st, s->router_ip4) : NULL;
	const char *cur, *relay;
	int direct;

	if (!peer) {
		json_decref(st);
		return error("the client's status lists no peer '%s'", s->router_ip4);
	}
	cur = json_string_value(json_object_get(peer, "CurAddr"));
	relay = json_string_value(json_object_get(peer, "Relay"));
	direct = node_peer_direct(peer);
	strbuf_addf(&out->detail, "client status for the router: CurAddr '%s', Relay '%s'\n",
		    cur ? cur : "", relay ? relay : "");
	json_decref(st);
	return direct;
}

/* The blocks of both address families. */
struct blocks {
	struct udpblock v4, v6;
};

/* Drops of both blocks so far. */
struct drops {
	long long v4, v6;
};

/*
 * Drop counters into the detail and figures under label
 * (<label>_drop_packets for IPv4, <label>_drop_packets6); 0, or -1.
 */
static int note_drops(struct blocks *b, struct canary_outcome *out, const char *label,
		      struct drops *d)
{
	struct udpblock_counts c4 = { 0 }, c6 = { 0 };
	char key[64];

	if (udpblock_read(&b->v4, &c4) < 0 || udpblock_read(&b->v6, &c6) < 0)
		return -1;
	strbuf_addf(&out->detail,
		    "%s: UDP dropped IPv4 %lld client->router, %lld router->client; "
		    "IPv6 %lld client->router, %lld router->client\n",
		    label, c4.from_peer, c4.to_peer, c6.from_peer, c6.to_peer);
	d->v4 = c4.from_peer + c4.to_peer;
	d->v6 = c6.from_peer + c6.to_peer;
	snprintf(key, sizeof(key), "%s_drop_packets", label);
	json_object_set_new(out->figures, key, json_integer(d->v4));
	snprintf(key, sizeof(key), "%s_drop_packets6", label);
	json_object_set_new(out->figures, key, json_integer(d->v6));
	return 0;
}

/* The blocks' drops as the run metrics derp_drop_packets(6) (best effort). */
static void record_drops(struct scenario *s, struct blocks *b)
{
	struct udpblock_counts c = { 0 };

	if (udpblock_read(&b->v4, &c) == 0)
		json_object_set_new(s->metrics, "derp_drop_packets",
				    json_integer(c.from_peer + c.to_peer));
	memset(&c, 0, sizeof(c));
	if (udpblock_read(&b->v6, &c) == 0)
		json_object_set_new(s->metrics, "derp_drop_packets6",
				    json_integer(c.from_peer + c.to_peer));
}

/* Figure and run metric at once (the summary keeps the run's figures). */
static void figure(struct scenario *s, struct canary_outcome *out, const char *key, json_t *v)
{
	json_object_set(out->figures, key, v);
	json_object_set_new(s->metrics, key, v);
}

/*
 * With the path on DERP: the client uses the router as exit node, fetches
 * from the web server and resolves a public name through the router, both
 * seen upstream from the router's WAN address. Restores the exit node.
 */
static int exit_over_derp(struct scenario *s, struct canary_outcome *out, const char *prev_exit)
{
	struct probe_site site = { s->peers->client_ns };
	const char *web_needles[] = { "src=" LAB_ROUTER_WAN ":", "status=200", NULL };
	const char *dns_needles[] = { "src=" LAB_ROUTER_WAN ":", "qname=www.canary.test", NULL };
	int timeout_ms = scaled(s, 20000), ret = 0;
	char zone_path[512], zone_addr[128], line[512];
	struct guestprobe res;
	size_t mark;

	snprintf(zone_path, sizeof(zone_path), "%s/" ZONE_UPSTREAM, s->fixtures_dir);
	if (zone_lookup(zone_path, "www.canary.test", 0, zone_addr, sizeof(zone_addr)) < 0)
		return -1;
	if (node_use_exit(&s->peers->client, s->router_ip4, timeout_ms) < 0)
		return -1;
	mark = log_mark(s->peers->web_log);
	if (probe_http(s, &site, out, "web over DERP", "http://" LAB_WEB "/derp-only",
		       scaled(s, PROBE_ANSWER_MS), &res) < 0) {
		ret = -1;
		goto restore;
	}
	if (res.exit_code != 0)
		canary_fail(out, "no-traffic",
			    "with direct UDP dropped, GET http://%s/ through the "
			    "router as exit node failed",
			    LAB_WEB);
	else if (log_find_since(s->peers->web_log, mark, web_needles, line, sizeof(line)) < 0)
		canary_fail(out, "not-via-exit",
			    "with direct UDP dropped, the web server did not "
			    "see the request from the router's WAN address %s",
			    LAB_ROUTER_WAN);
	else
		strbuf_addf(&out->detail, "web log: %s\n", line);
	/* DNS goes to the router's PeerAPI DoH once the client knows its URL */
	if (router_peerapi_wait(s, &s->peers->client, NULL, 0) < 0)
		strbuf_addf(&out->detail,
			    "no PeerAPI URL for the router within %d s of its coming online\n",
			    scaled(s, PEERAPI_SETTLE_MS / 1000));
	mark = log_mark(s->upstream_dns_log);
	if (probe_dns(s, &site, out, "dns over DERP", LAB_QUAD100, "www.canary.test", "udp",
		      zone_addr, scaled(s, 5000), &res) < 0) {
		ret = -1;
		goto restore;
	}
	if (res.latency_ms >= 0)
		json_object_set_new(out->figures, "dns_latency_ms", json_real(res.latency_ms));
	if (res.exit_code != 0)
		canary_fail(out, "no-dns",
			    "with direct UDP dropped, www.canary.test did not resolve "
			    "through the router (%s)",
			    res.exit_code == 2 ? "no answer" : "wrong answer or rcode");
	else if (log_find_since(s->upstream_dns_log, mark, dns_needles, line, sizeof(line)) < 0)
		canary_fail(out, "not-via-exit",
			    "with direct UDP dropped, upstream DNS never saw "
			    "the query from the router's WAN address %s",
			    LAB_ROUTER_WAN);
	else
		strbuf_addf(&out->detail, "upstream dns log: %s\n", line);
restore:
	if (node_use_exit(&s->peers->client, prev_exit, timeout_ms) < 0)
		ret = -1;
	return ret;
}

/* Phases 2 and 3, with the block in place; the caller removes it. */
static int while_blocked(struct scenario *s, struct canary_outcome *out, struct blocks *b,
			 double t_block, const char *prev_exit, struct path_wait *w)
{
	int timeout_ms = scaled(s, 20000), direct;
	struct drops d;

	if (wait_path(s, TSPING_DERP, t_block, timeout_ms, w) < 0)
		return -1;
	describe_wait(&out->detail, "with UDP dropped", w);
	if (note_drops(b, out, "at_switch", &d) < 0)
		return -1;
	if (w->reached_s < 0) {
		if (w->direct)
			canary_fail(
				out, "still-direct",
				"with UDP between the client and the "
				"router's WAN (%s, %s) dropped, replies still came direct after "
				"%d s",
				LAB_ROUTER_WAN, LAB_ROUTER_WAN6, timeout_ms / 1000);
		else
			canary_fail(
				out, "no-derp",
				"with UDP between the client and the router's "
				"WAN (%s, %s) dropped, no reply came via DERP within %d s (%d via "
				"other paths, %d timed out)",
				LAB_ROUTER_WAN, LAB_ROUTER_WAN6, timeout_ms / 1000, w->pongs,
				w->timeouts);
		return 0;
	}
	figure(s, out, "derp_switch_s", json_real(w->reached_s));
	figure(s, out, "ping_derp_ms", json_real(w->last.latency_ms));
	if (d.v4 + d.v6 == 0) {
		canary_fail(out, "no-drops",
			    "the path went DERP but the UDP blocks dropped nothing: "
			    "the direct path did not run between the client and %s or %s",
			    LAB_ROUTER_WAN, LAB_ROUTER_WAN6);
		return 0;
	}
	if (exit_over_derp(s, out, prev_exit) < 0)
		return -1;
	/* the traffic above must not have found a direct path after all */
	direct = status_direct(s, out);
	if (direct < 0)
		return -1;
	if (direct)
		canary_fail(out, "still-direct",
			    "after the exit-node traffic the client's status "
			    "shows a direct path to the router again");
	if (note_drops(b, out, "at_end", &d) < 0)
		return -1;
	/* by now each family's direct candidates were tried, and dropped */
	if (d.v4 == 0)
		canary_fail(out, "no-drops",
			    "the IPv4 block (%s <-> %s) dropped nothing: no direct "
			    "IPv4 path was tried",
			    LAB_CLIENT, LAB_ROUTER_WAN);
	if (d.v6 == 0)
		canary_fail(out, "no-drops6",
			    "the IPv6 block (%s <-> %s) dropped nothing: no direct "
			    "IPv6 path was tried",
			    LAB_CLIENT6, LAB_ROUTER_WAN6);
	return 0;
}

int canary_derp_only(struct scenario *s, struct canary_outcome *out)
{
	struct path_wait w = { .err = STRBUF_INIT };
	struct blocks block;
	char prev_exit[64];
	double t0;
	int ret = 0;

	out->verdict = VERDICT_PASS;
	if (client_exit_node(&s->peers->client, prev_exit, sizeof(prev_exit)) < 0)
		return -1;
	/* 1: the path must start direct; disco may need a few pings after idling */
	t0 = mono_s();
	if (wait_path(s, TSPING_DIRECT, t0, scaled(s, 10000), &w) < 0) {
		ret = -1;
		goto out;
	}
	describe_wait(&out->detail, "before", &w);
	if (w.reached_s < 0) {
		canary_fail(out, "never-direct",
			    "the client never reached the router directly "
			    "(%d replies via DERP, %d timed out in %d pings): dropping UDP would "
			    "prove nothing",
			    w.derp, w.timeouts, w.attempts);
		goto out;
	}
	figure(s, out, "ping_direct_ms", json_real(w.last.latency_ms));
	/* 2 and 3: drop UDP on the router's host, both ways, both families */
	if (udpblock_add(&block.v4, s->lab->routeros, LAB_CLIENT, LAB_ROUTER_WAN) < 0) {
		ret = -1;
		goto out;
	}
	if (udpblock_add(&block.v6, s->lab->routeros, LAB_CLIENT6, LAB_ROUTER_WAN6) < 0) {
		udpblock_remove(&block.v4);
		ret = -1;
		goto out;
	}
	t0 = mono_s();
	strbuf_addf(&out->detail, "dropping UDP %s <-> %s and %s <-> %s in '%s'\n", LAB_CLIENT,
		    LAB_ROUTER_WAN, LAB_CLIENT6, LAB_ROUTER_WAN6, s->lab->routeros);
	ret = while_blocked(s, out, &block, t0, prev_exit, &w);
	record_drops(s, &block);
	/* 4: restore (the later block first: removal unwinds the undo stack), then
	 * give later canaries their direct path back */
	if (udpblock_remove(&block.v6) < 0 || udpblock_remove(&block.v4) < 0) {
		ret = -1;
		goto out;
	}
	t0 = mono_s();
	if (wait_path(s, TSPING_DIRECT, t0, scaled(s, 20000), &w) < 0) {
		ret = -1;
		goto out;
	}
	describe_wait(&out->detail, "after removing the block", &w);
	if (w.reached_s < 0)
		canary_fail(out, "no-recovery",
			    "the path did not come back direct within %d s of "
			    "removing the UDP block",
			    scaled(s, 20));
	else
		figure(s, out, "direct_recover_s", json_real(w.reached_s));
out:
	strbuf_release(&w.err);
	return ret;
}
