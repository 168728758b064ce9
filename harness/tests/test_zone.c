/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zone.h"

#define SOA_LINE "@ IN SOA ns.t.test. hostmaster.t.test. 1 3600 600 86400 60\n"

/* A zone file with text, in a fresh temporary path (unlinked by the caller). */
static char *zone_file(const char *text)
{
	char *path = strdup("/tmp/tsc-test-zone-XXXXXX");
	int fd;
	FILE *fp;

	assert_non_null(path);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	fp = fdopen(fd, "w");
	assert_non_null(fp);
	assert_true(fputs(text, fp) >= 0);
	assert_int_equal(fclose(fp), 0);
	return path;
}

/* The record of type at the owner name, or NULL. */
static const ldns_rr *find_rr(const struct zone *z, const char *name, ldns_rr_type type)
{
	ldns_rdf *owner = ldns_dname_new_frm_str(name);
	const ldns_rr *found = NULL;

	assert_non_null(owner);
	for (size_t i = 0; i < ldns_rr_list_rr_count(z->rrs) && !found; i++) {
		const ldns_rr *rr = ldns_rr_list_rr(z->rrs, i);

		if (ldns_rr_get_type(rr) == type && !ldns_dname_compare(ldns_rr_owner(rr), owner))
			found = rr;
	}
	ldns_rdf_deep_free(owner);
	return found;
}

/* Load path (origin may be NULL); the error text, or NULL when it loaded into z. */
static char *load(const char *path, const char *origin, struct zone *z)
{
	struct strbuf err = STRBUF_INIT;

	if (zone_load(path, origin, z, &err) == 0) {
		assert_int_equal(err.len, 0);
		return NULL;
	}
	assert_true(err.len > 0);
	return strbuf_detach(&err, NULL);
}

static void loads_fixture_zone(void **state)
{
	struct zone z;
	char *o;

	(void)state;
	assert_null(load("fixtures/zones/canary.test.zone", NULL, &z));
	/* the origin is the file's, the SOA sits there and is among the records */
	o = ldns_rdf2str(z.origin);
	assert_string_equal(o, "canary.test.");
	free(o);
	assert_non_null(z.soa);
	assert_int_equal(ldns_dname_compare(ldns_rr_owner(z.soa), z.origin), 0);
	assert_non_null(find_rr(&z, "canary.test.", LDNS_RR_TYPE_SOA));
	assert_non_null(find_rr(&z, "www.canary.test.", LDNS_RR_TYPE_AAAA));
	assert_non_null(find_rr(&z, "alias.canary.test.", LDNS_RR_TYPE_CNAME));
	/* the file's $TTL counts */
	assert_int_equal(ldns_rr_ttl(find_rr(&z, "www.canary.test.", LDNS_RR_TYPE_A)), 60);
	zone_free(&z);
	zone_free(&z); /* freeing twice is harmless */
}

static void origin_and_default_ttl(void **state)
{
	char *path = zone_file(SOA_LINE "www IN A 198.51.100.9\nttl 120 IN A 198.51.100.10\n");
	char *elsewhere = zone_file(
		"t.test. IN SOA ns.t.test. hostmaster.t.test. 1 3600 600 86400 60\n");
	struct zone z;
	char *err, *o;

	(void)state;
	/* no $ORIGIN in the file: the one given; no $TTL: 3600 */
	assert_null(load(path, "t.test.", &z));
	o = ldns_rdf2str(z.origin);
	assert_string_equal(o, "t.test.");
	free(o);
	assert_int_equal(ldns_rr_ttl(find_rr(&z, "www.t.test.", LDNS_RR_TYPE_A)), 3600);
	assert_int_equal(ldns_rr_ttl(find_rr(&z, "ttl.t.test.", LDNS_RR_TYPE_A)), 120);
	zone_free(&z);
	/* the SOA must be at the origin */
	assert_null(load(elsewhere, "t.test.", &z));
	zone_free(&z);
	err = load(elsewhere, "other.test.", &z);
	assert_non_null(err);
	assert_non_null(strstr(err, "is not at the origin other.test."));
	free(err);
	err = load(path, "bad..name", &z);
	assert_non_null(err);
	assert_non_null(strstr(err, "invalid origin 'bad..name'"));
	free(err);
	unlink(path);
	unlink(elsewhere);
	free(path);
	free(elsewhere);
}

static void bad_files_fail_with_a_reason(void **state)
{
	char *no_soa = zone_file("$ORIGIN t.test.\nwww IN A 198.51.100.9\n");
	/* the bad record before any other: ldns leaks what it read before one */
	char *garbled = zone_file("$ORIGIN t.test.\n\nwww IN A not-an-address\n" SOA_LINE);
	struct zone z;
	char buf[128];
	char *err;

	(void)state;
	err = load(no_soa, NULL, &z);
	assert_non_null(err);
	assert_non_null(strstr(err, "has no SOA record"));
	free(err);
	err = load(garbled, NULL, &z);
	assert_non_null(err);
	assert_non_null(strstr(err, "cannot parse zone file"));
	assert_non_null(strstr(err, "near line 3:"));
	free(err);
	err = load("fixtures/zones/absent.zone", NULL, &z);
	assert_non_null(err);
	assert_non_null(strstr(err, "cannot open zone file 'fixtures/zones/absent.zone'"));
	free(err);
	/* zone_lookup reads a zone the same way: no SOA, no answers */
	assert_int_equal(zone_lookup(no_soa, "www.t.test.", 0, buf, sizeof(buf)), -1);
	unlink(no_soa);
	unlink(garbled);
	free(no_soa);
	free(garbled);
}

static void finds_fixture_addresses(void **state)
{
	char buf[128];

	(void)state;
	assert_int_equal(zone_lookup("fixtures/zones/canary.test.zone", "www.canary.test", 0, buf,
				     sizeof(buf)),
			 0);
	assert_string_equal(buf, "198.51.100.80");
	assert_int_equal(zone_lookup("fixtures/zones/canary.test.client.zone", "www.canary.test.",
				     0, buf, sizeof(buf)),
			 0);
	assert_string_equal(buf, "198.51.100.180");
}

static void upstream_and_client_zones_differ(void **state)
{
	char up[128], cl[128];

	(void)state;
	/* the canaries tell the two resolvers apart by this */
	assert_int_equal(zone_lookup("fixtures/zones/canary.test.zone", "www.canary.test", 0, up,
				     sizeof(up)),
			 0);
	assert_int_equal(zone_lookup("fixtures/zones/canary.test.client.zone", "www.canary.test", 0,
				     cl, sizeof(cl)),
			 0);
	assert_string_not_equal(up, cl);
}

static void missing_name_or_file_fails(void **state)
{
	char buf[128];

	(void)state;
	assert_int_equal(zone_lookup("fixtures/zones/canary.test.zone", "nope.canary.test", 0, buf,
				     sizeof(buf)),
			 -1);
	assert_int_equal(
		zone_lookup("fixtures/zones/absent.zone", "www.canary.test", 0, buf, sizeof(buf)),
		-1);
	assert_int_equal(
		zone_lookup("fixtures/zones/canary.test.zone", "www.canary.test", 0, buf, 4), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(finds_fixture_addresses),
		cmocka_unit_test(upstream_and_client_zones_differ),
		cmocka_unit_test(missing_name_or_file_fails),
		cmocka_unit_test(loads_fixture_zone),
		cmocka_unit_test(origin_and_default_ttl),
		cmocka_unit_test(bad_files_fail_with_a_reason),
	};

	return cmocka_run_group_tests_name("zone", tests, NULL, NULL);
}
