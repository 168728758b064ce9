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
	/* side=image: the recipe's changes, which image/build.sh applies */
	char *omit;         /* allowlisted features built without, or NULL */
	char *drop_allow;   /* features taken off the allowlist, or NULL */
	char *add;          /* features built in besides the allowlist, or NULL */
	char *busybox_drop; /* applets the busybox build leaves out (links kept), or NULL */
	int upx, filter;    /* 1 (yes, the default) or 0 (no) */
	char **config_drop; /* image/image-config lines to remove, in file order */
	char **config_add;  /* image/image-config lines to append, in file order */
	size_t nconfig_drop, nconfig_add;
	char *recipe_sha256; /* of the lines the build reads (its cache key), or NULL */
};

/*
 * The canaries a focused run of v needs, of the n registry names: want[i]
 * is set to 1 for each one v claims or names as collateral. Returns the
 * number of names v gives that are neither a registry canary nor the
 * run-level "sentinel" (each written to why).
 */
size_t variant_focus(const struct variant *v, const char *const *names, size_t n, int *want,
		     struct strbuf *why);
/*
 * The order make mutants runs the n variants v in: the one variant_focus()
 * wants the most of the n_names registry canaries first, equal counts by
 * name (strcmp, as sort(1) in the C locale); order[] gets their indexes
 * into v. Returns the names the n variants give that are neither a
 * registry canary nor the sentinel, summed (each written to why).
 */
size_t variant_focus_order(const struct variant *v, size_t n, const char *const *names,
			   size_t n_names, size_t *order, struct strbuf *why);
/* Parse a variant file's text (key=value lines, # comments). */
int variant_parse(struct variant *v, const char *name, const char *text);
/*
 * Parse it for the image build: every key and side checked as
 * variant_parse() does, but not what only the gate needs (claims,
 * signatures, collateral against claims); an image-side variant must name
 * a recipe key. recipe_sha256 is then set for side=image.
 */
int variant_parse_recipe(struct variant *v, const char *name, const char *text);
/*
 * variant_parse_recipe() of arg: a NAME (no '/') in dir (fixtures/variants),
 * else a FILE path (the variant is named by its file name).
 */
int variant_load_recipe(struct variant *v, const char *dir, const char *arg);
/*
 * Append what image/build.sh --variant-env sources: the recipe side of v
 * (parsed by variant_parse_recipe()) as POSIX sh assignments, each value in
 * single quotes; the config lines one a line.
 */
void variant_env(const struct variant *v, struct strbuf *out);
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
