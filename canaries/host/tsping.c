/* SPDX-License-Identifier: BSD-3-Clause */
#include "tsping.h"
#include "strbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *tsping_path_name(enum tsping_path path)
{
	switch (path) {
	case TSPING_DIRECT: return "direct";
	case TSPING_DERP: return "DERP";
	case TSPING_RELAY: return "peer-relay";
	case TSPING_OTHER: break;
	}
	return "other";
}

int tsping_duration_ms(const char *s, double *ms)
{
	/* longest first where one unit is a prefix of another ("ms" before "m") */
	static const struct {
		const char *unit;
		double ms;
	} units[] = {
		{ "ns", 1e-6 }, { "us", 1e-3 }, { "\xc2\xb5s", 1e-3 }, { "\xce\xbcs", 1e-3 },
		{ "ms", 1 },    { "s", 1e3 },   { "m", 60e3 },         { "h", 3600e3 },
	};
	double total = 0;

	if (!*s)
		return -1;
	while (*s) {
		size_t digits = strspn(s, "0123456789."), i;
		char num[32], *end;
		double v;

		if (!digits || digits >= sizeof(num))
			return -1;
		memcpy(num, s, digits);
		num[digits] = '\0';
		v = strtod(num, &end);
		if (*end)
			return -1; /* "1.2.3" */
		s += digits;
		for (i = 0; i < ARRAY_SIZE(units); i++)
			if (!strncmp(s, units[i].unit, strlen(units[i].unit)))
				break;
		if (i == ARRAY_SIZE(units)) {
			/* Go prints a bare "0" for no duration at all */
			if (!*s && v == 0 && total == 0)
				break;
			return -1;
		}
		total += v * units[i].ms;
		s += strlen(units[i].unit);
	}
	*ms = total;
	return 0;
}

/* Copy [from, to) into buf (truncating); the copy is always terminated. */
static void copy_span(char *buf, size_t len, const char *from, const char *to)
{
	snprintf(buf, len, "%.*s", (int)(to - from), from);
}

/* VIA between "prefix(" and a final ")" into inner; 1 if via has that shape. */
static int enclosed(const char *via, const char *prefix, char *inner, size_t len)
{
	size_t p = strlen(prefix), n = strlen(via);

	if (n < p + 2 || strncmp(via, prefix, p) || via[p] != '(' || via[n - 1] != ')')
		return 0;
	copy_span(inner, len, via + p + 1, via + n - 1);
	return 1;
}

/* 1 if s is "a.b.c.d:port" or "[v6]:port": a direct endpoint. */
static int is_endpoint(const char *s)
{
	const char *colon = strrchr(s, ':');
	size_t port;

	if (!colon || colon == s)
		return 0;
	port = strspn(colon + 1, "0123456789");
	if (!port || colon[1 + port] != '\0')
		return 0;
	if (*s == '[')
		return colon[-1] == ']';
	return strspn(s, "0123456789.") == (size_t)(colon - s);
}

int tsping_parse_line(const char *line, struct tsping_pong *pong)
{
	static const char head[] = "pong from ";
	const char *name, *open, *ip, *close, *via, *in = NULL, *p, *end;
	char via_text[sizeof(pong->via) + 32], latency[64];

	memset(pong, 0, sizeof(*pong));
	pong->latency_ms = -1;
	if (strncmp(line, head, sizeof(head) - 1))
		return -1;
	name = line + sizeof(head) - 1;
	open = strstr(name, " (");
	close = open ? strstr(open, ") via ") : NULL;
	if (!open || !close)
		return -1;
	copy_span(pong->node, sizeof(pong->node), name, open);
	ip = open + 2;
	copy_span(pong->ip, sizeof(pong->ip), ip, ip + strcspn(ip, ",)"));
	via = close + 6;
	/* the last " in " ends VIA (a DERP region name might hold one) */
	for (p = via; (p = strstr(p, " in ")); p++)
		in = p;
	if (!in || in == via)
		return -1;
	copy_span(via_text, sizeof(via_text), via, in);
	end = in + 4 + strcspn(in + 4, "\r\n");
	while (end > in + 4 && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	copy_span(latency, sizeof(latency), in + 4, end);
	if (tsping_duration_ms(latency, &pong->latency_ms) < 0)
		pong->latency_ms = -1;
	if (enclosed(via_text, "DERP", pong->via, sizeof(pong->via))) {
		pong->path = TSPING_DERP;
	} else if (enclosed(via_text, "peer-relay", pong->via, sizeof(pong->via))) {
		pong->path = TSPING_RELAY;
	} else {
		copy_span(pong->via, sizeof(pong->via), via_text, via_text + strlen(via_text));
		pong->path = is_endpoint(via_text) ? TSPING_DIRECT : TSPING_OTHER;
	}
	return 0;
}

int tsping_parse(const char *text, size_t len, struct tsping_result *res)
{
	const char *p = text, *end = text + len;

	memset(res, 0, sizeof(*res));
	res->last.latency_ms = -1;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);
		char line[512];
		struct tsping_pong pong;

		copy_span(line, sizeof(line), p, p + n);
		p = nl ? nl + 1 : end;
		if (tsping_parse_line(line, &pong) == 0) {
			res->pongs++;
			res->direct += pong.path == TSPING_DIRECT;
			res->derp += pong.path == TSPING_DERP;
			res->relay += pong.path == TSPING_RELAY;
			res->last = pong;
		} else if (!strncmp(line, "ping \"", 6) && strstr(line, "\" timed out")) {
			res->timeouts++;
		}
	}
	return res->pongs;
}
