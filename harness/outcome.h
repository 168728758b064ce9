/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TSCANARY_OUTCOME_H
#define TSCANARY_OUTCOME_H

/*
 * A canary's verdict, as the canaries set it and the reports write it; in
 * a gate a skip is not a pass.
 */
enum verdict {
	VERDICT_PASS,
	VERDICT_FAIL,
	VERDICT_SKIP,
};

/* The verdict's name: "pass", "fail", "skip". */
const char *verdict_name(enum verdict v);

#endif
