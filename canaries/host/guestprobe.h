#ifndef TSCANARY_GUESTPROBE_H
#define TSCANARY_GUESTPROBE_H

#include "canary.h"

/* One run of a guest probe program (canaries/guest/) through the agent. */
struct guestprobe {
	int exit_code;       /* 0 pass, 1 mismatch, 2 no answer, 3 error; -1 lost */
	char line[1024];     /* its evidence line */
	double latency_ms;   /* from the evidence, -1 if absent */
};

/*
 * Run GUEST_DIR/canaries/dnsprobe in the router for one query and record
 * the evidence line in out->detail. expect may be NULL (rcode only).
 * Returns 0 when the probe ran, -1 when the agent could not run it.
 */
int guest_dnsprobe(struct scenario *s, struct canary_outcome *out, const char *label,
		   const char *server, const char *name, const char *transport,
		   const char *expect, int timeout_ms, struct guestprobe *res);

/* Map a probe's exit code to a failure signature ("no-answer", ...). */
const char *guestprobe_signature(int exit_code);

#endif
