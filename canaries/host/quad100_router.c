/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * quad100-router: MagicDNS on 100.100.100.100, asked from inside the router.
 * netstack alone serves quad-100, even with a kernel TUN, so a build
 * without it resolves nothing and says nothing: every query times out.
 */
#include "canary.h"

#include "guestprobe.h"
#include "log.h"
#include "zone.h"

#include <stdio.h>
#include <string.h>

#define QUERY_TIMEOUT_MS 3000

int canary_quad100_router(struct scenario *s, struct canary_outcome *out);

int canary_quad100_router(struct scenario *s, struct canary_outcome *out)
{
	char zone_path[512], zone_addr[256];
	struct {
		const char *label, *name, *transport, *expect;
	} q[4];
	int timeout_ms = scaled(s, QUERY_TIMEOUT_MS);

	snprintf(zone_path, sizeof(zone_path), "%s/zones/canary.test.zone", s->fixtures_dir);
	if (zone_lookup(zone_path, "www.canary.test", 0, zone_addr, sizeof(zone_addr)) < 0)
		return -1;
	q[0].label = "self-udp";
	q[1].label = "self-tcp";
	q[2].label = "upstream-udp";
	q[3].label = "upstream-tcp";
	for (int i = 0; i < 4; i++) {
		q[i].name = i < 2 ? s->router_fqdn : "www.canary.test";
		q[i].expect = i < 2 ? s->router_ip4 : zone_addr;
		q[i].transport = (i % 2) ? "tcp" : "udp";
	}
	out->verdict = VERDICT_PASS;
	for (int i = 0; i < 4; i++) {
		struct guestprobe res;

		if (guest_dnsprobe(s, out, q[i].label, LAB_QUAD100, q[i].name, q[i].transport,
				   q[i].expect, timeout_ms, &res) < 0)
			return -1;
		if (res.latency_ms >= 0) {
			char key[64];

			snprintf(key, sizeof(key), "%s_latency_ms", q[i].label);
			json_object_set_new(out->figures, key, json_real(res.latency_ms));
		}
		if (res.exit_code != 0)
			canary_fail(out, guestprobe_signature(res.exit_code),
				    "%s query for %s via %s: %s", q[i].label, q[i].name,
				    LAB_QUAD100,
				    res.exit_code == 2 ? "no answer within the timeout"
						       : "answer did not match");
	}
	return 0;
}
