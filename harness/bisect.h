/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TSCANARY_BISECT_H
#define TSCANARY_BISECT_H

#include <stdio.h>

#include <jansson.h>

struct strbuf;

/*
 * Find the release that changed it: a bisection over the released
 * Tailscale versions in (GOOD, BAD]. Pure logic: the caller builds and runs
 * the version bisect_next() names and hands its result to bisect_apply().
 * "Good" is whatever result GOOD gives (a canary's pass or fail, a figure's
 * presence or absence); "bad" is any other result; a version without one
 * (its image did not build, its run never got there) is skipped, as
 * `git bisect skip` does.
 */

/* Exit codes of `tscanary bisect` (and of `make bisect`'s script). */
enum bisect_exit {
	BISECT_EXIT_FOUND = 0,     /* the first release with the other result is named */
	BISECT_EXIT_UNCLEAR = 1,   /* skips leave a range, or BAD gives GOOD's result */
	BISECT_EXIT_USAGE = 2,     /* bad arguments */
	BISECT_EXIT_VERSIONS = 3,  /* GOOD or BAD not a release in the list, or not GOOD < BAD */
	BISECT_EXIT_NO_RESULT = 4, /* GOOD or BAD itself has no result */
	BISECT_EXIT_INFRA = 5,     /* the module proxy's list or the bisect's files unreadable */
	BISECT_EXIT_NEXT = 10,     /* test the version printed on stdout, then ask again */
	BISECT_EXIT_INTERRUPTED = 130,
};

enum bisect_mark { BISECT_UNTESTED, BISECT_GOOD, BISECT_BAD, BISECT_SKIP };

struct bisect_step {
	char *version;
	enum bisect_mark mark;
	char *value;  /* the result seen ("pass", "present", ...); NULL when skipped */
	char *detail; /* the evidence (signature, summary, the figure) or why it was skipped */
	char *where;  /* the run's summary.json, or NULL */
};

enum bisect_state {
	BISECT_RUNNING,   /* bisect_next() names a version to test */
	BISECT_FOUND,     /* last good and first bad are adjacent releases */
	BISECT_AMBIGUOUS, /* only skipped releases lie between them */
	BISECT_SAME,      /* BAD gives GOOD's result: nothing changed */
	BISECT_NO_GOOD,   /* GOOD has no result */
	BISECT_NO_BAD,    /* BAD has no result */
};

/* steps[0] is GOOD, steps[n - 1] is BAD, the releases between in semver order. */
struct bisect {
	struct bisect_step *steps;
	size_t n;
};

/*
 * The releases of versions (n strings; anything that is not a version, a
 * pre-release or an odd minor is left out, duplicates once) in semver
 * order from good to bad, both included. 0, or -1 with the reason in err
 * (good or bad not among them, or good not older than bad).
 */
int bisect_init(struct bisect *b, const char *const *versions, size_t n, const char *good,
		const char *bad, struct strbuf *err);
void bisect_release(struct bisect *b);

/* The version to test next (GOOD, then BAD, then a midpoint), or NULL when done. */
const char *bisect_next(const struct bisect *b);
/*
 * Record version's result: value NULL skips it (detail says why). GOOD's
 * value defines good. 0, or -1 when version is not the one bisect_next()
 * would test or is not in the range.
 */
int bisect_apply(struct bisect *b, const char *version, const char *value, const char *detail,
		 const char *where);
/* Where the bisection stands; *lo and *hi get the last good and first bad index when known. */
enum bisect_state bisect_state(const struct bisect *b, size_t *lo, size_t *hi);
/* The answer in one paragraph; subject names what was bisected ("canary footprint"). */
void bisect_answer(const struct bisect *b, const char *subject, struct strbuf *out);
/* The exit code for the state. */
enum bisect_exit bisect_exit_code(const struct bisect *b);

/*
 * A figure: a key of summary.json (a dotted path, e.g. join_cli_error or
 * metrics.binary_bytes), alone (its presence) or with a threshold
 * ("metrics.binary_bytes>4000000": op one of > >= < <=, a number).
 */
struct bisect_figure {
	char path[128];
	char op[3]; /* "" for presence */
	double limit;
};

/* Parse spec into f: 0, or -1 with the reason in err. */
int bisect_figure_parse(struct bisect_figure *f, const char *spec, struct strbuf *err);

/*
 * A run's result for the bisection: a canary's "pass" or "fail" (canary
 * non-NULL), else the figure's: "present" or "absent" (absent counts only
 * when the run got past the join, where such figures are recorded), or for
 * a threshold "true" or "false" (the figure must be a number in the run).
 * NULL when the run has no such result; detail gets the evidence or the
 * reason.
 */
const char *bisect_value(json_t *summary, const char *canary, const struct bisect_figure *figure,
			 struct strbuf *detail);

/* bisect.json (caller decrefs) and bisect.md. */
json_t *bisect_json(const struct bisect *b, const char *arch, const char *subject);
void bisect_markdown(json_t *doc, FILE *fp);

#endif
