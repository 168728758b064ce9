/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TSCANARY_VARIANT_H
#define TSCANARY_VARIANT_H

#include <stddef.h>

#include <jansson.h>

struct strbuf;

/* A canary that must fail on a variant, and how. */
struct variant_claim {
	char *canary;
	char *signature; /* expected failure signature; "" accepts any failure */
};

/* A known-bad image variant (fixtures/variants/<name>), as the gate sees it. */
struct variant {
	char *name;
	char *description;
	struct variant_claim *claims;
	size_t nclaims;
	char **collateral;          /* canaries also allowed to fail */
	char **collateral_outcomes; /* for each: its allowed outcomes, "sig1|sig2|pass" */
	size_t ncollateral;
	char *side;      /* what it changes: "image" (the recipe) or "lab" */
	char *policy;    /* side=lab: headscale policy in fixtures/headscale/, or NULL */
	int router_nat6; /* side=lab: 0 when the router lacks its IPv6 masquerade, else 1 */
};

/*
 * The canaries a focused run of v needs, of the n registry names: want[i]
 * is set to 1 for each one v claims or names as collateral. Returns the
 * number of names v gives that are neither a registry canary nor the
 * run-level "sentinel" (each written to why).
 */
size_t variant_focus(const struct variant *v, const char *const *names, size_t n, int *want,
		     struct strbuf *why);
/* Parse a variant file's text (key=value lines, # comments). */
int variant_parse(struct variant *v, const char *name, const char *text);
/* Load fixtures/variants/<name> from dir. */
int variant_load(struct variant *v, const char *dir, const char *name);
/* Free a parsed variant. */
void variant_release(struct variant *v);
/*
 * Load every variant in dir (fixtures/variants), sorted by name, into a new
 * array; 0, or -1 if the dir cannot be listed or a file does not parse
 * (each reported; *v then holds the ones that did).
 */
int variant_load_all(const char *dir, struct variant **v, size_t *n);
/* Release what variant_load_all() made. */
void variant_release_all(struct variant *v, size_t n);
/*
 * The variants that claim canary, ", "-separated, into names (left empty
 * when none does: the canary has no negative control).
 */
void variant_claimants(const struct variant *v, size_t n, const char *canary, struct strbuf *names);

/*
 * Judge one run's summary (summary.json as parsed) against the variant:
 * returns 1 when caught, else 0; why gets one line per reason either way.
 * Caught means: the summary is this variant's, with no run-level error and
 * every precondition (image, boot, join, online, routes) true; every
 * claiming canary ran and failed with its declared signature among the
 * signatures it saw, and no harness error; every collateral canary ran and
 * ended in one of its allowed outcomes (a failure's every signature allowed,
 * no timeout); every other canary passed.
 */
int variant_judge(const struct variant *v, json_t *summary, struct strbuf *why);

/*
 * The mutants.json entry for one variant: its claims, the canaries that
 * failed with their evidence, the preconditions, "caught" and the reasons.
 * summary may be NULL (the variant's run left no summary: not caught).
 */
json_t *variant_report(const struct variant *v, json_t *summary);

#endif
