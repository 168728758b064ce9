#include "variant.h"

#include "log.h"
#include "strbuf.h"

#include <stdlib.h>
#include <string.h>

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* Split a space-separated list into a new array of strings. */
static char **split_words(const char *s, size_t *n)
{
	char **out = NULL;

	*n = 0;
	while (*s) {
		size_t len;

		while (*s == ' ' || *s == '\t')
			s++;
		len = strcspn(s, " \t");
		if (!len)
			break;
		out = xrealloc(out, (*n + 1) * sizeof(*out));
		out[*n] = xmalloc(len + 1);
		memcpy(out[*n], s, len);
		out[*n][len] = '\0';
		(*n)++;
		s += len;
	}
	return out;
}

static struct variant_claim *find_claim(const struct variant *v, const char *canary)
{
	for (size_t i = 0; i < v->nclaims; i++)
		if (!strcmp(v->claims[i].canary, canary))
			return &v->claims[i];
	return NULL;
}

static int set_signature(struct variant *v, const char *canary, const char *sig,
			 int lineno)
{
	struct variant_claim *c = find_claim(v, canary);

	if (!c)
		return error("variant '%s' line %d: signature for '%s', which it does not claim",
			     v->name, lineno, canary);
	free(c->signature);
	c->signature = xstrdup(sig);
	return 0;
}

int variant_parse(struct variant *v, const char *name, const char *text)
{
	char *copy = xstrdup(text), *line = copy, *next;
	int lineno = 0, ret = 0;
	struct strbuf sigs = STRBUF_INIT; /* "canary\tsig\tline\n", applied after claims */

	memset(v, 0, sizeof(*v));
	v->name = xstrdup(name);
	for (; line && !ret; line = next) {
		char *eq, *key, *val;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		line = trim(line);
		if (!*line || *line == '#')
			continue;
		eq = strchr(line, '=');
		if (!eq) {
			ret = error("variant '%s' line %d: expected key=value", name, lineno);
			break;
		}
		*eq = '\0';
		key = trim(line);
		val = trim(eq + 1);
		if (!strcmp(key, "description")) {
			free(v->description);
			v->description = xstrdup(val);
		} else if (!strcmp(key, "claims")) {
			size_t n;
			char **words = split_words(val, &n);

			for (size_t i = 0; i < n; i++) {
				v->claims = xrealloc(v->claims, (v->nclaims + 1) * sizeof(*v->claims));
				v->claims[v->nclaims].canary = words[i];
				v->claims[v->nclaims].signature = xstrdup("");
				v->nclaims++;
			}
			free(words);
		} else if (!strcmp(key, "collateral")) {
			for (size_t i = 0; i < v->ncollateral; i++)
				free(v->collateral[i]);
			free(v->collateral);
			v->collateral = split_words(val, &v->ncollateral);
		} else if (!strncmp(key, "signature.", 10)) {
			strbuf_addf(&sigs, "%s\t%s\t%d\n", key + 10, val, lineno);
		} else if (!strcmp(key, "omit") || !strcmp(key, "drop_allow") ||
			   !strcmp(key, "upx") || !strcmp(key, "filter") || !strcmp(key, "env")) {
			/* build-side keys: image/build.sh applies them */
		} else {
			ret = error("variant '%s' line %d: unknown key '%s'", name, lineno, key);
		}
	}
	for (char *s = sigs.buf; !ret && s && *s;) {
		char *nl = strchr(s, '\n'), *t1 = strchr(s, '\t'), *t2;

		*nl = '\0';
		*t1 = '\0';
		t2 = strchr(t1 + 1, '\t');
		*t2 = '\0';
		ret = set_signature(v, s, t1 + 1, (int)strtol(t2 + 1, NULL, 10));
		s = nl + 1;
	}
	if (!ret && !v->nclaims)
		ret = error("variant '%s' claims no canary: it could never be caught", name);
	strbuf_release(&sigs);
	free(copy);
	if (ret)
		variant_release(v);
	return ret;
}

int variant_load(struct variant *v, const char *dir, const char *name)
{
	struct strbuf sb = STRBUF_INIT;
	char *path;
	int ret;

	if (!*name || strchr(name, '/') || name[0] == '.')
		return error("invalid variant name '%s'", name);
	path = xasprintf("%s/%s", dir, name);
	if (strbuf_read_file(&sb, path) < 0)
		ret = error_errno("cannot read variant '%s'", path);
	else
		ret = variant_parse(v, name, strbuf_str(&sb));
	strbuf_release(&sb);
	free(path);
	return ret;
}

void variant_release(struct variant *v)
{
	for (size_t i = 0; i < v->nclaims; i++) {
		free(v->claims[i].canary);
		free(v->claims[i].signature);
	}
	for (size_t i = 0; i < v->ncollateral; i++)
		free(v->collateral[i]);
	free(v->claims);
	free(v->collateral);
	free(v->name);
	free(v->description);
	memset(v, 0, sizeof(*v));
}

static int is_collateral(const struct variant *v, const char *canary)
{
	for (size_t i = 0; i < v->ncollateral; i++)
		if (!strcmp(v->collateral[i], canary))
			return 1;
	return 0;
}

static json_t *find_result(json_t *canaries, const char *name)
{
	size_t i;
	json_t *e;

	json_array_foreach(canaries, i, e) {
		const char *n = json_string_value(json_object_get(e, "name"));

		if (n && !strcmp(n, name))
			return e;
	}
	return NULL;
}

static const char *str_or(json_t *o, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : dflt;
}

int variant_judge(const struct variant *v, json_t *summary, struct strbuf *why)
{
	json_t *pre = json_object_get(summary, "preconditions");
	json_t *canaries = json_object_get(summary, "canaries");
	const char *key;
	json_t *val, *e;
	int caught = 1;
	size_t i;

	if (!json_is_object(pre) || !json_object_size(pre)) {
		strbuf_addstr(why, "summary has no preconditions: the run proves nothing\n");
		caught = 0;
	}
	json_object_foreach(pre, key, val) {
		if (!json_is_true(val)) {
			strbuf_addf(why, "precondition '%s' did not hold\n", key);
			caught = 0;
		}
	}
	for (i = 0; i < v->nclaims; i++) {
		const struct variant_claim *c = &v->claims[i];
		json_t *r = find_result(canaries, c->canary);
		const char *res, *sig;

		if (!r) {
			strbuf_addf(why, "claiming canary '%s' did not run\n", c->canary);
			caught = 0;
			continue;
		}
		res = str_or(r, "result", "?");
		sig = str_or(r, "signature", "");
		if (strcmp(res, "fail")) {
			strbuf_addf(why, "claiming canary '%s' did not fail (%s)\n", c->canary, res);
			caught = 0;
		} else if (*c->signature && strcmp(sig, c->signature)) {
			strbuf_addf(why, "claiming canary '%s' failed as '%s', not '%s'\n",
				    c->canary, *sig ? sig : "(none)", c->signature);
			caught = 0;
		} else {
			strbuf_addf(why, "'%s' failed as declared (%s)\n", c->canary,
				    *sig ? sig : "any failure");
		}
	}
	json_array_foreach(canaries, i, e) {
		const char *name = str_or(e, "name", "?");
		const char *res = str_or(e, "result", "?");

		if (find_claim(v, name) || !strcmp(res, "pass"))
			continue;
		if (is_collateral(v, name)) {
			strbuf_addf(why, "'%s' %s (declared collateral)\n", name, res);
			continue;
		}
		strbuf_addf(why, "non-claiming canary '%s' did not pass (%s)\n", name, res);
		caught = 0;
	}
	return caught;
}

json_t *variant_report(const struct variant *v, json_t *summary)
{
	struct strbuf why = STRBUF_INIT;
	json_t *o = json_object(), *claims = json_array(), *failed = json_array();
	json_t *reasons = json_array(), *e;
	int caught = 0;
	size_t i;

	json_object_set_new(o, "variant", json_string(v->name));
	json_object_set_new(o, "description", json_string(v->description ? v->description : ""));
	for (i = 0; i < v->nclaims; i++)
		json_array_append_new(claims, json_pack("{s:s,s:s}", "canary", v->claims[i].canary,
						       "signature", v->claims[i].signature));
	json_object_set_new(o, "claims", claims);
	if (summary) {
		caught = variant_judge(v, summary, &why);
		json_object_set(o, "preconditions", json_object_get(summary, "preconditions"));
		json_array_foreach(json_object_get(summary, "canaries"), i, e) {
			if (strcmp(str_or(e, "result", "?"), "pass"))
				json_array_append_new(failed, json_pack(
					"{s:s,s:s,s:s,s:s,s:s}", "name", str_or(e, "name", "?"),
					"result", str_or(e, "result", "?"),
					"signature", str_or(e, "signature", ""),
					"summary", str_or(e, "summary", ""),
					"detail", str_or(e, "detail", "")));
		}
	} else {
		strbuf_addstr(&why, "the variant's run left no summary.json (it did not run)\n");
	}
	json_object_set_new(o, "failed", failed);
	for (char *line = why.buf; line && *line;) {
		char *nl = strchr(line, '\n');

		json_array_append_new(reasons, json_stringn(line, nl ? (size_t)(nl - line) : strlen(line)));
		line = nl ? nl + 1 : NULL;
	}
	json_object_set_new(o, "why", reasons);
	json_object_set_new(o, "caught", json_boolean(caught));
	strbuf_release(&why);
	return o;
}
