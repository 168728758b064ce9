/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "lab.h"
#include "log.h"
#include "pki.h"
#include "strbuf.h"

/* Silence the expected refusals on stderr; returns the saved stderr. */
static int quiet(void)
{
	int saved = dup(2), null = open("/dev/null", O_WRONLY | O_CLOEXEC);

	dup2(null, 2);
	close(null);
	return saved;
}

static void unquiet(int saved)
{
	dup2(saved, 2);
	close(saved);
}

static void names_carry_the_suffix(void **state)
{
	struct lab lab;

	(void)state;
	assert_int_equal(lab_init(&lab, "ab12cd"), 0);
	assert_string_equal(lab.suffix, "ab12cd");
	assert_string_equal(lab.inet, "tsc-inet-ab12cd");
	assert_string_equal(lab.routeros, "tsc-ros-ab12cd");
	assert_string_equal(lab.inet_br, "tsc-br-ab12cd");
	assert_string_equal(lab.wan, "tsc-wan-ab12cd");
	assert_string_equal(lab.wan_peer, "tsc-ros-ab12cd");
	assert_string_equal(lab.containers, "tsc-ctr-ab12cd");
	assert_string_equal(lab.tap, "tsc-tap-ab12cd");
	assert_true(lab_netns_ok(lab.inet));
	assert_true(lab_netns_ok(lab.routeros));
}

static void random_suffixes_are_valid_and_differ(void **state)
{
	struct lab a, b;

	(void)state;
	assert_int_equal(lab_init(&a, NULL), 0);
	assert_int_equal(lab_init(&b, NULL), 0);
	assert_int_equal(strlen(a.suffix), LAB_SUFFIX_LEN);
	for (const char *c = a.suffix; *c; c++)
		assert_true((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9'));
	assert_string_not_equal(a.suffix, b.suffix); /* 1 in 2e9 to fail */
	assert_true(strlen(a.wan_peer) < IFNAMSIZ);
}

static void rejects_bad_suffixes(void **state)
{
	struct lab lab;
	int saved = quiet();

	(void)state;
	assert_int_equal(lab_init(&lab, ""), -1);
	assert_int_equal(lab_init(&lab, "AB12CD"), -1);
	assert_int_equal(lab_init(&lab, "ab-12"), -1);
	assert_int_equal(lab_init(&lab, "abcdefg"), -1);
	assert_int_equal(lab_init(&lab, "a b"), -1);
	unquiet(saved);
}

static void names_fit_ifnamsiz(void **state)
{
	struct lab lab;
	char buf[IFNAMSIZ];
	int saved = quiet();

	(void)state;
	assert_int_equal(lab_init(&lab, "zz99zz"), 0);
	assert_int_equal(lab_name(&lab, "exit", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "tsc-exit-zz99zz");
	assert_int_equal(strlen(buf), IFNAMSIZ - 1);
	assert_int_equal(lab_name(&lab, "exits", buf, sizeof(buf)), -1);
	assert_int_equal(lab_name(&lab, "", buf, sizeof(buf)), -1);
	assert_int_equal(lab_name(&lab, "a/b", buf, sizeof(buf)), -1);
	assert_int_equal(lab_name(&lab, "cli", buf, 8), -1);
	/* a shorter suffix leaves room for a longer role */
	assert_int_equal(lab_init(&lab, "ab"), 0);
	assert_int_equal(lab_name(&lab, "client", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "tsc-client-ab");
	unquiet(saved);
}

static void only_lab_namespaces(void **state)
{
	(void)state;
	assert_true(lab_netns_ok("tsc-inet-ab12cd"));
	assert_true(lab_netns_ok("tsc-x"));
	assert_false(lab_netns_ok(NULL));
	assert_false(lab_netns_ok(""));
	assert_false(lab_netns_ok("tsc-"));
	assert_false(lab_netns_ok("inet"));
	assert_false(lab_netns_ok("TSC-inet"));
	assert_false(lab_netns_ok("tsc-Inet"));
	assert_false(lab_netns_ok("tsc-../../etc"));
	assert_false(lab_netns_ok("tsc-inet-ab12cdef"));
}

static void only_lab_addresses(void **state)
{
	static const char *const good[] = {
		"198.51.100.1",          "198.51.100.1/24",      "198.51.100.0/24",
		"198.51.100.255/32",     "172.20.0.1/24",        "172.20.0.10",
		"100.64.0.0/10",         "100.127.255.254",      "100.100.100.100",
		"fd7a:115c:a1e0::/48",   "fd7a:115c:a1e0::1/64", "fd7a:115c:a1e0:ffff::80",
		"2001:db8::1",           "2001:db8::/64",        "2001:db8::/32",
		"2001:db8:ffff::1/48",   "fd00:172:20::10",      "fd00:172:20::/64",
		"fd00:172:20::ffff/128",
	};
	static const char *const bad[] = {
		"8.8.8.8",
		"8.8.8.8/32",
		"198.51.101.1",
		"198.51.100.0/16",
		"0.0.0.0/0",
		"172.20.1.1",
		"172.16.0.1",
		"100.128.0.1",
		"100.63.255.255",
		"100.64.0.0/9",
		"192.0.2.1",
		"fd7a:115c:a1e1::1",
		"::/0",
		"2001:4860:4860::8888",
		"default",
		"",
		"198.51.100.1/33",
		"198.51.100.1/",
		"198.51.100.1/x",
		"198.51.100.1/24x",
		"198.51.100",
		"fd7a:115c:a1e0::1/129",
		"2001:db9::1",
		"2001:db8::/31",
		"2001:db7:ffff::1",
		"fd00:172:20:1::1",
		"fd00:172:20::/63",
		"fd00::1",
		"fd00:172:21::1",
		"2001:db8::1/129",
		NULL,
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(good); i++)
		assert_true(lab_addr_ok(good[i]));
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_false(lab_addr_ok(bad[i]));
	/* the addresses the lab uses are all allowed */
	assert_true(lab_addr_ok(LAB_INET_GW) && lab_addr_ok(LAB_DNS_UPSTREAM) &&
		    lab_addr_ok(LAB_DNS_CLIENT) && lab_addr_ok(LAB_WEB) &&
		    lab_addr_ok(LAB_ROUTER_WAN) && lab_addr_ok(LAB_CLIENT) &&
		    lab_addr_ok(LAB_EXIT) && lab_addr_ok(LAB_CTR_GW) &&
		    lab_addr_ok(LAB_ROUTER_VM) && lab_addr_ok(LAB_LANHOST) &&
		    lab_addr_ok(LAB_TAILNET4) && lab_addr_ok(LAB_TAILNET6) &&
		    lab_addr_ok(LAB_INET_NET) && lab_addr_ok(LAB_CTR_NET));
	assert_true(lab_addr_ok(LAB_INET6_RANGE) && lab_addr_ok(LAB_INET6_NET) &&
		    lab_addr_ok(LAB_INET6_GW) && lab_addr_ok(LAB_ROUTER_WAN6) &&
		    lab_addr_ok(LAB_CLIENT6) && lab_addr_ok(LAB_WEB6) &&
		    lab_addr_ok(LAB_CTR6_NET) && lab_addr_ok(LAB_CTR6_GW) &&
		    lab_addr_ok(LAB_ROUTER_VM6) && lab_addr_ok(LAB_LANHOST6) &&
		    lab_addr_ok(LAB_LANHOST2_6));
}

static void sysctl_keys_map_to_proc(void **state)
{
	char buf[128];
	int saved = quiet();

	(void)state;
	assert_int_equal(lab_sysctl_path("net.ipv4.ip_forward", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/proc/sys/net/ipv4/ip_forward");
	assert_int_equal(lab_sysctl_path("net.ipv6.conf.all.forwarding", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/proc/sys/net/ipv6/conf/all/forwarding");
	/* slashes keep dotted interface names intact */
	assert_int_equal(lab_sysctl_path("net/ipv4/conf/eth0.100/rp_filter", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/proc/sys/net/ipv4/conf/eth0.100/rp_filter");
	assert_int_equal(lab_sysctl_path("kernel.panic", buf, sizeof(buf)), -1);
	assert_int_equal(lab_sysctl_path("vm.swappiness", buf, sizeof(buf)), -1);
	assert_int_equal(lab_sysctl_path("net.ipv4..x", buf, sizeof(buf)), -1);
	assert_int_equal(lab_sysctl_path("net/../../kernel/panic", buf, sizeof(buf)), -1);
	assert_int_equal(lab_sysctl_path("net.ipv4.", buf, sizeof(buf)), -1);
	assert_int_equal(lab_sysctl_path("net.ipv4.ip_forward", buf, 20), -1);
	unquiet(saved);
}

/* The guards refuse before anything runs: no root, no network needed. */
static void refuses_the_machine_and_foreign_addresses(void **state)
{
	struct lab lab;
	int fd, saved = quiet();

	(void)state;
	assert_int_equal(lab_init(&lab, "ut0000"), 0);
	assert_int_equal(lab_add_netns(&lab, "inet"), -1);
	assert_int_equal(lab_add_bridge(&lab, NULL, "tsc-br-ut0000"), -1);
	assert_int_equal(lab_add_bridge(&lab, "tsc-inet-ut0000", "name-that-is-too-long"), -1);
	assert_int_equal(lab_add_veth(&lab, lab.routeros, lab.wan, NULL, lab.wan_peer), -1);
	assert_int_equal(lab_add_addr(&lab, lab.inet, lab.inet_br, "8.8.8.8/32"), -1);
	assert_int_equal(lab_add_addr(&lab, lab.inet, lab.inet_br, "192.0.2.2/24"), -1);
	assert_int_equal(lab_add_route(&lab, lab.routeros, "default", NULL, lab.wan), -1);
	assert_int_equal(lab_add_route(&lab, lab.routeros, "default", "192.0.2.1", NULL), -1);
	assert_int_equal(lab_add_route(&lab, lab.routeros, "0.0.0.0/0", LAB_INET_GW, NULL), -1);
	assert_int_equal(lab_add_route(&lab, lab.routeros, LAB_TAILNET4, NULL, NULL), -1);
	assert_int_equal(lab_add_route(&lab, NULL, LAB_TAILNET4, LAB_ROUTER_VM, NULL), -1);
	assert_int_equal(lab_add_tap(&lab, "host", lab.tap, NULL), -1);
	assert_int_equal(lab_sysctl(&lab, lab.routeros, "kernel.panic", "1"), -1);
	assert_int_equal(lab_sysctl(&lab, NULL, "net.ipv4.ip_forward", "1"), -1);
	assert_int_equal(lab_nft(&lab, NULL, "flush ruleset"), -1);
	assert_int_equal(lab_nft(&lab, "default", "flush ruleset"), -1);
	assert_int_equal(lab_enter("init", &fd), -1);
	assert_null(lab_start_dnsd("dnsd", NULL, LAB_DNS_UPSTREAM, "z", "/dev/null", 0));
	assert_null(lab_start_dnsd("dnsd", lab.inet, "8.8.8.8", "z", "/dev/null", 0));
	unquiet(saved);
}

static void snapshots_compare_by_line(void **state)
{
	struct strbuf diff = STRBUF_INIT;

	(void)state;
	assert_int_equal(lab_host_compare("a: 1\nb: 2\n", "a: 1\nb: 2\n", &diff), 0);
	assert_int_equal(diff.len, 0);
	/* order does not matter, content does */
	assert_int_equal(lab_host_compare("b: 2\na: 1\n", "a: 1\nb: 2\n", &diff), 0);
	assert_int_equal(lab_host_compare("", "", &diff), 0);
	assert_int_equal(lab_host_compare("route4: default via 192.0.2.1 dev eth0\n"
					  "etc: /etc/hosts 100644 10 aa\n",
					  "route4: default via 192.0.2.1 dev eth0\n"
					  "etc: /etc/hosts 100644 10 bb\n"
					  "netns: tsc-inet-ab12cd\n",
					  &diff),
			 1);
	assert_non_null(strstr(strbuf_str(&diff), "- etc: /etc/hosts 100644 10 aa\n"));
	assert_non_null(strstr(strbuf_str(&diff), "+ etc: /etc/hosts 100644 10 bb\n"));
	assert_non_null(strstr(strbuf_str(&diff), "+ netns: tsc-inet-ab12cd\n"));
	assert_null(strstr(strbuf_str(&diff), "route4"));
	/* duplicates count */
	assert_int_equal(lab_host_compare("x\nx\n", "x\n", &diff), 1);
	assert_string_equal(strbuf_str(&diff), "- x\n");
	strbuf_release(&diff);
}

static void long_diffs_are_cut(void **state)
{
	struct strbuf a = STRBUF_INIT, diff = STRBUF_INIT;

	(void)state;
	for (int i = 0; i < 100; i++)
		strbuf_addf(&a, "etc: /etc/f%03d\n", i);
	assert_int_equal(lab_host_compare(strbuf_str(&a), "", &diff), 1);
	assert_non_null(strstr(strbuf_str(&diff), "... and 60 more differing lines\n"));
	strbuf_release(&a);
	strbuf_release(&diff);
}

static void san_text_names_the_ip(void **state)
{
	(void)state;
	assert_true(pki_san_has_ip("X509v3 Subject Alternative Name: \n"
				   "    IP Address:198.51.100.1\n",
				   "198.51.100.1"));
	assert_true(pki_san_has_ip("    DNS:headscale.test, IP Address:198.51.100.1\n",
				   "198.51.100.1"));
	assert_false(pki_san_has_ip("    IP Address:198.51.100.10\n", "198.51.100.1"));
	assert_false(pki_san_has_ip("    DNS:198.51.100.1\n", "198.51.100.1"));
	assert_false(pki_san_has_ip("", "198.51.100.1"));
	assert_false(pki_san_has_ip("    IP Address:198.51.100.1\n", "not-an-ip"));
	/* openssl prints IPv6 SANs expanded and in capitals */
	assert_true(
		pki_san_has_ip("    IP Address:FD7A:115C:A1E0:0:0:0:0:1\n", "fd7a:115c:a1e0::1"));
	assert_false(
		pki_san_has_ip("    IP Address:FD7A:115C:A1E0:0:0:0:0:2\n", "fd7a:115c:a1e0::1"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(names_carry_the_suffix),
		cmocka_unit_test(random_suffixes_are_valid_and_differ),
		cmocka_unit_test(rejects_bad_suffixes),
		cmocka_unit_test(names_fit_ifnamsiz),
		cmocka_unit_test(only_lab_namespaces),
		cmocka_unit_test(only_lab_addresses),
		cmocka_unit_test(sysctl_keys_map_to_proc),
		cmocka_unit_test(refuses_the_machine_and_foreign_addresses),
		cmocka_unit_test(snapshots_compare_by_line),
		cmocka_unit_test(long_diffs_are_cut),
		cmocka_unit_test(san_text_names_the_ip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
