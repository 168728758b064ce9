/* SPDX-License-Identifier: BSD-3-Clause */
#include "guestprobe.h"

#include "agent.h"
#include "kv.h"
#include "log.h"
#include "proc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

const char *guestprobe_signature(int exit_code)
{
	switch (exit_code) {
	case 0: return "";
	case 1: return "wrong-answer";
	case 2: return "no-answer";
	default: return "probe-error";
	}
}

/* A probe gets its own wait (-w) and this long to report before it is stopped. */
#define PROBE_GRACE_MS 5000

/* A probe's argv: its path at the site, then args (at most 22). */
static char *probe_argv(struct scenario *s, const struct probe_site *where, const char *prog,
			const char **args, const char **argv)
{
	char *path;
	size_t n = 0;

	if (where && where->netns)
		path = xasprintf("%s/%s", s->host_probes, prog);
	else
		path = xasprintf("%s/canaries/%s", GUEST_DIR, prog);
	argv[n++] = path;
	for (; *args && n < 23; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	return path;
}

/* Fill res and the detail from a probe's run (ran < 0: it could not run). */
static void probe_record(struct canary_outcome *out, const char *label, const char *prog, int ran,
			 int status, int timed_out, struct strbuf *o, struct strbuf *e,
			 struct guestprobe *res)
{
	memset(res, 0, sizeof(*res));
	res->latency_ms = -1;
	if (ran < 0) {
		res->exit_code = -1;
		strbuf_addf(&out->detail, "%s: %s could not be run\n", label, prog);
		return;
	}
	res->exit_code = timed_out ? 2 : WIFEXITED(status) ? WEXITSTATUS(status) : 3;
	strbuf_rtrim(o);
	/* the evidence is the first line; httpget prints the body after it */
	snprintf(res->line, sizeof(res->line), "%.*s", (int)strcspn(strbuf_str(o), "\n"),
		 strbuf_str(o));
	kv_get_double(res->line, "latency_ms", &res->latency_ms);
	strbuf_addf(&out->detail, "%s: %s\n", label, *res->line ? res->line : "(no output)");
	if (e->len) {
		strbuf_rtrim(e);
		strbuf_addf(&out->detail, "%s stderr: %s\n", label, e->buf);
	}
}

/* Run prog with args at the site; fill res and the detail. */
static int run_probe(struct scenario *s, const struct probe_site *where, struct canary_outcome *out,
		     const char *label, const char *prog, const char **args, int timeout_ms,
		     struct guestprobe *res)
{
	const char *argv[24];
	struct strbuf o = STRBUF_INIT, e = STRBUF_INIT;
	int status = 0, timed_out = 0, ret = 0;
	char *path = probe_argv(s, where, prog, args, argv);

	if (where && where->netns) {
		struct proc_spec spec = { .name = prog, .argv = argv, .netns = where->netns };

		if (run_capture(&spec, timeout_ms + PROBE_GRACE_MS, &o, &e, &status) < 0)
			ret = -1;
	} else {
		struct agent_result r = AGENT_RESULT_INIT;
		struct agent_cmd cmd = { .argv = argv, .timeout_ms = timeout_ms + PROBE_GRACE_MS };

		if (agent_exec(s->router, &cmd, &r) < 0) {
			ret = -1;
		} else {
			status = r.status;
			timed_out = r.timed_out;
			strbuf_add(&o, strbuf_str(&r.out), r.out.len);
			strbuf_add(&e, strbuf_str(&r.err), r.err.len);
		}
		agent_result_release(&r);
	}
	probe_record(out, label, prog, ret, status, timed_out, &o, &e, res);
	strbuf_release(&o);
	strbuf_release(&e);
	free(path);
	return ret;
}

/* What one probe of a set holds while the set runs. */
struct set_member {
	struct proc_spec spec;
	const char *argv[24];
	char wait_ms[16];
	char *path;
	struct strbuf out, err;
};

int probe_http_set(struct scenario *s, struct canary_outcome *out, struct http_probe *set, size_t n)
{
	struct capture *runs;
	struct set_member *m;
	int ret = 0;

	for (size_t i = 0; i < n; i++)
		if (!set[i].where || !set[i].where->netns)
			return error("probe_http_set: '%s' is not in a lab namespace",
				     set[i].label);
	runs = xcalloc(n ? n : 1, sizeof(*runs));
	m = xcalloc(n ? n : 1, sizeof(*m));
	for (size_t i = 0; i < n; i++) {
		const char *args[] = { "-u", set[i].url, "-w", m[i].wait_ms, NULL };

		snprintf(m[i].wait_ms, sizeof(m[i].wait_ms), "%d", set[i].timeout_ms);
		m[i].path = probe_argv(s, set[i].where, "httpget", args, m[i].argv);
		m[i].spec = (struct proc_spec){ .name = "httpget",
						.argv = m[i].argv,
						.netns = set[i].where->netns };
		runs[i] = (struct capture){ .spec = &m[i].spec,
					    .timeout_ms = set[i].timeout_ms + PROBE_GRACE_MS,
					    .out = &m[i].out,
					    .err = &m[i].err };
	}
	run_capture_set(runs, n);
	/* the evidence in the order of the set, whatever order they ended in */
	for (size_t i = 0; i < n; i++) {
		probe_record(out, set[i].label, "httpget", runs[i].ret, runs[i].status, 0,
			     &m[i].out, &m[i].err, &set[i].res);
		if (runs[i].ret < 0)
			ret = -1;
		strbuf_release(&m[i].out);
		strbuf_release(&m[i].err);
		free(m[i].path);
	}
	free(runs);
	free(m);
	return ret;
}

int probe_dns_type(struct scenario *s, const struct probe_site *where, struct canary_outcome *out,
		   const char *label, const char *server, const char *name, const char *type,
		   const char *transport, const char *expect, int timeout_ms,
		   struct guestprobe *res)
{
	char wait_ms[16];
	const char *args[14];
	size_t n = 0;

	snprintf(wait_ms, sizeof(wait_ms), "%d", timeout_ms);
	args[n++] = "-s";
	args[n++] = server;
	args[n++] = "-n";
	args[n++] = name;
	if (type) {
		args[n++] = "-t";
		args[n++] = type;
	}
	args[n++] = "-T";
	args[n++] = transport;
	args[n++] = "-w";
	args[n++] = wait_ms;
	if (expect) {
		args[n++] = "-e";
		args[n++] = expect;
	}
	args[n] = NULL;
	return run_probe(s, where, out, label, "dnsprobe", args, timeout_ms, res);
}

int probe_dns(struct scenario *s, const struct probe_site *where, struct canary_outcome *out,
	      const char *label, const char *server, const char *name, const char *transport,
	      const char *expect, int timeout_ms, struct guestprobe *res)
{
	return probe_dns_type(s, where, out, label, server, name, NULL, transport, expect,
			      timeout_ms, res);
}

int probe_http(struct scenario *s, const struct probe_site *where, struct canary_outcome *out,
	       const char *label, const char *url, int timeout_ms, struct guestprobe *res)
{
	char wait_ms[16];
	const char *args[] = { "-u", url, "-w", wait_ms, NULL };

	if (where && where->netns) {
		/* in a lab namespace: one path for every host-side httpget, a set of one */
		struct http_probe one = {
			.where = where, .label = label, .url = url, .timeout_ms = timeout_ms
		};
		int ret = probe_http_set(s, out, &one, 1);

		*res = one.res;
		return ret;
	}
	snprintf(wait_ms, sizeof(wait_ms), "%d", timeout_ms);
	return run_probe(s, where, out, label, "httpget", args, timeout_ms, res);
}

int guest_dnsprobe(struct scenario *s, struct canary_outcome *out, const char *label,
		   const char *server, const char *name, const char *transport, const char *expect,
		   int timeout_ms, struct guestprobe *res)
{
	return probe_dns(s, NULL, out, label, server, name, transport, expect, timeout_ms, res);
}
