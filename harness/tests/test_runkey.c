/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files.h"
#include "runkey.h"
#include "strbuf.h"

#define ABC_SHA256 "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

static char *identity(const char *path)
{
	json_t *in = json_object();
	struct strbuf err = STRBUF_INIT;
	char *id;

	assert_int_equal(runkey_set_path(in, "x", path, &err), 0);
	assert_int_equal(err.len, 0);
	id = strdup(json_string_value(json_object_get(in, "x")));
	json_decref(in);
	strbuf_release(&err);
	return id;
}

static void test_key_ignores_insertion_order(void **state)
{
	json_t *a = json_object(), *b = json_object();
	char *ka, *kb;

	(void)state;
	runkey_set(a, "image", "sha256:1");
	runkey_set(a, "tree", "abc");
	runkey_set(b, "tree", "abc");
	runkey_set(b, "image", "sha256:1");
	ka = runkey_digest(a);
	kb = runkey_digest(b);
	assert_string_equal(ka, kb);
	assert_int_equal(strncmp(ka, "sha256:", 7), 0);
	assert_int_equal(strlen(ka), 7 + 64);
	free(ka);
	free(kb);
	json_decref(a);
	json_decref(b);
}

static void test_any_changed_input_changes_the_key(void **state)
{
	json_t *a = json_object();
	char *k0, *k1, *k2;

	(void)state;
	runkey_set(a, "image", "sha256:1");
	runkey_set(a, "canaries", "all");
	k0 = runkey_digest(a);
	runkey_set(a, "canaries", "footprint");
	k1 = runkey_digest(a);
	runkey_set(a, "canaries", "all");
	runkey_set(a, "qemu", "sha256:2");
	k2 = runkey_digest(a);
	assert_string_not_equal(k0, k1);
	assert_string_not_equal(k0, k2);
	assert_string_not_equal(k1, k2);
	free(k0);
	free(k1);
	free(k2);
	json_decref(a);
}

static void test_file_identity_is_its_sha256(void **state)
{
	char dir[] = "/tmp/test_runkey.XXXXXX", *f, *id, *link;

	(void)state;
	assert_non_null(mkdtemp(dir));
	f = xasprintf("%s/abc", dir);
	link = xasprintf("%s/link", dir);
	assert_int_equal(write_text_file(f, "abc", 0644), 0);
	id = identity(f);
	assert_string_equal(id, "sha256:" ABC_SHA256);
	free(id);
	/* a symlink to a file is that file's bytes (the run reads through it) */
	assert_int_equal(symlink("abc", link), 0);
	id = identity(link);
	assert_string_equal(id, "sha256:" ABC_SHA256);
	free(id);
	rm_rf(dir);
	free(f);
	free(link);
}

static void test_dir_identity_sees_content_names_and_links(void **state)
{
	char dir[] = "/tmp/test_runkey.XXXXXX", *sub, *f, *g, *id0, *id1, *id2, *id3, *id4;

	(void)state;
	assert_non_null(mkdtemp(dir));
	sub = xasprintf("%s/bin", dir);
	f = xasprintf("%s/bin/tailscaled", dir);
	g = xasprintf("%s/bin/tailscale", dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	assert_int_equal(write_text_file(f, "daemon v1", 0644), 0);
	id0 = identity(dir);
	assert_int_equal(strncmp(id0, "dir:sha256:", 11), 0);
	id1 = identity(dir);
	assert_string_equal(id0, id1); /* stable */
	assert_int_equal(write_text_file(f, "daemon v2", 0644), 0);
	id2 = identity(dir);
	assert_string_not_equal(id0, id2); /* content */
	assert_int_equal(symlink("tailscaled", g), 0);
	id3 = identity(dir);
	assert_string_not_equal(id2, id3); /* a new entry, here a link */
	assert_int_equal(unlink(g), 0);
	assert_int_equal(symlink("other", g), 0);
	id4 = identity(dir);
	assert_string_not_equal(id3, id4); /* the link's target */
	rm_rf(dir);
	free(sub);
	free(f);
	free(g);
	free(id0);
	free(id1);
	free(id2);
	free(id3);
	free(id4);
}

static void test_missing_path_is_named_missing(void **state)
{
	json_t *in = json_object();
	struct strbuf err = STRBUF_INIT;

	(void)state;
	assert_int_equal(runkey_set_path(in, "kernel", "/nonexistent/tscanary/vmlinuz", &err), 0);
	assert_string_equal(json_string_value(json_object_get(in, "kernel")), "missing");
	json_decref(in);
	strbuf_release(&err);
}

static char *json_identity(const char *path, const char *const *drop)
{
	json_t *in = json_object();
	struct strbuf err = STRBUF_INIT;
	char *id;

	assert_int_equal(runkey_set_json(in, "m", path, drop, &err), 0);
	assert_int_equal(err.len, 0);
	id = strdup(json_string_value(json_object_get(in, "m")));
	json_decref(in);
	strbuf_release(&err);
	return id;
}

/*
 * A build manifest's identity: what it says, not how it was written, and
 * not the provenance fields left out (the recipe that built the same bytes).
 */
static void test_json_identity_leaves_out_provenance(void **state)
{
	static const char *const drop[] = { "recipe_hash", "cache_key", NULL };
	char dir[] = "/tmp/test_runkey.XXXXXX", *a, *b, *ida, *idb;

	(void)state;
	assert_non_null(mkdtemp(dir));
	a = xasprintf("%s/a.json", dir);
	b = xasprintf("%s/b.json", dir);
	/* the same image from two recipes: only the provenance and the layout differ */
	assert_int_equal(write_text_file(a,
					 "{\"tags\": \"t1\", \"recipe_hash\": \"aaa\", "
					 "\"cache_key\": \"k1\", \"sizes\": {\"b\": 1}}",
					 0644),
			 0);
	assert_int_equal(write_text_file(b,
					 "{\n  \"sizes\": {\"b\": 1},\n  \"cache_key\": \"k2\",\n"
					 "  \"recipe_hash\": \"bbb\",\n  \"tags\": \"t1\"\n}\n",
					 0644),
			 0);
	ida = json_identity(a, drop);
	idb = json_identity(b, drop);
	assert_string_equal(ida, idb);
	assert_int_equal(strncmp(ida, "json:sha256:", 12), 0);
	free(idb);
	/* without the list the provenance counts */
	idb = json_identity(b, NULL);
	assert_string_not_equal(ida, idb);
	free(idb);
	/* anything else the manifest says counts */
	assert_int_equal(write_text_file(b,
					 "{\"tags\": \"t2\", \"recipe_hash\": \"aaa\", "
					 "\"cache_key\": \"k1\", \"sizes\": {\"b\": 1}}",
					 0644),
			 0);
	idb = json_identity(b, drop);
	assert_string_not_equal(ida, idb);
	free(idb);
	free(ida);
	rm_rf(dir);
	free(a);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_ignores_insertion_order),
		cmocka_unit_test(test_any_changed_input_changes_the_key),
		cmocka_unit_test(test_file_identity_is_its_sha256),
		cmocka_unit_test(test_dir_identity_sees_content_names_and_links),
		cmocka_unit_test(test_missing_path_is_named_missing),
		cmocka_unit_test(test_json_identity_leaves_out_provenance),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
