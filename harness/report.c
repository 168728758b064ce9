/* SPDX-License-Identifier: BSD-3-Clause */
#include "report.h"

#include "log.h"
#include "strbuf.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void report_init(struct report *r, const char *arch, const char *variant)
{
	memset(r, 0, sizeof(*r));
	r->arch = xstrdup(arch);
	r->variant = xstrdup(variant ? variant : "default");
	r->timings = json_object();
	r->metrics = json_object();
	r->versions = json_object();
	r->extra = json_object();
}

void report_extra(struct report *r, const char *key, json_t *value)
{
	json_object_set(r->extra, key, value);
}

void report_release(struct report *r)
{
	for (size_t i = 0; i < r->ncanaries; i++) {
		struct canary_result *c = &r->canaries[i];

		free(c->name);
		free(c->signature);
		free(c->summary);
		free(c->detail);
		json_decref(c->figures);
	}
	free(r->canaries);
	free(r->arch);
	free(r->variant);
	free(r->tailscale_version);
	free(r->error);
	json_decref(r->timings);
	json_decref(r->metrics);
	json_decref(r->versions);
	json_decref(r->extra);
	memset(r, 0, sizeof(*r));
}

void report_add(struct report *r, const char *name, enum verdict v, int timed_out,
		double duration_s, const char *signature, const char *summary, const char *detail,
		json_t *figures)
{
	struct canary_result *c;

	r->canaries = xrealloc(r->canaries, (r->ncanaries + 1) * sizeof(*c));
	c = &r->canaries[r->ncanaries++];
	c->name = xstrdup(name);
	c->verdict = v;
	c->timed_out = timed_out;
	c->duration_s = duration_s;
	c->signature = xstrdup(signature ? signature : "");
	c->summary = xstrdup(summary ? summary : "");
	c->detail = xstrdup(detail ? detail : "");
	c->figures = figures;
}

void report_set_error(struct report *r, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	if (r->error)
		return;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	r->error = strbuf_detach(&sb, NULL);
}

int report_passed(const struct report *r)
{
	if (r->error || !r->ncanaries)
		return 0;
	for (size_t i = 0; i < r->ncanaries; i++)
		if (r->canaries[i].verdict != VERDICT_PASS)
			return 0;
	return 1;
}

/*
 * Length of the well-formed UTF-8 sequence at p that is also a character
 * XML 1.0 and YAML allow (no surrogates, no U+FFFE/U+FFFF), or 0. Control
 * characters are the callers' business.
 */
static size_t utf8_char_len(const unsigned char *p)
{
	unsigned int c;
	size_t n;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2, c = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, c = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, c = p[0] & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)))
		return 0;
	if ((c >= 0xd800 && c <= 0xdfff) || c == 0xfffe || c == 0xffff)
		return 0;
	return n;
}

/*
 * Append the next character of *s, or '?' for a byte that starts no valid
 * one; advance *s. Reports must stay valid UTF-8 whatever a probe returned.
 */
static void add_utf8_char(struct strbuf *sb, const char **s)
{
	size_t n = utf8_char_len((const unsigned char *)*s);

	if (!n) {
		strbuf_addch(sb, '?');
		(*s)++;
		return;
	}
	strbuf_add(sb, *s, n);
	*s += n;
}

/* TAP descriptions end at '#' and newlines: keep them on one plain line. */
static void tap_text(struct strbuf *sb, const char *s)
{
	while (*s) {
		unsigned char c = (unsigned char)*s;

		if (c == '#' || c == '\n' || c == '\r' || c == '\t') {
			strbuf_addch(sb, ' ');
			s++;
		} else if (c < 0x20 || c == 0x7f) {
			strbuf_addch(sb, '?');
			s++;
		} else {
			add_utf8_char(sb, &s);
		}
	}
}

/*
 * A YAML double-quoted scalar on one line: for text a block scalar cannot
 * carry (its first line would set a deeper indentation than the rest).
 */
static void tap_quoted(struct strbuf *sb, const char *key, const char *text)
{
	const char *p = text;

	strbuf_addf(sb, "  %s: \"", key);
	while (*p) {
		unsigned char c = (unsigned char)*p;

		if (c == '"' || c == '\\') {
			strbuf_addch(sb, '\\');
			strbuf_addch(sb, (char)c);
			p++;
		} else if (c == '\n') {
			strbuf_addstr(sb, "\\n");
			p++;
		} else if (c < 0x20 || c == 0x7f) {
			strbuf_addf(sb, "\\x%02x", c);
			p++;
		} else {
			add_utf8_char(sb, &p);
		}
	}
	strbuf_addstr(sb, "\"\n");
}

/*
 * A YAML literal block scalar, indented under the given key. Tabs and
 * carriage returns become spaces, other control characters '?'.
 */
static void tap_block(struct strbuf *sb, const char *key, const char *text)
{
	const char *p = text;

	if (!*text)
		return;
	if (*text == ' ' || *text == '\t' || *text == '\n' || *text == '\r') {
		tap_quoted(sb, key, text);
		return;
	}
	strbuf_addf(sb, "  %s: |\n", key);
	while (*p) {
		strbuf_addstr(sb, "    ");
		while (*p && *p != '\n') {
			unsigned char c = (unsigned char)*p;

			if (c == '\r' || c == '\t') {
				strbuf_addch(sb, ' ');
				p++;
			} else if (c < 0x20 || c == 0x7f) {
				strbuf_addch(sb, '?');
				p++;
			} else {
				add_utf8_char(sb, &p);
			}
		}
		strbuf_addch(sb, '\n');
		if (*p == '\n')
			p++;
	}
}

int report_write_tap(const struct report *r, FILE *fp)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i, counts[3] = { 0, 0, 0 }; /* pass, fail, skip */
	int ret = 0;

	strbuf_addstr(&sb, "TAP version 13\n");
	strbuf_addf(&sb, "1..%zu\n", r->ncanaries + (r->error ? 1 : 0));
	for (i = 0; i < r->ncanaries; i++) {
		const struct canary_result *c = &r->canaries[i];

		strbuf_addf(&sb, "%s %zu - ", c->verdict == VERDICT_FAIL ? "not ok" : "ok", i + 1);
		tap_text(&sb, c->name);
		if (c->verdict == VERDICT_SKIP) {
			strbuf_addstr(&sb, " # SKIP ");
			tap_text(&sb, c->summary);
		} else if (c->timed_out) {
			strbuf_addstr(&sb, " # TIMEOUT ");
			tap_text(&sb, c->summary);
		}
		strbuf_addch(&sb, '\n');
		strbuf_addstr(&sb, "  ---\n");
		strbuf_addf(&sb, "  duration_ms: %.0f\n", c->duration_s * 1000.0);
		tap_block(&sb, "summary", c->summary);
		tap_block(&sb, "detail", c->detail);
		strbuf_addstr(&sb, "  ...\n");
	}
	if (r->error) {
		strbuf_addf(&sb, "not ok %zu - run ", i + 1);
		strbuf_addstr(&sb, "\n  ---\n");
		tap_block(&sb, "error", r->error);
		strbuf_addstr(&sb, "  ...\n");
	}
	/* the totals a CI log shows without a TAP parser (a run error fails) */
	for (i = 0; i < r->ncanaries; i++)
		counts[r->canaries[i].verdict == VERDICT_FAIL   ? 1
		       : r->canaries[i].verdict == VERDICT_SKIP ? 2
								: 0]++;
	if (r->error)
		counts[1]++;
	strbuf_addf(&sb, "# totals: pass %zu, fail %zu, skip %zu\n", counts[0], counts[1],
		    counts[2]);
	if (fwrite(sb.buf, 1, sb.len, fp) != sb.len)
		ret = error_errno("cannot write TAP report");
	strbuf_release(&sb);
	return ret;
}

void xml_escape(struct strbuf *sb, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '<': strbuf_addstr(sb, "&lt;"); break;
		case '>': strbuf_addstr(sb, "&gt;"); break;
		case '&': strbuf_addstr(sb, "&amp;"); break;
		case '"': strbuf_addstr(sb, "&quot;"); break;
		case '\'': strbuf_addstr(sb, "&apos;"); break;
		default:
			/* XML 1.0 allows only \t \n \r below 0x20, and only
			 * characters: no stray bytes, surrogates, U+FFFE/F */
			if (*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r') {
				strbuf_addch(sb, '?');
			} else {
				const char *q = (const char *)p;

				add_utf8_char(sb, &q);
				p = (const unsigned char *)q - 1;
			}
		}
	}
}

int report_write_junit(const struct report *r, FILE *fp)
{
	struct strbuf sb = STRBUF_INIT, suite = STRBUF_INIT;
	size_t failures = 0, skipped = 0;
	double total = 0;
	int ret = 0;

	for (size_t i = 0; i < r->ncanaries; i++) {
		failures += r->canaries[i].verdict == VERDICT_FAIL;
		skipped += r->canaries[i].verdict == VERDICT_SKIP;
		total += r->canaries[i].duration_s;
	}
	strbuf_addf(&suite, "tscanary.%s.%s", r->arch, r->variant);
	strbuf_addstr(&sb, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n");
	strbuf_addstr(&sb, "  <testsuite name=\"");
	xml_escape(&sb, suite.buf);
	strbuf_addf(
		&sb,
		"\" tests=\"%zu\" failures=\"%zu\" errors=\"%d\" skipped=\"%zu\" time=\"%.3f\">\n",
		r->ncanaries, failures, r->error ? 1 : 0, skipped, total);
	for (size_t i = 0; i < r->ncanaries; i++) {
		const struct canary_result *c = &r->canaries[i];

		strbuf_addstr(&sb, "    <testcase classname=\"");
		xml_escape(&sb, suite.buf);
		strbuf_addstr(&sb, "\" name=\"");
		xml_escape(&sb, c->name);
		strbuf_addf(&sb, "\" time=\"%.3f\">\n", c->duration_s);
		if (c->verdict == VERDICT_FAIL) {
			strbuf_addstr(&sb, "      <failure type=\"");
			strbuf_addstr(&sb, c->timed_out ? "timeout" : "fail");
			strbuf_addstr(&sb, "\" message=\"");
			xml_escape(&sb, c->summary);
			strbuf_addstr(&sb, "\">");
			xml_escape(&sb, c->detail);
			strbuf_addstr(&sb, "</failure>\n");
		} else if (c->verdict == VERDICT_SKIP) {
			strbuf_addstr(&sb, "      <skipped message=\"");
			xml_escape(&sb, c->summary);
			strbuf_addstr(&sb, "\"/>\n");
		}
		if (*c->detail && c->verdict != VERDICT_FAIL) {
			strbuf_addstr(&sb, "      <system-out>");
			xml_escape(&sb, c->detail);
			strbuf_addstr(&sb, "</system-out>\n");
		}
		strbuf_addstr(&sb, "    </testcase>\n");
	}
	if (r->error) {
		strbuf_addstr(&sb, "    <testcase classname=\"");
		xml_escape(&sb, suite.buf);
		strbuf_addstr(&sb, "\" name=\"run\" time=\"0\">\n      <error message=\"");
		xml_escape(&sb, r->error);
		strbuf_addstr(&sb, "\"/>\n    </testcase>\n");
	}
	strbuf_addstr(&sb, "  </testsuite>\n</testsuites>\n");
	if (fwrite(sb.buf, 1, sb.len, fp) != sb.len)
		ret = error_errno("cannot write JUnit report");
	strbuf_release(&sb);
	strbuf_release(&suite);
	return ret;
}

json_t *report_to_json(const struct report *r)
{
	json_t *o = json_object(), *list = json_array();

	json_object_set_new(o, "arch", json_string(r->arch));
	json_object_set_new(o, "tailscale_version",
			    r->tailscale_version ? json_string(r->tailscale_version) : json_null());
	json_object_set_new(o, "variant", json_string(r->variant));
	json_object_set_new(o, "result", json_string(report_passed(r) ? "pass" : "fail"));
	if (r->error)
		json_object_set_new(o, "error", json_string(r->error));
	json_object_set(o, "timings", r->timings);
	json_object_set(o, "metrics", r->metrics);
	json_object_set(o, "versions", r->versions);
	json_object_update(o, r->extra);
	for (size_t i = 0; i < r->ncanaries; i++) {
		const struct canary_result *c = &r->canaries[i];
		json_t *e = json_object();

		json_object_set_new(e, "name", json_string(c->name));
		json_object_set_new(e, "result", json_string(verdict_name(c->verdict)));
		json_object_set_new(e, "duration_s", json_real(c->duration_s));
		if (c->timed_out)
			json_object_set_new(e, "timed_out", json_true());
		if (*c->signature) {
			/* the first signature seen; every one, when there were more */
			size_t n = strcspn(c->signature, " ");

			json_object_set_new(e, "signature", json_stringn(c->signature, n));
			if (c->signature[n]) {
				json_t *all = json_array();

				for (const char *p = c->signature; *p;) {
					size_t k = strcspn(p, " ");

					json_array_append_new(all, json_stringn(p, k));
					p += k + (p[k] == ' ');
				}
				json_object_set_new(e, "signatures", all);
			}
		}
		json_object_set_new(e, "summary", json_string(c->summary));
		json_object_set_new(e, "detail", json_string(c->detail));
		if (c->figures)
			json_object_set(e, "figures", c->figures);
		json_array_append_new(list, e);
	}
	json_object_set_new(o, "canaries", list);
	return o;
}

static int write_file_atomic(const char *dir, const char *name,
			     int (*fn)(const struct report *, FILE *), const struct report *r)
{
	char *path = xasprintf("%s/%s", dir, name);
	char *tmp = xasprintf("%s/.%s.tmp", dir, name);
	FILE *fp = fopen(tmp, "we");
	int ret = 0;

	if (!fp)
		ret = error_errno("cannot create '%s'", tmp);
	else {
		ret = fn(r, fp);
		if (fclose(fp) != 0 && !ret)
			ret = error_errno("cannot write '%s'", tmp);
		if (!ret && rename(tmp, path) < 0)
			ret = error_errno("cannot rename '%s' to '%s'", tmp, path);
	}
	free(path);
	free(tmp);
	return ret;
}

static int write_json(const struct report *r, FILE *fp)
{
	json_t *o = report_to_json(r);
	int ret = json_dumpf(o, fp, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));

	json_decref(o);
	if (ret < 0 || fputc('\n', fp) == EOF)
		return error("cannot write summary JSON");
	return 0;
}

int report_write_all(const struct report *r, const char *dir)
{
	int ret = 0;

	ret |= write_file_atomic(dir, "summary.json", write_json, r);
	ret |= write_file_atomic(dir, "report.tap", report_write_tap, r);
	ret |= write_file_atomic(dir, "junit.xml", report_write_junit, r);
	return ret ? -1 : 0;
}
