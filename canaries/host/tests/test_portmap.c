/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "portmap.h"

static void parses_granted_mappings(void **state)
{
	struct natpmp_map m;

	(void)state;
	assert_int_equal(
		natpmp_parse_map("1796230000 src=172.20.0.2:5350 op=map-udp internal=41641 "
				 "external=41641 lifetime=7200 result=0 handle=4",
				 &m),
		0);
	assert_string_equal(m.src, "172.20.0.2:5350");
	assert_int_equal(m.internal, 41641);
	assert_int_equal(m.external, 41641);
	assert_int_equal(m.lifetime, 7200);
	assert_int_equal(m.handle, 4);
	/* a delete, a refusal, the public-address query and junk are not grants */
	assert_int_equal(natpmp_parse_map("1 src=172.20.0.2:5350 op=map-udp internal=41641 "
					  "external=0 lifetime=0 result=0 handle=0",
					  &m),
			 -1);
	assert_int_equal(natpmp_parse_map("1 src=172.20.0.2:5350 op=map-udp internal=41641 "
					  "external=0 lifetime=7200 result=4 handle=0",
					  &m),
			 -1);
	assert_int_equal(natpmp_parse_map("1 src=172.20.0.2:5350 op=public external=198.51.100.2 "
					  "result=0",
					  &m),
			 -1);
	assert_int_equal(natpmp_parse_map("natpmpd: listening on 172.20.0.1:5351", &m), -1);
	assert_int_equal(natpmp_parse_map("", &m), -1);
}

static void reads_the_rule_counter(void **state)
{
	/* `nft -j list chain ip tscanary dstnat` as nft 1.0.6 prints it */
	static const char json[] =
		"{\"nftables\": [{\"metainfo\": {\"version\": \"1.0.6\"}}, {\"chain\": "
		"{\"family\": "
		"\"ip\", \"table\": \"tscanary\", \"name\": \"dstnat\", \"handle\": 1}}, "
		"{\"rule\": "
		"{\"family\": \"ip\", \"table\": \"tscanary\", \"chain\": \"dstnat\", \"handle\": "
		"2, "
		"\"comment\": \"nat-pmp 172.20.0.2:41641\", \"expr\": [{\"match\": {\"op\": "
		"\"==\", "
		"\"left\": {\"payload\": {\"protocol\": \"udp\", \"field\": \"dport\"}}, "
		"\"right\": "
		"41641}}, {\"counter\": {\"packets\": 7, \"bytes\": 1036}}, {\"dnat\": {\"addr\": "
		"\"172.20.0.2\", \"port\": 41641}}]}}]}";

	(void)state;
	assert_int_equal(natpmp_rule_packets(json, strlen(json), 2), 7);
	assert_int_equal(natpmp_rule_packets(json, strlen(json), 3), -1);
	assert_int_equal(natpmp_rule_packets("not json", 8, 2), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_granted_mappings),
		cmocka_unit_test(reads_the_rule_counter),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
