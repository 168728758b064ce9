/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * log-verbosity: without logtail, tailscaled's [v1]/[v2]/[v3] lines go
 * straight to the container log, several a minute, onto the router's
 * flash or memory. The image's filter drops them unless TS_LOG_VERBOSITY
 * is 1 or more. The same events are driven twice: with the image's
 * defaults no verbose line may appear; restarted with TS_LOG_VERBOSITY=1
 * in the container environment they must (which shows they occur).
 */
#include "canary.h"

#include "agent.h"
#include "clock.h"
#include "guestprobe.h"
#include "log.h"
#include "peers.h"
#include "tailnet.h"

#include <stdio.h>
#include <string.h>

#define LOG_MAX (16 << 20)

int log_verbosity_before(struct scenario *s, struct canary_outcome *out);
int log_verbosity_after(struct scenario *s, struct canary_outcome *out, int restarted,
			const struct router_restart_result *res);

/* The running tailscaled's log (reset at each planned restart). */
static int read_log(struct scenario *s, struct strbuf *log)
{
	strbuf_reset(log);
	return agent_read_file(s->router, s->router_ts_log, LOG_MAX, log, NULL);
}

/*
 * Shields up or down, through the LocalAPI (as `tailscale set
 * --shields-up`). ShieldsUp is part of the node's Hostinfo, so each change
 * also goes to control as a lite map update, which tailscaled logs at [v1]
 * on every success: an event at verbose level on every run. (Accepting
 * routes, the change this canary made before, logs nothing verbose of its
 * own: its runs passed on whatever verbose line the tailnet happened to
 * cause in the window, and failed when none came.)
 */
static int shields(struct scenario *s, int on)
{
	return router_set_prefs(s,
				on ? "{\"ShieldsUp\":true,\"ShieldsUpSet\":true}"
				   : "{\"ShieldsUp\":false,\"ShieldsUpSet\":true}",
				"ShieldsUp", scaled(s, 20000));
}

/*
 * Drive events that tailscaled logs at verbose levels (a prefs change that
 * reaches control, see shields(); DNS through quad-100; a disco ping), all
 * through the LocalAPI as the CLI would send them, then
 * wait until the log shows the change happened ("EditPrefs:", a default-
 * level line) and, with want_verbose, a verbose line after it; without,
 * give verbose lines QUIET_MS to appear. Verbose lines since the start
 * into *n, since the events into *n_after, the first few into examples;
 * *seen says the events were logged.
 */
#define QUIET_MS 3000
static int drive_events(struct scenario *s, struct canary_outcome *out, const char *label,
			int want_verbose, size_t *n, size_t *n_after, int *seen,
			struct strbuf *examples)
{
	struct strbuf log = STRBUF_INIT;
	double t0, quiet_from = 0, limit = 10.0 * s->timeout_scale;
	struct guestprobe res;
	size_t mark;
	int ret = -1;
	char l[64], ping[128];

	*n = 0;
	*seen = 0;
	if (read_log(s, &log) < 0)
		goto out;
	mark = log.len;
	if (shields(s, 1) < 0 || shields(s, 0) < 0) {
		error("setting the router's shields up and down again failed");
		goto out;
	}
	for (int i = 0; i < 2; i++) {
		snprintf(l, sizeof(l), "%s-dns%d", label, i);
		if (guest_dnsprobe(s, out, l, LAB_QUAD100, i ? "www.canary.test" : s->router_fqdn,
				   "udp", NULL, scaled(s, 5000), &res) < 0)
			goto out;
	}
	/*
	 * disco pings may go unanswered: they only need to happen (the LocalAPI
	 * waits for a pong without a limit of its own; the guest ends the wait)
	 */
	snprintf(ping, sizeof(ping), "/localapi/v0/ping?ip=%s&type=disco", s->peers->client_ip4);
	for (int i = 0; i < 2; i++)
		router_localapi(s, "POST", ping, NULL, scaled(s, 2000), 1, NULL);
	for (t0 = mono_s(); mono_s() - t0 < limit;) {
		if (read_log(s, &log) < 0)
			goto out;
		if (!*seen && log.len > mark &&
		    memmem(log.buf + mark, log.len - mark, "EditPrefs:", 10)) {
			*seen = 1;
			quiet_from = mono_s();
		}
		if (*seen && want_verbose && log_count_verbose(log.buf, log.len, mark, NULL))
			break;
		if (*seen && !want_verbose && mono_s() - quiet_from > QUIET_MS / 1000.0)
			break;
		/* each read is an agent round trip: that paces the loop */
	}
	*n_after = log_count_verbose(log.buf, log.len, mark, NULL);
	strbuf_addf(&out->detail, "%s: the prefs change %s logged; %zu verbose lines after it\n",
		    label, *seen ? "was" : "was NOT", *n_after);
	*n = log_count_verbose(log.buf, log.len, 0, examples);
	ret = 0;
out:
	strbuf_release(&log);
	return ret;
}

/* 1: the image's defaults, the life the whole suite ran in so far; 1: restart it */
int log_verbosity_before(struct scenario *s, struct canary_outcome *out)
{
	struct strbuf ex0 = STRBUF_INIT;
	size_t n0 = 0, a0 = 0;
	int seen0 = 0, ret = -1;

	if (!s->restart_router || !s->peers)
		return error("log-verbosity needs the run's restart hook and the client node");
	out->verdict = VERDICT_PASS;
	if (drive_events(s, out, "defaults", 0, &n0, &a0, &seen0, &ex0) < 0)
		goto done;
	json_object_set_new(out->figures, "default_verbose_lines", json_integer((json_int_t)n0));
	strbuf_addf(&out->detail,
		    "image defaults: %zu verbose lines in this tailscaled's whole log\n%s", n0,
		    strbuf_str(&ex0));
	if (!seen0)
		canary_fail(out, "events-not-seen",
			    "the driven prefs change never reached the log");
	else if (n0)
		canary_fail(out, "verbose-by-default",
			    "%zu [v1]/[v2]/[v3] lines with the image's "
			    "defaults",
			    n0);
	ret = 1;
done:
	strbuf_release(&ex0);
	return ret;
}

/* 2: the same container restarted with TS_LOG_VERBOSITY=1 (its own restart, or a shared reboot) */
int log_verbosity_after(struct scenario *s, struct canary_outcome *out, int restarted,
			const struct router_restart_result *res)
{
	struct strbuf ex1 = STRBUF_INIT;
	size_t n1 = 0, a1 = 0;
	int seen1 = 0, ret = -1;

	if (restarted < 0)
		goto done;
	strbuf_addf(&out->detail, "restarted with TS_LOG_VERBOSITY=1%s: %s after %.1f s\n",
		    res->boot_s > 0 ? " (a reboot)" : "", res->online ? "online" : "NOT online",
		    res->online_s);
	if (!res->online) {
		canary_fail(out, "not-online",
			    "restarted with TS_LOG_VERBOSITY=1, the router did "
			    "not come online (BackendState %s)",
			    res->backend_state);
		ret = 0;
		goto done;
	}
	if (drive_events(s, out, "TS_LOG_VERBOSITY=1", 1, &n1, &a1, &seen1, &ex1) < 0)
		goto done;
	json_object_set_new(out->figures, "verbose_lines", json_integer((json_int_t)n1));
	json_object_set_new(out->figures, "verbose_lines_from_events",
			    json_integer((json_int_t)a1));
	strbuf_addf(&out->detail,
		    "TS_LOG_VERBOSITY=1: %zu verbose lines in its whole log, e.g.\n%s", n1,
		    strbuf_str(&ex1));
	if (!seen1)
		canary_fail(out, "events-not-seen",
			    "the driven prefs change never reached the log");
	else if (!a1)
		canary_fail(out, "no-verbose-lines",
			    "with TS_LOG_VERBOSITY=1 the same events "
			    "logged no verbose line: the filter ignores the setting");
	ret = 0;
done:
	strbuf_release(&ex1);
	return ret;
}
