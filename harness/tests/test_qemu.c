/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "arch.h"
#include "qemu.h"

static struct arch arch_of(const char *line)
{
	struct arch a;

	assert_int_equal(arch_parse_line(line, &a), 1);
	return a;
}

static struct arch armv7(void)
{
	return arch_of("armv7 arm/v7 - - armhf linux-image-armmp-lpae arm-linux-gnueabihf "
		       "arm/7 qemu-system-arm qemu-system-arm virt cortex-a15 ttyAMA0 mmio -");
}

static struct arch amd64(void)
{
	return arch_of("amd64 amd64 v1 x86_64,x86-64 amd64 linux-image-cloud-amd64 "
		       "x86_64-linux-gnu amd64 qemu-system-x86_64 qemu-system-x86 q35 max ttyS0 "
		       "pci x86_64");
}

static struct qemu_config base_config(void)
{
	struct qemu_config c = {
		.kernel = "/cache/kernel/vmlinuz",
		.initrd = "/run/x/initrd",
		.flash = "/run/x/flash.img",
		.tap = "tsc-tap0",
		.mac = "52:54:00:12:34:56",
		.agent_socket = "/run/x/agent.sock",
		.console_log = "/run/x/console.log",
	};
	return c;
}

/* Index of the first argument equal to s, or -1. */
static int find_arg(const struct qemu_argv *a, const char *s)
{
	for (size_t i = 0; i < a->n; i++)
		if (!strcmp(a->v[i], s))
			return (int)i;
	return -1;
}

/* The value after flag whose text starts with prefix, or NULL. */
static const char *value_of(const struct qemu_argv *a, const char *flag, const char *prefix)
{
	for (size_t i = 0; i + 1 < a->n; i++)
		if (!strcmp(a->v[i], flag) && !strncmp(a->v[i + 1], prefix, strlen(prefix)))
			return a->v[i + 1];
	return NULL;
}

static void assert_no_holes(const struct qemu_argv *a)
{
	assert_non_null(a->v);
	for (size_t i = 0; i < a->n; i++) {
		assert_non_null(a->v[i]);
		assert_true(a->v[i][0] != '\0');
	}
	assert_null(a->v[a->n]);
}

static void armv7_uses_mmio_devices(void **state)
{
	struct arch a = armv7();
	struct qemu_config c = base_config();
	struct qemu_argv v = QEMU_ARGV_INIT;

	(void)state;
	assert_int_equal(qemu_build_argv(&a, &c, &v), 0);
	assert_no_holes(&v);
	assert_string_equal(v.v[0], "qemu-system-arm");
	assert_string_equal(value_of(&v, "-M", ""), "virt");
	assert_string_equal(value_of(&v, "-cpu", ""), "cortex-a15");
	assert_string_equal(value_of(&v, "-accel", ""), "tcg,thread=multi");
	assert_string_equal(value_of(&v, "-m", ""), "256");
	assert_string_equal(value_of(&v, "-smp", ""), "2");
	assert_string_equal(value_of(&v, "-kernel", ""), "/cache/kernel/vmlinuz");
	assert_string_equal(value_of(&v, "-initrd", ""), "/run/x/initrd");
	assert_string_equal(value_of(&v, "-append", ""),
			    "console=ttyAMA0 rdinit=/.tscanary/init panic=-1 cryptomgr.notests=1");
	assert_string_equal(value_of(&v, "-device", "virtio-net"),
			    "virtio-net-device,netdev=net0,mac=52:54:00:12:34:56");
	assert_string_equal(value_of(&v, "-device", "virtio-blk"), "virtio-blk-device,drive=flash");
	assert_string_equal(value_of(&v, "-device", "virtio-serial"), "virtio-serial-device");
	assert_string_equal(value_of(&v, "-device", "virtio-rng"), "virtio-rng-device,rng=rng0");
	assert_string_equal(value_of(&v, "-device", "virtserialport"),
			    "virtserialport,chardev=agent,name=tscanary.agent");
	assert_null(value_of(&v, "-device", "virtio-net-pci"));
	assert_int_equal(find_arg(&v, "-enable-kvm"), -1);
	qemu_argv_release(&v);
}

static void amd64_uses_pci_devices(void **state)
{
	struct arch a = amd64();
	struct qemu_config c = base_config();
	struct qemu_argv v = QEMU_ARGV_INIT;

	(void)state;
	c.memory_mib = 512;
	c.smp = 1;
	c.accel = QEMU_ACCEL_KVM;
	assert_int_equal(qemu_build_argv(&a, &c, &v), 0);
	assert_no_holes(&v);
	assert_string_equal(v.v[0], "qemu-system-x86_64");
	assert_string_equal(value_of(&v, "-M", ""), "q35");
	assert_string_equal(value_of(&v, "-cpu", ""), "max");
	assert_string_equal(value_of(&v, "-accel", ""), "kvm");
	assert_string_equal(value_of(&v, "-m", ""), "512");
	assert_string_equal(value_of(&v, "-smp", ""), "1");
	assert_string_equal(value_of(&v, "-append", ""),
			    "console=ttyS0 rdinit=/.tscanary/init panic=-1 cryptomgr.notests=1");
	assert_string_equal(value_of(&v, "-device", "virtio-net"),
			    "virtio-net-pci,netdev=net0,mac=52:54:00:12:34:56");
	assert_string_equal(value_of(&v, "-device", "virtio-blk"), "virtio-blk-pci,drive=flash");
	assert_string_equal(value_of(&v, "-device", "virtio-serial"), "virtio-serial-pci");
	assert_string_equal(value_of(&v, "-device", "virtio-rng"), "virtio-rng-pci,rng=rng0");
	assert_null(value_of(&v, "-device", "virtio-net-device"));
	qemu_argv_release(&v);
}

static void sealed_and_self_terminating(void **state)
{
	struct arch a = armv7();
	struct qemu_config c = base_config();
	struct qemu_argv v = QEMU_ARGV_INIT;

	(void)state;
	assert_int_equal(qemu_build_argv(&a, &c, &v), 0);
	/* No default NIC (user-mode networking), no monitor, no reboot loop. */
	assert_true(find_arg(&v, "-nodefaults") > 0);
	assert_true(find_arg(&v, "-no-user-config") > 0);
	assert_true(find_arg(&v, "-no-reboot") > 0);
	assert_string_equal(value_of(&v, "-display", ""), "none");
	assert_null(value_of(&v, "-netdev", "user"));
	assert_null(value_of(&v, "-nic", ""));
	for (size_t i = 0; i < v.n; i++)
		assert_null(strstr(v.v[i], "type=user"));
	assert_string_equal(value_of(&v, "-netdev", "tap"),
			    "tap,id=net0,ifname=tsc-tap0,script=no,downscript=no");
	assert_string_equal(value_of(&v, "-chardev", "socket"),
			    "socket,id=agent,path=/run/x/agent.sock,server=on,wait=off");
	assert_string_equal(value_of(&v, "-chardev", "file"),
			    "file,id=console,path=/run/x/console.log");
	assert_string_equal(value_of(&v, "-serial", ""), "chardev:console");
	assert_string_equal(value_of(&v, "-drive", ""),
			    "file=/run/x/flash.img,format=raw,if=none,id=flash");
	qemu_argv_release(&v);
}

static void no_tap_gives_an_isolated_nic(void **state)
{
	struct arch a = armv7();
	struct qemu_config c = base_config();
	struct qemu_argv v = QEMU_ARGV_INIT;

	(void)state;
	c.tap = NULL;
	c.mac = NULL;
	c.append = "quiet tscanary.x=1";
	assert_int_equal(qemu_build_argv(&a, &c, &v), 0);
	assert_no_holes(&v);
	assert_string_equal(value_of(&v, "-netdev", ""), "hubport,id=net0,hubid=0");
	assert_string_equal(value_of(&v, "-device", "virtio-net"), "virtio-net-device,netdev=net0");
	assert_string_equal(value_of(&v, "-append", ""),
			    "console=ttyAMA0 rdinit=/.tscanary/init panic=-1 cryptomgr.notests=1 "
			    "quiet tscanary.x=1");
	qemu_argv_release(&v);
}

static void commas_in_paths_are_escaped(void **state)
{
	struct arch a = armv7();
	struct qemu_config c = base_config();
	struct qemu_argv v = QEMU_ARGV_INIT;

	(void)state;
	c.flash = "/tmp/a,format=qcow2/flash.img";
	c.console_log = "/tmp/con,sole.log";
	assert_int_equal(qemu_build_argv(&a, &c, &v), 0);
	assert_string_equal(value_of(&v, "-drive", ""),
			    "file=/tmp/a,,format=qcow2/flash.img,format=raw,if=none,id=flash");
	assert_string_equal(value_of(&v, "-chardev", "file"),
			    "file,id=console,path=/tmp/con,,sole.log");
	qemu_argv_release(&v);
}

static void rejects_bad_configs(void **state)
{
	struct arch a = armv7();
	struct qemu_config c;
	struct qemu_argv v = QEMU_ARGV_INIT;
	char longpath[200];

	(void)state;
	c = base_config();
	c.kernel = NULL;
	assert_int_equal(qemu_build_argv(&a, &c, &v), -1);
	c = base_config();
	c.flash = NULL;
	assert_int_equal(qemu_build_argv(&a, &c, &v), -1);
	c = base_config();
	c.mac = "52:54:00:12:34";
	assert_int_equal(qemu_build_argv(&a, &c, &v), -1);
	c.mac = "53:54:00:12:34:56"; /* multicast */
	assert_int_equal(qemu_build_argv(&a, &c, &v), -1);
	c.mac = "52:54:00:12:34:56,x";
	assert_int_equal(qemu_build_argv(&a, &c, &v), -1);
	c = base_config();
	c.tap = "a-very-long-interface-name";
	assert_int_equal(qemu_build_argv(&a, &c, &v), -1);
	c.tap = "";
	assert_int_equal(qemu_build_argv(&a, &c, &v), -1);
	c = base_config();
	memset(longpath, 'x', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	c.agent_socket = longpath;
	assert_int_equal(qemu_build_argv(&a, &c, &v), -1);
	c = base_config();
	c.append = "a\nb";
	assert_int_equal(qemu_build_argv(&a, &c, &v), -1);
	/* Nothing half-built is left behind. */
	assert_int_equal(v.n, 0);
	qemu_argv_release(&v);
}

static void argv_grows_and_stays_terminated(void **state)
{
	struct qemu_argv v = QEMU_ARGV_INIT;
	char want[16];

	(void)state;
	assert_null(qemu_argv_get(&v)[0]);
	for (int i = 0; i < 1000; i++)
		qemu_argv_pushf(&v, "arg%d", i);
	assert_int_equal(v.n, 1000);
	assert_no_holes(&v);
	for (int i = 0; i < 1000; i += 97) {
		snprintf(want, sizeof(want), "arg%d", i);
		assert_string_equal(qemu_argv_get(&v)[i], want);
	}
	qemu_argv_release(&v);
	assert_null(v.v);
	assert_int_equal(v.n, 0);
	qemu_argv_release(&v);
}

static void console_module_counts(void **state)
{
	/* as the console file holds it: the guest's tty ends lines with \r\n */
	static const char good[] = "[    1.2] Run /.tscanary/init as init process\r\n"
				   "tscanary: init: start 1480\n"
				   "tscanary: init: modules 4170 loaded=24 failed=0\r\n"
				   "tscanary: init: lo 4390\n";
	static const char bad[] = "tscanary: init: warning: insmod 'ext4.ko' failed\n"
				  "tscanary: init: modules 2710 loaded=22 failed=2";
	/* a reboot's console holds both boots: the last line counts */
	static const char two[] = "tscanary: init: modules 1 loaded=24 failed=0\n\0junk\n"
				  "tscanary: init: modules 2 loaded=23 failed=1\n";
	static const char *const not_counts[] = {
		"tscanary: init: modules 9 loaded=x failed=0",
		"tscanary: init: modules 9 loaded=3 failed=-1",
		"tscanary: init: modules 9 loaded=2.5 failed=0",
		"tscanary: init: modules 9 loaded= failed=0",
	};
	unsigned loaded = 99, failed = 99;

	(void)state;
	assert_int_equal(qemu_console_modules(good, sizeof(good) - 1, &loaded, &failed), 0);
	assert_int_equal(loaded, 24);
	assert_int_equal(failed, 0);
	assert_int_equal(qemu_console_modules(bad, sizeof(bad) - 1, &loaded, &failed), 0);
	assert_int_equal(loaded, 22);
	assert_int_equal(failed, 2);
	assert_int_equal(qemu_console_modules(two, sizeof(two) - 1, &loaded, &failed), 0);
	assert_int_equal(loaded, 23);
	assert_int_equal(failed, 1);
	/* no line, a cut line, counts that are no counts: refused */
	assert_int_equal(qemu_console_modules("", 0, &loaded, &failed), -1);
	assert_int_equal(
		qemu_console_modules(good, strstr(good, " failed=") - good, &loaded, &failed), -1);
	for (size_t i = 0; i < sizeof(not_counts) / sizeof(not_counts[0]); i++)
		assert_int_equal(qemu_console_modules(not_counts[i], strlen(not_counts[i]), &loaded,
						      &failed),
				 -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(armv7_uses_mmio_devices),
		cmocka_unit_test(amd64_uses_pci_devices),
		cmocka_unit_test(sealed_and_self_terminating),
		cmocka_unit_test(no_tap_gives_an_isolated_nic),
		cmocka_unit_test(commas_in_paths_are_escaped),
		cmocka_unit_test(rejects_bad_configs),
		cmocka_unit_test(argv_grows_and_stays_terminated),
		cmocka_unit_test(console_module_counts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
