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

/* Figures reported, and where each lives in a summary. */
static const struct {
	const char *name, *section, *key;
} figures[] = {
	{ "boot_s", "timings", "boot_s" },
	{ "online_s", "timings", "online_s" },
	{ "total_s", "timings", "total_s" },
	{ "tailscaled_rss_kib", "metrics", "tailscaled_rss_kib" },
};
#define NFIGURES (sizeof(figures) / sizeof(figures[0]))

json_t *bench_report(json_t *const *summaries, size_t n)
{
	json_t *arches = json_object();
	const char *arch;
	json_t *entry;

	for (size_t i = 0; i < n; i++) {
		const char *a = json_string_value(json_object_get(summaries[i], "arch"));
		json_t *e;

		if (!a)
			continue;
		e = json_object_get(arches, a);
		if (!e) {
			e = json_pack("{s:i,s:i,s:[]}", "runs", 0, "passed", 0, "summaries");
			json_object_set_new(arches, a, e);
		}
		json_object_set_new(e, "runs", json_integer(json_integer_value(json_object_get(e, "runs")) + 1));
		if (json_string_value(json_object_get(summaries[i], "result")) &&
		    !strcmp(json_string_value(json_object_get(summaries[i], "result")), "pass"))
			json_object_set_new(e, "passed",
					    json_integer(json_integer_value(json_object_get(e, "passed")) + 1));
		json_array_append(json_object_get(e, "summaries"), summaries[i]);
	}
	json_object_foreach(arches, arch, entry) {
		json_t *runs = json_object_get(entry, "summaries");
		size_t nruns = json_array_size(runs);
		double *v = xcalloc(nruns ? nruns : 1, sizeof(*v));

		for (size_t f = 0; f < NFIGURES; f++) {
			struct bench_stats st;
			size_t k = 0;

			for (size_t r = 0; r < nruns; r++) {
				json_t *x = json_object_get(json_object_get(json_array_get(runs, r),
									    figures[f].section),
							    figures[f].key);

				if (json_is_number(x))
					v[k++] = json_number_value(x);
			}
			if (bench_stats(v, k, &st) == 0)
				json_object_set_new(entry, figures[f].name,
						    json_pack("{s:i,s:f,s:f,s:f}", "n", (json_int_t)st.n,
							      "median", st.median, "min", st.min,
							      "max", st.max));
		}
		free(v);
		json_object_del(entry, "summaries");
	}
	return json_pack("{s:o}", "arches", arches);
}

void bench_table(json_t *report, FILE *fp)
{
	const char *arch;
	json_t *e;

	fprintf(fp, "| arch | runs | passed | figure | median | min | max |\n");
	fprintf(fp, "| --- | --- | --- | --- | --- | --- | --- |\n");
	json_object_foreach(json_object_get(report, "arches"), arch, e) {
		for (size_t f = 0; f < NFIGURES; f++) {
			json_t *s = json_object_get(e, figures[f].name);

			if (!s)
				continue;
			fprintf(fp, "| %s | %lld | %lld | %s | %.1f | %.1f | %.1f |\n", arch,
				(long long)json_integer_value(json_object_get(e, "runs")),
				(long long)json_integer_value(json_object_get(e, "passed")),
				figures[f].name, json_real_value(json_object_get(s, "median")),
				json_real_value(json_object_get(s, "min")),
				json_real_value(json_object_get(s, "max")));
		}
	}
}
