/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TSCANARY_COVERAGE_H
#define TSCANARY_COVERAGE_H

#include "strbuf.h"

#include <jansson.h>

/*
 * The runtime coverage map: for each allowlisted feature, the suite's run on
 * an image built without that feature alone, and what noticed the loss.
 */

/*
 * The first crash in a tailscaled log (Go's "panic: " or "fatal error: "):
 * its message into message, and the first frame of the crashing goroutine
 * that is neither runtime code nor panic() itself (function name without
 * its argument list) into frame. Returns 1 found, 0 none (both left empty).
 */
int crash_find(const char *log, struct strbuf *message, struct strbuf *frame);

/*
 * One feature's entry: its run's summary (NULL: the run left none) and the
 * text of its tailscaled logs (NULL: none). build_error is why the image
 * did not build (NULL: it did). feature-deps never counts as noticing: it
 * fails on any omission by construction, and is reported on its own.
 */
json_t *coverage_entry(const char *feature, const char *reason, const char *build_error,
		       json_t *summary, const char *logs);

/*
 * Record what the feature costs on flash: the packed binary with it
 * (base_bytes, the recipe's own image) minus without it (bytes).
 */
void coverage_set_flash(json_t *entry, json_int_t base_bytes, json_int_t bytes);

/*
 * The variant file (fixtures/variants' format) of the recipe without feature
 * and the nwith features of with (the allowlisted ones that need it, when
 * the build cannot leave it out alone): image side, UPX and the filter as
 * the recipe has them.
 */
void coverage_variant(struct strbuf *out, const char *feature, char *const *with, size_t nwith);

/* The README table: one row per entry of doc's "features". */
void coverage_markdown(json_t *doc, struct strbuf *out);

#endif
