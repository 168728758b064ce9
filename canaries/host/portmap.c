/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * portmap: with NAT-PMP switched on in RouterOS for the containers bridge
 * (/ip nat-pmp, the bridge internal, the WAN external), the router's
 * tailscaled maps its WireGuard port on RouterOS's WAN address: it asks the
 * lab's NAT-PMP server (natpmpd, in the RouterOS namespace) for a UDP
 * mapping of its WireGuard port, and announces the mapped WAN endpoint as a
 * portmap endpoint among those it sends to control for its peers (the
 * client's direct path and the dst-nat entry's packet count are reported
 * as evidence). Behind a NAT whose
 * source ports cannot be predicted that endpoint is what keeps a path
 * direct; a build without the portmapper never asks.
 */
#include "canary.h"

#include "agent.h"

#include "clock.h"
#include "lab.h"
#include "log.h"
#include "node.h"
#include "peers.h"
#include "portmap.h"
#include "tailnet.h"
#include "undo.h"

#include <jansson.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int canary_portmap(struct scenario *s, struct canary_outcome *out);

/* The number after key= in line, or -1. */
static long long field(const char *line, const char *key)
{
	const char *p = strstr(line, key);
	char *end;
	long long v;

	if (!p)
		return -1;
	p += strlen(key);
	v = strtoll(p, &end, 10);
	return end == p ? -1 : v;
}

int natpmp_parse_map(const char *line, struct natpmp_map *m)
{
	const char *src = strstr(line, " src=");
	long long in = field(line, " internal="), ext = field(line, " external=");
	long long life = field(line, " lifetime="), res = field(line, " result=");
	long long handle = field(line, " handle=");
	size_t n;

	memset(m, 0, sizeof(*m));
	if (!src || !strstr(line, " op=map-udp ") || res != 0 || in <= 0 || in > 65535 ||
	    ext <= 0 || ext > 65535 || life <= 0 || handle <= 0)
		return -1;
	src += 5;
	n = strcspn(src, " ");
	if (!n || n >= sizeof(m->src))
		return -1;
	memcpy(m->src, src, n);
	m->internal = (unsigned)in;
	m->external = (unsigned)ext;
	m->lifetime = (unsigned)life;
	m->handle = (long)handle;
	return 0;
}

long long natpmp_rule_packets(const char *json, size_t len, long handle)
{
	json_t *doc = json_loadb(json, len, 0, NULL), *items = json_object_get(doc, "nftables"),
	       *it;
	long long packets = -1;
	size_t i, k;

	json_array_foreach(items, i, it)
	{
		json_t *rule = json_object_get(it, "rule"), *ex;

		if (!rule || json_integer_value(json_object_get(rule, "handle")) != handle)
			continue;
		json_array_foreach(json_object_get(rule, "expr"), k, ex)
		{
			json_t *c = json_object_get(json_object_get(ex, "counter"), "packets");

			if (json_is_integer(c))
				packets = json_integer_value(c);
		}
	}
	json_decref(doc);
	return packets;
}

/* The router's first granted mapping in the NAT-PMP log, waiting up to ms. */
static int wait_mapping(struct scenario *s, int ms, struct natpmp_map *m, char *line, size_t len)
{
	double deadline = mono_s() + ms / 1000.0;

	do {
		struct strbuf sb = STRBUF_INIT;
		int found = 0;

		if (strbuf_read_file(&sb, s->peers->natpmp_log) >= 0) {
			for (char *p = sb.buf; p && *p && !found;) {
				char *nl = strchr(p, '\n');

				if (nl)
					*nl = '\0';
				if (strstr(p, " src=" LAB_ROUTER_VM ":") &&
				    natpmp_parse_map(p, m) == 0) {
					snprintf(line, len, "%s", p);
					found = 1;
				}
				p = nl ? nl + 1 : NULL;
			}
		}
		strbuf_release(&sb);
		if (found)
			return 0;
		poll(NULL, 0, 500);
	} while (mono_s() < deadline && !interrupted());
	return -1;
}

/*
 * Whether the router's tailscaled announced endpoint as a portmap endpoint
 * ("magicsock: endpoints changed: ... ENDPOINT (portmap) ..."): the list it
 * sends to control, which hands it to every peer. The line into line.
 */
static int router_announces(struct scenario *s, const char *endpoint, char *line, size_t len)
{
	struct strbuf log = STRBUF_INIT, hits = STRBUF_INIT;
	char *want = xasprintf("%s (portmap)", endpoint);
	int found = 0;

	/* log_grep: the log holds NUL bytes when verbose records are not filtered */
	if (agent_read_file(s->router, s->router_ts_log, 16 << 20, &log, NULL) == 0 &&
	    log_grep(log.buf, log.len, want, &hits) > 0) {
		for (char *p = hits.buf; p && *p && !found;) {
			char *nl = strchr(p, '\n');

			if (nl)
				*nl = '\0';
			if (strstr(p, "magicsock: endpoints changed: ")) {
				snprintf(line, len, "%s", p);
				found = 1;
			}
			p = nl ? nl + 1 : NULL;
		}
	}
	free(want);
	strbuf_release(&log);
	strbuf_release(&hits);
	return found;
}

/* The client's current direct address for the router ("" over DERP). */
static void client_path(struct scenario *s, char *addr, size_t len)
{
	json_t *st = node_status(&s->peers->client);
	json_t *peer = st ? node_status_peer(st, s->router_ip4) : NULL;
	const char *cur = json_string_value(json_object_get(peer, "CurAddr"));

	snprintf(addr, len, "%s", cur ? cur : "");
	json_decref(st);
}

static long long rule_packets(struct scenario *s, long handle)
{
	const char *argv[] = { "nft", "-j",          "list",         "chain",
			       "ip",  LAB_NAT_TABLE, LAB_NAT_DSTNAT, NULL };
	struct strbuf o = STRBUF_INIT;
	long long n = -1;

	if (lab_nft_cmd(s->lab->routeros, "list the dstnat chain", argv, &o) == 0)
		n = natpmp_rule_packets(strbuf_str(&o), o.len, handle);
	strbuf_release(&o);
	return n;
}

int canary_portmap(struct scenario *s, struct canary_outcome *out)
{
	struct natpmp_map m;
	char line[512], endpoint[96], path[96];
	double deadline;
	long long packets;
	int found;

	out->verdict = VERDICT_PASS;
	if (wait_mapping(s, scaled(s, 30000), &m, line, sizeof(line)) < 0) {
		canary_fail(out, "no-mapping",
			    "the router never got a UDP mapping from RouterOS's "
			    "NAT-PMP service (see logs/natpmp.log)");
		return 0;
	}
	strbuf_addf(&out->detail, "nat-pmp: %s\n", line);
	snprintf(endpoint, sizeof(endpoint), "%s:%u", LAB_ROUTER_WAN, m.external);
	deadline = mono_s() + scaled(s, 30000) / 1000.0;
	while (!(found = router_announces(s, endpoint, line, sizeof(line))) &&
	       mono_s() < deadline && !interrupted())
		poll(NULL, 0, 1000);
	if (!found) {
		canary_fail(out, "not-advertised",
			    "the router was mapped %s but never announced it "
			    "as an endpoint",
			    endpoint);
		return 0;
	}
	strbuf_addf(&out->detail, "router: %s\n", line);
	/*
	 * Evidence, not a verdict: which of the router's endpoints the client
	 * settles on, and whether its packets get through RouterOS's NAT to
	 * the mapping, is up to the client and RouterOS.
	 */
	client_path(s, path, sizeof(path));
	packets = rule_packets(s, m.handle);
	if (packets < 0)
		return -1;
	strbuf_addf(&out->detail,
		    "client's direct path to the router: %s; dst-nat entry %s -> "
		    "%s:%u (rule %ld): %lld packet(s) so far\n",
		    *path ? path : "(none, DERP)", endpoint, LAB_ROUTER_VM, m.internal, m.handle,
		    packets);
	return 0;
}
