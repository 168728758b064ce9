/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TSCANARY_CLIERR_H
#define TSCANARY_CLIERR_H

#include <stddef.h>

/*
 * `tailscale up` errors the gate tolerates (fixtures/cli-errors): the router
 * joins although the CLI exits non-zero, and a RouterOS user can live with
 * it. Every other CLI error fails the run.
 */
struct clierr_rule {
	char *pattern;  /* a substring of the CLI's error output */
	char *versions; /* tsversion_in() spec: the Tailscale versions it applies to */
	char *why;      /* why a RouterOS user can live with it */
};

struct clierr_rules {
	struct clierr_rule *v;
	size_t n;
};

/* Parse "pattern<TAB>versions<TAB>why" lines (# comments); what names the source in errors. */
int clierr_parse(struct clierr_rules *rules, const char *text, const char *what);
/* Load and parse a file. */
int clierr_load(struct clierr_rules *rules, const char *path);
/* Free the rules. */
void clierr_release(struct clierr_rules *rules);
/* The first rule that tolerates message from this Tailscale version, or NULL. */
const struct clierr_rule *clierr_match(const struct clierr_rules *rules, const char *version,
				       const char *message);

#endif
