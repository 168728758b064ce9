/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The run-level sentinel: the router's tailscaled keeps one pid per life
 * (a life ends at each planned restart) and logs no panic; the last life
 * still runs. Each life's log goes into logs/ beside the verdict.
 */
#ifndef TSCANARY_SENTINEL_H
#define TSCANARY_SENTINEL_H

struct run;

/* Judge every life and report the "sentinel" result (with tailscaled's memory). */
void check_sentinel(struct run *r);
/* A planned restart ends a tailscaled life: judge it now, keep its log. */
void end_life(struct run *r);

#endif
