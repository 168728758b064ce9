/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TSCANARY_KV_H
#define TSCANARY_KV_H

#include <stddef.h>

/*
 * Evidence lines from guest probes: "key=value key2=value2 ...". Values hold
 * no spaces, except the last key "reason", which may run to the end of line.
 */

/* Copy key's value from line into buf; 0 if found, -1 if absent or too long. */
int kv_get(const char *line, const char *key, char *buf, size_t len);
/* Key's value as a double; -1 if absent or not a number. */
int kv_get_double(const char *line, const char *key, double *out);
/* The first line of text that has key=value with this value, or NULL. */
const char *kv_find_line(const char *text, const char *key, const char *value);

#endif
