/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TSCANARY_WEBGET_H
#define TSCANARY_WEBGET_H

#include "guestprobe.h"

#include <stddef.h>

/*
 * A GET a web server of the lab must log as answered to one source
 * (exitnode-traffic, subnet-route and their IPv6 siblings): where it goes,
 * the server's log and the source; once made, the log's end before it and
 * the probe's result.
 */
struct web_get {
	const char *label; /* in the evidence */
	const char *url;
	const char *log; /* the web server's log */
	char src[96];    /* "src=ADDR:" as the log writes it (ADDR "a.b.c.d" or "[v6]") */
	size_t mark;
	struct guestprobe res;
};

/* Set g's label, url and log, and its source from addr. */
void web_get_init(struct web_get *g, const char *label, const char *url, const char *log,
		  const char *addr);
/* Make the n GETs of set from where at once (timeout_ms each), each log marked first; 0, or -1. */
int web_gets(struct scenario *s, struct canary_outcome *out, const struct probe_site *where,
	     struct web_get *set, size_t n, int timeout_ms);
/* The log line showing g's GET answered to its source, into line: 0, or -1 when there is none. */
int web_get_seen(const struct web_get *g, char *line, size_t len);
/* g's source address as its canaries name it ("a.b.c.d" or "[v6]"), into buf. */
const char *web_get_addr(const struct web_get *g, char *buf, size_t len);

/*
 * An IPv6 sibling's GET, made beside its IPv4 canary's when both run (one
 * wait, not two, when nothing answers): the sibling judges it instead of
 * asking again.
 */
struct sibling_get {
	int kept;
	struct web_get g;
};
/*
 * Keep set[1] for the sibling when the set held two GETs (n 2); else
 * forget any kept one (set may then be NULL).
 */
void sibling_keep(struct sibling_get *sb, const struct web_get *set, size_t n);
/*
 * 1 with *g the GET kept for the sibling (its evidence line added to out's
 * detail, saying it was made beside whom), 0 when none was kept.
 */
int sibling_take(struct sibling_get *sb, struct canary_outcome *out, const char *beside,
		 struct web_get *g);

#endif
