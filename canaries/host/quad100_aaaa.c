/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * quad100-aaaa: MagicDNS on 100.100.100.100 answers AAAA queries, asked
 * from inside the router over UDP and TCP: the router's own tailnet name
 * with its fd7a:115c:a1e0:: address, and a public name with the upstream
 * resolver's IPv6 answer. Tailscale answers AAAA for tailnet names of a
 * dual-stack tailnet only when the tailnet grants its nodes the
 * magicdns-aaaa attribute (the lab's policy does); without it the answer
 * holds no address, and IPv6-preferring software on the LAN falls back or
 * fails.
 */
#include "canary.h"

#include "guestprobe.h"
#include "log.h"
#include "zone.h"

#include <stdio.h>
#include <string.h>

#define QUERY_TIMEOUT_MS 3000

int canary_quad100_aaaa(struct scenario *s, struct canary_outcome *out);

int canary_quad100_aaaa(struct scenario *s, struct canary_outcome *out)
{
	static const char *const labels[] = { "self6-udp", "self6-tcp", "upstream6-udp",
					      "upstream6-tcp" };
	char zone_path[512], zone_addr[256];
	int timeout_ms = scaled(s, QUERY_TIMEOUT_MS);
	struct dns_probe q[4];

	out->verdict = VERDICT_PASS;
	if (!*s->router_ip6) {
		canary_fail(out, "no-router-ip6",
			    "headscale gave the router no tailnet IPv6 address");
		return 0;
	}
	snprintf(zone_path, sizeof(zone_path), "%s/" ZONE_UPSTREAM, s->fixtures_dir);
	if (zone_lookup(zone_path, "www.canary.test", 1, zone_addr, sizeof(zone_addr)) < 0)
		return -1;
	for (int i = 0; i < 4; i++)
		q[i] = (struct dns_probe){ .label = labels[i],
					   .server = LAB_QUAD100,
					   .name = i < 2 ? s->router_fqdn : "www.canary.test",
					   .type = "AAAA",
					   .transport = (i % 2) ? "tcp" : "udp",
					   .expect = i < 2 ? s->router_ip6 : zone_addr,
					   .timeout_ms = timeout_ms };
	/* the four at once: on a build that answers nothing they time out together */
	if (probe_dns_set(s, out, q, 4) < 0)
		return -1;
	for (int i = 0; i < 4; i++) {
		int self = i < 2;
		const struct guestprobe *res = &q[i].res;

		if (res->latency_ms >= 0) {
			char key[64];

			snprintf(key, sizeof(key), "%s_latency_ms", labels[i]);
			json_object_set_new(out->figures, key, json_real(res->latency_ms));
		}
		/* self-no-answer, self-wrong-answer, upstream-no-answer, ... */
		if (res->exit_code != 0) {
			char sig[64];

			snprintf(sig, sizeof(sig), "%s-%s", self ? "self" : "upstream",
				 guestprobe_signature(res->exit_code));
			canary_fail(out, sig, "%s AAAA query for %s via %s: %s (expected %s)",
				    labels[i], q[i].name, LAB_QUAD100,
				    res->exit_code == 2 ? "no answer within the timeout"
							: "answer did not match",
				    q[i].expect);
		}
	}
	return 0;
}
