/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "strbuf.h"
#include "tsping.h"

static void parses_go_durations(void **state)
{
	double ms = -1;

	(void)state;
	assert_int_equal(tsping_duration_ms("3ms", &ms), 0);
	assert_true(ms == 3);
	assert_int_equal(tsping_duration_ms("0s", &ms), 0);
	assert_true(ms == 0);
	assert_int_equal(tsping_duration_ms("1.204s", &ms), 0);
	assert_true(ms > 1203.99 && ms < 1204.01);
	assert_int_equal(tsping_duration_ms("1m2.5s", &ms), 0);
	assert_true(ms == 62500);
	assert_int_equal(tsping_duration_ms("850\xc2\xb5s", &ms), 0); /* µs, MICRO SIGN */
	assert_true(ms > 0.849 && ms < 0.851);
	assert_int_equal(tsping_duration_ms("850us", &ms), 0);
	assert_int_equal(tsping_duration_ms("2h0m0s", &ms), 0);
	assert_true(ms == 7200000);
	ms = -1;
	assert_int_equal(tsping_duration_ms("", &ms), -1);
	assert_int_equal(tsping_duration_ms("ms", &ms), -1);
	assert_int_equal(tsping_duration_ms("3", &ms), -1);
	assert_int_equal(tsping_duration_ms("3 ms", &ms), -1);
	assert_int_equal(tsping_duration_ms("1.2.3s", &ms), -1);
	assert_int_equal(tsping_duration_ms("-3ms", &ms), -1);
	assert_int_equal(tsping_duration_ms("3parsecs", &ms), -1);
	assert_true(ms == -1);
}

static void parses_direct_derp_and_relay_pongs(void **state)
{
	struct tsping_pong p;

	(void)state;
	assert_int_equal(tsping_parse_line("pong from router-x1 (100.64.0.4, 45678) via "
					   "198.51.100.2:41641 in 2ms",
					   &p),
			 0);
	assert_int_equal(p.path, TSPING_DIRECT);
	assert_string_equal(p.node, "router-x1");
	assert_string_equal(p.ip, "100.64.0.4");
	assert_string_equal(p.via, "198.51.100.2:41641");
	assert_true(p.latency_ms == 2);

	assert_int_equal(tsping_parse_line("pong from router (100.64.0.4) via DERP(lab) in "
					   "1.017s\n",
					   &p),
			 0);
	assert_int_equal(p.path, TSPING_DERP);
	assert_string_equal(p.ip, "100.64.0.4");
	assert_string_equal(p.via, "lab");
	assert_true(p.latency_ms > 1016.99 && p.latency_ms < 1017.01);

	assert_int_equal(tsping_parse_line("pong from r (fd7a:115c:a1e0::4) via "
					   "[2001:db8::1]:41641 in 0s",
					   &p),
			 0);
	assert_int_equal(p.path, TSPING_DIRECT);
	assert_string_equal(p.ip, "fd7a:115c:a1e0::4");
	assert_true(p.latency_ms == 0);

	assert_int_equal(tsping_parse_line("pong from r (100.64.0.4) via "
					   "peer-relay(198.51.100.30:7777:vni:5) in 4ms",
					   &p),
			 0);
	assert_int_equal(p.path, TSPING_RELAY);
	assert_string_equal(p.via, "198.51.100.30:7777:vni:5");

	/* TSMP pings say only the protocol */
	assert_int_equal(tsping_parse_line("pong from r (100.64.0.4) via TSMP in 5ms", &p), 0);
	assert_int_equal(p.path, TSPING_OTHER);
	assert_string_equal(tsping_path_name(p.path), "other");

	/* an unparsable latency keeps the path */
	assert_int_equal(tsping_parse_line("pong from r (100.64.0.4) via DERP(lab) in soon", &p),
			 0);
	assert_int_equal(p.path, TSPING_DERP);
	assert_true(p.latency_ms == -1);
}

static void rejects_other_lines(void **state)
{
	static const char *const bad[] = {
		"ping \"100.64.0.4\" timed out",
		"direct connection not established",
		"pong from",
		"pong from r via DERP(lab) in 3ms",
		"pong from r (100.64.0.4) via  in 3ms",
		"pong from r (100.64.0.4) via DERP(lab)",
		"",
	};
	struct tsping_pong p;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(tsping_parse_line(bad[i], &p), -1);
	/* a bracketless or portless VIA is not a direct endpoint */
	assert_int_equal(tsping_parse_line("pong from r (100.64.0.4) via 198.51.100.2 in 1ms", &p),
			 0);
	assert_int_equal(p.path, TSPING_OTHER);
	assert_int_equal(tsping_parse_line("pong from r (100.64.0.4) via DERP(lab in 1ms", &p), 0);
	assert_int_equal(p.path, TSPING_OTHER);
}

static void summarises_a_whole_output(void **state)
{
	static const char text[] = "ping \"100.64.0.4\" timed out\n"
				   "pong from router (100.64.0.4) via DERP(lab) in 14ms\n"
				   "pong from router (100.64.0.4) via DERP(lab) in 9ms\n"
				   "pong from router (100.64.0.4) via 198.51.100.2:41641 in 1ms\n";
	static const char crlf[] = "pong from a (100.64.0.9) via DERP(lab) in 3ms\r";
	struct tsping_result r;

	(void)state;
	assert_int_equal(tsping_parse(text, sizeof(text) - 1, &r), 3);
	assert_int_equal(r.timeouts, 1);
	assert_int_equal(r.derp, 2);
	assert_int_equal(r.direct, 1);
	assert_int_equal(r.relay, 0);
	assert_int_equal(r.last.path, TSPING_DIRECT);
	assert_string_equal(r.last.via, "198.51.100.2:41641");
	/* no trailing newline, CRLF, nothing at all */
	assert_int_equal(tsping_parse(crlf, sizeof(crlf) - 1, &r), 1);
	assert_int_equal(r.last.path, TSPING_DERP);
	assert_true(r.last.latency_ms == 3);
	assert_int_equal(tsping_parse("", 0, &r), 0);
	assert_int_equal(r.timeouts, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_go_durations),
		cmocka_unit_test(parses_direct_derp_and_relay_pongs),
		cmocka_unit_test(rejects_other_lines),
		cmocka_unit_test(summarises_a_whole_output),
	};

	return cmocka_run_group_tests_name("tsping", tests, NULL, NULL);
}
