/* SPDX-License-Identifier: BSD-3-Clause */
/* HTTP/1.0 request heads and response parsing for the guest's LocalAPI calls. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "http1.h"

static void formats_a_localapi_request(void **state)
{
	char buf[HTTP1_HEAD_MAX];
	size_t n = http1_format_request(buf, sizeof(buf), "PATCH", "/localapi/v0/prefs", 42);

	(void)state;
	assert_int_equal(n, strlen(buf));
	assert_string_equal(buf, "PATCH /localapi/v0/prefs HTTP/1.0\r\n"
				 "Host: local-tailscaled.sock\r\n"
				 "Sec-Tailscale: localapi\r\n"
				 "Content-Length: 42\r\n"
				 "\r\n");
}

static void refuses_bad_request_lines(void **state)
{
	char buf[HTTP1_HEAD_MAX], small[16];

	(void)state;
	assert_int_equal(http1_format_request(buf, sizeof(buf), "", "/x", 0), 0);
	assert_int_equal(http1_format_request(buf, sizeof(buf), "GET", "", 0), 0);
	assert_int_equal(http1_format_request(buf, sizeof(buf), NULL, "/x", 0), 0);
	assert_int_equal(http1_format_request(buf, sizeof(buf), "GET", "/a b", 0), 0);
	assert_int_equal(http1_format_request(buf, sizeof(buf), "GET", "/a\r\nX: y", 0), 0);
	assert_int_equal(http1_format_request(buf, sizeof(buf), "GE\nT", "/x", 0), 0);
	assert_int_equal(http1_format_request(small, sizeof(small), "GET", "/x", 0), 0);
}

static void parses_status_and_body(void **state)
{
	char raw[] = "HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n"
		     "Date: x\r\n\r\n{\"BackendState\":\"Running\"}\n";
	struct http1_response r;

	(void)state;
	assert_int_equal(http1_parse_response(raw, strlen(raw), &r), 0);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body_len, strlen("{\"BackendState\":\"Running\"}\n"));
	assert_memory_equal(r.body, "{\"BackendState\":\"Running\"}\n", r.body_len);
}

static void cuts_body_at_content_length(void **state)
{
	char raw[] = "HTTP/1.1 403 Forbidden\r\ncontent-length:  7 \r\n\r\ninvalidEXTRA";
	char shorter[] = "HTTP/1.0 200 OK\r\nContent-Length: 10\r\n\r\nabc";
	char bad[] = "HTTP/1.0 200 OK\r\nContent-Length: -1\r\n\r\nabc";
	struct http1_response r;

	(void)state;
	assert_int_equal(http1_parse_response(raw, strlen(raw), &r), 0);
	assert_int_equal(r.status, 403);
	assert_int_equal(r.body_len, 7);
	assert_memory_equal(r.body, "invalid", 7);
	assert_int_equal(http1_parse_response(shorter, strlen(shorter), &r), -1);
	assert_string_equal(r.error, "body shorter than its Content-Length");
	assert_int_equal(http1_parse_response(bad, strlen(bad), &r), -1);
}

static void decodes_chunked_body(void **state)
{
	char raw[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		     "5\r\nhello\r\n1;ext=1\r\n \r\n6\r\nworld!\r\n0\r\n\r\n";
	char cut[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel";
	struct http1_response r;

	(void)state;
	assert_int_equal(http1_parse_response(raw, strlen(raw), &r), 0);
	assert_int_equal(r.body_len, 12);
	assert_memory_equal(r.body, "hello world!", 12);
	assert_int_equal(http1_parse_response(cut, strlen(cut), &r), -1);
	assert_string_equal(r.error, "malformed chunked body");
}

static void empty_body_and_no_reason(void **state)
{
	char raw[] = "HTTP/1.0 204\r\n\r\n";
	struct http1_response r;

	(void)state;
	assert_int_equal(http1_parse_response(raw, strlen(raw), &r), 0);
	assert_int_equal(r.status, 204);
	assert_int_equal(r.body_len, 0);
}

static void refuses_what_is_not_http(void **state)
{
	char junk[] = "SSH-2.0-OpenSSH\r\n\r\n";
	char nohead[] = "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n";
	char badcode[] = "HTTP/1.0 2x0 OK\r\n\r\n";
	struct http1_response r;

	(void)state;
	assert_int_equal(http1_parse_response(junk, strlen(junk), &r), -1);
	assert_string_equal(r.error, "not an HTTP/1 response");
	assert_int_equal(http1_parse_response(NULL, 0, &r), -1);
	assert_int_equal(http1_parse_response(nohead, strlen(nohead), &r), -1);
	assert_string_equal(r.error, "response head does not end");
	assert_int_equal(http1_parse_response(badcode, strlen(badcode), &r), -1);
	assert_string_equal(r.error, "malformed status line");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(formats_a_localapi_request),
		cmocka_unit_test(refuses_bad_request_lines),
		cmocka_unit_test(parses_status_and_body),
		cmocka_unit_test(cuts_body_at_content_length),
		cmocka_unit_test(decodes_chunked_body),
		cmocka_unit_test(empty_body_and_no_reason),
		cmocka_unit_test(refuses_what_is_not_http),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
