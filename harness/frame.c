/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The guest agent wire format. Compiled into the host harness and into the
 * static guest agent: libc only, no harness helpers.
 */
#include "frame.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void put_be16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

static void put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static uint16_t get_be16(const unsigned char *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static const unsigned char magic_bytes[4] = { 'T', 'S', 'C', 'A' };

/* Room for extra more bytes in the builder, or set b->err. */
static int builder_reserve(struct frame_builder *b, size_t extra)
{
	size_t want, n;
	unsigned char *p;

	if (b->err)
		return -1;
	if (extra > FRAME_MAX_PAYLOAD + FRAME_HEADER_LEN ||
	    b->len + extra > FRAME_MAX_PAYLOAD + FRAME_HEADER_LEN) {
		b->err = EMSGSIZE;
		return -1;
	}
	want = b->len + extra;
	if (want <= b->alloc)
		return 0;
	n = b->alloc ? b->alloc : 256;
	while (n < want)
		n *= 2;
	p = realloc(b->buf, n);
	if (!p) {
		b->err = ENOMEM;
		return -1;
	}
	b->buf = p;
	b->alloc = n;
	return 0;
}

void frame_begin(struct frame_builder *b, unsigned type, uint32_t id)
{
	b->len = 0;
	b->err = 0;
	if (builder_reserve(b, FRAME_HEADER_LEN) < 0)
		return;
	memcpy(b->buf, magic_bytes, 4);
	b->buf[4] = FRAME_VERSION;
	b->buf[5] = (unsigned char)type;
	put_be16(b->buf + 6, 0);
	put_be32(b->buf + 8, id);
	put_be32(b->buf + 12, 0);
	b->len = FRAME_HEADER_LEN;
}

void frame_add(struct frame_builder *b, unsigned tag, const void *data, size_t len)
{
	if (len > FRAME_MAX_PAYLOAD) {
		if (!b->err)
			b->err = EMSGSIZE;
		return;
	}
	if (builder_reserve(b, FRAME_FIELD_HEADER_LEN + len) < 0)
		return;
	put_be16(b->buf + b->len, (uint16_t)tag);
	put_be32(b->buf + b->len + 2, (uint32_t)len);
	if (len)
		memcpy(b->buf + b->len + FRAME_FIELD_HEADER_LEN, data, len);
	b->len += FRAME_FIELD_HEADER_LEN + len;
}

void frame_add_str(struct frame_builder *b, unsigned tag, const char *s)
{
	frame_add(b, tag, s, strlen(s));
}

void frame_add_u64(struct frame_builder *b, unsigned tag, uint64_t v)
{
	unsigned char be[8];

	for (int i = 7; i >= 0; i--) {
		be[i] = (unsigned char)v;
		v >>= 8;
	}
	frame_add(b, tag, be, sizeof(be));
}

int frame_finish(struct frame_builder *b)
{
	if (!b->err && b->len < FRAME_HEADER_LEN)
		b->err = EINVAL; /* no frame_begin() */
	if (b->err) {
		errno = b->err;
		return -1;
	}
	put_be32(b->buf + 12, (uint32_t)(b->len - FRAME_HEADER_LEN));
	return 0;
}

void frame_builder_release(struct frame_builder *b)
{
	free(b->buf);
	b->buf = NULL;
	b->len = b->alloc = 0;
	b->err = 0;
}

void frame_decoder_init(struct frame_decoder *d, uint32_t max_payload)
{
	memset(d, 0, sizeof(*d));
	d->max_payload = max_payload && max_payload < FRAME_MAX_PAYLOAD ? max_payload
									: FRAME_MAX_PAYLOAD;
}

/* Forget the frame handed out last. */
static void drop_taken(struct frame_decoder *d)
{
	d->start += d->taken;
	d->taken = 0;
	if (d->start == d->len)
		d->start = d->len = 0;
}

int frame_decoder_feed(struct frame_decoder *d, const void *data, size_t len)
{
	drop_taken(d);
	if (!len)
		return 0;
	if (d->start && d->len + len > d->alloc) {
		memmove(d->buf, d->buf + d->start, d->len - d->start);
		d->len -= d->start;
		d->start = 0;
	}
	if (d->len + len > d->alloc) {
		size_t n = d->alloc ? d->alloc : 4096;
		unsigned char *p;

		while (n < d->len + len)
			n *= 2;
		p = realloc(d->buf, n);
		if (!p) {
			errno = ENOMEM;
			return -1;
		}
		d->buf = p;
		d->alloc = n;
	}
	memcpy(d->buf + d->len, data, len);
	d->len += len;
	return 0;
}

enum frame_result frame_decoder_next(struct frame_decoder *d, struct frame *out)
{
	const unsigned char *h;
	size_t have, magic_have;
	uint32_t plen;

	drop_taken(d);
	if (d->error)
		return FRAME_ERROR;
	h = d->buf + d->start;
	have = d->len - d->start;
	/* judge the magic as soon as its first byte is in, for a quick resync */
	magic_have = have < 4 ? have : 4;
	if (magic_have && memcmp(h, magic_bytes, magic_have) != 0) {
		d->error = "bad magic";
		return FRAME_ERROR;
	}
	if (have < FRAME_HEADER_LEN)
		return FRAME_NEED_MORE;
	if (h[4] != FRAME_VERSION) {
		d->error = "unsupported protocol version";
		return FRAME_ERROR;
	}
	plen = get_be32(h + 12);
	if (plen > d->max_payload) {
		d->error = "frame too large";
		return FRAME_ERROR;
	}
	if (have - FRAME_HEADER_LEN < plen)
		return FRAME_NEED_MORE;
	out->type = h[5];
	out->id = get_be32(h + 8);
	out->payload = h + FRAME_HEADER_LEN;
	out->len = plen;
	d->taken = FRAME_HEADER_LEN + (size_t)plen;
	return FRAME_READY;
}

size_t frame_decoder_resync(struct frame_decoder *d)
{
	size_t dropped = 0;

	drop_taken(d);
	d->error = NULL;
	if (d->start == d->len)
		return 0;
	/* drop at least one byte, then up to a possible start of a magic */
	d->start++;
	dropped++;
	while (d->start < d->len) {
		size_t have = d->len - d->start;
		size_t n = have < 4 ? have : 4;

		if (!memcmp(d->buf + d->start, magic_bytes, n))
			break;
		d->start++;
		dropped++;
	}
	if (d->start == d->len)
		d->start = d->len = 0;
	return dropped;
}

void frame_decoder_reset(struct frame_decoder *d)
{
	d->start = d->len = d->taken = 0;
	d->error = NULL;
}

size_t frame_decoder_pending(const struct frame_decoder *d)
{
	return d->len - d->start - d->taken;
}

void frame_decoder_release(struct frame_decoder *d)
{
	free(d->buf);
	memset(d, 0, sizeof(*d));
}

void frame_iter_init(struct frame_iter *it, const struct frame *f)
{
	it->p = f->payload;
	it->left = f->len;
}

int frame_iter_next(struct frame_iter *it, struct frame_field *out)
{
	uint32_t len;

	if (!it->left)
		return 0;
	if (it->left < FRAME_FIELD_HEADER_LEN)
		return -1;
	len = get_be32(it->p + 2);
	if (len > it->left - FRAME_FIELD_HEADER_LEN)
		return -1;
	out->tag = get_be16(it->p);
	out->len = len;
	out->data = it->p + FRAME_FIELD_HEADER_LEN;
	it->p += FRAME_FIELD_HEADER_LEN + len;
	it->left -= FRAME_FIELD_HEADER_LEN + len;
	return 1;
}

int frame_check(const struct frame *f)
{
	struct frame_iter it;
	struct frame_field fld;
	int r;

	frame_iter_init(&it, f);
	while ((r = frame_iter_next(&it, &fld)) > 0)
		;
	return r;
}

int frame_field_u64(const struct frame_field *fld, uint64_t *v)
{
	uint64_t x = 0;

	if (fld->len != 1 && fld->len != 2 && fld->len != 4 && fld->len != 8)
		return -1;
	for (uint32_t i = 0; i < fld->len; i++)
		x = x << 8 | fld->data[i];
	*v = x;
	return 0;
}

char *frame_field_strdup(const struct frame_field *fld)
{
	char *s;

	if (memchr(fld->data, '\0', fld->len)) {
		errno = EINVAL;
		return NULL;
	}
	s = malloc((size_t)fld->len + 1);
	if (!s) {
		errno = ENOMEM;
		return NULL;
	}
	memcpy(s, fld->data, fld->len);
	s[fld->len] = '\0';
	return s;
}

int frame_find(const struct frame *f, unsigned tag, struct frame_field *out)
{
	struct frame_iter it;
	int r;

	frame_iter_init(&it, f);
	while ((r = frame_iter_next(&it, out)) > 0)
		if (out->tag == tag)
			return 1;
	return r;
}

uint64_t frame_get_u64(const struct frame *f, unsigned tag, uint64_t def)
{
	struct frame_field fld;
	uint64_t v;

	if (frame_find(f, tag, &fld) != 1 || frame_field_u64(&fld, &v) < 0)
		return def;
	return v;
}

const char *frame_type_name(unsigned type)
{
	static const char *const names[] = {
		[FRAME_HELLO] = "HELLO",
		[FRAME_PING] = "PING",
		[FRAME_PONG] = "PONG",
		[FRAME_EXEC] = "EXEC",
		[FRAME_RESULT] = "RESULT",
		[FRAME_WRITE_FILE] = "WRITE_FILE",
		[FRAME_READ_FILE] = "READ_FILE",
		[FRAME_DATA] = "DATA",
		[FRAME_START] = "START",
		[FRAME_STATUS] = "STATUS",
		[FRAME_REPORT] = "REPORT",
		[FRAME_STOP] = "STOP",
		[FRAME_POWEROFF] = "POWEROFF",
		[FRAME_OK] = "OK",
		[FRAME_ERR] = "ERR",
		[FRAME_HTTP] = "HTTP",
	};

	if (type < FRAME_TYPE_MAX && names[type])
		return names[type];
	return "?";
}
