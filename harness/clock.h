/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TSCANARY_CLOCK_H
#define TSCANARY_CLOCK_H

/* Monotonic seconds (for deadlines and durations; never wall time). */
double mono_s(void);
/* Monotonic milliseconds. */
long mono_ms(void);

#endif
