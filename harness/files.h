/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TSCANARY_FILES_H
#define TSCANARY_FILES_H

#include <stddef.h>
#include <sys/types.h>

/* Create path and its parents (0755); 0 if it exists already. */
int mkdir_p(const char *path);
/*
 * Remove path and everything below it, on its own file system only,
 * never following symlinks; a missing path is fine. 0 or -1 (warned).
 */
int rm_rf(const char *path);
/* An undo action (undo_fn in undo.h): rm_rf() of path, a heap string. */
void undo_rm_rf(void *path);

/*
 * Replace path with len bytes of data, mode mode (umask aside): written to a
 * temporary file beside it (never through a symlink) and renamed over it, so
 * a reader sees the old file or the whole new one. 0, or -1 (reported).
 */
int write_file(const char *path, const void *data, size_t len, mode_t mode);
/* write_file() of a string, without its NUL. */
int write_text_file(const char *path, const char *text, mode_t mode);

/* Copy the regular file from to to (mode 0644), through a temporary file
 * beside it and a rename. 0, or -1 (reported). */
int copy_file(const char *from, const char *to);
/* The n files in from, one after the other, as the file to (as copy_file). */
int concat_files(const char *const *from, size_t n, const char *to);

struct strbuf;
/*
 * Append the sha256 of the regular file at path (not following a symlink)
 * to out as lowercase hex; on failure append a word saying why instead
 * ("unreadable(<error>)", "readerror(<error>)", "nohash"), so a listing
 * built from it still differs when the file cannot be read.
 */
void file_sha256_hex(const char *path, struct strbuf *out);
/* The sha256 of len bytes of data as lowercase hex (caller frees). */
char *sha256_hex(const void *data, size_t len);

#endif
