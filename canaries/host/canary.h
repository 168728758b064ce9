/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TSCANARY_CANARY_H
#define TSCANARY_CANARY_H

#include <stddef.h>

#include <jansson.h>

#include "outcome.h"
#include "scenario.h"
#include "strbuf.h"

/* Where a canary's action runs. */
enum canary_where {
	CANARY_ROUTER, /* inside the router VM, through the guest agent */
	CANARY_CLIENT, /* on the client node */
	CANARY_HOST,   /* in the harness itself */
};

/*
 * Whether a canary may run beside others, and what of the lab it then needs
 * left as it is or changes (the harness's schedule.c). Without
 * CANARY_BESIDE it runs alone, after whatever ran before it and before
 * whatever comes after. Two canaries run side by side only when neither
 * changes what the other holds.
 */
enum canary_holds {
	CANARY_BESIDE = 1u << 0,
	/*
	 * The router's flash: flash-writes counts every sector written while
	 * it runs, so nothing beside it may change what tailscaled persists
	 * (its prefs). The canaries that do run alone.
	 */
	SHARED_FLASH = 1u << 1,
	/*
	 * The tailnet's netmap: a node joining or leaving, a route or a DNS
	 * record changing.
	 */
	SHARED_NETMAP = 1u << 2,
};

/* What a canary hands back: a verdict with its evidence and figures. */
struct canary_outcome {
	enum verdict verdict;
	int timed_out;
	struct strbuf signature; /* failure signature, e.g. "no-answer" */
	struct strbuf summary;   /* one line */
	struct strbuf detail;    /* evidence */
	json_t *figures;         /* object, created empty */
};

/* The contract every canary fulfils (ARCHITECTURE.md, "The canary contract"). */
struct canary {
	const char *name;
	enum canary_where where;
	/* Act and judge; 0 when the verdict is set, -1 on a harness error. */
	int (*run)(struct scenario *s, struct canary_outcome *out);
	int timeout_s;      /* before timeout_scale */
	const char *proves; /* one sentence: what a pass proves */
	/*
	 * A canary that restarts the router has no run() but two halves around
	 * the restart it asks for, which the harness makes (restart.c: the ones
	 * selected together share one): before() runs in the router's life so
	 * far and returns 1 to want the restart, 0 when its verdict is in
	 * without one, -1 on a harness error; after() judges once the router
	 * restarted (restarted: 0, or -1 when the restart failed; res what it
	 * saw).
	 */
	int (*before)(struct scenario *s, struct canary_outcome *out);
	int (*after)(struct scenario *s, struct canary_outcome *out, int restarted,
		     const struct router_restart_result *res);
	struct router_restart restart;
	/*
	 * CANARY_BESIDE and what it needs left as it is (enum canary_holds),
	 * or 0 to run alone. Side by side, the canary runs in a process of its own and
	 * shares the router's agent one exchange at a time; it must undo what
	 * it changes before it returns (its undo entries run in that process).
	 */
	unsigned holds;
	/* What of the lab (enum canary_holds) it changes while it runs. */
	unsigned changes;
};

/* The registry, in run order. */
extern const struct canary canary_registry[];
/* Number of registry entries. */
extern const size_t canary_count;

/* Find a canary by name, or NULL. */
const struct canary *canary_find(const char *name);
/* "router", "client" or "host". */
const char *canary_where_name(enum canary_where w);

/* Mark the outcome failed with a signature and a one-line summary. */
void canary_fail(struct canary_outcome *out, const char *signature, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
