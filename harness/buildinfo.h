/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TSCANARY_BUILDINFO_H
#define TSCANARY_BUILDINFO_H

#include <stddef.h>

/*
 * The Go build info of a binary as `go version -m FILE` prints it: the Go
 * version, the main package and module, dependencies (with replacements)
 * and build settings such as -tags. Pure: parses that text only.
 */

/* One "mod" or "dep" line (a "=>" replacement line attaches to it). */
struct go_module {
	char *path;
	char *version;
	char *replace; /* replacement path, or NULL */
	int main;      /* the "mod" line: the main module */
};

/* One "build KEY=VALUE" setting, the value unquoted. */
struct go_setting {
	char *key;
	char *value;
};

/* What a binary's build info says. */
struct go_buildinfo {
	char *go_version;       /* "go1.26.8" */
	char *path;             /* main package, e.g. "tailscale.com/cmd/tailscaled" */
	struct go_module *mods; /* mods[0] is the main module when there is one */
	size_t nmods;
	struct go_setting *settings;
	size_t nsettings;
};

/*
 * Parse `go version -m` output for one binary; -1 when it holds no build
 * info, unreported: a packed binary has none, and the caller says what that
 * means (older go commands print a line and exit 0 for such a file).
 */
int go_buildinfo_parse(struct go_buildinfo *bi, const char *text);
/* Free a parsed build info. */
void go_buildinfo_release(struct go_buildinfo *bi);
/* The value of build setting key (e.g. "-tags"), or NULL when unset. */
const char *go_buildinfo_setting(const struct go_buildinfo *bi, const char *key);
/* The version the binary records for module path (main module or dependency), or NULL. */
const char *go_buildinfo_module_version(const struct go_buildinfo *bi, const char *path);

/*
 * The version of module path the binary was built from, as "vX.Y.Z[-pre]"
 * into out (at most n bytes): the version its mod or dep line records when
 * that is a module version ("+meta" such as +dirty dropped), else the
 * X.Y.Z of a "-X <path>/version.shortStamp=" (or longStamp) in -ldflags,
 * which a build from a source tree records ((devel) module, no -trimpath).
 * *from (when not NULL) says which: "mod", "dep" or "-ldflags". 0, or -1
 * when the build info says neither (not reported: the caller names why).
 */
int go_buildinfo_release_version(const struct go_buildinfo *bi, const char *path, char *out,
				 size_t n, const char **from);

#endif
