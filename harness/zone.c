/* SPDX-License-Identifier: BSD-3-Clause */
#include "zone.h"

#include "log.h"
#include "strbuf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The default TTL of records whose file sets none ($TTL or their own). */
#define ZONE_DEFAULT_TTL 3600

int zone_load(const char *path, const char *origin_str, struct zone *z, struct strbuf *err)
{
	ldns_rdf *origin = NULL;
	ldns_zone *zone = NULL;
	ldns_status st;
	int line = 0; /* ldns counts the lines it has read: the failing one's number */
	FILE *fp;

	memset(z, 0, sizeof(*z));
	if (origin_str) {
		origin = ldns_dname_new_frm_str(origin_str);
		if (!origin) {
			strbuf_addf(err, "invalid origin '%s'", origin_str);
			return -1;
		}
	}
	fp = fopen(path, "re");
	if (!fp) {
		strbuf_addf(err, "cannot open zone file '%s': %s", path, strerror(errno));
		ldns_rdf_deep_free(origin);
		return -1;
	}
	st = ldns_zone_new_frm_fp_l(&zone, fp, origin, ZONE_DEFAULT_TTL, LDNS_RR_CLASS_IN, &line);
	fclose(fp);
	if (st != LDNS_STATUS_OK) {
		strbuf_addf(err, "cannot parse zone file '%s' near line %d: %s", path, line,
			    ldns_get_errorstr_by_id(st));
		ldns_rdf_deep_free(origin);
		return -1;
	}
	if (!ldns_zone_soa(zone)) {
		strbuf_addf(err, "zone file '%s' has no SOA record", path);
		ldns_zone_deep_free(zone);
		ldns_rdf_deep_free(origin);
		return -1;
	}
	z->soa = ldns_rr_clone(ldns_zone_soa(zone));
	z->rrs = ldns_rr_list_clone(ldns_zone_rrs(zone));
	ldns_rr_list_push_rr(z->rrs, ldns_rr_clone(z->soa));
	z->origin = origin ? origin : ldns_rdf_clone(ldns_rr_owner(z->soa));
	ldns_zone_deep_free(zone);
	if (ldns_dname_compare(ldns_rr_owner(z->soa), z->origin) != 0) {
		char *o = ldns_rdf2str(z->origin);

		strbuf_addf(err, "the SOA of '%s' is not at the origin %s", path, o ? o : "?");
		free(o);
		zone_free(z);
		return -1;
	}
	return 0;
}

void zone_free(struct zone *z)
{
	ldns_rr_list_deep_free(z->rrs);
	ldns_rr_free(z->soa);
	ldns_rdf_deep_free(z->origin);
	memset(z, 0, sizeof(*z));
}

int zone_lookup(const char *zone_path, const char *name, int want_aaaa, char *buf, size_t len)
{
	ldns_rr_type want = want_aaaa ? LDNS_RR_TYPE_AAAA : LDNS_RR_TYPE_A;
	struct strbuf err = STRBUF_INIT;
	struct zone zone;
	ldns_rdf *owner;
	int ret = -1;
	char *found[64];
	size_t n = 0;

	if (zone_load(zone_path, NULL, &zone, &err) < 0) {
		error("%s", strbuf_str(&err));
		strbuf_release(&err);
		return -1;
	}
	strbuf_release(&err);
	owner = ldns_dname_new_frm_str(name);
	if (!owner) {
		zone_free(&zone);
		return error("invalid DNS name '%s'", name);
	}
	for (size_t i = 0; i < ldns_rr_list_rr_count(zone.rrs) && n < 64; i++) {
		ldns_rr *rr = ldns_rr_list_rr(zone.rrs, i);

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
	zone_free(&zone);
	return ret;
}
