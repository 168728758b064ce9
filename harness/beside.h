/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Canaries side by side (schedule.c runs them): which may start beside the
 * ones running, and the message in which a canary's process hands its
 * outcome back to the run. Pure: no process, no run.
 */
#ifndef TSCANARY_BESIDE_H
#define TSCANARY_BESIDE_H

#include <jansson.h>
#include <stddef.h>

struct canary_outcome;

/* At most this many canaries run side by side (tscanary run --beside: fewer). */
#define BESIDE_MAX 3

/*
 * Whether a canary that holds holds and changes changes (struct canary) may
 * start while running canaries run, together holding held and changing
 * changed, with at most max side by side: 1 yes, 0 not yet. One that runs
 * alone starts only when none runs, and none starts beside it; otherwise
 * neither side may change what the other holds.
 */
int beside_may_start(unsigned holds, unsigned changes, unsigned held, unsigned changed,
		     size_t running, size_t max);

/*
 * The message a canary's process writes when it is done: its outcome, what
 * run() returned, its seconds, and the run's metrics it set or changed
 * (metrics against before, the metrics when it started); its length into
 * *len (it may hold NUL bytes). NULL on error.
 */
char *beside_encode(const struct canary_outcome *out, int ret, double spent, json_t *before,
		    json_t *metrics, size_t *len);

/*
 * Read such a message into out (its strbufs appended to, figures replaced),
 * *ret, *spent and *metrics (new reference: the keys to set). 0, or -1 with
 * an error naming what is wrong with it.
 */
int beside_decode(const char *msg, size_t len, struct canary_outcome *out, int *ret, double *spent,
		  json_t **metrics);

#endif
