/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The canaries' part of the run: which were selected, the watchdog over
 * each one's work, one canary's run and its report, and the step that runs
 * them all in the registry's order (the restarting ones as one group:
 * restart.c). Canaries that say they may (struct canary's holds) run side
 * by side, each in a process of its own forked from the run: it has the
 * run's state as it was, shares the router's agent one exchange at a time
 * (agent_share), undoes what it did and writes its outcome to a pipe
 * (beside.h). Their reports go in the registry's order all the same.
 */
#include "runner.h"

#include "agent.h"
#include "beside.h"
#include "canary.h"
#include "faults.h"
#include "log.h"
#include "restart.h"
#include "undo.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

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

/* Judge what a canary's run came to and say it. */
static void judge_canary(struct run *r, const struct canary *c, struct canary_outcome *out, int ret,
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
}

/* Put the judged outcome into the report (which takes its figures). */
static void report_canary(struct run *r, const struct canary *c, struct canary_outcome *out,
			  double d)
{
	report_add(&r->rep, c->name, out->verdict, out->timed_out, d, strbuf_str(&out->signature),
		   strbuf_str(&out->summary), strbuf_str(&out->detail), out->figures);
	out->figures = NULL;
	strbuf_release(&out->signature);
	strbuf_release(&out->summary);
	strbuf_release(&out->detail);
}

void finish_canary(struct run *r, const struct canary *c, struct canary_outcome *out, int ret,
		   double d)
{
	judge_canary(r, c, out, ret, d);
	report_canary(r, c, out, d);
}

/* Seconds a canary beside others may overrun its timeout while it undoes. */
#define BESIDE_GRACE_S 30
/* Then, once told to stop, until it is killed. */
#define BESIDE_KILL_S 10

/* One canary running (or run) beside others. */
struct lane {
	const struct canary *c;
	pid_t pid;          /* 0 once reaped */
	int fd;             /* its outcome's pipe; -1 at its end */
	struct strbuf msg;  /* what came through it */
	double t0, stop_at; /* started; told to stop after (now_s) */
	int told;           /* SIGTERM sent */
	struct canary_outcome out;
	int ret;
	double spent;
};

/* The canaries of one stretch side by side, in the order they started. */
struct lanes {
	struct lane lane[16];
	size_t n, running;
	size_t undo_at; /* open: its lanes_stop() entry sits at this depth */
	int open;
};

/* The undo entry of a stretch: stop whatever still runs (a harness error or a signal). */
static void lanes_stop(void *arg)
{
	struct lanes *l = *(struct lanes **)arg;
	double deadline = now_s() + BESIDE_KILL_S;

	for (size_t i = 0; i < l->n; i++)
		if (l->lane[i].pid)
			kill(l->lane[i].pid, SIGTERM);
	for (size_t i = 0; i < l->n; i++) {
		struct lane *ln = &l->lane[i];

		while (ln->pid && waitpid(ln->pid, NULL, WNOHANG) == 0 && now_s() < deadline)
			poll(NULL, 0, 100);
		if (ln->pid && waitpid(ln->pid, NULL, WNOHANG) == 0) {
			warning("canary '%s' (pid %d) did not stop: killed", ln->c->name,
				(int)ln->pid);
			kill(ln->pid, SIGKILL);
			waitpid(ln->pid, NULL, 0);
		}
		ln->pid = 0;
	}
}

/* The forked process: run c, undo what it did, hand the outcome back. */
static void __attribute__((noreturn))
lane_main(struct run *r, const struct canary *c, unsigned lane_no, int wfd)
{
	struct canary_outcome out = { 0 };
	json_t *before = json_deep_copy(r->s.metrics);
	size_t base = undo_depth();
	double spent = 0;
	char *msg;
	size_t off = 0, len = 0;
	int ret;

	agent_lane(r->s.router, lane_no);
	out.figures = json_object();
	ret = run_part(r, c, PART_RUN, &out, &spent, 0, NULL);
	undo_unwind(base);
	msg = beside_encode(&out, ret, spent, before, r->s.metrics, &len);
	while (off < len) {
		ssize_t n = write(wfd, msg + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	fflush(NULL);
	_exit(msg && off == len ? 0 : 1);
}

/* Start c in a process of its own. 0, or -1 (nothing started). */
static int lane_start(struct run *r, struct lanes *l, const struct canary *c)
{
	struct lane *ln = &l->lane[l->n];
	int fds[2];
	pid_t pid;

	if (l->n >= ARRAY_SIZE(l->lane))
		return error("more than %zu canaries side by side in one stretch",
			     ARRAY_SIZE(l->lane));
	if (pipe2(fds, O_CLOEXEC) < 0)
		return error_errno("cannot make a pipe for canary '%s'", c->name);
	{
		struct strbuf with = STRBUF_INIT;

		for (size_t i = 0; i < l->n; i++)
			if (l->lane[i].fd >= 0)
				strbuf_addf(&with, "%s%s", with.len ? ", " : " beside ",
					    l->lane[i].c->name);
		progress("canary", "%s (%s), side by side%s", c->name, canary_where_name(c->where),
			 strbuf_str(&with));
		strbuf_release(&with);
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return error_errno("cannot fork for canary '%s'", c->name);
	}
	if (pid == 0) {
		close(fds[0]);
		lane_main(r, c, (unsigned)(l->n % 15) + 1, fds[1]);
	}
	close(fds[1]);
	memset(ln, 0, sizeof(*ln));
	ln->c = c;
	ln->pid = pid;
	ln->fd = fds[0];
	ln->t0 = now_s();
	ln->stop_at = ln->t0 + c->timeout_s * r->s.timeout_scale + BESIDE_GRACE_S;
	l->n++;
	l->running++;
	debug("canary '%s' runs as pid %d", c->name, (int)pid);
	return 0;
}

/* A lane whose pipe ended: reap it and read its outcome (or say why there is none). */
static void lane_end(struct run *r, struct lanes *l, struct lane *ln)
{
	json_t *metrics = NULL;
	int status = 0;

	close(ln->fd);
	ln->fd = -1;
	while (waitpid(ln->pid, &status, 0) < 0 && errno == EINTR)
		;
	ln->pid = 0;
	l->running--;
	ln->out.figures = json_object();
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
	    beside_decode(ln->msg.buf ? ln->msg.buf : "", ln->msg.len, &ln->out, &ln->ret,
			  &ln->spent, &metrics) < 0) {
		error("canary '%s' ended without its outcome (%s %d)", ln->c->name,
		      WIFSIGNALED(status) ? "signal" : "exit",
		      WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
		strbuf_reset(&ln->out.signature);
		strbuf_reset(&ln->out.summary);
		ln->ret = -1;
		ln->spent = now_s() - ln->t0;
	} else {
		json_object_update(r->s.metrics, metrics);
	}
	json_decref(metrics);
	strbuf_release(&ln->msg);
	judge_canary(r, ln->c, &ln->out, ln->ret, ln->spent);
}

/*
 * Wait for lanes to end: one (until_one), or all. Reads their pipes, tells
 * those past their time (or all, once the run is interrupted) to stop, and
 * kills those that then do not.
 */
static void lanes_wait(struct run *r, struct lanes *l, int until_one)
{
	size_t start = l->running;

	while (l->running && (!until_one || l->running == start)) {
		struct pollfd pfd[ARRAY_SIZE(l->lane)];
		size_t idx[ARRAY_SIZE(l->lane)], n = 0;
		double now = now_s();

		for (size_t i = 0; i < l->n; i++) {
			struct lane *ln = &l->lane[i];

			if (ln->fd < 0)
				continue;
			if (!ln->told && (interrupted() || now >= ln->stop_at)) {
				if (!interrupted())
					warning("canary '%s' runs past its timeout: told to stop",
						ln->c->name);
				kill(ln->pid, SIGTERM);
				ln->told = 1;
				ln->stop_at = now + BESIDE_KILL_S;
			} else if (ln->told && now >= ln->stop_at) {
				warning("canary '%s' (pid %d) did not stop: killed", ln->c->name,
					(int)ln->pid);
				kill(ln->pid, SIGKILL);
				ln->stop_at = now + 3600;
			}
			pfd[n] = (struct pollfd){ .fd = ln->fd, .events = POLLIN };
			idx[n++] = i;
		}
		if (poll(pfd, n, 200) < 0 && errno != EINTR) {
			error_errno("cannot wait for the canaries side by side");
			poll(NULL, 0, 200);
			continue;
		}
		for (size_t k = 0; k < n; k++) {
			struct lane *ln = &l->lane[idx[k]];
			char buf[65536];
			ssize_t got;

			if (!pfd[k].revents)
				continue;
			got = read(ln->fd, buf, sizeof(buf));
			if (got > 0)
				strbuf_add(&ln->msg, buf, (size_t)got);
			else if (got == 0 || errno != EINTR)
				lane_end(r, l, ln);
		}
	}
}

/* Open a stretch: from here on a harness error or a signal stops its canaries. */
static void lanes_open(struct lanes *l)
{
	struct lanes **arg = xcalloc(1, sizeof(*arg));

	*arg = l;
	l->undo_at = undo_depth();
	l->open = 1;
	undo_push(lanes_stop, arg, "stop the canaries side by side");
}

/* Close it: wait for every canary, then report them in the order they started. */
static void lanes_drain(struct run *r, struct lanes *l)
{
	if (!l->open)
		return;
	lanes_wait(r, l, 0);
	undo_unwind(l->undo_at); /* lanes_stop(): nothing left to stop */
	l->open = 0;
	for (size_t i = 0; i < l->n; i++)
		report_canary(r, l->lane[i].c, &l->lane[i].out, l->lane[i].spent);
	l->n = 0;
}

/* Whether c may start beside the ones still running, at most max side by side. */
static int lanes_admit(const struct lanes *l, const struct canary *c, size_t max)
{
	unsigned held = 0, changed = 0;

	for (size_t i = 0; i < l->n; i++)
		if (l->lane[i].fd >= 0) {
			held |= l->lane[i].c->holds;
			changed |= l->lane[i].c->changes;
		}
	return beside_may_start(c->holds, c->changes, held, changed, l->running, max);
}

int run_canaries(struct run *r)
{
	const struct canary *group[RESTART_GROUP_MAX];
	size_t ng = 0, max = r->o->beside ? r->o->beside : BESIDE_MAX;
	struct lanes *lanes = xcalloc(1, sizeof(*lanes));

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
		if ((c->holds & CANARY_BESIDE) && max > 1 && !c->after && r->s.router &&
		    !interrupted()) {
			/* beside the running ones, once a lane is free and nothing conflicts */
			while (lanes->running && !lanes_admit(lanes, c, max))
				lanes_wait(r, lanes, 1);
			/* (again after a restart: the router's agent is then another) */
			if (agent_share(r->s.router) < 0) {
				lanes_drain(r, lanes);
				free(lanes);
				return -1;
			}
			if (!lanes->open)
				lanes_open(lanes);
			if (lane_start(r, lanes, c) == 0)
				continue;
			/* no process for it: it runs here, once the others are done */
		}
		lanes_drain(r, lanes);
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
	lanes_drain(r, lanes);
	free(lanes);
	return 0;
}
