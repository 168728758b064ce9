/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tscanary: the gate for the RouterOS Tailscale image. `make test` drives
 * `tscanary run`; see `tscanary --help`.
 */
#include "arch.h"
#include "bench.h"
#include "beside.h"
#include "bisect.h"
#include "history.h"
#include "vrules.h"
#include "canary.h"
#include "compare.h"
#include "coverage.h"
#include "featuretags.h"
#include "files.h"
#include "image.h"
#include "kit.h"
#include "log.h"
#include "run.h"
#include "strbuf.h"
#include "undo.h"
#include "variant.h"
#include "verdict.h"

#include <curl/curl.h>
#include <getopt.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage_text[] =
	"usage: tscanary run --kit FILE --image PATH [--out DIR] [--variant NAME]\n"
	"                    [--canary NAME]... [--timeout-scale X] [--keep] [-v]\n"
	"                    [--beside N]\n"
	"                    [--tree HASH [--reuse STORE [--reuse-failures]]]\n"
	"       tscanary kit --out FILE [--from KIT] [--arch ARCH] [--kernel-profile NAME]\n"
	"                    [--kernel-dir DIR] [--overlay FILE] [--headscale BIN]\n"
	"                    [--dnsd BIN] [--httpd BIN] [--natpmpd BIN] [--ts-host-dir DIR]\n"
	"                    [--host-probes DIR] [--feature-table FILE] [--allowlist FILE]\n"
	"                    [--waivers FILE] [--budgets FILE] [--cache DIR]\n"
	"                    [--fixtures DIR] [--vm-dir DIR] [--recipe-dir DIR]\n"
	"       tscanary judge --variant NAME [--fixtures DIR] SUMMARY.json\n"
	"       tscanary mutants --arch ARCH [--full] [--fixtures DIR] [--out-root DIR]\n"
	"       tscanary focus NAME [--fixtures DIR]\n"
	"       tscanary focus --order NAME... [--fixtures DIR]\n"
	"       tscanary variant-env NAME|FILE [--fixtures DIR]\n"
	"       tscanary features --sh [--recipe-dir DIR] [--allowlist FILE] [--waivers FILE]\n"
	"       tscanary summary SUMMARY.json...\n"
	"       tscanary bench --out FILE SUMMARY.json...\n"
	"       tscanary list [--markdown] [--fixtures DIR]\n"
	"       tscanary variants [--markdown] [--fixtures DIR]\n"
	"       tscanary compare --arch ARCH --pinned V --base V --base-dir DIR\n"
	"                        --new V --new-dir DIR --out DIR\n"
	"       tscanary bisect --arch ARCH --good V --bad V --canary NAME|--figure KEY\n"
	"                       --versions FILE --dir DIR\n"
	"       tscanary history --select --from V --versions FILE\n"
	"       tscanary history --fit V --fits FILE\n"
	"       tscanary history --arch ARCH --dir DIR [--peers P] [--fits FILE] VERSION...\n"
	"       tscanary coverage --arch ARCH --allowlist FILE --dir DIR --out FILE.json\n"
	"                         [--markdown FILE] [--baseline MANIFEST]\n"
	"       tscanary coverage --list ALLOWLIST\n"
	"       tscanary coverage --variant FEATURE --allowlist FILE [--vdir DIR]\n"
	"                         [--with-dependents FEATURE-TABLE]\n"
	"       tscanary verdict record --store DIR --tree HASH SUMMARY.json\n"
	"       tscanary verdict check --store DIR --tree HASH [--arches FILE]\n"
	"                              PLATFORM=DIGEST...\n"
	"       tscanary arch --make|--sh [--table FILE]\n"
	"       tscanary --help\n"
	"\n"
	"run      boot the image for ARCH under QEMU in a sealed lab, join a real\n"
	"         headscale tailnet and run the canaries; writes summary.json,\n"
	"         report.tap, junit.xml and logs/ under --out (default out/ARCH).\n"
	"         Exit: 0 all passed, 1 a canary failed, 2 usage, 3 machine cannot\n"
	"         run the lab, 4 bad image, 5 lab/VM/control did not come up,\n"
	"         130 interrupted. --keep leaves a failed run's lab up until Ctrl-C.\n"
	"         Every input but the image comes from --kit (see kit); the run\n"
	"         first checks each still has the identity the kit holds (a changed\n"
	"         one: exit 2, write the kit again).\n"
	"         The run's key (summary.json run_key, its inputs in run_inputs):\n"
	"         the image manifest, --tree (the harness tree hash), the canary\n"
	"         selection, variant, timeout scale, the kernel profile (also\n"
	"         versions.kernel_profile in the summary), every input of the kit,\n"
	"         the build manifest and QEMU. --reuse STORE: when the verdict store\n"
	"         holds a passing run with this key, its reports stand for this run\n"
	"         (\"cached verdict\"; summary.json says so) and nothing boots;\n"
	"         --reuse-failures: a failed run with this key too (its exit is 1).\n"
	"kit      write FILE: every input of a run but the image, each with its\n"
	"         identity (sha256 of the file, or over a directory's files), and the\n"
	"         releases the lab's headscale and the peers' tailscale name (make kit\n"
	"         writes build/ARCH/kit-KERNEL.json; its bytes change only when an\n"
	"         input did). --from KIT starts from another kit, the flags given\n"
	"         replace its inputs (an empty value drops an optional one).\n"
	"         --kernel-dir (vm/kernel.sh), --overlay (vm/initramfs.sh),\n"
	"         --headscale, --dnsd, --httpd, --natpmpd (the lab's servers),\n"
	"         --ts-host-dir (the peers' tailscaled and tailscale), --host-probes\n"
	"         (this machine's build of the guest probes), --cache (remembers\n"
	"         the KVM probe and recent boots). --fixtures, --vm-dir and\n"
	"         --recipe-dir (where allowlist and waived-deps live) default to\n"
	"         fixtures, vm and image. --feature-table: the pinned tailscale.com's\n"
	"         feature table (image/featuretable.sh) that feature-deps judges the\n"
	"         build against; an image judged on its own terms (one tscanary did\n"
	"         not build): feature-deps reads its tags and tailscale.com version\n"
	"         from the binary and builds that version's table when it is not the\n"
	"         one given; --allowlist: judge the build against this allowlist\n"
	"         (else the build manifest's, or, with none, every built feature's\n"
	"         Deps); --waivers: dependencies left out on purpose (default\n"
	"         image/waived-deps, none for an image judged on its own features);\n"
	"         --budgets: footprint's budgets (default fixtures/budgets/ARCH).\n"
	"         Exit: 0 written, 2 usage or an unreadable input, 5 headscale or\n"
	"         tailscale did not name its release.\n"
	"judge    exit 0 only if the run in SUMMARY.json caught known-bad variant\n"
	"         NAME (fixtures/variants/NAME): the summary is NAME's with no run\n"
	"         error and every precondition true, every claiming canary failed\n"
	"         with its declared signature and no harness error, every\n"
	"         collateral canary ended in an allowed outcome, all else passed.\n"
	"mutants  judge every variant in fixtures/variants/ from its run's\n"
	"         out/ARCH-VARIANT/summary.json, write out/ARCH/mutants.json, exit 0\n"
	"         only if every variant was caught. A run of the canaries `focus`\n"
	"         names is judged on them (scope \"focused\"); --full requires every\n"
	"         run to be of the whole suite, so every other canary passing on it\n"
	"         is judged too (specificity).\n"
	"focus    the canaries a focused run of variant NAME needs: its claims and\n"
	"         collateral, in run order (the sentinel and the preconditions are\n"
	"         judged on every run).\n"
	"         --order: the variants NAME..., one a line, in the order make\n"
	"         mutants runs them: the most such canaries first, equal counts by\n"
	"         name. Exit 2 when a variant cannot be read, 1 when one names a\n"
	"         canary the registry does not hold.\n"
	"variant-env the recipe side of a known-bad variant (NAME in fixtures/variants,\n"
	"         or a FILE path, one with a '/') as sh assignments, each value in\n"
	"         single quotes, for image/build.sh --variant-env: variant, v_desc,\n"
	"         v_side, v_omit, v_drop, v_add, v_bb_drop, v_upx, v_filter,\n"
	"         v_config_drop and v_config_add (image-config lines, one a line),\n"
	"         v_sha256 (of the lines the build reads). tscanary alone parses\n"
	"         variant files: exit 2 when it cannot be read or does not parse.\n"
	"features the recipe's feature lists (--allowlist, default DIR/allowlist;\n"
	"         --waivers, default DIR/waived-deps; DIR is --recipe-dir, default\n"
	"         image) as sh assignments for image/build.sh, which parses neither:\n"
	"         features_allowlist and features_waived (the names, one a line), each\n"
	"         with _file and _sha256 (of its bytes, so build.sh can tell a stale\n"
	"         view). make features writes the recipe's own view, image/features.env.\n"
	"         Exit 2 when a list cannot be read or does not parse.\n"
	"summary  one line per run (arch, verdict, timings, canaries); exit 0 if every one "
	"passed.\n"
	"bench    median and min-max of every step, every canary and tailscaled RSS/HWM\n"
	"         per arch over many runs' summaries: JSON to FILE, a table on stdout.\n"
	"list     the canaries: name, where it runs, what a pass proves, the variants\n"
	"         in fixtures/variants that claim it (exit 1 if a canary has none).\n"
	"variants the known-bad variants: what each re-creates, who must catch it.\n"
	"compare  BASE against NEW from the side directories `make compare` fills\n"
	"         (build.status, build.log, image/manifest.json, run.status,\n"
	"         summary.json): writes compare.json and compare.md under --out and\n"
	"         prints the Markdown. Exit: 0 no regression, 1 NEW fails a canary\n"
	"         BASE passes (or did not build or come online), 2 usage, 3 a version\n"
	"         does not exist, 4 modules could not be verified, 5 inconclusive\n"
	"         (proxy, machine or lab trouble; BASE has no result), 130 interrupted.\n"
	"bisect   find the first release in (GOOD, BAD] (the releases in FILE, the\n"
	"         module proxy's list: even minors, no pre-releases, semver order)\n"
	"         where the canary's result (pass/fail) or the figure (a summary.json\n"
	"         key, dotted, present/absent; or KEY>N, >=, <, <=: true/false)\n"
	"         differs from GOOD's, from the version\n"
	"         directories `make bisect` fills (DIR/<version>/: build.status,\n"
	"         build.log, run.status, summary.json). A version that did not build\n"
	"         or has no result is skipped. While a version is needed, prints it\n"
	"         and exits 10; else writes DIR/bisect.json and bisect.md and exits\n"
	"         0 found, 1 skips leave a range or BAD gives GOOD's result, 2 usage,\n"
	"         3 GOOD or BAD not a release or not GOOD < BAD, 4 GOOD or BAD has no\n"
	"         result, 5 unreadable files, 130 interrupted.\n"
	"history  --select: the versions a history covers (each even minor's latest\n"
	"         patch release from V up, in FILE, the module proxy's list), one a\n"
	"         line, oldest first (exit 3 if V is not a version or none is left).\n"
	"         --fit: the features FILE (fixtures/history-fits) adds to build V,\n"
	"         as allowlist lines (feature, tab, why).\n"
	"         Else one row per VERSION from DIR/<version>/ (the layout `make\n"
	"         history` fills, as bisect's): writes DIR/history.json, history.md\n"
	"         and history.dat (gnuplot's data) and prints the Markdown. A version\n"
	"         that did not build or run is a row with its reason. Exit 0 written,\n"
	"         2 usage, 5 unreadable files, 130 a build or run was interrupted.\n"
	"coverage the runtime coverage map from DIR/<feature>/ (build.status, build.log,\n"
	"         summary.json, logs/) of each feature in the allowlist, each built\n"
	"         without that feature alone (`make coverage`): writes FILE.json and\n"
	"         the table (stdout, or --markdown FILE); --baseline: the recipe's own\n"
	"         image manifest, for what each feature costs in packed binary bytes.\n"
	"         Exit 0 when every feature\n"
	"         was judged and is noticed by a runtime canary, crashes, or is\n"
	"         marked \"unseen at runtime\" in the allowlist with its reason; 1 a\n"
	"         feature nothing notices; 2 usage; 5 a feature has no verdict.\n"
	"         --list: the allowlist's feature names, one a line.\n"
	"         --variant: write DIR/drop-FEATURE (default build/coverage), the\n"
	"         variant of the recipe without FEATURE, and its recipe side as\n"
	"         variant-env prints it (DIR/drop-FEATURE.env); --with-dependents:\n"
	"         without FEATURE and the allowlisted features whose Deps in the\n"
	"         table reach it (for a build that cannot leave it out alone),\n"
	"         printed; exit 1 when there are none, 2 when FEATURE is not\n"
	"         allowlisted.\n"
	"verdict  the verdict store (a directory CI keeps): `record` files the run in\n"
	"         SUMMARY.json as judged by harness tree HASH (arch, manifest digest,\n"
	"         result, full suite or not, time); `check` exits 0 only if, for every\n"
	"         PLATFORM=DIGEST (linux/arm/v7=sha256:...), the newest full-suite run\n"
	"         of that manifest by tree HASH passed, else 1, naming the arch and\n"
	"         why (no verdict, a failed one, another harness).\n"
	"arch     the arch table (--table, default vm/arches) as the other languages\n"
	"         read it, on stdout: --make for Make (vm/arches.mk), --sh for sh\n"
	"         (vm/arches.env). `make arches` writes both; make check fails when\n"
	"         they are stale.\n";

static int usage(int code)
{
	fputs(usage_text, code ? stderr : stdout);
	return code;
}

/*
 * The options of the table commands ([--markdown] [--fixtures DIR]), then
 * every variant of DIR/variants loaded: -1 usage (nothing loaded), 1 a
 * variant did not parse (the rest are loaded), 0 all loaded.
 */
static int table_args(int argc, char **argv, int *markdown, char **dir, struct variant **v,
		      size_t *nv)
{
	const char *fixtures = "fixtures";

	*markdown = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--markdown"))
			*markdown = 1;
		else if (!strcmp(argv[i], "--fixtures") && i + 1 < argc)
			fixtures = argv[++i];
		else
			return -1;
	}
	*dir = xasprintf("%s/variants", fixtures);
	return variant_load_all(*dir, v, nv) < 0 ? 1 : 0;
}

/*
 * The canaries; "must fail on" is derived from the variants' claims, and a
 * canary that no variant claims is an error (exit 1): it has no negative
 * control, so nothing shows it can fail.
 */
static int cmd_list(int argc, char **argv)
{
	struct strbuf names = STRBUF_INIT;
	struct variant *v;
	size_t nv;
	char *dir;
	int markdown, ret = table_args(argc, argv, &markdown, &dir, &v, &nv);

	if (ret < 0)
		return usage(RUN_USAGE);
	if (markdown) {
		printf("| canary | runs on | a pass proves | must fail on |\n");
		printf("| --- | --- | --- | --- |\n");
	}
	for (size_t i = 0; i < canary_count; i++) {
		const struct canary *c = &canary_registry[i];

		variant_claimants(v, nv, c->name, &names);
		if (!names.len)
			ret = error(
				"canary '%s' has no negative control: no variant in '%s' claims it",
				c->name, dir);
		if (markdown)
			printf("| `%s` | %s | %s | %s |\n", c->name, canary_where_name(c->where),
			       c->proves, names.len ? names.buf : "-");
		else
			printf("%-20s %-7s %s (must fail on: %s)\n", c->name,
			       canary_where_name(c->where), c->proves, names.len ? names.buf : "-");
	}
	variant_release_all(v, nv);
	strbuf_release(&names);
	free(dir);
	return ret ? 1 : 0;
}

/* The registry's canary names, in run order (canary_count of them; caller frees). */
static const char **registry_names(void)
{
	const char **names = xcalloc(canary_count, sizeof(*names));

	for (size_t i = 0; i < canary_count; i++)
		names[i] = canary_registry[i].name;
	return names;
}

/* Load variant NAME from FIXTURES/variants; -1 (reported) if it cannot be. */
static int load_variant(struct variant *v, const char *fixtures, const char *name)
{
	char *dir = xasprintf("%s/variants", fixtures);
	int ret = variant_load(v, dir, name);

	free(dir);
	return ret;
}

/* A command's NAME [--fixtures DIR]: 0, or -1 on a usage error. */
static int name_args(int argc, char **argv, const char **fixtures, const char **name)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--fixtures") && i + 1 < argc)
			*fixtures = argv[++i];
		else if (!*name && argv[i][0] != '-')
			*name = argv[i];
		else
			return -1;
	}
	return *name ? 0 : -1;
}

/*
 * focus --order NAME... [--fixtures DIR]: the variants NAME..., one a line,
 * in the order make mutants runs them (variant_focus_order()).
 */
static int focus_order(int argc, char **argv)
{
	const char *fixtures = "fixtures", **args = xcalloc(argc, sizeof(*args));
	struct variant *v = xcalloc(argc, sizeof(*v));
	struct strbuf why = STRBUF_INIT;
	size_t n = 0, loaded = 0;
	int ret = 0;

	for (int i = 1; i < argc && !ret; i++) {
		if (!strcmp(argv[i], "--fixtures") && i + 1 < argc)
			fixtures = argv[++i];
		else if (argv[i][0] != '-')
			args[n++] = argv[i];
		else if (strcmp(argv[i], "--order"))
			ret = usage(RUN_USAGE);
	}
	if (!ret && !n)
		ret = usage(RUN_USAGE);
	while (!ret && loaded < n) {
		if (load_variant(&v[loaded], fixtures, args[loaded]) < 0)
			ret = RUN_USAGE;
		else
			loaded++;
	}
	if (!ret) {
		const char **names = registry_names();
		size_t *order = xcalloc(n, sizeof(*order));

		if (variant_focus_order(v, n, names, canary_count, order, &why) > 0) {
			fputs(strbuf_str(&why), stderr);
			ret = RUN_FAIL;
		}
		for (size_t i = 0; i < n && !ret; i++)
			puts(v[order[i]].name);
		free(order);
		free(names);
	}
	for (size_t i = 0; i < loaded; i++)
		variant_release(&v[i]);
	strbuf_release(&why);
	free(args);
	free(v);
	return ret;
}

/*
 * The canaries a focused run of variant NAME needs: its claims and its
 * collateral that are registry canaries, in run order (the sentinel and the
 * preconditions are judged on every run). Space separated on stdout. With
 * --order, see focus_order().
 */
static int cmd_focus(int argc, char **argv)
{
	const char *fixtures = "fixtures", *name = NULL;
	const char **names;
	struct strbuf why = STRBUF_INIT;
	struct variant v;
	int first = 1, bad = 0, *want;

	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--order"))
			return focus_order(argc, argv);
	if (name_args(argc, argv, &fixtures, &name) < 0)
		return usage(RUN_USAGE);
	if (load_variant(&v, fixtures, name) < 0)
		return RUN_USAGE;
	names = registry_names();
	want = xcalloc(canary_count, sizeof(*want));
	bad = variant_focus(&v, names, canary_count, want, &why) > 0;
	if (bad)
		fputs(strbuf_str(&why), stderr);
	for (size_t i = 0; i < canary_count && !bad; i++) {
		if (want[i]) {
			printf("%s%s", first ? "" : " ", names[i]);
			first = 0;
		}
	}
	if (!bad)
		putchar('\n');
	variant_release(&v);
	strbuf_release(&why);
	free(names);
	free(want);
	return bad ? RUN_FAIL : 0;
}

/*
 * The recipe side of variant NAME|FILE as sh assignments on stdout, for
 * image/build.sh --variant-env (which reads no variant file itself).
 */
static int cmd_variant_env(int argc, char **argv)
{
	const char *fixtures = "fixtures", *arg = NULL;
	struct strbuf env = STRBUF_INIT;
	struct variant v;
	char *dir;
	int ret;

	if (name_args(argc, argv, &fixtures, &arg) < 0)
		return usage(RUN_USAGE);
	dir = xasprintf("%s/variants", fixtures);
	ret = variant_load_recipe(&v, dir, arg);
	free(dir);
	if (ret < 0)
		return RUN_USAGE;
	variant_env(&v, &env);
	fputs(strbuf_str(&env), stdout);
	variant_release(&v);
	strbuf_release(&env);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		error_errno("cannot write the variant's env");
		return RUN_FAIL;
	}
	return 0;
}

/* Parse a "name<TAB>reason" file into l: 0, or -1 reported. */
static int load_features(struct feature_list *l, const char *path)
{
	struct strbuf text = STRBUF_INIT;
	int ret = strbuf_read_file(&text, path) < 0
			  ? error_errno("cannot read '%s'", path)
			  : feature_list_parse(l, strbuf_str(&text), path);

	strbuf_release(&text);
	return ret < 0 ? -1 : 0;
}

/* Parse one feature list and append its assignments as var; -1 reported. */
static int feature_view(struct strbuf *out, const char *var, const char *path)
{
	struct feature_list l = { 0 };
	struct strbuf sha = STRBUF_INIT;

	if (load_features(&l, path) < 0)
		return -1;
	file_sha256_hex(path, &sha);
	feature_list_env(out, var, path, strbuf_str(&sha), &l);
	feature_list_release(&l);
	strbuf_release(&sha);
	return 0;
}

/*
 * The recipe's feature lists as sh assignments on stdout, for image/build.sh
 * (which parses neither list itself; the Dockerfile's build stage sources the
 * committed image/features.env).
 */
static int cmd_features(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "sh", no_argument, NULL, 's' },
		{ "recipe-dir", required_argument, NULL, 'r' },
		{ "allowlist", required_argument, NULL, 'l' },
		{ "waivers", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 },
	};
	const char *recipe = "image", *allow = NULL, *waivers = NULL;
	struct strbuf env = STRBUF_INIT;
	char *allow_def, *waivers_def;
	int c, sh = 0, ret = 0;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 's')
			sh = 1;
		else if (c == 'r')
			recipe = optarg;
		else if (c == 'l')
			allow = optarg;
		else if (c == 'w')
			waivers = optarg;
		else
			return usage(RUN_USAGE);
	}
	if (!sh || optind != argc) {
		error("features: want --sh and no arguments");
		return usage(RUN_USAGE);
	}
	allow_def = xasprintf("%s/allowlist", recipe);
	waivers_def = xasprintf("%s/waived-deps", recipe);
	strbuf_addstr(&env, "# written by tscanary features --sh (make features): image/build.sh "
			    "sources it\n");
	if (feature_view(&env, "features_allowlist", allow ? allow : allow_def) < 0 ||
	    feature_view(&env, "features_waived", waivers ? waivers : waivers_def) < 0)
		ret = RUN_USAGE;
	else
		fputs(strbuf_str(&env), stdout);
	free(allow_def);
	free(waivers_def);
	strbuf_release(&env);
	if (!ret && (fflush(stdout) != 0 || ferror(stdout))) {
		error_errno("cannot write the feature lists' view");
		return RUN_FAIL;
	}
	return ret;
}

/* The known-bad variants with their claims, for the README's table. */
static int cmd_variants(int argc, char **argv)
{
	struct variant *vs;
	size_t nv;
	char *dir;
	int markdown, ret = table_args(argc, argv, &markdown, &dir, &vs, &nv);

	if (ret < 0)
		return usage(RUN_USAGE);
	if (markdown) {
		printf("| variant | side | what it re-creates | caught by (signature) | collateral "
		       "(allowed outcomes) |\n");
		printf("| --- | --- | --- | --- | --- |\n");
	}
	for (size_t i = 0; i < nv; i++) {
		const struct variant *v = &vs[i];
		struct strbuf claims = STRBUF_INIT, coll = STRBUF_INIT;

		for (size_t k = 0; k < v->nclaims; k++)
			strbuf_addf(&claims, "%s`%s` (%s)", k ? ", " : "", v->claims[k].canary,
				    v->claims[k].signature[0] ? v->claims[k].signature
							      : "any failure");
		for (size_t k = 0; k < v->ncollateral; k++) {
			strbuf_addf(&coll, "%s`%s` (", k ? ", " : "", v->collateral[k]);
			/* "a|b" reads "a or b": a bare | would split a Markdown cell */
			for (const char *p = v->collateral_outcomes[k]; *p; p++)
				if (*p == '|')
					strbuf_addstr(&coll, " or ");
				else
					strbuf_addch(&coll, *p);
			strbuf_addch(&coll, ')');
		}
		if (markdown)
			printf("| `%s` | %s | %s | %s | %s |\n", v->name, v->side, v->description,
			       strbuf_str(&claims), coll.len ? coll.buf : "-");
		else
			printf("%-18s %s; caught by %s\n", v->name, v->description,
			       strbuf_str(&claims));
		strbuf_release(&claims);
		strbuf_release(&coll);
	}
	variant_release_all(vs, nv);
	free(dir);
	return ret;
}

static int cmd_judge(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "variant", required_argument, NULL, 'V' },
		{ "fixtures", required_argument, NULL, 'F' },
		{ NULL, 0, NULL, 0 },
	};
	const char *name = NULL, *fixtures = "fixtures";
	struct strbuf why = STRBUF_INIT;
	struct variant v;
	json_error_t jerr;
	json_t *summary;
	int c, caught;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'V')
			name = optarg;
		else if (c == 'F')
			fixtures = optarg;
		else
			return usage(RUN_USAGE);
	}
	if (!name || optind != argc - 1)
		return usage(RUN_USAGE);
	if (load_variant(&v, fixtures, name) < 0)
		return RUN_USAGE;
	summary = json_load_file(argv[optind], 0, &jerr);
	if (!summary) {
		error("cannot read summary '%s': %s", argv[optind], jerr.text);
		variant_release(&v);
		return RUN_USAGE;
	}
	caught = variant_judge(&v, summary, &why);
	printf("variant %s: %s\n%s", name, caught ? "CAUGHT" : "NOT CAUGHT", strbuf_str(&why));
	json_decref(summary);
	variant_release(&v);
	strbuf_release(&why);
	return caught ? 0 : RUN_FAIL;
}

static const char *str_field(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

static int cmd_mutants(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "arch", required_argument, NULL, 'a' },
		{ "fixtures", required_argument, NULL, 'F' },
		{ "out-root", required_argument, NULL, 'o' },
		{ "full", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	const char *arch = NULL, *fixtures = "fixtures", *root = "out";
	json_t *list = json_array(), *doc;
	struct variant *vs;
	size_t nv;
	const char **names;
	char *dir, *path;
	int c, all = 1, code = 0, full = 0;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'a')
			arch = optarg;
		else if (c == 'f')
			full = 1;
		else if (c == 'F')
			fixtures = optarg;
		else if (c == 'o')
			root = optarg;
		else
			return usage(RUN_USAGE);
	}
	if (!arch || optind != argc) {
		json_decref(list);
		return usage(RUN_USAGE);
	}
	names = registry_names();
	dir = xasprintf("%s/variants", fixtures);
	if (variant_load_all(dir, &vs, &nv) < 0)
		code = RUN_USAGE;
	for (size_t i = 0; i < nv; i++) {
		const struct variant *v = &vs[i];
		json_t *summary, *entry;

		path = xasprintf("%s/%s-%s/summary.json", root, arch, v->name);
		summary = json_load_file(path, 0, NULL);
		entry = variant_report(v, summary);
		if (summary) {
			int whole = summary_holds_canaries(summary, names, canary_count);

			json_object_set_new(entry, "scope",
					    json_string(whole ? "full" : "focused"));
			if (full && !whole) {
				json_object_set_new(entry, "caught", json_false());
				json_array_append_new(
					json_object_get(entry, "why"),
					json_string("the run was focused: --full judges the whole "
						    "suite (make mutants FULL=1)"));
			}
		}
		printf("%-22s %s%s\n", v->name,
		       json_is_true(json_object_get(entry, "caught")) ? "caught" : "NOT CAUGHT",
		       json_is_true(json_object_get(entry, "caught")) &&
				       !strcmp(str_field(entry, "scope"), "focused")
			       ? " (focused run)"
			       : "");
		for (size_t k = 0; k < json_array_size(json_object_get(entry, "why")); k++)
			printf("    %s\n",
			       json_string_value(json_array_get(json_object_get(entry, "why"), k)));
		all &= json_is_true(json_object_get(entry, "caught"));
		json_array_append_new(list, entry);
		json_decref(summary);
		free(path);
	}
	variant_release_all(vs, nv);
	free(names);
	free(dir);
	doc = json_pack("{s:s,s:s,s:o,s:b}", "arch", arch, "scope", full ? "full" : "focused",
			"variants", list, "all_caught", all);
	dir = xasprintf("%s/%s", root, arch);
	path = xasprintf("%s/mutants.json", dir);
	if (mkdir_p(dir) < 0 || json_dump_file(doc, path, JSON_INDENT(2)) < 0) {
		error("cannot write '%s'", path);
		code = RUN_ENV;
	}
	printf("mutants: %s, written to %s\n", all ? "all caught" : "NOT all caught", path);
	json_decref(doc);
	free(path);
	free(dir);
	if (code)
		return code;
	return all ? 0 : RUN_FAIL;
}

/* One run's line; 0 if it passed. */
static int summary_line(const char *path)
{
	json_error_t jerr;
	json_t *s, *c, *t, *v;
	const char *peers;
	size_t i, passed = 0;
	int ok;

	s = json_load_file(path, 0, &jerr);
	if (!s) {
		printf("%s: no result (%s)\n", path, jerr.text);
		return RUN_FAIL;
	}
	json_array_foreach(json_object_get(s, "canaries"), i, c)
		passed += !strcmp(str_field(c, "result"), "pass");
	t = json_object_get(s, "timings");
	ok = !strcmp(str_field(s, "result"), "pass");
	v = json_object_get(s, "versions");
	/* a mixed-version tailnet says so: the peers on another release than the router */
	peers = str_field(v, "peers_tailscale");
	if (!*peers || !strcmp(peers, str_field(s, "tailscale_version")))
		peers = "";
	printf("%-6s %s  %zu/%zu passed  total %.1f s (boot %.1f s, online %.1f s)%s%s%s%s%s",
	       str_field(s, "arch"), ok ? "PASS" : "FAIL", passed,
	       json_array_size(json_object_get(s, "canaries")),
	       json_number_value(json_object_get(t, "total_s")),
	       json_number_value(json_object_get(t, "boot_s")),
	       json_number_value(json_object_get(t, "online_s")),
	       *str_field(v, "kernel_version") ? "  kernel " : "", str_field(v, "kernel_version"),
	       *str_field(v, "kernel_profile") ? " (" : "", str_field(v, "kernel_profile"),
	       *str_field(v, "kernel_profile") ? ")" : "");
	if (*peers)
		printf("  peers tailscale %s (router %s)", peers,
		       str_field(s, "tailscale_version"));
	printf("%s%s\n", *str_field(s, "error") ? "  error: " : "", str_field(s, "error"));
	json_decref(s);
	return ok ? 0 : RUN_FAIL;
}

/* A line for each run named; 0 only if every one passed (a missing one did not). */
static int cmd_summary(int argc, char **argv)
{
	int rc = 0;

	if (argc < 2)
		return usage(RUN_USAGE);
	for (int i = 1; i < argc; i++)
		if (summary_line(argv[i]))
			rc = RUN_FAIL;
	return rc;
}

static int cmd_bench(int argc, char **argv)
{
	json_t **runs, *rep;
	size_t n = 0;

	if (argc < 4 || strcmp(argv[1], "--out"))
		return usage(RUN_USAGE);
	runs = xcalloc((size_t)argc, sizeof(*runs));
	for (int i = 3; i < argc; i++) {
		json_error_t jerr;

		runs[n] = json_load_file(argv[i], 0, &jerr);
		if (runs[n])
			n++;
		else
			warning("skipping '%s': %s", argv[i], jerr.text);
	}
	rep = bench_report(runs, n);
	if (json_dump_file(rep, argv[2], JSON_INDENT(2)) < 0)
		error("cannot write '%s'", argv[2]);
	bench_table(rep, stdout);
	json_decref(rep);
	for (size_t k = 0; k < n; k++)
		json_decref(runs[k]);
	free(runs);
	return n ? 0 : RUN_USAGE;
}

/* DIR/NAME.json and DIR/NAME.md (written by md) for a compare or bisect document. */
static int write_json_md(json_t *doc, const char *dir, const char *name,
			 void (*md)(json_t *, FILE *))
{
	char *json_path = xasprintf("%s/%s.json", dir, name),
	     *md_path = xasprintf("%s/%s.md", dir, name);
	FILE *fp = NULL;
	int ret = 0;

	if (mkdir_p(dir) < 0 || json_dump_file(doc, json_path, JSON_INDENT(2)) < 0)
		ret = error("cannot write '%s'", json_path);
	else if (!(fp = fopen(md_path, "we")))
		ret = error_errno("cannot write '%s'", md_path);
	if (fp) {
		md(doc, fp);
		if (fclose(fp) != 0)
			ret = error_errno("cannot write '%s'", md_path);
	}
	free(json_path);
	free(md_path);
	return ret;
}

static int cmd_compare(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "arch", required_argument, NULL, 'a' },
		{ "pinned", required_argument, NULL, 'p' },
		{ "base", required_argument, NULL, 'b' },
		{ "base-dir", required_argument, NULL, 'B' },
		{ "new", required_argument, NULL, 'n' },
		{ "new-dir", required_argument, NULL, 'N' },
		{ "out", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	const char *arch = NULL, *pinned = NULL, *bv = NULL, *bdir = NULL, *nv = NULL;
	const char *ndir = NULL, *out = NULL;
	struct compare_side base, new;
	json_t *cmp;
	int c, code;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'a': arch = optarg; break;
		case 'p': pinned = optarg; break;
		case 'b': bv = optarg; break;
		case 'B': bdir = optarg; break;
		case 'n': nv = optarg; break;
		case 'N': ndir = optarg; break;
		case 'o': out = optarg; break;
		default: return usage(COMPARE_USAGE);
		}
	}
	if (optind != argc || !arch || !pinned || !bv || !bdir || !nv || !ndir || !out) {
		error("compare needs --arch, --pinned, --base, --base-dir, --new, --new-dir and "
		      "--out");
		return usage(COMPARE_USAGE);
	}
	if (compare_side_load(&base, "base", bv, bdir) < 0)
		return COMPARE_INFRA;
	if (compare_side_load(&new, "new", nv, ndir) < 0) {
		compare_side_release(&base);
		return COMPARE_INFRA;
	}
	cmp = compare_sides(&base, &new, arch, pinned, &code);
	if (write_json_md(cmp, out, "compare", compare_markdown) < 0 && code == COMPARE_SAME)
		code = COMPARE_INFRA;
	compare_markdown(cmp, stdout);
	printf("\ncompare: %s (exit %d), written to %s/compare.json and compare.md\n",
	       json_string_value(json_object_get(cmp, "verdict")), code, out);
	json_decref(cmp);
	compare_side_release(&base);
	compare_side_release(&new);
	return code;
}

/* The versions the module proxy lists, from FILE (any whitespace between; other words ignored). */
static int read_versions(const char *path, struct strbuf *text, char ***v, size_t *n)
{
	*v = NULL;
	*n = 0;
	if (strbuf_read_file(text, path) < 0)
		return error_errno("cannot read the version list '%s'", path);
	for (char *save = NULL, *w = strtok_r(text->buf, " \t\r\n", &save); w;
	     w = strtok_r(NULL, " \t\r\n", &save)) {
		*v = xrealloc(*v, (*n + 1) * sizeof(**v));
		(*v)[(*n)++] = w;
	}
	return 0;
}

/*
 * Hand the bisection every result already in DIR/<version>/ (as the
 * script's build and run left it), in the order the bisection asks for
 * them. 0 when it needs no more, 1 when *next must be tested, 130 when a
 * build or run was interrupted.
 */
static int bisect_replay(struct bisect *b, const char *dir, const char *canary,
			 const struct bisect_figure *figure, const char **next)
{
	while ((*next = bisect_next(b))) {
		char *vdir = xasprintf("%s/%s", dir, *next), *where = NULL;
		struct strbuf detail = STRBUF_INIT;
		struct compare_side s;
		const char *value = NULL;
		int done = 0;

		if (access(vdir, F_OK) == 0 && compare_side_load(&s, "bisect", *next, vdir) == 0) {
			if (s.build_status == 130 || s.run_status == 130)
				done = 130;
			else if (s.build_status > 0)
				strbuf_addf(&detail, "cannot be built: image/build.sh exit %d: %s",
					    s.build_status,
					    s.build_error ? s.build_error : "see build.log");
			else if (s.build_status == 0 && s.run_status >= 0 && !s.summary)
				strbuf_addf(&detail,
					    "its run wrote no summary.json (make test exit %d)",
					    s.run_status);
			else if (s.summary) {
				value = bisect_value(s.summary, canary, figure, &detail);
				where = xasprintf("%s/summary.json", vdir);
			}
			if (!done && (s.build_status > 0 || s.run_status >= 0)) {
				bisect_apply(b, *next, value, strbuf_str(&detail), where);
				done = -1;
			}
			compare_side_release(&s);
		}
		free(where);
		free(vdir);
		strbuf_release(&detail);
		if (done != -1)
			return done ? done : 1;
	}
	return 0;
}

static int cmd_bisect(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "arch", required_argument, NULL, 'a' },
		{ "good", required_argument, NULL, 'g' },
		{ "bad", required_argument, NULL, 'b' },
		{ "canary", required_argument, NULL, 'c' },
		{ "figure", required_argument, NULL, 'f' },
		{ "versions", required_argument, NULL, 'v' },
		{ "dir", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	const char *arch = NULL, *good = NULL, *bad = NULL, *canary = NULL, *figure = NULL;
	const char *list = NULL, *dir = NULL, *next;
	struct strbuf text = STRBUF_INIT, err = STRBUF_INIT, subject = STRBUF_INIT;
	struct bisect_figure fig;
	struct bisect b;
	char **versions;
	size_t n;
	json_t *doc;
	int c, code;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'a': arch = optarg; break;
		case 'g': good = optarg; break;
		case 'b': bad = optarg; break;
		case 'c': canary = optarg; break;
		case 'f': figure = optarg; break;
		case 'v': list = optarg; break;
		case 'd': dir = optarg; break;
		default: return usage(BISECT_EXIT_USAGE);
		}
	}
	if (optind != argc || !arch || !good || !bad || !list || !dir || !canary == !figure) {
		error("bisect needs --arch, --good, --bad, --versions, --dir and one of --canary "
		      "or --figure");
		return usage(BISECT_EXIT_USAGE);
	}
	if (figure && bisect_figure_parse(&fig, figure, &err) < 0) {
		error("bisect: %s", strbuf_str(&err));
		strbuf_release(&err);
		return usage(BISECT_EXIT_USAGE);
	}
	if (read_versions(list, &text, &versions, &n) < 0) {
		strbuf_release(&text);
		return BISECT_EXIT_INFRA;
	}
	if (bisect_init(&b, (const char *const *)versions, n, good, bad, &err) < 0) {
		error("bisect: %s", strbuf_str(&err));
		code = BISECT_EXIT_VERSIONS;
		goto out;
	}
	strbuf_addf(&subject, canary ? "canary %s" : "figure %s", canary ? canary : figure);
	code = bisect_replay(&b, dir, canary, figure ? &fig : NULL, &next);
	doc = bisect_json(&b, arch, strbuf_str(&subject));
	if (write_json_md(doc, dir, "bisect", bisect_markdown) < 0 && code == 0)
		code = BISECT_EXIT_INFRA;
	else if (code == 1) {
		fprintf(stderr, "bisect: %s\n", json_string_value(json_object_get(doc, "answer")));
		printf("%s\n", next);
		code = BISECT_EXIT_NEXT;
	} else if (code == 0) {
		bisect_markdown(doc, stdout);
		code = bisect_exit_code(&b);
		printf("\nbisect: %s (exit %d), written to %s/bisect.json and bisect.md\n",
		       json_string_value(json_object_get(doc, "state")), code, dir);
	}
	json_decref(doc);
	bisect_release(&b);
out:
	free(versions);
	strbuf_release(&text);
	strbuf_release(&err);
	strbuf_release(&subject);
	return code;
}

static int verdict_args(int argc, char **argv, const char **store, const char **tree,
			const char **arches)
{
	static const struct option opts[] = {
		{ "store", required_argument, NULL, 's' },
		{ "tree", required_argument, NULL, 't' },
		{ "arches", required_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 's')
			*store = optarg;
		else if (c == 't')
			*tree = optarg;
		else if (c == 'a')
			*arches = optarg;
		else
			return -1;
	}
	return *store && *tree && optind < argc ? 0 : -1;
}

/* The arch of vm/arches whose OCI platform is "linux/ARCH[/VARIANT]"; -1 if none. */
static int arch_of_platform(const char *table, const char *platform, struct arch *out)
{
	char names[256], buf[64], *save = NULL, *name;
	struct image_platform p;

	if (arch_names(table, names, sizeof(names)) < 0)
		return -1;
	for (name = strtok_r(names, " ", &save); name; name = strtok_r(NULL, " ", &save)) {
		if (arch_lookup(table, name, out))
			continue;
		image_platform_of_arch(out, &p);
		if (!strcmp(image_platform_str(&p, buf, sizeof(buf)), platform))
			return 0;
	}
	return -1;
}

/* tscanary verdict record: file the run in SUMMARY as judged by tree. */
static int verdict_record_cmd(const char *store, const char *tree, const char *summary_path)
{
	struct strbuf why = STRBUF_INIT;
	const char **names;
	json_error_t jerr;
	json_t *summary, *rec;
	char *path;

	summary = json_load_file(summary_path, 0, &jerr);
	if (!summary) {
		/* a run that ended before its summary has no verdict to file */
		printf("verdict: nothing recorded: no summary '%s' (%s)\n", summary_path,
		       jerr.text);
		return 0;
	}
	if (json_object_get(summary, "cached_verdict")) {
		/* a reused verdict is the record it came from: not filed twice */
		printf("verdict: nothing recorded for '%s': a cached verdict (%s)\n", summary_path,
		       json_string_value(json_object_get(json_object_get(summary, "cached_verdict"),
							 "record")));
		json_decref(summary);
		return 0;
	}
	names = registry_names();
	rec = verdict_record(summary, tree, names, canary_count, time(NULL), &why);
	free(names);
	json_decref(summary);
	if (!rec) {
		printf("verdict: nothing recorded for '%s': %s\n", summary_path, strbuf_str(&why));
		strbuf_release(&why);
		return 0;
	}
	strbuf_release(&why);
	path = verdict_store_put(store, rec);
	if (path) {
		/* the reports go beside the record, for a run that may reuse it */
		char *dir = xstrdup(summary_path), *slash = strrchr(dir, '/');

		if (slash)
			*slash = '\0';
		if (verdict_store_reports(path, slash ? dir : ".") < 0)
			warning("verdict %s kept without its reports: it cannot be reused", path);
		free(dir);
	}
	if (path)
		printf("verdict: %s %s %s%s -> %s\n",
		       json_string_value(json_object_get(rec, "arch")),
		       json_string_value(json_object_get(rec, "result")),
		       json_string_value(json_object_get(rec, "manifest_digest")),
		       json_is_true(json_object_get(rec, "full_suite")) ? ""
									: " (selected canaries)",
		       path);
	json_decref(rec);
	if (!path)
		return RUN_ENV;
	free(path);
	return 0;
}

/* tscanary verdict check: one line per PLATFORM=DIGEST; RUN_FAIL unless all are gated. */
static int verdict_check_cmd(const char *store, const char *tree, const char *arches,
			     char *const *specs, int n)
{
	int code = 0;

	for (int i = 0; i < n; i++) {
		char *platform = xstrdup(specs[i]), *digest = strchr(platform, '=');
		struct strbuf why = STRBUF_INIT;
		struct arch a;

		if (!digest) {
			free(platform);
			return usage(RUN_USAGE);
		}
		*digest++ = '\0';
		if (arch_of_platform(arches, platform, &a) < 0) {
			printf("%-6s %s %s: REFUSED: no arch in %s runs this platform\n", "?",
			       platform, digest, arches);
			code = RUN_FAIL;
		} else {
			json_t *recs = verdict_store_get(store, digest);
			enum verdict_state st = verdict_decide(recs, a.name, tree, &why);

			printf("%-6s %s %s: %s: %s\n", a.name, platform, digest,
			       st == GATED_PASS ? "gated" : "REFUSED", strbuf_str(&why));
			if (st != GATED_PASS)
				code = RUN_FAIL;
			json_decref(recs);
		}
		strbuf_release(&why);
		free(platform);
	}
	return code;
}

static int cmd_verdict(int argc, char **argv)
{
	const char *store = NULL, *tree = NULL, *arches = "vm/arches", *sub;

	if (argc < 2)
		return usage(RUN_USAGE);
	/* from here argv[0] is the subcommand, as getopt expects */
	argc--, argv++;
	sub = argv[0];
	if (verdict_args(argc, argv, &store, &tree, &arches) < 0)
		return usage(RUN_USAGE);
	if (!strcmp(sub, "record"))
		return optind == argc - 1 ? verdict_record_cmd(store, tree, argv[optind])
					  : usage(RUN_USAGE);
	if (!strcmp(sub, "check"))
		return verdict_check_cmd(store, tree, arches, argv + optind, argc - optind);
	error("unknown verdict command '%s' (record, check)", sub);
	return usage(RUN_USAGE);
}

/* A kernel profile's name: lower-case letters, digits, '-'. */
static int profile_name_ok(const char *name)
{
	return *name && strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789-") == strlen(name);
}

/*
 * tscanary kit: write a run's inputs with their identities into one file
 * (kit.h), from a flag per input, or from another kit with some replaced
 * (--from). Prints the kit's path.
 */
static int cmd_kit(int argc, char **argv)
{
	enum { FIRST_INPUT = 256 };
	struct option opts[32] = {
		{ "out", required_argument, NULL, 'o' },
		{ "from", required_argument, NULL, 'F' },
		{ "arch", required_argument, NULL, 'a' },
		{ "kernel-profile", required_argument, NULL, 'X' },
		{ "cache", required_argument, NULL, 'C' },
		{ "fixtures", required_argument, NULL, 'x' },
		{ "vm-dir", required_argument, NULL, 'M' },
		{ "recipe-dir", required_argument, NULL, 'R' },
	};
	struct kit k = { 0 };
	struct strbuf err = STRBUF_INIT;
	const char *out = NULL, *from = NULL;
	size_t nopts = 8;
	char **set;
	int c, infra, code = RUN_USAGE;

	for (size_t i = 0; i < kit_ninputs; i++)
		opts[nopts++] = (struct option){ kit_inputs[i].flag, required_argument, NULL,
						 FIRST_INPUT + (int)i };
	/* --from first: the flags then replace what it says */
	for (int i = 1; i + 1 < argc; i++)
		if (!strcmp(argv[i], "--from"))
			from = argv[i + 1];
	if (from && kit_load(from, &k, &err) < 0) {
		error("%s", strbuf_str(&err));
		goto out;
	}
	if (!k.fixtures) {
		k.fixtures = xstrdup("fixtures");
		k.vm_dir = xstrdup("vm");
		k.recipe_dir = xstrdup("image");
	}
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; continue;
		case 'F': continue;
		case 'a': set = &k.arch; break;
		case 'X':
			if (!profile_name_ok(optarg)) {
				error("--kernel-profile wants a profile name (lower-case letters, "
				      "digits, '-'), not '%s'",
				      optarg);
				goto out;
			}
			set = &k.kernel_profile;
			break;
		case 'C': set = &k.cache_dir; break;
		case 'x': set = &k.fixtures; break;
		case 'M': set = &k.vm_dir; break;
		case 'R': set = &k.recipe_dir; break;
		default:
			if (c < FIRST_INPUT || c >= FIRST_INPUT + (int)kit_ninputs) {
				usage(RUN_USAGE);
				goto out;
			}
			set = kit_field(&k, &kit_inputs[c - FIRST_INPUT]);
			break;
		}
		free(*set);
		*set = *optarg ? xstrdup(optarg) : NULL;
	}
	if (optind != argc || !out) {
		error("kit needs --out FILE (and no other words)");
		usage(RUN_USAGE);
		goto out;
	}
	if (kit_write(&k, out, &infra, &err) < 0) {
		error("%s", strbuf_str(&err));
		code = infra ? RUN_INFRA : RUN_USAGE;
		goto out;
	}
	printf("%s\n", out);
	code = RUN_PASS;
out:
	kit_release(&k);
	strbuf_release(&err);
	return code;
}

static int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "kit", required_argument, NULL, 'k' },
		{ "image", required_argument, NULL, 'i' },
		{ "out", required_argument, NULL, 'o' },
		{ "variant", required_argument, NULL, 'V' },
		{ "canary", required_argument, NULL, 'c' },
		{ "timeout-scale", required_argument, NULL, 't' },
		{ "tree", required_argument, NULL, 'G' },
		{ "reuse", required_argument, NULL, 'u' },
		{ "reuse-failures", no_argument, NULL, 'F' },
		{ "keep", no_argument, NULL, 'K' },
		{ "beside", required_argument, NULL, 'B' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	struct run_opts o = { .timeout_scale = 1.0 };
	long beside;
	struct kit kit;
	struct strbuf err = STRBUF_INIT;
	const char **names = NULL, *kit_path = NULL;
	char *out = NULL, *end;
	int c, code = RUN_USAGE;

	while ((c = getopt_long(argc, argv, "v", opts, NULL)) != -1) {
		switch (c) {
		case 'k': kit_path = optarg; break;
		case 'i': o.image = optarg; break;
		case 'o': o.out_dir = optarg; break;
		case 'V': o.variant = *optarg ? optarg : NULL; break;
		case 'K': o.keep = 1; break;
		case 'v': log_set_level(LOG_DEBUG); break;
		case 'c':
			if (!canary_find(optarg)) {
				error("unknown canary '%s' (see tscanary list)", optarg);
				free(names);
				return RUN_USAGE;
			}
			names = xrealloc(names, (o.ncanaries + 1) * sizeof(*names));
			names[o.ncanaries++] = optarg;
			break;
		case 'G': o.tree = optarg; break;
		case 'u': o.reuse_store = optarg; break;
		case 'F': o.reuse_failures = 1; break;
		case 'B':
			beside = strtol(optarg, &end, 10);
			if (*end || end == optarg || beside < 1 || beside > BESIDE_MAX) {
				error("--beside wants a number from 1 to %d, not '%s'", BESIDE_MAX,
				      optarg);
				free(names);
				return RUN_USAGE;
			}
			o.beside = (unsigned)beside;
			break;
		case 't':
			o.timeout_scale = strtod(optarg, &end);
			if (*end || o.timeout_scale < 0.1 || o.timeout_scale > 100) {
				error("--timeout-scale wants a number from 0.1 to 100, not '%s'",
				      optarg);
				free(names);
				return RUN_USAGE;
			}
			break;
		default: free(names); return usage(RUN_USAGE);
		}
	}
	o.canaries = names;
	if (o.reuse_failures && !o.reuse_store) {
		free(names);
		error("--reuse-failures needs --reuse STORE");
		return RUN_USAGE;
	}
	if (optind != argc || !kit_path || !o.image) {
		free(names);
		error("run needs --kit (make kit writes one) and --image");
		return usage(RUN_USAGE);
	}
	if (kit_load(kit_path, &kit, &err) < 0) {
		error("%s", strbuf_str(&err));
		strbuf_release(&err);
		free(names);
		return RUN_USAGE;
	}
	o.kit = &kit;
	{
		/* a judge's file the kit names must be there before any lab comes up */
		const char *const files[][2] = { { "allowlist", kit.allowlist },
						 { "waivers", kit.waivers },
						 { "budgets", kit.budgets } };

		for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
			if (files[i][1] && access(files[i][1], R_OK) < 0) {
				error_errno("the kit's %s '%s'", files[i][0], files[i][1]);
				goto out;
			}
		}
	}
	if (!o.out_dir) {
		out = o.variant ? xasprintf("out/%s-%s", kit.arch, o.variant)
				: xasprintf("out/%s", kit.arch);
		o.out_dir = out;
	}
	code = run_gate(&o);
out:
	free(out);
	free(names);
	kit_release(&kit);
	strbuf_release(&err);
	return code;
}

/*
 * The router's tailscaled logs of a run (logs/tailscaled.log and
 * tailscaled.lifeN.log), one after the other.
 */
static char *run_logs(const char *dir)
{
	struct strbuf all = STRBUF_INIT;
	char *pattern = xasprintf("%s/logs/tailscaled.*log", dir);
	glob_t g;

	if (!glob(pattern, 0, NULL, &g)) {
		for (size_t i = 0; i < g.gl_pathc; i++) {
			strbuf_read_file(&all, g.gl_pathv[i]);
			strbuf_addch(&all, '\n');
		}
		globfree(&g);
	}
	free(pattern);
	return strbuf_detach(&all, NULL);
}

/* The packed binary's size in an image's manifest.json, or -1. */
static json_int_t manifest_binary_bytes(const char *path)
{
	json_t *m = json_load_file(path, 0, NULL);
	json_t *n = json_object_get(json_object_get(m, "sizes"), "binary_bytes");
	json_int_t v = json_is_integer(n) ? json_integer_value(n) : -1;

	json_decref(m);
	return v;
}

/* Why DIR's image did not build (its build.status and build.log), or NULL. */
static char *build_error(const char *dir)
{
	struct strbuf st = STRBUF_INIT, log = STRBUF_INIT;
	char *path = xasprintf("%s/build.status", dir), *why = NULL;

	if (strbuf_read_file(&st, path) < 0) {
		why = xstrdup("not built (no build.status)");
	} else {
		strbuf_rtrim(&st);
		if (strcmp(strbuf_str(&st), "0")) {
			free(path);
			path = xasprintf("%s/build.log", dir);
			strbuf_add_log_tail(&log, path, 1);
			strbuf_rtrim(&log);
			why = xasprintf("image/build.sh exit %s: %s", strbuf_str(&st),
					strbuf_str(&log));
		}
	}
	free(path);
	strbuf_release(&st);
	strbuf_release(&log);
	return why;
}

/* The names of an allowlist, one a line: the features make coverage runs. */
static int list_features(const char *path)
{
	struct feature_list l = { 0 };

	if (load_features(&l, path) < 0)
		return RUN_USAGE;
	for (size_t i = 0; i < l.n; i++)
		printf("%s\n", l.v[i].name);
	feature_list_release(&l);
	return 0;
}

/*
 * coverage --variant: the variant of the recipe without feature, VDIR/drop-F,
 * and its recipe side as variant-env writes it, VDIR/drop-F.env. With a
 * feature table: without feature and the allowlisted features whose Deps
 * reach it, printed space separated; RUN_FAIL when there are none.
 */
static int coverage_variant_files(const char *allow_path, const char *feature, const char *vdir,
				  const char *table_path)
{
	struct feature_list allow = { 0 };
	struct feature_table t = { 0 };
	struct strbuf text = STRBUF_INIT, env = STRBUF_INIT;
	char **with = NULL, *path = NULL, *epath = NULL;
	size_t nwith = 0;
	struct variant v;
	int ret = RUN_USAGE;

	if (load_features(&allow, allow_path) < 0)
		goto out;
	if (!feature_list_find(&allow, feature)) {
		error("coverage: '%s' is not in '%s'", feature, allow_path);
		goto out;
	}
	if (table_path) {
		if (strbuf_read_file(&text, table_path) < 0) {
			error_errno("cannot read '%s'", table_path);
			goto out;
		}
		if (feature_table_parse(&t, text.buf, text.len) < 0)
			goto out;
		strbuf_reset(&text);
		with = feature_dependents(&t, &allow, feature, &nwith);
		if (!nwith) {
			ret = RUN_FAIL;
			goto out;
		}
	}
	coverage_variant(&text, feature, with, nwith);
	path = xasprintf("%s/drop-%s", vdir, feature);
	epath = xasprintf("%s.env", path);
	if (mkdir_p(vdir) < 0 || write_text_file(path, strbuf_str(&text), 0644) < 0 ||
	    variant_load_recipe(&v, vdir, path) < 0)
		goto out;
	variant_env(&v, &env);
	variant_release(&v);
	if (write_text_file(epath, strbuf_str(&env), 0644) < 0)
		goto out;
	for (size_t i = 0; i < nwith; i++)
		printf("%s%s", with[i], i + 1 < nwith ? " " : "\n");
	ret = 0;
out:
	for (size_t i = 0; i < nwith; i++)
		free(with[i]);
	free(with);
	free(path);
	free(epath);
	feature_list_release(&allow);
	feature_table_release(&t);
	strbuf_release(&text);
	strbuf_release(&env);
	return ret;
}

static int cmd_coverage(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "arch", required_argument, NULL, 'a' },
		{ "allowlist", required_argument, NULL, 'l' },
		{ "dir", required_argument, NULL, 'd' },
		{ "out", required_argument, NULL, 'o' },
		{ "markdown", required_argument, NULL, 'm' },
		{ "baseline", required_argument, NULL, 'b' },
		{ "variant", required_argument, NULL, 'V' },
		{ "vdir", required_argument, NULL, 'D' },
		{ "with-dependents", required_argument, NULL, 'W' },
		{ NULL, 0, NULL, 0 },
	};
	const char *arch = NULL, *allow_path = NULL, *dir = NULL, *out = NULL, *md = NULL;
	const char *baseline = NULL, *feature = NULL, *vdir = "build/coverage", *table_path = NULL;
	json_int_t base_bytes = -1;
	struct strbuf table = STRBUF_INIT;
	struct feature_list allow = { 0 };
	json_t *list, *doc;
	char *version = NULL;
	int c, code = 0, unjudged = 0, unnoticed = 0;

	if (argc == 3 && !strcmp(argv[1], "--list"))
		return list_features(argv[2]);
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'a')
			arch = optarg;
		else if (c == 'l')
			allow_path = optarg;
		else if (c == 'd')
			dir = optarg;
		else if (c == 'o')
			out = optarg;
		else if (c == 'm')
			md = optarg;
		else if (c == 'b')
			baseline = optarg;
		else if (c == 'V')
			feature = optarg;
		else if (c == 'D')
			vdir = optarg;
		else if (c == 'W')
			table_path = optarg;
		else
			return usage(RUN_USAGE);
	}
	if (feature && allow_path && optind == argc)
		return coverage_variant_files(allow_path, feature, vdir, table_path);
	if (feature || table_path || !arch || !allow_path || !dir || !out || optind != argc)
		return usage(RUN_USAGE);
	if (baseline) {
		base_bytes = manifest_binary_bytes(baseline);
		if (base_bytes < 0) {
			error("'%s' gives no packed binary size", baseline);
			return RUN_USAGE;
		}
	}
	if (load_features(&allow, allow_path) < 0)
		return RUN_USAGE;
	list = json_array();
	for (size_t i = 0; i < allow.n; i++) {
		const struct feature_item *f = &allow.v[i];
		char *fdir = xasprintf("%s/%s", dir, f->name), *berr = build_error(fdir);
		char *spath = xasprintf("%s/summary.json", fdir), *logs = run_logs(fdir);
		json_t *summary = berr ? NULL : json_load_file(spath, 0, NULL), *e;
		const char *status;

		e = coverage_entry(f->name, f->reason, berr, summary, logs);
		{
			struct strbuf with = STRBUF_INIT;
			char *wpath = xasprintf("%s/omitted_with", fdir);

			if (strbuf_read_file(&with, wpath) >= 0) {
				strbuf_rtrim(&with);
				json_object_set_new(e, "omitted_with",
						    json_string(strbuf_str(&with)));
			}
			strbuf_release(&with);
			free(wpath);
		}
		if (!berr) {
			char *mpath = xasprintf("%s/image/manifest.json", fdir);
			json_int_t bytes = manifest_binary_bytes(mpath);

			if (bytes >= 0 && base_bytes >= 0)
				coverage_set_flash(e, base_bytes, bytes);
			free(mpath);
		}
		status = json_string_value(json_object_get(e, "status"));
		if (!strcmp(status, "unnoticed")) {
			int explained = strstr(f->reason, "unseen at runtime") != NULL;

			json_object_set_new(e, "explained", json_boolean(explained));
			unnoticed += !explained;
		} else if (strcmp(status, "noticed") && strcmp(status, "crash")) {
			unjudged++;
		}
		if (!version && json_string_value(json_object_get(summary, "tailscale_version")))
			version = xstrdup(
				json_string_value(json_object_get(summary, "tailscale_version")));
		printf("%-20s %s\n", f->name, status);
		json_array_append_new(list, e);
		json_decref(summary);
		free(logs);
		free(spath);
		free(berr);
		free(fdir);
	}
	doc = json_pack("{s:s,s:s,s:o,s:i,s:i}", "arch", arch, "tailscale_version",
			version ? version : "", "features", list, "unnoticed", unnoticed,
			"unjudged", unjudged);
	coverage_markdown(doc, &table);
	if (json_dump_file(doc, out, JSON_INDENT(2)) < 0) {
		code = error("cannot write '%s'", out);
	} else if (md) {
		FILE *fp = fopen(md, "w");

		if (!fp || fputs(strbuf_str(&table), fp) == EOF || fclose(fp))
			code = error_errno("cannot write '%s'", md);
	} else {
		fputs(strbuf_str(&table), stdout);
	}
	printf("coverage: %zu features, %d unnoticed and unexplained, %d without a verdict; %s\n",
	       allow.n, unnoticed, unjudged, out);
	json_decref(doc);
	free(version);
	feature_list_release(&allow);
	strbuf_release(&table);
	if (code)
		return RUN_ENV;
	return unjudged ? RUN_INFRA : unnoticed ? RUN_FAIL : 0;
}

/* tscanary arch --make|--sh [--table FILE]: a generated view of the arch table. */
static int cmd_arch(int argc, char **argv)
{
	int (*view)(const char *, struct strbuf *) = NULL;
	const char *table = "vm/arches";
	struct strbuf out = STRBUF_INIT;
	int ret;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--make"))
			view = arch_make_view;
		else if (!strcmp(argv[i], "--sh"))
			view = arch_sh_view;
		else if (!strcmp(argv[i], "--table") && i + 1 < argc)
			table = argv[++i];
		else
			return usage(RUN_USAGE);
	}
	if (!view)
		return usage(RUN_USAGE);
	ret = view(table, &out);
	if (!ret)
		fputs(strbuf_str(&out), stdout);
	strbuf_release(&out);
	return ret ? 1 : 0;
}

static int history_select_cmd(const char *from, const char *list)
{
	struct strbuf text = STRBUF_INIT, err = STRBUF_INIT;
	const char **chosen = NULL;
	char **versions;
	size_t n;
	long k;
	int code = 0;

	if (read_versions(list, &text, &versions, &n) < 0) {
		strbuf_release(&text);
		return HISTORY_EXIT_INFRA;
	}
	k = history_select((const char *const *)versions, n, from, &chosen, &err);
	if (k < 0) {
		error("history: %s", strbuf_str(&err));
		code = HISTORY_EXIT_VERSIONS;
	} else if (k == 0) {
		error("history: no release in '%s' is at least %s", list, from);
		code = HISTORY_EXIT_VERSIONS;
	}
	for (long i = 0; i < k; i++)
		printf("%s\n", chosen[i]);
	free(chosen);
	free(versions);
	strbuf_release(&text);
	strbuf_release(&err);
	return code;
}

static int cmd_history(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "select", no_argument, NULL, 's' },
		{ "from", required_argument, NULL, 'f' },
		{ "versions", required_argument, NULL, 'v' },
		{ "arch", required_argument, NULL, 'a' },
		{ "dir", required_argument, NULL, 'd' },
		{ "peers", required_argument, NULL, 'p' },
		{ "fit", required_argument, NULL, 'F' },
		{ "fits", required_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 },
	};
	const char *from = NULL, *list = NULL, *arch = NULL, *dir = NULL, *peers = "pinned";
	const char *fit = NULL, *fits_path = NULL;
	int c, select = 0, code = HISTORY_EXIT_WRITTEN;
	struct vrules fits = { 0 };
	json_t *rows, *doc;
	char *dat;
	FILE *fp;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's': select = 1; break;
		case 'f': from = optarg; break;
		case 'v': list = optarg; break;
		case 'a': arch = optarg; break;
		case 'd': dir = optarg; break;
		case 'p': peers = optarg; break;
		case 'F': fit = optarg; break;
		case 'i': fits_path = optarg; break;
		default: return usage(HISTORY_EXIT_USAGE);
		}
	}
	if (fits_path && vrules_load(&fits, fits_path) < 0)
		return HISTORY_EXIT_INFRA;
	if (fit) {
		/* the allowlist lines (feature<TAB>why) that fit this version */
		json_t *add, *f;
		size_t i;

		if (!fits_path || select || arch || dir || optind != argc) {
			vrules_release(&fits);
			error("history --fit needs --fits, and nothing else");
			return usage(HISTORY_EXIT_USAGE);
		}
		add = history_fits(&fits, fit);
		json_array_foreach(add, i, f)
			printf("%s\t%s\n", json_string_value(json_object_get(f, "feature")),
			       json_string_value(json_object_get(f, "why")));
		json_decref(add);
		vrules_release(&fits);
		return 0;
	}
	if (select) {
		if (!from || !list || optind != argc || arch || dir) {
			error("history --select needs --from and --versions, and nothing else");
			return usage(HISTORY_EXIT_USAGE);
		}
		return history_select_cmd(from, list);
	}
	if (!arch || !dir || optind == argc || from || list) {
		error("history needs --arch, --dir and at least one version");
		return usage(HISTORY_EXIT_USAGE);
	}
	rows = json_array();
	for (int i = optind; i < argc; i++) {
		char *vdir = xasprintf("%s/%s", dir, argv[i]);
		struct compare_side s;
		json_t *added;

		if (compare_side_load(&s, "history", argv[i], vdir) < 0) {
			/* a version never got a directory: still a row, with its reason */
			memset(&s, 0, sizeof(s));
			s.version = argv[i];
			s.build_status = s.run_status = -1;
		} else if (s.build_status == 130 || s.run_status == 130) {
			code = HISTORY_EXIT_INTERRUPTED;
		}
		added = history_fits(&fits, argv[i]);
		json_array_append_new(rows, history_row(&s, added));
		json_decref(added);
		compare_side_release(&s);
		free(vdir);
	}
	vrules_release(&fits);
	doc = history_doc(arch, peers, rows);
	dat = xasprintf("%s/history.dat", dir);
	if (write_json_md(doc, dir, "history", history_markdown) < 0)
		code = HISTORY_EXIT_INFRA;
	else if (!(fp = fopen(dat, "we"))) {
		error_errno("cannot write '%s'", dat);
		code = HISTORY_EXIT_INFRA;
	} else {
		history_data(doc, fp);
		if (fclose(fp) != 0) {
			error_errno("cannot write '%s'", dat);
			code = HISTORY_EXIT_INFRA;
		}
	}
	if (code != HISTORY_EXIT_INFRA) {
		history_markdown(doc, stdout);
		printf("\nhistory: %zu versions, written to %s/history.json, history.md and "
		       "history.dat\n",
		       json_array_size(rows), dir);
	}
	free(dat);
	json_decref(doc);
	return code;
}

/* The subcommands: each gets argv from its own name on. */
static const struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
} commands[] = {
	{ "run", cmd_run },           { "kit", cmd_kit },
	{ "judge", cmd_judge },       { "summary", cmd_summary },
	{ "bench", cmd_bench },       { "mutants", cmd_mutants },
	{ "variants", cmd_variants }, { "list", cmd_list },
	{ "coverage", cmd_coverage }, { "compare", cmd_compare },
	{ "bisect", cmd_bisect },     { "verdict", cmd_verdict },
	{ "focus", cmd_focus },       { "arch", cmd_arch },
	{ "history", cmd_history },   { "variant-env", cmd_variant_env },
	{ "features", cmd_features },
};

int main(int argc, char **argv)
{
	log_start();
	undo_install();
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		error("cannot initialise libcurl");
		return RUN_ENV;
	}
	if (argc < 2)
		return usage(RUN_USAGE);
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help"))
		return usage(0);
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	error("unknown command '%s'", argv[1]);
	return usage(RUN_USAGE);
}
