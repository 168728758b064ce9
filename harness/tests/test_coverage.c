/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "coverage.h"

/* Go's traceback as tailscaled writes it to stderr (GOTRACEBACK=single). */
static const char gso_log[] =
	"2026/12/02 15:10:01 magicsock: derp-999 connected\n"
	"panic: runtime error: slice bounds out of range [:10] with capacity 0\n"
	"\n"
	"goroutine 187 [running]:\n"
	"tailscale.com/net/tstun.invertGSOChecksum(...)\n"
	"\ttailscale.com@v1.102.5/net/tstun/wrap.go:1021\n"
	"tailscale.com/net/tstun.(*Wrapper).injectedRead(0x2c0e008, {0x2d1c000, 0x1, 0x1}, "
	"{0x2c34000, 0x1, 0x80})\n"
	"\ttailscale.com@v1.102.5/net/tstun/wrap.go:1034 +0x2b4\n"
	"created by tailscale.com/wgengine.NewUserspaceEngine in goroutine 1\n"
	"\ttailscale.com@v1.102.5/wgengine/userspace.go:512 +0x11c\n";

static void finds_a_panic_and_its_frame(void **state)
{
	struct strbuf msg = STRBUF_INIT, frame = STRBUF_INIT;

	(void)state;
	assert_int_equal(crash_find(gso_log, &msg, &frame), 1);
	assert_string_equal(
		msg.buf, "panic: runtime error: slice bounds out of range [:10] with capacity 0");
	assert_string_equal(frame.buf, "tailscale.com/net/tstun.invertGSOChecksum");
	strbuf_release(&msg);
	strbuf_release(&frame);
}

static void skips_runtime_frames(void **state)
{
	static const char log[] =
		"panic: unreachable [recovered]\n"
		"\tpanic: unreachable\n"
		"\n"
		"goroutine 40 [running]:\n"
		"panic({0x8a1f20?, 0xa4b6c8?})\n"
		"\truntime/panic.go:792 +0x132\n"
		"runtime.gopanic(0x1)\n"
		"\truntime/panic.go:700 +0x10\n"
		"tailscale.com/wgengine/netstack.(*Impl).inject(0x3a1b2c0)\n"
		"\ttailscale.com@v1.102.5/wgengine/netstack/netstack.go:900 +0x44\n";
	static const char fatal[] = "fatal error: concurrent map writes\n"
				    "\n"
				    "goroutine 7 [running]:\n"
				    "tailscale.com/ipn/ipnlocal.(*LocalBackend).setPrefs(...)\n";
	struct strbuf msg = STRBUF_INIT, frame = STRBUF_INIT;

	(void)state;
	assert_int_equal(crash_find(log, &msg, &frame), 1);
	assert_string_equal(msg.buf, "panic: unreachable [recovered]");
	assert_string_equal(frame.buf, "tailscale.com/wgengine/netstack.(*Impl).inject");
	assert_int_equal(crash_find(fatal, &msg, &frame), 1);
	assert_string_equal(msg.buf, "fatal error: concurrent map writes");
	assert_string_equal(frame.buf, "tailscale.com/ipn/ipnlocal.(*LocalBackend).setPrefs");
	strbuf_release(&msg);
	strbuf_release(&frame);
}

static void no_crash_in_a_quiet_log(void **state)
{
	struct strbuf msg = STRBUF_INIT, frame = STRBUF_INIT;

	(void)state;
	assert_int_equal(
		crash_find("health: no-panic: ok\nwgengine: Reconfig done\n", &msg, &frame), 0);
	assert_int_equal(msg.len, 0);
	assert_int_equal(frame.len, 0);
	assert_int_equal(crash_find(NULL, &msg, &frame), 0);
	/* "nopanic: " is not Go's header */
	assert_int_equal(crash_find("dns: nopanic: x\n", &msg, &frame), 0);
	strbuf_release(&msg);
	strbuf_release(&frame);
}

static json_t *summary(const char *canaries, int online, const char *error)
{
	json_t *s = json_loads(canaries, 0, NULL);
	json_t *doc = json_pack("{s:s,s:o,s:{s:b,s:b,s:b,s:b,s:b}}", "tailscale_version",
				"v1.102.5", "canaries", s, "preconditions", "image", 1, "boot", 1,
				"join", 1, "online", online, "routes", online);

	if (error)
		json_object_set_new(doc, "error", json_string(error));
	return doc;
}

static const char *status_of(json_t *e)
{
	return json_string_value(json_object_get(e, "status"));
}

static void judges_entries(void **state)
{
	json_t *s, *e, *by;

	(void)state;
	/* feature-deps alone does not notice a drop */
	s = summary("[{\"name\":\"feature-deps\",\"result\":\"fail\",\"signature\":\"allowlisted-"
		    "not-built\"},"
		    "{\"name\":\"quad100-router\",\"result\":\"pass\"}]",
		    1, NULL);
	e = coverage_entry("health", "why", NULL, s, "");
	assert_string_equal(status_of(e), "unnoticed");
	assert_string_equal(json_string_value(json_object_get(e, "feature_deps")),
			    "allowlisted-not-built");
	assert_int_equal(json_array_size(json_object_get(e, "noticed_by")), 0);
	json_decref(e);
	json_decref(s);

	s = summary(
		"[{\"name\":\"quad100-router\",\"result\":\"fail\",\"signature\":\"no-answer\","
		"\"summary\":\"no "
		"answer\"},{\"name\":\"sentinel\",\"result\":\"fail\",\"signature\":\"panic\"}]",
		1, NULL);
	e = coverage_entry("netstack", "why", NULL, s, gso_log);
	assert_string_equal(status_of(e), "crash");
	by = json_object_get(e, "noticed_by");
	assert_int_equal(json_array_size(by), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(by, 0), "signature")),
			    "no-answer");
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(e, "crash"), "frame")),
		"tailscale.com/net/tstun.invertGSOChecksum");
	json_decref(e);
	json_decref(s);

	/* a router that never comes online is noticed by the precondition */
	s = summary("[]", 0, "the router did not come online");
	e = coverage_entry("iptables", "why", NULL, s, NULL);
	assert_string_equal(status_of(e), "noticed");
	by = json_object_get(e, "noticed_by");
	assert_int_equal(json_array_size(by), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(by, 0), "signature")),
			    "online");
	json_decref(e);
	json_decref(s);

	/* an interrupted run is no verdict either way */
	s = summary("[{\"name\":\"quad100-router\",\"result\":\"pass\"}]", 1,
		    "interrupted by signal 2");
	e = coverage_entry("dns", "why", NULL, s, NULL);
	assert_string_equal(status_of(e), "inconclusive");
	json_decref(e);
	json_decref(s);

	e = coverage_entry("gro", "why", "image/build.sh exit 1: no", NULL, NULL);
	assert_string_equal(status_of(e), "not-built");
	json_decref(e);
	e = coverage_entry("gro", "why", NULL, NULL, NULL);
	assert_string_equal(status_of(e), "no-run");
	json_decref(e);
}

static void writes_the_table(void **state)
{
	json_t *s = summary("[{\"name\":\"sentinel\",\"result\":\"fail\",\"signature\":\"panic\"},"
			    "{\"name\":\"feature-deps\",\"result\":\"pass\"}]",
			    1, NULL);
	json_t *quiet = json_pack("{s:[],s:{}}", "canaries", "preconditions");
	json_t *doc = json_pack("{s:[o,o,o]}", "features",
				coverage_entry("netstack", "r", NULL, s, gso_log),
				coverage_entry("health", "r", NULL, quiet, NULL),
				coverage_entry("gro", "r", "exit 1: a|b", NULL, NULL));
	struct strbuf t = STRBUF_INIT;

	(void)state;
	coverage_set_flash(json_array_get(json_object_get(doc, "features"), 0), 3678528, 3195408);
	assert_int_equal(
		json_integer_value(json_object_get(
			json_array_get(json_object_get(doc, "features"), 0), "flash_cost_bytes")),
		483120);
	json_object_set_new(json_array_get(json_object_get(doc, "features"), 0), "omitted_with",
			    json_string("gro"));
	json_object_set_new(json_array_get(json_object_get(doc, "features"), 1), "explained",
			    json_true());
	coverage_markdown(doc, &t);
	assert_non_null(strstr(
		t.buf, "| health | - | none: unseen at runtime, `image/allowlist` says why |"));
	assert_non_null(strstr(t.buf, "| netstack (with gro, which needs it) | 483120 | sentinel "
				      "(panic) | panic: runtime error: slice bounds "
				      "out of range [:10] with capacity 0 at "
				      "`tailscale.com/net/tstun.invertGSOChecksum` | pass |\n"));
	assert_non_null(strstr(t.buf, "| gro | - | not-built: exit 1: a\\|b |  |  |\n"));
	strbuf_release(&t);
	json_decref(doc);
	json_decref(quiet);
	json_decref(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(finds_a_panic_and_its_frame),
		cmocka_unit_test(skips_runtime_frames),
		cmocka_unit_test(no_crash_in_a_quiet_log),
		cmocka_unit_test(judges_entries),
		cmocka_unit_test(writes_the_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
