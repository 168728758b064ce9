/* SPDX-License-Identifier: BSD-3-Clause */
/* A run's key: the identity of every input its verdict depends on. */
#include "runkey.h"

#include "files.h"
#include "log.h"
#include "strbuf.h"

#include <errno.h>
#include <fts.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void runkey_set(json_t *inputs, const char *name, const char *identity)
{
	json_object_set_new(inputs, name, json_string(identity));
}

/* Every entry under dir as "relpath\tidentity", sorted by fts. */
static int dir_listing(const char *dir, struct strbuf *out, struct strbuf *err)
{
	char *const roots[] = { (char *)dir, NULL };
	size_t skip = strlen(dir);
	FTSENT *e;
	FTS *fts = fts_open(roots, FTS_PHYSICAL | FTS_NOCHDIR,
			    (int (*)(const FTSENT **, const FTSENT **))NULL);
	int ret = 0;

	if (!fts) {
		strbuf_addf(err, "cannot walk '%s': %s", dir, strerror(errno));
		return -1;
	}
	/* fts without a compare function walks in directory order: collect, then sort */
	json_t *entries = json_object();

	while ((e = fts_read(fts))) {
		struct strbuf id = STRBUF_INIT;
		const char *rel = e->fts_path + skip;

		if (*rel == '/')
			rel++;
		switch (e->fts_info) {
		case FTS_F: file_sha256_hex(e->fts_path, &id); break;
		case FTS_SL:
		case FTS_SLNONE: {
			char target[4096];
			ssize_t n = readlink(e->fts_path, target, sizeof(target) - 1);

			target[n > 0 ? n : 0] = '\0';
			strbuf_addf(&id, "-> %s", target);
			break;
		}
		case FTS_D: strbuf_addstr(&id, "dir"); break;
		case FTS_DP: strbuf_release(&id); continue;
		case FTS_DNR:
		case FTS_ERR:
		case FTS_NS:
			strbuf_addf(err, "cannot read '%s': %s", e->fts_path,
				    strerror(e->fts_errno));
			ret = -1;
			strbuf_addstr(&id, "unreadable");
			break;
		default: strbuf_addstr(&id, "other");
		}
		if (*rel)
			json_object_set_new(entries, rel, json_string(strbuf_str(&id)));
		strbuf_release(&id);
	}
	fts_close(fts);
	char *dump = json_dumps(entries, JSON_SORT_KEYS | JSON_COMPACT);

	strbuf_addstr(out, dump ? dump : "");
	free(dump);
	json_decref(entries);
	return ret;
}

int runkey_set_path(json_t *inputs, const char *name, const char *path, struct strbuf *err)
{
	struct strbuf id = STRBUF_INIT;
	struct stat st;
	int ret = 0;

	if (stat(path, &st) < 0) {
		runkey_set(inputs, name, errno == ENOENT ? "missing" : "unreadable");
		if (errno != ENOENT) {
			strbuf_addf(err, "cannot stat '%s': %s", path, strerror(errno));
			return -1;
		}
		return 0;
	}
	if (S_ISDIR(st.st_mode)) {
		struct strbuf listing = STRBUF_INIT;
		char *hex;

		ret = dir_listing(path, &listing, err);
		hex = sha256_hex(listing.buf ? listing.buf : "", listing.len);
		strbuf_addf(&id, "dir:sha256:%s", hex);
		free(hex);
		strbuf_release(&listing);
	} else {
		char *real = realpath(path, NULL);

		strbuf_addstr(&id, "sha256:");
		file_sha256_hex(real ? real : path, &id);
		free(real);
		if (strlen(strbuf_str(&id)) != 7 + 64) {
			strbuf_addf(err, "cannot hash '%s'", path);
			ret = -1;
		}
	}
	runkey_set(inputs, name, ret < 0 ? "unreadable" : strbuf_str(&id));
	strbuf_release(&id);
	return ret;
}

int runkey_set_json(json_t *inputs, const char *name, const char *path, const char *const *drop,
		    struct strbuf *err)
{
	json_error_t jerr;
	json_t *doc;
	char *text, *hex, *id;

	if (access(path, F_OK) < 0 && errno == ENOENT) {
		runkey_set(inputs, name, "missing");
		return 0;
	}
	if (!(doc = json_load_file(path, 0, &jerr))) {
		runkey_set(inputs, name, "unreadable");
		strbuf_addf(err, "cannot read '%s': %s", path, jerr.text);
		return -1;
	}
	for (size_t i = 0; drop && drop[i]; i++)
		json_object_del(doc, drop[i]);
	text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	json_decref(doc);
	if (!text) {
		runkey_set(inputs, name, "unreadable");
		strbuf_addf(err, "cannot hash '%s'", path);
		return -1;
	}
	hex = sha256_hex(text, strlen(text));
	id = xasprintf("json:sha256:%s", hex);
	runkey_set(inputs, name, id);
	free(text);
	free(hex);
	free(id);
	return 0;
}

char *runkey_digest(json_t *inputs)
{
	char *dump = json_dumps(inputs, JSON_SORT_KEYS | JSON_COMPACT);
	char *hex, *key;

	if (!dump) {
		error("cannot serialise a run's inputs");
		abort();
	}
	hex = sha256_hex(dump, strlen(dump));
	key = xasprintf("sha256:%s", hex);
	free(hex);
	free(dump);
	return key;
}
