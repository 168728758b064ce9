/* SPDX-License-Identifier: BSD-3-Clause */
#include "router.h"

#include "agent.h"
#include "clock.h"
#include "log.h"
#include "scenario.h"
#include "strbuf.h"
#include "undo.h"

#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define TS_CLI "/usr/local/bin/tailscale"

int router_localapi(struct scenario *s, const char *method, const char *path, const char *body,
		    int timeout_ms, int quiet, struct strbuf *out)
{
	struct agent_http_req rq = {
		.socket = ROUTER_TS_SOCKET,
		.method = method,
		.path = path,
		.body = body,
		.body_len = body ? strlen(body) : 0,
		.timeout_ms = timeout_ms,
		.quiet = quiet,
	};
	struct strbuf sink = STRBUF_INIT;
	int status = 0, ret;

	ret = agent_http(s->router, &rq, &status, out ? out : &sink);
	strbuf_release(&sink);
	return ret < 0 ? -1 : status;
}

int router_set_prefs(struct scenario *s, const char *masked_prefs, const char *what, int timeout_ms)
{
	struct strbuf o = STRBUF_INIT;
	int status = router_localapi(s, "PATCH", "/localapi/v0/prefs", masked_prefs, timeout_ms, 0,
				     &o);

	strbuf_rtrim(&o);
	if (status > 0 && status != 200)
		error("PATCH /localapi/v0/prefs (%s) answered %d: %.200s", what, status,
		      strbuf_str(&o));
	strbuf_release(&o);
	return status == 200 ? 0 : -1;
}

json_t *router_status_json(struct scenario *s, int timeout_ms, int quiet)
{
	struct strbuf o = STRBUF_INIT;
	json_error_t jerr;
	json_t *j = NULL;
	int status = router_localapi(s, "GET", "/localapi/v0/status", NULL, timeout_ms, quiet, &o);

	if (status == 200) {
		j = json_loadb(o.buf ? o.buf : "", o.len, 0, &jerr);
		if (!j && !quiet)
			warning("cannot parse the router's LocalAPI status: %s", jerr.text);
	} else if (status > 0 && !quiet) {
		strbuf_rtrim(&o);
		warning("the router's LocalAPI status answered %d: %.200s", status, strbuf_str(&o));
	}
	strbuf_release(&o);
	return j;
}

int router_cli(struct scenario *s, const char *const *args, int timeout_ms, struct strbuf *out,
	       struct strbuf *err)
{
	const char *argv[16];
	struct agent_cmd cmd = { .argv = argv, .timeout_ms = timeout_ms };
	struct agent_result res = AGENT_RESULT_INIT;
	size_t n = 0;
	int ret;

	argv[n++] = TS_CLI;
	for (; *args && n < 15; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	if (agent_exec(s->router, &cmd, &res) < 0)
		return -1;
	ret = res.status == 0 && !res.timed_out ? 0 : -1;
	if (out)
		strbuf_add(out, strbuf_str(&res.out), res.out.len);
	if (err)
		strbuf_add(err, strbuf_str(&res.err), res.err.len);
	agent_result_release(&res);
	return ret;
}

size_t log_mark(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (size_t)st.st_size : 0;
}

int log_find_since(const char *path, size_t offset, const char *const *needles, char *line,
		   size_t len)
{
	struct strbuf sb = STRBUF_INIT;
	int ret = -1;

	if (strbuf_read_file(&sb, path) < 0 || sb.len < offset) {
		strbuf_release(&sb);
		return -1;
	}
	for (char *p = sb.buf + offset; p && *p;) {
		char *nl = strchr(p, '\n');
		int all = 1;

		if (nl)
			*nl = '\0';
		for (const char *const *n = needles; *n && all; n++)
			all = strstr(p, *n) != NULL;
		if (all) {
			snprintf(line, len, "%s", p);
			ret = 0;
			break;
		}
		p = nl ? nl + 1 : NULL;
	}
	strbuf_release(&sb);
	return ret;
}

int log_grep(const char *text, size_t len, const char *needle, struct strbuf *hits)
{
	size_t nlen = strlen(needle);
	const char *end = text + len, *p = text;
	int n = 0;

	/* binary-safe: tailscaled's log holds NUL bytes ("[v\0JSON]" lines) */
	while (n < 10 && p < end && (p = memmem(p, (size_t)(end - p), needle, nlen))) {
		const char *bol = p, *eol = memchr(p, '\n', (size_t)(end - p));

		while (bol > text && bol[-1] != '\n')
			bol--;
		strbuf_add(hits, bol, (size_t)((eol ? eol : end) - bol));
		strbuf_addch(hits, '\n');
		n++;
		p = eol ? eol + 1 : end;
	}
	return n;
}

const char *log_panic_signature(const char *text, size_t len)
{
	static const char frame[] = "net/tstun.invertGSOChecksum";
	const char *p = text ? memmem(text, len, "panic:", 6) : NULL;

	if (p && memmem(p, len - (size_t)(p - text), frame, sizeof(frame) - 1))
		return "invertgso-panic";
	if (p || (text && memmem(text, len, "fatal error:", 12)))
		return "panic";
	return NULL;
}

int router_wait_running(struct scenario *s, int timeout_ms, char *state, size_t len)
{
	double deadline = mono_s() + timeout_ms / 1000.0;

	snprintf(state, len, "%s", "");
	do {
		json_t *st = router_status_json(s, 15000, 1);
		const char *bs = json_string_value(json_object_get(st, "BackendState"));
		int running;

		if (bs)
			snprintf(state, len, "%s", bs);
		running = bs && !strcmp(state, "Running");
		json_decref(st); /* bs goes with it: judge the copy */
		if (running)
			return 0;
		if (mono_s() < deadline)
			poll(NULL, 0, 250);
	} while (mono_s() < deadline && !interrupted());
	return -1;
}

int sentinel_holds(struct scenario *s, int first_pid, const char *log_path, struct strbuf *detail,
		   const char **signature)
{
	struct agent_status st;
	struct strbuf log = STRBUF_INIT, hits = STRBUF_INIT;
	int holds = 1;

	if (agent_status(s->router, NULL, &st) < 0) {
		*signature = "agent-lost";
		strbuf_addstr(detail, "the guest agent did not answer\n");
		return -1;
	}
	strbuf_addf(detail,
		    "first pid %d, now pid %d, starts %u, exits %u, VmRSS %ld KiB, "
		    "VmHWM %ld KiB\n",
		    first_pid, (int)st.pid, st.start_count, st.exits, st.vmrss_kib, st.vmhwm_kib);
	if ((int)st.pid != first_pid || st.start_count != 1 || st.exits != 0) {
		holds = 0;
		*signature = "restart";
	}
	if (agent_read_file(s->router, log_path, 16 << 20, &log, NULL) < 0) {
		holds = 0;
		*signature = "no-log";
	} else if (log_grep(strbuf_str(&log), log.len, "panic:", &hits) +
			   log_grep(strbuf_str(&log), log.len, "fatal error:", &hits) >
		   0) {
		holds = 0;
		*signature = "panic";
		strbuf_addf(detail, "log lines:\n%s", hits.buf);
	}
	strbuf_release(&log);
	strbuf_release(&hits);
	return holds;
}

size_t log_count_verbose(const char *text, size_t len, size_t from, struct strbuf *examples)
{
	static const char *const tags[] = { "[v1]", "[v2]", "[v3]" };
	static const char json_tag[] = "[v\0JSON]";
	const char *p = text ? text + (from < len ? from : len) : "";
	const char *end = text ? text + len : p;
	size_t count = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		int verbose = 0;

		for (size_t i = 0; i < ARRAY_SIZE(tags) && !verbose; i++)
			verbose = memmem(p, n, tags[i], strlen(tags[i])) != NULL;
		if (!verbose) {
			/* a structured record at verbosity 1-9: "[v\0JSON]1{...}" */
			const char *j = memmem(p, n, json_tag, sizeof(json_tag) - 1);
			size_t at = j ? (size_t)(j - p) + sizeof(json_tag) - 1 : n;

			verbose = at < n && p[at] >= '1' && p[at] <= '9';
		}
		if (verbose) {
			if (examples && count < 5) {
				strbuf_addstr(examples, "  ");
				/* NUL bytes shown as \0, so the example stays one text line */
				for (size_t k = 0; k < (n > 160 ? 160 : n); k++) {
					if (p[k])
						strbuf_addch(examples, p[k]);
					else
						strbuf_addstr(examples, "\\0");
				}
				strbuf_addch(examples, '\n');
			}
			count++;
		}
		p += n + 1;
	}
	return count;
}
