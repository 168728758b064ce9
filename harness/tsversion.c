/* SPDX-License-Identifier: BSD-3-Clause */
#include "tsversion.h"

#include "strbuf.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int number(const char **p, long *out)
{
	char *end;

	if (!isdigit((unsigned char)**p))
		return -1;
	errno = 0;
	*out = strtol(*p, &end, 10);
	if (errno)
		return -1;
	*p = end;
	return 0;
}

/* Parse a version that ends at end (exclusive). */
static int parse_span(struct tsversion *v, const char *s, const char *end)
{
	const char *p = s;

	if (p < end && *p == 'v')
		p++;
	if (number(&p, &v->major) < 0 || p >= end || *p++ != '.' || number(&p, &v->minor) < 0 ||
	    p >= end || *p++ != '.' || number(&p, &v->patch) < 0 || p > end)
		return -1;
	if (p == end) {
		v->pre = 0;
		return 0;
	}
	if (*p != '-' || p + 1 >= end)
		return -1;
	v->pre = 1;
	return 0;
}

int tsversion_parse(struct tsversion *v, const char *s)
{
	return parse_span(v, s, s + strlen(s));
}

int tsversion_cmp(const struct tsversion *a, const struct tsversion *b)
{
	if (a->major != b->major)
		return a->major < b->major ? -1 : 1;
	if (a->minor != b->minor)
		return a->minor < b->minor ? -1 : 1;
	if (a->patch != b->patch)
		return a->patch < b->patch ? -1 : 1;
	return b->pre - a->pre;
}

int tsversion_in(const char *s, const char *spec)
{
	struct tsversion v, w;
	const char *p = spec;
	int ok = 1;

	if (tsversion_parse(&v, s) < 0)
		return -1;
	while (*p == ' ')
		p++;
	if (!*p || (p[0] == '*' && !p[1 + strspn(p + 1, " ")]))
		return 1;
	while (*p) {
		size_t n = strcspn(p, " "), oplen = strspn(p, "<>=");
		int c;

		if (oplen < 1 || oplen > 2 || parse_span(&w, p + oplen, p + n) < 0)
			return -1;
		c = tsversion_cmp(&v, &w);
		if (!strncmp(p, "<=", 2) && oplen == 2)
			ok &= c <= 0;
		else if (!strncmp(p, ">=", 2) && oplen == 2)
			ok &= c >= 0;
		else if (oplen == 2)
			return -1;
		else if (*p == '<')
			ok &= c < 0;
		else if (*p == '>')
			ok &= c > 0;
		else
			ok &= c == 0;
		p += n;
		while (*p == ' ')
			p++;
	}
	return ok;
}

static int release_cmp(const void *a, const void *b)
{
	const struct tsrelease *x = a, *y = b;

	return tsversion_cmp(&x->v, &y->v);
}

size_t tsversion_releases(const char *const *versions, size_t n, struct tsrelease **out)
{
	struct tsrelease *r = xcalloc(n ? n : 1, sizeof(*r));
	size_t m = 0, k = 0;

	for (size_t i = 0; i < n; i++)
		if (tsversion_parse(&r[m].v, versions[i]) == 0 && !r[m].v.pre &&
		    r[m].v.minor % 2 == 0)
			r[m++].s = versions[i];
	qsort(r, m, sizeof(*r), release_cmp);
	for (size_t i = 0; i < m; i++)
		if (!k || tsversion_cmp(&r[k - 1].v, &r[i].v))
			r[k++] = r[i];
	*out = r;
	return k;
}

int tsversion_from_output(const char *text, char *out, size_t len)
{
	const char *p = text, *end = text + strcspn(text, "\n");

	while (p < end) {
		size_t n;
		char word[64];
		struct tsversion v;

		p += strspn(p, " \t");
		n = strcspn(p, " \t\n");
		if (n && n < sizeof(word)) {
			memcpy(word, p, n);
			word[n] = '\0';
			if (tsversion_parse(&v, word) == 0) {
				snprintf(out, len, "v%ld.%ld.%ld", v.major, v.minor, v.patch);
				return 0;
			}
		}
		p += n;
	}
	return -1;
}
