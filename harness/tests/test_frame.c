/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"

/* Build a frame with a few fields of each kind into *b. */
static void build_sample(struct frame_builder *b, uint32_t id)
{
	static const unsigned char bin[] = { 0, 1, 2, 0xff, 0, '\n', 0x80 };

	frame_begin(b, FRAME_EXEC, id);
	frame_add_str(b, TAG_ARG, "sh");
	frame_add_str(b, TAG_ARG, "-c");
	frame_add_str(b, TAG_ARG, "echo 'a b'\n");
	frame_add_str(b, TAG_ENV, "K=V=W");
	frame_add(b, TAG_STDIN, bin, sizeof(bin));
	frame_add_str(b, TAG_CWD, "");
	frame_add_u64(b, TAG_TIMEOUT_MS, 0x0102030405060708ULL);
	assert_int_equal(frame_finish(b), 0);
}

static void check_sample(const struct frame *f, uint32_t id)
{
	static const char *const args[] = { "sh", "-c", "echo 'a b'\n" };
	static const unsigned char bin[] = { 0, 1, 2, 0xff, 0, '\n', 0x80 };
	struct frame_iter it;
	struct frame_field fld;
	int nargs = 0;
	char *s;

	assert_int_equal(f->type, FRAME_EXEC);
	assert_int_equal(f->id, id);
	assert_int_equal(frame_check(f), 0);
	frame_iter_init(&it, f);
	while (frame_iter_next(&it, &fld) == 1) {
		if (fld.tag != TAG_ARG)
			continue;
		assert_true(nargs < 3);
		s = frame_field_strdup(&fld);
		assert_non_null(s);
		assert_string_equal(s, args[nargs]);
		free(s);
		nargs++;
	}
	assert_int_equal(nargs, 3);
	assert_int_equal(frame_find(f, TAG_STDIN, &fld), 1);
	assert_int_equal(fld.len, sizeof(bin));
	assert_memory_equal(fld.data, bin, sizeof(bin));
	/* a binary field is not a string */
	errno = 0;
	assert_null(frame_field_strdup(&fld));
	assert_int_equal(errno, EINVAL);
	assert_int_equal(frame_find(f, TAG_CWD, &fld), 1);
	assert_int_equal(fld.len, 0);
	assert_int_equal(frame_get_u64(f, TAG_TIMEOUT_MS, 0), 0x0102030405060708ULL);
	assert_int_equal(frame_get_u64(f, TAG_MODE, 42), 42);
	assert_int_equal(frame_find(f, TAG_MODE, &fld), 0);
}

static void round_trip(void **state)
{
	struct frame_builder b = { 0 };
	struct frame_decoder d;
	struct frame f;

	(void)state;
	build_sample(&b, 7);
	assert_memory_equal(b.buf, "TSCA", 4);
	frame_decoder_init(&d, 0);
	assert_int_equal(frame_decoder_feed(&d, b.buf, b.len), 0);
	assert_int_equal(frame_decoder_next(&d, &f), FRAME_READY);
	check_sample(&f, 7);
	assert_int_equal(frame_decoder_next(&d, &f), FRAME_NEED_MORE);
	assert_int_equal(frame_decoder_pending(&d), 0);
	frame_decoder_release(&d);
	frame_builder_release(&b);
}

static void header_is_network_order(void **state)
{
	struct frame_builder b = { 0 };

	(void)state;
	frame_begin(&b, FRAME_PING, 0x11223344);
	frame_add_u64(&b, TAG_PID, 5);
	assert_int_equal(frame_finish(&b), 0);
	assert_int_equal(b.len, FRAME_HEADER_LEN + FRAME_FIELD_HEADER_LEN + 8);
	assert_int_equal(b.buf[4], FRAME_VERSION);
	assert_int_equal(b.buf[5], FRAME_PING);
	assert_memory_equal(b.buf + 8, "\x11\x22\x33\x44", 4);
	assert_memory_equal(b.buf + 12, "\x00\x00\x00\x0e", 4);
	assert_memory_equal(b.buf + 16, "\x00\x04\x00\x00\x00\x08", 6);
	assert_int_equal(b.buf[29], 5);
	frame_builder_release(&b);
}

static void byte_by_byte(void **state)
{
	struct frame_builder b = { 0 };
	struct frame_decoder d;
	struct frame f;
	unsigned char *two;
	size_t n;
	int frames = 0;

	(void)state;
	build_sample(&b, 9);
	/* two frames back to back, the second empty */
	n = b.len + FRAME_HEADER_LEN;
	two = malloc(n);
	assert_non_null(two);
	memcpy(two, b.buf, b.len);
	frame_begin(&b, FRAME_STATUS, 10);
	assert_int_equal(frame_finish(&b), 0);
	memcpy(two + n - FRAME_HEADER_LEN, b.buf, FRAME_HEADER_LEN);

	frame_decoder_init(&d, 0);
	for (size_t i = 0; i < n; i++) {
		enum frame_result r;

		assert_int_equal(frame_decoder_feed(&d, two + i, 1), 0);
		r = frame_decoder_next(&d, &f);
		if (r == FRAME_NEED_MORE)
			continue;
		assert_int_equal(r, FRAME_READY);
		if (frames++ == 0) {
			assert_int_equal(i, n - FRAME_HEADER_LEN - 1);
			check_sample(&f, 9);
		} else {
			assert_int_equal(i, n - 1);
			assert_int_equal(f.type, FRAME_STATUS);
			assert_int_equal(f.len, 0);
		}
	}
	assert_int_equal(frames, 2);
	free(two);
	frame_decoder_release(&d);
	frame_builder_release(&b);
}

static void empty_payload(void **state)
{
	struct frame_builder b = { 0 };
	struct frame_decoder d;
	struct frame f;
	struct frame_iter it;
	struct frame_field fld;

	(void)state;
	frame_begin(&b, FRAME_OK, 3);
	assert_int_equal(frame_finish(&b), 0);
	assert_int_equal(b.len, FRAME_HEADER_LEN);
	frame_decoder_init(&d, 0);
	assert_int_equal(frame_decoder_feed(&d, b.buf, b.len), 0);
	assert_int_equal(frame_decoder_next(&d, &f), FRAME_READY);
	assert_int_equal(f.type, FRAME_OK);
	assert_int_equal(f.len, 0);
	frame_iter_init(&it, &f);
	assert_int_equal(frame_iter_next(&it, &fld), 0);
	assert_int_equal(frame_check(&f), 0);
	assert_int_equal(frame_find(&f, TAG_DATA, &fld), 0);
	frame_decoder_release(&d);
	frame_builder_release(&b);
}

static void rejects_oversized_length(void **state)
{
	struct frame_builder b = { 0 };
	struct frame_decoder d;
	struct frame f;

	(void)state;
	frame_begin(&b, FRAME_DATA, 1);
	assert_int_equal(frame_finish(&b), 0);
	/* claim one byte more than the maximum: refused from the header alone */
	b.buf[12] = 0x01;
	b.buf[13] = 0x00;
	b.buf[14] = 0x00;
	b.buf[15] = 0x01;
	frame_decoder_init(&d, 0);
	assert_int_equal(frame_decoder_feed(&d, b.buf, b.len), 0);
	assert_int_equal(frame_decoder_next(&d, &f), FRAME_ERROR);
	assert_non_null(d.error);
	assert_non_null(strstr(d.error, "too large"));
	/* the error sticks until resync */
	assert_int_equal(frame_decoder_next(&d, &f), FRAME_ERROR);
	frame_decoder_release(&d);

	/* a smaller limit of the decoder's own */
	frame_begin(&b, FRAME_DATA, 1);
	frame_add(&b, TAG_DATA, "0123456789", 10);
	assert_int_equal(frame_finish(&b), 0);
	frame_decoder_init(&d, 8);
	assert_int_equal(frame_decoder_feed(&d, b.buf, b.len), 0);
	assert_int_equal(frame_decoder_next(&d, &f), FRAME_ERROR);
	frame_decoder_release(&d);
	frame_builder_release(&b);
}

static void builder_refuses_oversized(void **state)
{
	struct frame_builder b = { 0 };
	char *big = calloc(1, FRAME_MAX_PAYLOAD);

	(void)state;
	assert_non_null(big);
	frame_begin(&b, FRAME_DATA, 1);
	frame_add(&b, TAG_DATA, big, FRAME_MAX_PAYLOAD); /* plus its field header */
	errno = 0;
	assert_int_equal(frame_finish(&b), -1);
	assert_int_equal(errno, EMSGSIZE);
	/* just fitting is fine */
	frame_begin(&b, FRAME_DATA, 1);
	frame_add(&b, TAG_DATA, big, FRAME_MAX_PAYLOAD - FRAME_FIELD_HEADER_LEN);
	assert_int_equal(frame_finish(&b), 0);
	assert_int_equal(b.len, FRAME_HEADER_LEN + FRAME_MAX_PAYLOAD);
	free(big);
	frame_builder_release(&b);
}

static void bad_magic_and_resync(void **state)
{
	struct frame_builder b = { 0 };
	struct frame_decoder d;
	struct frame f;

	(void)state;
	frame_decoder_init(&d, 0);
	/* refused at the first wrong byte */
	assert_int_equal(frame_decoder_feed(&d, "TX", 2), 0);
	assert_int_equal(frame_decoder_next(&d, &f), FRAME_ERROR);
	assert_string_equal(d.error, "bad magic");
	/* junk, including a false start of a magic, then a good frame */
	assert_int_equal(frame_decoder_feed(&d, "junkTSjunk", 10), 0);
	frame_begin(&b, FRAME_PONG, 77);
	frame_add_str(&b, TAG_VERSION, "v");
	assert_int_equal(frame_finish(&b), 0);
	assert_int_equal(frame_decoder_feed(&d, b.buf, b.len), 0);
	for (int i = 0; i < 10; i++) {
		enum frame_result r = frame_decoder_next(&d, &f);

		if (r == FRAME_READY)
			break;
		assert_int_equal(r, FRAME_ERROR);
		assert_true(frame_decoder_resync(&d) > 0);
	}
	assert_int_equal(f.type, FRAME_PONG);
	assert_int_equal(f.id, 77);
	assert_int_equal(frame_decoder_next(&d, &f), FRAME_NEED_MORE);
	frame_decoder_release(&d);
	frame_builder_release(&b);
}

static void bad_version(void **state)
{
	struct frame_builder b = { 0 };
	struct frame_decoder d;
	struct frame f;

	(void)state;
	frame_begin(&b, FRAME_PING, 1);
	assert_int_equal(frame_finish(&b), 0);
	b.buf[4] = FRAME_VERSION + 1;
	frame_decoder_init(&d, 0);
	assert_int_equal(frame_decoder_feed(&d, b.buf, b.len), 0);
	assert_int_equal(frame_decoder_next(&d, &f), FRAME_ERROR);
	frame_decoder_reset(&d);
	assert_int_equal(frame_decoder_next(&d, &f), FRAME_NEED_MORE);
	frame_decoder_release(&d);
	frame_builder_release(&b);
}

static void truncated_field(void **state)
{
	struct frame_builder b = { 0 };
	struct frame_decoder d;
	struct frame f;
	struct frame_iter it;
	struct frame_field fld;

	(void)state;
	frame_begin(&b, FRAME_WRITE_FILE, 5);
	frame_add_str(&b, TAG_PATH, "/etc/x");
	frame_add(&b, TAG_DATA, "abcdef", 6);
	assert_int_equal(frame_finish(&b), 0);
	/* the DATA field claims 7 bytes of the 6 left */
	b.buf[b.len - 7] = 7;
	frame_decoder_init(&d, 0);
	assert_int_equal(frame_decoder_feed(&d, b.buf, b.len), 0);
	assert_int_equal(frame_decoder_next(&d, &f), FRAME_READY);
	assert_int_equal(frame_check(&f), -1);
	frame_iter_init(&it, &f);
	assert_int_equal(frame_iter_next(&it, &fld), 1);
	assert_int_equal(fld.tag, TAG_PATH);
	assert_int_equal(frame_iter_next(&it, &fld), -1);
	assert_int_equal(frame_find(&f, TAG_MODE, &fld), -1);

	/* a payload that ends inside a field header */
	f.len = 3;
	assert_int_equal(frame_check(&f), -1);
	frame_decoder_release(&d);
	frame_builder_release(&b);
}

static void numbers_of_any_width(void **state)
{
	struct frame_field fld;
	uint64_t v;

	(void)state;
	fld.tag = TAG_MODE;
	fld.data = (const unsigned char *)"\x01\xed";
	fld.len = 2;
	assert_int_equal(frame_field_u64(&fld, &v), 0);
	assert_int_equal(v, 0755);
	fld.len = 3;
	assert_int_equal(frame_field_u64(&fld, &v), -1);
	fld.len = 0;
	assert_int_equal(frame_field_u64(&fld, &v), -1);
	assert_string_equal(frame_type_name(FRAME_RESULT), "RESULT");
	assert_string_equal(frame_type_name(200), "?");
}

static void large_frame_in_chunks(void **state)
{
	struct frame_builder b = { 0 };
	struct frame_decoder d;
	struct frame f;
	struct frame_field fld;
	size_t n = 5u << 20, off = 0;
	unsigned char *data = malloc(n);

	(void)state;
	assert_non_null(data);
	for (size_t i = 0; i < n; i++)
		data[i] = (unsigned char)(i * 7 + (i >> 9));
	frame_begin(&b, FRAME_DATA, 2);
	frame_add(&b, TAG_DATA, data, n);
	assert_int_equal(frame_finish(&b), 0);
	frame_decoder_init(&d, 0);
	while (off < b.len) {
		size_t c = b.len - off < 65521 ? b.len - off : 65521;

		assert_int_equal(frame_decoder_next(&d, &f), FRAME_NEED_MORE);
		assert_int_equal(frame_decoder_feed(&d, b.buf + off, c), 0);
		off += c;
	}
	assert_int_equal(frame_decoder_next(&d, &f), FRAME_READY);
	assert_int_equal(frame_find(&f, TAG_DATA, &fld), 1);
	assert_int_equal(fld.len, n);
	assert_memory_equal(fld.data, data, n);
	free(data);
	frame_decoder_release(&d);
	frame_builder_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip),
		cmocka_unit_test(header_is_network_order),
		cmocka_unit_test(byte_by_byte),
		cmocka_unit_test(empty_payload),
		cmocka_unit_test(rejects_oversized_length),
		cmocka_unit_test(builder_refuses_oversized),
		cmocka_unit_test(bad_magic_and_resync),
		cmocka_unit_test(bad_version),
		cmocka_unit_test(truncated_field),
		cmocka_unit_test(numbers_of_any_width),
		cmocka_unit_test(large_frame_in_chunks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
