/* SPDX-License-Identifier: BSD-3-Clause */
#include "zone.h"

#include "log.h"
#include "strbuf.h"

#include <errno.h>
#include <ldns/ldns.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int zone_lookup(const char *zone_path, const char *name, int want_aaaa, char *buf, size_t len)
{
	ldns_rr_type want = want_aaaa ? LDNS_RR_TYPE_AAAA : LDNS_RR_TYPE_A;
	FILE *fp = fopen(zone_path, "re");
	ldns_zone *zone = NULL;
	ldns_rdf *owner;
	ldns_status st;
	int line = 0, ret = -1;
	char *found[64];
	size_t n = 0;

	if (!fp)
		return error_errno("cannot open zone '%s'", zone_path);
	st = ldns_zone_new_frm_fp_l(&zone, fp, NULL, 0, LDNS_RR_CLASS_IN, &line);
	fclose(fp);
	if (st != LDNS_STATUS_OK)
		return error("cannot parse zone '%s' near line %d: %s", zone_path, line,
			     ldns_get_errorstr_by_id(st));
	owner = ldns_dname_new_frm_str(name);
	if (!owner) {
		ldns_zone_deep_free(zone);
		return error("invalid DNS name '%s'", name);
	}
	for (size_t i = 0; i < ldns_rr_list_rr_count(ldns_zone_rrs(zone)) && n < 64; i++) {
		ldns_rr *rr = ldns_rr_list_rr(ldns_zone_rrs(zone), i);

		if (ldns_rr_get_type(rr) != want || ldns_dname_compare(ldns_rr_owner(rr), owner))
			continue;
		found[n++] = ldns_rdf2str(ldns_rr_rdf(rr, 0));
	}
	if (n) {
		struct strbuf sb = STRBUF_INIT;

		strbuf_add_sorted(&sb, found, n, ",");
		if (sb.len < len) {
			memcpy(buf, sb.buf, sb.len + 1);
			ret = 0;
		} else {
			error("addresses of '%s' do not fit", name);
		}
		strbuf_release(&sb);
	} else {
		error("zone '%s' has no %s record for '%s'", zone_path, want_aaaa ? "AAAA" : "A",
		      name);
	}
	for (size_t i = 0; i < n; i++)
		free(found[i]);
	ldns_rdf_deep_free(owner);
	ldns_zone_deep_free(zone);
	return ret;
}
