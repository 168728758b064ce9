/* SPDX-License-Identifier: BSD-3-Clause */
/* The KVM probe and its cache (accel.h). */
#include "accel.h"

#include "arch.h"
#include "files.h"
#include "log.h"
#include "strbuf.h"
#include "userns.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

/* The cache file of a's probe on this host kernel and QEMU binary, or NULL. */
static char *accel_cache_path(const struct arch *a, const char *cache_dir)
{
	struct utsname u;
	struct stat st;
	char *qemu = NULL;

	if (!cache_dir || uname(&u) < 0)
		return NULL;
	/* the QEMU binary's identity: size and mtime of what PATH finds */
	for (const char *dirs[] = { "/usr/bin", "/usr/local/bin", NULL }, **d = dirs; *d; d++) {
		char *p = xasprintf("%s/%s", *d, a->qemu);

		if (stat(p, &st) == 0) {
			qemu = xasprintf("%lld-%lld", (long long)st.st_size,
					 (long long)st.st_mtime);
			free(p);
			break;
		}
		free(p);
	}
	if (!qemu)
		return NULL;
	{
		char *path = xasprintf("%s/accel/%s-%s-%s", cache_dir, a->name, u.release, qemu);

		free(qemu);
		return path;
	}
}

enum qemu_accel accel_choose(struct accel_probe *p, const struct arch *a, const char *cache_dir)
{
	struct utsname u;
	struct strbuf sb = STRBUF_INIT;
	enum qemu_accel acc = QEMU_ACCEL_TCG;
	int native;

	if (uname(&u) < 0)
		return acc;
	/* the arch table's native column: the host this arch's KVM runs on */
	native = a->native[0] && !strcmp(u.machine, a->native);
	if (!native)
		return acc;
	if (userns_active()) {
		info("accel: tcg (KVM is not used in a user namespace)");
		return acc;
	}
	if (access("/dev/kvm", R_OK | W_OK) != 0)
		return acc;
	free(p->cache);
	p->cache = accel_cache_path(a, cache_dir);
	if (p->cache && strbuf_read_file(&sb, p->cache) == 0) {
		strbuf_rtrim(&sb);
		acc = !strcmp(sb.buf, "kvm") ? QEMU_ACCEL_KVM : QEMU_ACCEL_TCG;
		info("accel: %s (cached probe %s)", sb.buf, p->cache);
	} else {
		acc = QEMU_ACCEL_KVM;
		p->probing = 1;
		info("accel: probing KVM with this boot");
	}
	strbuf_release(&sb);
	return acc;
}

int accel_remember(struct accel_probe *p, const char *answer)
{
	char *tmp;
	FILE *fp;

	if (!p->probing || !p->cache)
		return 0;
	p->probing = 0;
	tmp = xasprintf("%s.tmp.%d", p->cache, (int)getpid());
	{
		char *dir = xstrdup(p->cache);

		*strrchr(dir, '/') = '\0';
		mkdir_p(dir);
		free(dir);
	}
	fp = fopen(tmp, "we");
	if (fp && fprintf(fp, "%s\n", answer) > 0 && fclose(fp) == 0)
		rename(tmp, p->cache);
	else if (fp)
		fclose(fp);
	free(tmp);
	return 1;
}

void accel_probe_release(struct accel_probe *p)
{
	free(p->cache);
	p->cache = NULL;
	p->probing = 0;
}
