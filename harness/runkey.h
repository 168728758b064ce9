/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TSCANARY_RUNKEY_H
#define TSCANARY_RUNKEY_H

#include <jansson.h>

struct strbuf;

/*
 * A run's key: everything the verdict of `tscanary run` depends on, as a
 * JSON object of name -> identity (the image's manifest digest, the
 * harness tree, the canary selection, and the sha256 of every file the run
 * uses: kernel, overlay, lab servers, peers, probes, feature table, QEMU),
 * and one digest over it. Two runs with the same key ran the same bytes
 * against the same lab with the same judge; a passing verdict of one may
 * stand for the other when a caller asks for that (tscanary run --reuse).
 */

/* Set inputs[name] = identity (a copy). */
void runkey_set(json_t *inputs, const char *name, const char *identity);
/*
 * Set inputs[name] to the identity of path: "sha256:<hex>" of a regular
 * file (symlinks followed), or for a directory "dir:sha256:<hex>" over the
 * sorted list of its entries, recursively (relative path, then the file's
 * sha256 or "-> target" for a symlink). A missing path is "missing", so a
 * key still differs from one where it was present. 0, or -1 with the reason
 * in err (the identity is then "unreadable").
 */
int runkey_set_path(json_t *inputs, const char *name, const char *path, struct strbuf *err);
/*
 * Set inputs[name] to "json:sha256:<hex>" over the JSON file at path with
 * the top-level keys in drop (a NULL-terminated list) left out, dumped
 * compactly with sorted keys: the identity of what a document says, without
 * the fields that only record how it was made. A missing file is
 * "missing". 0, or -1 with the reason in err ("unreadable").
 */
int runkey_set_json(json_t *inputs, const char *name, const char *path, const char *const *drop,
		    struct strbuf *err);
/* The key: "sha256:<hex>" over the inputs dumped with sorted keys (caller frees). */
char *runkey_digest(json_t *inputs);

#endif
