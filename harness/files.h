#ifndef TSCANARY_FILES_H
#define TSCANARY_FILES_H

/* Create path and its parents (0755); 0 if it exists already. */
int mkdir_p(const char *path);
/*
 * Remove path and everything below it, on its own file system only,
 * never following symlinks; a missing path is fine. 0 or -1 (warned).
 */
int rm_rf(const char *path);

#endif
