/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TSCANARY_QEMU_H
#define TSCANARY_QEMU_H

#include <stddef.h>

struct arch;
struct proc;

/* A growable, always NULL-terminated argument vector of owned strings. */
struct qemu_argv {
	char **v;     /* v[n] == NULL once anything was pushed */
	size_t n;     /* arguments, not counting the NULL */
	size_t alloc; /* slots allocated */
};

#define QEMU_ARGV_INIT                                                                             \
	{                                                                                          \
		NULL, 0, 0                                                                         \
	}

/* Append a copy of s. */
void qemu_argv_push(struct qemu_argv *a, const char *s);
/* Append printf-formatted text. */
void qemu_argv_pushf(struct qemu_argv *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The vector for exec (never NULL: an empty vector is just {NULL}). */
const char *const *qemu_argv_get(struct qemu_argv *a);
/* Free every string and the vector, and make a empty again. */
void qemu_argv_release(struct qemu_argv *a);

/* How QEMU runs guest code. */
enum qemu_accel {
	QEMU_ACCEL_TCG, /* multi-threaded TCG: always works, the default */
	QEMU_ACCEL_KVM, /* only for the host's own arch, when /dev/kvm works */
};

/* Default guest memory and CPUs, -m 256 -smp 2 (ARCHITECTURE.md, "The flow of make test"). */
#define QEMU_DEFAULT_MEMORY_MIB 256
#define QEMU_DEFAULT_SMP        2
/* The virtio-serial port name the guest init looks for. */
#define QEMU_AGENT_PORT_NAME "tscanary.agent"
/* The guest init inside the harness overlay. */
#define QEMU_GUEST_INIT "/.tscanary/init"

/* One router VM: paths and settings; all per-run state lives here. */
struct qemu_config {
	const char *kernel;       /* vmlinuz from vm/kernel.sh (required) */
	const char *initrd;       /* rootfs.cpio.gz + overlay.cpio.gz (required) */
	const char *flash;        /* raw ext4 image for /var/lib/tailscale (required) */
	const char *tap;          /* tap ifname for eth0; NULL: a NIC on an empty hub */
	const char *mac;          /* eth0's MAC "52:54:00:xx:xx:xx"; NULL: QEMU's */
	const char *agent_socket; /* unix socket QEMU listens on for the agent (required) */
	const char *console_log;  /* serial console written to this file (required) */
	const char *append;       /* extra kernel command line; NULL: none */
	enum qemu_accel accel;    /* TCG unless KVM was probed to work */
	unsigned memory_mib;      /* 0: QEMU_DEFAULT_MEMORY_MIB */
	unsigned smp;             /* 0: QEMU_DEFAULT_SMP */
};

/*
 * Build the QEMU command line for arch and cfg into out (appended, so pass
 * an empty one). Pure: touches no file. Returns 0, or -1 (reported) when a
 * required path is missing or a value could not be passed to QEMU safely.
 */
int qemu_build_argv(const struct arch *arch, const struct qemu_config *cfg, struct qemu_argv *out);

/*
 * What the guest's init said of its kernel modules on the console (len
 * bytes of text): the last "tscanary: init: modules <ms> loaded=N
 * failed=M" line. 0 with *loaded and *failed set; -1 when there is no such
 * line or it lacks either count.
 */
int qemu_console_modules(const char *text, size_t len, unsigned *loaded, unsigned *failed);

/*
 * Start QEMU for arch and cfg inside network namespace netns (NULL: stay),
 * its own stdout and stderr appended to log_path; the stop is on the undo
 * stack (proc_spawn). NULL on failure.
 */
struct proc *qemu_start(const struct arch *arch, const struct qemu_config *cfg, const char *netns,
			const char *log_path);

#endif
