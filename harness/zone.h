/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TSCANARY_ZONE_H
#define TSCANARY_ZONE_H

#include <stddef.h>

/*
 * Read the addresses a zone file gives a name (A or AAAA), so canaries
 * compare DNS answers against the fixtures rather than literals.
 * Writes a sorted, comma-separated list into buf; -1 if the file cannot be
 * parsed or the name has no such record.
 */
int zone_lookup(const char *zone_path, const char *name, int want_aaaa, char *buf, size_t len);

#endif
