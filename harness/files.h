#ifndef TSCANARY_FILES_H
#define TSCANARY_FILES_H

/* Create path and its parents (0755); 0 if it exists already. */
int mkdir_p(const char *path);
/*
 * Remove path and everything below it, on its own file system only,
 * never following symlinks; a missing path is fine. 0 or -1 (warned).
 */
int rm_rf(const char *path);

/* Copy the regular file from to to (mode 0644), through a temporary file
 * beside it and a rename. 0, or -1 (reported). */
int copy_file(const char *from, const char *to);

struct strbuf;
/*
 * Append the sha256 of the regular file at path (not following a symlink)
 * to out as lowercase hex; on failure append a word saying why instead
 * ("unreadable(<error>)", "readerror(<error>)", "nohash"), so a listing
 * built from it still differs when the file cannot be read.
 */
void file_sha256_hex(const char *path, struct strbuf *out);

#endif
