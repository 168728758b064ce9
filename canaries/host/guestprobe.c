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
			const char *const *args, const char **argv)
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

void probeset_script(struct strbuf *sb, const char *const *const *argvs, size_t n)
{
	strbuf_addstr(sb, "bb=" GUEST_BUSYBOX "\n"
			  "d=$($bb mktemp -d " GUEST_RUN "/probeset.XXXXXX) || exit 3\n");
	for (size_t i = 0; i < n; i++) {
		for (const char *const *a = argvs[i]; *a; a++) {
			strbuf_add_sq(sb, *a);
			strbuf_addch(sb, ' ');
		}
		strbuf_addf(sb, ">\"$d/%zu.o\" 2>\"$d/%zu.e\" </dev/null & p%zu=$!\n", i, i, i);
	}
	for (size_t i = 0; i < n; i++)
		strbuf_addf(sb, "wait $p%zu; r%zu=$?\n", i, i);
	for (size_t i = 0; i < n; i++)
		strbuf_addf(sb,
			    "echo \"$r%zu $($bb wc -c <\"$d/%zu.o\") $($bb wc -c <\"$d/%zu.e\")\"\n"
			    "$bb cat \"$d/%zu.o\" \"$d/%zu.e\"\n",
			    i, i, i, i, i);
	strbuf_addstr(sb, "$bb rm -rf \"$d\"\n");
}

int probeset_split(const char *buf, size_t len, struct probeset_part *parts, size_t n)
{
	size_t at = 0;

	for (size_t i = 0; i < n; i++) {
		const char *nl = memchr(buf + at, '\n', len - at);
		unsigned long code, olen, elen;
		char head[96];
		int used = 0;

		if (!nl || (size_t)(nl - (buf + at)) >= sizeof(head))
			return error("probe set: no header for probe %zu", i);
		memcpy(head, buf + at, (size_t)(nl - (buf + at)));
		head[nl - (buf + at)] = '\0';
		if (sscanf(head, "%lu %lu %lu%n", &code, &olen, &elen, &used) != 3 || head[used] ||
		    code > 255)
			return error("probe set: bad header for probe %zu: '%s'", i, head);
		at = (size_t)(nl - buf) + 1;
		if (olen > len - at || elen > len - at - olen)
			return error("probe set: probe %zu's output is cut short", i);
		/* the shell's $?: 128 + N for a probe killed by signal N */
		parts[i].status = code > 128 ? W_EXITCODE(0, (int)(code - 128))
					     : W_EXITCODE((int)code, 0);
		parts[i].out = buf + at;
		parts[i].out_len = olen;
		parts[i].err = buf + at + olen;
		parts[i].err_len = elen;
		at += olen + elen;
	}
	return at == len ? 0 : error("probe set: %zu bytes after the last probe", len - at);
}

/* One probe of a set: what its kind gives, then what the set holds while it runs. */
struct set_member {
	const struct probe_site *where;
	const char *label;
	const char *args[15]; /* NULL-terminated */
	char wait_ms[16];     /* the -w argument */
	int timeout_ms;
	struct guestprobe *res; /* out */
	struct proc_spec spec;
	const char *argv[24];
	char *path;
	struct strbuf out, err;
	int ran; /* 0, or -1: it could not run */
	int status, timed_out;
};

/* A set's members in the router: one shell of the agent starts them all. */
static int run_set_router(struct scenario *s, struct set_member *m, size_t n, int timeout_ms)
{
	const char **argvs[24] = { 0 };
	const char *argv[] = { GUEST_BUSYBOX, "sh", "-c", NULL, NULL };
	struct agent_result r = AGENT_RESULT_INIT;
	struct strbuf script = STRBUF_INIT;
	struct probeset_part parts[24];
	struct agent_cmd cmd = { .argv = argv, .timeout_ms = timeout_ms };
	int ret = 0;

	if (n > ARRAY_SIZE(argvs))
		return error("probe set: %zu probes, at most %zu", n, ARRAY_SIZE(argvs));
	for (size_t i = 0; i < n; i++)
		argvs[i] = m[i].argv;
	probeset_script(&script, (const char *const *const *)argvs, n);
	argv[3] = strbuf_str(&script);
	if (agent_exec(s->router, &cmd, &r) < 0) {
		ret = -1;
	} else if (r.timed_out || !WIFEXITED(r.status) || WEXITSTATUS(r.status) ||
		   probeset_split(r.out.buf, r.out.len, parts, n) < 0) {
		char how[32];

		/* a set that did not report: every probe counts as unanswered */
		log_msg(LOG_WARN, "probe set of %zu in the router: %s%s%.*s", n,
			r.timed_out ? "stopped at its timeout"
				    : proc_describe_status(r.status, how, sizeof(how)),
			r.err.len ? ": " : "", (int)r.err.len, strbuf_str(&r.err));
		for (size_t i = 0; i < n; i++)
			m[i].timed_out = 1;
	} else {
		for (size_t i = 0; i < n; i++) {
			m[i].status = parts[i].status;
			strbuf_add(&m[i].out, parts[i].out, parts[i].out_len);
			strbuf_add(&m[i].err, parts[i].err, parts[i].err_len);
		}
	}
	if (ret < 0)
		for (size_t i = 0; i < n; i++)
			m[i].ran = -1;
	agent_result_release(&r);
	strbuf_release(&script);
	return ret;
}

/*
 * Run prog with each member's args, all at one site and at once; each one's
 * evidence into the detail, in the set's order, and its result into *res.
 */
static int run_set(struct scenario *s, struct canary_outcome *out, const char *prog,
		   struct set_member *m, size_t n)
{
	int ret = 0, longest = 0, in_ns = n && m[0].where && m[0].where->netns;

	for (size_t i = 0; i < n; i++)
		if (!(m[i].where && m[i].where->netns) != !in_ns)
			return error("probe set: '%s' runs %s, the set's first %s", m[i].label,
				     in_ns ? "in the router" : "in a lab namespace",
				     in_ns ? "in a lab namespace" : "in the router");
	for (size_t i = 0; i < n; i++) {
		m[i].path = probe_argv(s, m[i].where, prog, m[i].args, m[i].argv);
		m[i].out = (struct strbuf)STRBUF_INIT;
		m[i].err = (struct strbuf)STRBUF_INIT;
		if (m[i].timeout_ms > longest)
			longest = m[i].timeout_ms;
	}
	if (in_ns) {
		struct capture *runs = xcalloc(n, sizeof(*runs));

		for (size_t i = 0; i < n; i++) {
			m[i].spec = (struct proc_spec){ .name = prog,
							.argv = m[i].argv,
							.netns = m[i].where->netns };
			runs[i] = (struct capture){ .spec = &m[i].spec,
						    .timeout_ms = m[i].timeout_ms + PROBE_GRACE_MS,
						    .out = &m[i].out,
						    .err = &m[i].err };
		}
		run_capture_set(runs, n);
		for (size_t i = 0; i < n; i++) {
			m[i].ran = runs[i].ret;
			m[i].status = runs[i].status;
		}
		free(runs);
	} else if (n == 1) {
		/* one probe in the router: the agent runs it directly, no shell */
		struct agent_result r = AGENT_RESULT_INIT;
		struct agent_cmd cmd = { .argv = m[0].argv,
					 .timeout_ms = m[0].timeout_ms + PROBE_GRACE_MS };

		if (agent_exec(s->router, &cmd, &r) < 0) {
			m[0].ran = -1;
		} else {
			m[0].status = r.status;
			m[0].timed_out = r.timed_out;
			strbuf_add(&m[0].out, strbuf_str(&r.out), r.out.len);
			strbuf_add(&m[0].err, strbuf_str(&r.err), r.err.len);
		}
		agent_result_release(&r);
	} else if (n) {
		run_set_router(s, m, n, longest + PROBE_GRACE_MS);
	}
	/* the evidence in the order of the set, whatever order they ended in */
	for (size_t i = 0; i < n; i++) {
		probe_record(out, m[i].label, prog, m[i].ran, m[i].status, m[i].timed_out,
			     &m[i].out, &m[i].err, m[i].res);
		if (m[i].ran < 0)
			ret = -1;
		strbuf_release(&m[i].out);
		strbuf_release(&m[i].err);
		free(m[i].path);
	}
	return ret;
}

/* The members of a set of n, or an error when it is too big to be one. */
static struct set_member *set_members(size_t n)
{
	if (n > 24) {
		error("probe set: %zu probes, at most 24", n);
		return NULL;
	}
	return xcalloc(n ? n : 1, sizeof(struct set_member));
}

/* Fill what every kind of probe gives its member; its args to fill, after them its -w value. */
static const char **member_init(struct set_member *m, const struct probe_site *where,
				const char *label, int timeout_ms, struct guestprobe *res)
{
	m->where = where;
	m->label = label;
	m->timeout_ms = timeout_ms;
	m->res = res;
	snprintf(m->wait_ms, sizeof(m->wait_ms), "%d", timeout_ms);
	return m->args;
}

int probe_http_set(struct scenario *s, struct canary_outcome *out, struct http_probe *set, size_t n)
{
	struct set_member *m = set_members(n);
	int ret;

	if (!m)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const char **a = member_init(&m[i], set[i].where, set[i].label, set[i].timeout_ms,
					     &set[i].res);

		*a++ = "-u";
		*a++ = set[i].url;
		*a++ = "-w";
		*a = m[i].wait_ms;
	}
	ret = run_set(s, out, "httpget", m, n);
	free(m);
	return ret;
}

int probe_dns_set(struct scenario *s, struct canary_outcome *out, struct dns_probe *set, size_t n)
{
	struct set_member *m = set_members(n);
	int ret;

	if (!m)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const char **a = member_init(&m[i], set[i].where, set[i].label, set[i].timeout_ms,
					     &set[i].res);

		*a++ = "-s";
		*a++ = set[i].server;
		*a++ = "-n";
		*a++ = set[i].name;
		if (set[i].type) {
			*a++ = "-t";
			*a++ = set[i].type;
		}
		*a++ = "-T";
		*a++ = set[i].transport;
		*a++ = "-w";
		*a++ = m[i].wait_ms;
		if (set[i].expect) {
			*a++ = "-e";
			*a++ = set[i].expect;
		}
	}
	ret = run_set(s, out, "dnsprobe", m, n);
	free(m);
	return ret;
}

int probe_dns_type(struct scenario *s, const struct probe_site *where, struct canary_outcome *out,
		   const char *label, const char *server, const char *name, const char *type,
		   const char *transport, const char *expect, int timeout_ms,
		   struct guestprobe *res)
{
	struct dns_probe one = { .where = where,
				 .label = label,
				 .server = server,
				 .name = name,
				 .type = type,
				 .transport = transport,
				 .expect = expect,
				 .timeout_ms = timeout_ms };
	int ret = probe_dns_set(s, out, &one, 1);

	*res = one.res;
	return ret;
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
	struct http_probe one = {
		.where = where, .label = label, .url = url, .timeout_ms = timeout_ms
	};
	int ret = probe_http_set(s, out, &one, 1);

	*res = one.res;
	return ret;
}

int guest_dnsprobe(struct scenario *s, struct canary_outcome *out, const char *label,
		   const char *server, const char *name, const char *transport, const char *expect,
		   int timeout_ms, struct guestprobe *res)
{
	return probe_dns(s, NULL, out, label, server, name, transport, expect, timeout_ms, res);
}
