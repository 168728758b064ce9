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

#include "files.h"
#include "strbuf.h"
#include "variant.h"

static const char no_netstack[] = "# MagicDNS is served only by netstack\n"
				  "description=netstack omitted\n"
				  "omit=netstack gro\n"
				  "claims=quad100-router no-panic\n"
				  "signature.quad100-router=no-answer\n"
				  "collateral=sentinel:restart|panic derp-only:no-dns|pass\n";

static void parses_claims_signatures_and_collateral(void **state)
{
	struct variant v;

	(void)state;
	assert_int_equal(variant_parse(&v, "no-netstack", no_netstack), 0);
	assert_string_equal(v.description, "netstack omitted");
	assert_int_equal(v.nclaims, 2);
	assert_string_equal(v.claims[0].canary, "quad100-router");
	assert_string_equal(v.claims[0].signature, "no-answer");
	assert_string_equal(v.claims[1].signature, "");
	assert_int_equal(v.ncollateral, 2);
	assert_string_equal(v.collateral[0], "sentinel");
	assert_string_equal(v.collateral_outcomes[0], "restart|panic");
	assert_string_equal(v.collateral_outcomes[1], "no-dns|pass");
	assert_string_equal(v.side, "image");
	variant_release(&v);
	assert_int_equal(
		variant_parse(&v, "lab-one", "policy=p.hujson\nside=lab\nclaims=a\ncollateral=\n"),
		0);
	assert_string_equal(v.side, "lab");
	assert_string_equal(v.policy, "p.hujson");
	assert_int_equal(v.ncollateral, 0);
	/* the router masquerades IPv6 unless a lab variant says otherwise */
	assert_int_equal(v.router_nat6, 1);
	variant_release(&v);
	assert_int_equal(variant_parse(&v, "lab-two", "side=lab\nrouter_nat6=no\nclaims=a\n"), 0);
	assert_int_equal(v.router_nat6, 0);
	assert_null(v.policy);
	variant_release(&v);
	assert_int_equal(variant_parse(&v, "image-one", "claims=a\nomit=dns\n"), 0);
	assert_int_equal(v.router_nat6, 1);
	variant_release(&v);
}

static void rejects_bad_files(void **state)
{
	struct variant v;

	(void)state;
	assert_int_equal(variant_parse(&v, "x", "claims=a\nnonsense\n"), -1);
	assert_int_equal(variant_parse(&v, "x", "claims=a\nwhat=1\n"), -1);
	assert_int_equal(variant_parse(&v, "x", "description=claims nothing\n"), -1);
	assert_int_equal(variant_parse(&v, "x", "claims=a\nsignature.b=x\n"), -1);
	/* collateral must name its allowed outcomes */
	assert_int_equal(variant_parse(&v, "x", "claims=a\ncollateral=b\n"), -1);
	assert_int_equal(variant_parse(&v, "x", "claims=a\ncollateral=b:\n"), -1);
	assert_int_equal(variant_parse(&v, "x", "claims=a\ncollateral=:pass\n"), -1);
	assert_int_equal(variant_parse(&v, "x", "claims=a\ncollateral=b:x||pass\n"), -1);
	assert_int_equal(variant_parse(&v, "x", "claims=a\ncollateral=b:x|\n"), -1);
	assert_int_equal(variant_parse(&v, "x", "claims=a\ncollateral=a:pass\n"), -1);
	assert_int_equal(variant_parse(&v, "x", "claims=a\nside=kernel\n"), -1);
	/* a lab variant changes the lab (a policy) and nothing in the image */
	assert_int_equal(variant_parse(&v, "x", "claims=a\nside=lab\n"), -1);
	assert_int_equal(variant_parse(&v, "x", "claims=a\nside=lab\npolicy=p\nomit=dns\n"), -1);
	assert_int_equal(variant_parse(&v, "x", "claims=a\npolicy=p\n"), -1);
	assert_int_equal(variant_parse(&v, "x", "claims=a\nside=lab\npolicy=../etc/p\n"), -1);
	/* router_nat6 is yes or no, changes the lab, and "yes" alone changes nothing */
	assert_int_equal(variant_parse(&v, "x", "claims=a\nside=lab\nrouter_nat6=off\n"), -1);
	assert_int_equal(variant_parse(&v, "x", "claims=a\nrouter_nat6=no\n"), -1);
	assert_int_equal(variant_parse(&v, "x", "claims=a\nside=image\nrouter_nat6=no\n"), -1);
	assert_int_equal(variant_parse(&v, "x", "claims=a\nside=lab\nrouter_nat6=yes\n"), -1);
	assert_int_equal(variant_parse(&v, "x", "claims=a\nside=lab\nrouter_nat6=no\nupx=no\n"),
			 -1);
}

/* An image variant with every recipe key, claims and comments among them. */
static const char recipe_text[] = "# a comment, not hashed\n"
				  "description=the entrypoint's shortcut\n"
				  "  omit = netstack gro  \n"
				  "drop_allow=peerapiserver\n"
				  "add=debug\n"
				  "busybox_drop=ping6\n"
				  "upx=no\n"
				  "filter=no\n"
				  "config_drop=entrypoint /usr/local/bin/entrypoint.sh\n"
				  "config_add=entrypoint /usr/local/bin/tailscaled\n"
				  "config_add=label it's=quoted\n"
				  "claims=exitnode-traffic\n"
				  "signature.exitnode-traffic=no-answer\n"
				  "upx=no";

/* The first line cmd prints (popen, sh), as a new string. */
static char *sh_line(const char *cmd)
{
	char buf[512] = "";
	FILE *p = popen(cmd, "r");

	assert_non_null(p);
	if (!fgets(buf, sizeof(buf), p))
		buf[0] = '\0';
	assert_int_equal(pclose(p), 0);
	buf[strcspn(buf, "\n")] = '\0';
	return xstrdup(buf);
}

/* text in a new temporary file, whose name is returned. */
static char *temp_file(const char *text)
{
	char *path = xstrdup("/tmp/tsc-variant-test.XXXXXX");
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(write_text_file(path, text, 0644), 0);
	return path;
}

/* What of it the image's cache key covers: the recipe's lines, trimmed, in order. */
static const char recipe_lines[] = "omit = netstack gro\ndrop_allow=peerapiserver\nadd=debug\n"
				   "busybox_drop=ping6\nupx=no\nfilter=no\n"
				   "config_drop=entrypoint /usr/local/bin/entrypoint.sh\n"
				   "config_add=entrypoint /usr/local/bin/tailscaled\n"
				   "config_add=label it's=quoted\nupx=no\n";

static void recipe_env_quotes_every_value(void **state)
{
	struct strbuf env = STRBUF_INIT;
	struct variant v;
	char *want, *file, *cmd, *got;

	(void)state;
	assert_int_equal(variant_parse_recipe(&v, "it's-bad", recipe_text), 0);
	want = sha256_hex(recipe_lines, strlen(recipe_lines));
	assert_string_equal(v.recipe_sha256, want);
	/* the same digest as the grep the image's cache key was made with */
	file = temp_file(recipe_text);
	cmd = xasprintf("grep -E '^[[:space:]]*(omit|drop_allow|add|upx|filter|config_drop|"
			"config_add|busybox_drop)[[:space:]]*=' %s | sed -e 's/^[[:space:]]*//' "
			"-e 's/[[:space:]]*$//' | sha256sum | cut -d' ' -f1",
			file);
	got = sh_line(cmd);
	assert_string_equal(got, want);
	free(got);
	free(cmd);
	variant_env(&v, &env);
	free(want);
	want = xasprintf(
		"# written by tscanary variant-env: image/build.sh --variant-env sources it\n"
		"variant='it'\\''s-bad'\n"
		"v_desc='the entrypoint'\\''s shortcut'\n"
		"v_side='image'\n"
		"v_omit='netstack gro'\n"
		"v_drop='peerapiserver'\n"
		"v_add='debug'\n"
		"v_bb_drop='ping6'\n"
		"v_upx='no'\n"
		"v_filter='no'\n"
		"v_config_drop='entrypoint /usr/local/bin/entrypoint.sh'\n"
		"v_config_add='entrypoint /usr/local/bin/tailscaled\n"
		"label it'\\''s=quoted'\n"
		"v_sha256='%s'\n",
		v.recipe_sha256);
	assert_string_equal(strbuf_str(&env), want);
	/* and a POSIX shell reads each value back as it was */
	assert_int_equal(write_text_file(file, strbuf_str(&env), 0644), 0);
	cmd = xasprintf(". %s && printf '%%s|%%s|%%s\\n' \"$variant\" \"$v_desc\" "
			"\"$(printf '%%s' \"$v_config_add\" | tail -n 1)\"",
			file);
	got = sh_line(cmd);
	assert_string_equal(got, "it's-bad|the entrypoint's shortcut|label it's=quoted");
	free(got);
	free(cmd);
	unlink(file);
	free(file);
	free(want);
	variant_release(&v);
	strbuf_release(&env);
}

static void recipe_of_lab_and_default_keys(void **state)
{
	struct strbuf env = STRBUF_INIT;
	struct variant v;

	(void)state;
	/* no claims needed to build it; yes is the default of upx and filter */
	assert_int_equal(variant_parse_recipe(&v, "drop-dns", "omit=dns\n"), 0);
	assert_int_equal(v.upx, 1);
	assert_int_equal(v.filter, 1);
	assert_string_equal(v.side, "image");
	variant_release(&v);
	/* a lab variant builds the recipe's own image: no recipe digest */
	assert_int_equal(
		variant_parse_recipe(&v, "allow-all", "side=lab\npolicy=p.hujson\nclaims=a\n"), 0);
	assert_null(v.recipe_sha256);
	variant_env(&v, &env);
	assert_non_null(strstr(strbuf_str(&env), "\nv_side='lab'\n"));
	assert_non_null(strstr(strbuf_str(&env), "\nv_omit=''\n"));
	assert_non_null(strstr(strbuf_str(&env), "\nv_upx='yes'\n"));
	assert_non_null(strstr(strbuf_str(&env), "\nv_sha256=''\n"));
	variant_release(&v);
	strbuf_release(&env);
}

static void recipe_rejects_bad_files(void **state)
{
	struct variant v;

	(void)state;
	assert_int_equal(variant_parse_recipe(&v, "x", "omit=dns\nnonsense\n"), -1);
	assert_int_equal(variant_parse_recipe(&v, "x", "omit=dns\nwhat=1\n"), -1);
	assert_int_equal(variant_parse_recipe(&v, "x", "omit=dns\nenv=A=1\n"), -1);
	assert_int_equal(variant_parse_recipe(&v, "x", "upx=maybe\n"), -1);
	assert_int_equal(variant_parse_recipe(&v, "x", "filter=\n"), -1);
	assert_int_equal(variant_parse_recipe(&v, "x", "config_drop=\n"), -1);
	assert_int_equal(variant_parse_recipe(&v, "x", "upx=yes\nside=kernel\n"), -1);
	/* side=lab changes the lab only */
	assert_int_equal(variant_parse_recipe(&v, "x", "side=lab\npolicy=p\nomit=dns\n"), -1);
	assert_int_equal(variant_parse_recipe(&v, "x", "side=lab\npolicy=p\nupx=yes\n"), -1);
	assert_int_equal(variant_parse_recipe(&v, "x", "omit=dns\nrouter_nat6=no\n"), -1);
	/* an image variant that sets nothing of the recipe */
	assert_int_equal(variant_parse_recipe(&v, "x", "description=d\nclaims=a\n"), -1);
	/* the gate's checks stay the gate's: a claim is still needed there */
	assert_int_equal(variant_parse(&v, "x", "omit=dns\n"), -1);
}

static void recipe_loads_a_name_or_a_file(void **state)
{
	struct variant v;
	char *file;

	(void)state;
	assert_int_equal(variant_load_recipe(&v, "fixtures/variants", "no-forwarding"), 0);
	assert_string_equal(v.name, "no-forwarding");
	assert_int_equal(v.nconfig_drop, 1);
	assert_string_equal(v.config_add[0], "entrypoint /usr/local/bin/tailscaled");
	variant_release(&v);
	/* a file elsewhere is named by its file name */
	file = temp_file("omit=dns\n");
	assert_int_equal(variant_load_recipe(&v, "fixtures/variants", file), 0);
	assert_string_equal(v.name, strrchr(file, '/') + 1);
	assert_string_equal(v.omit, "dns");
	variant_release(&v);
	unlink(file);
	assert_int_equal(variant_load_recipe(&v, "fixtures/variants", file), -1);
	free(file);
	assert_int_equal(variant_load_recipe(&v, "fixtures/variants", "no-such-variant"), -1);
	assert_int_equal(variant_load_recipe(&v, "fixtures/variants", "fixtures/variants/no-upx"),
			 0);
	assert_string_equal(v.name, "no-upx");
	variant_release(&v);
	assert_int_equal(variant_load_recipe(&v, "fixtures/variants", "./fixtures/variants/no-upx"),
			 0);
	assert_string_equal(v.name, "no-upx");
	variant_release(&v);
	assert_int_equal(variant_load_recipe(&v, "fixtures/variants", "../no-upx"), -1);
	/* a bare name is never a file here */
	assert_int_equal(variant_load_recipe(&v, "fixtures/variants", "Makefile"), -1);
	assert_int_equal(variant_load_recipe(&v, "fixtures/variants", ""), -1);
}

/* A summary as the harness writes it: variant, every precondition, canaries. */
static json_t *summary(const char *variant, const char *canaries_json, int online)
{
	json_error_t err;
	json_t *s = json_pack("{s:s,s:{s:b,s:b,s:b,s:b,s:b}}", "variant", variant, "preconditions",
			      "image", 1, "boot", 1, "join", 1, "online", online, "routes", online);
	json_t *c = json_loads(canaries_json, 0, &err);

	assert_non_null(c);
	json_object_set_new(s, "canaries", c);
	return s;
}

static int judge_summary(json_t *s, struct strbuf *why)
{
	struct variant v;
	int caught;

	assert_int_equal(variant_parse(&v, "no-netstack", no_netstack), 0);
	caught = variant_judge(&v, s, why);
	variant_release(&v);
	json_decref(s);
	return caught;
}

static int judge(const char *canaries_json, int online, struct strbuf *why)
{
	return judge_summary(summary("no-netstack", canaries_json, online), why);
}

#define CLAIMS_OK                                                                                  \
	"{\"name\":\"quad100-router\",\"result\":\"fail\",\"signature\":\"no-answer\"},"           \
	" {\"name\":\"no-panic\",\"result\":\"fail\",\"signature\":\"invertgso-panic\"},"
#define COLLATERAL_OK                                                                              \
	" {\"name\":\"sentinel\",\"result\":\"fail\",\"signature\":\"restart\"},"                  \
	" {\"name\":\"derp-only\",\"result\":\"pass\"},"

static void caught_when_claims_fail_with_signature(void **state)
{
	struct strbuf why = STRBUF_INIT;

	(void)state;
	assert_int_equal(judge("[" CLAIMS_OK COLLATERAL_OK
			       " {\"name\":\"other\",\"result\":\"pass\"}]",
			       1, &why),
			 1);
	strbuf_release(&why);
}

static void not_caught_on_wrong_signature(void **state)
{
	struct strbuf why = STRBUF_INIT;

	(void)state;
	assert_int_equal(judge("[{\"name\":\"quad100-router\",\"result\":\"fail\",\"signature\":"
			       "\"wrong-answer\"},"
			       " {\"name\":\"no-panic\",\"result\":\"fail\"}," COLLATERAL_OK
			       " {\"name\":\"x\",\"result\":\"pass\"}]",
			       1, &why),
			 0);
	assert_non_null(strstr(why.buf, "failed as 'wrong-answer', not 'no-answer'"));
	strbuf_release(&why);
}

/* A claimed failure followed by a harness error keeps both; the judge refuses it. */
static void not_caught_on_claim_then_harness_error(void **state)
{
	struct strbuf why = STRBUF_INIT;

	(void)state;
	assert_int_equal(judge("[{\"name\":\"quad100-router\",\"result\":\"fail\",\"signature\":"
			       "\"no-answer\","
			       "\"signatures\":[\"no-answer\",\"harness-error\"]},"
			       " {\"name\":\"no-panic\",\"result\":\"fail\",\"signature\":\"x\"}"
			       "," COLLATERAL_OK " {\"name\":\"x\",\"result\":\"pass\"}]",
			       1, &why),
			 0);
	assert_non_null(strstr(
		why.buf,
		"'quad100-router' hit a harness error (signatures: no-answer harness-error)"));
	strbuf_reset(&why);
	/* a claimed one seen later than another is still seen */
	assert_int_equal(judge("[{\"name\":\"quad100-router\",\"result\":\"fail\",\"signature\":"
			       "\"wrong-answer\","
			       "\"signatures\":[\"wrong-answer\",\"no-answer\"]},"
			       " {\"name\":\"no-panic\",\"result\":\"fail\",\"signature\":\"x\"}"
			       "," COLLATERAL_OK " {\"name\":\"x\",\"result\":\"pass\"}]",
			       1, &why),
			 1);
	strbuf_release(&why);
}

static void not_caught_when_offline_or_green(void **state)
{
	struct strbuf why = STRBUF_INIT;

	(void)state;
	assert_int_equal(judge("[" CLAIMS_OK COLLATERAL_OK " {\"name\":\"x\",\"result\":\"pass\"}]",
			       0, &why),
			 0);
	assert_non_null(strstr(why.buf, "precondition 'online' did not hold"));
	strbuf_reset(&why);
	assert_int_equal(judge("[{\"name\":\"quad100-router\",\"result\":\"pass\"},"
			       " {\"name\":\"no-panic\",\"result\":\"fail\"}," COLLATERAL_OK
			       " {\"name\":\"x\",\"result\":\"pass\"}]",
			       1, &why),
			 0);
	assert_non_null(strstr(why.buf, "'quad100-router' did not fail (pass)"));
	strbuf_release(&why);
}

static void not_caught_on_unclaimed_failure_or_missing_canary(void **state)
{
	struct strbuf why = STRBUF_INIT;

	(void)state;
	assert_int_equal(judge("[" CLAIMS_OK COLLATERAL_OK
			       " {\"name\":\"peerapi-doh\",\"result\":\"skip\"}]",
			       1, &why),
			 0);
	assert_non_null(strstr(why.buf, "non-claiming canary 'peerapi-doh' did not pass (skip)"));
	strbuf_reset(&why);
	assert_int_equal(judge("[{\"name\":\"quad100-router\",\"result\":\"fail\",\"signature\":"
			       "\"no-answer\"}," COLLATERAL_OK
			       " {\"name\":\"x\",\"result\":\"pass\"}]",
			       1, &why),
			 0);
	assert_non_null(strstr(why.buf, "claiming canary 'no-panic' did not run"));
	strbuf_reset(&why);
	assert_int_equal(
		judge("[" CLAIMS_OK
		      " {\"name\":\"sentinel\",\"result\":\"fail\",\"signature\":\"restart\"}]",
		      1, &why),
		0);
	assert_non_null(strstr(why.buf, "collateral canary 'derp-only' did not run"));
	strbuf_release(&why);
}

static void collateral_ends_only_in_its_outcomes(void **state)
{
	struct strbuf why = STRBUF_INIT;

	(void)state;
	/* the sentinel may fail (restart or panic) but not pass */
	assert_int_equal(judge("[" CLAIMS_OK " {\"name\":\"sentinel\",\"result\":\"pass\"},"
			       " {\"name\":\"derp-only\",\"result\":\"pass\"}]",
			       1, &why),
			 0);
	assert_non_null(strstr(
		why.buf, "collateral canary 'sentinel' passed, which it may not (restart|panic)"));
	strbuf_reset(&why);
	assert_int_equal(
		judge("[" CLAIMS_OK
		      " {\"name\":\"sentinel\",\"result\":\"fail\",\"signature\":\"agent-lost\"},"
		      " {\"name\":\"derp-only\",\"result\":\"pass\"}]",
		      1, &why),
		0);
	assert_non_null(
		strstr(why.buf, "'sentinel' failed as 'agent-lost', not one of restart|panic"));
	strbuf_reset(&why);
	/* every signature it saw must be allowed */
	assert_int_equal(
		judge("[" CLAIMS_OK
		      " {\"name\":\"sentinel\",\"result\":\"fail\",\"signature\":\"restart\"},"
		      " {\"name\":\"derp-only\",\"result\":\"fail\",\"signature\":\"no-dns\","
		      "\"signatures\":[\"no-dns\",\"harness-error\"]}]",
		      1, &why),
		0);
	assert_non_null(strstr(why.buf, "'derp-only' failed as 'harness-error'"));
	strbuf_reset(&why);
	/* a timeout is never an allowed outcome */
	assert_int_equal(
		judge("[" CLAIMS_OK
		      " {\"name\":\"sentinel\",\"result\":\"fail\",\"signature\":\"restart\"},"
		      " {\"name\":\"derp-only\",\"result\":\"fail\",\"signature\":\"no-dns\","
		      "\"timed_out\":true}]",
		      1, &why),
		0);
	assert_non_null(strstr(why.buf, "'derp-only' timed out"));
	strbuf_reset(&why);
	assert_int_equal(
		judge("[" CLAIMS_OK
		      " {\"name\":\"sentinel\",\"result\":\"fail\",\"signature\":\"panic\"},"
		      " {\"name\":\"derp-only\",\"result\":\"fail\",\"signature\":\"no-dns\"}]",
		      1, &why),
		1);
	strbuf_release(&why);
}

/* The summary must be this variant's, complete, with no run-level error. */
static void not_caught_on_foreign_partial_or_errored_summary(void **state)
{
	struct strbuf why = STRBUF_INIT;
	json_t *s;

	(void)state;
	s = summary("default", "[" CLAIMS_OK COLLATERAL_OK " {\"name\":\"x\",\"result\":\"pass\"}]",
		    1);
	assert_int_equal(judge_summary(s, &why), 0);
	assert_non_null(strstr(why.buf, "the summary is of variant 'default', not 'no-netstack'"));
	strbuf_reset(&why);
	s = summary("no-netstack",
		    "[" CLAIMS_OK COLLATERAL_OK " {\"name\":\"x\",\"result\":\"pass\"}]", 1);
	json_object_set_new(s, "error", json_string("interrupted by signal 2"));
	assert_int_equal(judge_summary(s, &why), 0);
	assert_non_null(strstr(why.buf, "the run ended in an error: interrupted by signal 2"));
	strbuf_reset(&why);
	s = summary("no-netstack",
		    "[" CLAIMS_OK COLLATERAL_OK " {\"name\":\"x\",\"result\":\"pass\"}]", 1);
	json_object_del(json_object_get(s, "preconditions"), "routes");
	assert_int_equal(judge_summary(s, &why), 0);
	assert_non_null(strstr(why.buf, "precondition 'routes' is missing"));
	strbuf_release(&why);
}

static void report_lists_claims_failures_and_verdict(void **state)
{
	struct variant v;
	json_t *s = summary(
		"no-netstack",
		"[{\"name\":\"quad100-router\",\"result\":\"fail\",\"signature\":\"no-answer\","
		"\"summary\":\"no answer\",\"detail\":\"q1 timeout\"},"
		" {\"name\":\"no-panic\",\"result\":\"fail\",\"signature\":\"panic\"}"
		"," COLLATERAL_OK " {\"name\":\"subnet-route\",\"result\":\"pass\"}]",
		1);
	json_t *r, *none;

	(void)state;
	assert_int_equal(variant_parse(&v, "no-netstack", no_netstack), 0);
	r = variant_report(&v, s);
	assert_true(json_is_true(json_object_get(r, "caught")));
	assert_int_equal(json_array_size(json_object_get(r, "claims")), 2);
	assert_int_equal(json_array_size(json_object_get(r, "failed")), 3);
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(json_object_get(r, "failed"), 0), "detail")),
			    "q1 timeout");
	assert_true(json_array_size(json_object_get(r, "why")) >= 2);
	none = variant_report(&v, NULL);
	assert_true(json_is_false(json_object_get(none, "caught")));
	assert_non_null(strstr(json_string_value(json_array_get(json_object_get(none, "why"), 0)),
			       "did not run"));
	json_decref(r);
	json_decref(none);
	json_decref(s);
	variant_release(&v);
}

/* Every committed variant parses, and names the side it changes. */
static void real_variants_parse(void **state)
{
	static const char *const names[] = { "netmap-cache",     "no-direct-udp",
					     "no-filter",        "no-netstack",
					     "no-forwarding",    "no-peerapiclient",
					     "no-peerapiserver", "no-upx",
					     "state-in-memory" };
	struct variant v;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		assert_int_equal(variant_load(&v, "fixtures/variants", names[i]), 0);
		assert_true(v.nclaims > 0);
		variant_release(&v);
	}
}

/*
 * Summaries the harness really wrote (fixtures/summaries/, see its README):
 * a caught variant run, a good image's run, an interrupted run and a run
 * whose planned reboot failed. Only the first catches anything.
 */
static int judge_file(const char *variant, const char *file, struct strbuf *why)
{
	struct variant v;
	char path[256];
	json_t *s;
	int caught;

	snprintf(path, sizeof(path), "fixtures/summaries/%s", file);
	s = json_load_file(path, 0, NULL);
	assert_non_null(s);
	assert_int_equal(variant_load(&v, "fixtures/variants", variant), 0);
	strbuf_reset(why);
	caught = variant_judge(&v, s, why);
	variant_release(&v);
	json_decref(s);
	return caught;
}

static void real_summaries(void **state)
{
	struct strbuf why = STRBUF_INIT;

	(void)state;
	assert_int_equal(judge_file("no-netstack", "no-netstack.json", &why), 1);
	assert_int_equal(judge_file("no-forwarding", "no-netstack.json", &why), 0);
	assert_non_null(
		strstr(why.buf, "the summary is of variant 'no-netstack', not 'no-forwarding'"));
	assert_int_equal(judge_file("no-netstack", "default-pass.json", &why), 0);
	assert_non_null(strstr(why.buf, "claiming canary 'quad100-router' did not fail (pass)"));
	assert_int_equal(judge_file("no-netstack", "interrupted.json", &why), 0);
	assert_non_null(strstr(why.buf, "the run ended in an error: interrupted"));
	assert_int_equal(judge_file("state-in-memory", "reboot-failed.json", &why), 0);
	assert_non_null(strstr(
		why.buf, "'restart-persistence' failed as 'reboot-failed', not 'not-online'"));
	strbuf_release(&why);
}

static void focus_names_claims_and_collateral_in_run_order(void **state)
{
	static const char *const registry[] = { "quad100-router", "footprint", "no-panic",
						"derp-only", "portmap" };
	struct strbuf why = STRBUF_INIT;
	struct variant v;
	int want[5];

	(void)state;
	assert_int_equal(variant_parse(&v, "no-netstack", no_netstack), 0);
	assert_int_equal(variant_focus(&v, registry, 5, want, &why), 0);
	/* claims and collateral in, the rest out; the sentinel is run-level */
	assert_int_equal(want[0], 1);
	assert_int_equal(want[1], 0);
	assert_int_equal(want[2], 1);
	assert_int_equal(want[3], 1);
	assert_int_equal(want[4], 0);
	assert_int_equal(why.len, 0);
	variant_release(&v);
	/* a name the registry lacks is an error, never silently dropped */
	assert_int_equal(
		variant_parse(&v, "typo", "claims=quad100-routr\ncollateral=portmap:pass\n"), 0);
	assert_int_equal(variant_focus(&v, registry, 5, want, &why), 1);
	assert_non_null(strstr(strbuf_str(&why), "'quad100-routr'"));
	assert_int_equal(want[4], 1);
	variant_release(&v);
	strbuf_release(&why);
}

static void focus_order_most_canaries_first_then_by_name(void **state)
{
	static const char *const registry[] = { "quad100-router", "footprint", "no-panic",
						"derp-only", "portmap" };
	static const char *const text[][2] = {
		{ "no-upx", "claims=footprint\ncollateral=\n" },
		{ "no-netstack", no_netstack },
		{ "b-two", "claims=portmap\ncollateral=footprint:pass\n" },
		{ "a-two", "claims=portmap no-panic\n" },
		{ "Z-one", "claims=derp-only\ncollateral=sentinel:pass\n" },
	};
	/* 3 canaries, then the two 2s and the two 1s each by name, bytewise */
	static const char *const want[] = { "no-netstack", "a-two", "b-two", "Z-one", "no-upx" };
	struct strbuf why = STRBUF_INIT;
	struct variant v[5];
	size_t order[5];

	(void)state;
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(variant_parse(&v[i], text[i][0], text[i][1]), 0);
	assert_int_equal(variant_focus_order(v, 5, registry, 5, order, &why), 0);
	for (size_t i = 0; i < 5; i++)
		assert_string_equal(v[order[i]].name, want[i]);
	assert_int_equal(why.len, 0);
	/* one variant alone, and none */
	assert_int_equal(variant_focus_order(&v[2], 1, registry, 5, order, &why), 0);
	assert_int_equal(order[0], 0);
	assert_int_equal(variant_focus_order(v, 0, registry, 5, order, &why), 0);
	/* a canary the registry lacks is counted and named, the order still made */
	variant_release(&v[0]);
	assert_int_equal(variant_parse(&v[0], "typo", "claims=footprnt portmap\n"), 0);
	assert_int_equal(variant_focus_order(v, 5, registry, 5, order, &why), 1);
	assert_non_null(strstr(strbuf_str(&why), "'footprnt'"));
	assert_string_equal(v[order[0]].name, "no-netstack");
	assert_string_equal(v[order[4]].name, "typo");
	for (size_t i = 0; i < 5; i++)
		variant_release(&v[i]);
	strbuf_release(&why);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(focus_names_claims_and_collateral_in_run_order),
		cmocka_unit_test(focus_order_most_canaries_first_then_by_name),
		cmocka_unit_test(parses_claims_signatures_and_collateral),
		cmocka_unit_test(rejects_bad_files),
		cmocka_unit_test(caught_when_claims_fail_with_signature),
		cmocka_unit_test(not_caught_on_wrong_signature),
		cmocka_unit_test(not_caught_on_claim_then_harness_error),
		cmocka_unit_test(not_caught_when_offline_or_green),
		cmocka_unit_test(not_caught_on_unclaimed_failure_or_missing_canary),
		cmocka_unit_test(collateral_ends_only_in_its_outcomes),
		cmocka_unit_test(not_caught_on_foreign_partial_or_errored_summary),
		cmocka_unit_test(report_lists_claims_failures_and_verdict),
		cmocka_unit_test(real_variants_parse),
		cmocka_unit_test(real_summaries),
		cmocka_unit_test(recipe_env_quotes_every_value),
		cmocka_unit_test(recipe_of_lab_and_default_keys),
		cmocka_unit_test(recipe_rejects_bad_files),
		cmocka_unit_test(recipe_loads_a_name_or_a_file),
	};

	return cmocka_run_group_tests_name("variant", tests, NULL, NULL);
}
