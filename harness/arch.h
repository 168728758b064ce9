/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TSCANARY_ARCH_H
#define TSCANARY_ARCH_H

#include <stddef.h>

struct strbuf;

/* One arch under test, as vm/arches describes it. */
struct arch {
	char name[16];       /* ARCH value: armv7, arm64, amd64 */
	char oci_arch[16];   /* OCI platform architecture: arm, arm64, amd64 */
	char oci_variant[8]; /* OCI platform variant ("v7") or "" */
	char oci_base[8];    /* the variant that only restates the baseline ("v8"), or "" */
	char oci_alias[48];  /* other spellings of oci_arch, comma separated, or "" */
	char debarch[16];    /* Debian architecture */
	char kernelpkg[64];  /* Debian kernel metapackage */
	char triple[48];     /* cross toolchain prefix */
	char goarch[16];     /* GOARCH */
	char goarm[4];       /* GOARM or "" */
	char qemu[48];       /* QEMU system emulator binary */
	char qemupkg[48];    /* the Debian package that ships it */
	char machine[16];    /* QEMU machine */
	char cpu[32];        /* QEMU CPU model */
	char console[16];    /* guest console device */
	int virtio_pci;      /* 1: virtio-*-pci devices, 0: virtio-*-device (mmio) */
	char native[16];     /* `uname -m` of a host that runs it natively, or "" */
};

/*
 * Parse one line of vm/arches. Returns 1 for an arch line, 0 for a blank
 * or comment line, -1 for a malformed line (reported).
 */
int arch_parse_line(const char *line, struct arch *out);
/* Find arch name in the table file; -1 (with the valid names) if unknown. */
int arch_lookup(const char *table_path, const char *name, struct arch *out);
/* Write the table's arch names, space separated, into buf. */
int arch_names(const char *table_path, char *buf, size_t len);

/* Every arch of the table, in its order. */
#define ARCH_TABLE_MAX 8
struct arch_table {
	struct arch v[ARCH_TABLE_MAX];
	size_t n;
};

/* Read the whole table; -1 (reported) when it does not parse or is too long. */
int arch_table_load(const char *table_path, struct arch_table *out);
/* Whether spelling names a's OCI architecture: its oci one or an ocialias. */
int arch_oci_is(const struct arch *a, const char *spelling);
/*
 * The OCI architecture spelling names: the oci one of the table's arch whose
 * ocialias lists it (x86_64 is amd64), else spelling itself.
 */
const char *arch_oci_name(const struct arch_table *t, const char *spelling);

/*
 * The table as the other languages read it (tscanary arch): vm/arches.mk,
 * Make variables ARCHES and ARCH_<name>_<KEY>, and vm/arches.env, POSIX sh
 * defining ARCHES and arch_set NAME (which sets and exports ARCH_<KEY>).
 * The keys are the same in both. 0, or -1 when the table does not parse.
 */
int arch_make_view(const char *table_path, struct strbuf *out);
int arch_sh_view(const char *table_path, struct strbuf *out);

#endif
