/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * footprint: what the image costs a 16 MB-flash router, against per-arch
 * budgets in fixtures/budgets/ (each with the date and figure it came
 * from): packed binary, extracted rootfs, compressed image, and the
 * router's tailscaled VmRSS and VmHWM at steady state (after the UPX stub
 * has unpacked it into memory and the suite's traffic has run).
 * --budgets FILE judges against other budgets. An image tscanary did not
 * build is held to the arch's budgets too (they are the router's flash and
 * memory, whoever built the image), and the summary says so.
 */
#include "canary.h"

#include "agent.h"
#include "budget.h"
#include "log.h"

#include <stdio.h>
#include <string.h>

#define MAX_BUDGETS 16

int canary_footprint(struct scenario *s, struct canary_outcome *out);

int canary_footprint(struct scenario *s, struct canary_outcome *out)
{
	struct budget b[MAX_BUDGETS];
	struct strbuf text = STRBUF_INIT, over = STRBUF_INIT;
	struct agent_status st;
	char path[512];
	int n;

	if (s->budgets)
		snprintf(path, sizeof(path), "%s", s->budgets);
	else
		snprintf(path, sizeof(path), "%s/budgets/%s", s->fixtures_dir, s->arch.name);
	strbuf_addf(&out->detail, "budgets: %s (%s)\n", path,
		    s->budgets ? "--budgets"
		    : s->build_manifest
			    ? "the arch's own"
			    : "the arch's own, applied to an image tscanary did not build; "
			      "BUDGETS=FILE gives others");
	json_object_set_new(out->figures, "budgets", json_string(path));
	if (strbuf_read_file(&text, path) < 0) {
		strbuf_release(&text);
		return error_errno("cannot read budgets '%s'", path);
	}
	n = budget_parse(text.buf, b, MAX_BUDGETS);
	strbuf_release(&text);
	if (n <= 0)
		return n < 0 ? -1 : error("no budgets in '%s'", path);
	if (agent_status(s->router, NULL, &st) < 0)
		return -1;
	/*
	 * Steady-state memory joins the image figures the run measured, but
	 * only as measured: with no tailscaled at this moment (pid 0) the agent
	 * reports -1, which is no figure and fails below as not measured.
	 */
	if (st.pid > 0 && st.vmrss_kib > 0 && st.vmhwm_kib > 0) {
		json_object_set_new(s->metrics, "tailscaled_rss_kib", json_integer(st.vmrss_kib));
		json_object_set_new(s->metrics, "tailscaled_hwm_kib", json_integer(st.vmhwm_kib));
	} else {
		strbuf_addf(&out->detail,
			    "tailscaled: pid %d, VmRSS %ld KiB, VmHWM %ld KiB: no memory "
			    "figure to judge\n",
			    (int)st.pid, st.vmrss_kib, st.vmhwm_kib);
	}
	out->verdict = VERDICT_PASS;
	for (int i = 0; i < n; i++) {
		json_t *v = json_object_get(s->metrics, b[i].key);

		if (!json_is_number(v) || json_number_value(v) < 0) {
			canary_fail(out, "missing-figure", "the run measured no '%s'", b[i].key);
			strbuf_addf(&out->detail, "%s: not measured (budget %.0f)\n", b[i].key,
				    b[i].limit);
			continue;
		}
		json_object_set(out->figures, b[i].key, v);
		strbuf_addf(&out->detail, "%s: %.0f of %.0f (%.0f%%; budget from %.0f on %s)%s\n",
			    b[i].key, json_number_value(v), b[i].limit,
			    100.0 * json_number_value(v) / b[i].limit, b[i].measured, b[i].date,
			    json_number_value(v) > b[i].limit ? " OVER" : "");
		if (json_number_value(v) > b[i].limit)
			strbuf_addf(&over, "%s%s", over.len ? ", " : "", b[i].key);
	}
	if (over.len)
		canary_fail(out, "over-budget", "over budget: %s (budgets %s)", over.buf, path);
	else if (out->verdict == VERDICT_PASS)
		strbuf_addf(&out->summary, "within the budgets of %s%s", path,
			    s->budgets || s->build_manifest
				    ? ""
				    : " (the arch's own: this image was not built by tscanary)");
	strbuf_release(&over);
	return 0;
}
