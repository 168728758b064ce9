/* SPDX-License-Identifier: BSD-3-Clause */
#include "bisect.h"

#include "strbuf.h"
#include "tsversion.h"

#include <stdlib.h>
#include <string.h>

/* Index of s among the sorted releases r[0..n), or -1. */
static long find_release(const struct tsrelease *r, size_t n, const char *s)
{
	struct tsversion v;

	if (tsversion_parse(&v, s) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!tsversion_cmp(&r[i].v, &v) && !v.pre)
			return (long)i;
	return -1;
}

int bisect_init(struct bisect *b, const char *const *versions, size_t n, const char *good,
		const char *bad, struct strbuf *err)
{
	struct tsrelease *r;
	size_t k;
	long gi, bi;

	memset(b, 0, sizeof(*b));
	k = tsversion_releases(versions, n, &r);
	gi = find_release(r, k, good);
	bi = find_release(r, k, bad);
	if (gi < 0 || bi < 0) {
		strbuf_addf(err, "%s %s is not a Tailscale release in the module proxy's list",
			    gi < 0 ? "GOOD" : "BAD", gi < 0 ? good : bad);
		if (k)
			strbuf_addf(err, " (%zu releases, %s to %s; a release has an even minor)",
				    k, r[0].s, r[k - 1].s);
		free(r);
		return -1;
	}
	if (gi >= bi) {
		strbuf_addf(err, "GOOD %s must be older than BAD %s", good, bad);
		free(r);
		return -1;
	}
	b->n = (size_t)(bi - gi + 1);
	b->steps = xcalloc(b->n, sizeof(*b->steps));
	for (size_t i = 0; i < b->n; i++)
		b->steps[i].version = xstrdup(r[(size_t)gi + i].s);
	free(r);
	return 0;
}

void bisect_release(struct bisect *b)
{
	for (size_t i = 0; i < b->n; i++) {
		free(b->steps[i].version);
		free(b->steps[i].value);
		free(b->steps[i].detail);
		free(b->steps[i].where);
	}
	free(b->steps);
	memset(b, 0, sizeof(*b));
}

/* The last good and first bad index so far (GOOD and BAD are tested first). */
static void bounds(const struct bisect *b, size_t *lo, size_t *hi)
{
	*lo = 0;
	*hi = b->n - 1;
	for (size_t i = 0; i < b->n; i++) {
		if (b->steps[i].mark == BISECT_GOOD && i > *lo)
			*lo = i;
		if (b->steps[i].mark == BISECT_BAD && i < *hi)
			*hi = i;
	}
}

enum bisect_state bisect_state(const struct bisect *b, size_t *lo, size_t *hi)
{
	const struct bisect_step *g = &b->steps[0], *last = &b->steps[b->n - 1];
	size_t l, h;

	if (g->mark == BISECT_SKIP)
		return BISECT_NO_GOOD;
	if (last->mark == BISECT_SKIP)
		return BISECT_NO_BAD;
	if (last->mark == BISECT_GOOD)
		return BISECT_SAME;
	if (g->mark == BISECT_UNTESTED || last->mark == BISECT_UNTESTED)
		return BISECT_RUNNING;
	bounds(b, &l, &h);
	if (lo)
		*lo = l;
	if (hi)
		*hi = h;
	for (size_t i = l + 1; i < h; i++)
		if (b->steps[i].mark == BISECT_UNTESTED)
			return BISECT_RUNNING;
	return h == l + 1 ? BISECT_FOUND : BISECT_AMBIGUOUS;
}

const char *bisect_next(const struct bisect *b)
{
	size_t lo, hi, mid;

	if (b->steps[0].mark == BISECT_UNTESTED)
		return b->steps[0].version;
	if (bisect_state(b, NULL, NULL) != BISECT_RUNNING)
		return NULL;
	if (b->steps[b->n - 1].mark == BISECT_UNTESTED)
		return b->steps[b->n - 1].version;
	bounds(b, &lo, &hi);
	/* the midpoint, or the untested release nearest to it (skips move it) */
	mid = lo + (hi - lo) / 2;
	for (size_t d = 0; d < hi - lo; d++) {
		if (mid + d < hi && b->steps[mid + d].mark == BISECT_UNTESTED)
			return b->steps[mid + d].version;
		if (d < mid - lo && b->steps[mid - d].mark == BISECT_UNTESTED)
			return b->steps[mid - d].version;
	}
	return NULL;
}

int bisect_apply(struct bisect *b, const char *version, const char *value, const char *detail,
		 const char *where)
{
	const char *next = bisect_next(b);
	struct bisect_step *s = NULL;

	if (!next || strcmp(next, version))
		return -1;
	for (size_t i = 0; i < b->n && !s; i++)
		if (!strcmp(b->steps[i].version, version))
			s = &b->steps[i];
	if (!value)
		s->mark = BISECT_SKIP;
	else if (s == &b->steps[0] || !strcmp(value, b->steps[0].value))
		s->mark = BISECT_GOOD;
	else
		s->mark = BISECT_BAD;
	s->value = value ? xstrdup(value) : NULL;
	s->detail = detail ? xstrdup(detail) : NULL;
	s->where = where ? xstrdup(where) : NULL;
	return 0;
}

static void add_step(struct strbuf *out, const struct bisect_step *s)
{
	strbuf_addf(out, "%s (%s", s->version, s->value ? s->value : "no result");
	if (s->detail && *s->detail)
		strbuf_addf(out, ": %s", s->detail);
	strbuf_addch(out, ')');
}

/* "; skipped, as git bisect skip does: v1 (why), v2 (why)" for skips in (lo, hi). */
static void add_skips(const struct bisect *b, size_t lo, size_t hi, struct strbuf *out)
{
	const char *sep = ". Skipped (no result, as `git bisect skip`): ";

	for (size_t i = lo + 1; i < hi; i++) {
		if (b->steps[i].mark != BISECT_SKIP)
			continue;
		strbuf_addf(out, "%s%s (%s)", sep, b->steps[i].version,
			    b->steps[i].detail ? b->steps[i].detail : "no result");
		sep = ", ";
	}
}

void bisect_answer(const struct bisect *b, const char *subject, struct strbuf *out)
{
	const struct bisect_step *g = &b->steps[0], *last = &b->steps[b->n - 1];
	size_t lo = 0, hi = b->n - 1;

	switch (bisect_state(b, &lo, &hi)) {
	case BISECT_RUNNING:
		strbuf_addf(out, "bisecting %s between %s and %s: next %s", subject, g->version,
			    last->version, bisect_next(b));
		return;
	case BISECT_NO_GOOD:
	case BISECT_NO_BAD: {
		const struct bisect_step *s = g->mark == BISECT_SKIP ? g : last;

		strbuf_addf(out, "no answer: %s %s has no result for %s (%s)",
			    s == g ? "GOOD" : "BAD", s->version, subject,
			    s->detail ? s->detail : "no result");
		return;
	}
	case BISECT_SAME:
		strbuf_addf(out, "no change: %s gives the same result on GOOD ", subject);
		add_step(out, g);
		strbuf_addstr(out, " and BAD ");
		add_step(out, last);
		return;
	case BISECT_FOUND:
		strbuf_addf(out, "%s changes in %s: first bad ", subject, b->steps[hi].version);
		add_step(out, &b->steps[hi]);
		strbuf_addstr(out, "; last good ");
		add_step(out, &b->steps[lo]);
		break;
	case BISECT_AMBIGUOUS:
		strbuf_addf(out,
			    "%s changes in (%s, %s], not narrower: the first bad release is one of",
			    subject, b->steps[lo].version, b->steps[hi].version);
		for (size_t i = lo + 1; i <= hi; i++)
			strbuf_addf(out, " %s", b->steps[i].version);
		strbuf_addstr(out, "; last good ");
		add_step(out, &b->steps[lo]);
		strbuf_addstr(out, "; bad ");
		add_step(out, &b->steps[hi]);
		break;
	}
	add_skips(b, lo, hi, out);
}

enum bisect_exit bisect_exit_code(const struct bisect *b)
{
	switch (bisect_state(b, NULL, NULL)) {
	case BISECT_RUNNING: return BISECT_EXIT_NEXT;
	case BISECT_FOUND: return BISECT_EXIT_FOUND;
	case BISECT_NO_GOOD:
	case BISECT_NO_BAD: return BISECT_EXIT_NO_RESULT;
	default: return BISECT_EXIT_UNCLEAR;
	}
}

static json_t *canary_of(json_t *summary, const char *name)
{
	size_t i;
	json_t *c;

	json_array_foreach(json_object_get(summary, "canaries"), i, c)
	{
		const char *n = json_string_value(json_object_get(c, "name"));

		if (n && !strcmp(n, name))
			return c;
	}
	return NULL;
}

static const char *field(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

int bisect_figure_parse(struct bisect_figure *f, const char *spec, struct strbuf *err)
{
	size_t n = strcspn(spec, "<>="), oplen = strspn(spec + n, "<>=");
	char *end;

	memset(f, 0, sizeof(*f));
	if (!n || n >= sizeof(f->path) || spec[0] == '.' || spec[n - 1] == '.' ||
	    strstr(spec, "..") || strspn(spec, "abcdefghijklmnopqrstuvwxyz0123456789_.") < n) {
		strbuf_addf(err, "figure '%s': want a summary.json key (a-z, 0-9, _, dotted)",
			    spec);
		return -1;
	}
	memcpy(f->path, spec, n);
	if (!spec[n])
		return 0;
	if (oplen > 2 || (oplen == 2 && spec[n + 1] != '=') || spec[n] == '=') {
		strbuf_addf(err, "figure '%s': the threshold's operator is >, >=, < or <=", spec);
		return -1;
	}
	memcpy(f->op, spec + n, oplen);
	f->limit = strtod(spec + n + oplen, &end);
	if (end == spec + n + oplen || *end) {
		strbuf_addf(err, "figure '%s': the threshold is not a number", spec);
		return -1;
	}
	return 0;
}

/* The value at a dotted path in o, or NULL. */
static json_t *at_path(json_t *o, const char *path)
{
	char key[sizeof(((struct bisect_figure *)0)->path)];

	while (o && *path) {
		size_t n = strcspn(path, ".");

		memcpy(key, path, n);
		key[n] = '\0';
		o = json_object_get(o, key);
		path += n + (path[n] == '.');
	}
	return o;
}

static int holds(double v, const char *op, double limit)
{
	if (op[0] == '>')
		return op[1] ? v >= limit : v > limit;
	return op[1] ? v <= limit : v < limit;
}

static const char *figure_value(json_t *summary, const struct bisect_figure *fig,
				struct strbuf *detail)
{
	json_t *f = at_path(summary, fig->path);
	const char *result = *field(summary, "result") ? field(summary, "result") : "none", *v;

	if (*fig->op) {
		if (!json_is_number(f)) {
			strbuf_addf(detail, "no number %s in the run (run result: %s)", fig->path,
				    result);
			return NULL;
		}
		v = holds(json_number_value(f), fig->op, fig->limit) ? "true" : "false";
		strbuf_addf(detail, "%s = %.15g; %s %.15g: %s", fig->path, json_number_value(f),
			    fig->op, fig->limit, v);
		return v;
	}
	if (f) {
		char *dump = json_is_string(f) ? NULL
					       : json_dumps(f, JSON_COMPACT | JSON_ENCODE_ANY);
		json_t *tol = json_object_get(summary, "join_cli_tolerated");

		strbuf_addf(detail, "%s: %s", fig->path, dump ? dump : json_string_value(f));
		if (tol && !strcmp(fig->path, "join_cli_error"))
			strbuf_addf(detail, "; tolerated for %s by fixtures/cli-errors",
				    field(tol, "versions"));
		free(dump);
		return "present";
	}
	if (!json_is_true(json_object_get(json_object_get(summary, "preconditions"), "join"))) {
		strbuf_addf(detail,
			    "%s unknown: the run did not get past the join (run result: %s)",
			    fig->path, result);
		return NULL;
	}
	strbuf_addf(detail, "no %s in a run that joined (run result: %s)", fig->path, result);
	return "absent";
}

const char *bisect_value(json_t *summary, const char *canary, const struct bisect_figure *figure,
			 struct strbuf *detail)
{
	if (canary) {
		json_t *c = canary_of(summary, canary);
		const char *res = field(c, "result");

		if (!c || (strcmp(res, "pass") && strcmp(res, "fail"))) {
			strbuf_addf(detail, "canary %s %s (run result: %s)", canary,
				    c ? "has no pass or fail" : "did not run",
				    *field(summary, "result") ? field(summary, "result") : "none");
			return NULL;
		}
		strbuf_addf(detail, "signature: %s; summary: %s",
			    *field(c, "signature") ? field(c, "signature") : "-",
			    *field(c, "summary") ? field(c, "summary") : "-");
		return !strcmp(res, "pass") ? "pass" : "fail";
	}
	return figure_value(summary, figure, detail);
}

static const char *const mark_names[] = { "untested", "good", "bad", "skip" };
static const char *const state_names[] = { "running",   "found",   "ambiguous",
					   "no change", "no good", "no bad" };

static json_t *step_json(const struct bisect_step *s)
{
	json_t *o = json_pack("{s:s,s:s}", "version", s->version, "mark", mark_names[s->mark]);

	if (s->value)
		json_object_set_new(o, "value", json_string(s->value));
	if (s->detail)
		json_object_set_new(o, "detail", json_string(s->detail));
	if (s->where)
		json_object_set_new(o, "summary_json", json_string(s->where));
	return o;
}

json_t *bisect_json(const struct bisect *b, const char *arch, const char *subject)
{
	size_t lo = 0, hi = b->n - 1;
	enum bisect_state st = bisect_state(b, &lo, &hi);
	struct strbuf answer = STRBUF_INIT;
	json_t *doc, *steps = json_array(), *skipped = json_array();

	bisect_answer(b, subject, &answer);
	for (size_t i = 0; i < b->n; i++) {
		json_array_append_new(steps, step_json(&b->steps[i]));
		if (b->steps[i].mark == BISECT_SKIP)
			json_array_append_new(skipped, json_string(b->steps[i].version));
	}
	doc = json_pack("{s:s,s:s,s:s,s:s,s:s,s:i,s:s,s:o,s:o}", "arch", arch, "subject", subject,
			"good", b->steps[0].version, "bad", b->steps[b->n - 1].version, "state",
			state_names[st], "exit_code", (int)bisect_exit_code(b), "answer",
			strbuf_str(&answer), "skipped", skipped, "versions", steps);
	if (st == BISECT_FOUND || st == BISECT_AMBIGUOUS) {
		json_object_set_new(doc, "last_good", step_json(&b->steps[lo]));
		json_object_set_new(doc, st == BISECT_FOUND ? "first_bad" : "bad_bound",
				    step_json(&b->steps[hi]));
	}
	strbuf_release(&answer);
	return doc;
}

void bisect_markdown(json_t *doc, FILE *fp)
{
	size_t i;
	json_t *s;

	fprintf(fp, "## Bisect on %s: %s, %s to %s\n\n", field(doc, "arch"), field(doc, "subject"),
		field(doc, "good"), field(doc, "bad"));
	fprintf(fp, "**%s** (exit %d)\n\n", field(doc, "answer"),
		(int)json_integer_value(json_object_get(doc, "exit_code")));
	fputs("| version | mark | result | evidence | summary.json |\n"
	      "| --- | --- | --- | --- | --- |\n",
	      fp);
	json_array_foreach(json_object_get(doc, "versions"), i, s)
	{
		if (!strcmp(field(s, "mark"), "untested"))
			continue;
		fprintf(fp, "| %s | %s | %s | ", field(s, "version"), field(s, "mark"),
			*field(s, "value") ? field(s, "value") : "-");
		md_cell_put(fp, field(s, "detail"));
		fprintf(fp, " | %s |\n",
			*field(s, "summary_json") ? field(s, "summary_json") : "-");
	}
	fputs("\nUntested releases in the range are left out; a skipped one had no result.\n", fp);
}
