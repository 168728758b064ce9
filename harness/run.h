/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TSCANARY_RUN_H
#define TSCANARY_RUN_H

#include <stddef.h>

/* Exit codes of `tscanary run`, distinct per cause. */
enum run_exit {
	RUN_PASS = 0,      /* every selected canary passed */
	RUN_FAIL = 1,      /* a canary or the sentinel failed */
	RUN_USAGE = 2,     /* bad arguments, unknown ARCH or canary */
	RUN_ENV = 3,       /* this machine cannot run the lab (root, netns, tun, tools) */
	RUN_BAD_IMAGE = 4, /* IMAGE missing, corrupt or of another platform */
	RUN_INFRA = 5,     /* the lab, VM or control server did not come up */
	RUN_INTERRUPTED = 130,
};

struct kit;

/* What `tscanary run` was asked to do: the image, judged with the kit's inputs. */
struct run_opts {
	const struct kit *kit; /* every input but the image (kit.h) */
	const char *image;     /* OCI archive, OCI layout or docker save tarball */
	const char *variant;   /* label of a known-bad variant, or NULL */
	const char *out_dir;   /* out/<arch>[-<variant>] */
	const char **canaries; /* selected canary names; NULL: all */
	size_t ncanaries;
	const char *tree; /* harness tree hash (harness/tree-hash.sh): part of the run's key */
	const char
		*reuse_store; /* verdict store: a passing run with this run's key stands for it */
	int reuse_failures;   /* a failed one too (make coverage) */
	double timeout_scale; /* multiplies every timeout */
	int keep;             /* keep the lab and work dir for inspection */
	unsigned beside;      /* canaries side by side at most; 1: one at a time; 0: the default */
};

/* Run the gate once; returns an enum run_exit value. */
int run_gate(const struct run_opts *o);

#endif
