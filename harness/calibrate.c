/* SPDX-License-Identifier: BSD-3-Clause */
/* The timeout scale from an arch's recent boots (calibrate.h). */
#include "calibrate.h"

#include "bench.h"
#include "files.h"
#include "log.h"
#include "strbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BOOT_REF_S 6.0
#define SPEED_KEEP 5

static char *speed_path(const char *cache_dir, const char *arch)
{
	return cache_dir ? xasprintf("%s/speed/%s", cache_dir, arch) : NULL;
}

static size_t speed_load(const char *cache_dir, const char *arch, double *v, size_t max)
{
	char *path = speed_path(cache_dir, arch);
	struct strbuf sb = STRBUF_INIT;
	size_t n = 0;

	if (path && strbuf_read_file(&sb, path) == 0) {
		for (char *p = sb.buf, *end; p && *p && n < max; p = end) {
			double d = strtod(p, &end);

			if (end == p)
				break;
			if (d > 0 && d < 3600)
				v[n++] = d;
		}
	}
	strbuf_release(&sb);
	free(path);
	return n;
}

double calibrate_factor(double boot_s)
{
	double f = boot_s / BOOT_REF_S;

	return f < 1 ? 1 : f > 4 ? 4 : f;
}

double calibrate_scale(const char *cache_dir, const char *arch, double user_scale)
{
	double v[SPEED_KEEP], f = 1.0, scale;
	size_t n = speed_load(cache_dir, arch, v, SPEED_KEEP);
	struct bench_stats st;

	if (bench_stats(v, n, &st) == 0)
		f = calibrate_factor(st.median);
	scale = user_scale * f;
	info("timeouts scaled by %.2f (%s)", scale,
	     n ? "median of this arch's recent boots" : "no boots measured yet");
	return scale;
}

void calibrate_record(const char *cache_dir, const char *arch, double boot_s)
{
	double v[SPEED_KEEP];
	size_t n = speed_load(cache_dir, arch, v, SPEED_KEEP);
	char *path = speed_path(cache_dir, arch), *tmp;
	FILE *fp;

	if (!path)
		return;
	tmp = xasprintf("%s.tmp.%d", path, (int)getpid());
	{
		char *dir = xstrdup(path);

		*strrchr(dir, '/') = '\0';
		mkdir_p(dir);
		free(dir);
	}
	fp = fopen(tmp, "we");
	if (fp) {
		/* keep the newest SPEED_KEEP - 1 plus this one */
		for (size_t i = n >= SPEED_KEEP ? 1 : 0; i < n; i++)
			fprintf(fp, "%.3f\n", v[i]);
		fprintf(fp, "%.3f\n", boot_s);
		if (fclose(fp) == 0)
			rename(tmp, path);
	}
	free(tmp);
	free(path);
}
