/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "flash.h"
#include "strbuf.h"
#include "variant.h"

static void parses_block_device_numbers(void **state)
{
	unsigned major = 0, minor = 0;

	(void)state;
	assert_int_equal(flash_parse_devnum("254:0\n", &major, &minor), 0);
	assert_int_equal(major, 254);
	assert_int_equal(minor, 0);
	assert_int_equal(flash_parse_devnum("8:17", &major, &minor), 0);
	assert_int_equal(major, 8);
	assert_int_equal(minor, 17);
	assert_int_equal(flash_parse_devnum("", &major, &minor), -1);
	assert_int_equal(flash_parse_devnum("254", &major, &minor), -1);
	assert_int_equal(flash_parse_devnum("254:", &major, &minor), -1);
	assert_int_equal(flash_parse_devnum(":0", &major, &minor), -1);
	assert_int_equal(flash_parse_devnum("254:0 junk", &major, &minor), -1);
	assert_int_equal(flash_parse_devnum("-1:0", &major, &minor), -1);
	assert_int_equal(flash_parse_devnum("99999999999:0", &major, &minor), -1);
}

static void matches_st_dev_against_major_minor(void **state)
{
	unsigned ma = 0, mi = 0;
	char text[64];

	(void)state;
	/* 254:0 as glibc encodes it: what `stat -c %d` printed in the armv7 guest */
	assert_int_equal(flash_dev_matches("65024\n", 254, 0, &ma, &mi), 1);
	assert_int_equal(ma, 254);
	assert_int_equal(mi, 0);
	/* the initramfs root (0:2 here): not the flash */
	assert_int_equal(flash_dev_matches("2", 254, 0, &ma, &mi), 0);
	assert_int_equal(ma, 0);
	assert_int_equal(mi, 2);
	/* minors past 255 use the high bits */
	snprintf(text, sizeof(text), "%llu", (unsigned long long)makedev(259, 300));
	assert_int_equal(flash_dev_matches(text, 259, 300, &ma, &mi), 1);
	assert_int_equal(flash_dev_matches(text, 259, 44, &ma, &mi), 0);
	assert_int_equal(flash_dev_matches("abc", 254, 0, &ma, &mi), -1);
	assert_int_equal(flash_dev_matches("", 254, 0, &ma, &mi), -1);
	assert_int_equal(flash_dev_matches("12 13", 254, 0, &ma, &mi), -1);
}

static void accepts_only_the_two_files(void **state)
{
	struct strbuf extra = STRBUF_INIT;
	int has_state = -1;

	(void)state;
	assert_int_equal(flash_judge_listing("207 /var/lib/tailscale/derpmap.cached.json\n"
					     "2206 /var/lib/tailscale/tailscaled.state\n",
					     FLASH_STATE_DIR, &extra, &has_state),
			 0);
	assert_int_equal(has_state, 1);
	assert_int_equal(extra.len, 0);
	/* derpmap.cached.json is allowed, not required */
	assert_int_equal(flash_judge_listing("2206 /var/lib/tailscale/tailscaled.state",
					     FLASH_STATE_DIR, &extra, &has_state),
			 0);
	assert_int_equal(has_state, 1);
	assert_int_equal(flash_judge_listing("", FLASH_STATE_DIR, &extra, &has_state), 0);
	assert_int_equal(has_state, 0);
	strbuf_release(&extra);
}

static void lists_what_the_netmap_cache_left(void **state)
{
	/* as measured with the netmap-cache variant */
	static const char listing[] =
		"2206 /var/lib/tailscale/tailscaled.state\n"
		"1024 /var/lib/tailscale/profile-data\n"
		"1024 /var/lib/tailscale/profile-data/eb18\n"
		"1024 /var/lib/tailscale/profile-data/eb18/netmap-cache\n"
		"1777 /var/lib/tailscale/profile-data/eb18/netmap-cache/73656c66\n"
		"207 /var/lib/tailscale/derpmap.cached.json\n";
	struct strbuf extra = STRBUF_INIT;
	int has_state = 0;

	(void)state;
	assert_int_equal(flash_judge_listing(listing, FLASH_STATE_DIR, &extra, &has_state), 4);
	assert_int_equal(has_state, 1);
	assert_string_equal(extra.buf, "1024 /var/lib/tailscale/profile-data\n"
				       "1024 /var/lib/tailscale/profile-data/eb18\n"
				       "1024 /var/lib/tailscale/profile-data/eb18/netmap-cache\n"
				       "1777 /var/lib/tailscale/profile-data/eb18/netmap-cache/"
				       "73656c66\n");
	strbuf_reset(&extra);
	/* an allowed name is allowed only at the top, and mkfs's lost+found is not */
	assert_int_equal(flash_judge_listing("1 /var/lib/tailscale/x/tailscaled.state\n"
					     "12288 /var/lib/tailscale/lost+found\n"
					     "5 /var/lib/tailscale/tailscaled.state.tmp123\n",
					     FLASH_STATE_DIR, &extra, &has_state),
			 3);
	assert_int_equal(has_state, 0);
	strbuf_release(&extra);
}

static void rejects_malformed_listings(void **state)
{
	struct strbuf extra = STRBUF_INIT;
	int has_state;

	(void)state;
	assert_int_equal(flash_judge_listing("/var/lib/tailscale/tailscaled.state\n",
					     FLASH_STATE_DIR, &extra, &has_state),
			 -1);
	assert_int_equal(
		flash_judge_listing("12 /etc/passwd\n", FLASH_STATE_DIR, &extra, &has_state), -1);
	assert_int_equal(flash_judge_listing("12 /var/lib/tailscalex/y\n", FLASH_STATE_DIR, &extra,
					     &has_state),
			 -1);
	assert_int_equal(flash_judge_listing("12 /var/lib/tailscale/\n", FLASH_STATE_DIR, &extra,
					     &has_state),
			 -1);
	assert_int_equal(flash_judge_listing("1x2 /var/lib/tailscale/a\n", FLASH_STATE_DIR, &extra,
					     &has_state),
			 -1);
	strbuf_release(&extra);
}

static void reads_dns_query_json(void **state)
{
	/* cmd/tailscale/cli/jsonoutput.DNSQueryResult, as the router printed it */
	static const char found[] =
		"{\n  \"Name\": \"flash-rec.tailnet.lab.test\",\n  \"QueryType\": \"A\",\n"
		"  \"ResponseCode\": \"RCodeSuccess\",\n  \"Answers\": [\n    {\n"
		"      \"Name\": \"flash-rec.tailnet.lab.test.\",\n      \"TTL\": 600,\n"
		"      \"Class\": \"ClassINET\",\n      \"Type\": \"TypeA\",\n"
		"      \"Body\": \"198.51.100.201\"\n    }\n  ]\n}\n";
	static const char gone[] = "{\"Name\": \"flash-rec.tailnet.lab.test\", \"QueryType\": "
				   "\"A\", \"ResponseCode\": \"RCodeNameError\"}";
	static const char *const bad[] = {
		"{\"Answers\": []}",
		"failed to query DNS",
		"{\"ResponseCode\": \"RCodeSuccess\", \"Answers\": 1}",
	};
	struct strbuf rcode = STRBUF_INIT, answers = STRBUF_INIT;

	(void)state;
	assert_int_equal(flash_parse_dns_query(found, sizeof(found) - 1, &rcode, &answers), 0);
	assert_string_equal(rcode.buf, "RCodeSuccess");
	assert_string_equal(answers.buf, "198.51.100.201");
	strbuf_reset(&rcode);
	strbuf_reset(&answers);
	assert_int_equal(flash_parse_dns_query(gone, sizeof(gone) - 1, &rcode, &answers), 0);
	assert_string_equal(rcode.buf, "RCodeNameError");
	assert_int_equal(answers.len, 0);
	strbuf_reset(&rcode);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(flash_parse_dns_query(bad[i], strlen(bad[i]), &rcode, &answers),
				 -1);
	strbuf_release(&rcode);
	strbuf_release(&answers);
}

static void counts_sectors_forward_only(void **state)
{
	(void)state;
	assert_int_equal(flash_sectors_delta(322, 322), 0);
	assert_int_equal(flash_sectors_delta(534, 658), 124);
	assert_int_equal(flash_sectors_delta(10, 9), -1);
}

static void variant_claims_flash_writes(void **state)
{
	struct variant v;

	(void)state;
	/* the build-side key add= is not the judge's business, but must parse */
	assert_int_equal(variant_load(&v, "fixtures/variants", "netmap-cache"), 0);
	assert_int_equal(v.nclaims, 1);
	assert_string_equal(v.claims[0].canary, "flash-writes");
	assert_string_equal(v.claims[0].signature, "wrote-flash");
	assert_int_equal(v.ncollateral, 0);
	variant_release(&v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_block_device_numbers),
		cmocka_unit_test(matches_st_dev_against_major_minor),
		cmocka_unit_test(accepts_only_the_two_files),
		cmocka_unit_test(lists_what_the_netmap_cache_left),
		cmocka_unit_test(rejects_malformed_listings),
		cmocka_unit_test(reads_dns_query_json),
		cmocka_unit_test(counts_sectors_forward_only),
		cmocka_unit_test(variant_claims_flash_writes),
	};

	return cmocka_run_group_tests_name("flash", tests, NULL, NULL);
}
