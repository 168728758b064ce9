/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * flash-writes: /var/lib/tailscale is the router's flash (the VM's
 * virtio-blk disk). A router's netmap changes all day; a build that writes
 * on each one (the netmap cache) wears the flash out. First the
 * measurement is shown to mean something: the state dir is on the measured
 * disk, and a prefs change raises its written sectors. Then, from steady
 * state, six netmap changes, each one seen by the router: a node joins,
 * its route is approved, a DNS record is added through headscale's
 * extra-records file, the route is removed, the record is removed, the
 * node leaves. Pass only if the disk wrote no sector and the state dir
 * holds nothing but the files tailscaled must keep.
 */
#include "canary.h"

#include "agent.h"
#include "clock.h"
#include "flash.h"
#include "headscale.h"
#include "lab.h"
#include "log.h"
#include "node.h"
#include "peers.h"
#include "tailnet.h"
#include "undo.h"

#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The flash as the guest names it (vm/guest/init mounts it). */
#define FLASH_DEV "vda"
/*
 * A preference the daemon persists and nothing else reads: the profile's
 * nickname. The run's `tailscale up` sets none, so "" restores it.
 */
#define NICKNAME "tscanary-flash"
/*
 * The joining node: its own namespace on the stand-in internet, at an
 * address and with a route nothing else in the lab plan (lab.h) uses.
 */
#define PEER_NAME  "flashpeer"
#define PEER_ROLE  "fl"
#define PEER_CIDR  "198.51.100.40/24"
#define PEER_ROUTE "198.51.100.199/32"
/* The extra DNS record: under the MagicDNS domain, so MagicDNS answers it. */
#define REC_NAME "flash-rec." HEADSCALE_BASE_DOMAIN
#define REC_ADDR "198.51.100.201"
#define REC_JSON "[{\"name\": \"" REC_NAME "\", \"type\": \"A\", \"value\": \"" REC_ADDR "\"}]\n"

int canary_flash_writes(struct scenario *s, struct canary_outcome *out);

/* Run a busybox shell script in the router; stdout into o; 0 only on exit 0. */
static int guest_sh(struct scenario *s, const char *script, struct strbuf *o)
{
	const char *argv[] = { GUEST_BUSYBOX, "sh", "-c", script, NULL };
	struct agent_cmd cmd = { .argv = argv, .timeout_ms = scaled(s, 20000) };
	struct agent_result res = AGENT_RESULT_INIT;
	int ret = 0;

	if (agent_exec(s->router, &cmd, &res) < 0)
		return -1;
	if (res.status != 0 || res.timed_out) {
		strbuf_rtrim(&res.err);
		ret = error("guest script failed (%s): %s: %s",
			    res.timed_out ? "timed out" : "non-zero status", script,
			    strbuf_str(&res.err));
	} else if (o) {
		strbuf_add(o, strbuf_str(&res.out), res.out.len);
	}
	agent_result_release(&res);
	return ret;
}

/* sync in the guest (page cache to the disk), then the flash's written sectors. */
static int written_sectors(struct scenario *s, unsigned long long *sectors)
{
	struct agent_status st;

	if (guest_sh(s, GUEST_BUSYBOX " sync", NULL) < 0 ||
	    agent_status(s->router, FLASH_DEV, &st) < 0)
		return -1;
	if (st.disk_fields <= AGENT_DISK_WRITE_SECTORS)
		return error("no write counter in /sys/block/" FLASH_DEV "/stat: '%s'",
			     st.diskstat);
	*sectors = st.disk[AGENT_DISK_WRITE_SECTORS];
	return 0;
}

/*
 * The counter once it stands still: two readings in a row agree. What an
 * earlier step wrote is then on the disk and counted, not still in flight.
 */
static int settled_sectors(struct scenario *s, unsigned long long *sectors)
{
	double deadline = mono_s() + scaled(s, 10000) / 1000.0;
	unsigned long long prev, now;

	if (written_sectors(s, &prev) < 0)
		return -1;
	for (;;) {
		if (written_sectors(s, &now) < 0)
			return -1;
		if (now == prev) {
			*sectors = now;
			return 0;
		}
		if (mono_s() >= deadline || interrupted())
			return error("the flash kept writing (%llu then %llu sectors) for %d s",
				     prev, now, scaled(s, 10000) / 1000);
		prev = now;
	}
}

/*
 * The state dir must live on the disk whose counters we read: its st_dev
 * against /sys/block/<dev>/dev. 1 yes, 0 no (outcome failed), -1 error.
 */
static int check_device(struct scenario *s, struct canary_outcome *out)
{
	struct strbuf devnum = STRBUF_INIT, stdev = STRBUF_INIT, mnt = STRBUF_INIT;
	unsigned major, minor, got_major = 0, got_minor = 0;
	int match = -1;

	if (agent_read_file(s->router, "/sys/block/" FLASH_DEV "/dev", 64, &devnum, NULL) < 0 ||
	    flash_parse_devnum(strbuf_str(&devnum), &major, &minor) < 0 ||
	    guest_sh(s, GUEST_BUSYBOX " stat -c %d " FLASH_STATE_DIR, &stdev) < 0 ||
	    guest_sh(s, GUEST_BUSYBOX " grep ' " FLASH_STATE_DIR " ' /proc/mounts || true", &mnt) <
		    0)
		goto out;
	match = flash_dev_matches(strbuf_str(&stdev), major, minor, &got_major, &got_minor);
	if (match < 0)
		goto out;
	strbuf_rtrim(&mnt);
	strbuf_rtrim(&stdev);
	strbuf_addf(&out->detail, "state dir %s: st_dev %s (%u:%u), /dev/%s is %u:%u; mount: %s\n",
		    FLASH_STATE_DIR, strbuf_str(&stdev), got_major, got_minor, FLASH_DEV, major,
		    minor, mnt.len ? mnt.buf : "(not a mount point)");
	if (!match)
		canary_fail(out, "not-on-flash",
			    "%s is on device %u:%u, not on the measured "
			    "flash /dev/%s (%u:%u)",
			    FLASH_STATE_DIR, got_major, got_minor, FLASH_DEV, major, minor);
out:
	strbuf_release(&devnum);
	strbuf_release(&stdev);
	strbuf_release(&mnt);
	return match;
}

/*
 * Set the profile's nickname through the LocalAPI (PATCH prefs, as
 * `tailscale set --nickname` does); 0, or -1 with the answer reported.
 */
static int set_nickname(struct scenario *s, const char *name)
{
	struct strbuf body = STRBUF_INIT;
	int ret;

	strbuf_addf(&body, "{\"ProfileName\":\"%s\",\"ProfileNameSet\":true}", name);
	ret = router_set_prefs(s, body.buf, "nickname", scaled(s, 15000));
	strbuf_release(&body);
	return ret;
}

/*
 * The counter sees tailscaled's writes: a persisted pref change (the
 * nickname, then back) must raise the written sectors. 1 yes, 0 no, -1 error.
 */
static int check_counter(struct scenario *s, struct canary_outcome *out,
			 unsigned long long *prefs_sectors)
{
	unsigned long long before, after;
	long long delta;
	int ret = -1;

	if (settled_sectors(s, &before) < 0)
		return -1;
	if (set_nickname(s, NICKNAME) < 0) {
		error("cannot set the router's nickname");
		goto out;
	}
	if (written_sectors(s, &after) < 0)
		goto restore;
	delta = flash_sectors_delta(before, after);
	*prefs_sectors = delta > 0 ? (unsigned long long)delta : 0;
	strbuf_addf(&out->detail,
		    "counter check: the nickname pref set to %s wrote %lld sectors "
		    "(%llu -> %llu)\n",
		    NICKNAME, delta, before, after);
	ret = 1;
	if (delta <= 0) {
		canary_fail(out, "counter-dead",
			    "a persisted pref change wrote no sector to "
			    "/dev/%s: the counter cannot show tailscaled's writes",
			    FLASH_DEV);
		ret = 0;
	}
restore:
	if (set_nickname(s, "") < 0)
		ret = error("cannot clear the router's nickname again");
out:
	return ret;
}

/* What the router's netmap must show for a change to count as seen. */
enum router_view {
	VIEW_PEER,     /* the peer is listed */
	VIEW_NO_PEER,  /* the peer is gone */
	VIEW_ROUTE,    /* the peer carries PEER_ROUTE (PrimaryRoutes or AllowedIPs) */
	VIEW_NO_ROUTE, /* the peer is listed and carries PEER_ROUTE in neither */
	VIEW_REC,      /* its resolver answers REC_NAME with REC_ADDR */
	VIEW_NO_REC,   /* its resolver answers REC_NAME, but not with REC_ADDR */
};

static int has_route(json_t *peer, const char *route)
{
	int found = 0;

	for (int k = NODE_ROUTES_PRIMARY; k <= NODE_ROUTES_ALLOWED; k++) {
		char **r = node_peer_routes(peer, (enum node_route_kind)k, NULL);

		for (char **x = r; x && *x; x++)
			found |= !strcmp(*x, route);
		node_routes_free(r);
	}
	return found;
}

/*
 * Ask the router's own resolver (configured from its netmap) through the
 * LocalAPI, not through 100.100.100.100: that address needs netstack,
 * which this canary is not about. 1 when the answer is as wanted.
 */
static int router_resolves(struct scenario *s, int want_record, char *evidence, size_t len)
{
	const char *args[] = { "dns", "query", "--json", REC_NAME, "A", NULL };
	struct strbuf o = STRBUF_INIT, rcode = STRBUF_INIT, answers = STRBUF_INIT;
	int ok = 0;

	if (router_cli(s, args, scaled(s, 15000), &o, NULL) == 0 &&
	    flash_parse_dns_query(strbuf_str(&o), o.len, &rcode, &answers) == 0) {
		int has = 0;

		for (const char *a = answers.buf; a && *a; a += strcspn(a, ","), a += *a == ',')
			has |= !strncmp(a, REC_ADDR, strcspn(a, ",")) &&
			       strcspn(a, ",") == strlen(REC_ADDR);
		has &= !strcmp(rcode.buf, "RCodeSuccess");

		ok = want_record ? has : !has;
		snprintf(evidence, len, "tailscale dns query %s: %s answers=[%s]", REC_NAME,
			 rcode.buf, strbuf_str(&answers));
	}
	strbuf_release(&o);
	strbuf_release(&rcode);
	strbuf_release(&answers);
	return ok;
}

/* One look at the router's netmap: its LocalAPI status. */
static int router_shows(struct scenario *s, const char *peer_ip, enum router_view v, char *evidence,
			size_t len)
{
	json_t *st, *peer;
	int ok = 0;

	if (v == VIEW_REC || v == VIEW_NO_REC)
		return router_resolves(s, v == VIEW_REC, evidence, len);
	st = router_status_json(s, scaled(s, 15000), 1);
	if (!st)
		return 0;
	peer = node_status_peer(st, peer_ip);
	switch (v) {
	case VIEW_PEER: ok = peer != NULL; break;
	case VIEW_NO_PEER: ok = peer == NULL; break;
	case VIEW_ROUTE: ok = peer && has_route(peer, PEER_ROUTE); break;
	case VIEW_NO_ROUTE: ok = peer && !has_route(peer, PEER_ROUTE); break;
	default: break;
	}
	if (peer) {
		char **r = node_peer_routes(peer, NODE_ROUTES_PRIMARY, NULL);
		struct strbuf rs = STRBUF_INIT;

		for (char **x = r; x && *x; x++)
			strbuf_addf(&rs, "%s%s", x == r ? "" : ",", *x);
		snprintf(evidence, len, "peer %s listed, PrimaryRoutes [%s]", peer_ip,
			 strbuf_str(&rs));
		strbuf_release(&rs);
		node_routes_free(r);
	} else {
		snprintf(evidence, len, "peer %s not listed", peer_ip);
	}
	json_decref(st);
	return ok;
}

/*
 * Wait (bounded) until the router shows the change; record it in the
 * detail. 1 seen, 0 not (outcome failed: without it "no writes" proves
 * nothing).
 */
static int router_sees(struct scenario *s, struct canary_outcome *out, int *n_seen,
		       const char *what, const char *peer_ip, enum router_view v)
{
	double t0 = mono_s(), deadline = t0 + scaled(s, 30000) / 1000.0;
	char evidence[1024] = "";

	for (;;) {
		if (router_shows(s, peer_ip, v, evidence, sizeof(evidence))) {
			(*n_seen)++;
			strbuf_addf(&out->detail,
				    "netmap change %d (%s): seen by the router after "
				    "%.1f s: %s\n",
				    *n_seen, what, mono_s() - t0, evidence);
			return 1;
		}
		if (mono_s() >= deadline || interrupted())
			break;
		poll(NULL, 0, 250);
	}
	strbuf_addf(&out->detail,
		    "netmap change (%s): NOT seen by the router within %.0f s: "
		    "%s\n",
		    what, deadline - t0, evidence);
	canary_fail(out, "change-unseen",
		    "the router did not see the netmap change '%s', so "
		    "no writes would prove nothing",
		    what);
	return 0;
}

/* The node that joins and leaves, and what must be undone if the canary stops early. */
struct flash_peer {
	struct node node;
	int node_up;
	uint64_t id;
	int registered;
	int logged_out;
	int records_set;
	char ip4[64];
};

static int peer_join(struct scenario *s, struct flash_peer *p)
{
	static const char *const flags[] = { "--advertise-routes=" PEER_ROUTE, NULL };
	const struct extra_node_spec spec = { PEER_NAME, PEER_ROLE, PEER_CIDR, "flash", flags };
	unsigned long long id = 0;
	int ret = extra_node_join(s, &spec, &p->node, &p->node_up, &id, p->ip4, sizeof(p->ip4));

	if (ret == 0) {
		p->id = id;
		p->registered = 1;
	}
	return ret;
}

/* Log the node out and delete it in headscale: for its peers it is gone. */
static int peer_leave(struct scenario *s, struct flash_peer *p)
{
	const char *logout[] = { "logout", NULL };
	int ret = 0;

	if (p->node_up && !p->logged_out) {
		if (node_cli(&p->node, logout, scaled(s, 15000), NULL, NULL, NULL) < 0)
			ret = -1;
		else
			p->logged_out = 1;
	}
	if (p->registered) {
		if (headscale_delete_node(s->hs, p->id) < 0)
			ret = -1;
		else
			p->registered = 0;
	}
	return ret;
}

/* Drive the netmap changes; each must be seen by the router. 1 all seen, 0 not, -1 error. */
static int drive_changes(struct scenario *s, struct canary_outcome *out, struct flash_peer *p,
			 int *n_seen)
{
	static const char *const none[] = { NULL };
	const char *approve[] = { PEER_ROUTE, NULL };

	if (peer_join(s, p) < 0)
		return -1;
	if (!router_sees(s, out, n_seen, "node " PEER_NAME " joins", p->ip4, VIEW_PEER))
		return 0;
	if (headscale_approve_routes(s->hs, p->id, approve) < 0)
		return -1;
	if (!router_sees(s, out, n_seen, "route " PEER_ROUTE " approved", p->ip4, VIEW_ROUTE))
		return 0;
	if (headscale_set_extra_records(s->hs, REC_JSON) < 0)
		return -1;
	p->records_set = 1;
	if (!router_sees(s, out, n_seen, "DNS record " REC_NAME " added", NULL, VIEW_REC))
		return 0;
	if (headscale_approve_routes(s->hs, p->id, none) < 0)
		return -1;
	if (!router_sees(s, out, n_seen, "route " PEER_ROUTE " removed", p->ip4, VIEW_NO_ROUTE))
		return 0;
	if (headscale_set_extra_records(s->hs, "[]\n") < 0)
		return -1;
	p->records_set = 0;
	if (!router_sees(s, out, n_seen, "DNS record " REC_NAME " removed", NULL, VIEW_NO_REC))
		return 0;
	if (peer_leave(s, p) < 0)
		return -1;
	if (!router_sees(s, out, n_seen, "node " PEER_NAME " leaves", p->ip4, VIEW_NO_PEER))
		return 0;
	return 1;
}

/* The state dir holds only the files tailscaled must keep. */
static int check_listing(struct scenario *s, struct canary_outcome *out)
{
	struct strbuf listing = STRBUF_INIT, extra = STRBUF_INIT;
	int has_state = 0, n;

	if (guest_sh(s,
		     GUEST_BUSYBOX " find " FLASH_STATE_DIR " -mindepth 1 -exec " GUEST_BUSYBOX
				   " stat -c '%s %n' {} \\;",
		     &listing) < 0) {
		strbuf_release(&listing);
		return -1;
	}
	strbuf_addf(&out->detail, "state dir listing (bytes path):\n%s", strbuf_str(&listing));
	n = flash_judge_listing(strbuf_str(&listing), FLASH_STATE_DIR, &extra, &has_state);
	if (n >= 0)
		strbuf_addf(&out->detail, "entries besides %s and %s: %d\n", flash_allowed_files[0],
			    flash_allowed_files[1], n);
	if (n > 0)
		canary_fail(out, "stray-files",
			    "the state dir holds %d entr%s besides %s and %s: "
			    "%.200s",
			    n, n == 1 ? "y" : "ies", flash_allowed_files[0], flash_allowed_files[1],
			    strbuf_str(&extra));
	else if (n == 0 && !has_state)
		canary_fail(out, "not-on-flash",
			    "no %s in %s: tailscaled keeps its state "
			    "elsewhere",
			    flash_allowed_files[0], FLASH_STATE_DIR);
	strbuf_release(&listing);
	strbuf_release(&extra);
	return n < 0 ? -1 : 0;
}

/* Whatever happened, leave no node, netns or DNS record behind for the next canary. */
static void peer_cleanup(struct scenario *s, struct flash_peer *p, size_t undo_base)
{
	if (p->records_set)
		headscale_set_extra_records(s->hs, "[]\n");
	peer_leave(s, p);
	undo_unwind(undo_base);
	if (p->node_up)
		node_release(&p->node);
	p->node_up = 0;
}

int canary_flash_writes(struct scenario *s, struct canary_outcome *out)
{
	struct flash_peer p;
	unsigned long long prefs = 0, before, after;
	size_t undo_base = undo_depth();
	long long delta;
	int r, n_seen = 0, ret = 0;

	memset(&p, 0, sizeof(p));
	out->verdict = VERDICT_PASS;
	r = check_device(s, out);
	if (r <= 0)
		return r;
	r = check_counter(s, out, &prefs);
	if (r <= 0)
		return r;
	json_object_set_new(out->figures, "flash_prefs_written_sectors",
			    json_integer((json_int_t)prefs));
	json_object_set_new(s->metrics, "flash_prefs_written_sectors",
			    json_integer((json_int_t)prefs));
	if (settled_sectors(s, &before) < 0)
		return -1;
	r = drive_changes(s, out, &p, &n_seen);
	peer_cleanup(s, &p, undo_base);
	json_object_set_new(out->figures, "flash_netmap_changes", json_integer(n_seen));
	if (r <= 0)
		return r;
	if (settled_sectors(s, &after) < 0)
		return -1;
	delta = flash_sectors_delta(before, after);
	if (delta < 0)
		return error("the flash's write counter went backwards (%llu -> %llu)", before,
			     after);
	strbuf_addf(&out->detail,
		    "flash /dev/%s over %d netmap changes: %lld sectors written "
		    "(%llu -> %llu)\n",
		    FLASH_DEV, n_seen, delta, before, after);
	json_object_set_new(out->figures, "flash_written_sectors", json_integer(delta));
	json_object_set_new(s->metrics, "flash_written_sectors", json_integer(delta));
	if (delta > 0)
		canary_fail(out, "wrote-flash",
			    "tailscaled wrote %lld sectors (%lld KiB) to the "
			    "flash over %d netmap changes",
			    delta, delta / 2, n_seen);
	if (check_listing(s, out) < 0)
		ret = -1;
	return ret;
}
