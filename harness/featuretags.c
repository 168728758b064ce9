/* SPDX-License-Identifier: BSD-3-Clause */
#include "featuretags.h"

#include "log.h"
#include "strbuf.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define TABLE_FORMAT 1

/* --- small string vectors ------------------------------------------------ */

static void vec_push(char ***v, size_t *n, const char *s)
{
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = xstrdup(s);
}

static int vec_has(char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i], s))
			return 1;
	return 0;
}

static void vec_push_unique(char ***v, size_t *n, const char *s)
{
	if (!vec_has(*v, *n, s))
		vec_push(v, n, s);
}

static void vec_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void vec_sort(char **v, size_t n)
{
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_str);
}

/* --- the table ----------------------------------------------------------- */

static const char *json_str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static int parse_feature(json_t *e, size_t i, struct feature *f)
{
	const char *name = json_str(e, "name"), *desc = json_str(e, "desc");
	json_t *deps = json_object_get(e, "deps"), *d, *om = json_object_get(e, "omittable");
	size_t k;

	if (!name || !*name)
		return error("feature table: entry %zu has no name", i);
	if (!json_is_boolean(om))
		return error("feature table: '%s' has no boolean \"omittable\"", name);
	if (deps && !json_is_null(deps) && !json_is_array(deps))
		return error("feature table: '%s' has \"deps\" that is not a list", name);
	f->name = xstrdup(name);
	f->desc = xstrdup(desc ? desc : "");
	f->omittable = json_is_true(om);
	json_array_foreach(deps, k, d)
	{
		if (!json_string_value(d) || !*json_string_value(d))
			return error("feature table: '%s' has a dependency that is not a name",
				     name);
		vec_push(&f->deps, &f->ndeps, json_string_value(d));
	}
	return 0;
}

int feature_table_parse(struct feature_table *t, const char *json, size_t len)
{
	json_error_t jerr;
	json_t *root = json_loadb(json, len, 0, &jerr), *list, *e;
	const char *ver;
	size_t i;
	int ret = 0;

	memset(t, 0, sizeof(*t));
	if (!root)
		return error("feature table: not JSON: %s (line %d)", jerr.text, jerr.line);
	if (json_integer_value(json_object_get(root, "format")) != TABLE_FORMAT) {
		json_decref(root);
		return error("feature table: want \"format\": %d", TABLE_FORMAT);
	}
	ver = json_str(root, "tailscale_version");
	list = json_object_get(root, "features");
	if (!ver || !*ver || !json_is_array(list) || !json_array_size(list)) {
		json_decref(root);
		return error("feature table: want \"tailscale_version\" and a non-empty "
			     "\"features\" list");
	}
	t->ts_version = xstrdup(ver);
	t->v = xcalloc(json_array_size(list), sizeof(*t->v));
	json_array_foreach(list, i, e)
	{
		struct feature *f = &t->v[t->n];

		if (parse_feature(e, i, f) < 0) {
			t->n++; /* release what it got */
			ret = -1;
			break;
		}
		t->n++;
		if (feature_table_find(t, f->name) != f) {
			ret = error("feature table: '%s' listed twice", f->name);
			break;
		}
	}
	json_decref(root);
	if (ret)
		feature_table_release(t);
	return ret;
}

void feature_table_release(struct feature_table *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].name);
		free(t->v[i].desc);
		vec_free(t->v[i].deps, t->v[i].ndeps);
	}
	free(t->v);
	free(t->ts_version);
	memset(t, 0, sizeof(*t));
}

const struct feature *feature_table_find(const struct feature_table *t, const char *name)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].name && !strcmp(t->v[i].name, name))
			return &t->v[i];
	return NULL;
}

/* --- name<TAB>reason lists ----------------------------------------------- */

static int valid_name(const char *s, size_t len)
{
	if (!len)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return 1;
}

static int blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return 0;
	return 1;
}

/* Parse one non-comment line; -1 (reported) when it is not name<TAB>reason. */
static int parse_item(struct feature_list *l, const char *line, size_t len, const char *what,
		      int lineno)
{
	const char *tab = memchr(line, '\t', len);
	size_t nlen, rlen;
	const char *reason;
	char *name;

	if (!tab || blank(tab + 1, len - (size_t)(tab + 1 - line)))
		return error("%s:%d: want name<TAB>reason", what, lineno);
	nlen = (size_t)(tab - line);
	if (!valid_name(line, nlen))
		return error("%s:%d: bad feature name \"%.*s\"", what, lineno, (int)nlen, line);
	reason = tab + 1;
	rlen = len - nlen - 1;
	while (rlen && (*reason == ' ' || *reason == '\t'))
		reason++, rlen--;
	while (rlen &&
	       (reason[rlen - 1] == ' ' || reason[rlen - 1] == '\t' || reason[rlen - 1] == '\r'))
		rlen--;
	name = xmalloc(nlen + 1);
	memcpy(name, line, nlen);
	name[nlen] = '\0';
	if (feature_list_find(l, name)) {
		error("%s:%d: \"%s\" listed twice", what, lineno, name);
		free(name);
		return -1;
	}
	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->v[l->n].name = name;
	l->v[l->n].reason = xmalloc(rlen + 1);
	memcpy(l->v[l->n].reason, reason, rlen);
	l->v[l->n].reason[rlen] = '\0';
	l->n++;
	return 0;
}

int feature_list_parse(struct feature_list *l, const char *text, const char *what)
{
	int lineno = 0;

	memset(l, 0, sizeof(*l));
	for (const char *line = text; line && *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line), ws = 0;

		lineno++;
		while (ws < len && (line[ws] == ' ' || line[ws] == '\t'))
			ws++;
		/* blank lines and lines whose first non-blank is # are skipped */
		if (!blank(line, len) && line[ws] != '#' &&
		    parse_item(l, line, len, what, lineno) < 0) {
			feature_list_release(l);
			return -1;
		}
		line = nl ? nl + 1 : NULL;
	}
	return 0;
}

void feature_list_add(struct feature_list *l, const char *name, const char *reason)
{
	if (feature_list_find(l, name))
		return;
	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->v[l->n].name = xstrdup(name);
	l->v[l->n].reason = xstrdup(reason ? reason : "");
	l->n++;
}

const struct feature_item *feature_list_find(const struct feature_list *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].name, name))
			return &l->v[i];
	return NULL;
}

void feature_list_env(struct strbuf *out, const char *var, const char *path, const char *sha256,
		      const struct feature_list *l)
{
	struct strbuf names = STRBUF_INIT;

	for (size_t i = 0; i < l->n; i++)
		strbuf_addf(&names, "%s%s", i ? "\n" : "", l->v[i].name);
	strbuf_addf(out, "%s_file=", var);
	strbuf_add_sq(out, path);
	strbuf_addf(out, "\n%s_sha256=", var);
	strbuf_add_sq(out, sha256);
	strbuf_addf(out, "\n%s=", var);
	strbuf_add_sq(out, strbuf_str(&names));
	strbuf_addch(out, '\n');
	strbuf_release(&names);
}

void feature_list_release(struct feature_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].name);
		free(l->v[i].reason);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* --- build tags ---------------------------------------------------------- */

/* Whether tags (separated by commas or blanks) hold tag exactly. */
char **feature_dependents(const struct feature_table *t, const struct feature_list *allow,
			  const char *name, size_t *n)
{
	char **reach = NULL, **out = NULL;
	size_t nreach = 0, grown = 1;

	*n = 0;
	vec_push(&reach, &nreach, name);
	while (grown) {
		grown = 0;
		for (size_t i = 0; i < allow->n; i++) {
			const struct feature *f = feature_table_find(t, allow->v[i].name);

			if (!f || vec_has(reach, nreach, f->name))
				continue;
			for (size_t d = 0; d < f->ndeps; d++)
				if (vec_has(reach, nreach, f->deps[d])) {
					vec_push(&reach, &nreach, f->name);
					grown = 1;
					break;
				}
		}
	}
	for (size_t i = 1; i < nreach; i++)
		vec_push(&out, n, reach[i]);
	vec_free(reach, nreach);
	vec_sort(out, *n);
	return out;
}

static int has_tag(const char *tags, const char *tag)
{
	size_t tlen = strlen(tag);

	for (const char *p = tags; p && *p;) {
		size_t len = strcspn(p, ", \t\n");

		if (len == tlen && !memcmp(p, tag, len))
			return 1;
		p += len;
		p += strspn(p, ", \t\n");
	}
	return 0;
}

static int in_build(const char *name, int omittable, const char *tags)
{
	char *tag = xasprintf("%s%s", omittable ? "ts_omit_" : "ts_include_", name);
	int has = has_tag(tags, tag);

	free(tag);
	return omittable ? !has : has;
}

int feature_in_build(const struct feature *f, const char *tags)
{
	return in_build(f->name, f->omittable, tags);
}

/* --- closure and verdict ------------------------------------------------- */

static long member_index(const struct feature_verdict *v, const char *name)
{
	for (size_t i = 0; i < v->n; i++)
		if (!strcmp(v->m[i].name, name))
			return (long)i;
	return -1;
}

static size_t add_member(struct feature_verdict *v, const char *name)
{
	long i = member_index(v, name);

	if (i >= 0)
		return (size_t)i;
	v->m = xrealloc(v->m, (v->n + 1) * sizeof(*v->m));
	memset(&v->m[v->n], 0, sizeof(*v->m));
	v->m[v->n].name = xstrdup(name);
	return v->n++;
}

static int cmp_member(const void *a, const void *b)
{
	return strcmp(((const struct closure_member *)a)->name,
		      ((const struct closure_member *)b)->name);
}

/* Every member's state; the table decides how its tag reads. */
static void judge_members(const struct feature_table *t, const struct feature_list *waived,
			  const char *tags, struct feature_verdict *v)
{
	for (size_t i = 0; i < v->n; i++) {
		struct closure_member *m = &v->m[i];
		const struct feature *f = feature_table_find(t, m->name);
		const struct feature_item *w = feature_list_find(waived, m->name);
		int built = f ? feature_in_build(f, tags) : in_build(m->name, 1, tags);

		m->known = f != NULL;
		if (!f)
			vec_push_unique(&v->unknown, &v->nunknown, m->name);
		m->waiver = w ? w->reason : NULL;
		/* a waiver excuses a dependency, never an allowlisted feature */
		m->status = built                  ? FEATURE_BUILT
			    : w && !m->allowlisted ? FEATURE_WAIVED
						   : FEATURE_MISSING;
	}
	for (size_t i = 0; i < v->n; i++) {
		const struct feature *f = feature_table_find(t, v->m[i].name);

		for (size_t k = 0; f && k < f->ndeps; k++) {
			/* every Deps entry of a member is a member (feature_judge added it) */
			struct closure_member *d = &v->m[member_index(v, f->deps[k])];

			vec_push_unique(&d->required_by, &d->nrequired_by, v->m[i].name);
			if (v->m[i].status == FEATURE_BUILT)
				d->needed_by_built = 1;
		}
	}
}

/* What the build holds beyond the closure, and names or tags nothing explains. */
static void judge_rest(const struct feature_table *t, const struct feature_list *waived,
		       const char *tags, struct feature_verdict *v)
{
	for (size_t i = 0; i < t->n; i++) {
		const struct feature *f = &t->v[i];

		if (!feature_in_build(f, tags))
			continue;
		v->nbuilt_total++;
		if (member_index(v, f->name) < 0) {
			char *s = xasprintf("%s%s", f->name, f->omittable ? "" : " (opt-in)");

			vec_push(&v->extra, &v->nextra, s);
			free(s);
		}
	}
	for (size_t i = 0; i < waived->n; i++) {
		const char *name = waived->v[i].name;

		if (!feature_table_find(t, name))
			vec_push_unique(&v->unknown, &v->nunknown, name);
		else if (member_index(v, name) < 0)
			vec_push(&v->stale, &v->nstale, name);
	}
	for (const char *p = tags; p && *p;) {
		size_t len = strcspn(p, ", \t\n");
		char *tag = xmalloc(len + 1);
		const char *name = NULL;

		memcpy(tag, p, len);
		tag[len] = '\0';
		if (!strncmp(tag, "ts_omit_", 8))
			name = tag + 8;
		else if (!strncmp(tag, "ts_include_", 11))
			name = tag + 11;
		if (name && !feature_table_find(t, name))
			vec_push_unique(&v->unknown_tags, &v->nunknown_tags, tag);
		free(tag);
		p += len;
		p += strspn(p, ", \t\n");
	}
}

static const char *choose_signature(const struct feature_verdict *v)
{
	int dep_of_built = 0, allow_absent = 0, other = 0;

	if (v->nunknown)
		return "unknown-feature";
	for (size_t i = 0; i < v->n; i++) {
		if (v->m[i].status != FEATURE_MISSING)
			continue;
		if (v->m[i].needed_by_built)
			dep_of_built = 1;
		else if (v->m[i].allowlisted)
			allow_absent = 1;
		else
			other = 1;
	}
	if (dep_of_built)
		return "missing-dep";
	if (allow_absent)
		return "allowlisted-not-built";
	return other ? "missing-dep" : NULL;
}

/* The closure of the members already seeded, then every verdict field. */
static void judge_closure(const struct feature_table *t, const struct feature_list *waived,
			  const char *tags, struct feature_verdict *v)
{
	v->ts_version = xstrdup(t->ts_version ? t->ts_version : "?");
	/* breadth first; members are only ever added once, so cycles end */
	for (size_t i = 0; i < v->n; i++) {
		const struct feature *f = feature_table_find(t, v->m[i].name);

		for (size_t k = 0; f && k < f->ndeps; k++)
			add_member(v, f->deps[k]);
	}
	judge_members(t, waived, tags, v);
	judge_rest(t, waived, tags, v);
	for (size_t i = 0; i < v->n; i++) {
		v->nallowlisted += v->m[i].allowlisted;
		v->nbuilt += v->m[i].status == FEATURE_BUILT;
		v->nwaived += v->m[i].status == FEATURE_WAIVED;
		v->nmissing += v->m[i].status == FEATURE_MISSING;
		vec_sort(v->m[i].required_by, v->m[i].nrequired_by);
	}
	if (v->n > 1)
		qsort(v->m, v->n, sizeof(*v->m), cmp_member);
	vec_sort(v->extra, v->nextra);
	vec_sort(v->stale, v->nstale);
	vec_sort(v->unknown, v->nunknown);
	vec_sort(v->unknown_tags, v->nunknown_tags);
	v->signature = choose_signature(v);
}

void feature_judge(const struct feature_table *t, const struct feature_list *allow,
		   const struct feature_list *waived, const char *tags, struct feature_verdict *v)
{
	memset(v, 0, sizeof(*v));
	for (size_t i = 0; i < allow->n; i++) {
		size_t k = add_member(v, allow->v[i].name); /* may move v->m */

		v->m[k].allowlisted = 1;
	}
	judge_closure(t, waived, tags, v);
}

void feature_judge_build(const struct feature_table *t, const struct feature_list *waived,
			 const char *tags, struct feature_verdict *v)
{
	memset(v, 0, sizeof(*v));
	v->of_build = 1;
	for (size_t i = 0; i < t->n; i++)
		if (feature_in_build(&t->v[i], tags))
			add_member(v, t->v[i].name);
	judge_closure(t, waived, tags, v);
}

void feature_verdict_release(struct feature_verdict *v)
{
	for (size_t i = 0; i < v->n; i++) {
		free(v->m[i].name);
		vec_free(v->m[i].required_by, v->m[i].nrequired_by);
	}
	free(v->m);
	free(v->ts_version);
	vec_free(v->extra, v->nextra);
	vec_free(v->stale, v->nstale);
	vec_free(v->unknown, v->nunknown);
	vec_free(v->unknown_tags, v->nunknown_tags);
	memset(v, 0, sizeof(*v));
}

/* --- text for the report ------------------------------------------------- */

static void add_list(struct strbuf *sb, char *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		strbuf_addf(sb, "%s%s", i ? ", " : "", v[i]);
}

/*
 * Append the missing members, comma separated: the allowlisted ones
 * (allowlisted = 1), or the dependencies as "name (needed by a, b)".
 */
static size_t add_missing(struct strbuf *sb, const struct feature_verdict *v, int allowlisted)
{
	size_t n = 0;

	for (size_t i = 0; i < v->n; i++) {
		const struct closure_member *m = &v->m[i];

		if (m->status != FEATURE_MISSING || (allowlisted && !m->allowlisted) ||
		    (!allowlisted && m->allowlisted && !m->needed_by_built))
			continue;
		strbuf_addf(sb, "%s%s", n++ ? ", " : "", m->name);
		if (!allowlisted && m->nrequired_by) {
			strbuf_addstr(sb, " (needed by ");
			add_list(sb, m->required_by, m->nrequired_by);
			strbuf_addch(sb, ')');
		}
	}
	return n;
}

void feature_verdict_summary(const struct feature_verdict *v, struct strbuf *sb)
{
	if (!v->signature && v->of_build) {
		strbuf_addf(sb,
			    "every dependency of the %zu features in the binary is built or "
			    "waived (%zu features with their dependencies: %zu built, %zu waived; "
			    "Deps from tailscale.com %s's featuretags)",
			    v->nbuilt_total, v->n, v->nbuilt, v->nwaived, v->ts_version);
		return;
	}
	if (!v->signature) {
		strbuf_addf(sb,
			    "all %zu features of the allowlist's dependency closure are in the "
			    "build or waived (%zu allowlisted, %zu built, %zu waived)",
			    v->n, v->nallowlisted, v->nbuilt, v->nwaived);
		return;
	}
	if (!strcmp(v->signature, "unknown-feature")) {
		strbuf_addf(sb,
			    "names tailscale.com %s's featuretags does not know: ", v->ts_version);
		add_list(sb, v->unknown, v->nunknown);
		return;
	}
	if (!strcmp(v->signature, "allowlisted-not-built")) {
		strbuf_addstr(sb, "allowlisted features not in the binary: ");
		add_missing(sb, v, 1);
		return;
	}
	strbuf_addstr(sb, "dependencies neither in the binary nor waived: ");
	add_missing(sb, v, 0);
	strbuf_addf(sb, " (Deps from tailscale.com %s's featuretags)", v->ts_version);
}

static const char *status_name(enum feature_status s)
{
	switch (s) {
	case FEATURE_BUILT: return "built";
	case FEATURE_WAIVED: return "waived";
	case FEATURE_MISSING: return "MISSING";
	}
	return "?";
}

void feature_verdict_detail(const struct feature_verdict *v, struct strbuf *sb)
{
	if (v->of_build)
		strbuf_addf(
			sb,
			"the binary's %zu features with their dependencies (Deps of "
			"tailscale.com %s): %zu features (%zu built, %zu waived, %zu missing)\n",
			v->nbuilt_total, v->ts_version, v->n, v->nbuilt, v->nwaived, v->nmissing);
	else
		strbuf_addf(sb,
			    "dependency closure of the allowlist (Deps of tailscale.com %s): "
			    "%zu features (%zu allowlisted, %zu built, %zu waived, %zu missing)\n",
			    v->ts_version, v->n, v->nallowlisted, v->nbuilt, v->nwaived,
			    v->nmissing);
	for (size_t i = 0; i < v->n; i++) {
		const struct closure_member *m = &v->m[i];
		int sep = 0;

		strbuf_addf(sb, "  %-20s %-8s", m->name, status_name(m->status));
		if (m->allowlisted) {
			strbuf_addstr(sb, "allowlisted");
			sep = 1;
		}
		if (m->nrequired_by) {
			strbuf_addstr(sb, sep ? "; required by " : "required by ");
			add_list(sb, m->required_by, m->nrequired_by);
			sep = 1;
		}
		if (!m->known) {
			strbuf_addstr(sb, sep ? "; " : "");
			strbuf_addstr(sb, "not in the feature table");
			sep = 1;
		}
		if (m->waiver) {
			strbuf_addstr(sb, sep ? "; " : "");
			strbuf_addf(sb, "waived%s: %s",
				    m->status == FEATURE_WAIVED ? ""
				    : m->allowlisted            ? " (ignored: it is allowlisted)"
								: " (unused: it is built)",
				    m->waiver);
		}
		if (m->status == FEATURE_MISSING && m->needed_by_built)
			strbuf_addstr(sb, "; a built feature lacks it");
		strbuf_addch(sb, '\n');
	}
	if (v->nextra) {
		strbuf_addstr(sb, "also built (outside the closure): ");
		add_list(sb, v->extra, v->nextra);
		strbuf_addch(sb, '\n');
	}
	if (v->nstale) {
		strbuf_addstr(sb, "waived but required by nothing in the closure: ");
		add_list(sb, v->stale, v->nstale);
		strbuf_addch(sb, '\n');
	}
	if (v->nunknown) {
		strbuf_addstr(sb, "not in the feature table: ");
		add_list(sb, v->unknown, v->nunknown);
		strbuf_addch(sb, '\n');
	}
	if (v->nunknown_tags) {
		strbuf_addstr(sb, "build tags naming no feature: ");
		add_list(sb, v->unknown_tags, v->nunknown_tags);
		strbuf_addch(sb, '\n');
	}
}
