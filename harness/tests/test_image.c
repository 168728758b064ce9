/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arch.h"
#include "files.h"
#include "image.h"
#include "log.h"
#include "proc.h"
#include "strbuf.h"
#include "undo.h"

/* ---- log capture: every test checks the message a user would see ---- */

static char *log_text;
static size_t log_len;
static FILE *log_fp;

static int log_setup(void **state)
{
	(void)state;
	log_fp = open_memstream(&log_text, &log_len);
	log_set_file(log_fp);
	return log_fp ? 0 : -1;
}

static int log_teardown(void **state)
{
	(void)state;
	log_set_file(NULL);
	fclose(log_fp);
	free(log_text);
	log_text = NULL;
	log_len = 0;
	return 0;
}

static void assert_logged(const char *needle)
{
	fflush(log_fp);
	if (!log_text || !strstr(log_text, needle))
		fail_msg("log lacks \"%s\"; it has:\n%s", needle, log_text ? log_text : "");
}

static struct arch arch_of(const char *name)
{
	struct arch a;

	if (arch_lookup("vm/arches", name, &a) < 0)
		fail_msg("no arch %s in vm/arches", name);
	return a;
}

/* The whole of vm/arches, read once. */
static const struct arch_table *arches(void)
{
	static struct arch_table t;

	if (!t.n && arch_table_load("vm/arches", &t) < 0)
		fail_msg("vm/arches does not load");
	return &t;
}

/* ---- an in-memory layout for the pure parsers ---- */

#define R4(s)     s s s s
#define H64(c)    R4(R4(R4(c)))
#define DIGEST(c) "sha256:" H64(c)
#define BLOB(c)   "blobs/sha256/" H64(c)

#define MT_INDEX    "application/vnd.oci.image.index.v1+json"
#define MT_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_CONFIG   "application/vnd.oci.image.config.v1+json"

#define CFG_ARM_V7                                                                                 \
	"{\"architecture\":\"arm\",\"os\":\"linux\",\"variant\":\"v7\","                           \
	"\"config\":{\"Entrypoint\":[\"/usr/local/bin/entrypoint.sh\"],"                           \
	"\"Cmd\":[\"--no-logs-no-support\",\"--statedir=/var/lib/tailscale\"],"                    \
	"\"Env\":[\"PATH=/usr/bin:/bin\",\"TS_DEBUG=1\"],"                                         \
	"\"Volumes\":{\"/var/lib/tailscale\":{}},"                                                 \
	"\"Labels\":{\"org.opencontainers.image.title\":\"t\","                                    \
	"\"org.opencontainers.image.version\":\"v1.98.5\"},"                                       \
	"\"WorkingDir\":\"/\"},"                                                                   \
	"\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}"
#define CFG_ARM_BARE                                                                               \
	"{\"architecture\":\"arm\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"/bin/sh\"]}}"
#define CFG_AMD64 "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"/bin/sh\"]}}"
#define CFG_ARM64 "{\"architecture\":\"arm64\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"/bin/sh\"]}}"

#define MANIFEST(cfg, layer)                                                                       \
	"{\"schemaVersion\":2,\"mediaType\":\"" MT_MANIFEST "\","                                  \
	"\"config\":{\"mediaType\":\"" MT_CONFIG "\",\"digest\":\"" DIGEST(                        \
		cfg) "\",\"size\":1},"                                                             \
		     "\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\"," \
		     "\"digest\":\"" DIGEST(layer) "\",\"size\":1}]}"
#define DESC(mt, dig, extra)                                                                       \
	"{\"mediaType\":\"" mt "\",\"digest\":\"" DIGEST(dig) "\",\"size\":1" extra "}"
#define PLATFORM(os, arch, variant)                                                                \
	",\"platform\":{\"os\":\"" os "\",\"architecture\":\"" arch "\"" variant "}"
#define INDEX(entries) "{\"schemaVersion\":2,\"manifests\":[" entries "]}"

struct blob {
	const char *name;
	const char *text;
};

/* Blob names: 1x manifests, 2x configs, 3x layers, 4x nested indexes. */
/* The JSON blobs read as the documents they spell: */
/* clang-format off */
static const struct blob store[] = {
	{ BLOB("a"), MANIFEST("b", "c") },   /* arm, config with v7 */
	{ BLOB("b"), CFG_ARM_V7 },
	{ BLOB("d"), MANIFEST("e", "c") },   /* arm, config without a variant */
	{ BLOB("e"), CFG_ARM_BARE },
	{ BLOB("1"), MANIFEST("2", "3") },   /* amd64 */
	{ BLOB("2"), CFG_AMD64 },
	{ BLOB("5"), MANIFEST("6", "7") },   /* arm64 */
	{ BLOB("6"), CFG_ARM64 },
	{ BLOB("4"), "{\"schemaVersion\":2,\"mediaType\":\"" MT_INDEX "\",\"manifests\":["
		     DESC(MT_MANIFEST, "1", PLATFORM("linux", "amd64", ""))
		     "," DESC(MT_MANIFEST, "5", PLATFORM("linux", "arm64", ",\"variant\":\"v8\""))
		     "," DESC(MT_MANIFEST, "d", PLATFORM("linux", "arm", ",\"variant\":\"v7\""))
		     "," DESC(MT_MANIFEST, "1", PLATFORM("unknown", "unknown", "")
			      ",\"annotations\":{\"vnd.docker.reference.type\":\"attestation-manifest\"}")
		     "]}" },
	{ BLOB("f"), INDEX(DESC(MT_INDEX, "f", "")) }, /* an index that holds itself */
	{ "cfg/arm.json", CFG_ARM_V7 },
	{ "cfg/amd64.json", CFG_AMD64 },
	{ "cfg/bad.json", "{\"architecture\":\"arm\",\"config\":{\"Cmd\":\"/bin/sh\"}}" },
};
/* clang-format on */

static int store_read(void *ctx, const char *name, struct strbuf *out)
{
	(void)ctx;
	strbuf_reset(out);
	for (size_t i = 0; i < ARRAY_SIZE(store); i++) {
		if (!strcmp(store[i].name, name)) {
			strbuf_addstr(out, store[i].text);
			return 0;
		}
	}
	return error("test store has no '%s'", name);
}

/* ---- config ---- */

static void config_full(void **state)
{
	struct image_config c;

	(void)state;
	assert_int_equal(image_config_parse(CFG_ARM_V7, strlen(CFG_ARM_V7), &c), 0);
	assert_string_equal(c.platform.os, "linux");
	assert_string_equal(c.platform.arch, "arm");
	assert_string_equal(c.platform.variant, "v7");
	assert_string_equal(c.argv[0], "/usr/local/bin/entrypoint.sh");
	assert_string_equal(c.argv[1], "--no-logs-no-support");
	assert_string_equal(c.argv[2], "--statedir=/var/lib/tailscale");
	assert_null(c.argv[3]);
	assert_string_equal(c.entrypoint[0], "/usr/local/bin/entrypoint.sh");
	assert_null(c.entrypoint[1]);
	assert_string_equal(c.cmd[1], "--statedir=/var/lib/tailscale");
	assert_string_equal(c.env[0], "PATH=/usr/bin:/bin");
	assert_string_equal(c.env[1], "TS_DEBUG=1");
	assert_null(c.env[2]);
	assert_string_equal(c.volumes[0], "/var/lib/tailscale");
	assert_null(c.volumes[1]);
	assert_string_equal(c.version, "v1.98.5");
	assert_string_equal(image_config_label(&c, "org.opencontainers.image.title"), "t");
	assert_null(image_config_label(&c, "org.opencontainers.image"));
	assert_string_equal(c.working_dir, "/");
	assert_string_equal(c.user, "");
	image_config_release(&c);
	assert_null(c.argv);
}

static void config_cmd_only_and_empty(void **state)
{
	static const char cmd_only[] =
		"{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":"
		"{\"Entrypoint\":null,\"Cmd\":[\"/bin/sh\",\"-c\",\"echo hi\"],\"Env\":null}}";
	static const char entry_only[] = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{"
					 "\"Entrypoint\":[\"/init\"]}}";
	static const char empty[] = "{\"architecture\":\"amd64\",\"os\":\"linux\"}";
	struct image_config c;

	(void)state;
	assert_int_equal(image_config_parse(cmd_only, strlen(cmd_only), &c), 0);
	assert_null(c.entrypoint[0]);
	assert_string_equal(c.argv[0], "/bin/sh");
	assert_string_equal(c.argv[2], "echo hi");
	assert_null(c.argv[3]);
	assert_null(c.env[0]);
	assert_string_equal(c.version, "");
	image_config_release(&c);

	assert_int_equal(image_config_parse(entry_only, strlen(entry_only), &c), 0);
	assert_string_equal(c.argv[0], "/init");
	assert_null(c.argv[1]);
	image_config_release(&c);

	assert_int_equal(image_config_parse(empty, strlen(empty), &c), 0);
	assert_null(c.argv[0]);
	assert_null(c.volumes[0]);
	assert_string_equal(c.platform.variant, "");
	image_config_release(&c);
}

static void config_rejects_malformed(void **state)
{
	static const char *const bad[] = {
		"{\"architecture\":",
		"[1,2]",
		"{\"config\":{\"Entrypoint\":\"/bin/sh\"}}",
		"{\"config\":{\"Env\":[\"A=1\",2]}}",
		"{\"config\":{\"Labels\":{\"a\":1}}}",
		"{\"config\":[]}",
		"{\"architecture\":7}",
		"{\"architecture\":\"an-architecture-name-longer-than-the-field\"}",
	};
	struct image_config c;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		if (image_config_parse(bad[i], strlen(bad[i]), &c) != -1)
			fail_msg("accepted bad config %s", bad[i]);
		assert_null(c.argv);
	}
	assert_logged("cannot parse image config");
	assert_logged("'Entrypoint' is not an array of strings");
}

/* ---- platforms ---- */

static struct image_platform plat(const char *os, const char *arch, const char *variant)
{
	struct image_platform p;

	memset(&p, 0, sizeof(p));
	snprintf(p.os, sizeof(p.os), "%s", os);
	snprintf(p.arch, sizeof(p.arch), "%s", arch);
	snprintf(p.variant, sizeof(p.variant), "%s", variant);
	return p;
}

static void platform_matching(void **state)
{
	static const struct {
		const char *arch, *variant, *want;
		enum image_match match;
	} spelled[] = {
		{ "aarch64", "", "amd64", IMAGE_MISMATCH },
		{ "x86_64", "", "amd64", IMAGE_MATCH },
		{ "x86-64", "v1", "amd64", IMAGE_MATCH },
		{ "x86-64", "v1", "arm64", IMAGE_MISMATCH },
		{ "x86", "", "amd64", IMAGE_MISMATCH },
		{ "arm64", "v1", "arm64", IMAGE_MISMATCH },
	};
	struct arch armv7 = arch_of("armv7"), arm64 = arch_of("arm64"), amd64 = arch_of("amd64");
	struct image_platform p;
	char buf[96];

	(void)state;
	p = plat("linux", "arm", "v7");
	assert_int_equal(image_platform_match(&p, &armv7), IMAGE_MATCH);
	assert_string_equal(image_platform_str(&p, buf, sizeof(buf)), "linux/arm/v7");
	p = plat("linux", "arm", "");
	assert_int_equal(image_platform_match(&p, &armv7), IMAGE_NO_VARIANT);
	p = plat("linux", "arm", "v6");
	assert_int_equal(image_platform_match(&p, &armv7), IMAGE_MISMATCH);
	p = plat("linux", "arm64", "");
	assert_int_equal(image_platform_match(&p, &armv7), IMAGE_MISMATCH);
	assert_int_equal(image_platform_match(&p, &arm64), IMAGE_MATCH);
	p = plat("linux", "arm64", "v8");
	assert_int_equal(image_platform_match(&p, &arm64), IMAGE_MATCH);
	p = plat("linux", "aarch64", "");
	assert_int_equal(image_platform_match(&p, &arm64), IMAGE_MATCH);
	p = plat("linux", "amd64", "");
	assert_int_equal(image_platform_match(&p, &amd64), IMAGE_MATCH);
	p = plat("linux", "amd64", "v3");
	assert_int_equal(image_platform_match(&p, &amd64), IMAGE_MISMATCH);
	/* other spellings (ocialias) and the baseline variant (ocibase) */
	for (size_t i = 0; i < ARRAY_SIZE(spelled); i++) {
		struct arch a = arch_of(spelled[i].want);

		p = plat("linux", spelled[i].arch, spelled[i].variant);
		if (image_platform_match(&p, &a) != spelled[i].match)
			fail_msg("linux/%s/%s for %s", spelled[i].arch, spelled[i].variant,
				 spelled[i].want);
	}
	p = plat("windows", "amd64", "");
	assert_int_equal(image_platform_match(&p, &amd64), IMAGE_MISMATCH);
	p = plat("", "", "");
	assert_string_equal(image_platform_str(&p, buf, sizeof(buf)), "?/?");
	image_platform_of_arch(&armv7, &p);
	assert_string_equal(image_platform_str(&p, buf, sizeof(buf)), "linux/arm/v7");
}

/* ---- index / manifest listing and selection ---- */

static void index_single_with_platform(void **state)
{
	/* the index carries the variant; this config does not */
	static const char index[] = INDEX(
		DESC(MT_MANIFEST, "d", PLATFORM("linux", "arm", ",\"variant\":\"v7\"")));
	struct arch armv7 = arch_of("armv7"), arm64 = arch_of("arm64");
	struct image_candidates c;
	size_t pick = 99;

	(void)state;
	assert_int_equal(image_list_oci(index, store_read, NULL, arches(), &c), 0);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.v[0].platform.variant, "v7");
	assert_string_equal(c.v[0].declared.arch, "arm");
	assert_string_equal(c.v[0].manifest_digest, DIGEST("d"));
	assert_string_equal(c.v[0].manifest_type, MT_MANIFEST);
	assert_string_equal(c.v[0].config_digest, DIGEST("e"));
	assert_string_equal(c.v[0].members[0], BLOB("d"));
	assert_string_equal(c.v[0].members[1], BLOB("e"));
	assert_string_equal(c.v[0].members[2], BLOB("c"));
	assert_null(c.v[0].members[3]);
	assert_int_equal(image_select(&c, &armv7, "img.tar", &pick), 0);
	assert_int_equal(pick, 0);
	assert_int_equal(image_select(&c, &arm64, "img.tar", &pick), -1);
	assert_logged("image 'img.tar' has linux/arm/v7 only; ARCH=arm64 needs linux/arm64");
	image_candidates_release(&c);
}

static void index_missing_variant(void **state)
{
	/* neither the index (no platform at all) nor the config has a variant */
	static const char index[] = INDEX(DESC(MT_MANIFEST, "d", ""));
	struct arch armv7 = arch_of("armv7");
	struct image_candidates c;
	size_t pick;

	(void)state;
	assert_int_equal(image_list_oci(index, store_read, NULL, arches(), &c), 0);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.v[0].platform.arch, "arm");
	assert_int_equal(image_select(&c, &armv7, "img.tar", &pick), -1);
	assert_logged("image 'img.tar' is linux/arm without a platform variant; "
		      "ARCH=armv7 needs linux/arm/v7");
	image_candidates_release(&c);
}

static void index_wrong_arch(void **state)
{
	static const char index[] = INDEX(DESC(MT_MANIFEST, "1", ""));
	struct arch armv7 = arch_of("armv7"), amd64 = arch_of("amd64");
	struct image_candidates c;
	size_t pick;

	(void)state;
	assert_int_equal(image_list_oci(index, store_read, NULL, arches(), &c), 0);
	assert_int_equal(image_select(&c, &armv7, "img.tar", &pick), -1);
	assert_logged("image 'img.tar' has linux/amd64 only; ARCH=armv7 needs linux/arm/v7");
	assert_int_equal(image_select(&c, &amd64, "img.tar", &pick), 0);
	image_candidates_release(&c);
}

/*
 * The one manifest of index as listed: the platform merged from the index
 * and its config is want (an arch of vm/arches, and the variant), the index
 * and the config disagreed (warned) or not, and ARCH=armv7 refuses it as
 * refusal says while want runs it.
 */
static void check_merged(const char *index, const char *want, const char *variant, int warned,
			 const char *refusal)
{
	struct arch armv7 = arch_of("armv7"), runs = arch_of(want);
	struct image_candidates c;
	size_t pick;

	assert_int_equal(image_list_oci(index, store_read, NULL, arches(), &c), 0);
	fflush(log_fp);
	if (warned != (log_text && strstr(log_text, "the index says")))
		fail_msg("the index and config %s, the log has:\n%s", warned ? "disagree" : "agree",
			 log_text ? log_text : "");
	assert_string_equal(c.v[0].platform.arch, runs.oci_arch);
	assert_string_equal(c.v[0].platform.variant, variant);
	assert_int_equal(image_select(&c, &armv7, "x", &pick), -1);
	assert_logged(refusal);
	assert_int_equal(image_select(&c, &runs, "x", &pick), 0);
	image_candidates_release(&c);
}

static void index_config_is_authoritative(void **state)
{
	/* the index claims arm/v7, the config is amd64: the config wins */
	(void)state;
	check_merged(INDEX(DESC(MT_MANIFEST, "1", PLATFORM("linux", "arm", ",\"variant\":\"v7\""))),
		     "amd64", "", 1,
		     "image 'x' has linux/amd64 only; ARCH=armv7 needs linux/arm/v7");
	assert_logged("the index says linux/arm/v7 but the config says linux/amd64");
}

static void index_alias_agrees_with_config(void **state)
{
	/* the index spells arm64 as aarch64 (an ocialias): they agree, the index's variant stays */
	(void)state;
	check_merged(
		INDEX(DESC(MT_MANIFEST, "5", PLATFORM("linux", "aarch64", ",\"variant\":\"v8\""))),
		"arm64", "v8", 0,
		"image 'x' has linux/arm64/v8 only; ARCH=armv7 needs linux/arm/v7");
}

static void index_nested_multi_platform(void **state)
{
	static const char index[] = INDEX(DESC(MT_INDEX, "4", ""));
	struct arch armv7 = arch_of("armv7"), arm64 = arch_of("arm64"), amd64 = arch_of("amd64");
	struct arch riscv = amd64;
	struct image_candidates c;
	size_t pick;

	(void)state;
	assert_int_equal(image_list_oci(index, store_read, NULL, arches(), &c), 0);
	assert_int_equal(c.n, 3); /* the attestation is not an image */
	for (size_t i = 0; i < c.n; i++)
		assert_int_equal(c.v[i].index, 0);
	assert_int_equal(image_select(&c, &armv7, "multi", &pick), 0);
	assert_string_equal(c.v[pick].manifest_digest, DIGEST("d"));
	/* each platform's manifest knows the index index.json named */
	for (size_t i = 0; i < c.n; i++)
		assert_string_equal(c.v[i].index_digest, DIGEST("4"));
	assert_string_equal(c.v[pick].platform.variant, "v7");
	assert_int_equal(image_select(&c, &arm64, "multi", &pick), 0);
	assert_string_equal(c.v[pick].manifest_digest, DIGEST("5"));
	assert_int_equal(image_select(&c, &amd64, "multi", &pick), 0);
	assert_string_equal(c.v[pick].manifest_digest, DIGEST("1"));
	snprintf(riscv.name, sizeof(riscv.name), "riscv64");
	snprintf(riscv.oci_arch, sizeof(riscv.oci_arch), "riscv64");
	assert_int_equal(image_select(&c, &riscv, "multi", &pick), -1);
	assert_logged("image 'multi' has linux/amd64, linux/arm64/v8, linux/arm/v7; "
		      "ARCH=riscv64 needs linux/riscv64");
	image_candidates_release(&c);
}

static void index_flat_multi_platform(void **state)
{
	static const char index[] = INDEX(
		DESC(MT_MANIFEST, "1", "") ","
					   "{\"digest\":\"" DIGEST("a") "\",\"size\":1}");
	struct arch armv7 = arch_of("armv7");
	struct image_candidates c;
	size_t pick;

	(void)state;
	assert_int_equal(image_list_oci(index, store_read, NULL, arches(), &c), 0);
	assert_int_equal(c.n, 2);
	assert_int_equal(image_select(&c, &armv7, "flat", &pick), 0);
	assert_int_equal(pick, 1);
	assert_int_equal(c.v[pick].index, 1);
	/* index.json lists the manifests themselves: no index to name */
	assert_null(c.v[pick].index_digest);
	/* no mediaType on the descriptor: taken from the manifest itself */
	assert_string_equal(c.v[pick].manifest_type, MT_MANIFEST);
	image_candidates_release(&c);
}

static void index_rejects_bad_input(void **state)
{
	static const char *const bad[] = {
		"not json",
		"[]",
		"{\"schemaVersion\":2}",
		INDEX("{\"mediaType\":\"" MT_MANIFEST "\",\"digest\":\"sha256:../../etc/passwd\"}"),
		INDEX("{\"mediaType\":\"" MT_MANIFEST "\",\"digest\":\"md5:" H64("a") "\"}"),
		INDEX("{\"mediaType\":\"" MT_MANIFEST "\",\"digest\":\"sha256:" H64("A") "\"}"),
		INDEX(DESC(MT_MANIFEST, "9", "")), /* not in the store */
		INDEX(DESC(MT_INDEX, "f", "")),    /* nests forever */
		INDEX("7"),
	};
	struct image_candidates c;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		if (image_list_oci(bad[i], store_read, NULL, arches(), &c) != -1)
			fail_msg("accepted bad index %s", bad[i]);
		assert_int_equal(c.n, 0);
		assert_null(c.v);
	}
	assert_logged("digest 'sha256:../../etc/passwd' is malformed");
	assert_logged("indexes are nested deeper than");
}

static void index_without_images(void **state)
{
	static const char index[] = INDEX("");
	struct arch armv7 = arch_of("armv7");
	struct image_candidates c;
	size_t pick;

	(void)state;
	assert_int_equal(image_list_oci(index, store_read, NULL, arches(), &c), 0);
	assert_int_equal(c.n, 0);
	assert_int_equal(image_select(&c, &armv7, "empty", &pick), -1);
	assert_logged("holds no runnable image");
	image_candidates_release(&c);
}

static void docker_save_manifest(void **state)
{
	static const char manifest[] =
		"[{\"Config\":\"cfg/amd64.json\",\"RepoTags\":[\"tsc:amd64\"],"
		"\"Layers\":[\"l1/layer.tar\"]},"
		"{\"Config\":\"cfg/arm.json\",\"RepoTags\":[\"tsc:arm\"],\"Layers\":[]}]";
	struct arch armv7 = arch_of("armv7"), arm64 = arch_of("arm64");
	struct image_candidates c;
	unsigned char sum[EVP_MAX_MD_SIZE];
	unsigned int n;
	char hex[80];
	size_t pick;

	(void)state;
	assert_int_equal(image_list_docker(manifest, store_read, NULL, &c), 0);
	assert_int_equal(c.n, 2);
	assert_null(c.v[0].manifest_digest);
	assert_string_equal(c.v[1].members[0], "cfg/arm.json");
	assert_int_equal(image_select(&c, &armv7, "save.tar", &pick), 0);
	assert_int_equal(pick, 1);
	assert_int_equal(c.v[pick].index, 1);
	/* the docker image ID: sha256 of the config file */
	assert_true(EVP_Digest(CFG_ARM_V7, strlen(CFG_ARM_V7), sum, &n, EVP_sha256(), NULL));
	memcpy(hex, "sha256:", 7);
	for (unsigned int i = 0; i < n; i++)
		snprintf(hex + 7 + 2 * i, 3, "%02x", sum[i]);
	assert_string_equal(c.v[pick].config_digest, hex);
	assert_int_equal(image_select(&c, &arm64, "save.tar", &pick), -1);
	assert_logged(
		"image 'save.tar' has linux/amd64, linux/arm/v7; ARCH=arm64 needs linux/arm64");
	image_candidates_release(&c);
}

static void docker_save_rejects_bad_input(void **state)
{
	static const char *const bad[] = {
		"{}",
		"[{\"RepoTags\":[]}]",
		"[{\"Config\":\"../etc/passwd\"}]",
		"[{\"Config\":\"/etc/passwd\"}]",
		"[{\"Config\":\"cfg/bad.json\"}]",
		"[{\"Config\":\"cfg/missing.json\"}]",
	};
	struct image_candidates c;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		if (image_list_docker(bad[i], store_read, NULL, &c) != -1)
			fail_msg("accepted bad manifest.json %s", bad[i]);
		assert_int_equal(c.n, 0);
	}
	assert_logged("Config path '../etc/passwd' leaves the archive");
	assert_logged("cfg/bad.json: 'Cmd' is not an array of strings");
}

/* ---- end to end: real images built with umoci and skopeo ---- */

struct fixture {
	char *dir;     /* temp dir holding everything below */
	char *work;    /* the workdir image_open() gets */
	char *layout;  /* OCI layout: tag arm (index variant v7), tag amd (no index platform) */
	char *amd_oci; /* skopeo oci-archive of tag amd */
	char *arm_oci; /* skopeo oci-archive of tag arm: the variant is lost */
	char *multi;   /* tar of the layout directory: ./ names, two entries */
	char *nested;  /* layout whose index.json points at a multi-platform index */
	char *docker;  /* skopeo docker-archive of tag amd */
	size_t undo_depth;
};

static int have_tool(const char *name)
{
	const char *path = getenv("PATH");
	char *copy, *save = NULL;
	int found = 0;

	if (!path)
		return 0;
	copy = xstrdup(path);
	for (char *d = strtok_r(copy, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
		char *p = xasprintf("%s/%s", d, name);

		found = access(p, X_OK) == 0;
		free(p);
	}
	free(copy);
	return found;
}

static int run(const char *const *argv)
{
	return run_argv(60000, argv);
}

static int build_rootfs(const char *root)
{
	char *etc = xasprintf("%s/etc", root), *bin = xasprintf("%s/bin", root);
	char *greeting = xasprintf("%s/etc/greeting", root),
	     *doomed = xasprintf("%s/etc/doomed", root);
	char *hard = xasprintf("%s/etc/hardlink", root), *slink = xasprintf("%s/bin/link", root);
	char *tool = xasprintf("%s/bin/tool", root);
	int ret = -1;

	if (mkdir(root, 0755) || mkdir(etc, 0755) || mkdir(bin, 0755) ||
	    write_text_file(greeting, "hello\n", 0644) || write_text_file(doomed, "gone\n", 0644) ||
	    write_text_file(tool, "#!/bin/sh\necho tool\n", 0755) || link(greeting, hard) ||
	    symlink("../etc/greeting", slink))
		goto out;
	ret = 0;
out:
	if (ret)
		error_errno("cannot build the test rootfs in '%s'", root);
	free(etc);
	free(bin);
	free(greeting);
	free(doomed);
	free(hard);
	free(slink);
	free(tool);
	return ret;
}

/* Give the "arm" entry of the layout's index.json the platform linux/arm/v7. */
static int patch_variant(const char *layout)
{
	char *path = xasprintf("%s/index.json", layout);
	json_t *root = json_load_file(path, 0, NULL), *m;
	size_t i;
	int ret = -1;

	json_array_foreach(json_object_get(root, "manifests"), i, m)
	{
		const char *ref = json_string_value(json_object_get(
			json_object_get(m, "annotations"), "org.opencontainers.image.ref.name"));

		if (ref && !strcmp(ref, "arm"))
			ret = json_object_set_new(m, "platform",
						  json_pack("{s:s, s:s, s:s}", "os", "linux",
							    "architecture", "arm", "variant",
							    "v7"));
	}
	if (!ret)
		ret = json_dump_file(root, path, JSON_COMPACT);
	json_decref(root);
	free(path);
	return ret;
}

/*
 * A copy of the layout whose index.json holds one entry: a nested index
 * listing amd64, arm/v7 and an attestation, as buildx writes them.
 */
static int make_nested(const struct fixture *f)
{
	const char *cp[] = { "cp", "-a", f->layout, f->nested, NULL };
	char *path = xasprintf("%s/index.json", f->layout), *text = NULL, *hex = NULL, *blob = NULL;
	json_t *top = json_load_file(path, 0, NULL), *m, *list = json_array(), *nested, *entry;
	size_t i, entries;
	int ret = -1;

	json_array_foreach(json_object_get(top, "manifests"), i, m)
	{
		const char *ref = json_string_value(json_object_get(
			json_object_get(m, "annotations"), "org.opencontainers.image.ref.name"));
		json_t *d;

		if (!ref)
			continue;
		d = json_deep_copy(m);
		json_object_del(d, "annotations");
		if (!strcmp(ref, "amd"))
			json_object_set_new(
				d, "platform",
				json_pack("{s:s, s:s}", "os", "linux", "architecture", "amd64"));
		json_array_append_new(list, d);
		if (!strcmp(ref, "amd")) {
			d = json_deep_copy(d);
			json_object_set_new(d, "platform",
					    json_pack("{s:s, s:s}", "os", "unknown", "architecture",
						      "unknown"));
			json_object_set_new(d, "annotations",
					    json_pack("{s:s}", "vnd.docker.reference.type",
						      "attestation-manifest"));
			json_array_append_new(list, d);
		}
	}
	entries = json_array_size(list);
	nested = json_pack("{s:i, s:s, s:o}", "schemaVersion", 2, "mediaType", MT_INDEX,
			   "manifests", list);
	text = json_dumps(nested, JSON_COMPACT);
	json_decref(nested);
	hex = sha256_hex(text, strlen(text));
	blob = xasprintf("%s/blobs/sha256/%s", f->nested, hex);
	entry = json_pack("{s:i, s:[{s:s, s:s+, s:I}]}", "schemaVersion", 2, "manifests",
			  "mediaType", MT_INDEX, "digest", "sha256:", hex, "size",
			  (json_int_t)strlen(text));
	free(path);
	path = xasprintf("%s/index.json", f->nested);
	if (entries == 3 && !run(cp) && !write_text_file(blob, text, 0644) &&
	    !json_dump_file(entry, path, JSON_COMPACT))
		ret = 0;
	json_decref(entry);
	json_decref(top);
	free(path);
	free(text);
	free(hex);
	free(blob);
	return ret;
}

static int build_fixture(struct fixture *f)
{
	/* as root, a harmless flag stands where --rootless goes otherwise */
	const char *rootless = geteuid() ? "--rootless" : "--no-history";
	char *rootfs = xasprintf("%s/rootfs", f->dir);
	char *arm = xasprintf("%s:arm", f->layout), *amd = xasprintf("%s:amd", f->layout);
	char *oci_amd = xasprintf("oci:%s", amd), *oci_arm = xasprintf("oci:%s", arm);
	char *dst_amd = xasprintf("oci-archive:%s", f->amd_oci);
	char *dst_arm = xasprintf("oci-archive:%s", f->arm_oci);
	char *dst_docker = xasprintf("docker-archive:%s:tsc/test:amd", f->docker);
	const char *const cmds[][32] = {
		{ "umoci", "init", "--layout", f->layout },
		{ "umoci", "new", "--image", arm },
		{ "umoci", "insert", rootless, "--image", arm, rootfs, "/" },
		{ "umoci", "insert", rootless, "--image", arm, "--whiteout", "/etc/doomed" },
		{ "umoci",
		  "config",
		  "--image",
		  arm,
		  "--os",
		  "linux",
		  "--architecture",
		  "arm",
		  "--config.entrypoint",
		  "/bin/tool",
		  "--config.cmd",
		  "--flag",
		  "--config.cmd",
		  "two words",
		  "--config.env",
		  "FOO=bar",
		  "--config.env",
		  "PATH=/bin",
		  "--config.volume",
		  "/var/lib/tailscale",
		  "--config.label",
		  "org.opencontainers.image.version=v9.9.9" },
		{ "umoci", "config", "--image", arm, "--tag", "amd", "--architecture", "amd64" },
		{ "skopeo", "--insecure-policy", "copy", "--quiet", oci_amd, dst_amd },
		{ "skopeo", "--insecure-policy", "copy", "--quiet", oci_arm, dst_arm },
		{ "skopeo", "--insecure-policy", "copy", "--quiet", oci_amd, dst_docker },
	};
	const char *tar[] = { "tar", "-cf", f->multi, "-C", f->layout, ".", NULL };
	int ret = -1;

	if (build_rootfs(rootfs) < 0)
		goto out;
	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++) {
		if (i == 6 && patch_variant(f->layout) < 0)
			goto out;
		if (run(cmds[i]) < 0)
			goto out;
	}
	if (run(tar) < 0 || make_nested(f) < 0)
		goto out;
	ret = 0;
out:
	free(rootfs);
	free(arm);
	free(amd);
	free(oci_amd);
	free(oci_arm);
	free(dst_amd);
	free(dst_arm);
	free(dst_docker);
	return ret;
}

static void fixture_free(struct fixture *f)
{
	free(f->dir);
	free(f->work);
	free(f->layout);
	free(f->amd_oci);
	free(f->arm_oci);
	free(f->multi);
	free(f->nested);
	free(f->docker);
	free(f);
}

static int e2e_setup(void **state)
{
	struct fixture *f;
	char tmpl[] = "/tmp/tsc-imgtest-XXXXXX";

	*state = NULL;
	if (!have_tool("skopeo") || !have_tool("umoci") || !have_tool("tar"))
		return 0; /* each test skips */
	if (!mkdtemp(tmpl))
		return error_errno("cannot create a temp dir");
	f = xcalloc(1, sizeof(*f));
	f->undo_depth = undo_depth();
	f->dir = xstrdup(tmpl);
	f->work = xasprintf("%s/work", tmpl);
	f->layout = xasprintf("%s/layout", tmpl);
	f->amd_oci = xasprintf("%s/amd.oci.tar", tmpl);
	f->arm_oci = xasprintf("%s/arm-novariant.oci.tar", tmpl);
	f->multi = xasprintf("%s/multi.tar", tmpl);
	f->nested = xasprintf("%s/nested", tmpl);
	f->docker = xasprintf("%s/amd.docker.tar", tmpl);
	*state = f;
	return build_fixture(f);
}

static int e2e_teardown(void **state)
{
	struct fixture *f = *state;

	if (!f)
		return 0;
	undo_unwind(f->undo_depth);
	if (getenv("TSCANARY_KEEP"))
		info("keeping '%s' (TSCANARY_KEEP is set)", f->dir);
	else
		rm_rf(f->dir);
	fixture_free(f);
	return 0;
}

static struct fixture *fixture_or_skip(void **state)
{
	if (!*state)
		skip();
	return *state;
}

/* Nothing image_open() made may outlive image_release() or a failure. */
static void assert_work_empty(const struct fixture *f)
{
	DIR *d = opendir(f->work);
	struct dirent *e;

	if (!d)
		return; /* never created */
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			fail_msg("left behind '%s/%s'", f->work, e->d_name);
	closedir(d);
}

static char *file_text(const char *dir, const char *name)
{
	struct strbuf sb = STRBUF_INIT;
	char *path = xasprintf("%s/%s", dir, name);

	if (strbuf_read_file(&sb, path) < 0)
		fail_msg("cannot read '%s': %s", path, strerror(errno));
	free(path);
	return strbuf_detach(&sb, NULL);
}

static void check_unpacked(const struct image *img)
{
	char *text = file_text(img->rootfs, "etc/greeting"), *p, target[64];
	struct stat a, b;
	ssize_t n;

	assert_string_equal(text, "hello\n");
	free(text);
	p = xasprintf("%s/bin/link", img->rootfs);
	n = readlink(p, target, sizeof(target) - 1);
	free(p);
	assert_true(n > 0);
	target[n] = '\0';
	assert_string_equal(target, "../etc/greeting");
	p = xasprintf("%s/etc/doomed", img->rootfs);
	assert_int_equal(lstat(p, &a), -1); /* whited out in the second layer */
	free(p);
	p = xasprintf("%s/etc/greeting", img->rootfs);
	assert_int_equal(stat(p, &a), 0);
	free(p);
	p = xasprintf("%s/etc/hardlink", img->rootfs);
	assert_int_equal(stat(p, &b), 0);
	free(p);
	assert_true(a.st_ino == b.st_ino);
	p = xasprintf("%s/bin/tool", img->rootfs);
	assert_int_equal(stat(p, &a), 0);
	free(p);
	assert_int_equal(a.st_mode & 07777, 0755);
	/* greeting once (hard link), tool: 6 + 20 */
	assert_int_equal(img->rootfs_bytes, 26);

	assert_string_equal(img->config.argv[0], "/bin/tool");
	assert_string_equal(img->config.argv[1], "--flag");
	assert_string_equal(img->config.argv[2], "two words");
	assert_null(img->config.argv[3]);
	assert_string_equal(img->config.env[0], "FOO=bar");
	assert_string_equal(img->config.env[1], "PATH=/bin");
	assert_string_equal(img->config.volumes[0], "/var/lib/tailscale");
	assert_string_equal(img->config.version, "v9.9.9");
	assert_int_equal(strncmp(img->config_digest, "sha256:", 7), 0);
	assert_int_equal(strlen(img->config_digest), 71);
}

/* The private dir holds only the rootfs once image_open() returns. */
static void check_only_rootfs(const struct image *img)
{
	DIR *d = opendir(img->dir);
	struct dirent *e;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
		    strcmp(e->d_name, "rootfs"))
			fail_msg("intermediate '%s' left in '%s'", e->d_name, img->dir);
	closedir(d);
}

static void e2e_oci_archive(void **state)
{
	struct fixture *f = fixture_or_skip(state);
	struct arch amd64 = arch_of("amd64");
	struct image img;
	struct stat st;
	char *dir;

	assert_int_equal(image_open(&img, f->amd_oci, &amd64, arches(), f->work), 0);
	assert_int_equal(img.format, IMAGE_FORMAT_OCI_ARCHIVE);
	assert_string_equal(img.platform.arch, "amd64");
	assert_int_equal(strncmp(img.manifest_digest, "sha256:", 7), 0);
	assert_string_equal(img.index_digest, "");
	check_unpacked(&img);
	check_only_rootfs(&img);
	dir = xstrdup(img.dir);
	image_release(&img);
	assert_int_equal(stat(dir, &st), -1);
	free(dir);
	image_release(&img); /* idempotent */
	assert_work_empty(f);
}

static void e2e_wrong_arch(void **state)
{
	struct fixture *f = fixture_or_skip(state);
	struct arch armv7 = arch_of("armv7");
	struct image img;

	assert_int_equal(image_open(&img, f->amd_oci, &armv7, arches(), f->work), -1);
	assert_logged("has linux/amd64 only; ARCH=armv7 needs linux/arm/v7");
	assert_null(img.dir);
	assert_work_empty(f);
}

static void e2e_missing_variant(void **state)
{
	struct fixture *f = fixture_or_skip(state);
	struct arch armv7 = arch_of("armv7");
	struct image img;

	assert_int_equal(image_open(&img, f->arm_oci, &armv7, arches(), f->work), -1);
	assert_logged("is linux/arm without a platform variant; ARCH=armv7 needs linux/arm/v7");
	assert_work_empty(f);
}

/* Open the first n bytes of archive src for amd64; it must fail. */
static void open_cut(const struct fixture *f, const struct strbuf *src, size_t n)
{
	struct arch amd64 = arch_of("amd64");
	char *cut = xasprintf("%s/truncated.tar", f->dir);
	struct image img;
	int fd;

	fd = open(cut, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, src->buf, n), (ssize_t)n);
	close(fd);
	log_teardown(NULL); /* a fresh log for each cut */
	log_setup(NULL);
	assert_int_equal(image_open(&img, cut, &amd64, arches(), f->work), -1);
	assert_logged("truncated");
	assert_work_empty(f);
	free(cut);
}

static void e2e_truncated(void **state)
{
	struct fixture *f = fixture_or_skip(state);
	struct strbuf sb = STRBUF_INIT;

	assert_int_equal(strbuf_read_file(&sb, f->amd_oci), 0);
	assert_int_equal(sb.len % 512, 0);
	/*
	 * Where tar itself notices depends on where the cut falls: in a member
	 * it does, in a header block or at a block boundary it takes a shorter
	 * archive. The last cuts lose only (part of) the end-of-archive blocks.
	 */
	open_cut(f, &sb, sb.len / 2 + 100);
	open_cut(f, &sb, (sb.len / 2 & ~(size_t)511) + 7);
	open_cut(f, &sb, sb.len / 2 & ~(size_t)511);
	open_cut(f, &sb, sb.len - 1024 + 7);
	assert_logged("is not a whole number of 512-byte tar blocks");
	open_cut(f, &sb, sb.len - 1024);
	assert_logged("lacks the tar end-of-archive blocks");
	open_cut(f, &sb, 512);
	strbuf_release(&sb);
}

static void e2e_corrupt_blob(void **state)
{
	struct fixture *f = fixture_or_skip(state);
	struct arch armv7 = arch_of("armv7");
	char *copy = xasprintf("%s/corrupt", f->dir), *index, *path;
	const char *cp[] = { "cp", "-a", f->layout, copy, NULL };
	json_t *root, *m;
	struct image img;
	size_t i;

	assert_int_equal(run(cp), 0);
	/* damage every manifest: one byte of JSON whitespace changes the digest */
	index = xasprintf("%s/index.json", copy);
	root = json_load_file(index, 0, NULL);
	json_array_foreach(json_object_get(root, "manifests"), i, m)
	{
		const char *d = json_string_value(json_object_get(m, "digest"));
		struct strbuf text = STRBUF_INIT;

		path = xasprintf("%s/blobs/sha256/%s", copy, d + strlen("sha256:"));
		strbuf_addch(&text, ' ');
		assert_int_equal(strbuf_read_file(&text, path), 0);
		assert_int_equal(unlink(path), 0); /* cp -a kept the read-only mode */
		assert_int_equal(write_text_file(path, strbuf_str(&text), 0644), 0);
		strbuf_release(&text);
		free(path);
	}
	json_decref(root);
	assert_int_equal(image_open(&img, copy, &armv7, arches(), f->work), -1);
	assert_logged("does not match its digest (corrupt image)");
	assert_work_empty(f);
	free(index);
	free(copy);
}

static void e2e_docker_archive(void **state)
{
	struct fixture *f = fixture_or_skip(state);
	struct arch amd64 = arch_of("amd64"), armv7 = arch_of("armv7");
	struct image img;

	assert_int_equal(image_open(&img, f->docker, &amd64, arches(), f->work), 0);
	assert_int_equal(img.format, IMAGE_FORMAT_DOCKER_ARCHIVE);
	assert_string_equal(img.manifest_digest, "");
	check_unpacked(&img);
	check_only_rootfs(&img);
	image_release(&img);
	assert_int_equal(image_open(&img, f->docker, &armv7, arches(), f->work), -1);
	assert_logged("has linux/amd64 only; ARCH=armv7 needs linux/arm/v7");
	assert_work_empty(f);
}

static void e2e_layout_dir_two_platforms(void **state)
{
	struct fixture *f = fixture_or_skip(state);
	struct arch armv7 = arch_of("armv7"), amd64 = arch_of("amd64"), arm64 = arch_of("arm64");
	struct image img;
	char buf[96];

	assert_int_equal(image_open(&img, f->layout, &armv7, arches(), f->work), 0);
	assert_int_equal(img.format, IMAGE_FORMAT_OCI_DIR);
	assert_string_equal(image_platform_str(&img.platform, buf, sizeof(buf)), "linux/arm/v7");
	check_unpacked(&img);
	image_release(&img);
	assert_int_equal(image_open(&img, f->layout, &amd64, arches(), f->work), 0);
	assert_string_equal(img.platform.arch, "amd64");
	image_release(&img);
	assert_int_equal(image_open(&img, f->layout, &arm64, arches(), f->work), -1);
	assert_logged("has linux/arm/v7, linux/amd64; ARCH=arm64 needs linux/arm64");
	assert_work_empty(f);
}

static void e2e_archive_two_platforms(void **state)
{
	struct fixture *f = fixture_or_skip(state);
	struct arch armv7 = arch_of("armv7"), amd64 = arch_of("amd64");
	struct image img;

	/* a plain tar of the layout: "./" member names, two entries */
	assert_int_equal(image_open(&img, f->multi, &armv7, arches(), f->work), 0);
	assert_int_equal(img.format, IMAGE_FORMAT_OCI_ARCHIVE);
	assert_string_equal(img.platform.variant, "v7");
	check_unpacked(&img);
	image_release(&img);
	assert_int_equal(image_open(&img, f->multi, &amd64, arches(), f->work), 0);
	assert_string_equal(img.platform.arch, "amd64");
	check_unpacked(&img);
	image_release(&img);
	assert_work_empty(f);
}

static void e2e_nested_index(void **state)
{
	struct fixture *f = fixture_or_skip(state);
	struct arch armv7 = arch_of("armv7"), amd64 = arch_of("amd64"), arm64 = arch_of("arm64");
	struct image img;

	char *index_digest;

	assert_int_equal(image_open(&img, f->nested, &armv7, arches(), f->work), 0);
	assert_string_equal(img.platform.variant, "v7");
	/* the run records which index, as well as which manifest, it ran */
	assert_int_equal(strncmp(img.index_digest, "sha256:", 7), 0);
	assert_string_not_equal(img.index_digest, img.manifest_digest);
	index_digest = xstrdup(img.index_digest);
	check_unpacked(&img);
	image_release(&img);
	assert_int_equal(image_open(&img, f->nested, &amd64, arches(), f->work), 0);
	assert_string_equal(img.index_digest, index_digest);
	free(index_digest);
	check_unpacked(&img);
	image_release(&img);
	assert_int_equal(image_open(&img, f->nested, &arm64, arches(), f->work), -1);
	assert_logged("has linux/arm/v7, linux/amd64; ARCH=arm64 needs linux/arm64");
	assert_work_empty(f);
}

static void e2e_compressed(void **state)
{
	struct fixture *f = fixture_or_skip(state);
	struct arch amd64 = arch_of("amd64");
	const char *gz_oci[] = { "gzip", "-k", f->amd_oci, NULL };
	const char *gz_docker[] = { "gzip", "-k", f->docker, NULL };
	char *oci = xasprintf("%s.gz", f->amd_oci), *docker = xasprintf("%s.gz", f->docker);
	struct image img;

	if (!have_tool("gzip"))
		skip();
	assert_int_equal(run(gz_oci), 0);
	assert_int_equal(image_open(&img, oci, &amd64, arches(), f->work), 0);
	check_unpacked(&img);
	image_release(&img);
	assert_int_equal(run(gz_docker), 0);
	assert_int_equal(image_open(&img, docker, &amd64, arches(), f->work), -1);
	assert_logged("is a compressed `docker save`, which skopeo 1.9 cannot read");
	assert_work_empty(f);
	free(oci);
	free(docker);
}

static void e2e_not_images(void **state)
{
	struct fixture *f = fixture_or_skip(state);
	struct arch amd64 = arch_of("amd64");
	char *missing = xasprintf("%s/nope.tar", f->dir);
	char *plain = xasprintf("%s/plain.txt", f->dir);
	char *other = xasprintf("%s/other.tar", f->dir);
	char *colon = xasprintf("%s/a:b", f->dir);
	const char *tar[] = { "tar", "-cf", other, "-C", f->dir, "plain.txt", NULL };
	struct image img;

	assert_int_equal(image_open(&img, missing, &amd64, arches(), f->work), -1);
	assert_logged("no image at");
	assert_int_equal(image_open(&img, "/etc/hostname/x", &amd64, arches(), f->work), -1);
	assert_logged("cannot read image '/etc/hostname/x'");
	assert_int_equal(write_text_file(plain, "not an image\n", 0644), 0);
	assert_int_equal(image_open(&img, plain, &amd64, arches(), f->work), -1);
	assert_logged("This does not look like a tar archive");
	assert_int_equal(run(tar), 0);
	assert_int_equal(image_open(&img, other, &amd64, arches(), f->work), -1);
	assert_logged("is a tar archive but not an image");
	assert_int_equal(image_open(&img, f->dir, &amd64, arches(), f->work), -1);
	assert_logged("an OCI layout directory has an 'oci-layout' file");
	assert_int_equal(image_open(&img, f->amd_oci, &amd64, arches(), colon), -1);
	assert_logged("must not contain ':'");
	assert_work_empty(f);
	free(missing);
	free(plain);
	free(other);
	free(colon);
}

#define LOGGED(t) cmocka_unit_test_setup_teardown(t, log_setup, log_teardown)

int main(void)
{
	const struct CMUnitTest pure[] = {
		LOGGED(config_full),
		LOGGED(config_cmd_only_and_empty),
		LOGGED(config_rejects_malformed),
		LOGGED(platform_matching),
		LOGGED(index_single_with_platform),
		LOGGED(index_missing_variant),
		LOGGED(index_wrong_arch),
		LOGGED(index_config_is_authoritative),
		LOGGED(index_alias_agrees_with_config),
		LOGGED(index_nested_multi_platform),
		LOGGED(index_flat_multi_platform),
		LOGGED(index_rejects_bad_input),
		LOGGED(index_without_images),
		LOGGED(docker_save_manifest),
		LOGGED(docker_save_rejects_bad_input),
	};
	const struct CMUnitTest e2e[] = {
		LOGGED(e2e_oci_archive),
		LOGGED(e2e_wrong_arch),
		LOGGED(e2e_missing_variant),
		LOGGED(e2e_truncated),
		LOGGED(e2e_corrupt_blob),
		LOGGED(e2e_docker_archive),
		LOGGED(e2e_layout_dir_two_platforms),
		LOGGED(e2e_archive_two_platforms),
		LOGGED(e2e_nested_index),
		LOGGED(e2e_compressed),
		LOGGED(e2e_not_images),
	};
	int failed;

	log_set_level(LOG_ERROR);
	failed = cmocka_run_group_tests_name("image", pure, NULL, NULL);
	failed += cmocka_run_group_tests_name("image e2e (skopeo, umoci)", e2e, e2e_setup,
					      e2e_teardown);
	return failed;
}
