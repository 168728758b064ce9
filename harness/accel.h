/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The router VM's accelerator: KVM only where it works for this guest
 * (/dev/kvm can exist and still fail: QEMU aborts at once). The answer is
 * probed by the first real boot and cached per host kernel and QEMU
 * binary; everything else is TCG. A lab helper: it knows QEMU and the arch
 * table, not the run.
 */
#ifndef TSCANARY_ACCEL_H
#define TSCANARY_ACCEL_H

#include "qemu.h"

struct arch;

/* What one run knows of its KVM probe. */
struct accel_probe {
	char *cache; /* the cached answer's file, or NULL */
	int probing; /* this boot tries KVM: accel_remember() files the answer */
};

/*
 * The accelerator for a's guest on this host: TCG unless the host is a's
 * native machine with a usable /dev/kvm outside a user namespace; then the
 * cached answer under cache_dir (may be NULL), else KVM with p->probing set.
 */
enum qemu_accel accel_choose(struct accel_probe *p, const struct arch *a, const char *cache_dir);
/*
 * File the probe's answer ("kvm" or "tcg") in the cache. 1 when it was
 * filed (this boot was the probe), else 0.
 */
int accel_remember(struct accel_probe *p, const char *answer);
void accel_probe_release(struct accel_probe *p);

#endif
