/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fault injection for the harness's own robustness checks (tests/
 * robustness.sh), never set in a gate run: TSCANARY_FAULT=hang:NAME makes
 * canary NAME wait forever (only the watchdog ends it); panic:NAME crashes
 * the router's kernel just before canary NAME runs; freeze:NAME stops the
 * VM (SIGSTOP to QEMU) then; noboot:NAME makes a VM reboot that canary
 * NAME asks for fail to come up (its QEMU is not started again).
 */
#ifndef TSCANARY_FAULTS_H
#define TSCANARY_FAULTS_H

struct canary_outcome;
struct run;
struct scenario;

/* TSCANARY_FAULT when it asks for kind at canary (warned), else NULL. */
const char *fault_for(const char *kind, const char *canary);
/* panic:NAME and freeze:NAME, just before canary NAME runs. */
void fault_before_canary(struct run *r, const char *canary);
/* What canary NAME runs under hang:NAME: nothing, until interrupted. */
int fault_hang(struct scenario *s, struct canary_outcome *out);

#endif
