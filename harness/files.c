/* SPDX-License-Identifier: BSD-3-Clause */
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
		case FTS_DC: break;
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

char *sha256_hex(const void *data, size_t len)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	struct strbuf sb = STRBUF_INIT;

	if (!EVP_Digest(data, len, md, &n, EVP_sha256(), NULL)) {
		error("cannot compute a sha256 digest");
		abort();
	}
	for (unsigned int i = 0; i < n; i++)
		strbuf_addf(&sb, "%02x", md[i]);
	return strbuf_detach(&sb, NULL);
}

void undo_rm_rf(void *path)
{
	rm_rf(path);
}

int write_file(const char *path, const void *data, size_t len, mode_t mode)
{
	char *tmp = xasprintf("%s.tmp%ld", path, (long)getpid());
	const char *p = data;
	int fd, ret = 0;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0) {
		ret = error_errno("cannot create '%s'", tmp);
		free(tmp);
		return ret;
	}
	while (len && !ret) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno != EINTR) {
			ret = error_errno("cannot write '%s'", tmp);
		} else if (n > 0) {
			p += n;
			len -= (size_t)n;
		}
	}
	if (!ret && fchmod(fd, mode) < 0)
		ret = error_errno("cannot set the mode of '%s'", tmp);
	if (close(fd) < 0 && !ret)
		ret = error_errno("cannot write '%s'", tmp);
	if (!ret && rename(tmp, path) < 0)
		ret = error_errno("cannot rename '%s' to '%s'", tmp, path);
	if (ret)
		unlink(tmp);
	free(tmp);
	return ret;
}

int write_text_file(const char *path, const char *text, mode_t mode)
{
	return write_file(path, text, strlen(text), mode);
}

int concat_files(const char *const *from, size_t n, const char *to)
{
	struct strbuf sb = STRBUF_INIT;
	int ret = 0;

	for (size_t i = 0; i < n && !ret; i++)
		if (strbuf_read_file(&sb, from[i]) < 0)
			ret = error_errno("cannot read '%s'", from[i]);
	if (!ret)
		ret = write_file(to, sb.buf ? sb.buf : "", sb.len, 0644);
	strbuf_release(&sb);
	return ret;
}

int copy_file(const char *from, const char *to)
{
	return concat_files(&from, 1, to);
}
