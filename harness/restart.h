/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The router's planned restarts: a container restart or a VM reboot with
 * the flash kept, as the canaries that restart the router ask for through
 * the scenario, and the group those canaries run in, sharing one restart.
 */
#ifndef TSCANARY_RESTART_H
#define TSCANARY_RESTART_H

#include "canary.h"

#include <stddef.h>

struct run;

/* What a canary that restarts the router carries from its first half to its second. */
struct canary_slot {
	const struct canary *c;
	struct canary_outcome out;
	double spent; /* seconds so far, the restart's included for its owner */
	int ret;      /* before(): 1 wants the restart, 0 verdict in, -1 error */
};

/* Restart the router as rq says (the scenario's restart_router). */
int restart_router(struct scenario *s, const struct router_restart *rq,
		   struct router_restart_result *res);
/* Run the n restarting canaries in g around one shared restart, and report them. */
void run_restart_group(struct run *r, struct canary_slot *g, size_t n);

#endif
