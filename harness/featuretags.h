/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TSCANARY_FEATURETAGS_H
#define TSCANARY_FEATURETAGS_H

#include <stddef.h>

struct strbuf;

/*
 * Tailscale's build features (feature/featuretags of the pinned
 * tailscale.com): the feature table, the recipe's "name<TAB>reason" lists
 * (image/allowlist, image/waived-deps), the dependency closure of the
 * allowlist and its verdict against the build tags of a binary. Pure: no
 * files, no tools.
 *
 * A feature is in a build unless its ts_omit_<name> tag is set; a feature
 * that is not omittable (the CLI) is opt-in and in a build only with
 * ts_include_<name>, as cmd/featuretags writes it.
 */

/* One entry of the feature table. */
struct feature {
	char *name;
	char *desc;
	char **deps; /* declared Deps, in table order */
	size_t ndeps;
	int omittable; /* 1: ts_omit_<name> removes it; 0: opt-in ts_include_<name> */
};

/* The feature table of one tailscale.com version (image/featuretable output). */
struct feature_table {
	char *ts_version; /* tailscale.com module version it was read from */
	struct feature *v;
	size_t n;
};

/* Parse the JSON of image/featuretable (format 1); -1 (reported) when malformed. */
int feature_table_parse(struct feature_table *t, const char *json, size_t len);
/* Free a parsed table. */
void feature_table_release(struct feature_table *t);
/* The table's entry for name, or NULL. */
const struct feature *feature_table_find(const struct feature_table *t, const char *name);

/* One line of a feature list: a name and why it is there. */
struct feature_item {
	char *name;
	char *reason; /* "" when the source gave none (a manifest's allowlist) */
};

/* A list of features with reasons, in file order. */
struct feature_list {
	struct feature_item *v;
	size_t n;
};

/*
 * Parse a "name<TAB>reason" file (blank lines and # comments skipped) into
 * l, the lists' one parser (image/build.sh sources the view tscanary
 * features --sh writes): a reason on every line, names of [a-z0-9_], none
 * twice. what names the file in messages. -1 (reported,
 * l empty) on the first bad line.
 */
int feature_list_parse(struct feature_list *l, const char *text, const char *what);
/* Append name with reason (NULL: ""); a name already listed is left as it is. */
void feature_list_add(struct feature_list *l, const char *name, const char *reason);
/* The entry for name, or NULL. */
const struct feature_item *feature_list_find(const struct feature_list *l, const char *name);
/* Free a list and make it empty. */
void feature_list_release(struct feature_list *l);
/*
 * Append the sh assignments of one list for image/build.sh to source:
 * <var>_file (path), <var>_sha256 (of the file's bytes, so a reader can
 * tell the view is stale without parsing the list) and <var> (the names,
 * one a line), each value single-quoted.
 */
void feature_list_env(struct strbuf *out, const char *var, const char *path, const char *sha256,
		      const struct feature_list *l);

/*
 * The features of allow whose Deps in table t reach name, directly or through
 * other features of allow (name itself aside): what must go with name when
 * the build cannot leave it out alone. Sorted; *n of them; NULL when none.
 * The caller frees each string and the array.
 */
char **feature_dependents(const struct feature_table *t, const struct feature_list *allow,
			  const char *name, size_t *n);

/* Whether a build with tags (comma or space separated) holds feature f. */
int feature_in_build(const struct feature *f, const char *tags);

/* How one member of the closure stands in the build. */
enum feature_status {
	FEATURE_BUILT,   /* in the binary */
	FEATURE_WAIVED,  /* left out, with a reason in the waived list */
	FEATURE_MISSING, /* left out, and allowlisted or not waived */
};

/* One feature of the allowlist's dependency closure. */
struct closure_member {
	char *name;
	int known; /* in the table */
	int allowlisted;
	enum feature_status status;
	const char *waiver; /* its waived-list reason, or NULL (points into the list) */
	char **required_by; /* closure members that declare it in Deps, sorted */
	size_t nrequired_by;
	int needed_by_built; /* one of those is built: the binary lacks a dependency */
};

/* The verdict on one build: the closure, its members' state, the failure class. */
struct feature_verdict {
	char *ts_version;         /* the table's tailscale.com version, named in the summary */
	int of_build;             /* 1: judged on the build's own features (no allowlist) */
	struct closure_member *m; /* sorted by name */
	size_t n;
	size_t nallowlisted, nbuilt, nwaived, nmissing; /* over the closure */
	size_t nbuilt_total;                            /* features of the table the build holds */
	char **extra;                                   /* built, outside the closure (sorted) */
	size_t nextra;
	char **stale; /* waived, outside the closure */
	size_t nstale;
	char **unknown; /* allowlisted, waived or Deps names the table lacks */
	size_t nunknown;
	char **unknown_tags; /* ts_omit_/ts_include_ tags naming no feature */
	size_t nunknown_tags;
	/*
	 * NULL when every member is built or waived; else, first that applies:
	 * "unknown-feature"       a listed name is not in this version's table;
	 * "missing-dep"           a built feature lacks a dependency (neither
	 *                         built nor waived);
	 * "allowlisted-not-built" an allowlisted feature is not in the binary;
	 * "missing-dep"           a dependency of absent features is missing too.
	 */
	const char *signature;
};

/*
 * Compute the dependency closure of allow over table t (transitive Deps,
 * cycles safe) and judge each member against the build tags: built, waived
 * (a reason in waived; never for an allowlisted feature) or missing.
 */
void feature_judge(const struct feature_table *t, const struct feature_list *allow,
		   const struct feature_list *waived, const char *tags, struct feature_verdict *v);
/*
 * Judge a build on its own terms, with no allowlist: the closure of every
 * feature of table t the tags leave in, so each Deps entry of a built
 * feature must be built too, or waived. Nothing is allowlisted; a missing
 * dependency is "missing-dep", a waived name the table lacks
 * "unknown-feature".
 */
void feature_judge_build(const struct feature_table *t, const struct feature_list *waived,
			 const char *tags, struct feature_verdict *v);
/* Free a verdict. */
void feature_verdict_release(struct feature_verdict *v);
/* Append the one-line summary of a verdict (why it failed, or what passed). */
void feature_verdict_summary(const struct feature_verdict *v, struct strbuf *sb);
/* Append the closure, one member a line with who requires it and its state, then the notes. */
void feature_verdict_detail(const struct feature_verdict *v, struct strbuf *sb);

#endif
