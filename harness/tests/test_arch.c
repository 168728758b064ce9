/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "arch.h"

static void parses_armv7_line(void **state)
{
	struct arch a;

	(void)state;
	assert_int_equal(arch_parse_line("armv7 arm/v7 armhf linux-image-armmp-lpae "
					 "arm-linux-gnueabihf arm/7 qemu-system-arm virt "
					 "cortex-a15 ttyAMA0 mmio\n", &a), 1);
	assert_string_equal(a.name, "armv7");
	assert_string_equal(a.oci_arch, "arm");
	assert_string_equal(a.oci_variant, "v7");
	assert_string_equal(a.goarch, "arm");
	assert_string_equal(a.goarm, "7");
	assert_string_equal(a.kernelpkg, "linux-image-armmp-lpae");
	assert_int_equal(a.virtio_pci, 0);
}

static void parses_amd64_without_variant(void **state)
{
	struct arch a;

	(void)state;
	assert_int_equal(arch_parse_line("amd64 amd64 amd64 linux-image-cloud-amd64 "
					 "x86_64-linux-gnu amd64 qemu-system-x86_64 q35 max "
					 "ttyS0 pci", &a), 1);
	assert_string_equal(a.oci_variant, "");
	assert_string_equal(a.goarm, "");
	assert_int_equal(a.virtio_pci, 1);
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
	assert_int_equal(arch_parse_line("x a b c d e f g h i virtio-what\n", &a), -1);
}

static void looks_up_real_table(void **state)
{
	struct arch a;
	char names[128];

	(void)state;
	assert_int_equal(arch_lookup("vm/arches", "arm64", &a), 0);
	assert_string_equal(a.qemu, "qemu-system-aarch64");
	assert_int_equal(arch_lookup("vm/arches", "mips", &a), -1);
	assert_int_equal(arch_names("vm/arches", names, sizeof(names)), 0);
	assert_string_equal(names, "armv7 arm64 amd64");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_armv7_line),
		cmocka_unit_test(parses_amd64_without_variant),
		cmocka_unit_test(skips_comments_and_blanks),
		cmocka_unit_test(rejects_malformed),
		cmocka_unit_test(looks_up_real_table),
	};

	return cmocka_run_group_tests_name("arch", tests, NULL, NULL);
}
