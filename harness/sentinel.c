/* SPDX-License-Identifier: BSD-3-Clause */
/* The sentinel over tailscaled's lives (sentinel.h). */
#include "sentinel.h"

#include "agent.h"
#include "log.h"
#include "runner.h"
#include "strbuf.h"
#include "router.h"
#include "verdict.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Keep the guest's tailscaled log with the run's logs, as logs/<name>. */
static void keep_ts_log(struct run *r, const char *name, struct strbuf *log)
{
	char *path;
	FILE *fp;

	if (agent_read_file(r->s.router, GUEST_TS_LOG, 16 << 20, log, NULL) < 0)
		return;
	path = run_logpath(r, name);
	fp = fopen(path, "we");
	if (fp) {
		fwrite(strbuf_str(log), 1, log->len, fp);
		fclose(fp);
	}
	free(path);
}

/* The sentinel's judgement of the running tailscaled life; 1 when it holds. */
static int judge_life(struct run *r, const char *log_name, struct strbuf *detail, const char **sig)
{
	struct strbuf log = STRBUF_INIT;
	int holds;

	if (!r->s.router) {
		*sig = "agent-lost";
		strbuf_addstr(detail, "the router VM is gone (a planned restart failed)\n");
		return 0;
	}
	holds = sentinel_holds(&r->s, (int)r->ts_pid, GUEST_TS_LOG, detail, sig);

	keep_ts_log(r, log_name, &log);
	strbuf_release(&log);
	return holds > 0;
}

/*
 * The run-level sentinel: each tailscaled life (one per planned restart)
 * kept one pid and logged no panic; the last one still runs.
 */
void check_sentinel(struct run *r)
{
	struct strbuf detail = STRBUF_INIT;
	struct agent_status st;
	const char *sig = NULL;
	int holds;

	if (r->s.router && agent_status(r->s.router, NULL, &st) == 0) {
		if (st.vmrss_kib >= 0)
			json_object_set_new(r->rep.metrics, "tailscaled_rss_kib",
					    json_integer(st.vmrss_kib));
		if (st.vmhwm_kib >= 0)
			json_object_set_new(r->rep.metrics, "tailscaled_hwm_kib",
					    json_integer(st.vmhwm_kib));
	}
	if (r->lives)
		strbuf_addf(&detail, "%slife %u (logs/tailscaled.log): ", r->life_detail.buf,
			    r->lives + 1);
	holds = judge_life(r, "tailscaled.log", &detail, &sig);
	if (!holds && sig && !strcmp(sig, "agent-lost")) {
		/* the agent went silent: say whether the guest's kernel died */
		struct strbuf why = STRBUF_INIT;

		if (!guest_may_come_up(r, &why) && strstr(why.buf, "panicked")) {
			sig = "guest-panic";
			strbuf_addf(&detail, "%s\n", why.buf);
		}
		strbuf_release(&why);
	}
	if (r->lives) {
		if (holds && r->life_sig) {
			holds = 0;
			sig = r->life_sig;
		}
	}
	report_add(&r->rep, "sentinel", holds ? VERDICT_PASS : VERDICT_FAIL, 0, 0,
		   holds ? NULL : sig,
		   holds                        ? ""
		   : !strcmp(sig, "panic")      ? "tailscaled panicked (see detail)"
		   : !strcmp(sig, "restart")    ? "tailscaled restarted during the run"
		   : !strcmp(sig, "agent-lost") ? "the guest agent did not answer"
		   : !strcmp(sig, "guest-panic")
			   ? "the router's kernel panicked (see detail, console.log)"
			   : "tailscaled's log could not be read",
		   detail.buf, NULL);
	strbuf_release(&detail);
}

/* A planned restart ends a tailscaled life: judge it now, keep its log. */
void end_life(struct run *r)
{
	struct strbuf detail = STRBUF_INIT;
	const char *sig = NULL;
	char name[64];

	r->lives++;
	snprintf(name, sizeof(name), "tailscaled.life%u.log", r->lives);
	if (!judge_life(r, name, &detail, &sig) && !r->life_sig)
		r->life_sig = sig;
	strbuf_rtrim(&detail);
	strbuf_addf(&r->life_detail, "life %u (logs/%s): %s\n", r->lives, name, detail.buf);
	strbuf_release(&detail);
}
