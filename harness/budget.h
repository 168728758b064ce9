/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TSCANARY_BUDGET_H
#define TSCANARY_BUDGET_H

#include <stddef.h>

/* One footprint budget (fixtures/budgets/<arch>). */
struct budget {
	char key[48];    /* a metrics key, e.g. "binary_bytes" */
	double limit;    /* the figure must not exceed this */
	double measured; /* the figure the limit came from */
	char date[16];   /* when it was measured */
};

/*
 * Parse a budget file: "key=limit measured=N date=YYYY-MM-DD source=..."
 * lines, # comments. Fills at most max entries; returns how many, or -1
 * on a malformed line (a budget without its measured figure and date is
 * malformed: every limit must say where it came from).
 */
int budget_parse(const char *text, struct budget *out, size_t max);

#endif
