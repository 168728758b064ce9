/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TSCANARY_BENCH_H
#define TSCANARY_BENCH_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

/* Median and range of one figure over several runs. */
struct bench_stats {
	size_t n;
	double median, min, max;
};

/* Stats of v[0..n) (v is sorted in place); -1 when n is 0. */
int bench_stats(double *v, size_t n, struct bench_stats *out);

/*
 * Aggregate run summaries (summary.json objects) per arch: for each arch
 * the runs, passes, and "figures": the n, median, min and max of every
 * step's time (timings' *_s keys, total_s among them), every canary's
 * duration ("canary:NAME") and the router tailscaled's VmRSS and VmHWM,
 * in the order they first appear. Returns the out/bench.json object.
 */
json_t *bench_report(json_t *const *summaries, size_t n);

/* Write the report as a Markdown table (one row per arch and figure). */
void bench_table(json_t *report, FILE *fp);

#endif
