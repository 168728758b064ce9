/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TSCANARY_ZONE_H
#define TSCANARY_ZONE_H

#include "strbuf.h"

#include <ldns/ldns.h>
#include <stddef.h>

/* A zone file as zone_load() read it. */
struct zone {
	ldns_rdf *origin;  /* the zone's name */
	ldns_rr *soa;      /* its SOA, at the origin */
	ldns_rr_list *rrs; /* every record, SOA included, in file order (SOA last) */
};

/*
 * Read a zone file (fixtures/zones/): the one reader of zone files, for
 * the lab's dnsd (which serves it) and the canaries (zone_lookup). Class
 * IN, a default TTL of 3600, origin (NULL: the file's $ORIGIN, else its
 * SOA's owner); the file must hold an SOA at that origin. 0, or -1 with
 * the reason in err (nothing is logged: dnsd writes it to its own log).
 */
int zone_load(const char *path, const char *origin, struct zone *z, struct strbuf *err);
/* Free what zone_load() filled in; z may be zeroed or half loaded. */
void zone_free(struct zone *z);

/*
 * Read the addresses a zone file gives a name (A or AAAA), so canaries
 * compare DNS answers against the fixtures rather than literals.
 * Writes a sorted, comma-separated list into buf; -1 if the file cannot be
 * parsed or the name has no such record.
 */
int zone_lookup(const char *zone_path, const char *name, int want_aaaa, char *buf, size_t len);

#endif
