/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "files.h"
#include "strbuf.h"

/* The initrd is the image's cpio archive, then the overlay's: bytes in order, nothing between. */
static void test_concat_files_joins_in_order(void **state)
{
	char dir[] = "/tmp/test_files.XXXXXX", *a, *b, *empty, *out;
	struct strbuf got = STRBUF_INIT;

	(void)state;
	assert_non_null(mkdtemp(dir));
	a = xasprintf("%s/a", dir);
	b = xasprintf("%s/b with ' quote", dir);
	empty = xasprintf("%s/empty", dir);
	out = xasprintf("%s/out", dir);
	assert_int_equal(write_file(a, "ab\0c", 4, 0644), 0);
	assert_int_equal(write_text_file(b, "de", 0644), 0);
	assert_int_equal(write_text_file(empty, "", 0644), 0);
	{
		const char *parts[] = { a, empty, b };

		assert_int_equal(concat_files(parts, 3, out), 0);
	}
	assert_int_equal(strbuf_read_file(&got, out), 0);
	assert_int_equal(got.len, 6);
	assert_memory_equal(got.buf, "ab\0cde", 6);
	strbuf_release(&got);
	/* copy_file is the concatenation of one */
	assert_int_equal(copy_file(b, out), 0);
	assert_int_equal(strbuf_read_file(&got, out), 0);
	assert_string_equal(strbuf_str(&got), "de");
	strbuf_release(&got);
	rm_rf(dir);
	free(a);
	free(b);
	free(empty);
	free(out);
}

/* A missing part fails and leaves the output as it was. */
static void test_concat_files_missing_part(void **state)
{
	char dir[] = "/tmp/test_files.XXXXXX", *a, *missing, *out;
	struct strbuf got = STRBUF_INIT;

	(void)state;
	assert_non_null(mkdtemp(dir));
	a = xasprintf("%s/a", dir);
	missing = xasprintf("%s/missing", dir);
	out = xasprintf("%s/out", dir);
	assert_int_equal(write_text_file(a, "a", 0644), 0);
	assert_int_equal(write_text_file(out, "old", 0644), 0);
	{
		const char *parts[] = { a, missing };

		assert_int_equal(concat_files(parts, 2, out), -1);
	}
	assert_int_equal(strbuf_read_file(&got, out), 0);
	assert_string_equal(strbuf_str(&got), "old");
	strbuf_release(&got);
	rm_rf(dir);
	free(a);
	free(missing);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_concat_files_joins_in_order),
		cmocka_unit_test(test_concat_files_missing_part),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
