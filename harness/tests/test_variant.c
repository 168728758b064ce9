#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "strbuf.h"
#include "variant.h"

static const char no_netstack[] =
	"# MagicDNS is served only by netstack\n"
	"description=netstack omitted\n"
	"omit=netstack gro\n"
	"claims=quad100-router no-panic\n"
	"signature.quad100-router=no-answer\n"
	"collateral=sentinel\n";

static void parses_claims_and_signatures(void **state)
{
	struct variant v;

	(void)state;
	assert_int_equal(variant_parse(&v, "no-netstack", no_netstack), 0);
	assert_string_equal(v.description, "netstack omitted");
	assert_int_equal(v.nclaims, 2);
	assert_string_equal(v.claims[0].canary, "quad100-router");
	assert_string_equal(v.claims[0].signature, "no-answer");
	assert_string_equal(v.claims[1].signature, "");
	assert_int_equal(v.ncollateral, 1);
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
}

static json_t *summary(const char *canaries_json, int online)
{
	json_error_t err;
	json_t *s = json_pack("{s:{s:b,s:b,s:b}}", "preconditions", "image", 1, "boot", 1,
			      "online", online);
	json_t *c = json_loads(canaries_json, 0, &err);

	assert_non_null(c);
	json_object_set_new(s, "canaries", c);
	return s;
}

static int judge(const char *canaries_json, int online, struct strbuf *why)
{
	struct variant v;
	json_t *s = summary(canaries_json, online);
	int caught;

	assert_int_equal(variant_parse(&v, "no-netstack", no_netstack), 0);
	caught = variant_judge(&v, s, why);
	variant_release(&v);
	json_decref(s);
	return caught;
}

static void caught_when_claims_fail_with_signature(void **state)
{
	struct strbuf why = STRBUF_INIT;

	(void)state;
	assert_int_equal(judge("[{\"name\":\"quad100-router\",\"result\":\"fail\",\"signature\":\"no-answer\"},"
			       " {\"name\":\"no-panic\",\"result\":\"fail\",\"signature\":\"panic\"},"
			       " {\"name\":\"sentinel\",\"result\":\"fail\"},"
			       " {\"name\":\"other\",\"result\":\"pass\"}]", 1, &why), 1);
	strbuf_release(&why);
}

static void not_caught_on_wrong_signature(void **state)
{
	struct strbuf why = STRBUF_INIT;

	(void)state;
	assert_int_equal(judge("[{\"name\":\"quad100-router\",\"result\":\"fail\",\"signature\":\"wrong-answer\"},"
			       " {\"name\":\"no-panic\",\"result\":\"fail\"}]", 1, &why), 0);
	assert_non_null(strstr(why.buf, "failed as 'wrong-answer', not 'no-answer'"));
	strbuf_release(&why);
}

static void not_caught_when_offline_or_green(void **state)
{
	struct strbuf why = STRBUF_INIT;

	(void)state;
	assert_int_equal(judge("[{\"name\":\"quad100-router\",\"result\":\"fail\",\"signature\":\"no-answer\"},"
			       " {\"name\":\"no-panic\",\"result\":\"fail\"}]", 0, &why), 0);
	assert_non_null(strstr(why.buf, "precondition 'online' did not hold"));
	strbuf_reset(&why);
	assert_int_equal(judge("[{\"name\":\"quad100-router\",\"result\":\"pass\"},"
			       " {\"name\":\"no-panic\",\"result\":\"fail\"}]", 1, &why), 0);
	assert_non_null(strstr(why.buf, "'quad100-router' did not fail (pass)"));
	strbuf_release(&why);
}

static void not_caught_on_unclaimed_failure_or_missing_claim(void **state)
{
	struct strbuf why = STRBUF_INIT;

	(void)state;
	assert_int_equal(judge("[{\"name\":\"quad100-router\",\"result\":\"fail\",\"signature\":\"no-answer\"},"
			       " {\"name\":\"no-panic\",\"result\":\"fail\"},"
			       " {\"name\":\"peerapi-doh\",\"result\":\"skip\"}]", 1, &why), 0);
	assert_non_null(strstr(why.buf, "non-claiming canary 'peerapi-doh' did not pass (skip)"));
	strbuf_reset(&why);
	assert_int_equal(judge("[{\"name\":\"quad100-router\",\"result\":\"fail\",\"signature\":\"no-answer\"}]",
			       1, &why), 0);
	assert_non_null(strstr(why.buf, "claiming canary 'no-panic' did not run"));
	strbuf_release(&why);
}

static void report_lists_claims_failures_and_verdict(void **state)
{
	struct variant v;
	json_t *s = summary("[{\"name\":\"quad100-router\",\"result\":\"fail\",\"signature\":\"no-answer\","
			    "\"summary\":\"no answer\",\"detail\":\"q1 timeout\"},"
			    " {\"name\":\"no-panic\",\"result\":\"fail\",\"signature\":\"panic\"},"
			    " {\"name\":\"sentinel\",\"result\":\"fail\"},"
			    " {\"name\":\"subnet-route\",\"result\":\"pass\"}]", 1);
	json_t *r, *none;

	(void)state;
	assert_int_equal(variant_parse(&v, "no-netstack", no_netstack), 0);
	r = variant_report(&v, s);
	assert_true(json_is_true(json_object_get(r, "caught")));
	assert_int_equal(json_array_size(json_object_get(r, "claims")), 2);
	assert_int_equal(json_array_size(json_object_get(r, "failed")), 3);
	assert_string_equal(json_string_value(json_object_get(
		json_array_get(json_object_get(r, "failed"), 0), "detail")), "q1 timeout");
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_claims_and_signatures),
		cmocka_unit_test(rejects_bad_files),
		cmocka_unit_test(caught_when_claims_fail_with_signature),
		cmocka_unit_test(not_caught_on_wrong_signature),
		cmocka_unit_test(not_caught_when_offline_or_green),
		cmocka_unit_test(not_caught_on_unclaimed_failure_or_missing_claim),
		cmocka_unit_test(report_lists_claims_failures_and_verdict),
	};

	return cmocka_run_group_tests_name("variant", tests, NULL, NULL);
}
