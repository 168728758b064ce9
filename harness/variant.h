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
	char **collateral;   /* canaries also allowed to fail */
	size_t ncollateral;
};

/* Parse a variant file's text (key=value lines, # comments). */
int variant_parse(struct variant *v, const char *name, const char *text);
/* Load fixtures/variants/<name> from dir. */
int variant_load(struct variant *v, const char *dir, const char *name);
/* Free a parsed variant. */
void variant_release(struct variant *v);

/*
 * Judge one run's summary (summary.json as parsed) against the variant:
 * returns 1 when caught (preconditions held, every claiming canary failed
 * with its signature, every other canary passed or is collateral), else 0;
 * why gets one line per reason either way.
 */
int variant_judge(const struct variant *v, json_t *summary, struct strbuf *why);

/*
 * The mutants.json entry for one variant: its claims, the canaries that
 * failed with their evidence, the preconditions, "caught" and the reasons.
 * summary may be NULL (the variant's run left no summary: not caught).
 */
json_t *variant_report(const struct variant *v, json_t *summary);

#endif
