/* SPDX-License-Identifier: BSD-3-Clause */
/* A canary's verdict and its name (outcome.h). */
#include "outcome.h"

const char *verdict_name(enum verdict v)
{
	switch (v) {
	case VERDICT_PASS: return "pass";
	case VERDICT_FAIL: return "fail";
	case VERDICT_SKIP: return "skip";
	}
	return "?";
}
