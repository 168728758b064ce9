/* SPDX-License-Identifier: BSD-3-Clause */
#include "history.h"

#include "compare.h"
#include "strbuf.h"
#include "tsversion.h"
#include "vrules.h"

#include <stdlib.h>
#include <string.h>

long history_select(const char *const *versions, size_t n, const char *from, const char ***out,
		    struct strbuf *err)
{
	struct tsversion lo;
	struct tsrelease *r;
	size_t m, first = 0, k = 0;

	*out = NULL;
	if (tsversion_parse(&lo, from) < 0 || lo.pre) {
		strbuf_addf(err, "FROM '%s' is not a release version (vX.Y.Z)", from);
		return -1;
	}
	m = tsversion_releases(versions, n, &r);
	while (first < m && tsversion_cmp(&r[first].v, &lo) < 0)
		first++;
	/* the last of each major.minor run is its latest patch */
	*out = xcalloc(m ? m : 1, sizeof(**out));
	for (size_t i = first; i < m; i++)
		if (i + 1 == m || r[i + 1].v.major != r[i].v.major ||
		    r[i + 1].v.minor != r[i].v.minor)
			(*out)[k++] = r[i].s;
	free(r);
	return (long)k;
}

static const char *str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* Copy o[key] (a number) into row[as], if it is one. */
static void copy_number(json_t *row, const char *as, json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (json_is_number(v))
		json_object_set(row, as, v);
}

/* The fits in added whose feature the built image's allowlist holds. */
static json_t *built_fits(json_t *manifest, json_t *added)
{
	json_t *out = json_array(), *f, *a;
	size_t i, j;

	json_array_foreach(added, i, f)
		json_array_foreach(json_object_get(manifest, "allowlist"), j,
				   a) if (json_is_string(a) && str(f, "feature") &&
					  !strcmp(json_string_value(a), str(f, "feature")))
	{
		json_array_append(out, f);
		break;
	}
	return out;
}

json_t *history_row(const struct compare_side *side, json_t *added)
{
	json_t *row = json_pack("{s:s}", "version", side->version);
	json_t *sizes = json_object_get(side->manifest, "sizes");
	json_t *metrics = json_object_get(side->summary, "metrics");
	json_t *timings = json_object_get(side->summary, "timings");
	json_t *canaries = json_object(), *failed = json_array(), *c, *dropped;
	const char *status = "not run";
	struct strbuf reason = STRBUF_INIT;
	long passed = 0, total = 0;
	size_t i;

	if (side->build_status > 0) {
		status = "unbuilt";
		strbuf_addf(&reason, "image/build.sh exit %d: %s", side->build_status,
			    side->build_error ? side->build_error : "see build.log");
	} else if (side->build_status < 0) {
		strbuf_addstr(&reason, "no build was attempted");
	} else if (!side->summary) {
		strbuf_addf(&reason, "its run wrote no summary.json (make test exit %d)",
			    side->run_status);
	} else {
		const char *res = str(side->summary, "result");

		json_t *pre = json_object_get(side->summary, "preconditions"), *v;
		const char *name;

		status = res && !strcmp(res, "pass") ? "ok" : "fail";
		/* the first precondition that failed (the run stops there, so
		 * the ones after it are false too) says more than the result */
		json_object_foreach(pre, name, v)
		{
			if (json_is_false(v) && !reason.len)
				strbuf_addf(&reason, "precondition %s failed", name);
		}
		if (strcmp(status, "ok") && !reason.len)
			strbuf_addf(&reason, "run result %s", res ? res : "none");
	}
	json_object_set_new(row, "status", json_string(status));
	if (reason.len)
		json_object_set_new(row, "reason", json_string(strbuf_str(&reason)));
	strbuf_release(&reason);

	copy_number(row, "binary_bytes", sizes, "binary_bytes");
	copy_number(row, "binary_unpacked_bytes", sizes, "binary_unpacked_bytes");
	copy_number(row, "rootfs_bytes", sizes, "rootfs_bytes");
	copy_number(row, "archive_bytes", sizes, "archive_bytes");
	copy_number(row, "tailscaled_rss_kib", metrics, "tailscaled_rss_kib");
	copy_number(row, "tailscaled_hwm_kib", metrics, "tailscaled_hwm_kib");
	copy_number(row, "boot_s", timings, "boot_s");
	copy_number(row, "online_s", timings, "online_s");
	copy_number(row, "total_s", timings, "total_s");
	dropped = json_object_get(side->manifest, "dropped_features");
	json_object_set_new(row, "dropped_features",
			    json_is_array(dropped) ? json_incref(dropped) : json_array());
	json_object_set_new(row, "added_features", built_fits(side->manifest, added));
	if (json_is_string(json_object_get(json_object_get(side->summary, "versions"), "accel")))
		json_object_set(
			row, "accel",
			json_object_get(json_object_get(side->summary, "versions"), "accel"));
	if (json_object_get(side->summary, "cached_verdict"))
		json_object_set_new(row, "cached_verdict", json_true());
	if (json_is_string(json_object_get(side->summary, "join_cli_error"))) {
		json_object_set(row, "join_cli_error",
				json_object_get(side->summary, "join_cli_error"));
		json_object_set_new(
			row, "join_cli_tolerated",
			json_boolean(json_object_get(side->summary, "join_cli_tolerated") != NULL));
	}

	json_array_foreach(json_object_get(side->summary, "canaries"), i, c)
	{
		const char *name = str(c, "name"), *res = str(c, "result");

		if (!name)
			continue;
		total++;
		json_object_set_new(canaries, name, json_string(res ? res : "none"));
		if (res && !strcmp(res, "pass"))
			passed++;
		else
			json_array_append_new(failed, json_string(name));
	}
	json_object_set_new(row, "canaries", canaries);
	json_object_set_new(row, "failed", failed);
	if (side->summary) {
		json_object_set_new(row, "passed", json_integer(passed));
		json_object_set_new(row, "total", json_integer(total));
	}
	return row;
}

json_t *history_fits(const struct vrules *rules, const char *version)
{
	json_t *out = json_array();

	for (size_t i = 0; i < rules->n; i++)
		if (vrules_applies(&rules->v[i], version))
			json_array_append_new(out,
					      json_pack("{s:s,s:s}", "feature", rules->v[i].key,
							"why", rules->v[i].why));
	return out;
}

json_t *history_doc(const char *arch, const char *peers, json_t *rows)
{
	return json_pack(
		"{s:s,s:s,s:o,s:s}", "arch", arch, "peers", peers, "versions", rows, "units",
		"bytes for sizes, KiB for memory (tailscaled's VmRSS and VmHWM after the suite), "
		"seconds for times (boot: QEMU start to the guest agent; online: to "
		"BackendState Running with a DERP home)");
}

static int number(json_t *row, const char *key, double *v)
{
	json_t *n = json_object_get(row, key);

	if (!json_is_number(n))
		return 0;
	*v = json_number_value(n);
	return 1;
}

static void bytes_cell(FILE *fp, json_t *row, const char *key)
{
	struct strbuf sb = STRBUF_INIT;
	double v;

	if (number(row, key, &v))
		compare_add_thousands(&sb, (long long)v);
	fprintf(fp, " %s |", sb.len ? strbuf_str(&sb) : "-");
	strbuf_release(&sb);
}

static void fixed_cell(FILE *fp, json_t *row, const char *key, const char *fmt)
{
	double v;

	fputc(' ', fp);
	if (number(row, key, &v))
		fprintf(fp, fmt, v);
	else
		fputc('-', fp);
	fputs(" |", fp);
}

static void words_cell(FILE *fp, json_t *arr)
{
	size_t i;
	json_t *w;

	if (!json_array_size(arr))
		fputc('-', fp);
	json_array_foreach(arr, i, w) fprintf(fp, "%s%s", i ? ", " : "", json_string_value(w));
}

/* "-ipnbus (not in this release), +clientmetrics (fit)", or "-". */
static void recipe_cell(FILE *fp, json_t *row)
{
	const char *sep = "";
	size_t i;
	json_t *f;

	json_array_foreach(json_object_get(row, "dropped_features"), i, f)
	{
		fprintf(fp, "%s-%s (not in this release)", sep, json_string_value(f));
		sep = ", ";
	}
	json_array_foreach(json_object_get(row, "added_features"), i, f)
	{
		fprintf(fp, "%s+%s (fit)", sep, str(f, "feature"));
		sep = ", ";
	}
	if (!*sep)
		fputc('-', fp);
}

/* What went wrong and what the CLI said: "failed: a, b; precondition join failed; ...". */
static void note_cell(FILE *fp, json_t *row)
{
	const char *reason = str(row, "reason"), *sep = "";

	if (json_array_size(json_object_get(row, "failed"))) {
		fputs("failed: ", fp);
		words_cell(fp, json_object_get(row, "failed"));
		sep = "; ";
	}
	/* "run result fail" adds nothing to the failed canaries */
	if (reason && strncmp(reason, "run result", 10)) {
		fputs(sep, fp);
		md_cell_put(fp, reason);
		sep = "; ";
	}
	if (str(row, "join_cli_error")) {
		fprintf(fp, "%s`tailscale up`: ", sep);
		md_cell_put(fp, str(row, "join_cli_error"));
		fputs(json_is_true(json_object_get(row, "join_cli_tolerated")) ? " (tolerated)"
									       : " (not tolerated)",
		      fp);
	}
}

void history_markdown(json_t *doc, FILE *fp)
{
	json_t *rows = json_object_get(doc, "versions"), *row, *names = json_object();
	const char *name;
	int fits = 0;
	json_t *v;
	size_t i;

	fprintf(fp, "## Tailscale releases on %s (peers: %s)\n\n", str(doc, "arch"),
		str(doc, "peers"));
	fputs("| version | suite | packed binary (B) | unpacked binary (B) | rootfs (B) | "
	      "archive (B) | RSS (KiB) | HWM (KiB) | boot (s) | online (s) | "
	      "recipe changes | note |\n"
	      "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |\n",
	      fp);
	json_array_foreach(rows, i, row)
	{
		const char *status = str(row, "status");

		fprintf(fp, "| %s | ", str(row, "version"));
		if (!strcmp(status, "ok") || !strcmp(status, "fail"))
			fputs(strcmp(status, "ok") ? "FAIL" : "PASS", fp);
		else
			fputs(status, fp);
		if (json_integer_value(json_object_get(row, "total")))
			fprintf(fp, " %lld/%lld",
				json_integer_value(json_object_get(row, "passed")),
				json_integer_value(json_object_get(row, "total")));
		if (str(row, "accel"))
			fprintf(fp, " (%s)", str(row, "accel"));
		fputs(" |", fp);
		bytes_cell(fp, row, "binary_bytes");
		bytes_cell(fp, row, "binary_unpacked_bytes");
		bytes_cell(fp, row, "rootfs_bytes");
		bytes_cell(fp, row, "archive_bytes");
		bytes_cell(fp, row, "tailscaled_rss_kib");
		bytes_cell(fp, row, "tailscaled_hwm_kib");
		fixed_cell(fp, row, "boot_s", "%.1f");
		fixed_cell(fp, row, "online_s", "%.1f");
		fputc(' ', fp);
		recipe_cell(fp, row);
		fputs(" | ", fp);
		note_cell(fp, row);
		if (json_is_true(json_object_get(row, "cached_verdict")))
			fputs(" (cached verdict)", fp);
		fputs(" |\n", fp);
	}

	/* why each fit was needed */
	json_array_foreach(rows, i, row)
	{
		size_t j;

		json_array_foreach(json_object_get(row, "added_features"), j, v)
		{
			if (!fits++)
				fputs("\nRecipe fits (fixtures/history-fits):\n\n", fp);
			fprintf(fp, "- %s, +%s: ", str(row, "version"), str(v, "feature"));
			md_cell_put(fp, str(v, "why"));
			fputc('\n', fp);
		}
	}

	/* every canary that ran anywhere, in first-seen order */
	json_array_foreach(rows, i, row) json_object_foreach(json_object_get(row, "canaries"), name,
							     v) if (!json_object_get(names, name))
		json_object_set_new(names, name, json_true());
	if (json_object_size(names)) {
		fputs("\n| canary |", fp);
		json_array_foreach(rows, i, row) fprintf(fp, " %s |", str(row, "version"));
		fputs("\n| --- |", fp);
		json_array_foreach(rows, i, row) fputs(" --- |", fp);
		fputc('\n', fp);
		json_object_foreach(names, name, v)
		{
			size_t j;

			fprintf(fp, "| %s |", name);
			json_array_foreach(rows, j, row)
			{
				const char *r = str(json_object_get(row, "canaries"), name);

				fprintf(fp, " %s |", r ? r : "-");
			}
			fputc('\n', fp);
		}
	}
	json_decref(names);
	fprintf(fp,
		"\nUnits: %s. A version that could not be built or run is a row "
		"with its reason.\n",
		str(doc, "units"));
}

static void datum(FILE *fp, json_t *row, const char *key, double scale)
{
	double v;

	if (number(row, key, &v))
		fprintf(fp, "\t%.3f", v / scale);
	else
		fputs("\tNaN", fp);
}

void history_data(json_t *doc, FILE *fp)
{
	json_t *row;
	size_t i;

	fprintf(fp,
		"# tscanary history, %s: version packed_MB unpacked_MB rootfs_MB "
		"archive_MB rss_MiB hwm_MiB boot_s online_s\n",
		str(doc, "arch"));
	json_array_foreach(json_object_get(doc, "versions"), i, row)
	{
		fputs(str(row, "version"), fp);
		datum(fp, row, "binary_bytes", 1e6);
		datum(fp, row, "binary_unpacked_bytes", 1e6);
		datum(fp, row, "rootfs_bytes", 1e6);
		datum(fp, row, "archive_bytes", 1e6);
		datum(fp, row, "tailscaled_rss_kib", 1024);
		datum(fp, row, "tailscaled_hwm_kib", 1024);
		datum(fp, row, "boot_s", 1);
		datum(fp, row, "online_s", 1);
		fputc('\n', fp);
	}
}
