/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Timeouts follow the arch's measured speed: each boot's time is kept per
 * arch in the cache (the last few), and every timeout of a run scales by
 * the median over a reference boot time, never below 1 nor above 4, times
 * any --timeout-scale the user gave.
 */
#ifndef TSCANARY_CALIBRATE_H
#define TSCANARY_CALIBRATE_H

/*
 * The run's timeout scale for arch: user_scale times the factor of its
 * recent boots under cache_dir (may be NULL: no boots, factor 1). Logged.
 */
double calibrate_scale(const char *cache_dir, const char *arch, double user_scale);
/* Keep boot_s as arch's newest boot time (nothing without cache_dir). */
void calibrate_record(const char *cache_dir, const char *arch, double boot_s);

#endif
