#include "files.h"

#include "log.h"
#include "strbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <fts.h>
#include <stdio.h>
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

void file_sha256_hex(const char *path, struct strbuf *out)
{
	unsigned char md[EVP_MAX_MD_SIZE], buf[16384];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		strbuf_addf(out, "unreadable(%s)", strerror(errno));
		return;
	}
	ctx = EVP_MD_CTX_new();
	if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
		strbuf_addstr(out, "nohash");
		EVP_MD_CTX_free(ctx);
		close(fd);
		return;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		EVP_DigestUpdate(ctx, buf, (size_t)n);
	if (n < 0)
		strbuf_addf(out, "readerror(%s)", strerror(errno));
	else if (EVP_DigestFinal_ex(ctx, md, &mdlen))
		for (unsigned int i = 0; i < mdlen; i++)
			strbuf_addf(out, "%02x", md[i]);
	EVP_MD_CTX_free(ctx);
	close(fd);
}

int copy_file(const char *from, const char *to)
{
	struct strbuf sb = STRBUF_INIT;
	char *tmp = xasprintf("%s.tmp%ld", to, (long)getpid());
	FILE *f;
	int ret = -1, written;

	if (strbuf_read_file(&sb, from) < 0) {
		error_errno("cannot read '%s'", from);
		goto out;
	}
	f = fopen(tmp, "we");
	if (!f) {
		error_errno("cannot create '%s'", tmp);
		goto out;
	}
	written = fwrite(sb.buf ? sb.buf : "", 1, sb.len, f) == sb.len;
	if (fclose(f) != 0 || !written) {
		error("cannot write '%s'", tmp);
		unlink(tmp);
		goto out;
	}
	if (rename(tmp, to) < 0) {
		error_errno("cannot rename '%s' to '%s'", tmp, to);
		unlink(tmp);
		goto out;
	}
	ret = 0;
out:
	free(tmp);
	strbuf_release(&sb);
	return ret;
}
