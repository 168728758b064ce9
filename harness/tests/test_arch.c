/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "arch.h"
#include "strbuf.h"

static void parses_armv7_line(void **state)
{
	struct arch a;

	(void)state;
	assert_int_equal(
		arch_parse_line("armv7 arm/v7 - - armhf linux-image-armmp-lpae "
				"arm-linux-gnueabihf arm/7 qemu-system-arm qemu-system-arm "
				"virt cortex-a15 ttyAMA0 mmio -\n",
				&a),
		1);
	assert_string_equal(a.name, "armv7");
	assert_string_equal(a.oci_arch, "arm");
	assert_string_equal(a.oci_variant, "v7");
	assert_string_equal(a.oci_base, "");
	assert_string_equal(a.oci_alias, "");
	assert_string_equal(a.qemupkg, "qemu-system-arm");
	assert_string_equal(a.goarch, "arm");
	assert_string_equal(a.goarm, "7");
	assert_string_equal(a.kernelpkg, "linux-image-armmp-lpae");
	assert_int_equal(a.virtio_pci, 0);
	assert_string_equal(a.native, "");
}

static void parses_amd64_without_variant(void **state)
{
	struct arch a;

	(void)state;
	assert_int_equal(
		arch_parse_line("amd64 amd64 v1 x86_64,x86-64 amd64 "
				"linux-image-cloud-amd64 x86_64-linux-gnu amd64 "
				"qemu-system-x86_64 qemu-system-x86 q35 max ttyS0 pci x86_64",
				&a),
		1);
	assert_string_equal(a.oci_variant, "");
	assert_string_equal(a.oci_base, "v1");
	assert_string_equal(a.oci_alias, "x86_64,x86-64");
	assert_string_equal(a.qemupkg, "qemu-system-x86");
	assert_string_equal(a.goarm, "");
	assert_int_equal(a.virtio_pci, 1);
	assert_string_equal(a.native, "x86_64");
}

static void skips_comments_and_blanks(void **state)
{
	struct arch a;

	(void)state;
	assert_int_equal(arch_parse_line("# name oci ...\n", &a), 0);
	assert_int_equal(arch_parse_line("   \n", &a), 0);
	assert_int_equal(arch_parse_line("", &a), 0);
}

static void rejects_malformed(void **state)
{
	struct arch a;

	(void)state;
	assert_int_equal(arch_parse_line("armv7 arm/v7 armhf\n", &a), -1);
	assert_int_equal(arch_parse_line("x a - - b c d e f g h i j virtio-what -\n", &a), -1);
	/* the old eleven and twelve columns */
	assert_int_equal(arch_parse_line("x a b c d e f g h i mmio\n", &a), -1);
	assert_int_equal(arch_parse_line("x a b c d e f g h i mmio -\n", &a), -1);
	/* what the views could not carry unquoted */
	assert_int_equal(arch_parse_line("x a - - b c d e f g h$x i j mmio -\n", &a), -1);
	assert_int_equal(arch_parse_line("x'y a - - b c d e f g h i j mmio -\n", &a), -1);
	assert_int_equal(arch_parse_line("X a - - b c d e f g h i j mmio -\n", &a), -1);
	/* spellings separated by single commas, none empty */
	assert_int_equal(arch_parse_line("x a - ,y b c d e f g h i j mmio -\n", &a), -1);
	assert_int_equal(arch_parse_line("x a - y, b c d e f g h i j mmio -\n", &a), -1);
	assert_int_equal(arch_parse_line("x a - y,,z b c d e f g h i j mmio -\n", &a), -1);
	assert_int_equal(arch_parse_line("x a - y,$z b c d e f g h i j mmio -\n", &a), -1);
	assert_int_equal(arch_parse_line("x a - y,z b c d e f g h i j mmio -\n", &a), 1);
	assert_string_equal(a.oci_alias, "y,z");
	assert_int_equal(arch_parse_line("x a - - b c d e f g h i j mmio -\n", &a), 1);
}

static void looks_up_real_table(void **state)
{
	struct arch a;
	char names[128];

	(void)state;
	assert_int_equal(arch_lookup("vm/arches", "arm64", &a), 0);
	assert_string_equal(a.qemu, "qemu-system-aarch64");
	assert_string_equal(a.qemupkg, "qemu-system-arm");
	assert_string_equal(a.oci_base, "v8");
	assert_string_equal(a.oci_alias, "aarch64");
	assert_int_equal(arch_lookup("vm/arches", "mips", &a), -1);
	assert_int_equal(arch_names("vm/arches", names, sizeof(names)), 0);
	assert_string_equal(names, "armv7 arm64 amd64");
}

static void names_oci_spellings(void **state)
{
	struct arch_table t;

	(void)state;
	assert_int_equal(arch_table_load("vm/arches", &t), 0);
	assert_int_equal(t.n, 3);
	assert_string_equal(t.v[0].name, "armv7");
	assert_string_equal(arch_oci_name(&t, "aarch64"), "arm64");
	assert_string_equal(arch_oci_name(&t, "x86_64"), "amd64");
	assert_string_equal(arch_oci_name(&t, "x86-64"), "amd64");
	assert_string_equal(arch_oci_name(&t, "amd64"), "amd64");
	assert_string_equal(arch_oci_name(&t, "arm"), "arm");
	assert_string_equal(arch_oci_name(&t, "x86"), "x86");
	assert_string_equal(arch_oci_name(&t, "x86_6"), "x86_6");
	assert_string_equal(arch_oci_name(&t, ""), "");
	assert_true(arch_oci_is(&t.v[2], "x86-64"));
	assert_false(arch_oci_is(&t.v[1], "x86-64"));
	assert_false(arch_oci_is(&t.v[0], "armhf"));
	assert_int_equal(arch_table_load("/nonexistent/arches", &t), -1);
}

/* The view of vm/arches holds every line of want. */
static void assert_view_holds(int (*view)(const char *, struct strbuf *), const char *const *want,
			      size_t n)
{
	struct strbuf sb = STRBUF_INIT;

	assert_int_equal(view("vm/arches", &sb), 0);
	for (size_t i = 0; i < n; i++)
		if (!strstr(sb.buf, want[i]))
			fail_msg("the view lacks '%s':\n%s", want[i], sb.buf);
	strbuf_release(&sb);
}

static void make_view_names_every_fact(void **state)
{
	static const char *const want[] = {
		"\nARCHES := armv7 arm64 amd64\n",
		"\nARCH_armv7_OCI := arm/v7\n",
		"\nARCH_armv7_GOARCH := arm\nARCH_armv7_GOARM := 7\n",
		/* an empty fact ends at its ":=", no blank after it */
		"\nARCH_armv7_NATIVE :=\n",
		"\nARCH_armv7_OCIBASE :=\nARCH_armv7_OCIALIAS :=\n",
		"\nARCH_amd64_OCIBASE := v1\nARCH_amd64_OCIALIAS := x86_64,x86-64\n",
		"\nARCH_arm64_QEMU := qemu-system-aarch64\nARCH_arm64_QEMUPKG := qemu-system-arm\n",
		"\nARCH_amd64_GOARM :=\n",
		"\nARCH_amd64_VIRTIO := pci\n",
		"\nARCH_amd64_NATIVE := x86_64\n",
	};

	(void)state;
	assert_view_holds(arch_make_view, want, sizeof(want) / sizeof(want[0]));
}

static void sh_view_sets_one_arch(void **state)
{
	static const char *const want[] = {
		"\nARCHES='armv7 arm64 amd64'\n",
		"\n\tarmv7)\n\t\tARCH_NAME=armv7\n\t\tARCH_OCI=arm/v7\n\t\tARCH_OCIBASE=\n"
		"\t\tARCH_OCIALIAS=\n",
		"\t\tARCH_OCIBASE=v1\n\t\tARCH_OCIALIAS=x86_64,x86-64\n",
		"\t\tARCH_VIRTIO=mmio\n\t\tARCH_NATIVE=\n\t\t;;\n",
		"\n\tarm64)\n",
		"\t*) return 1 ;;\n",
		"\texport ARCH_NAME ARCH_OCI ",
		" ARCH_NATIVE\n}\n",
	};

	(void)state;
	assert_view_holds(arch_sh_view, want, sizeof(want) / sizeof(want[0]));
}

static void views_refuse_a_bad_table(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	/* a file that is not an arch table: the Make view itself */
	assert_int_equal(arch_make_view("vm/arches.mk", &sb), -1);
	assert_int_equal(arch_sh_view("vm/arches.mk", &sb), -1);
	assert_int_equal(arch_make_view("/nonexistent/arches", &sb), -1);
	strbuf_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_armv7_line),
		cmocka_unit_test(parses_amd64_without_variant),
		cmocka_unit_test(skips_comments_and_blanks),
		cmocka_unit_test(rejects_malformed),
		cmocka_unit_test(looks_up_real_table),
		cmocka_unit_test(names_oci_spellings),
		cmocka_unit_test(make_view_names_every_fact),
		cmocka_unit_test(sh_view_sets_one_arch),
		cmocka_unit_test(views_refuse_a_bad_table),
	};

	return cmocka_run_group_tests_name("arch", tests, NULL, NULL);
}
