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
	static const char *const labels[] = { "self-udp", "self-tcp", "upstream-udp",
					      "upstream-tcp" };
	char zone_path[512], zone_addr[256];
	struct dns_probe q[4];

	snprintf(zone_path, sizeof(zone_path), "%s/zones/canary.test.zone", s->fixtures_dir);
	if (zone_lookup(zone_path, "www.canary.test", 0, zone_addr, sizeof(zone_addr)) < 0)
		return -1;
	for (int i = 0; i < 4; i++)
		q[i] = (struct dns_probe){ .label = labels[i],
					   .server = LAB_QUAD100,
					   .name = i < 2 ? s->router_fqdn : "www.canary.test",
					   .transport = (i % 2) ? "tcp" : "udp",
					   .expect = i < 2 ? s->router_ip4 : zone_addr,
					   .timeout_ms = scaled(s, QUERY_TIMEOUT_MS) };
	/* the four at once: on a build that answers nothing they time out together */
	if (probe_dns_set(s, out, q, 4) < 0)
		return -1;
	out->verdict = VERDICT_PASS;
	for (int i = 0; i < 4; i++) {
		const struct guestprobe *res = &q[i].res;

		if (res->latency_ms >= 0) {
			char key[64];

			snprintf(key, sizeof(key), "%s_latency_ms", q[i].label);
			json_object_set_new(out->figures, key, json_real(res->latency_ms));
		}
		if (res->exit_code != 0)
			canary_fail(out, guestprobe_signature(res->exit_code),
				    "%s query for %s via %s: %s", q[i].label, q[i].name,
				    LAB_QUAD100,
				    res->exit_code == 2 ? "no answer within the timeout"
							: "answer did not match");
	}
	return 0;
}
