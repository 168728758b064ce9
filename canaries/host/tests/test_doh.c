/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <ldns/ldns.h>
#include <stdlib.h>
#include <string.h>

#include "doh.h"
#include "strbuf.h"

static void base64url_vectors(void **state)
{
	/* RFC 4648 test vectors, url alphabet, no padding */
	static const struct {
		const char *in, *out;
	} v[] = {
		{ "", "" },
		{ "f", "Zg" },
		{ "fo", "Zm8" },
		{ "foo", "Zm9v" },
		{ "foob", "Zm9vYg" },
		{ "fooba", "Zm9vYmE" },
		{ "foobar", "Zm9vYmFy" },
		{ "\xfb\xff\xbf", "-_-_" },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		struct strbuf sb = STRBUF_INIT;

		doh_base64url((const uint8_t *)v[i].in, strlen(v[i].in), &sb);
		assert_string_equal(strbuf_str(&sb), v[i].out);
		strbuf_release(&sb);
	}
}

static void rfc8484_example_query(void **state)
{
	/* RFC 8484 section 4.1.1: www.example.com A, id 0, RD */
	static const uint8_t q[] = {
		0x00, 0x00, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x03, 'w',  'w',  'w',  0x07, 'e',  'x',  'a',  'm',  'p',
		'l',  'e',  0x03, 'c',  'o',  'm',  0x00, 0x00, 0x01, 0x00, 0x01,
	};
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	doh_base64url(q, sizeof(q), &sb);
	assert_string_equal(sb.buf, "AAABAAABAAAAAAAAA3d3dwdleGFtcGxlA2NvbQAAAQAB");
	strbuf_release(&sb);
}

static uint8_t *make_reply(uint16_t id, const char *const *addrs, size_t *len)
{
	ldns_pkt *p = ldns_pkt_new();
	uint8_t *wire = NULL;

	ldns_pkt_set_id(p, id);
	ldns_pkt_set_qr(p, true);
	ldns_pkt_set_rcode(p, LDNS_RCODE_NOERROR);
	for (; *addrs; addrs++) {
		ldns_rr *rr = NULL;
		char text[128];

		snprintf(text, sizeof(text), "www.canary.test. 60 IN A %s", *addrs);
		assert_int_equal(ldns_rr_new_frm_str(&rr, text, 0, NULL, NULL), LDNS_STATUS_OK);
		ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER, rr);
	}
	assert_int_equal(ldns_pkt2wire(&wire, p, len), LDNS_STATUS_OK);
	ldns_pkt_free(p);
	return wire;
}

static void parses_reply_sorted_and_checks_id(void **state)
{
	const char *addrs[] = { "198.51.100.81", "198.51.100.80", NULL };
	struct doh_result r;
	size_t len;
	uint8_t *w = make_reply(0x1234, addrs, &len);

	(void)state;
	memset(&r, 0, sizeof(r));
	assert_int_equal(doh_parse_reply(w, len, 0x1234, &r), 0);
	assert_true(r.id_match);
	assert_string_equal(r.rcode, "NOERROR");
	assert_string_equal(r.answers, "198.51.100.80,198.51.100.81");
	assert_int_equal(doh_parse_reply(w, len, 0x9999, &r), 0);
	assert_false(r.id_match);
	free(w);
}

static void rejects_non_dns_body(void **state)
{
	struct doh_result r;

	(void)state;
	assert_int_equal(doh_parse_reply((const uint8_t *)"<html>403</html>", 16, 1, &r), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(base64url_vectors),
		cmocka_unit_test(rfc8484_example_query),
		cmocka_unit_test(parses_reply_sorted_and_checks_id),
		cmocka_unit_test(rejects_non_dns_body),
	};

	return cmocka_run_group_tests_name("doh", tests, NULL, NULL);
}
