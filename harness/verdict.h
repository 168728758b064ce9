/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TSCANARY_VERDICT_H
#define TSCANARY_VERDICT_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>

struct strbuf;

/*
 * The verdict store: one JSON record per gate run, kept under the cache
 * directory CI keeps between runs (STORE/<manifest hex>/<time>-<arch>-<tree>.json).
 * A record binds a result to the exact bytes it was reached on (the
 * platform manifest digest) and to the harness tree that judged them.
 */

/*
 * The record for a run's summary.json, judged by the harness tree `tree`;
 * `canaries` (n names) is the full suite, so a run of fewer canaries is
 * recorded as not full. NULL, with the reason in why, when the summary
 * names no image digest or no result (a run that never got that far).
 */
json_t *verdict_record(json_t *summary, const char *tree, const char *const *canaries, size_t n,
		       time_t now, struct strbuf *why);
/* 1 when the summary's canaries include each of the n names (n > 0), else 0. */
int summary_holds_canaries(json_t *summary, const char *const *names, size_t n);
/* Write rec into store atomically; its path (caller frees), NULL on error (reported). */
char *verdict_store_put(const char *store, json_t *rec);
/*
 * Every record in store for manifest digest ("sha256:<hex>"), as an array
 * (never NULL); each record gets "path", the file it was read from.
 */
json_t *verdict_store_get(const char *store, const char *digest);

/*
 * A record's run's reports (summary.json, report.tap, junit.xml, and the
 * router's tailscaled logs under logs/) are kept in <record without
 * .json>.reports/: verdict_store_reports copies them
 * there from the run's out dir, verdict_restore_reports back into an out
 * dir. 0, or -1 (reported; a partial copy is removed).
 */
char *verdict_reports_dir(const char *record_path);
int verdict_store_reports(const char *record_path, const char *from_dir);
int verdict_restore_reports(const char *record_path, const char *to_dir);
/*
 * The newest passing record (read by verdict_store_get) whose run_key is
 * key: a run with that key may stand on it; with failures, the newest that
 * passed or failed (a verdict either way, as make coverage asks). NULL when
 * there is none; a record without a key never matches.
 */
json_t *verdict_find_reusable(json_t *records, const char *key, int failures);

enum verdict_state {
	GATED_PASS,       /* the newest full run from this tree passed */
	GATED_NONE,       /* no full run of the recipe's own image from this tree */
	GATED_FAILED,     /* the newest full run from this tree did not pass */
	GATED_OTHER_TREE, /* only runs from other harness trees */
};

/* The guest kernel profile (vm/kernels/) whose runs gate a release. */
#define VERDICT_KERNEL_PROFILE "bookworm"

/*
 * Whether the records (of one manifest digest) let that manifest ship for
 * arch under harness tree `tree`: only full-suite runs of variant
 * "default" for that arch and tree count, on the default guest kernel
 * (records without a kernel_profile predate profiles and ran on it), and
 * the newest of them decides.
 * why gets one line saying which record decided, or what is missing.
 */
enum verdict_state verdict_decide(json_t *records, const char *arch, const char *tree,
				  struct strbuf *why);
/* "pass", "no verdict", "failed", "another harness". */
const char *verdict_state_name(enum verdict_state s);

#endif
