/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The runtime coverage map's pure part: finding a crash in a tailscaled log,
 * turning one feature's run into its coverage.json entry, and the README
 * table, and the variant of the recipe without a feature. make coverage
 * builds and runs; `tscanary coverage` calls this.
 */
#include "coverage.h"

#include <string.h>

/* The line starting at p, without its newline, into a new string. */
static char *line_at(const char *p, const char **next)
{
	const char *e = strchrnul(p, '\n');
	char *s = xasprintf("%.*s", (int)(e - p), p);

	*next = *e ? e + 1 : e;
	return s;
}

/* p, past leading blanks. */
static const char *skip_blank(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/*
 * A Go traceback frame line is a function call: "pkg/path.Func(args)" or
 * "pkg.(*T).Method(...)", optionally "created by ..." (not a frame of the
 * crash). Its file line starts with a tab and a path. Cut the argument list
 * (the parenthesised group that ends the line) from a function line.
 */
static int frame_name(const char *line, struct strbuf *out)
{
	size_t len = strlen(line);
	int depth = 0;

	if (!len || line[len - 1] != ')' || line[0] == '/' || line[0] == '\t' ||
	    !strncmp(line, "created by ", 11))
		return 0;
	for (size_t i = len; i-- > 0;) {
		if (line[i] == ')')
			depth++;
		else if (line[i] == '(' && --depth == 0) {
			if (!i)
				return 0;
			strbuf_reset(out);
			strbuf_add(out, line, i);
			return 1;
		}
	}
	return 0;
}

static int is_runtime_frame(const char *name)
{
	return !strcmp(name, "panic") || !strncmp(name, "runtime.", 8);
}

int crash_find(const char *log, struct strbuf *message, struct strbuf *frame)
{
	const char *p = log ? log : "", *next;
	int in_trace = 0, found = 0;

	strbuf_reset(message);
	strbuf_reset(frame);
	while (*p) {
		char *line = line_at(p, &next);
		const char *at;

		if (!found) {
			at = strstr(line, "panic: ");
			if (!at)
				at = strstr(line, "fatal error: ");
			/* "panic: " inside a longer word is not Go's header */
			if (at && (at == line || at[-1] == ' ' || at[-1] == '\t')) {
				strbuf_addstr(message, at);
				found = 1;
			}
		} else if (!in_trace) {
			at = strstr(line, "goroutine ");
			if (at && strstr(at, " [") && line[strlen(line) - 1] == ':')
				in_trace = 1;
		} else {
			const char *t = skip_blank(line);

			if (!*t && frame->len) {
				free(line);
				break;
			}
			if (frame_name(t, frame) && !is_runtime_frame(frame->buf)) {
				free(line);
				break;
			}
			strbuf_reset(frame);
		}
		free(line);
		p = next;
	}
	return found;
}

static const char *str_of(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

json_t *coverage_entry(const char *feature, const char *reason, const char *build_error,
		       json_t *summary, const char *logs)
{
	json_t *e = json_pack("{s:s,s:s}", "feature", feature, "reason", reason ? reason : "");
	json_t *noticed = json_array(), *canaries, *pre;
	struct strbuf msg = STRBUF_INIT, frame = STRBUF_INIT;
	const char *status, *run_error, *key;
	json_t *val;
	int failed_pre = 0;

	if (build_error) {
		json_object_set_new(e, "status", json_string("not-built"));
		json_object_set_new(e, "error", json_string(build_error));
		json_object_set_new(e, "noticed_by", noticed);
		return e;
	}
	if (!json_is_object(summary)) {
		json_object_set_new(e, "status", json_string("no-run"));
		json_object_set_new(e, "error", json_string("the run left no summary.json"));
		json_object_set_new(e, "noticed_by", noticed);
		return e;
	}
	run_error = str_of(summary, "error");
	if (run_error)
		json_object_set_new(e, "error", json_string(run_error));
	pre = json_object_get(summary, "preconditions");
	json_object_foreach(pre, key, val)
	{
		if (json_is_true(val))
			continue;
		failed_pre = 1;
		json_array_append_new(noticed,
				      json_pack("{s:s,s:s,s:s}", "canary", "precondition",
						"signature", key, "summary",
						run_error ? run_error : "precondition failed"));
	}
	canaries = json_object_get(summary, "canaries");
	json_object_set_new(e, "feature_deps", json_string("not run"));
	for (size_t i = 0; i < json_array_size(canaries); i++) {
		json_t *c = json_array_get(canaries, i);
		const char *name = str_of(c, "name"), *result = str_of(c, "result");
		const char *sig = str_of(c, "signature");

		if (!name || !result)
			continue;
		if (!strcmp(name, "feature-deps")) {
			json_object_set_new(e, "feature_deps",
					    json_string(strcmp(result, "pass")
								? (sig ? sig : result)
								: "pass"));
			continue;
		}
		if (!strcmp(result, "pass") || !strcmp(result, "skip"))
			continue;
		json_array_append_new(noticed,
				      json_pack("{s:s,s:s,s:s}", "canary", name, "signature",
						sig ? sig : result, "summary",
						str_of(c, "summary") ? str_of(c, "summary") : ""));
	}
	json_object_set_new(e, "noticed_by", noticed);
	if (crash_find(logs, &msg, &frame))
		json_object_set_new(e, "crash",
				    json_pack("{s:s,s:s}", "message", msg.buf ? msg.buf : "",
					      "frame", frame.len ? frame.buf : "(no frame)"));
	if (run_error && (!strncmp(run_error, "interrupted", 11) || !failed_pre))
		status = "inconclusive"; /* no verdict either way */
	else if (json_object_get(e, "crash"))
		status = "crash";
	else if (json_array_size(noticed))
		status = "noticed";
	else
		status = "unnoticed";
	json_object_set_new(e, "status", json_string(status));
	strbuf_release(&msg);
	strbuf_release(&frame);
	return e;
}

void coverage_set_flash(json_t *entry, json_int_t base_bytes, json_int_t bytes)
{
	json_object_set_new(entry, "binary_bytes", json_integer(bytes));
	json_object_set_new(entry, "flash_cost_bytes", json_integer(base_bytes - bytes));
}

void coverage_markdown(json_t *doc, struct strbuf *out)
{
	json_t *list = json_object_get(doc, "features");

	strbuf_addstr(out,
		      "| feature left out | packed bytes it costs | runtime canaries that failed "
		      "(signature) | crash | feature-deps |\n");
	strbuf_addstr(out, "| --- | ---: | --- | --- | --- |\n");
	for (size_t i = 0; i < json_array_size(list); i++) {
		json_t *e = json_array_get(list, i), *by = json_object_get(e, "noticed_by");
		json_t *crash = json_object_get(e, "crash");
		const char *status = str_of(e, "status");

		json_t *cost = json_object_get(e, "flash_cost_bytes");

		strbuf_addf(out, "| %s", str_of(e, "feature"));
		if (str_of(e, "omitted_with"))
			strbuf_addf(out, " (with %s, which needs it)", str_of(e, "omitted_with"));
		strbuf_addstr(out, " | ");
		if (json_is_integer(cost))
			strbuf_addf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(cost));
		else
			strbuf_addstr(out, "-");
		strbuf_addstr(out, " | ");
		if (!strcmp(status, "not-built") || !strcmp(status, "no-run") ||
		    !strcmp(status, "inconclusive")) {
			strbuf_addf(out, "%s: ", status);
			strbuf_add_md_cell(out, str_of(e, "error"));
		} else if (!json_array_size(by)) {
			strbuf_addstr(
				out, json_is_true(json_object_get(e, "explained"))
					     ? "none: unseen at runtime, `image/allowlist` says why"
					     : "**none**");
		}
		for (size_t k = 0; k < json_array_size(by); k++) {
			json_t *n = json_array_get(by, k);

			strbuf_addf(out, "%s%s (%s)", k ? ", " : "", str_of(n, "canary"),
				    str_of(n, "signature"));
		}
		strbuf_addstr(out, " | ");
		if (crash) {
			strbuf_add_md_cell(out, str_of(crash, "message"));
			strbuf_addstr(out, " at `");
			strbuf_add_md_cell(out, str_of(crash, "frame"));
			strbuf_addstr(out, "`");
		}
		strbuf_addstr(out, " | ");
		strbuf_add_md_cell(out, str_of(e, "feature_deps") ? str_of(e, "feature_deps") : "");
		strbuf_addstr(out, " |\n");
	}
}

void coverage_variant(struct strbuf *out, const char *feature, char *const *with, size_t nwith)
{
	struct strbuf omit = STRBUF_INIT;

	strbuf_addstr(&omit, feature);
	for (size_t i = 0; i < nwith; i++)
		strbuf_addf(&omit, " %s", with[i]);
	strbuf_addf(out,
		    "# generated by tscanary coverage --variant: the recipe without %s\n"
		    "description=%s left out (runtime coverage map)\n"
		    "side=image\n"
		    "omit=%s\n"
		    "upx=yes\n"
		    "filter=yes\n",
		    omit.buf, omit.buf, omit.buf);
	strbuf_release(&omit);
}
