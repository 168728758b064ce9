/* SPDX-License-Identifier: BSD-3-Clause */
#include "budget.h"

#include "kv.h"
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_number(const char *s, double *out)
{
	char *end;

	*out = strtod(s, &end);
	return end != s && !*end && *out >= 0 ? 0 : -1;
}

int budget_parse(const char *text, struct budget *out, size_t max)
{
	size_t n = 0;
	int lineno = 0;

	for (const char *line = text; line && *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		char buf[512], val[64];
		const char *eq;
		struct budget *b = &out[n];

		lineno++;
		if (len >= sizeof(buf))
			return error("budget line %d is too long", lineno);
		memcpy(buf, line, len);
		buf[len] = '\0';
		line = nl ? nl + 1 : NULL;
		if (!buf[strspn(buf, " \t")] || buf[strspn(buf, " \t")] == '#')
			continue;
		if (n == max)
			return error("more than %zu budgets", max);
		eq = strchr(buf, '=');
		if (!eq || (size_t)(eq - buf) >= sizeof(b->key) || eq == buf)
			return error("budget line %d: expected key=limit", lineno);
		memcpy(b->key, buf, (size_t)(eq - buf));
		b->key[eq - buf] = '\0';
		if (kv_get(buf, b->key, val, sizeof(val)) < 0 || parse_number(val, &b->limit) < 0)
			return error("budget line %d: '%s' has no numeric limit", lineno, b->key);
		if (kv_get(buf, "measured", val, sizeof(val)) < 0 ||
		    parse_number(val, &b->measured) < 0 ||
		    kv_get(buf, "date", b->date, sizeof(b->date)) < 0)
			return error(
				"budget line %d: '%s' must say the measured figure and date it "
				"came from",
				lineno, b->key);
		n++;
	}
	return (int)n;
}
