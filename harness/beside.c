/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Canaries side by side: the rule for starting one, and the message its
 * process hands back (beside.h). The message is a header line, then one
 * field per line as "name value", text fields as "name length" followed by
 * that many bytes and a newline, so a detail may hold any byte.
 */
#include "beside.h"

#include "canary.h"
#include "log.h"
#include "strbuf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAGIC "tscanary-beside 1\n"

int beside_may_start(unsigned holds, unsigned changes, unsigned held, unsigned changed,
		     size_t running, size_t max)
{
	unsigned what = ~(unsigned)CANARY_BESIDE;

	if (!running)
		return 1;
	if (!(holds & CANARY_BESIDE) || !(held & CANARY_BESIDE) || running >= max)
		return 0;
	return !(holds & changed & what) && !(changes & held & what);
}

static void add_text(struct strbuf *sb, const char *name, const char *p, size_t len)
{
	strbuf_addf(sb, "%s %zu\n", name, len);
	strbuf_add(sb, p, len);
	strbuf_addch(sb, '\n');
}

static int add_json(struct strbuf *sb, const char *name, const json_t *v)
{
	char *t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

	if (!t)
		return error("cannot encode the %s of a canary's outcome", name);
	add_text(sb, name, t, strlen(t));
	free(t);
	return 0;
}

char *beside_encode(const struct canary_outcome *out, int ret, double spent, json_t *before,
		    json_t *metrics, size_t *len)
{
	struct strbuf sb = STRBUF_INIT;
	json_t *changed = json_object(), *figures = out->figures ? out->figures : json_object();
	const char *key;
	json_t *v;
	int bad;

	json_object_foreach(metrics, key, v)
	{
		json_t *was = before ? json_object_get(before, key) : NULL;

		if (!was || !json_equal(was, v))
			json_object_set(changed, key, v);
	}
	strbuf_addstr(&sb, MAGIC);
	strbuf_addf(&sb, "ret %d\nverdict %d\ntimed_out %d\nspent %.6f\n", ret, (int)out->verdict,
		    out->timed_out, spent);
	add_text(&sb, "signature", out->signature.buf ? out->signature.buf : "",
		 out->signature.len);
	add_text(&sb, "summary", out->summary.buf ? out->summary.buf : "", out->summary.len);
	add_text(&sb, "detail", out->detail.buf ? out->detail.buf : "", out->detail.len);
	bad = add_json(&sb, "figures", figures) < 0 || add_json(&sb, "metrics", changed) < 0;
	if (figures != out->figures)
		json_decref(figures);
	json_decref(changed);
	if (bad) {
		strbuf_release(&sb);
		return NULL;
	}
	return strbuf_detach(&sb, len);
}

/* The reader: where it is in the message and what is left. */
struct cursor {
	const char *p;
	size_t left;
};

/* The next "name value\n" line whose name is want; value into buf. */
static int field(struct cursor *c, const char *want, char *buf, size_t len)
{
	const char *nl = memchr(c->p, '\n', c->left);
	size_t n = strlen(want), line;

	if (!nl)
		return error("a canary's outcome ends before '%s'", want);
	line = (size_t)(nl - c->p);
	if (line <= n || memcmp(c->p, want, n) || c->p[n] != ' ' || line - n - 1 >= len)
		return error("a canary's outcome has no '%s' where it belongs", want);
	memcpy(buf, c->p + n + 1, line - n - 1);
	buf[line - n - 1] = '\0';
	c->p = nl + 1;
	c->left -= line + 1;
	return 0;
}

static int number(struct cursor *c, const char *want, long long lo, long long hi, long long *v)
{
	char buf[32], *end;

	if (field(c, want, buf, sizeof(buf)) < 0)
		return -1;
	errno = 0;
	*v = strtoll(buf, &end, 10);
	if (errno || end == buf || *end || *v < lo || *v > hi)
		return error("a canary's outcome has a bad %s '%s'", want, buf);
	return 0;
}

static int text(struct cursor *c, const char *want, struct strbuf *sb)
{
	long long n;

	if (number(c, want, 0, (long long)c->left, &n) < 0)
		return -1;
	if ((size_t)n + 1 > c->left || c->p[n] != '\n')
		return error("a canary's outcome has a truncated %s", want);
	strbuf_add(sb, c->p, (size_t)n);
	c->p += n + 1;
	c->left -= (size_t)n + 1;
	return 0;
}

static json_t *object(struct cursor *c, const char *want)
{
	struct strbuf sb = STRBUF_INIT;
	json_t *v = NULL;
	json_error_t e;

	if (text(c, want, &sb) == 0) {
		v = json_loadb(sb.buf ? sb.buf : "", sb.len, 0, &e);
		if (!v || !json_is_object(v)) {
			error("a canary's outcome has %s that is no JSON object: %s", want,
			      v ? "another type" : e.text);
			json_decref(v);
			v = NULL;
		}
	}
	strbuf_release(&sb);
	return v;
}

int beside_decode(const char *msg, size_t len, struct canary_outcome *out, int *ret, double *spent,
		  json_t **metrics)
{
	struct cursor c = { msg, len };
	long long v, verdict, timed_out;
	char buf[64], *end;
	json_t *figures, *m;

	*metrics = NULL;
	if (len < strlen(MAGIC) || memcmp(msg, MAGIC, strlen(MAGIC)))
		return error("a canary's outcome does not begin '%.*s'", (int)strlen(MAGIC) - 1,
			     MAGIC);
	c.p += strlen(MAGIC);
	c.left -= strlen(MAGIC);
	if (number(&c, "ret", -1, 0, &v) < 0 ||
	    number(&c, "verdict", VERDICT_PASS, VERDICT_SKIP, &verdict) < 0 ||
	    number(&c, "timed_out", 0, 1, &timed_out) < 0 ||
	    field(&c, "spent", buf, sizeof(buf)) < 0)
		return -1;
	*spent = strtod(buf, &end);
	if (end == buf || *end || *spent < 0)
		return error("a canary's outcome has a bad spent '%s'", buf);
	if (text(&c, "signature", &out->signature) < 0 || text(&c, "summary", &out->summary) < 0 ||
	    text(&c, "detail", &out->detail) < 0)
		return -1;
	figures = object(&c, "figures");
	if (!figures)
		return -1;
	m = object(&c, "metrics");
	if (!m) {
		json_decref(figures);
		return -1;
	}
	if (c.left) {
		json_decref(figures);
		json_decref(m);
		return error("a canary's outcome has %zu bytes after its end", c.left);
	}
	*ret = (int)v;
	out->verdict = (enum verdict)verdict;
	out->timed_out = (int)timed_out;
	json_decref(out->figures);
	out->figures = figures;
	*metrics = m;
	return 0;
}
