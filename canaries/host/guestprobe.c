#include "guestprobe.h"

#include "agent.h"
#include "kv.h"
#include "log.h"

#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

const char *guestprobe_signature(int exit_code)
{
	switch (exit_code) {
	case 0:
		return "";
	case 1:
		return "wrong-answer";
	case 2:
		return "no-answer";
	default:
		return "probe-error";
	}
}

int guest_dnsprobe(struct scenario *s, struct canary_outcome *out, const char *label,
		   const char *server, const char *name, const char *transport,
		   const char *expect, int timeout_ms, struct guestprobe *res)
{
	char wait_ms[16];
	const char *argv[16];
	struct agent_result r = AGENT_RESULT_INIT;
	struct agent_cmd cmd = { .argv = argv, .timeout_ms = timeout_ms + 5000 };
	size_t n = 0;
	int ret = 0;

	snprintf(wait_ms, sizeof(wait_ms), "%d", timeout_ms);
	argv[n++] = GUEST_DIR "/canaries/dnsprobe";
	argv[n++] = "-s";
	argv[n++] = server;
	argv[n++] = "-n";
	argv[n++] = name;
	argv[n++] = "-T";
	argv[n++] = transport;
	argv[n++] = "-w";
	argv[n++] = wait_ms;
	if (expect) {
		argv[n++] = "-e";
		argv[n++] = expect;
	}
	argv[n] = NULL;

	memset(res, 0, sizeof(*res));
	res->latency_ms = -1;
	if (agent_exec(s->router, &cmd, &r) < 0) {
		res->exit_code = -1;
		strbuf_addf(&out->detail, "%s: agent lost while probing\n", label);
		return -1;
	}
	res->exit_code = WIFEXITED(r.status) ? WEXITSTATUS(r.status) : 3;
	strbuf_rtrim(&r.out);
	snprintf(res->line, sizeof(res->line), "%s", strbuf_str(&r.out));
	kv_get_double(res->line, "latency_ms", &res->latency_ms);
	strbuf_addf(&out->detail, "%s: %s\n", label, *res->line ? res->line : "(no output)");
	if (r.err.len) {
		strbuf_rtrim(&r.err);
		strbuf_addf(&out->detail, "%s stderr: %s\n", label, r.err.buf);
	}
	if (r.timed_out) {
		ret = 0;
		res->exit_code = 2;
	}
	agent_result_release(&r);
	return ret;
}
