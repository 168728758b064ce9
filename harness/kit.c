/* SPDX-License-Identifier: BSD-3-Clause */
/* A run's inputs in one file, each with its identity (kit.h). */
#include "kit.h"

#include "files.h"
#include "log.h"
#include "proc.h"
#include "runkey.h"
#include "strbuf.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define IN(name, field, required, flag)                                                            \
	{                                                                                          \
		name, offsetof(struct kit, field), required, flag                                  \
	}
const struct kit_input kit_inputs[] = {
	IN("kernel", kernel_dir, 1, "kernel-dir"),
	IN("overlay", overlay, 1, "overlay"),
	IN("headscale", headscale, 1, "headscale"),
	IN("dnsd", dnsd, 1, "dnsd"),
	IN("httpd", httpd, 1, "httpd"),
	IN("natpmpd", natpmpd, 1, "natpmpd"),
	IN("peers_tailscale", ts_bindir, 1, "ts-host-dir"),
	IN("host_probes", host_probes, 1, "host-probes"),
	IN("feature_table", feature_table, 0, "feature-table"),
	IN("allowlist", allowlist, 0, "allowlist"),
	IN("waivers", waivers, 0, "waivers"),
	IN("budgets", budgets, 0, "budgets"),
};
#undef IN
const size_t kit_ninputs = sizeof(kit_inputs) / sizeof(kit_inputs[0]);

/*
 * The recipe files the canaries read or run (feature-deps; busybox-applets:
 * the list and busybox.sh, its reader), under recipe_dir.
 */
static const char *const judged_recipe[] = { "allowlist", "waived-deps", "busybox-applets",
					     "busybox.sh", "featuretable.sh" };
#define NRECIPE (sizeof(judged_recipe) / sizeof(judged_recipe[0]))

/* The plain settings: name in the file, field. */
static const struct {
	const char *name;
	size_t offset;
	int required;
} kit_settings[] = {
	{ "arch", offsetof(struct kit, arch), 1 },
	{ "kernel_profile", offsetof(struct kit, kernel_profile), 0 },
	{ "cache", offsetof(struct kit, cache_dir), 0 },
	{ "fixtures", offsetof(struct kit, fixtures), 1 },
	{ "vm_dir", offsetof(struct kit, vm_dir), 1 },
	{ "recipe_dir", offsetof(struct kit, recipe_dir), 1 },
};
#define NSETTINGS (sizeof(kit_settings) / sizeof(kit_settings[0]))

static char **setting(struct kit *k, size_t i)
{
	return (char **)((char *)k + kit_settings[i].offset);
}

/* Call fn for every input of k: its name and path (NULL when not given). */
static int each_input(const struct kit *k, int (*fn)(const char *name, const char *path, void *arg),
		      void *arg)
{
	int ret = 0;

	for (size_t i = 0; i < kit_ninputs && !ret; i++)
		ret = fn(kit_inputs[i].name, *kit_field((struct kit *)k, &kit_inputs[i]), arg);
	for (size_t i = 0; i < NRECIPE && !ret; i++) {
		char *name = xasprintf("recipe/%s", judged_recipe[i]),
		     *path = xasprintf("%s/%s", k->recipe_dir, judged_recipe[i]);

		ret = fn(name, path, arg);
		free(name);
		free(path);
	}
	return ret;
}

struct write_ctx {
	json_t *inputs;
	struct strbuf *err;
};

static int write_input(const char *name, const char *path, void *arg)
{
	struct write_ctx *w = arg;
	json_t *id;

	if (!path)
		return 0;
	id = json_object();
	if (runkey_set_path(id, "identity", path, w->err) < 0) {
		json_decref(id);
		return -1;
	}
	if (!strcmp(json_string_value(json_object_get(id, "identity")), "missing"))
		warning("kit: %s '%s' does not exist (the run will say what that costs)", name,
			path);
	json_object_set_new(id, "path", json_string(path));
	json_object_set_new(w->inputs, name, id);
	return 0;
}

int kit_write(struct kit *k, const char *path, int *infra, struct strbuf *err)
{
	struct write_ctx w = { json_object(), err };
	json_t *doc = NULL, *versions;
	struct strbuf old = STRBUF_INIT;
	char *text = NULL, *cli;
	int ret = -1;

	*infra = 0;
	for (size_t i = 0; i < NSETTINGS; i++)
		if (kit_settings[i].required && !*setting(k, i)) {
			strbuf_addf(err, "a kit needs its %s", kit_settings[i].name);
			goto out;
		}
	for (size_t i = 0; i < kit_ninputs; i++)
		if (kit_inputs[i].required && !*kit_field(k, &kit_inputs[i])) {
			strbuf_addf(err, "a kit needs --%s", kit_inputs[i].flag);
			goto out;
		}
	cli = xasprintf("%s/tailscale", k->ts_bindir);
	if (program_version(k->headscale, "version", k->hs_version, sizeof(k->hs_version)) < 0 ||
	    program_version(cli, "version", k->peers_version, sizeof(k->peers_version)) < 0) {
		strbuf_addstr(err, "the lab's headscale or the peers' tailscale did not name "
				   "its release");
		*infra = 1;
		free(cli);
		goto out;
	}
	free(cli);
	if (each_input(k, write_input, &w) < 0)
		goto out;
	doc = json_pack("{s:s}", "format", KIT_FORMAT);
	for (size_t i = 0; i < NSETTINGS; i++)
		if (*setting(k, i))
			json_object_set_new(doc, kit_settings[i].name, json_string(*setting(k, i)));
	versions = json_pack("{s:s,s:s}", "headscale", k->hs_version, "peers_tailscale",
			     k->peers_version);
	json_object_set_new(doc, "versions", versions);
	json_object_set(doc, "inputs", w.inputs);
	text = json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS);
	if (!text) {
		strbuf_addstr(err, "cannot encode the kit");
		goto out;
	}
	/* the same bytes: leave the file (and its time) alone */
	if (strbuf_read_file(&old, path) == 0 && !strcmp(old.buf, text) && old.len > 0) {
		ret = 0;
	} else if (write_text_file(path, text, 0644) < 0) {
		strbuf_addf(err, "cannot write the kit '%s'", path);
	} else {
		ret = 0;
	}
	json_decref(k->inputs);
	k->inputs = json_incref(w.inputs);
out:
	free(text);
	json_decref(doc);
	json_decref(w.inputs);
	strbuf_release(&old);
	return ret;
}

/* obj[name] as a fresh copy, NULL when absent; -1 when present but not a string. */
static int get_str(json_t *obj, const char *name, char **out)
{
	json_t *v = json_object_get(obj, name);

	*out = NULL;
	if (!v)
		return 0;
	if (!json_is_string(v))
		return -1;
	*out = xstrdup(json_string_value(v));
	return 0;
}

/* Copy a version into buf: 0, or -1 when absent, not a string or too long. */
static int get_version(json_t *versions, const char *name, char *buf, size_t len)
{
	const char *v = json_string_value(json_object_get(versions, name));

	if (!v || !*v || strlen(v) >= len)
		return -1;
	memcpy(buf, v, strlen(v) + 1);
	return 0;
}

int kit_load(const char *path, struct kit *k, struct strbuf *err)
{
	json_error_t je;
	json_t *doc = json_load_file(path, 0, &je), *inputs, *versions;
	const char *format;
	int ret = -1;

	memset(k, 0, sizeof(*k));
	if (!doc) {
		strbuf_addf(err, "cannot read the kit '%s': %s", path, je.text);
		return -1;
	}
	format = json_string_value(json_object_get(doc, "format"));
	if (!format || strcmp(format, KIT_FORMAT)) {
		strbuf_addf(err,
			    "'%s' is not a kit (want \"format\": \"%s\"; write one with: "
			    "tscanary kit, or make kit)",
			    path, KIT_FORMAT);
		goto out;
	}
	for (size_t i = 0; i < NSETTINGS; i++) {
		if (get_str(doc, kit_settings[i].name, setting(k, i)) < 0 ||
		    (kit_settings[i].required && !*setting(k, i))) {
			strbuf_addf(err, "the kit '%s' has no %s (a string)", path,
				    kit_settings[i].name);
			goto out;
		}
	}
	versions = json_object_get(doc, "versions");
	if (get_version(versions, "headscale", k->hs_version, sizeof(k->hs_version)) < 0 ||
	    get_version(versions, "peers_tailscale", k->peers_version, sizeof(k->peers_version)) <
		    0) {
		strbuf_addf(err, "the kit '%s' names no headscale or peers_tailscale version",
			    path);
		goto out;
	}
	inputs = json_object_get(doc, "inputs");
	if (!json_is_object(inputs)) {
		strbuf_addf(err, "the kit '%s' has no inputs", path);
		goto out;
	}
	for (size_t i = 0; i < kit_ninputs; i++) {
		json_t *in = json_object_get(inputs, kit_inputs[i].name);

		if ((!in && kit_inputs[i].required) ||
		    (in && (!json_is_string(json_object_get(in, "identity")) ||
			    get_str(in, "path", kit_field(k, &kit_inputs[i])) < 0 ||
			    !*kit_field(k, &kit_inputs[i])))) {
			strbuf_addf(err, "the kit '%s' has no %s input (a path and its identity)",
				    path, kit_inputs[i].name);
			goto out;
		}
	}
	k->inputs = json_incref(inputs);
	ret = 0;
out:
	json_decref(doc);
	if (ret < 0)
		kit_release(k);
	return ret;
}

struct verify_ctx {
	const struct kit *k;
	json_t *ids;
	struct strbuf *err;
	int worst;
};

static int verify_input(const char *name, const char *path, void *arg)
{
	struct verify_ctx *v = arg;
	const char *was = json_string_value(
		json_object_get(json_object_get(v->k->inputs, name), "identity"));
	const char *now;

	if (!path) {
		runkey_set(v->ids, name, "none");
		return 0;
	}
	if (runkey_set_path(v->ids, name, path, v->err) < 0) {
		if (!v->worst)
			v->worst = 1;
		return 0;
	}
	now = json_string_value(json_object_get(v->ids, name));
	if (!was || strcmp(was, now)) {
		strbuf_reset(v->err);
		strbuf_addf(v->err,
			    "the kit is stale: %s '%s' is not what it was when the kit was "
			    "written (write it again: make kit, or tscanary kit)",
			    name, path);
		v->worst = -1;
		return -1;
	}
	return 0;
}

int kit_verify(const struct kit *k, json_t *ids, struct strbuf *err)
{
	struct verify_ctx v = { k, ids, err, 0 };

	each_input(k, verify_input, &v);
	return v.worst;
}

void kit_release(struct kit *k)
{
	for (size_t i = 0; i < NSETTINGS; i++) {
		free(*setting(k, i));
		*setting(k, i) = NULL;
	}
	for (size_t i = 0; i < kit_ninputs; i++) {
		free(*kit_field(k, &kit_inputs[i]));
		*kit_field(k, &kit_inputs[i]) = NULL;
	}
	json_decref(k->inputs);
	k->inputs = NULL;
}
