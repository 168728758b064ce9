/* SPDX-License-Identifier: BSD-3-Clause */
#include "kv.h"

#include <stdlib.h>
#include <string.h>

/* Locate key= at a word start within the line [line, end). */
static const char *find_key(const char *line, const char *end, const char *key)
{
	size_t klen = strlen(key);

	for (const char *p = line; p + klen < end; p++) {
		if ((p == line || p[-1] == ' ' || p[-1] == '\t') && !strncmp(p, key, klen) &&
		    p[klen] == '=')
			return p + klen + 1;
	}
	return NULL;
}

int kv_get(const char *line, const char *key, char *buf, size_t len)
{
	const char *end = line + strcspn(line, "\n");
	const char *v = find_key(line, end, key);
	size_t n;

	if (!v)
		return -1;
	n = strcmp(key, "reason") ? strcspn(v, " \t\n") : (size_t)(end - v);
	if (v + n > end)
		n = (size_t)(end - v);
	if (n >= len)
		return -1;
	memcpy(buf, v, n);
	buf[n] = '\0';
	return 0;
}

int kv_get_double(const char *line, const char *key, double *out)
{
	char buf[64], *end;

	if (kv_get(line, key, buf, sizeof(buf)) < 0 || !*buf)
		return -1;
	*out = strtod(buf, &end);
	return *end ? -1 : 0;
}

const char *kv_find_line(const char *text, const char *key, const char *value)
{
	for (const char *line = text; line && *line;) {
		char buf[256];

		if (!kv_get(line, key, buf, sizeof(buf)) && !strcmp(buf, value))
			return line;
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return NULL;
}
