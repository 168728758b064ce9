/* SPDX-License-Identifier: BSD-3-Clause */
#include "bench.h"

#include "strbuf.h"

#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int bench_stats(double *v, size_t n, struct bench_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (!n)
		return -1;
	qsort(v, n, sizeof(*v), cmp_double);
	out->n = n;
	out->min = v[0];
	out->max = v[n - 1];
	out->median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	return 0;
}

/*
 * The figures of one summary, in the order they appear: every step's
 * time (timings, the *_s keys), every canary's duration ("canary:NAME"),
 * and the router tailscaled's memory. Calls fn(name, value, arg).
 */
static void each_figure(json_t *summary, void (*fn)(const char *, double, void *), void *arg)
{
	static const char *const metrics[] = { "tailscaled_rss_kib", "tailscaled_hwm_kib" };
	json_t *timings = json_object_get(summary, "timings"), *v, *c;
	const char *key;
	size_t i;

	json_object_foreach(timings, key, v)
	{
		size_t len = strlen(key);

		if (len > 2 && !strcmp(key + len - 2, "_s") && json_is_number(v))
			fn(key, json_number_value(v), arg);
	}
	json_array_foreach(json_object_get(summary, "canaries"), i, c)
	{
		const char *name = json_string_value(json_object_get(c, "name"));
		json_t *d = json_object_get(c, "duration_s");
		char fig[128];

		if (!name || !json_is_number(d))
			continue;
		snprintf(fig, sizeof(fig), "canary:%s", name);
		fn(fig, json_number_value(d), arg);
	}
	for (i = 0; i < ARRAY_SIZE(metrics); i++) {
		v = json_object_get(json_object_get(summary, "metrics"), metrics[i]);
		if (json_is_number(v))
			fn(metrics[i], json_number_value(v), arg);
	}
}

/* Collects each figure's values over an arch's runs: name -> [values]. */
static void collect(const char *name, double value, void *arg)
{
	json_t *values = arg, *list = json_object_get(values, name);

	if (!list) {
		list = json_array();
		json_object_set_new(values, name, list);
	}
	json_array_append_new(list, json_real(value));
}

json_t *bench_report(json_t *const *summaries, size_t n)
{
	json_t *arches = json_object();
	const char *arch;
	json_t *entry;

	for (size_t i = 0; i < n; i++) {
		const char *a = json_string_value(json_object_get(summaries[i], "arch"));
		const char *res = json_string_value(json_object_get(summaries[i], "result"));
		json_t *e;

		if (!a)
			continue;
		e = json_object_get(arches, a);
		if (!e) {
			/* values: figure -> its values; jansson keeps insertion order */
			e = json_pack("{s:i,s:i,s:{}}", "runs", 0, "passed", 0, "values");
			json_object_set_new(arches, a, e);
		}
		json_object_set_new(
			e, "runs",
			json_integer(json_integer_value(json_object_get(e, "runs")) + 1));
		if (res && !strcmp(res, "pass"))
			json_object_set_new(
				e, "passed",
				json_integer(json_integer_value(json_object_get(e, "passed")) + 1));
		each_figure(summaries[i], collect, json_object_get(e, "values"));
	}
	json_object_foreach(arches, arch, entry)
	{
		json_t *values = json_object_get(entry, "values"), *figures = json_array(), *list;
		const char *name;

		json_object_foreach(values, name, list)
		{
			size_t k = json_array_size(list);
			double *v = xcalloc(k ? k : 1, sizeof(*v));
			struct bench_stats st;

			for (size_t r = 0; r < k; r++)
				v[r] = json_number_value(json_array_get(list, r));
			if (bench_stats(v, k, &st) == 0)
				json_array_append_new(figures,
						      json_pack("{s:s,s:i,s:f,s:f,s:f}", "name",
								name, "n", (json_int_t)st.n,
								"median", st.median, "min", st.min,
								"max", st.max));
			free(v);
		}
		json_object_del(entry, "values");
		json_object_set_new(entry, "figures", figures);
	}
	return json_pack("{s:o}", "arches", arches);
}

void bench_table(json_t *report, FILE *fp)
{
	const char *arch;
	json_t *e, *f;
	size_t i;

	fprintf(fp, "| arch | runs | passed | figure | n | median | min | max |\n");
	fprintf(fp, "| --- | --- | --- | --- | --- | --- | --- | --- |\n");
	json_object_foreach(json_object_get(report, "arches"), arch, e)
	{
		json_array_foreach(json_object_get(e, "figures"), i, f)
		{
			fprintf(fp, "| %s | %lld | %lld | %s | %lld | %.1f | %.1f | %.1f |\n", arch,
				(long long)json_integer_value(json_object_get(e, "runs")),
				(long long)json_integer_value(json_object_get(e, "passed")),
				json_string_value(json_object_get(f, "name")),
				(long long)json_integer_value(json_object_get(f, "n")),
				json_real_value(json_object_get(f, "median")),
				json_real_value(json_object_get(f, "min")),
				json_real_value(json_object_get(f, "max")));
		}
	}
}
