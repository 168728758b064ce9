/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The router's planned restarts: a container restart or a VM reboot with
 * the flash kept, as the canaries that restart the router ask for through
 * the scenario, and the group those canaries run in, sharing one restart.
 */
#ifndef TSCANARY_RESTART_H
#define TSCANARY_RESTART_H

#include "scenario.h"

#include <stddef.h>

struct canary;
struct run;

/* The most restarting canaries one group holds. */
#define RESTART_GROUP_MAX 8

/* Restart the router as rq says (the scenario's restart_router). */
int restart_router(struct scenario *s, const struct router_restart *rq,
		   struct router_restart_result *res);
/* Run the n restarting canaries of cs around one shared restart, and report them. */
void run_restart_group(struct run *r, const struct canary *const *cs, size_t n);

#endif
