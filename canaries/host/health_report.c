/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * health-report: the router's `tailscale status` reports the health problems
 * tailscaled knows of, which is how a RouterOS user learns of them from the
 * container's shell. The RouterOS setup itself gives one: an exit node with
 * --snat-subnet-routes=false warns that internet traffic through it may not
 * work (RouterOS must masquerade it at its WAN, as the lab's does). A build
 * without the health tracker reports nothing, whatever goes wrong.
 * Nothing else may be reported: by the time this canary runs the router is
 * settled, so any other warning is a problem the setup does not explain
 * (on a kernel without nf_tables, as a RouterOS-like guest kernel has,
 * tailscaled reports that it could not create its firewall table).
 */
#include "canary.h"

#include "log.h"
#include "tailnet.h"

#include <jansson.h>
#include <string.h>

/* Text of the warning tailscaled registers as nosnat-with-advertised-exit-node. */
#define NOSNAT_WARNING "snat-subnet-routes is disabled while advertising as an exit node"

int canary_health_report(struct scenario *s, struct canary_outcome *out);

int canary_health_report(struct scenario *s, struct canary_outcome *out)
{
	static const char *const args[] = { "status", "--json", NULL };
	struct strbuf o = STRBUF_INIT;
	struct strbuf unexpected = STRBUF_INIT;
	json_t *st, *w;
	size_t i;
	int found = 0;

	out->verdict = VERDICT_PASS;
	/* judged by its JSON, whatever its exit status */
	router_cli(s, args, scaled(s, 30000), &o, NULL);
	st = o.len ? json_loadb(o.buf, o.len, 0, NULL) : NULL;
	if (!st) {
		strbuf_release(&o);
		return error("the router's tailscale status --json gave no JSON");
	}
	json_array_foreach(json_object_get(st, "Health"), i, w)
	{
		const char *text = json_string_value(w);

		strbuf_addf(&out->detail, "health: %s\n", text ? text : "(not a string)");
		if (text && strstr(text, NOSNAT_WARNING))
			found = 1;
		else
			strbuf_addf(&unexpected, "%s'%s'", unexpected.len ? ", " : "",
				    text ? text : "(not a string)");
	}
	if (!json_array_size(json_object_get(st, "Health")))
		strbuf_addstr(&out->detail, "health: (none reported)\n");
	if (!found)
		canary_fail(
			out, "no-warning",
			"the router's status does not warn that "
			"snat-subnet-routes is off on an exit node, which its own setup calls for");
	if (unexpected.len)
		canary_fail(out, "unexpected-health",
			    "the router reports health problems its "
			    "setup does not explain: %s",
			    unexpected.buf);
	strbuf_release(&unexpected);
	json_decref(st);
	strbuf_release(&o);
	return 0;
}
