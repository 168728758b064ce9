/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TSCANARY_VRULES_H
#define TSCANARY_VRULES_H

#include <stddef.h>

/*
 * Version-scoped rules: data files of "key<TAB>versions<TAB>why" lines
 * (# comments), each rule holding for the Tailscale versions its tsversion_in()
 * spec names. Two files use it:
 * - fixtures/cli-errors: `tailscale up` errors the gate tolerates (the key
 *   is a substring of the CLI's error output): the router joins although
 *   the CLI exits non-zero, and a RouterOS user can live with it. Every
 *   other CLI error fails the run.
 * - fixtures/history-fits: features `make history` builds into an older
 *   release's image (the key is a feature) because that release's code
 *   does not build without them.
 */
struct vrule {
	char *key;      /* what the rule is about (a message substring, a feature) */
	char *versions; /* tsversion_in() spec: the Tailscale versions it applies to */
	char *why;      /* the reason, for the reader and the report */
};

struct vrules {
	struct vrule *v;
	size_t n;
};

/* Parse the lines of text; what names the source in errors. 0, or -1 (reported). */
int vrules_parse(struct vrules *rules, const char *text, const char *what);
/* Load and parse a file. */
int vrules_load(struct vrules *rules, const char *path);
/* Free the rules. */
void vrules_release(struct vrules *rules);
/* Does rule apply to this Tailscale version? */
int vrules_applies(const struct vrule *rule, const char *version);
/* The first rule for this version whose key is a substring of message, or NULL. */
const struct vrule *vrules_match(const struct vrules *rules, const char *version,
				 const char *message);

#endif
