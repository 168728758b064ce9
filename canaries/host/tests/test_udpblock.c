/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "udpblock.h"

static void writes_both_directions(void **state)
{
	char *r = udpblock_ruleset("198.51.100.20", "198.51.100.2");

	(void)state;
	assert_non_null(r);
	/* never merges into a table that exists */
	assert_non_null(strstr(r, "create table inet " UDPBLOCK_TABLE "\n"));
	assert_non_null(strstr(r, "hook prerouting priority raw;"));
	assert_non_null(strstr(r, "ip saddr 198.51.100.20 ip daddr 198.51.100.2 meta l4proto udp "
				  "counter name \"from_peer\" drop"));
	/* outbound after source NAT: the masqueraded source is local */
	assert_non_null(strstr(r, "hook postrouting priority srcnat + 10;"));
	assert_non_null(strstr(r, "ip saddr 198.51.100.2 ip daddr 198.51.100.20 meta l4proto udp "
				  "counter name \"to_peer\" drop"));
	free(r);
	r = udpblock_ruleset("2001:db8::20", "2001:db8::2");
	assert_non_null(r);
	/* IPv6 has a table of its own: one namespace may hold both blocks */
	assert_non_null(strstr(r, "create table inet " UDPBLOCK_TABLE6 "\n"));
	assert_non_null(strstr(r, "ip6 saddr 2001:db8::20 ip6 daddr 2001:db8::2"));
	assert_non_null(strstr(r, "ip6 saddr 2001:db8::2 ip6 daddr 2001:db8::20"));
	assert_string_equal(udpblock_table("2001:db8::2"), UDPBLOCK_TABLE6);
	assert_string_equal(udpblock_table("198.51.100.2"), UDPBLOCK_TABLE);
	assert_null(udpblock_table("198.51.100.0/24"));
	free(r);
	assert_null(udpblock_ruleset("198.51.100.20", "fd7a:115c:a1e0::2"));
	assert_null(udpblock_ruleset("198.51.100.0/24", "198.51.100.2"));
	assert_null(udpblock_ruleset("198.51.100.20; flush ruleset", "198.51.100.2"));
}

static void reads_counters(void **state)
{
	/* nft 1.0.6 (Debian 12), `nft -j list counters table inet tsc-udpblock` */
	static const char json[] =
		"{\"nftables\": [{\"metainfo\": {\"version\": \"1.0.6\", \"release_name\": "
		"\"Lester Gooch #5\", \"json_schema_version\": 1}}, {\"counter\": {\"family\": "
		"\"inet\", \"name\": \"from_peer\", \"table\": \"tsc-udpblock\", \"handle\": 3, "
		"\"packets\": 7, \"bytes\": 644}}, {\"counter\": {\"family\": \"inet\", \"name\": "
		"\"to_peer\", \"table\": \"tsc-udpblock\", \"handle\": 4, \"packets\": 5, "
		"\"bytes\": 460}}]}\n";
	static const char one[] =
		"{\"nftables\": [{\"counter\": {\"family\": \"inet\", \"name\": \"from_peer\", "
		"\"table\": \"tsc-udpblock\", \"packets\": 1, \"bytes\": 92}}, {\"counter\": "
		"{\"family\": \"inet\", \"name\": \"to_peer\", \"table\": \"other\", "
		"\"packets\": 1, \"bytes\": 92}}]}";
	struct udpblock_counts c = { -1, -1 };

	(void)state;
	assert_int_equal(udpblock_parse_counters(json, sizeof(json) - 1, UDPBLOCK_TABLE, &c), 0);
	assert_int_equal(c.from_peer, 7);
	assert_int_equal(c.to_peer, 5);
	/* another table's counter does not count */
	assert_int_equal(udpblock_parse_counters(one, sizeof(one) - 1, UDPBLOCK_TABLE, &c), -1);
	/* the same counters under the IPv6 table's name are not the IPv4 block's */
	assert_int_equal(udpblock_parse_counters(json, sizeof(json) - 1, UDPBLOCK_TABLE6, &c), -1);
	assert_int_equal(udpblock_parse_counters("{\"nftables\": []}", 16, UDPBLOCK_TABLE, &c), -1);
	assert_int_equal(udpblock_parse_counters("not json", 8, UDPBLOCK_TABLE, &c), -1);
}

static void refuses_outside_the_lab(void **state)
{
	struct udpblock b;

	(void)state;
	assert_int_equal(udpblock_add(&b, "default", "198.51.100.20", "198.51.100.2"), -1);
	assert_int_equal(udpblock_add(&b, "tsc-ros-x", "192.0.2.1", "198.51.100.2"), -1);
	assert_int_equal(udpblock_add(&b, "tsc-ros-x", "198.51.100.20", "10.0.0.1"), -1);
	assert_int_equal(b.active, 0);
	assert_int_equal(udpblock_remove(&b), 0);
	assert_int_equal(udpblock_read(&b, &(struct udpblock_counts){ 0 }), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(writes_both_directions),
		cmocka_unit_test(reads_counters),
		cmocka_unit_test(refuses_outside_the_lab),
	};

	return cmocka_run_group_tests_name("udpblock", tests, NULL, NULL);
}
