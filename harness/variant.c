/* SPDX-License-Identifier: BSD-3-Clause */
#include "variant.h"

#include "files.h"
#include "log.h"
#include "strbuf.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

static int set_signature(struct variant *v, const char *canary, const char *sig, int lineno)
{
	struct variant_claim *c = find_claim(v, canary);

	if (!c)
		return error("variant '%s' line %d: signature for '%s', which it does not claim",
			     v->name, lineno, canary);
	free(c->signature);
	c->signature = xstrdup(sig);
	return 0;
}

/* The preconditions every judged run must hold, in summary.json's "preconditions". */
static const char *const variant_preconditions[] = { "image",  "boot",   "join",
						     "online", "routes", NULL };

static void free_collateral(struct variant *v)
{
	for (size_t i = 0; i < v->ncollateral; i++) {
		free(v->collateral[i]);
		free(v->collateral_outcomes[i]);
	}
	free(v->collateral);
	free(v->collateral_outcomes);
	v->collateral = v->collateral_outcomes = NULL;
	v->ncollateral = 0;
}

/* "canary:sig1|sig2|pass ..." (the sentinel counts as a canary). */
static int set_collateral(struct variant *v, const char *val, int lineno)
{
	size_t n;
	char **words = split_words(val, &n);
	int ret = 0;

	free_collateral(v);
	v->collateral = xcalloc(n ? n : 1, sizeof(*v->collateral));
	v->collateral_outcomes = xcalloc(n ? n : 1, sizeof(*v->collateral_outcomes));
	for (size_t i = 0; i < n; i++) {
		char *colon = strchr(words[i], ':');

		if (!ret && (!colon || colon == words[i] || !colon[1] || strstr(colon, "||") ||
			     colon[1] == '|' || colon[strlen(colon) - 1] == '|'))
			ret = error(
				"variant '%s' line %d: collateral '%s' wants canary:outcome|... "
				"(signatures it may fail with, or pass)",
				v->name, lineno, words[i]);
		if (colon) {
			*colon = '\0';
			v->collateral_outcomes[v->ncollateral] = xstrdup(colon + 1);
		} else {
			v->collateral_outcomes[v->ncollateral] = xstrdup("");
		}
		v->collateral[v->ncollateral++] = words[i];
	}
	free(words);
	return ret;
}

/*
 * The keys of the image recipe: image/build.sh applies them, and its cache
 * key covers the lines that set them (recipe_line()).
 */
static const char *const recipe_keys[] = { "omit",         "drop_allow", "add",
					   "busybox_drop", "upx",        "filter",
					   "config_drop",  "config_add", NULL };

static int is_recipe_key(const char *key)
{
	for (const char *const *k = recipe_keys; *k; k++)
		if (!strcmp(key, *k))
			return 1;
	return 0;
}

/*
 * Add raw, a line as the file has it, to lines when it sets a recipe key
 * (space, the key, space, '='), with the space around it removed: the text
 * the image's cache key hashes, so that editing a claim or a comment
 * rebuilds nothing.
 */
static void recipe_line(const char *raw, struct strbuf *lines)
{
	const char *p = raw, *e = raw + strlen(raw);

	while (isspace((unsigned char)*p))
		p++;
	for (const char *const *k = recipe_keys; *k; k++) {
		size_t n = strlen(*k);
		const char *q = p + n;

		if (strncmp(p, *k, n))
			continue;
		while (isspace((unsigned char)*q))
			q++;
		if (*q != '=')
			continue;
		while (e > p && isspace((unsigned char)e[-1]))
			e--;
		strbuf_add(lines, p, (size_t)(e - p));
		strbuf_addch(lines, '\n');
		return;
	}
}

/* An image-config line to drop or add, appended to *lines. */
static int add_config_line(struct variant *v, const char *key, const char *val, int lineno)
{
	char ***lines = !strcmp(key, "config_drop") ? &v->config_drop : &v->config_add;
	size_t *n = !strcmp(key, "config_drop") ? &v->nconfig_drop : &v->nconfig_add;

	if (!*val)
		return error("variant '%s' line %d: %s wants a line of image/image-config", v->name,
			     lineno, key);
	*lines = xrealloc(*lines, (*n + 1) * sizeof(**lines));
	(*lines)[(*n)++] = xstrdup(val);
	return 0;
}

/* A recipe key's value into v (the last one counts, config lines add up). */
static int set_recipe_key(struct variant *v, const char *key, const char *val, int lineno)
{
	char **word = !strcmp(key, "omit")           ? &v->omit
		      : !strcmp(key, "drop_allow")   ? &v->drop_allow
		      : !strcmp(key, "add")          ? &v->add
		      : !strcmp(key, "busybox_drop") ? &v->busybox_drop
						     : NULL;

	if (word) {
		free(*word);
		*word = xstrdup(val);
		return 0;
	}
	if (!strcmp(key, "upx") || !strcmp(key, "filter")) {
		if (strcmp(val, "yes") && strcmp(val, "no"))
			return error("variant '%s' line %d: %s is yes or no, not '%s'", v->name,
				     lineno, key, val);
		*(!strcmp(key, "upx") ? &v->upx : &v->filter) = !strcmp(val, "yes");
		return 0;
	}
	return add_config_line(v, key, val, lineno);
}

/*
 * gate: also what only the gate needs (a claim, signatures of claimed
 * canaries, no canary both claimed and collateral); else the recipe's
 * hash for an image-side variant, which must then set a recipe key.
 */
static int parse(struct variant *v, const char *name, const char *text, int gate)
{
	char *copy = xstrdup(text), *line = copy, *next;
	int lineno = 0, ret = 0;
	struct strbuf sigs = STRBUF_INIT;   /* "canary\tsig\tline\n", applied after claims */
	struct strbuf recipe = STRBUF_INIT; /* the recipe's lines (recipe_line()) */
	const char *build_key = NULL;       /* the first image-side key, for side=lab */
	const char *lab_key = NULL;         /* the last lab-side key, for side=image */

	memset(v, 0, sizeof(*v));
	v->name = xstrdup(name);
	v->router_nat6 = 1;
	v->upx = v->filter = 1;
	for (; line && !ret; line = next) {
		char *eq, *key, *val;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		recipe_line(line, &recipe);
		line = trim(line);
		if (!*line || *line == '#')
			continue;
		eq = strchr(line, '=');
		if (!eq) {
			ret = error("variant '%s' line %d: expected key=value, not '%s'", name,
				    lineno, line);
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
				v->claims = xrealloc(v->claims,
						     (v->nclaims + 1) * sizeof(*v->claims));
				v->claims[v->nclaims].canary = words[i];
				v->claims[v->nclaims].signature = xstrdup("");
				v->nclaims++;
			}
			free(words);
		} else if (!strcmp(key, "collateral")) {
			ret = set_collateral(v, val, lineno);
		} else if (!strcmp(key, "side")) {
			if (strcmp(val, "image") && strcmp(val, "lab"))
				ret = error("variant '%s' line %d: side is image or lab, not '%s'",
					    name, lineno, val);
			free(v->side);
			v->side = xstrdup(val);
		} else if (!strcmp(key, "policy")) {
			lab_key = key;
			/* lab side: the headscale policy (fixtures/headscale/NAME) of the run */
			if (!*val || strchr(val, '/') || *val == '.')
				ret = error("variant '%s' line %d: policy names a file in "
					    "fixtures/headscale/, not '%s'",
					    name, lineno, val);
			free(v->policy);
			v->policy = xstrdup(val);
		} else if (!strcmp(key, "router_nat6")) {
			/* lab side: whether the router masquerades IPv6 on its WAN */
			if (strcmp(val, "yes") && strcmp(val, "no"))
				ret = error(
					"variant '%s' line %d: router_nat6 is yes or no, not '%s'",
					name, lineno, val);
			v->router_nat6 = !strcmp(val, "yes");
			lab_key = key; /* lives in copy, freed last */
		} else if (!strncmp(key, "signature.", 10)) {
			strbuf_addf(&sigs, "%s\t%s\t%d\n", key + 10, val, lineno);
		} else if (is_recipe_key(key)) {
			/* build-side keys: image/build.sh applies them */
			if (!build_key)
				build_key = key; /* lives in copy, freed last */
			ret = set_recipe_key(v, key, val, lineno);
		} else {
			ret = error("variant '%s' line %d: unknown key '%s'", name, lineno, key);
		}
	}
	for (char *s = sigs.buf; gate && !ret && s && *s;) {
		char *nl = strchr(s, '\n'), *t1 = strchr(s, '\t'), *t2;

		*nl = '\0';
		*t1 = '\0';
		t2 = strchr(t1 + 1, '\t');
		*t2 = '\0';
		ret = set_signature(v, s, t1 + 1, (int)strtol(t2 + 1, NULL, 10));
		s = nl + 1;
	}
	if (gate && !ret && !v->nclaims)
		ret = error("variant '%s' claims no canary: it could never be caught", name);
	for (size_t i = 0; gate && !ret && i < v->ncollateral; i++)
		if (find_claim(v, v->collateral[i]))
			ret = error("variant '%s': '%s' is both claimed and collateral", name,
				    v->collateral[i]);
	if (!ret && !v->side)
		v->side = xstrdup("image");
	/* one side per variant: the failure is then the image's, or the lab's */
	if (!ret && !strcmp(v->side, "lab") && !v->policy && v->router_nat6)
		ret = error("variant '%s': side=lab, but it changes nothing in the lab "
			    "(policy=, router_nat6=no)",
			    name);
	if (!ret && !strcmp(v->side, "lab") && build_key)
		ret = error("variant '%s': side=lab, but it changes the image too (%s=)", name,
			    build_key);
	if (!ret && strcmp(v->side, "lab") && lab_key)
		ret = error("variant '%s': %s= changes the lab, so side must be lab", name,
			    lab_key);
	if (!gate && !ret && strcmp(v->side, "lab")) {
		if (!recipe.len)
			ret = error("variant '%s': side=image, but it sets no key of the recipe "
				    "(omit=, drop_allow=, add=, busybox_drop=, upx=, filter=, "
				    "config_drop=, config_add=)",
				    name);
		else
			v->recipe_sha256 = sha256_hex(recipe.buf, recipe.len);
	}
	strbuf_release(&recipe);
	strbuf_release(&sigs);
	free(copy);
	if (ret)
		variant_release(v);
	return ret;
}

int variant_parse(struct variant *v, const char *name, const char *text)
{
	return parse(v, name, text, 1);
}

int variant_parse_recipe(struct variant *v, const char *name, const char *text)
{
	return parse(v, name, text, 0);
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

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* The names in dir (fixtures/variants), sorted, space-separated into names. */
static void variant_names(const char *dir, struct strbuf *names)
{
	struct dirent **ents = NULL;
	int k = scandir(dir, &ents, NULL, by_name);

	for (int i = 0; i < k; i++) {
		if (ents[i]->d_name[0] != '.')
			strbuf_addf(names, "%s%s", names->len ? " " : "", ents[i]->d_name);
		free(ents[i]);
	}
	free(ents);
}

int variant_load_recipe(struct variant *v, const char *dir, const char *arg)
{
	struct strbuf sb = STRBUF_INIT, names = STRBUF_INIT;
	const char *slash = strrchr(arg, '/');
	struct stat st;
	char *path;
	int ret;

	if (slash && (stat(arg, &st) || !S_ISREG(st.st_mode)))
		return error("no variant file '%s'", arg);
	if (!slash && (!*arg || arg[0] == '.'))
		return error("invalid variant name '%s'", arg);
	path = slash ? xstrdup(arg) : xasprintf("%s/%s", dir, arg);
	if (strbuf_read_file(&sb, path) == 0) {
		ret = variant_parse_recipe(v, slash ? slash + 1 : arg, strbuf_str(&sb));
	} else if (errno == ENOENT && !slash) {
		variant_names(dir, &names);
		ret = error("no variant '%s' in '%s' (have: %s)", arg, dir,
			    names.len ? names.buf : "none");
	} else {
		ret = error_errno("cannot read variant '%s'", path);
	}
	strbuf_release(&names);
	strbuf_release(&sb);
	free(path);
	return ret;
}

static void env_assign(struct strbuf *out, const char *name, const char *val)
{
	strbuf_addf(out, "%s=", name);
	strbuf_add_sq(out, val);
	strbuf_addch(out, '\n');
}

/* lines[0..n) one a line, as one assignment. */
static void env_assign_lines(struct strbuf *out, const char *name, char **lines, size_t n)
{
	struct strbuf joined = STRBUF_INIT;

	for (size_t i = 0; i < n; i++)
		strbuf_addf(&joined, "%s%s", i ? "\n" : "", lines[i]);
	env_assign(out, name, joined.buf);
	strbuf_release(&joined);
}

void variant_env(const struct variant *v, struct strbuf *out)
{
	strbuf_addstr(
		out,
		"# written by tscanary variant-env: image/build.sh --variant-env sources it\n");
	env_assign(out, "variant", v->name);
	env_assign(out, "v_desc", v->description);
	env_assign(out, "v_side", v->side);
	env_assign(out, "v_omit", v->omit);
	env_assign(out, "v_drop", v->drop_allow);
	env_assign(out, "v_add", v->add);
	env_assign(out, "v_bb_drop", v->busybox_drop);
	env_assign(out, "v_upx", v->upx ? "yes" : "no");
	env_assign(out, "v_filter", v->filter ? "yes" : "no");
	env_assign_lines(out, "v_config_drop", v->config_drop, v->nconfig_drop);
	env_assign_lines(out, "v_config_add", v->config_add, v->nconfig_add);
	env_assign(out, "v_sha256", v->recipe_sha256);
}

static void free_lines(char **lines, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
}

void variant_release(struct variant *v)
{
	for (size_t i = 0; i < v->nclaims; i++) {
		free(v->claims[i].canary);
		free(v->claims[i].signature);
	}
	free_lines(v->config_drop, v->nconfig_drop);
	free_lines(v->config_add, v->nconfig_add);
	free(v->omit);
	free(v->drop_allow);
	free(v->add);
	free(v->busybox_drop);
	free(v->recipe_sha256);
	free_collateral(v);
	free(v->claims);
	free(v->side);
	free(v->policy);
	free(v->name);
	free(v->description);
	memset(v, 0, sizeof(*v));
}

/* The index of canary among the collateral, or -1. */
static int collateral_index(const struct variant *v, const char *canary)
{
	for (size_t i = 0; i < v->ncollateral; i++)
		if (!strcmp(v->collateral[i], canary))
			return (int)i;
	return -1;
}

static json_t *find_result(json_t *canaries, const char *name)
{
	size_t i;
	json_t *e;

	json_array_foreach(canaries, i, e)
	{
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

/* Every signature a result saw ("signatures", else its one "signature"), space-separated. */
static void result_signatures(json_t *r, struct strbuf *sigs)
{
	json_t *all = json_object_get(r, "signatures"), *e;
	size_t i;

	strbuf_reset(sigs);
	if (json_array_size(all)) {
		json_array_foreach(all, i, e)
			strbuf_addf(sigs, "%s%s", sigs->len ? " " : "",
				    json_string_value(e) ? json_string_value(e) : "");
	} else if (*str_or(r, "signature", "")) {
		strbuf_addstr(sigs, str_or(r, "signature", ""));
	}
}

/* Is word[0..n) one of the |-separated outcomes? */
static int outcome_allowed(const char *outcomes, const char *word, size_t n)
{
	for (const char *p = outcomes; *p;) {
		size_t k = strcspn(p, "|");

		if (k == n && !strncmp(p, word, n))
			return 1;
		p += k + (p[k] == '|');
	}
	return 0;
}

static int judge_claim(const struct variant_claim *c, json_t *r, struct strbuf *sigs,
		       struct strbuf *why)
{
	const char *res = str_or(r, "result", "?");

	result_signatures(r, sigs);
	if (strcmp(res, "fail")) {
		strbuf_addf(why, "claiming canary '%s' did not fail (%s)\n", c->canary, res);
		return 0;
	}
	if (strbuf_has_word(sigs, "harness-error")) {
		strbuf_addf(why, "claiming canary '%s' hit a harness error (signatures: %s)\n",
			    c->canary, sigs->buf);
		return 0;
	}
	if (*c->signature && !strbuf_has_word(sigs, c->signature)) {
		strbuf_addf(why, "claiming canary '%s' failed as '%s', not '%s'\n", c->canary,
			    sigs->len ? sigs->buf : "(none)", c->signature);
		return 0;
	}
	strbuf_addf(why, "'%s' failed as declared (%s)\n", c->canary,
		    *c->signature ? c->signature
		    : sigs->len   ? sigs->buf
				  : "any failure");
	return 1;
}

static int judge_collateral(const struct variant *v, int k, json_t *r, struct strbuf *sigs,
			    struct strbuf *why)
{
	const char *name = v->collateral[k], *allowed = v->collateral_outcomes[k];
	const char *res = str_or(r, "result", "?");

	if (!strcmp(res, "pass")) {
		if (outcome_allowed(allowed, "pass", 4)) {
			strbuf_addf(why, "'%s' passed (declared collateral: %s)\n", name, allowed);
			return 1;
		}
		strbuf_addf(why, "collateral canary '%s' passed, which it may not (%s)\n", name,
			    allowed);
		return 0;
	}
	result_signatures(r, sigs);
	if (strcmp(res, "fail") || json_is_true(json_object_get(r, "timed_out"))) {
		strbuf_addf(why, "collateral canary '%s' %s (%s)\n", name,
			    strcmp(res, "fail") ? "did not run to a verdict" : "timed out", res);
		return 0;
	}
	for (const char *p = sigs->buf; p && *p;) {
		size_t n = strcspn(p, " ");

		if (!outcome_allowed(allowed, p, n)) {
			strbuf_addf(why, "collateral canary '%s' failed as '%.*s', not one of %s\n",
				    name, (int)n, p, allowed);
			return 0;
		}
		p += n + (p[n] == ' ');
	}
	if (!sigs->len) {
		strbuf_addf(why, "collateral canary '%s' failed with no signature (%s)\n", name,
			    allowed);
		return 0;
	}
	strbuf_addf(why, "'%s' failed as '%s' (declared collateral: %s)\n", name, sigs->buf,
		    allowed);
	return 1;
}

int variant_judge(const struct variant *v, json_t *summary, struct strbuf *why)
{
	json_t *pre = json_object_get(summary, "preconditions");
	json_t *canaries = json_object_get(summary, "canaries");
	struct strbuf sigs = STRBUF_INIT;
	const char *sv = str_or(summary, "variant", "");
	json_t *e;
	int caught = 1;
	size_t i;

	if (strcmp(sv, v->name)) {
		strbuf_addf(why, "the summary is of variant '%s', not '%s'\n", *sv ? sv : "(none)",
			    v->name);
		caught = 0;
	}
	if (json_object_get(summary, "error")) {
		strbuf_addf(why, "the run ended in an error: %s\n", str_or(summary, "error", "?"));
		caught = 0;
	}
	for (const char *const *k = variant_preconditions; *k; k++) {
		json_t *val = json_object_get(pre, *k);

		if (!json_is_true(val)) {
			strbuf_addf(why, "precondition '%s' %s: the run proves nothing\n", *k,
				    val ? "did not hold" : "is missing");
			caught = 0;
		}
	}
	for (i = 0; i < v->nclaims; i++) {
		json_t *r = find_result(canaries, v->claims[i].canary);

		if (!r) {
			strbuf_addf(why, "claiming canary '%s' did not run\n", v->claims[i].canary);
			caught = 0;
		} else if (!judge_claim(&v->claims[i], r, &sigs, why)) {
			caught = 0;
		}
	}
	for (i = 0; i < v->ncollateral; i++) {
		json_t *r = find_result(canaries, v->collateral[i]);

		if (!r) {
			strbuf_addf(why, "collateral canary '%s' did not run\n", v->collateral[i]);
			caught = 0;
		} else if (!judge_collateral(v, (int)i, r, &sigs, why)) {
			caught = 0;
		}
	}
	json_array_foreach(canaries, i, e)
	{
		const char *name = str_or(e, "name", "?");
		const char *res = str_or(e, "result", "?");

		if (find_claim(v, name) || collateral_index(v, name) >= 0 || !strcmp(res, "pass"))
			continue;
		strbuf_addf(why, "non-claiming canary '%s' did not pass (%s)\n", name, res);
		caught = 0;
	}
	strbuf_release(&sigs);
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
		json_array_foreach(json_object_get(summary, "canaries"), i, e)
		{
			if (strcmp(str_or(e, "result", "?"), "pass"))
				json_array_append_new(
					failed, json_pack("{s:s,s:s,s:s,s:s,s:s}", "name",
							  str_or(e, "name", "?"), "result",
							  str_or(e, "result", "?"), "signature",
							  str_or(e, "signature", ""), "summary",
							  str_or(e, "summary", ""), "detail",
							  str_or(e, "detail", "")));
		}
	} else {
		strbuf_addstr(&why, "the variant's run left no summary.json (it did not run)\n");
	}
	json_object_set_new(o, "failed", failed);
	for (char *line = why.buf; line && *line;) {
		char *nl = strchr(line, '\n');

		json_array_append_new(reasons,
				      json_stringn(line, nl ? (size_t)(nl - line) : strlen(line)));
		line = nl ? nl + 1 : NULL;
	}
	json_object_set_new(o, "why", reasons);
	json_object_set_new(o, "caught", json_boolean(caught));
	strbuf_release(&why);
	return o;
}

int variant_load_all(const char *dir, struct variant **v, size_t *n)
{
	struct dirent **ents = NULL;
	int k = scandir(dir, &ents, NULL, by_name), ret = 0;

	*v = NULL;
	*n = 0;
	if (k < 0)
		return error_errno("cannot list '%s'", dir);
	for (int i = 0; i < k; i++) {
		if (ents[i]->d_name[0] != '.') {
			*v = xrealloc(*v, (*n + 1) * sizeof(**v));
			if (variant_load(&(*v)[*n], dir, ents[i]->d_name) == 0)
				(*n)++;
			else
				ret = -1;
		}
		free(ents[i]);
	}
	free(ents);
	return ret;
}

void variant_release_all(struct variant *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		variant_release(&v[i]);
	free(v);
}

void variant_claimants(const struct variant *v, size_t n, const char *canary, struct strbuf *names)
{
	strbuf_reset(names);
	for (size_t i = 0; i < n; i++)
		if (find_claim(&v[i], canary))
			strbuf_addf(names, "%s%s", names->len ? ", " : "", v[i].name);
}

size_t variant_focus(const struct variant *v, const char *const *names, size_t n, int *want,
		     struct strbuf *why)
{
	size_t unknown = 0;

	for (size_t i = 0; i < n; i++)
		want[i] = 0;
	for (size_t k = 0; k < v->nclaims + v->ncollateral; k++) {
		const char *c = k < v->nclaims ? v->claims[k].canary
					       : v->collateral[k - v->nclaims];
		size_t i;

		for (i = 0; i < n && strcmp(names[i], c); i++)
			;
		if (i < n) {
			want[i] = 1;
		} else if (strcmp(c, "sentinel")) {
			strbuf_addf(why,
				    "variant '%s' names canary '%s', which the registry does not "
				    "hold\n",
				    v->name, c);
			unknown++;
		}
	}
	return unknown;
}

size_t variant_focus_order(const struct variant *v, size_t n, const char *const *names,
			   size_t n_names, size_t *order, struct strbuf *why)
{
	size_t *count = xcalloc(n, sizeof(*count)), unknown = 0;
	int *want = xcalloc(n_names, sizeof(*want));

	for (size_t i = 0; i < n; i++) {
		unknown += variant_focus(&v[i], names, n_names, want, why);
		for (size_t k = 0; k < n_names; k++)
			count[i] += want[k];
	}
	/* an insertion sort: a few dozen variants at most */
	for (size_t i = 0; i < n; i++) {
		size_t j = i;

		for (; j > 0; j--) {
			size_t prev = order[j - 1];

			if (count[prev] > count[i] ||
			    (count[prev] == count[i] && strcmp(v[prev].name, v[i].name) <= 0))
				break;
			order[j] = prev;
		}
		order[j] = i;
	}
	free(want);
	free(count);
	return unknown;
}
