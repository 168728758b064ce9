/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Timeouts follow the machine's measured speed, times any --timeout-scale
 * the user gave. Up to its router's first boot a run has only the past to go
 * by: each boot's time is kept per arch in the cache (the last few), and
 * the factor is their median's. From that boot on, the run's own boot
 * gives the factor: the machine's load now, not the last runs' (make
 * check's variants boot three at a time, and their boots would stretch a
 * run made alone after them). A factor is a boot's time over a reference
 * boot, never below 1 nor above 4.
 */
#ifndef TSCANARY_CALIBRATE_H
#define TSCANARY_CALIBRATE_H

/*
 * The run's timeout scale for arch: user_scale times the factor of its
 * recent boots under cache_dir (may be NULL: no boots, factor 1). Logged.
 */
double calibrate_scale(const char *cache_dir, const char *arch, double user_scale);
/* The factor of a boot that took boot_s. */
double calibrate_factor(double boot_s);
/* Keep boot_s as arch's newest boot time (nothing without cache_dir). */
void calibrate_record(const char *cache_dir, const char *arch, double boot_s);

#endif
