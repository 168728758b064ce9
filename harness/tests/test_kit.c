/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files.h"
#include "kit.h"
#include "strbuf.h"

/* A directory holding every input a kit needs, the tools answering "version". */
struct fixture {
	char dir[64];
	struct kit k;
	char *path; /* where the kit goes */
};

static char *in_dir(struct fixture *f, const char *name)
{
	return xasprintf("%s/%s", f->dir, name);
}

static void put(struct fixture *f, const char *name, const char *text, mode_t mode)
{
	char *p = in_dir(f, name);

	assert_int_equal(write_text_file(p, text, mode), 0);
	free(p);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	static const char *const recipe[] = { "allowlist", "waived-deps", "busybox-applets",
					      "busybox.sh", "featuretable.sh" };

	strcpy(f->dir, "/tmp/tsc-test-kit-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	for (const char *const *d =
		     (const char *const[]){ "kernel", "peers", "probes", "image", NULL };
	     *d; d++) {
		char *p = in_dir(f, *d);

		assert_int_equal(mkdir_p(p), 0);
		free(p);
	}
	put(f, "kernel/vmlinuz", "kernel", 0644);
	put(f, "overlay.cpio.gz", "overlay", 0644);
	put(f, "headscale", "#!/bin/sh\necho headscale version v0.29.2\n", 0755);
	put(f, "peers/tailscale", "#!/bin/sh\nprintf '1.102.5-t1\\n  long version: x\\n'\n", 0755);
	put(f, "dnsd", "dnsd", 0755);
	put(f, "httpd", "httpd", 0755);
	put(f, "natpmpd", "natpmpd", 0755);
	put(f, "probes/dnsprobe", "probe", 0755);
	for (size_t i = 0; i < 4; i++) {
		char *name = xasprintf("image/%s", recipe[i]);

		put(f, name, recipe[i], 0644);
		free(name);
	}
	f->k.arch = xstrdup("armv7");
	f->k.kernel_profile = xstrdup("bookworm");
	f->k.fixtures = xstrdup("fixtures");
	f->k.vm_dir = xstrdup("vm");
	f->k.recipe_dir = in_dir(f, "image");
	f->k.kernel_dir = in_dir(f, "kernel");
	f->k.overlay = in_dir(f, "overlay.cpio.gz");
	f->k.headscale = in_dir(f, "headscale");
	f->k.dnsd = in_dir(f, "dnsd");
	f->k.httpd = in_dir(f, "httpd");
	f->k.natpmpd = in_dir(f, "natpmpd");
	f->k.ts_bindir = in_dir(f, "peers");
	f->k.host_probes = in_dir(f, "probes");
	f->path = in_dir(f, "kit.json");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	kit_release(&f->k);
	rm_rf(f->dir);
	free(f->path);
	free(f);
	return 0;
}

static void write_ok(struct fixture *f)
{
	struct strbuf err = STRBUF_INIT;
	int infra = -1;

	assert_int_equal(kit_write(&f->k, f->path, &infra, &err), 0);
	assert_int_equal(infra, 0);
	assert_int_equal(err.len, 0);
	strbuf_release(&err);
}

static void test_round_trip(void **state)
{
	struct fixture *f = *state;
	struct strbuf err = STRBUF_INIT;
	struct kit k;
	json_t *ids = json_object();

	write_ok(f);
	assert_int_equal(kit_load(f->path, &k, &err), 0);
	assert_string_equal(k.arch, "armv7");
	assert_string_equal(k.kernel_profile, "bookworm");
	assert_string_equal(k.kernel_dir, f->k.kernel_dir);
	assert_string_equal(k.ts_bindir, f->k.ts_bindir);
	assert_string_equal(k.hs_version, "v0.29.2");
	assert_string_equal(k.peers_version, "v1.102.5");
	/* the optional inputs not given stay absent, and key as "none" */
	assert_null(k.feature_table);
	assert_null(k.cache_dir);
	assert_int_equal(kit_verify(&k, ids, &err), 0);
	assert_string_equal(json_string_value(json_object_get(ids, "allowlist")), "none");
	assert_int_equal(
		strncmp(json_string_value(json_object_get(ids, "kernel")), "dir:sha256:", 11), 0);
	assert_int_equal(
		strncmp(json_string_value(json_object_get(ids, "recipe/allowlist")), "sha256:", 7),
		0);
	json_decref(ids);
	kit_release(&k);
	strbuf_release(&err);
}

static void test_unchanged_inputs_leave_the_file_alone(void **state)
{
	struct fixture *f = *state;
	struct stat a, b;

	write_ok(f);
	assert_int_equal(stat(f->path, &a), 0);
	/* back-date it: a rewrite would show as a new mtime */
	{
		struct timespec old[2] = { { 1000000000, 0 }, { 1000000000, 0 } };

		assert_int_equal(utimensat(AT_FDCWD, f->path, old, 0), 0);
	}
	write_ok(f);
	assert_int_equal(stat(f->path, &b), 0);
	assert_int_equal(b.st_mtime, 1000000000);
	/* a changed input: new bytes */
	put(f, "dnsd", "dnsd 2", 0755);
	write_ok(f);
	assert_int_equal(stat(f->path, &b), 0);
	assert_true(b.st_mtime > 1000000000);
	(void)a;
}

static void test_a_changed_input_makes_it_stale(void **state)
{
	struct fixture *f = *state;
	struct strbuf err = STRBUF_INIT;
	struct kit k;
	json_t *ids = json_object();

	write_ok(f);
	put(f, "peers/tailscale", "#!/bin/sh\necho 1.104.0\n", 0755);
	assert_int_equal(kit_load(f->path, &k, &err), 0);
	assert_int_equal(kit_verify(&k, ids, &err), -1);
	assert_non_null(strstr(err.buf, "stale: peers_tailscale"));
	json_decref(ids);
	kit_release(&k);
	strbuf_release(&err);
}

static void test_a_missing_input_is_recorded_not_refused(void **state)
{
	struct fixture *f = *state;
	struct strbuf err = STRBUF_INIT;
	struct kit k;
	json_t *ids = json_object();

	free(f->k.kernel_dir);
	f->k.kernel_dir = in_dir(f, "no-kernel");
	write_ok(f);
	assert_int_equal(kit_load(f->path, &k, &err), 0);
	assert_int_equal(kit_verify(&k, ids, &err), 0);
	assert_string_equal(json_string_value(json_object_get(ids, "kernel")), "missing");
	json_decref(ids);
	kit_release(&k);
	strbuf_release(&err);
}

static void test_write_refuses_what_it_cannot_name(void **state)
{
	struct fixture *f = *state;
	struct strbuf err = STRBUF_INIT;
	int infra;

	/* a required input not given: usage */
	free(f->k.natpmpd);
	f->k.natpmpd = NULL;
	assert_int_equal(kit_write(&f->k, f->path, &infra, &err), -1);
	assert_int_equal(infra, 0);
	assert_non_null(strstr(err.buf, "--natpmpd"));
	assert_int_equal(access(f->path, F_OK), -1);
	/* a headscale that names no release: the lab's fault */
	f->k.natpmpd = in_dir(f, "natpmpd");
	put(f, "headscale", "#!/bin/sh\necho no idea\n", 0755);
	strbuf_reset(&err);
	assert_int_equal(kit_write(&f->k, f->path, &infra, &err), -1);
	assert_int_equal(infra, 1);
	assert_non_null(strstr(err.buf, "did not name its release"));
	assert_int_equal(access(f->path, F_OK), -1);
	strbuf_release(&err);
}

static void test_load_refuses_what_is_not_a_kit(void **state)
{
	struct fixture *f = *state;
	static const char *const bad[][2] = {
		{ "{", "cannot read the kit" },
		{ "{\"arch\": \"armv7\"}", "is not a kit" },
		{ "{\"format\": \"tscanary-kit 2\"}", "is not a kit" },
		{ "{\"format\": \"tscanary-kit 1\", \"arch\": \"armv7\", \"fixtures\": \"f\", "
		  "\"vm_dir\": \"v\", \"recipe_dir\": \"i\"}",
		  "names no headscale" },
		{ "{\"format\": \"tscanary-kit 1\", \"arch\": 7}", "has no arch" },
		{ "{\"format\": \"tscanary-kit 1\", \"arch\": \"armv7\", \"fixtures\": \"f\", "
		  "\"vm_dir\": \"v\", \"recipe_dir\": \"i\", \"versions\": {\"headscale\": "
		  "\"v1\", \"peers_tailscale\": \"v2\"}, \"inputs\": {}}",
		  "has no kernel input" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct strbuf err = STRBUF_INIT;
		struct kit k;

		put(f, "kit.json", bad[i][0], 0644);
		assert_int_equal(kit_load(f->path, &k, &err), -1);
		if (!strstr(err.buf, bad[i][1]))
			fail_msg("case %zu: '%s' lacks '%s'", i, err.buf, bad[i][1]);
		assert_null(k.arch);
		assert_null(k.inputs);
		strbuf_release(&err);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unchanged_inputs_leave_the_file_alone, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_a_changed_input_makes_it_stale, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_a_missing_input_is_recorded_not_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_write_refuses_what_it_cannot_name, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_load_refuses_what_is_not_a_kit, setup,
						teardown),
	};

	return cmocka_run_group_tests_name("kit", tests, NULL, NULL);
}
