/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "node.h"

/* Real `tailscale status --json` captures (fixtures/nodes/testdata/README). */
#define TESTDATA "fixtures/nodes/testdata/"

static json_t *load(const char *name)
{
	json_error_t err;
	json_t *j = json_load_file(name, 0, &err);

	if (!j)
		fail_msg("cannot load '%s': %s", name, err.text);
	return j;
}

static json_t *parse(const char *text)
{
	json_error_t err;
	json_t *j = json_loads(text, 0, &err);

	if (!j)
		fail_msg("cannot parse '%s': %s", text, err.text);
	return j;
}

static void assert_routes(json_t *peer, enum node_route_kind kind, const char *const *want)
{
	size_t n = 99, i;
	char **got = node_peer_routes(peer, kind, &n);

	assert_non_null(got);
	for (i = 0; want[i]; i++) {
		assert_non_null(got[i]);
		assert_string_equal(got[i], want[i]);
	}
	assert_null(got[i]);
	assert_int_equal(n, i);
	node_routes_free(got);
}

static void needs_login(void **state)
{
	json_t *st = load(TESTDATA "status-needslogin.json");
	json_t *self;

	(void)state;
	assert_string_equal(node_status_backend_state(st), "NeedsLogin");
	self = node_status_self(st);
	assert_non_null(self);
	/* before login: no address, no PeerAPI, "Peer": null */
	assert_null(node_peer_ip(self, 0));
	assert_null(node_peer_api_url(self));
	assert_null(node_status_peer(st, "exit"));
	assert_null(node_status_peer(st, "100.64.0.1"));
	json_decref(st);
}

static void finds_peer_by_address_and_name(void **state)
{
	json_t *st = load(TESTDATA "status-client-exit-option.json");
	json_t *peer = node_status_peer(st, "100.64.0.1");

	(void)state;
	assert_string_equal(node_status_backend_state(st), "Running");
	assert_non_null(peer);
	assert_ptr_equal(node_status_peer(st, "fd7a:115c:a1e0::1"), peer);
	assert_ptr_equal(node_status_peer(st, "exit"), peer);
	assert_ptr_equal(node_status_peer(st, "EXIT"), peer);
	assert_ptr_equal(node_status_peer(st, "exit.tailnet.lab.test."), peer);
	assert_ptr_equal(node_status_peer(st, "exit.tailnet.lab.test"), peer);
	/* self is not a peer; partial names and prefixes are not names */
	assert_null(node_status_peer(st, "client"));
	assert_null(node_status_peer(st, "100.64.0.2"));
	assert_null(node_status_peer(st, "ex"));
	assert_null(node_status_peer(st, "exit.tailnet"));
	assert_null(node_status_peer(st, "100.64.0.1/32"));
	assert_null(node_status_peer(st, ""));
	assert_null(node_status_peer(st, NULL));
	assert_string_equal(node_peer_ip(peer, 0), "100.64.0.1");
	assert_string_equal(node_peer_ip(peer, 1), "fd7a:115c:a1e0::1");
	json_decref(st);
}

static void exit_option_relayed(void **state)
{
	json_t *st = load(TESTDATA "status-client-exit-option.json");
	json_t *peer = node_status_peer(st, "exit");
	static const char *const primary[] = { "172.20.0.0/24", NULL };
	static const char *const allowed[] = { "0.0.0.0/0", "172.20.0.0/24", "::/0", NULL };

	(void)state;
	assert_non_null(peer);
	/* the IPv4 URL, though both are listed */
	assert_string_equal(node_peer_api_url(peer), "http://100.64.0.1:58436");
	assert_int_equal(node_peer_is_exit_option(peer), 1);
	assert_int_equal(node_peer_is_exit_node(peer), 0);
	/* no traffic yet: over DERP ("Relay": "lab"), no CurAddr */
	assert_int_equal(node_peer_direct(peer), 0);
	assert_routes(peer, NODE_ROUTES_PRIMARY, primary);
	assert_routes(peer, NODE_ROUTES_ALLOWED, allowed);
	assert_null(json_object_get(st, "ExitNodeStatus"));
	json_decref(st);
}

static void exit_selected_direct(void **state)
{
	json_t *st = load(TESTDATA "status-client-after-ping.json");
	json_t *peer = node_status_peer(st, "100.64.0.1");
	json_t *self = node_status_self(st);

	(void)state;
	assert_non_null(peer);
	assert_int_equal(node_peer_is_exit_option(peer), 1);
	assert_int_equal(node_peer_is_exit_node(peer), 1);
	assert_int_equal(node_peer_direct(peer), 1);
	assert_non_null(json_object_get(st, "ExitNodeStatus"));
	assert_non_null(self);
	assert_string_equal(node_peer_ip(self, 0), "100.64.0.2");
	assert_string_equal(node_peer_api_url(self), "http://100.64.0.2:46590");
	/* self never offers itself */
	assert_int_equal(node_peer_is_exit_option(self), 0);
	json_decref(st);
}

static void exit_view_of_client(void **state)
{
	json_t *st = load(TESTDATA "status-exit.json");
	json_t *peer = node_status_peer(st, "client");
	static const char *const none[] = { NULL };

	(void)state;
	assert_non_null(peer);
	assert_int_equal(node_peer_is_exit_option(peer), 0);
	assert_int_equal(node_peer_is_exit_node(peer), 0);
	assert_string_equal(node_peer_api_url(peer), "http://100.64.0.2:46590");
	/* PrimaryRoutes is absent; AllowedIPs holds only its own addresses */
	assert_routes(peer, NODE_ROUTES_PRIMARY, none);
	assert_routes(peer, NODE_ROUTES_ALLOWED, none);
	json_decref(st);
}

static void exact_names_before_short_names(void **state)
{
	/* peer "a" has HostName "b.lab"; peer "b" is b.lab.: the full name wins */
	json_t *st = parse("{\"Peer\": {"
			   " \"k1\": {\"HostName\": \"b.lab\", \"DNSName\": \"a.lab.\","
			   "        \"TailscaleIPs\": [\"100.64.0.7\"]},"
			   " \"k2\": {\"HostName\": \"x\", \"DNSName\": \"b.lab.\","
			   "        \"TailscaleIPs\": [\"100.64.0.8\"]}}}");
	json_t *peers = json_object_get(st, "Peer");

	(void)state;
	assert_ptr_equal(node_status_peer(st, "b.lab"), json_object_get(peers, "k2"));
	assert_ptr_equal(node_status_peer(st, "a"), json_object_get(peers, "k1"));
	assert_ptr_equal(node_status_peer(st, "x"), json_object_get(peers, "k2"));
	assert_ptr_equal(node_status_peer(st, "100.64.0.7"), json_object_get(peers, "k1"));
	json_decref(st);
}

static void tolerates_odd_json(void **state)
{
	json_t *st = parse(
		"{\"BackendState\": 3, \"Self\": [], \"Peer\": {\"k\": 5,"
		" \"j\": {\"TailscaleIPs\": \"100.64.0.9\", \"HostName\": null,"
		"        \"PeerAPIURL\": [\"http://[fd7a:115c:a1e0::9]:1\", 7, \"junk\"],"
		"        \"ExitNodeOption\": \"true\", \"CurAddr\": 1,"
		"        \"AllowedIPs\": [\"100.64.0.9/32\", 4, \"10.0.0.0/8\"]}}}");
	json_t *j = json_object_get(json_object_get(st, "Peer"), "j");
	static const char *const allowed[] = { "100.64.0.9/32", "10.0.0.0/8", NULL };
	static const char *const none[] = { NULL };
	size_t n = 5;
	char **r;

	(void)state;
	assert_null(node_status_backend_state(st));
	assert_null(node_status_self(st));
	assert_null(node_status_peer(st, "100.64.0.9"));
	assert_null(node_peer_ip(j, 0));
	assert_null(node_peer_api_url(j));
	assert_int_equal(node_peer_is_exit_option(j), 0);
	assert_int_equal(node_peer_direct(j), 0);
	/* TailscaleIPs is not an array: nothing counts as its own address */
	assert_routes(j, NODE_ROUTES_ALLOWED, allowed);
	assert_routes(j, NODE_ROUTES_PRIMARY, none);
	/* NULL in, empty out */
	assert_null(node_status_backend_state(NULL));
	assert_null(node_status_self(NULL));
	assert_null(node_status_peer(NULL, "x"));
	assert_null(node_peer_ip(NULL, 1));
	assert_null(node_peer_api_url(NULL));
	assert_int_equal(node_peer_is_exit_option(NULL), 0);
	assert_int_equal(node_peer_is_exit_node(NULL), 0);
	assert_int_equal(node_peer_direct(NULL), 0);
	r = node_peer_routes(NULL, NODE_ROUTES_ALLOWED, &n);
	assert_non_null(r);
	assert_null(r[0]);
	assert_int_equal(n, 0);
	node_routes_free(r);
	node_routes_free(NULL);
	json_decref(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(needs_login),
		cmocka_unit_test(finds_peer_by_address_and_name),
		cmocka_unit_test(exit_option_relayed),
		cmocka_unit_test(exit_selected_direct),
		cmocka_unit_test(exit_view_of_client),
		cmocka_unit_test(exact_names_before_short_names),
		cmocka_unit_test(tolerates_odd_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
