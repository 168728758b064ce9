/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TSCANARY_KIT_H
#define TSCANARY_KIT_H

#include <jansson.h>

struct strbuf;

/*
 * A kit: every input of a run but the image, each with its identity, in
 * one JSON file (build/ARCH/kit-KERNEL.json, written by `tscanary kit`
 * after make built the inputs). `tscanary run --kit` reads it instead of a
 * flag per input, checks that every input still has the identity written,
 * and keys the run on those identities. A kit's bytes change only when an
 * input changed, so make can depend on it.
 *
 * {
 *   "format": "tscanary-kit 1",
 *   "arch": "armv7", "kernel_profile": "bookworm",
 *   "cache": DIR, "fixtures": DIR, "vm_dir": DIR, "recipe_dir": DIR,
 *   "versions": { "headscale": "v0.26.1", "peers_tailscale": "v1.102.5" },
 *   "inputs": { "kernel": { "path": DIR, "identity": "dir:sha256:..." }, ... }
 * }
 *
 * "inputs" holds the files of kit_inputs[] that were given (the optional
 * ones may be absent) and the recipe files the canaries judge against
 * ("recipe/allowlist", ...: recipe_dir's files, always present).
 */
#define KIT_FORMAT "tscanary-kit 1"

struct kit {
	char *arch;
	char *kernel_profile; /* NULL: the arch's default */
	char *cache_dir;      /* remembers the KVM probe and recent boots; NULL: none */
	char *fixtures, *vm_dir, *recipe_dir;
	char *kernel_dir;       /* from vm/kernel.sh */
	char *overlay;          /* harness overlay cpio.gz from vm/initramfs.sh */
	char *headscale;        /* headscale binary */
	char *dnsd;             /* lab DNS server */
	char *httpd;            /* lab web server */
	char *natpmpd;          /* lab NAT-PMP server */
	char *ts_bindir;        /* the peers' tailscaled and tailscale */
	char *host_probes;      /* host builds of the guest probes */
	char *feature_table;    /* featuretags table, or NULL */
	char *allowlist;        /* feature-deps' allowlist, or NULL: the recipe's */
	char *waivers;          /* feature-deps' waived dependencies, or NULL */
	char *budgets;          /* footprint's budgets, or NULL: fixtures/budgets/ARCH */
	char hs_version[32];    /* "headscale version", as the binary names itself */
	char peers_version[32]; /* "tailscale version" of ts_bindir */
	json_t *inputs;         /* name -> { path, identity }, as written or read */
};

/* One input of a kit: its name in "inputs", its field, the flag that sets it. */
struct kit_input {
	const char *name;
	size_t offset; /* of the char * in struct kit */
	int required;
	const char *flag; /* `tscanary kit --FLAG` */
};
extern const struct kit_input kit_inputs[];
extern const size_t kit_ninputs;

/* The field of in within k. */
static inline char **kit_field(struct kit *k, const struct kit_input *in)
{
	return (char **)((char *)k + in->offset);
}

/*
 * Fill in the identities and the tools' releases, then write k to path
 * (atomically, and only when its bytes change). 0, or -1 with the reason
 * in err; *infra is set when a tool would not name its release (a lab
 * fault, not a usage error).
 */
int kit_write(struct kit *k, const char *path, int *infra, struct strbuf *err);
/* Read the kit at path into k (fields are k's own copies). 0, or -1 with err. */
int kit_load(const char *path, struct kit *k, struct strbuf *err);
/*
 * The identity of every input of k now, into ids (name -> identity), and
 * whether each is still the one written: 0 all are; 1 one could not be
 * read (no key, the reason in err); -1 one changed since the kit was
 * written (stale, named in err).
 */
int kit_verify(const struct kit *k, json_t *ids, struct strbuf *err);
/* Free k's fields. */
void kit_release(struct kit *k);

#endif
