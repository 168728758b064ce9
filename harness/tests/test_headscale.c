/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "headscale.h"
#include "strbuf.h"

#define TESTDATA "fixtures/headscale/testdata/"

static const struct headscale_conf full_conf = {
	.server_url = HEADSCALE_URL,
	.listen_addr = "[::]:443",
	.server_ipv4 = HEADSCALE_IPV4,
	.server_ipv6 = HEADSCALE_IPV6,
	.stun_addr = "[::]:3478",
	.prefix_v4 = LAB_TAILNET4,
	.prefix_v6 = LAB_TAILNET6,
	.state_dir = "/run/tsc/hs",
	.tls_cert = "/run/tsc/tls/server.crt",
	.tls_key = "/run/tsc/tls/server.key",
	.policy_path = "/src/fixtures/headscale/policy.hujson",
	.base_domain = HEADSCALE_BASE_DOMAIN,
	.log_level = "info",
};

static void read_fixture(const char *path, struct strbuf *sb)
{
	assert_int_equal(strbuf_read_file(sb, path), 0);
}

static void renders_every_placeholder(void **state)
{
	struct strbuf out = STRBUF_INIT;

	(void)state;
	assert_int_equal(
		headscale_render_config("a: \"@SERVER_URL@\"\nb: @STATE_DIR@/x@LOG_LEVEL@\n",
					&full_conf, &out),
		0);
	assert_string_equal(strbuf_str(&out),
			    "a: \"https://198.51.100.1\"\nb: /run/tsc/hs/xinfo\n");
	strbuf_release(&out);
}

static void copies_other_at_signs(void **state)
{
	struct strbuf out = STRBUF_INIT;

	(void)state;
	assert_int_equal(headscale_render_config("a@b.c @lower@ @@ @A-B@ x@ @", &full_conf, &out),
			 0);
	assert_string_equal(strbuf_str(&out), "a@b.c @lower@ @@ @A-B@ x@ @");
	strbuf_reset(&out);
	/* after a placeholder, scanning resumes past its closing '@' */
	assert_int_equal(headscale_render_config("@LOG_LEVEL@BASE_DOMAIN@", &full_conf, &out), 0);
	assert_string_equal(strbuf_str(&out), "infoBASE_DOMAIN@");
	strbuf_release(&out);
}

static void rejects_unknown_placeholder(void **state)
{
	struct strbuf out = STRBUF_INIT;

	(void)state;
	assert_int_equal(headscale_render_config("x: @NOPE@\n", &full_conf, &out), -1);
	strbuf_release(&out);
}

static void rejects_unset_placeholder(void **state)
{
	struct headscale_conf conf = full_conf;
	struct strbuf out = STRBUF_INIT;

	(void)state;
	conf.policy_path = NULL;
	assert_int_equal(headscale_render_config("p: \"@POLICY_PATH@\"\n", &conf, &out), -1);
	strbuf_reset(&out);
	/* an unset value the template does not use is fine */
	assert_int_equal(headscale_render_config("s: @STATE_DIR@\n", &conf, &out), 0);
	strbuf_release(&out);
}

static void rejects_unsafe_values(void **state)
{
	struct headscale_conf conf = full_conf;
	struct strbuf out = STRBUF_INIT;

	(void)state;
	conf.state_dir = "/tmp/a\"b";
	assert_int_equal(headscale_render_config("@STATE_DIR@", &conf, &out), -1);
	conf.state_dir = "/tmp/a\nb: c";
	assert_int_equal(headscale_render_config("@STATE_DIR@", &conf, &out), -1);
	conf.state_dir = "/tmp/a\\b";
	assert_int_equal(headscale_render_config("@STATE_DIR@", &conf, &out), -1);
	strbuf_release(&out);
}

static void renders_the_real_template(void **state)
{
	struct strbuf tmpl = STRBUF_INIT, out = STRBUF_INIT;
	const char *s;

	(void)state;
	read_fixture("fixtures/headscale/config.yaml.in", &tmpl);
	assert_int_equal(headscale_render_config(strbuf_str(&tmpl), &full_conf, &out), 0);
	s = strbuf_str(&out);
	assert_null(strchr(s, '@'));
	assert_non_null(strstr(s, "\nserver_url: \"https://198.51.100.1\"\n"));
	assert_non_null(strstr(s, "\nlisten_addr: \"[::]:443\"\n"));
	assert_non_null(strstr(s, "    ipv4: \"198.51.100.1\"\n    ipv6: \"2001:db8::1\"\n"));
	assert_non_null(strstr(s, "\ndisable_check_updates: true\n"));
	assert_non_null(strstr(s, "  v4: \"100.64.0.0/10\"\n  v6: \"fd7a:115c:a1e0::/48\"\n"));
	assert_non_null(strstr(s, "\n  urls: []\n"));
	assert_non_null(strstr(s, "stun_listen_addr: \"[::]:3478\"\n"));
	assert_non_null(strstr(s, "  override_local_dns: false\n"));
	assert_non_null(strstr(s, "    global: []\n"));
	assert_non_null(strstr(s, "  base_domain: \"tailnet.lab.test\"\n"));
	assert_non_null(strstr(s, "unix_socket: \"/run/tsc/hs/headscale.sock\"\n"));
	assert_non_null(strstr(s, "tls_cert_path: \"/run/tsc/tls/server.crt\"\n"));
	strbuf_release(&tmpl);
	strbuf_release(&out);
}

/* Captured from a lab run: an exit node (routes approved) and an offline node. */
static void parses_real_nodes_list(void **state)
{
	struct strbuf json = STRBUF_INIT;
	struct hs_node *nodes;
	size_t n;

	(void)state;
	read_fixture(TESTDATA "nodes-list.json", &json);
	assert_int_equal(hs_parse_nodes(json.buf, json.len, &nodes, &n), 0);
	assert_int_equal(n, 2);

	assert_int_equal(nodes[0].id, 1);
	assert_string_equal(nodes[0].name, "tsc-exit");
	assert_string_equal(nodes[0].given_name, "tsc-exit");
	assert_string_equal(nodes[0].user, "lab");
	assert_string_equal(nodes[0].ipv4, "100.64.0.1");
	assert_string_equal(nodes[0].ipv6, "fd7a:115c:a1e0::1");
	assert_int_equal(nodes[0].online, 1);
	assert_int_equal(nodes[0].n_approved, 2);
	assert_string_equal(nodes[0].approved_routes[0], "0.0.0.0/0");
	assert_string_equal(nodes[0].approved_routes[1], "::/0");
	assert_null(nodes[0].approved_routes[2]);
	assert_int_equal(nodes[0].n_available, 2);
	assert_string_equal(nodes[0].available_routes[1], "::/0");

	/* headscale omits false and empty fields */
	assert_int_equal(nodes[1].id, 2);
	assert_string_equal(nodes[1].name, "tsc-client");
	assert_string_equal(nodes[1].ipv4, "100.64.0.2");
	assert_string_equal(nodes[1].ipv6, "fd7a:115c:a1e0::2");
	assert_int_equal(nodes[1].online, 0);
	assert_int_equal(nodes[1].n_approved, 0);
	assert_null(nodes[1].approved_routes[0]);
	assert_int_equal(nodes[1].n_available, 0);
	assert_null(nodes[1].available_routes[0]);

	hs_nodes_free(nodes, n);
	strbuf_release(&json);
}

static void parses_empty_nodes_list(void **state)
{
	struct strbuf json = STRBUF_INIT;
	struct hs_node *nodes = (struct hs_node *)&json;
	size_t n = 7;

	(void)state;
	read_fixture(TESTDATA "nodes-list-empty.json", &json);
	assert_int_equal(hs_parse_nodes(json.buf, json.len, &nodes, &n), 0);
	assert_int_equal(n, 0);
	assert_null(nodes);
	assert_int_equal(hs_parse_nodes("[]", 2, &nodes, &n), 0);
	assert_int_equal(n, 0);
	hs_nodes_free(nodes, n);
	strbuf_release(&json);
}

static void rejects_bad_nodes_lists(void **state)
{
	static const char *const bad[] = {
		"",
		"{",
		"{\"nodes\": []}",
		"[1]",
		"[{\"name\": \"no-id\"}]",
		"[{\"id\": 0}]",
		"[{\"id\": 1, \"online\": \"yes\"}]",
		"[{\"id\": 1, \"name\": 5}]",
		"[{\"id\": 1, \"approved_routes\": \"0.0.0.0/0\"}]",
		"[{\"id\": 1}, {\"id\": 2, \"ip_addresses\": [\"100.64.0.2\", 3]}]",
	};
	struct hs_node *nodes;
	size_t n;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_int_equal(hs_parse_nodes(bad[i], strlen(bad[i]), &nodes, &n), -1);
		assert_null(nodes);
		assert_int_equal(n, 0);
	}
}

static void parses_minimal_node(void **state)
{
	const char *json = "[{\"id\": 9, \"ip_addresses\": [\"fd7a:115c:a1e0::9\"]}]";
	struct hs_node *nodes;
	size_t n;

	(void)state;
	assert_int_equal(hs_parse_nodes(json, strlen(json), &nodes, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(nodes[0].id, 9);
	assert_string_equal(nodes[0].name, "");
	assert_string_equal(nodes[0].user, "");
	assert_string_equal(nodes[0].ipv4, "");
	assert_string_equal(nodes[0].ipv6, "fd7a:115c:a1e0::9");
	hs_nodes_free(nodes, n);
}

static void parses_user_and_key(void **state)
{
	struct strbuf json = STRBUF_INIT;
	uint64_t id = 0;
	char *key = NULL;

	(void)state;
	read_fixture(TESTDATA "users-create.json", &json);
	assert_int_equal(hs_parse_user_id(json.buf, json.len, &id), 0);
	assert_int_equal(id, 2);
	strbuf_reset(&json);
	read_fixture(TESTDATA "preauthkeys-create.json", &json);
	assert_int_equal(hs_parse_authkey(json.buf, json.len, &key), 0);
	assert_non_null(key);
	assert_int_equal(strncmp(key, "hskey-auth-", 11), 0);
	free(key);

	assert_int_equal(hs_parse_user_id("{\"name\": \"x\"}", 13, &id), -1);
	assert_int_equal(hs_parse_user_id("null", 4, &id), -1);
	assert_int_equal(hs_parse_authkey("{\"key\": \"\"}", 11, &key), -1);
	assert_null(key);
	assert_int_equal(hs_parse_authkey("{\"error\": \"x\"}", 14, &key), -1);
	strbuf_release(&json);
}

static void finds_listed_authkey(void **state)
{
	/* `preauthkeys list -o json` of headscale v0.29: new keys shown by prefix */
	static const char list[] =
		"[{\"user\":{\"id\":1,\"name\":\"routeros\"},\"id\":1,"
		"\"key\":\"hskey-auth-abcdEFGH1234-***\",\"reusable\":false,\"used\":true,"
		"\"expiration\":{\"seconds\":1795000000,\"nanos\":5},\"created_at\":{\"seconds\":1}"
		"},"
		"{\"id\":2,\"key\":\"hskey-auth-zzzzYYYY9999-***\",\"used\":false},"
		"{\"id\":3,\"key\":\"legacyplaintextkey\",\"expiration\":{\"seconds\":7}}]";
	uint64_t id = 0;
	long long exp = -1;

	(void)state;
	assert_int_equal(hs_parse_authkey_entry(list, sizeof(list) - 1,
						"hskey-auth-abcdEFGH1234-secretpart", &id, &exp),
			 0);
	assert_int_equal(id, 1);
	assert_int_equal(exp, 1795000000LL);
	assert_int_equal(hs_parse_authkey_entry(list, sizeof(list) - 1,
						"hskey-auth-zzzzYYYY9999-other", &id, &exp),
			 0);
	assert_int_equal(id, 2);
	assert_int_equal(exp, 0);
	assert_int_equal(
		hs_parse_authkey_entry(list, sizeof(list) - 1, "legacyplaintextkey", &id, &exp), 0);
	assert_int_equal(id, 3);
	/* a prefix alone is not a key; another key is not this one */
	assert_int_equal(hs_parse_authkey_entry(list, sizeof(list) - 1, "hskey-auth-abcdEFGH1234-",
						&id, &exp),
			 -1);
	assert_int_equal(
		hs_parse_authkey_entry(list, sizeof(list) - 1, "hskey-auth-other-x", &id, &exp),
		-1);
	assert_int_equal(hs_parse_authkey_entry("null", 4, "k", &id, &exp), -1);
	assert_int_equal(hs_parse_authkey_entry("{", 1, "k", &id, &exp), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(renders_every_placeholder),
		cmocka_unit_test(finds_listed_authkey),
		cmocka_unit_test(copies_other_at_signs),
		cmocka_unit_test(rejects_unknown_placeholder),
		cmocka_unit_test(rejects_unset_placeholder),
		cmocka_unit_test(rejects_unsafe_values),
		cmocka_unit_test(renders_the_real_template),
		cmocka_unit_test(parses_real_nodes_list),
		cmocka_unit_test(parses_empty_nodes_list),
		cmocka_unit_test(rejects_bad_nodes_lists),
		cmocka_unit_test(parses_minimal_node),
		cmocka_unit_test(parses_user_and_key),
	};

	return cmocka_run_group_tests_name("headscale", tests, NULL, NULL);
}
