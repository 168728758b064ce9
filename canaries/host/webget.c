/* SPDX-License-Identifier: BSD-3-Clause */
/* GETs a lab web server must log from one source, and a sibling's GET (webget.h). */
#include "webget.h"

#include "router.h"
#include "strbuf.h"

#include <stdio.h>
#include <string.h>

void web_get_init(struct web_get *g, const char *label, const char *url, const char *log,
		  const char *addr)
{
	*g = (struct web_get){ .label = label, .url = url, .log = log };
	snprintf(g->src, sizeof(g->src), "src=%s:", addr);
}

int web_gets(struct scenario *s, struct canary_outcome *out, const struct probe_site *where,
	     struct web_get *set, size_t n, int timeout_ms)
{
	struct http_probe probes[2];

	if (n > sizeof(probes) / sizeof(probes[0]))
		return -1;
	for (size_t i = 0; i < n; i++) {
		set[i].mark = log_mark(set[i].log);
		probes[i] = (struct http_probe){ .where = where,
						 .label = set[i].label,
						 .url = set[i].url,
						 .timeout_ms = timeout_ms };
	}
	if (probe_http_set(s, out, probes, n) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		set[i].res = probes[i].res;
	return 0;
}

int web_get_seen(const struct web_get *g, char *line, size_t len)
{
	const char *needles[] = { g->src, "status=200", NULL };

	return log_find_since(g->log, g->mark, needles, line, len);
}

const char *web_get_addr(const struct web_get *g, char *buf, size_t len)
{
	size_t n = strlen(g->src);

	/* "src=" ADDR ":" */
	snprintf(buf, len, "%.*s", n > 5 ? (int)(n - 5) : 0, g->src + 4);
	return buf;
}

void sibling_keep(struct sibling_get *sb, const struct web_get *set, size_t n)
{
	sb->kept = n == 2;
	if (sb->kept)
		sb->g = set[1];
}

int sibling_take(struct sibling_get *sb, struct canary_outcome *out, const char *beside,
		 struct web_get *g)
{
	if (!sb->kept)
		return 0;
	sb->kept = 0;
	*g = sb->g;
	strbuf_addf(&out->detail, "%s: %s (made beside %s's GET)\n", g->label, g->res.line, beside);
	return 1;
}
