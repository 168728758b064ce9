/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TSCANARY_TSVERSION_H
#define TSCANARY_TSVERSION_H

#include <stddef.h>

/* A Tailscale release version: v1.102.5, 1.102.5 or v1.104.0-pre. */
struct tsversion {
	long major, minor, patch;
	int pre; /* a pre-release sorts before its release */
};

/* Parse "[v]MAJOR.MINOR.PATCH[-anything]"; 0, or -1 if it is not one. */
int tsversion_parse(struct tsversion *v, const char *s);
/*
 * The release a program's version output names: the first word of its
 * first line that parses ("1.102.5-t1234" from tailscale version, "v0.29.2"
 * from "headscale version v0.29.2"), written as "vMAJOR.MINOR.PATCH" with
 * any suffix dropped. 0, or -1 when the line names none.
 */
int tsversion_from_output(const char *text, char *out, size_t len);
/* <0, 0 or >0 as a is older than, the same as or newer than b. */
int tsversion_cmp(const struct tsversion *a, const struct tsversion *b);
/*
 * Does version s satisfy every condition in spec, a space-separated list of
 * <V, <=V, >=V, >V or =V ("*" or "" alone: any version)? 1 yes, 0 no, -1 if
 * s or spec does not parse.
 */
int tsversion_in(const char *s, const char *spec);

/* One release of a version list: its parsed version and the string (borrowed). */
struct tsrelease {
	struct tsversion v;
	const char *s;
};

/*
 * The stable releases among versions (n strings, e.g. the module proxy's
 * list): MAJOR.MINOR.PATCH with an even minor and no pre-release; anything
 * else is left out. Oldest first, each version once. *out gets a malloc'd
 * array (at least one element, so it can always be freed); the count.
 */
size_t tsversion_releases(const char *const *versions, size_t n, struct tsrelease **out);

#endif
