/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TSCANARY_HISTORY_H
#define TSCANARY_HISTORY_H

#include <stdio.h>

#include <jansson.h>

struct compare_side;
struct strbuf;

/*
 * Figures over versions (`make history`): the image built from one
 * Tailscale release after another and the suite run on each, as one table
 * and one plot. Pure logic: make history builds and runs, these
 * functions choose the versions and turn each version's directory (the
 * layout `make bisect` and `make compare` fill: build.status, build.log,
 * image/manifest.json, run.status, summary.json) into a row.
 */

/* Exit codes of `tscanary history` (and of `make history`'s script). */
enum history_exit {
	HISTORY_EXIT_WRITTEN = 0, /* every chosen version is a row (a result or its reason) */
	HISTORY_EXIT_USAGE = 2,
	HISTORY_EXIT_VERSIONS = 3, /* FROM is not a version, or no release is at least FROM */
	HISTORY_EXIT_INFRA = 5,    /* the version list or the history's files unreadable */
	HISTORY_EXIT_INTERRUPTED = 130,
};

/*
 * The versions a history covers: of versions (n strings, the module
 * proxy's list; anything that is not a release, a pre-release or an odd
 * minor is left out), each even minor's latest patch release from `from`
 * (a lower bound: x.y.z itself or anything newer) up, oldest first. *out
 * gets a malloc'd array of borrowed strings. The count (0 when none), or -1
 * with the reason in err when from is not a version.
 */
long history_select(const char *const *versions, size_t n, const char *from, const char ***out,
		    struct strbuf *err);

/*
 * One version's row from its directory's files (side, loaded by
 * compare_side_load): "status" is "ok" (the suite passed), "fail" (it ran
 * and a canary or a precondition failed), "unbuilt" (image/build.sh
 * failed: "reason" says why) or "not run"; the sizes from the manifest, the
 * memory and times from the summary (absent when unknown), every canary's
 * result, the features the build left out because this version does not
 * have them, and the features added to fit it (added: history_fits() for
 * this version, borrowed, NULL for none; the row keeps those the built
 * image's allowlist holds). Caller decrefs.
 */
json_t *history_row(const struct compare_side *side, json_t *added);

/*
 * The features fixtures/history-fits (rules, a struct vrules) adds for
 * version, as an array of {feature, why} (caller decrefs; empty for none).
 */
struct vrules;
json_t *history_fits(const struct vrules *rules, const char *version);

/* history.json: the rows with what they were made from (caller decrefs; rows stolen). */
json_t *history_doc(const char *arch, const char *peers, json_t *rows);

/* history.md: one row per version, then every canary's verdict per version. */
void history_markdown(json_t *doc, FILE *fp);

/*
 * history.dat, for gnuplot: a header comment, then one line per version,
 * tab-separated: version, packed binary MB, unpacked binary MB, rootfs MB,
 * archive MB, RSS MiB, HWM MiB, boot s, online s; NaN where a figure is
 * unknown (1 MB = 1,000,000 bytes; 1 MiB = 1,024 KiB).
 */
void history_data(json_t *doc, FILE *fp);

#endif
