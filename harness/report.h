/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TSCANARY_REPORT_H
#define TSCANARY_REPORT_H

#include <stdio.h>

#include <jansson.h>

#include "outcome.h"

/* One canary's outcome. */
struct canary_result {
	char *name;
	enum verdict verdict;
	int timed_out; /* failed because its timeout expired */
	double duration_s;
	char *signature; /* failure signatures seen, space-separated, first first; "" on pass */
	char *summary;   /* one line: why it failed or was skipped */
	char *detail;    /* evidence, may span lines */
	json_t *figures; /* object of measured figures, may be NULL */
};

/* Everything a run reports; summary.json is the source of the rest. */
struct report {
	char *arch;
	char *variant;
	char *tailscale_version;
	char *error;      /* a run-level failure (precondition, sentinel) */
	json_t *timings;  /* object: total_s, boot_s, online_s, steps... */
	json_t *metrics;  /* object: rootfs_bytes, binary_bytes, ... */
	json_t *versions; /* object: kernel, busybox, headscale, ... */
	json_t *extra;    /* object: more top-level summary fields */
	struct canary_result *canaries;
	size_t ncanaries;
};

/* Set up an empty report. */
void report_init(struct report *r, const char *arch, const char *variant);
/* Free everything the report owns. */
void report_release(struct report *r);
/* Append a canary result (strings copied; figures reference taken over). */
void report_add(struct report *r, const char *name, enum verdict v, int timed_out,
		double duration_s, const char *signature, const char *summary, const char *detail,
		json_t *figures);
/* Set a top-level summary field (a reference to value is taken). */
void report_extra(struct report *r, const char *key, json_t *value);
/* Record a run-level error (kept first-come). */
void report_set_error(struct report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* 1 only if there is no run error, at least one canary, and all passed. */
int report_passed(const struct report *r);

/* TAP 13 (plan, YAML diagnostics, # SKIP, # TIMEOUT). */
int report_write_tap(const struct report *r, FILE *fp);
/* JUnit XML (one testsuite). */
int report_write_junit(const struct report *r, FILE *fp);
/* The summary JSON object (caller decrefs). */
json_t *report_to_json(const struct report *r);
/* Write summary.json, report.tap and junit.xml into dir. */
int report_write_all(const struct report *r, const char *dir);

/* Append s to sb with XML escaping; bytes XML 1.0 forbids and invalid UTF-8 become "?". */
struct strbuf;
void xml_escape(struct strbuf *sb, const char *s);

#endif
