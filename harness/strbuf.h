/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TSCANARY_STRBUF_H
#define TSCANARY_STRBUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

/* A growable, always NUL-terminated byte buffer (binary-safe through len). */
struct strbuf {
	char *buf;
	size_t len;
	size_t alloc;
};

#define STRBUF_INIT                                                                                \
	{                                                                                          \
		NULL, 0, 0                                                                         \
	}

/* Make room for at least extra more bytes; aborts on out-of-memory. */
void strbuf_grow(struct strbuf *sb, size_t extra);
/* Append len bytes. */
void strbuf_add(struct strbuf *sb, const void *data, size_t len);
/* Append a NUL-terminated string. */
void strbuf_addstr(struct strbuf *sb, const char *s);
/* Append one byte. */
void strbuf_addch(struct strbuf *sb, char c);
/* Append printf-formatted text. */
void strbuf_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append printf-formatted text from a va_list. */
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/* Empty the buffer, keeping its memory. */
void strbuf_reset(struct strbuf *sb);
/* Whether sb's text holds word as a whole space-separated word. */
int strbuf_has_word(const struct strbuf *sb, const char *word);
/* Remove trailing whitespace. */
void strbuf_rtrim(struct strbuf *sb);
/* Free the memory and make sb empty again. */
void strbuf_release(struct strbuf *sb);
/* Hand the buffer to the caller (never NULL) and make sb empty. */
char *strbuf_detach(struct strbuf *sb, size_t *len);
/* Return the buffer as a C string ("" when empty). */
const char *strbuf_str(const struct strbuf *sb);
/* Read a whole file into sb; returns 0 or -1 with errno set. */
int strbuf_read_file(struct strbuf *sb, const char *path);

/* Sort v[0..n) in place and append it joined by sep (answer sets compare as text). */
void strbuf_add_sorted(struct strbuf *sb, char **v, size_t n, const char *sep);
/* Append the last n lines of the file at path, indented, for error messages. */
void strbuf_add_log_tail(struct strbuf *sb, const char *path, int n);

/*
 * A Markdown table cell on one line: each '|' escaped ("\\|"), each newline
 * a space, so text (an error, a log line) cannot break its row. NULL adds
 * nothing. md_cell_put writes the same to fp.
 */
void strbuf_add_md_cell(struct strbuf *sb, const char *s);
void md_cell_put(FILE *fp, const char *s);

/*
 * s as one POSIX shell word: inside single quotes, each ' written as '\''
 * (so "it's" becomes 'it'\''s'); NULL or "" adds ''.
 */
void strbuf_add_sq(struct strbuf *sb, const char *s);

/* Allocation helpers that abort on out-of-memory. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
/* printf into a new heap string. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The number of elements of the array a (-Wall rejects a pointer). */
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
