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

#include "compare.h"
#include "files.h"
#include "strbuf.h"

static const char *const names[] = { "quad100-router", "peerapi-doh", "exitnode-traffic",
				     "footprint",      "no-panic",    "sentinel" };

/* A summary whose canaries all pass except `failing` (may be NULL). */
static json_t *summary(const char *version, const char *failing, int online, double boot,
		       json_int_t binary)
{
	json_t *cs = json_array();

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		int fail = failing && !strcmp(failing, names[i]);

		json_array_append_new(cs, json_pack("{s:s,s:s,s:s,s:s}", "name", names[i], "result",
						    !online ? "skip"
						    : fail  ? "fail"
							    : "pass",
						    "signature", fail ? "no-answer" : "", "summary",
						    fail ? "no answer within 3 s" : ""));
	}
	return json_pack("{s:s,s:s,s:{s:f,s:f,s:f},s:{s:I,s:I,s:I,s:I},s:{s:b,s:b,s:b,s:b},"
			 "s:{s:s,s:s},s:s,s:o}",
			 "tailscale_version", version, "result",
			 failing || !online ? "fail" : "pass", "timings", "boot_s", boot,
			 "online_s", 8.0, "total_s", 60.0, "metrics", "binary_bytes", binary,
			 "rootfs_bytes", binary + 1500000, "image_archive_bytes", binary + 1000000,
			 "tailscaled_rss_kib", (json_int_t)22456, "preconditions", "image", 1,
			 "boot", 1, "online", online, "routes", online, "versions", "headscale",
			 "v0.29.2", "kernel_version", "6.1.176-1", "join_cli_error",
			 "exit 1: tailnet lock is not supported by this binary", "canaries", cs);
}

static json_t *manifest(const char *version, int with_new_features)
{
	json_t *m = json_pack(
		"{s:s,s:s,s:s,s:[s,s,s],s:[s,s],s:{s:I,s:I,s:I}}", "tailscale_version", version,
		"go_version", "go1.26.8", "tags",
		with_new_features ? "ts_include_cli,ts_omit_ace,ts_omit_routecheck,ts_omit_syslog"
				  : "ts_include_cli,ts_omit_ace,ts_omit_gone,ts_omit_netstack",
		"omitted_features", "ace", with_new_features ? "syslog" : "gone",
		with_new_features ? "routecheck" : "ace", "allowlist", "dns", "netstack", "sizes",
		"binary_bytes", (json_int_t)3600000, "rootfs_bytes", (json_int_t)5100000,
		"archive_bytes", (json_int_t)4600000);

	if (with_new_features)
		json_object_set_new(m, "tailscale_module",
				    json_pack("{s:s,s:s,s:[s,s]}", "go_line", "1.26.6", "gosumdb",
					      "sum.golang.org", "go_sum_added",
					      "a v1 h1:x=", "a v1/go.mod h1:y="));
	return m;
}

static void side(struct compare_side *s, const char *label, const char *version, int build,
		 json_t *m, json_t *sum)
{
	memset(s, 0, sizeof(*s));
	s->label = label;
	s->version = version;
	s->build_status = build;
	s->run_status = sum ? 0 : -1;
	s->manifest = m;
	s->summary = sum;
}

static char *markdown(json_t *cmp)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	assert_non_null(fp);
	compare_markdown(cmp, fp);
	fclose(fp);
	return buf;
}

static int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void thousands(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	compare_add_thousands(&sb, 0);
	strbuf_addch(&sb, ' ');
	compare_add_thousands(&sb, 999);
	strbuf_addch(&sb, ' ');
	compare_add_thousands(&sb, 1000);
	strbuf_addch(&sb, ' ');
	compare_add_thousands(&sb, -1234567);
	assert_string_equal(strbuf_str(&sb), "0 999 1,000 -1,234,567");
	strbuf_release(&sb);
}

static void build_error_from_log(void **state)
{
	char *e;

	(void)state;
	e = compare_build_error(
		"image: [   1s] featuretags\n"
		"image: error: first\n"
		"# tailscale.com/cmd/tailscaled\n"
		"cmd/tailscaled/zz_tscanary_verbosity_filter.go:30:2: undefined: x\n"
		"image: error: go build of tailscale.com/cmd/tailscaled failed\n");
	assert_string_equal(e,
			    "go build of tailscale.com/cmd/tailscaled failed (first: "
			    "cmd/tailscaled/zz_tscanary_verbosity_filter.go:30:2: undefined: x)");
	free(e);
	/* as v1.94.2's netstack failed: the workspace path goes, the module path stays */
	e = compare_build_error(
		"/root/.cache/tscanary/image/.tmp.IJOjU2/ws/tailscale.com/wgengine/netstack/"
		"netstack.go:434:15: undefined: clientmetric.NewCounterFunc\n"
		"image: error: go build of tailscale.com/cmd/tailscaled failed\n");
	assert_string_equal(e, "go build of tailscale.com/cmd/tailscaled failed (first: "
			       "tailscale.com/wgengine/netstack/netstack.go:434:15: undefined: "
			       "clientmetric.NewCounterFunc)");
	free(e);
	e = compare_build_error(
		"image: error: tailscale.com has no version v1.999.0 (403 Forbidden \t"
		"server response:  gone)");
	assert_string_equal(
		e, "tailscale.com has no version v1.999.0 (403 Forbidden server response: gone)");
	free(e);
	assert_null(compare_build_error("image: [   1s] nothing wrong\n"));
	assert_null(compare_build_error(""));
}

/* v1.98.5 and v1.102.3, both built and passing, new a little larger */
static void passing_pair(struct compare_side *b, struct compare_side *n)
{
	side(b, "base", "v1.98.5", 0, manifest("v1.98.5", 0),
	     summary("v1.98.5", NULL, 1, 8.0, 3594108));
	side(n, "new", "v1.102.3", 0, manifest("v1.102.3", 1),
	     summary("v1.102.3", NULL, 1, 9.0, 3677860));
}

static void no_regression_figures_and_features(void **state)
{
	struct compare_side b, n;
	json_t *cmp, *fig, *feat;
	int code;
	char *md;

	(void)state;
	passing_pair(&b, &n);
	cmp = compare_sides(&b, &n, "armv7", "v1.98.5", &code);
	assert_int_equal(code, COMPARE_SAME);
	assert_int_equal(json_array_size(json_object_get(cmp, "regressions")), 0);
	fig = json_array_get(json_object_get(cmp, "figures"), 0);
	assert_string_equal(json_string_value(json_object_get(fig, "name")), "binary_bytes");
	assert_int_equal(json_integer_value(json_object_get(fig, "delta")), 83752);
	assert_true(json_real_value(json_object_get(fig, "delta_pct")) > 2.32 &&
		    json_real_value(json_object_get(fig, "delta_pct")) < 2.34);
	feat = json_object_get(cmp, "features");
	assert_string_equal(json_string_value(json_array_get(json_object_get(feat, "added"), 0)),
			    "routecheck");
	assert_string_equal(json_string_value(json_array_get(json_object_get(feat, "added"), 1)),
			    "syslog");
	assert_string_equal(json_string_value(json_array_get(json_object_get(feat, "removed"), 0)),
			    "gone");
	assert_string_equal(
		json_string_value(json_array_get(json_object_get(feat, "tags_only_new"), 1)),
		"ts_omit_syslog");
	md = markdown(cmp);
	assert_non_null(strstr(md, "**no regression** (exit 0)"));
	assert_non_null(strstr(md, "Pass on both (6): quad100-router, peerapi-doh,"));
	assert_non_null(strstr(md, "| binary_bytes | 3,594,108 | 3,677,860 | +83,752 (+2.3%) |"));
	assert_non_null(strstr(md, "| boot_s | 8.0 | 9.0 | +1.0 (+12.5%) |"));
	/* unpacked size lives only in the manifest here: no row rather than a fake one */
	assert_null(strstr(md, "binary_unpacked_bytes"));
	/* new features explain their ts_omit_ tags; base's ts_omit_netstack is not explained */
	assert_non_null(strstr(
		md, "Features only in v1.102.3: routecheck, syslog; only in v1.98.5: gone. "
		    "Other build tags only in v1.102.3: none; only in v1.98.5: ts_omit_netstack."));
	assert_non_null(
		strstr(md, "2 go.sum lines beyond image/go.sum, each confirmed by sum.golang.org"));
	assert_non_null(strstr(md, "`tailscale up` on both: exit 1: tailnet lock"));
	assert_non_null(strstr(md, "headscale v0.29.2, kernel 6.1.176-1"));
	assert_true(count_lines(md) < 40);
	free(md);
	json_decref(cmp);
	/* with the same tags apart from new features, one short sentence */
	json_object_set_new(b.manifest, "tags",
			    json_string("ts_include_cli,ts_omit_ace,ts_omit_gone"));
	cmp = compare_sides(&b, &n, "armv7", "v1.98.5", &code);
	md = markdown(cmp);
	assert_non_null(strstr(md, "only in v1.98.5: gone. Each is built out (ts_omit_); build "
				   "tags otherwise identical."));
	free(md);
	json_decref(cmp);
	compare_side_release(&b);
	compare_side_release(&n);
}

static void new_fails_a_canary(void **state)
{
	struct compare_side b, n;
	json_t *cmp, *row;
	int code;
	char *md;

	(void)state;
	side(&b, "base", "v1.98.5", 0, manifest("v1.98.5", 0),
	     summary("v1.98.5", "no-panic", 1, 8, 1));
	side(&n, "new", "v1.102.3", 0, manifest("v1.102.3", 1),
	     summary("v1.102.3", "peerapi-doh", 1, 8, 1));
	cmp = compare_sides(&b, &n, "armv7", "v1.98.5", &code);
	assert_int_equal(code, COMPARE_REGRESSION);
	assert_string_equal(
		json_string_value(json_array_get(json_object_get(cmp, "regressions"), 0)),
		"peerapi-doh");
	row = json_array_get(json_object_get(cmp, "canaries"), 1);
	assert_string_equal(json_string_value(json_object_get(row, "change")), "regression");
	assert_string_equal(json_string_value(json_object_get(row, "new_summary")),
			    "no answer within 3 s");
	row = json_array_get(json_object_get(cmp, "canaries"), 4);
	assert_string_equal(json_string_value(json_object_get(row, "change")), "fixed");
	md = markdown(cmp);
	assert_non_null(strstr(md, "**REGRESSION** (exit 1): new (v1.102.3) fails what base "
				   "(v1.98.5) passes: peerapi-doh."));
	assert_non_null(strstr(md, "| `peerapi-doh` | pass | fail (no-answer) | **regression** |"));
	assert_non_null(strstr(md, "| `no-panic` | fail (no-answer) | pass | fixed |"));
	assert_non_null(strstr(md, "Pass on both (4):"));
	free(md);
	json_decref(cmp);
	compare_side_release(&b);
	compare_side_release(&n);
}

/* A `tailscale up` error NEW has and BASE does not is a regression, even when tolerated. */
static void new_cli_error_is_a_regression(void **state)
{
	struct compare_side b, n;
	json_t *cmp, *sb = summary("v1.102.5", NULL, 1, 8, 1);
	int code;
	char *md;

	(void)state;
	json_object_del(sb, "join_cli_error");
	side(&b, "base", "v1.102.5", 0, manifest("v1.102.5", 0), sb);
	side(&n, "new", "v1.98.5", 0, manifest("v1.98.5", 1), summary("v1.98.5", NULL, 1, 8, 1));
	cmp = compare_sides(&b, &n, "armv7", "v1.102.5", &code);
	assert_int_equal(code, COMPARE_REGRESSION);
	assert_string_equal(
		json_string_value(json_array_get(json_object_get(cmp, "regressions"), 0)),
		"tailscale-up");
	md = markdown(cmp);
	assert_non_null(strstr(md, "fails what base (v1.102.5) passes: tailscale-up."));
	assert_non_null(
		strstr(md, "`tailscale up`: v1.102.5: clean; v1.98.5: exit 1: tailnet lock"));
	free(md);
	json_decref(cmp);
	compare_side_release(&b);
	compare_side_release(&n);

	/* the same error on both sides is no news */
	side(&b, "base", "v1.98.5", 0, manifest("v1.98.5", 0), summary("v1.98.5", NULL, 1, 8, 1));
	side(&n, "new", "v1.98.6", 0, manifest("v1.98.6", 1), summary("v1.98.6", NULL, 1, 8, 1));
	cmp = compare_sides(&b, &n, "armv7", "v1.98.5", &code);
	assert_int_equal(code, COMPARE_SAME);
	json_decref(cmp);
	compare_side_release(&b);
	compare_side_release(&n);
}

static void new_does_not_build_or_come_online(void **state)
{
	struct compare_side b, n;
	json_t *cmp;
	int code;
	char *md;

	(void)state;
	side(&b, "base", "v1.98.5", 0, manifest("v1.98.5", 0), summary("v1.98.5", NULL, 1, 8, 1));
	side(&n, "new", "v1.102.3", 1, NULL, NULL);
	n.build_error = strdup(
		"allowlisted features depend on features in neither allowlist nor waived-deps: x");
	cmp = compare_sides(&b, &n, "armv7", "v1.98.5", &code);
	assert_int_equal(code, COMPARE_REGRESSION);
	md = markdown(cmp);
	assert_non_null(
		strstr(md, "new (v1.102.3) did not build (image/build.sh exit 1): allowlisted"));
	assert_non_null(strstr(md, "Canaries: none compared (v1.98.5: ran, 6 of 6 pass; v1.102.3: "
				   "not built, 0 pass)."));
	assert_non_null(strstr(md, "| binary_bytes | 1 | - | - |"));
	assert_non_null(strstr(md, "FAILED: allowlisted"));
	free(md);
	json_decref(cmp);
	compare_side_release(&n);

	side(&n, "new", "v1.102.3", 0, manifest("v1.102.3", 1), summary("v1.102.3", NULL, 0, 8, 1));
	json_object_set_new(n.summary, "error", json_string("the router did not come online"));
	cmp = compare_sides(&b, &n, "armv7", "v1.98.5", &code);
	assert_int_equal(code, COMPARE_REGRESSION);
	assert_string_equal(json_string_value(json_object_get(cmp, "why")),
			    "new (v1.102.3) never came online: the router did not come online");
	json_decref(cmp);
	compare_side_release(&n);
	compare_side_release(&b);
}

/* NEW stopped by the proxy before BASE was built: inconclusive, naming NEW's failure. */
static void proxy_refusal_names_new(void **state)
{
	struct compare_side b, n;
	json_t *cmp;
	int code;

	(void)state;
	side(&b, "base", "v1.102.5", -1, NULL, NULL);
	side(&n, "new", "v1.104.7", 6, NULL, NULL);
	n.build_error = strdup(
		"tailscale.com/cmd/tailscaled needs modules the module proxy refused: "
		"gvisor.dev/gvisor@v0.0.0-20260915211658-a6f909f08a72 (403)");
	cmp = compare_sides(&b, &n, "armv7", "v1.102.5", &code);
	assert_int_equal(code, COMPARE_INFRA);
	assert_non_null(strstr(json_string_value(json_object_get(cmp, "why")),
			       "new (v1.104.7) did not build (image/build.sh exit 6): "
			       "tailscale.com/cmd/tailscaled needs"));
	assert_null(strstr(json_string_value(json_object_get(cmp, "why")), "base"));
	json_decref(cmp);
	compare_side_release(&b);
	compare_side_release(&n);
}

/* Build and run statuses that are not verdicts map to their own exit codes. */
static void infrastructure_outcomes(void **state)
{
	static const struct {
		int base_build, new_build, new_run, new_summary, base_online, want;
	} cases[] = {
		{ 0, 3, -1, 0, 1, COMPARE_NO_VERSION },   { 3, 0, 0, 1, 1, COMPARE_NO_VERSION },
		{ 0, 4, -1, 0, 1, COMPARE_UNVERIFIED },   { 0, 5, -1, 0, 1, COMPARE_UNVERIFIED },
		{ 0, 6, -1, 0, 1, COMPARE_INFRA },        { 0, -1, -1, 0, 1, COMPARE_INFRA },
		{ 1, 0, 0, 1, 1, COMPARE_INFRA }, /* BASE did not build */
		{ 0, 0, 0, 1, 0, COMPARE_INFRA }, /* BASE never online */
		{ 0, 0, 5, 0, 1, COMPARE_INFRA }, /* NEW's run left no summary */
		{ 0, 0, 130, 0, 1, COMPARE_INTERRUPTED }, { 130, 1, -1, 0, 1, COMPARE_INTERRUPTED },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct compare_side b, n;
		json_t *cmp;
		int code;

		side(&b, "base", "v1.98.5", cases[i].base_build,
		     cases[i].base_build ? NULL : manifest("v1.98.5", 0),
		     cases[i].base_build ? NULL
					 : summary("v1.98.5", NULL, cases[i].base_online, 8, 1));
		side(&n, "new", "v1.102.3", cases[i].new_build,
		     cases[i].new_build ? NULL : manifest("v1.102.3", 1),
		     cases[i].new_summary ? summary("v1.102.3", NULL, 1, 8, 1) : NULL);
		n.run_status = cases[i].new_run;
		cmp = compare_sides(&b, &n, "armv7", "v1.98.5", &code);
		if (code != cases[i].want)
			fail_msg("case %zu: exit %d, want %d (%s)", i, code, cases[i].want,
				 json_string_value(json_object_get(cmp, "why")));
		json_decref(cmp);
		compare_side_release(&b);
		compare_side_release(&n);
	}
}

static void write_in(const char *dir, const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", dir, name);

	assert_int_equal(write_text_file(path, text, 0644), 0);
	free(path);
}

static void load_side_from_directory(void **state)
{
	char dir[] = "/tmp/test_compare.XXXXXX";
	struct compare_side s;
	char *sub;

	(void)state;
	assert_non_null(mkdtemp(dir));
	sub = xasprintf("%s/image", dir);
	assert_int_equal(mkdir_p(sub), 0);
	write_in(dir, "build.status", "1\n");
	write_in(dir, "build.log", "image: [ 0s] x\nimage: error: no cmd/tailscaled in 'y'\n");
	write_in(dir, "image/manifest.json", "{\"go_version\": \"go1.26.8\"}");
	write_in(dir, "summary.json", "{ not json");
	assert_int_equal(compare_side_load(&s, "new", "v1.102.3", dir), 0);
	assert_int_equal(s.build_status, 1);
	assert_int_equal(s.run_status, -1);
	assert_string_equal(s.build_error, "no cmd/tailscaled in 'y'");
	assert_non_null(s.manifest);
	assert_null(s.summary);
	compare_side_release(&s);
	write_in(dir, "build.status", "garbage");
	assert_int_equal(compare_side_load(&s, "new", "v1.102.3", dir), 0);
	assert_int_equal(s.build_status, -1);
	compare_side_release(&s);
	assert_int_equal(rm_rf(dir), 0);
	assert_int_equal(compare_side_load(&s, "new", "v1.102.3", dir), -1);
	free(sub);
}

/* make compare PEERS=base: the peers' release is what the runs recorded, not the pin */
static void peers_from_the_runs(void **state)
{
	struct compare_side b, n;
	json_t *cmp;
	int code;
	char *md;

	(void)state;
	passing_pair(&b, &n);
	cmp = compare_sides(&b, &n, "armv7", "v1.102.3", &code);
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(cmp, "peers"), "tailscale")),
		"v1.102.3");
	json_decref(cmp);
	json_object_set_new(json_object_get(b.summary, "versions"), "peers_tailscale",
			    json_string("v1.98.5"));
	json_object_set_new(json_object_get(n.summary, "versions"), "peers_tailscale",
			    json_string("v1.98.5"));
	cmp = compare_sides(&b, &n, "armv7", "v1.102.3", &code);
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(cmp, "peers"), "tailscale")),
		"v1.98.5");
	md = markdown(cmp);
	assert_non_null(strstr(md, "client, exit node and phone on tailscale v1.98.5"));
	free(md);
	json_decref(cmp);
	compare_side_release(&b);
	compare_side_release(&n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(thousands),
		cmocka_unit_test(build_error_from_log),
		cmocka_unit_test(no_regression_figures_and_features),
		cmocka_unit_test(new_fails_a_canary),
		cmocka_unit_test(new_cli_error_is_a_regression),
		cmocka_unit_test(proxy_refusal_names_new),
		cmocka_unit_test(new_does_not_build_or_come_online),
		cmocka_unit_test(infrastructure_outcomes),
		cmocka_unit_test(load_side_from_directory),
		cmocka_unit_test(peers_from_the_runs),
	};

	return cmocka_run_group_tests_name("compare", tests, NULL, NULL);
}
