/* SPDX-License-Identifier: BSD-3-Clause */
#include "compare.h"

#include "log.h"
#include "strbuf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* --- one side, from its directory ------------------------------------------ */

/* An exit status written by the make recipe; -1 when missing or garbled. */
static int read_status(const char *dir, const char *name)
{
	struct strbuf sb = STRBUF_INIT;
	char *path = xasprintf("%s/%s", dir, name), *end;
	long v = -1;

	if (strbuf_read_file(&sb, path) == 0) {
		strbuf_rtrim(&sb);
		errno = 0;
		v = strtol(strbuf_str(&sb), &end, 10);
		if (errno || end == strbuf_str(&sb) || *end || v < 0 || v > 255) {
			warning("'%s' holds no exit status", path);
			v = -1;
		}
	} else if (errno != ENOENT) {
		warning("cannot read '%s': %s", path, strerror(errno));
	}
	free(path);
	strbuf_release(&sb);
	return (int)v;
}

static json_t *read_json(const char *dir, const char *name)
{
	char *path = xasprintf("%s/%s", dir, name);
	json_error_t jerr;
	json_t *doc = NULL;
	struct stat st;

	if (stat(path, &st) == 0) {
		doc = json_load_file(path, 0, &jerr);
		if (!doc)
			warning("ignoring '%s': %s", path, jerr.text);
	}
	free(path);
	return doc;
}

int compare_side_load(struct compare_side *s, const char *label, const char *version,
		      const char *dir)
{
	struct strbuf log = STRBUF_INIT;
	struct stat st;
	char *path;

	memset(s, 0, sizeof(*s));
	s->label = label;
	s->version = version;
	s->build_status = s->run_status = -1;
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return error_errno("cannot read the %s side's directory '%s'", label, dir);
	s->build_status = read_status(dir, "build.status");
	s->run_status = read_status(dir, "run.status");
	path = xasprintf("%s/build.log", dir);
	if (s->build_status > 0 && strbuf_read_file(&log, path) == 0)
		s->build_error = compare_build_error(strbuf_str(&log));
	free(path);
	strbuf_release(&log);
	s->manifest = read_json(dir, "image/manifest.json");
	s->summary = read_json(dir, "summary.json");
	return 0;
}

void compare_side_release(struct compare_side *s)
{
	free(s->build_error);
	json_decref(s->manifest);
	json_decref(s->summary);
	memset(s, 0, sizeof(*s));
}

/* A Go compiler or type-checker line: "path/file.go:12:3: message". */
static int is_go_error(const char *line, size_t len)
{
	const char *p = memmem(line, len, ".go:", 4);

	return p && p + 4 < line + len && p[4] >= '0' && p[4] <= '9';
}

/* Tabs and runs of blanks (Go indents its error chains) as one space each. */
static char *blanks_to_space(char *s)
{
	char *w = s;

	for (const char *r = s; *r; r++) {
		char c = *r == '\t' || *r == '\r' ? ' ' : *r;

		if (c == ' ' && w > s && w[-1] == ' ')
			continue;
		*w++ = c;
	}
	*w = '\0';
	return s;
}

char *compare_build_error(const char *log)
{
	static const char prefix[] = "image: error: ";
	const char *line = log, *err = NULL, *goerr = NULL;
	size_t errlen = 0, golen = 0;

	while (line && *line) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);

		if (len > sizeof(prefix) - 1 && !strncmp(line, prefix, sizeof(prefix) - 1)) {
			err = line + sizeof(prefix) - 1;
			errlen = len - (sizeof(prefix) - 1);
		} else if (!goerr && is_go_error(line, len)) {
			/* image/build.sh's workspace (CACHE/image/.tmp.X/ws/) is gone
			 * after the build: the module path is what the reader needs */
			const char *ws = line[0] == '/' ? memmem(line, len, "/ws/", 4) : NULL;

			goerr = ws ? ws + 4 : line;
			golen = len - (size_t)(goerr - line);
		}
		line = nl ? nl + 1 : NULL;
	}
	if (err && goerr)
		return blanks_to_space(
			xasprintf("%.*s (first: %.*s)", (int)errlen, err, (int)golen, goerr));
	if (err)
		return blanks_to_space(xasprintf("%.*s", (int)errlen, err));
	if (goerr)
		return blanks_to_space(xasprintf("%.*s", (int)golen, goerr));
	return NULL;
}

/* --- comparing -------------------------------------------------------------- */

/* How far a side got. */
enum side_state {
	SIDE_NO_BUILD,   /* image/build.sh failed (or never ran) */
	SIDE_NO_RUN,     /* built, but the run left no summary */
	SIDE_NOT_ONLINE, /* ran, but a precondition (boot, online, routes) failed */
	SIDE_RAN,        /* ran its canaries */
};

static const char *const state_names[] = { "not built", "not run", "never online", "ran" };

static int preconditions_held(json_t *summary)
{
	json_t *pre = json_object_get(summary, "preconditions");

	if (!json_is_true(json_object_get(pre, "online")))
		return 0;
	for (void *it = json_object_iter(pre); it; it = json_object_iter_next(pre, it))
		if (!json_is_true(json_object_iter_value(it)))
			return 0;
	return 1;
}

static enum side_state side_state(const struct compare_side *s)
{
	if (s->build_status != 0)
		return SIDE_NO_BUILD;
	if (!s->summary)
		return SIDE_NO_RUN;
	if (!preconditions_held(s->summary))
		return SIDE_NOT_ONLINE;
	return SIDE_RAN;
}

static const char *str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static json_t *find_canary(json_t *summary, const char *name)
{
	size_t i;
	json_t *c;

	json_array_foreach(json_object_get(summary, "canaries"), i,
			   c) if (str(c, "name") && !strcmp(str(c, "name"), name)) return c;
	return NULL;
}

/* A canary's verdict on one side: pass, fail, skip, or why there is none. */
static const char *verdict_of(const struct compare_side *s, json_t *c)
{
	enum side_state st = side_state(s);

	if (st == SIDE_NO_BUILD || st == SIDE_NO_RUN)
		return state_names[st];
	return c && str(c, "result") ? str(c, "result") : "absent";
}

static int str_in(json_t *arr, const char *s)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v) if (json_string_value(v) &&
					  !strcmp(json_string_value(v), s)) return 1;
	return 0;
}

static json_t *canary_rows(const struct compare_side *b, const struct compare_side *n,
			   json_t *regressions)
{
	json_t *names = json_array(), *rows = json_array(), *c, *v;
	const struct compare_side *sides[] = { b, n };
	size_t i;

	for (int k = 0; k < 2; k++)
		json_array_foreach(json_object_get(sides[k]->summary, "canaries"), i,
				   c) if (str(c, "name") && !str_in(names, str(c, "name")))
			json_array_append_new(names, json_string(str(c, "name")));
	json_array_foreach(names, i, v)
	{
		const char *name = json_string_value(v);
		json_t *cb = find_canary(b->summary, name), *cn = find_canary(n->summary, name);
		const char *vb = verdict_of(b, cb), *vn = verdict_of(n, cn), *change = "same";
		json_t *row;

		if (!strcmp(vb, "pass") && strcmp(vn, "pass")) {
			change = "regression";
			json_array_append_new(regressions, json_string(name));
		} else if (strcmp(vb, "pass") && !strcmp(vn, "pass")) {
			change = "fixed";
		}
		row = json_pack("{s:s,s:s,s:s,s:s}", "name", name, "base", vb, "new", vn, "change",
				change);
		if (cb && str(cb, "signature") && *str(cb, "signature"))
			json_object_set(row, "base_signature", json_object_get(cb, "signature"));
		if (cn && str(cn, "signature") && *str(cn, "signature"))
			json_object_set(row, "new_signature", json_object_get(cn, "signature"));
		if (cn && strcmp(vn, "pass") && str(cn, "summary") && *str(cn, "summary"))
			json_object_set(row, "new_summary", json_object_get(cn, "summary"));
		json_array_append_new(rows, row);
	}
	json_decref(names);
	return rows;
}

/* The figures compared, where each lives in summary.json, and its fallback in manifest.json. */
static const struct figure {
	const char *name;     /* key in summary.json and compare.json */
	const char *section;  /* "metrics" or "timings" */
	const char *size_key; /* manifest.json sizes.<key> when the run has none, or NULL */
} figures[] = {
	{ "binary_bytes", "metrics", "binary_bytes" },
	{ "binary_unpacked_bytes", "metrics", "binary_unpacked_bytes" },
	{ "rootfs_bytes", "metrics", "rootfs_bytes" },
	{ "image_archive_bytes", "metrics", "archive_bytes" },
	{ "tailscaled_rss_kib", "metrics", NULL },
	{ "tailscaled_hwm_kib", "metrics", NULL },
	{ "boot_s", "timings", NULL },
	{ "online_s", "timings", NULL },
	{ "total_s", "timings", NULL },
};

static json_t *figure_value(const struct compare_side *s, const struct figure *f)
{
	json_t *v = json_object_get(json_object_get(s->summary, f->section), f->name);

	if (json_is_number(v))
		return v;
	if (f->size_key && s->build_status == 0) {
		v = json_object_get(json_object_get(s->manifest, "sizes"), f->size_key);
		if (json_is_number(v))
			return v;
	}
	return NULL;
}

static json_t *figure_rows(const struct compare_side *b, const struct compare_side *n)
{
	json_t *rows = json_array();

	for (size_t i = 0; i < ARRAY_SIZE(figures); i++) {
		json_t *vb = figure_value(b, &figures[i]), *vn = figure_value(n, &figures[i]), *row;

		if (!vb && !vn)
			continue;
		row = json_pack("{s:s,s:O,s:O}", "name", figures[i].name, "base",
				vb ? vb : json_null(), "new", vn ? vn : json_null());
		if (vb && vn) {
			double x = json_number_value(vb), y = json_number_value(vn);

			if (json_is_integer(vb) && json_is_integer(vn))
				json_object_set_new(row, "delta",
						    json_integer(json_integer_value(vn) -
								 json_integer_value(vb)));
			else
				json_object_set_new(row, "delta", json_real(y - x));
			json_object_set_new(row, "delta_pct",
					    x != 0 ? json_real((y - x) / x * 100) : json_null());
		}
		json_array_append_new(rows, row);
	}
	return rows;
}

static int by_string(const void *a, const void *b)
{
	return strcmp(json_string_value(*(json_t *const *)a),
		      json_string_value(*(json_t *const *)b));
}

/* The strings of a (and of a2, if given) that are not in b, sorted and unique. */
static json_t *str_minus(json_t *a, json_t *a2, json_t *b)
{
	json_t *lists[] = { a, a2 }, *found = json_array(), *out = json_array(), *v, **vs;
	size_t i, n = 0;

	for (int k = 0; k < 2; k++)
		json_array_foreach(lists[k], i, v) if (json_string_value(v) &&
						       !str_in(b, json_string_value(v)) &&
						       !str_in(found, json_string_value(v)))
			json_array_append(found, v);
	vs = xcalloc(json_array_size(found) + 1, sizeof(*vs));
	json_array_foreach(found, i, v) vs[n++] = v;
	qsort(vs, n, sizeof(*vs), by_string);
	for (i = 0; i < n; i++)
		json_array_append(out, vs[i]);
	free(vs);
	json_decref(found);
	return out;
}

/* "a,b,c" as a JSON array of strings. */
static json_t *split_tags(const char *tags)
{
	json_t *out = json_array();

	while (tags && *tags) {
		const char *comma = strchr(tags, ',');
		size_t len = comma ? (size_t)(comma - tags) : strlen(tags);

		if (len)
			json_array_append_new(out, json_stringn(tags, len));
		tags = comma ? comma + 1 : NULL;
	}
	return out;
}

/* Features each version knows (omitted or allowlisted) and build tags, NEW against BASE. */
static json_t *feature_diff(json_t *mb, json_t *mn)
{
	json_t *om_b, *om_n, *al_b, *al_n, *tb, *tn, *empty = json_array(), *kb, *kn, *out;

	if (!mb || !mn) {
		json_decref(empty);
		return json_null();
	}
	om_b = json_object_get(mb, "omitted_features");
	om_n = json_object_get(mn, "omitted_features");
	al_b = json_object_get(mb, "allowlist");
	al_n = json_object_get(mn, "allowlist");
	kb = str_minus(om_b, al_b, empty);
	kn = str_minus(om_n, al_n, empty);
	tb = split_tags(str(mb, "tags"));
	tn = split_tags(str(mn, "tags"));
	out = json_pack("{s:o,s:o,s:o,s:o}", "added", str_minus(kn, NULL, kb), "removed",
			str_minus(kb, NULL, kn), "tags_only_base", str_minus(tb, NULL, tn),
			"tags_only_new", str_minus(tn, NULL, tb));
	json_decref(kb);
	json_decref(kn);
	json_decref(tb);
	json_decref(tn);
	json_decref(empty);
	return out;
}

static json_t *side_json(const struct compare_side *s)
{
	json_t *m = s->manifest, *mod = json_object_get(m, "tailscale_module");
	json_t *vers = json_object_get(s->summary, "versions");
	json_t *o = json_pack("{s:s,s:s,s:s,s:i,s:i}", "label", s->label, "version", s->version,
			      "state", state_names[side_state(s)], "build_status", s->build_status,
			      "run_status", s->run_status);

	if (s->build_error)
		json_object_set_new(o, "build_error", json_string(s->build_error));
	if (str(s->summary, "tailscale_version"))
		json_object_set(o, "tailscale_version",
				json_object_get(s->summary, "tailscale_version"));
	else if (str(m, "tailscale_version"))
		json_object_set(o, "tailscale_version", json_object_get(m, "tailscale_version"));
	if (m) {
		json_object_set_new(o, "module",
				    json_string(mod ? "resolved from image/go.mod for this run"
						    : "pinned in image/go.mod"));
		json_object_set(o, "go", json_object_get(m, "go_version"));
	}
	if (mod) {
		json_object_set(o, "go_line", json_object_get(mod, "go_line"));
		json_object_set(o, "gosumdb", json_object_get(mod, "gosumdb"));
		json_object_set_new(o, "go_sum_added",
				    json_integer((json_int_t)json_array_size(
					    json_object_get(mod, "go_sum_added"))));
	}
	if (s->summary) {
		json_object_set(o, "result", json_object_get(s->summary, "result"));
		if (str(s->summary, "error"))
			json_object_set(o, "error", json_object_get(s->summary, "error"));
		json_object_set(o, "preconditions", json_object_get(s->summary, "preconditions"));
		if (str(s->summary, "join_cli_error"))
			json_object_set(o, "join_cli_error",
					json_object_get(s->summary, "join_cli_error"));
		if (str(json_object_get(s->summary, "cached_verdict"), "time"))
			json_object_set(
				o, "cached_verdict_time",
				json_object_get(json_object_get(s->summary, "cached_verdict"),
						"time"));
		if (str(vers, "kernel_version"))
			json_object_set(o, "kernel", json_object_get(vers, "kernel_version"));
		if (str(vers, "headscale"))
			json_object_set(o, "headscale", json_object_get(vers, "headscale"));
	}
	return o;
}

/* Why a side has no result, for the verdict line. */
static void add_side_failure(struct strbuf *why, const struct compare_side *s)
{
	switch (side_state(s)) {
	case SIDE_NO_BUILD:
		strbuf_addf(why, "%s (%s) did not build (image/build.sh exit %d)", s->label,
			    s->version, s->build_status);
		if (s->build_error)
			strbuf_addf(why, ": %s", s->build_error);
		break;
	case SIDE_NO_RUN:
		strbuf_addf(why,
			    "%s (%s) built but its run left no summary.json (make test exit %d)",
			    s->label, s->version, s->run_status);
		break;
	case SIDE_NOT_ONLINE:
		strbuf_addf(why, "%s (%s) never came online", s->label, s->version);
		if (str(s->summary, "error"))
			strbuf_addf(why, ": %s", str(s->summary, "error"));
		break;
	case SIDE_RAN: break;
	}
}

static int decide(const struct compare_side *b, const struct compare_side *n, json_t *regressions,
		  struct strbuf *why)
{
	const struct compare_side *sides[] = { b, n };
	size_t i;
	json_t *v;

	for (int k = 0; k < 2; k++)
		if (sides[k]->build_status == 130 || sides[k]->run_status == 130) {
			strbuf_addf(why, "interrupted during the %s side", sides[k]->label);
			return COMPARE_INTERRUPTED;
		}
	for (int k = 0; k < 2; k++)
		if (sides[k]->build_status == 3) {
			add_side_failure(why, sides[k]);
			return COMPARE_NO_VERSION;
		}
	for (int k = 0; k < 2; k++)
		if (sides[k]->build_status == 4 || sides[k]->build_status == 5) {
			add_side_failure(why, sides[k]);
			return COMPARE_UNVERIFIED;
		}
	/*
	 * A build that stopped for the machine's or the proxy's reasons names
	 * the run inconclusive; a side that was never built (-1: NEW's failure
	 * stopped the compare before BASE) is only the consequence, so the
	 * side that really failed is the one named.
	 */
	for (int pass = 0; pass < 2; pass++)
		for (int k = 0; k < 2; k++) {
			int st = sides[k]->build_status;

			if (st != 0 && st != 1 && (pass || st != -1)) {
				add_side_failure(why, sides[k]);
				return COMPARE_INFRA;
			}
		}
	if (side_state(b) != SIDE_RAN) {
		add_side_failure(why, b);
		strbuf_addstr(why, "; nothing to compare against");
		return COMPARE_INFRA;
	}
	switch (side_state(n)) {
	case SIDE_NO_BUILD:
	case SIDE_NOT_ONLINE: add_side_failure(why, n); return COMPARE_REGRESSION;
	case SIDE_NO_RUN: add_side_failure(why, n); return COMPARE_INFRA;
	case SIDE_RAN: break;
	}
	{
		/* a `tailscale up` error only NEW shows is what a RouterOS user meets anew */
		const char *jb = str(b->summary, "join_cli_error"),
			   *jn = str(n->summary, "join_cli_error");

		if (jn && (!jb || strcmp(jb, jn)))
			json_array_append_new(regressions, json_string("tailscale-up"));
	}
	if (json_array_size(regressions)) {
		strbuf_addf(why, "new (%s) fails what base (%s) passes:", n->version, b->version);
		json_array_foreach(regressions, i, v)
			strbuf_addf(why, "%s %s", i ? "," : "", json_string_value(v));
		return COMPARE_REGRESSION;
	}
	strbuf_addf(why, "every canary that passes on %s passes on %s", b->version, n->version);
	return COMPARE_SAME;
}

static const char *exit_headline(int code)
{
	switch (code) {
	case COMPARE_SAME: return "no regression";
	case COMPARE_REGRESSION: return "REGRESSION";
	case COMPARE_NO_VERSION: return "no such version";
	case COMPARE_UNVERIFIED: return "modules not verified";
	case COMPARE_INFRA: return "inconclusive";
	case COMPARE_INTERRUPTED: return "interrupted";
	default: return "usage";
	}
}

json_t *compare_sides(const struct compare_side *b, const struct compare_side *n, const char *arch,
		      const char *pinned, int *code)
{
	struct strbuf why = STRBUF_INIT;
	json_t *regressions = json_array(), *out, *rows;
	json_t *vers = json_object_get(b->summary ? b->summary : n->summary, "versions");

	rows = canary_rows(b, n, regressions);
	*code = decide(b, n, regressions, &why);
	out = json_pack(
		"{s:s,s:o,s:o,s:{s:s,s:s},s:o,s:o,s:o,s:o,s:s,s:s,s:i}", "arch", arch, "base",
		side_json(b), "new", side_json(n), "peers", "tailscale", pinned, "note",
		"client, exit node, phone, headscale and kernel are the same on both sides: "
		"only the router image differs",
		"canaries", rows, "regressions", regressions, "figures", figure_rows(b, n),
		"features", feature_diff(b->manifest, n->manifest), "verdict", exit_headline(*code),
		"why", strbuf_str(&why), "exit_code", *code);
	/* make compare PEERS=base|new: the peers' release as the runs recorded it */
	if (str(vers, "peers_tailscale"))
		json_object_set(json_object_get(out, "peers"), "tailscale",
				json_object_get(vers, "peers_tailscale"));
	if (str(vers, "headscale"))
		json_object_set(json_object_get(out, "peers"), "headscale",
				json_object_get(vers, "headscale"));
	if (str(vers, "kernel_version"))
		json_object_set(json_object_get(out, "peers"), "kernel",
				json_object_get(vers, "kernel_version"));
	strbuf_release(&why);
	return out;
}

/* --- Markdown --------------------------------------------------------------- */

void compare_add_thousands(struct strbuf *sb, long long n)
{
	char digits[32];
	unsigned long long u = n < 0 ? 0ULL - (unsigned long long)n : (unsigned long long)n;
	int len = snprintf(digits, sizeof(digits), "%llu", u);

	if (n < 0)
		strbuf_addch(sb, '-');
	for (int i = 0; i < len; i++) {
		if (i && (len - i) % 3 == 0)
			strbuf_addch(sb, ',');
		strbuf_addch(sb, digits[i]);
	}
}

static int is_seconds(const char *name)
{
	size_t len = strlen(name);

	return len > 2 && !strcmp(name + len - 2, "_s");
}

static void add_figure(struct strbuf *sb, const char *name, json_t *v, int sign)
{
	if (!json_is_number(v)) {
		strbuf_addstr(sb, "-");
		return;
	}
	if (sign && json_number_value(v) >= 0)
		strbuf_addch(sb, '+');
	if (is_seconds(name))
		strbuf_addf(sb, "%.1f", json_number_value(v));
	else
		compare_add_thousands(sb, (long long)json_number_value(v));
}

static void add_list(struct strbuf *sb, json_t *arr, const char *none)
{
	size_t i;
	json_t *v;

	if (!json_array_size(arr))
		strbuf_addstr(sb, none);
	json_array_foreach(arr, i, v) strbuf_addf(sb, "%s%s", i ? ", " : "", json_string_value(v));
}

static void md_canaries(struct strbuf *sb, json_t *cmp, const char *vb, const char *vn)
{
	json_t *rows = json_object_get(cmp, "canaries"), *r, *both;
	const char *sb_state = str(json_object_get(cmp, "base"), "state");
	const char *sn_state = str(json_object_get(cmp, "new"), "state");
	size_t i, shown = 0;

	/* a side without canaries would make every row say so: one line instead */
	if (!strcmp(sb_state, state_names[SIDE_NO_BUILD]) ||
	    !strcmp(sb_state, state_names[SIDE_NO_RUN]) ||
	    !strcmp(sn_state, state_names[SIDE_NO_BUILD]) ||
	    !strcmp(sn_state, state_names[SIDE_NO_RUN])) {
		size_t pb = 0, pn = 0;

		json_array_foreach(rows, i, r)
		{
			pb += !strcmp(str(r, "base"), "pass");
			pn += !strcmp(str(r, "new"), "pass");
		}
		strbuf_addf(
			sb,
			"Canaries: none compared (%s: %s, %zu of %zu pass; %s: %s, %zu pass).\n\n",
			vb, sb_state, pb, json_array_size(rows), vn, sn_state, pn);
		return;
	}
	both = json_array();
	json_array_foreach(rows, i, r)
	{
		if (!strcmp(str(r, "base"), "pass") && !strcmp(str(r, "new"), "pass")) {
			json_array_append(both, json_object_get(r, "name"));
			continue;
		}
		if (!shown++)
			strbuf_addf(sb, "| canary | %s | %s | |\n| --- | --- | --- | --- |\n", vb,
				    vn);
		strbuf_addf(sb, "| `%s` | %s%s%s%s | %s%s%s%s | %s |\n", str(r, "name"),
			    str(r, "base"), str(r, "base_signature") ? " (" : "",
			    str(r, "base_signature") ? str(r, "base_signature") : "",
			    str(r, "base_signature") ? ")" : "", str(r, "new"),
			    str(r, "new_signature") ? " (" : "",
			    str(r, "new_signature") ? str(r, "new_signature") : "",
			    str(r, "new_signature") ? ")" : "",
			    !strcmp(str(r, "change"), "regression") ? "**regression**"
			    : !strcmp(str(r, "change"), "fixed")    ? "fixed"
								    : "");
	}
	if (shown)
		strbuf_addch(sb, '\n');
	if (json_array_size(both)) {
		strbuf_addf(sb, "Pass on both (%zu): ", json_array_size(both));
		add_list(sb, both, "");
		strbuf_addstr(sb, ".\n\n");
	}
	json_decref(both);
}

static void md_figures(struct strbuf *sb, json_t *cmp, const char *vb, const char *vn)
{
	json_t *rows = json_object_get(cmp, "figures"), *r;
	size_t i;

	if (!json_array_size(rows))
		return;
	strbuf_addf(sb, "| figure | %s | %s | delta |\n| --- | ---: | ---: | ---: |\n", vb, vn);
	json_array_foreach(rows, i, r)
	{
		const char *name = str(r, "name");

		strbuf_addf(sb, "| %s | ", name);
		add_figure(sb, name, json_object_get(r, "base"), 0);
		strbuf_addstr(sb, " | ");
		add_figure(sb, name, json_object_get(r, "new"), 0);
		strbuf_addstr(sb, " | ");
		add_figure(sb, name, json_object_get(r, "delta"), 1);
		if (json_is_number(json_object_get(r, "delta_pct")))
			strbuf_addf(sb, " (%+.1f%%)",
				    json_number_value(json_object_get(r, "delta_pct")));
		strbuf_addstr(sb, " |\n");
	}
	strbuf_addch(sb, '\n');
}

static void md_build(struct strbuf *sb, json_t *b, json_t *n)
{
	json_t *sides[] = { b, n };

	strbuf_addstr(sb, "- Build:");
	for (int k = 0; k < 2; k++) {
		json_t *s = sides[k];

		strbuf_addf(sb, "%s %s", k ? ";" : "", str(s, "version"));
		if (str(s, "go"))
			strbuf_addf(sb, " with %s", str(s, "go"));
		if (str(s, "module"))
			strbuf_addf(sb, ", %s", str(s, "module"));
		if (str(s, "go_line"))
			strbuf_addf(sb, " (go line %s)", str(s, "go_line"));
		if (json_is_integer(json_object_get(s, "go_sum_added")))
			strbuf_addf(
				sb, ", %lld go.sum lines beyond image/go.sum, each confirmed by %s",
				(long long)json_integer_value(json_object_get(s, "go_sum_added")),
				str(s, "gosumdb") ? str(s, "gosumdb") : "the checksum database");
		if (str(s, "build_error"))
			strbuf_addf(sb, ", FAILED: %s", str(s, "build_error"));
		else if (!str(s, "go"))
			strbuf_addf(sb, " %s", str(s, "state"));
	}
	strbuf_addstr(sb, ".\n");
}

/* Tags that a feature known to one version only does not explain. */
static json_t *unexplained_tags(json_t *tags, json_t *features)
{
	json_t *out = json_array(), *v;
	size_t i;

	json_array_foreach(tags, i, v)
	{
		const char *t = json_string_value(v);

		if (!t || strncmp(t, "ts_omit_", 8) || !str_in(features, t + 8))
			json_array_append(out, v);
	}
	return out;
}

static void md_features(struct strbuf *sb, json_t *feat, const char *vb, const char *vn)
{
	json_t *added = json_object_get(feat, "added"), *removed = json_object_get(feat, "removed");
	json_t *tn = unexplained_tags(json_object_get(feat, "tags_only_new"), added);
	json_t *tb = unexplained_tags(json_object_get(feat, "tags_only_base"), removed);

	strbuf_addf(sb, "- Features only in %s: ", vn);
	add_list(sb, added, "none");
	strbuf_addf(sb, "; only in %s: ", vb);
	add_list(sb, removed, "none");
	if (!json_array_size(tn) && !json_array_size(tb)) {
		strbuf_addstr(sb, json_array_size(added) || json_array_size(removed)
					  ? ". Each is built out (ts_omit_); build tags otherwise "
					    "identical.\n"
					  : ". Build tags identical.\n");
	} else {
		strbuf_addf(sb, ". Other build tags only in %s: ", vn);
		add_list(sb, tn, "none");
		strbuf_addf(sb, "; only in %s: ", vb);
		add_list(sb, tb, "none");
		strbuf_addstr(sb, ".\n");
	}
	json_decref(tn);
	json_decref(tb);
}

void compare_markdown(json_t *cmp, FILE *fp)
{
	struct strbuf sb = STRBUF_INIT;
	json_t *b = json_object_get(cmp, "base"), *n = json_object_get(cmp, "new");
	json_t *peers = json_object_get(cmp, "peers"), *feat = json_object_get(cmp, "features");
	const char *vb = str(b, "version"), *vn = str(n, "version");
	const char *jb = str(b, "join_cli_error"), *jn = str(n, "join_cli_error");

	strbuf_addf(&sb, "### tscanary compare, %s: tailscale %s -> %s\n\n", str(cmp, "arch"), vb,
		    vn);
	strbuf_addf(&sb, "**%s** (exit %lld): %s.\n\n", str(cmp, "verdict"),
		    (long long)json_integer_value(json_object_get(cmp, "exit_code")),
		    str(cmp, "why"));
	if (json_array_size(json_object_get(cmp, "canaries"))) {
		strbuf_addf(
			&sb,
			"Only the router image differs: both runs used one lab on one "
			"machine, one after the other (client, exit node and phone on tailscale %s",
			str(peers, "tailscale"));
		if (str(peers, "headscale"))
			strbuf_addf(&sb, ", headscale %s", str(peers, "headscale"));
		if (str(peers, "kernel"))
			strbuf_addf(&sb, ", kernel %s", str(peers, "kernel"));
		strbuf_addstr(&sb, ").");
		for (int i = 0; i < 2; i++) {
			json_t *side = i ? n : b;

			if (str(side, "cached_verdict_time"))
				strbuf_addf(&sb,
					    " The %s run is a cached verdict: a passing run with "
					    "the same "
					    "key (same image, lab inputs and judge) at %s.",
					    str(side, "version"), str(side, "cached_verdict_time"));
		}
		strbuf_addstr(&sb, "\n\n");
		md_canaries(&sb, cmp, vb, vn);
	}
	md_figures(&sb, cmp, vb, vn);
	md_build(&sb, b, n);
	if (json_is_object(feat))
		md_features(&sb, feat, vb, vn);
	if (jb || jn) {
		if (jb && jn && !strcmp(jb, jn))
			strbuf_addf(&sb, "- `tailscale up` on both: %s.\n", jb);
		else
			strbuf_addf(&sb, "- `tailscale up`: %s: %s; %s: %s.\n", vb,
				    jb ? jb : "clean", vn, jn ? jn : "clean");
	}
	if (json_array_size(json_object_get(cmp, "figures")))
		strbuf_addstr(&sb,
			      "- Timings (`_s`) and RSS are one run per side on a shared machine: "
			      "small deltas are noise; sizes are exact.\n");
	fputs(strbuf_str(&sb), fp);
	strbuf_release(&sb);
}
