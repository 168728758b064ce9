/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The canaries' part of the run: which were selected, the watchdog over
 * each one's work, one canary's run and its report, and the step that runs
 * them all in the registry's order (the restarting ones as one group:
 * restart.c).
 */
#include "runner.h"

#include "canary.h"
#include "faults.h"
#include "log.h"
#include "restart.h"
#include "undo.h"

#include <string.h>

int selected(const struct run_opts *o, const char *name)
{
	if (!o->ncanaries)
		return 1;
	for (size_t i = 0; i < o->ncanaries; i++)
		if (!strcmp(o->canaries[i], name))
			return 1;
	return 0;
}

/* The scenario's selected(): what the canaries may ask of the selection. */
int scenario_selected(const struct scenario *s, const char *name)
{
	return selected(run_of((struct scenario *)s)->o, name);
}

/*
 * The watchdog over c's work: armed with what is left of its timeout after
 * spent seconds; a canary stuck past it is stopped, not waited for.
 * Returns the start time for watch_end().
 */
double watch_begin(struct run *r, const struct canary *c, double spent)
{
	double left = c->timeout_s * r->s.timeout_scale - spent;

	r->canary_now = c->name;
	deadline_arm(left > 0 ? (int)(left * 1000) : 1);
	return now_s();
}

/* Disarm it: a fired watchdog fails out as a timeout; the time goes into *spent. */
void watch_end(struct run *r, const struct canary *c, struct canary_outcome *out, double t0,
	       double *spent)
{
	if (deadline_expired() && !out->timed_out) {
		out->timed_out = 1;
		canary_fail(out, "timeout", "did not finish within its %d s timeout: stopped",
			    (int)(c->timeout_s * r->s.timeout_scale));
	}
	deadline_disarm();
	*spent += now_s() - t0;
}

/* Run one part of c under its watchdog; its return, its seconds added to *spent. */
int run_part(struct run *r, const struct canary *c, enum canary_part part,
	     struct canary_outcome *out, double *spent, int restarted,
	     const struct router_restart_result *res)
{
	double t0;
	int ret;

	if (part != PART_AFTER)
		fault_before_canary(r, c->name);
	t0 = watch_begin(r, c, *spent);
	if (fault_for("hang", c->name))
		ret = fault_hang(&r->s, out);
	else if (part == PART_BEFORE)
		ret = c->before(&r->s, out);
	else if (part == PART_AFTER)
		ret = c->after(&r->s, out, restarted, res);
	else
		ret = c->run(&r->s, out);
	watch_end(r, c, out, t0, spent);
	return ret;
}

/* Judge what a canary's run came to and report it. */
void finish_canary(struct run *r, const struct canary *c, struct canary_outcome *out, int ret,
		   double d)
{
	if (ret < 0)
		canary_fail(out, "harness-error", "the canary could not run (see run.log)");
	if (d > c->timeout_s * r->s.timeout_scale && !out->timed_out) {
		out->timed_out = 1;
		canary_fail(out, "timeout", "exceeded its %d s timeout",
			    (int)(c->timeout_s * r->s.timeout_scale));
	}
	progress("canary", "%s: %s%s%s (%.1f s)", c->name, verdict_name(out->verdict),
		 out->summary.len ? ": " : "", strbuf_str(&out->summary), d);
	report_add(&r->rep, c->name, out->verdict, out->timed_out, d, strbuf_str(&out->signature),
		   strbuf_str(&out->summary), strbuf_str(&out->detail), out->figures);
	strbuf_release(&out->signature);
	strbuf_release(&out->summary);
	strbuf_release(&out->detail);
}

int run_canaries(struct run *r)
{
	const struct canary *group[RESTART_GROUP_MAX];
	size_t ng = 0;

	/* the restarting canaries selected: they run as one group, sharing their restart */
	for (size_t i = 0; i < canary_count; i++)
		if (canary_registry[i].after && selected(r->o, canary_registry[i].name) &&
		    ng < ARRAY_SIZE(group))
			group[ng++] = &canary_registry[i];
	for (size_t i = 0; i < canary_count; i++) {
		const struct canary *c = &canary_registry[i];
		struct canary_outcome out = { 0 };
		double spent = 0;
		int ret;

		if (!selected(r->o, c->name))
			continue;
		if (!r->s.router) {
			/* a planned restart that failed took the VM with it */
			report_add(&r->rep, c->name, VERDICT_FAIL, 0, 0, "agent-lost",
				   "the router VM is gone (a planned restart failed)", "", NULL);
			continue;
		}
		if (c->after) {
			if (c == group[0])
				run_restart_group(r, group, ng);
			continue; /* the others ran in the group */
		}
		out.figures = json_object();
		progress("canary", "%s (%s)", c->name, canary_where_name(c->where));
		ret = run_part(r, c, PART_RUN, &out, &spent, 0, NULL);
		finish_canary(r, c, &out, ret, spent);
	}
	return 0;
}
