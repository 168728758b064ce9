/* SPDX-License-Identifier: BSD-3-Clause */
#include "vrules.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "strbuf.h"
#include "tsversion.h"

int vrules_parse(struct vrules *rules, const char *text, const char *what)
{
	const char *line = text;
	int lineno = 0;

	memset(rules, 0, sizeof(*rules));
	while (*line) {
		size_t len = strcspn(line, "\n");
		const char *t1, *t2, *end = line + len;
		struct vrule r;

		lineno++;
		if (len && *line != '#') {
			t1 = memchr(line, '\t', len);
			t2 = t1 ? memchr(t1 + 1, '\t', (size_t)(end - t1 - 1)) : NULL;
			if (!t1 || !t2 || t1 == line || t2 == t1 + 1 || t2 + 1 >= end) {
				vrules_release(rules);
				return error("%s:%d: want key<TAB>versions<TAB>why", what, lineno);
			}
			r.key = xasprintf("%.*s", (int)(t1 - line), line);
			r.versions = xasprintf("%.*s", (int)(t2 - t1 - 1), t1 + 1);
			r.why = xasprintf("%.*s", (int)(end - t2 - 1), t2 + 1);
			rules->v = xrealloc(rules->v, (rules->n + 1) * sizeof(*rules->v));
			rules->v[rules->n++] = r;
			if (tsversion_in("v1.0.0", r.versions) < 0) {
				error("%s:%d: bad versions '%s' (want e.g. '<v1.102.0' or "
				      "'>=v1.80.0 <v1.102.0')",
				      what, lineno, r.versions);
				vrules_release(rules);
				return -1;
			}
		}
		line = *end ? end + 1 : end;
	}
	return 0;
}

int vrules_load(struct vrules *rules, const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	int ret;

	memset(rules, 0, sizeof(*rules));
	if (strbuf_read_file(&sb, path) < 0)
		return error_errno("cannot read '%s'", path);
	ret = vrules_parse(rules, strbuf_str(&sb), path);
	strbuf_release(&sb);
	return ret;
}

void vrules_release(struct vrules *rules)
{
	for (size_t i = 0; i < rules->n; i++) {
		free(rules->v[i].key);
		free(rules->v[i].versions);
		free(rules->v[i].why);
	}
	free(rules->v);
	memset(rules, 0, sizeof(*rules));
}

int vrules_applies(const struct vrule *rule, const char *version)
{
	return tsversion_in(version, rule->versions) == 1;
}

const struct vrule *vrules_match(const struct vrules *rules, const char *version,
				 const char *message)
{
	for (size_t i = 0; i < rules->n; i++)
		if (strstr(message, rules->v[i].key) && vrules_applies(&rules->v[i], version))
			return &rules->v[i];
	return NULL;
}
