#include "files.h"

#include "log.h"
#include "strbuf.h"

#include <errno.h>
#include <fts.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int mkdir_p(const char *path)
{
	char *p = xstrdup(path);
	int ret = 0;

	for (char *s = p + 1; *s && !ret; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			ret = error_errno("cannot create '%s'", p);
		*s = '/';
	}
	if (!ret && mkdir(p, 0755) < 0 && errno != EEXIST)
		ret = error_errno("cannot create '%s'", p);
	free(p);
	return ret;
}

int rm_rf(const char *path)
{
	char *roots[] = { (char *)path, NULL };
	FTSENT *e;
	FTS *fts;
	int ret = 0;

	/* physical: a symlink (e.g. to the caller's blobs) is removed, never followed */
	fts = fts_open(roots, FTS_PHYSICAL | FTS_NOCHDIR | FTS_XDEV, NULL);
	if (!fts)
		return error_errno("cannot walk '%s'", path);
	while ((e = fts_read(fts))) {
		switch (e->fts_info) {
		case FTS_D:
			/* rootless unpacks can leave directories we may not enter */
			if ((e->fts_statp->st_mode & 0700) != 0700)
				chmod(e->fts_accpath, (e->fts_statp->st_mode & 07777) | 0700);
			break;
		case FTS_DP:
			if (rmdir(e->fts_accpath) < 0 && errno != ENOENT) {
				warning("cannot remove '%s': %s", e->fts_path, strerror(errno));
				ret = -1;
			}
			break;
		case FTS_NS:
		case FTS_DNR:
		case FTS_ERR:
			if (e->fts_level == 0 && e->fts_errno == ENOENT)
				break;
			warning("cannot remove '%s': %s", e->fts_path, strerror(e->fts_errno));
			ret = -1;
			break;
		case FTS_DC:
			break;
		default:
			if (unlink(e->fts_accpath) < 0 && errno != ENOENT) {
				warning("cannot remove '%s': %s", e->fts_path, strerror(errno));
				ret = -1;
			}
			break;
		}
	}
	fts_close(fts);
	return ret;
}
