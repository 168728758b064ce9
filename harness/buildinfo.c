/* SPDX-License-Identifier: BSD-3-Clause */
#include "buildinfo.h"

#include "strbuf.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FIELDS 4

/* Split line at tabs into up to MAX_FIELDS fields (the last keeps the rest). */
static size_t split_tabs(char *line, char **f)
{
	size_t n = 0;

	while (n < MAX_FIELDS) {
		char *tab = n + 1 < MAX_FIELDS ? strchr(line, '\t') : NULL;

		f[n++] = line;
		if (!tab)
			break;
		*tab = '\0';
		line = tab + 1;
	}
	return n;
}

/* Undo Go's strconv.Quote for the escapes it writes in settings. */
static char *unquote(const char *s)
{
	struct strbuf sb = STRBUF_INIT;
	size_t len = strlen(s);

	if (len < 2 || s[0] != '"' || s[len - 1] != '"')
		return xstrdup(s);
	for (size_t i = 1; i + 1 < len; i++) {
		char c = s[i];

		if (c == '\\' && i + 2 < len) {
			c = s[++i];
			c = c == 'n' ? '\n' : c == 't' ? '\t' : c == 'r' ? '\r' : c;
		}
		strbuf_addch(&sb, c);
	}
	return strbuf_detach(&sb, NULL);
}

static void add_module(struct go_buildinfo *bi, char **f, size_t n)
{
	struct go_module *m;

	bi->mods = xrealloc(bi->mods, (bi->nmods + 1) * sizeof(*bi->mods));
	m = &bi->mods[bi->nmods++];
	m->path = xstrdup(f[1]);
	m->version = xstrdup(n > 2 ? f[2] : "");
	m->replace = NULL;
	m->main = !strcmp(f[0], "mod");
}

static void add_setting(struct go_buildinfo *bi, const char *kv)
{
	const char *eq = kv[0] == '"' ? NULL : strchr(kv, '=');
	struct go_setting *s;

	if (!eq) /* a quoted key: not one this harness reads */
		return;
	bi->settings = xrealloc(bi->settings, (bi->nsettings + 1) * sizeof(*bi->settings));
	s = &bi->settings[bi->nsettings++];
	s->key = xmalloc((size_t)(eq - kv) + 1);
	memcpy(s->key, kv, (size_t)(eq - kv));
	s->key[eq - kv] = '\0';
	s->value = unquote(eq + 1);
}

static void parse_line(struct go_buildinfo *bi, char *line, int first)
{
	char *f[MAX_FIELDS], *colon;
	size_t n;

	if (first && *line != '\t' && (colon = strstr(line, ": go"))) {
		/* "FILE: go1.26.8" (a file name may hold ": " too: take the last) */
		for (char *c; (c = strstr(colon + 1, ": go"));)
			colon = c;
		free(bi->go_version);
		bi->go_version = xstrdup(colon + 2);
		return;
	}
	while (*line == '\t' || *line == ' ')
		line++;
	if (!strncmp(line, "build\t", 6)) {
		add_setting(bi, line + 6); /* the setting may hold tabs (quoted) */
		return;
	}
	n = split_tabs(line, f);
	if (n < 2)
		return;
	if (!strcmp(f[0], "go")) {
		free(bi->go_version);
		bi->go_version = xstrdup(f[1]);
	} else if (!strcmp(f[0], "path")) {
		free(bi->path);
		bi->path = xstrdup(f[1]);
	} else if (!strcmp(f[0], "mod") || !strcmp(f[0], "dep")) {
		add_module(bi, f, n);
	} else if (!strcmp(f[0], "=>") && bi->nmods && !bi->mods[bi->nmods - 1].replace) {
		bi->mods[bi->nmods - 1].replace = xstrdup(f[1]);
	}
}

int go_buildinfo_parse(struct go_buildinfo *bi, const char *text)
{
	char *copy = xstrdup(text), *line = copy, *next;
	int first = 1;

	memset(bi, 0, sizeof(*bi));
	for (; line && *line; line = next, first = 0) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (next && next - line > 1 && next[-2] == '\r')
			next[-2] = '\0';
		parse_line(bi, line, first);
	}
	free(copy);
	if (!bi->go_version || strncmp(bi->go_version, "go", 2) ||
	    (!bi->path && !bi->nmods && !bi->nsettings)) {
		go_buildinfo_release(bi);
		return -1;
	}
	return 0;
}

void go_buildinfo_release(struct go_buildinfo *bi)
{
	for (size_t i = 0; i < bi->nmods; i++) {
		free(bi->mods[i].path);
		free(bi->mods[i].version);
		free(bi->mods[i].replace);
	}
	for (size_t i = 0; i < bi->nsettings; i++) {
		free(bi->settings[i].key);
		free(bi->settings[i].value);
	}
	free(bi->mods);
	free(bi->settings);
	free(bi->go_version);
	free(bi->path);
	memset(bi, 0, sizeof(*bi));
}

const char *go_buildinfo_setting(const struct go_buildinfo *bi, const char *key)
{
	/* the last one wins, as with repeated flags */
	for (size_t i = bi->nsettings; i-- > 0;)
		if (!strcmp(bi->settings[i].key, key))
			return bi->settings[i].value;
	return NULL;
}

const char *go_buildinfo_module_version(const struct go_buildinfo *bi, const char *path)
{
	for (size_t i = 0; i < bi->nmods; i++)
		if (!strcmp(bi->mods[i].path, path))
			return bi->mods[i].version;
	return NULL;
}

/* Length of the "X.Y.Z" that s starts with (digits.digits.digits), or 0. */
static size_t semver_core(const char *s)
{
	size_t i = 0;

	for (int part = 0; part < 3; part++) {
		size_t start = i;

		while (isdigit((unsigned char)s[i]))
			i++;
		if (i == start)
			return 0;
		if (part < 2 && s[i++] != '.')
			return 0;
	}
	return i;
}

/* Copy "v" + s[0..len) into out when it fits; 0, or -1. */
static int put_version(char *out, size_t n, const char *s, size_t len)
{
	if (len + 2 > n)
		return -1;
	out[0] = 'v';
	memcpy(out + 1, s, len);
	out[len + 1] = '\0';
	return 0;
}

/*
 * Length of the module version at v ("vX.Y.Z" with an optional
 * "-prerelease" of [0-9A-Za-z.-]), stopping before any "+meta"; 0 when it
 * is not one ("(devel)", empty).
 */
static size_t module_version_len(const char *v)
{
	size_t i;

	if (v[0] != 'v' || !(i = semver_core(v + 1)))
		return 0;
	i++;
	if (v[i] == '-') {
		size_t start = ++i;

		while (isalnum((unsigned char)v[i]) || v[i] == '.' || v[i] == '-')
			i++;
		if (i == start)
			return 0;
	}
	return v[i] == '\0' || v[i] == '+' ? i : 0;
}

/*
 * The X.Y.Z of "-X <path>/version.<name>=X.Y.Z..." in ldflags: its offset
 * into ldflags and length in *len, or NULL. Flags are blank separated, as
 * go passes them on; "-X=" and quotes around the value are understood.
 */
static const char *ldflags_stamp(const char *ldflags, const char *path, const char *name,
				 size_t *len)
{
	char *want = xasprintf("%s/version.%s=", path, name);
	size_t wlen = strlen(want);
	const char *hit = NULL;
	int after_x = 0;

	for (const char *p = ldflags; *p && !hit;) {
		size_t tlen = strcspn(p, " \t");
		const char *tok = p, *val = NULL;

		if (tlen == 2 && !memcmp(tok, "-X", 2)) {
			after_x = 1;
		} else {
			if (tlen > 3 && !memcmp(tok, "-X=", 3))
				val = tok + 3;
			else if (after_x)
				val = tok;
			after_x = 0;
			if (val && (*val == '\'' || *val == '"'))
				val++;
			if (val && !strncmp(val, want, wlen) && (*len = semver_core(val + wlen)))
				hit = val + wlen;
		}
		p += tlen;
		p += strspn(p, " \t");
	}
	free(want);
	return hit;
}

int go_buildinfo_release_version(const struct go_buildinfo *bi, const char *path, char *out,
				 size_t n, const char **from)
{
	static const char *const stamps[] = { "shortStamp", "longStamp" };
	const char *ldflags = go_buildinfo_setting(bi, "-ldflags");

	for (size_t i = 0; i < bi->nmods; i++) {
		const struct go_module *m = &bi->mods[i];
		size_t len;

		if (strcmp(m->path, path) || !(len = module_version_len(m->version)))
			continue;
		if (len + 1 > n)
			return -1;
		memcpy(out, m->version, len);
		out[len] = '\0';
		if (from)
			*from = m->main ? "mod" : "dep";
		return 0;
	}
	for (size_t i = 0; ldflags && i < ARRAY_SIZE(stamps); i++) {
		size_t len;
		const char *v = ldflags_stamp(ldflags, path, stamps[i], &len);

		if (v && put_version(out, n, v, len) == 0) {
			if (from)
				*from = "-ldflags";
			return 0;
		}
	}
	return -1;
}
