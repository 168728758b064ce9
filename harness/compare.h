/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TSCANARY_COMPARE_H
#define TSCANARY_COMPARE_H

#include <stdio.h>

#include <jansson.h>

/* Exit codes of `tscanary compare` (and what `make compare` reports). */
enum compare_exit {
	COMPARE_SAME = 0,       /* NEW passes every canary BASE passes */
	COMPARE_REGRESSION = 1, /* NEW fails one BASE passes, or did not build or come online */
	COMPARE_USAGE = 2,      /* bad arguments */
	COMPARE_NO_VERSION = 3, /* a requested Tailscale version does not exist */
	COMPARE_UNVERIFIED = 4, /* checksum verification refused or the database unreachable */
	COMPARE_INFRA = 5, /* proxy, machine or lab trouble; BASE has no result to compare with */
	COMPARE_INTERRUPTED = 130,
};

/* One side of a comparison, as `make compare` left it in its directory. */
struct compare_side {
	const char *label;   /* "base" or "new" */
	const char *version; /* the Tailscale version asked for */
	int build_status;    /* image/build.sh exit status; -1 unknown */
	char *build_error;   /* why the build failed (from build.log), or NULL */
	int run_status;      /* exit status of its `make test`; -1 not run */
	json_t *manifest;    /* the image's manifest.json, or NULL */
	json_t *summary;     /* the run's summary.json, or NULL */
};

/*
 * Load a side from dir: build.status, build.log, image/manifest.json,
 * run.status, summary.json (each may be missing). 0, or -1 if dir is not a
 * directory. Label and version are borrowed.
 */
int compare_side_load(struct compare_side *s, const char *label, const char *version,
		      const char *dir);
/* Free what the side owns. */
void compare_side_release(struct compare_side *s);

/* Why image/build.sh failed, from its log: its last error, plus a Go compile error if any. */
char *compare_build_error(const char *log);

/*
 * Compare BASE and NEW: the compare.json object (caller decrefs); *code gets
 * an enum compare_exit. pinned is the version the lab's peers run.
 */
json_t *compare_sides(const struct compare_side *base, const struct compare_side *new,
		      const char *arch, const char *pinned, int *code);

/* compare.json as Markdown short enough to paste into a pull request. */
void compare_markdown(json_t *cmp, FILE *fp);

/* Append n with thousands separators ("-1,234,567"). */
struct strbuf;
void compare_add_thousands(struct strbuf *sb, long long n);

#endif
