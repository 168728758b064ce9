/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * busybox-applets: the image's busybox is the debug shell a RouterOS user
 * gets with /container shell. Every applet image/busybox-applets lists (as
 * its one reader, `image/busybox.sh --list`, says them: the recipe's
 * requirement, whatever a build kept) must be in the busybox the image
 * ships (its own `busybox --list`), and each
 * link must start and end by itself: `<applet> --help` exits with a status
 * below 128 (usage, mostly 1), never by a signal, never "applet not found"
 * (127). Users resolve through the image's /etc/passwd (`id -un` says
 * root), and names through the container's /etc/resolv.conf: nslookup
 * with busybox's own DNS code, ping with the C library's resolver (musl's,
 * which needs no NSS configuration the image would have to carry).
 */
#include "canary.h"

#include "agent.h"
#include "lab.h"
#include "log.h"
#include "proc.h"
#include "qemu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The image's busybox and the guest's own (the harness overlay's) */
#define IMAGE_BB "/bin/busybox"
/* A name of the lab's upstream zone and its address (the web server). */
#define LOOKUP_NAME "www.canary.test"
#define LOOKUP_ADDR LAB_WEB
/* Each applet's --help gets this long before the loop kills it. */
#define HELP_TIMEOUT_S 15
/* The --help loops run side by side, one per CPU of the router VM. */
#define HELP_JOBS QEMU_DEFAULT_SMP

int canary_busybox_applets(struct scenario *s, struct canary_outcome *out);

/* Run argv in the router; stdout into o. The wait status, or -1. */
static int router_run(struct scenario *s, const char *const *argv, int timeout_ms, struct strbuf *o)
{
	struct agent_cmd cmd = { .argv = argv, .timeout_ms = scaled(s, timeout_ms) };
	struct agent_result res = AGENT_RESULT_INIT;
	int status;

	if (agent_exec(s->router, &cmd, &res) < 0)
		return -1;
	status = res.timed_out ? -2 : res.status;
	strbuf_add(o, strbuf_str(&res.out), res.out.len);
	strbuf_add(o, strbuf_str(&res.err), res.err.len);
	agent_result_release(&res);
	return status;
}

/* Is word a line of text? */
static int has_line(const char *text, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = text; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		if (len == n && !strncmp(p, word, n))
			return 1;
		p = nl ? nl + 1 : NULL;
	}
	return 0;
}

/*
 * The applets the recipe requires, one a line in list: what its list's
 * reader prints (`<recipe>/busybox.sh --list`). -1 when it did not run.
 */
static int recipe_applets(struct scenario *s, struct strbuf *list)
{
	char *script = xasprintf("%s/busybox.sh", s->recipe_dir);
	const char *argv[] = { script, "--list", NULL };
	struct proc_spec spec = { .name = "busybox.sh --list", .argv = argv };
	struct strbuf e = STRBUF_INIT;
	int st = 0, ret = 0;

	if (run_capture(&spec, scaled(s, 30000), list, &e, &st) < 0) {
		ret = error("cannot run '%s --list'", script);
	} else if (st != 0) {
		strbuf_rtrim(&e);
		ret = error("'%s --list' failed (status %d): %s", script, st, strbuf_str(&e));
	}
	strbuf_release(&e);
	free(script);
	return ret;
}

/* The lines of text, in order (empty ones skipped); text is cut in place. */
static size_t split_lines(char *text, char ***names)
{
	size_t n = 0, cap = 0;

	*names = NULL;
	for (char *w = strtok(text, "\n"); w; w = strtok(NULL, "\n")) {
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			*names = xrealloc(*names, cap * sizeof(**names));
		}
		(*names)[n++] = w;
	}
	return n;
}

/* Every listed applet in `busybox --list`; the missing ones into missing. */
static int check_list(struct scenario *s, struct canary_outcome *out, char **names, size_t n,
		      struct strbuf *missing)
{
	const char *argv[] = { IMAGE_BB, "--list", NULL };
	struct strbuf o = STRBUF_INIT;
	size_t have = 0;
	int st = router_run(s, argv, 20000, &o);

	if (st == -1) {
		strbuf_release(&o);
		return -1;
	}
	for (size_t i = 0; i < o.len; i++)
		have += o.buf[i] == '\n';
	if (st != 0) {
		strbuf_rtrim(&o);
		canary_fail(out, "busybox-broken",
			    "the image's busybox --list did not run (status %d): %.200s", st,
			    strbuf_str(&o));
		strbuf_release(&o);
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		if (!has_line(strbuf_str(&o), names[i]))
			strbuf_addf(missing, "%s%s", missing->len ? " " : "", names[i]);
	strbuf_addf(&out->detail,
		    "busybox --list: %zu applets, %zu listed in image/busybox-applets\n", have, n);
	json_object_set_new(out->figures, "applets_built", json_integer((json_int_t)have));
	json_object_set_new(out->figures, "applets_listed", json_integer((json_int_t)n));
	strbuf_release(&o);
	return 0;
}

/*
 * `/bin/<applet> --help` for each, driven by the guest's own busybox (not
 * the shell under test): one "name status" line each. Statuses of 128 and
 * up (a signal, or the loop's timeout) into crashed, 127 into missing.
 */
static int check_help(struct scenario *s, struct canary_outcome *out, char **names, size_t n,
		      struct strbuf *missing, struct strbuf *crashed)
{
	struct strbuf script = STRBUF_INIT, o = STRBUF_INIT;
	const char *argv[] = { GUEST_BUSYBOX, "sh", "-c", NULL, NULL };
	size_t ran = 0;
	int st;

	/* HELP_JOBS loops side by side, one per guest CPU; each line is one write */
	for (size_t j = 0; j < HELP_JOBS; j++) {
		strbuf_addf(&script, "for a in");
		for (size_t i = j; i < n; i += HELP_JOBS)
			strbuf_addf(&script, " '%s'", names[i]);
		strbuf_addf(&script,
			    "; do %s timeout %d /bin/\"$a\" --help </dev/null >/dev/null "
			    "2>&1; echo \"$a $?\"; done & ",
			    GUEST_BUSYBOX, HELP_TIMEOUT_S);
	}
	strbuf_addstr(&script, "wait");
	argv[3] = script.buf;
	st = router_run(s, argv, (int)(n * 2000 + 30000), &o);
	strbuf_release(&script);
	if (st == -1) {
		strbuf_release(&o);
		return -1;
	}
	for (char *line = strtok(o.buf, "\n"); line; line = strtok(NULL, "\n")) {
		char *sp = strrchr(line, ' ');
		int code;

		if (!sp)
			continue;
		*sp = '\0';
		code = atoi(sp + 1);
		ran++;
		if (code >= 128)
			strbuf_addf(crashed, "%s%s(%d)", crashed->len ? " " : "", line, code);
		else if (code == 127 && !strbuf_has_word(missing, line))
			strbuf_addf(missing, "%s%s", missing->len ? " " : "", line);
	}
	strbuf_addf(&out->detail, "--help: %zu of %zu links ran\n", ran, n);
	if (ran != n)
		canary_fail(out, "busybox-broken",
			    "the --help loop ran %zu of %zu applets (status %d)", ran, n, st);
	strbuf_release(&o);
	return 0;
}

/* id -un is root; a name of the lab resolves through both resolvers. */
static int check_names(struct scenario *s, struct canary_outcome *out)
{
	const char *id[] = { "/bin/id", "-un", NULL };
	const char *ns[] = { "/bin/nslookup", LOOKUP_NAME, NULL };
	const char *ping[] = { "/bin/ping", "-c", "1", "-W", "2", LOOKUP_NAME, NULL };
	struct strbuf o = STRBUF_INIT;
	int st;

	if ((st = router_run(s, id, 20000, &o)) == -1)
		goto err;
	strbuf_rtrim(&o);
	strbuf_addf(&out->detail, "id -un: %s (status %d)\n", strbuf_str(&o), st);
	if (st != 0 || strcmp(strbuf_str(&o), "root"))
		canary_fail(out, "not-root", "id -un says '%.80s' (status %d), not root",
			    strbuf_str(&o), st);

	strbuf_reset(&o);
	if ((st = router_run(s, ns, 30000, &o)) == -1)
		goto err;
	strbuf_addf(&out->detail, "nslookup " LOOKUP_NAME " (status %d):\n%s", st, strbuf_str(&o));
	if (st != 0 || !strstr(strbuf_str(&o), LOOKUP_ADDR))
		canary_fail(out, "no-lookup",
			    "nslookup " LOOKUP_NAME " gave no " LOOKUP_ADDR " (status %d)", st);

	/* ping's first line names the address the C library resolved; a reply is not asked for */
	strbuf_reset(&o);
	if ((st = router_run(s, ping, 30000, &o)) == -1)
		goto err;
	strbuf_addf(&out->detail, "ping -c 1 " LOOKUP_NAME " (status %d):\n%s", st, strbuf_str(&o));
	if (!strstr(strbuf_str(&o), "(" LOOKUP_ADDR ")"))
		canary_fail(out, "no-lookup",
			    "ping " LOOKUP_NAME " did not resolve it to " LOOKUP_ADDR
			    " through the C library (status %d)",
			    st);
	strbuf_release(&o);
	return 0;
err:
	strbuf_release(&o);
	return -1;
}

int canary_busybox_applets(struct scenario *s, struct canary_outcome *out)
{
	struct strbuf list = STRBUF_INIT, missing = STRBUF_INIT, crashed = STRBUF_INIT;
	char **names = NULL;
	size_t n;
	int ret = -1;

	out->verdict = VERDICT_PASS;
	if (recipe_applets(s, &list) < 0)
		goto out;
	n = list.len ? split_lines(list.buf, &names) : 0;
	if (!n) {
		error("%s/busybox.sh --list names no applet", s->recipe_dir);
		goto out;
	}
	if (check_list(s, out, names, n, &missing) < 0 ||
	    check_help(s, out, names, n, &missing, &crashed) < 0)
		goto out;
	if (missing.len) {
		strbuf_addf(&out->detail, "missing: %s\n", strbuf_str(&missing));
		canary_fail(out, "applet-missing",
			    "the image's busybox lacks listed applets: %.300s",
			    strbuf_str(&missing));
	}
	if (crashed.len) {
		strbuf_addf(&out->detail, "--help ended by a signal or the timeout: %s\n",
			    strbuf_str(&crashed));
		canary_fail(out, "applet-crash", "applets that died on --help: %.300s",
			    strbuf_str(&crashed));
	}
	ret = check_names(s, out);
out:
	free(names);
	strbuf_release(&list);
	strbuf_release(&missing);
	strbuf_release(&crashed);
	return ret;
}
