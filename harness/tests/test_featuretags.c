/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>
#include <string.h>

#include "featuretags.h"
#include "strbuf.h"

/* A slice of tailscale.com v1.98.5's feature/featuretags, plus a cycle. */
static const char table_json[] =
	"{\"format\": 1, \"tailscale_version\": \"v1.98.5\", \"go_version\": \"go1.26.8\","
	" \"features\": ["
	"{\"name\": \"advertiseexitnode\", \"desc\": \"Run an exit node\","
	" \"deps\": [\"peerapiserver\", \"advertiseroutes\"], \"omittable\": true},"
	"{\"name\": \"advertiseroutes\", \"desc\": \"Advertise routes\", \"deps\": [\"c2n\"],"
	" \"omittable\": true},"
	"{\"name\": \"c2n\", \"desc\": \"Control-to-node\", \"deps\": [], \"omittable\": true},"
	"{\"name\": \"cli\", \"desc\": \"embed the CLI\", \"deps\": [], \"omittable\": false},"
	"{\"name\": \"cyca\", \"desc\": \"\", \"deps\": [\"cycb\"], \"omittable\": true},"
	"{\"name\": \"cycb\", \"desc\": \"\", \"deps\": [\"cyca\", \"netstack\"], \"omittable\": "
	"true},"
	"{\"name\": \"gro\", \"desc\": \"GRO\", \"deps\": [\"netstack\"], \"omittable\": true},"
	"{\"name\": \"netstack\", \"desc\": \"gVisor\", \"deps\": [], \"omittable\": true},"
	"{\"name\": \"osrouter\", \"desc\": \"OS router\", \"deps\": null, \"omittable\": true},"
	"{\"name\": \"peerapiclient\", \"desc\": \"PeerAPI client\", \"deps\": [], \"omittable\": "
	"true},"
	"{\"name\": \"peerapiserver\", \"desc\": \"PeerAPI server\", \"deps\": [], \"omittable\": "
	"true},"
	"{\"name\": \"ssh\", \"desc\": \"SSH\", \"deps\": [\"c2n\", \"netstack\"], \"omittable\": "
	"true},"
	"{\"name\": \"useexitnode\", \"desc\": \"Use exit nodes\","
	" \"deps\": [\"peerapiclient\", \"useroutes\"], \"omittable\": true},"
	"{\"name\": \"useroutes\", \"desc\": \"Use routes\", \"deps\": [], \"omittable\": true}"
	"]}";

static const char allowlist_txt[] = "# Features kept in the image\n"
				    "\n"
				    "advertiseexitnode\tthe router offers itself as an exit node\n"
				    "advertiseroutes\tshares its LAN\n"
				    "useexitnode\tuses another exit node\n"
				    "useroutes\taccepts routes\n"
				    "netstack\tMagicDNS on 100.100.100.100\n"
				    "gro\tsmall, needs netstack\n"
				    "peerapiserver\tDoH for exit-node clients\n"
				    "peerapiclient\tDoH through the exit node\n";

static const char waived_txt[] = "  # indented comment\n"
				 "c2n\tsingle subnet router, upstream omits it\r\n";

/* What image/build.sh gives the good image: ts_include_cli, every other feature omitted. */
static const char good_tags[] = "ts_include_cli,ts_omit_c2n,ts_omit_cyca,ts_omit_cycb,ts_omit_ssh";

struct fixture {
	struct feature_table t;
	struct feature_list allow, waived;
	struct feature_verdict v;
};

static void load(struct fixture *f)
{
	memset(f, 0, sizeof(*f));
	assert_int_equal(feature_table_parse(&f->t, table_json, strlen(table_json)), 0);
	assert_int_equal(feature_list_parse(&f->allow, allowlist_txt, "allowlist"), 0);
	assert_int_equal(feature_list_parse(&f->waived, waived_txt, "waived-deps"), 0);
}

static void release(struct fixture *f)
{
	feature_verdict_release(&f->v);
	feature_list_release(&f->allow);
	feature_list_release(&f->waived);
	feature_table_release(&f->t);
}

static const struct closure_member *member(const struct feature_verdict *v, const char *name)
{
	for (size_t i = 0; i < v->n; i++)
		if (!strcmp(v->m[i].name, name))
			return &v->m[i];
	return NULL;
}

/* Drop one name from a list (what a variant's drop_allow does to the manifest). */
static void drop(struct feature_list *l, const char *name)
{
	struct feature_list out = { 0 };

	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].name, name))
			feature_list_add(&out, l->v[i].name, l->v[i].reason);
	feature_list_release(l);
	*l = out;
}

static void parses_table(void **state)
{
	struct feature_table t;
	const struct feature *f;

	(void)state;
	assert_int_equal(feature_table_parse(&t, table_json, strlen(table_json)), 0);
	assert_string_equal(t.ts_version, "v1.98.5");
	assert_int_equal(t.n, 14);
	f = feature_table_find(&t, "advertiseexitnode");
	assert_non_null(f);
	assert_int_equal(f->ndeps, 2);
	assert_string_equal(f->deps[0], "peerapiserver");
	assert_int_equal(feature_table_find(&t, "cli")->omittable, 0);
	assert_int_equal(feature_table_find(&t, "osrouter")->ndeps, 0);
	assert_null(feature_table_find(&t, "nosuch"));
	feature_table_release(&t);
}

static void rejects_bad_tables(void **state)
{
	static const char *const bad[] = {
		"not json",
		"{\"format\": 2, \"tailscale_version\": \"v1\", \"features\": [{\"name\": \"a\","
		" \"omittable\": true}]}",
		"{\"format\": 1, \"features\": [{\"name\": \"a\", \"omittable\": true}]}",
		"{\"format\": 1, \"tailscale_version\": \"v1\", \"features\": []}",
		"{\"format\": 1, \"tailscale_version\": \"v1\", \"features\": [{\"name\": \"a\"}]}",
		"{\"format\": 1, \"tailscale_version\": \"v1\", \"features\": [{\"omittable\": "
		"true}]}",
		"{\"format\": 1, \"tailscale_version\": \"v1\", \"features\": [{\"name\": \"a\","
		" \"omittable\": true, \"deps\": [1]}]}",
		"{\"format\": 1, \"tailscale_version\": \"v1\", \"features\": [{\"name\": \"a\","
		" \"omittable\": true}, {\"name\": \"a\", \"omittable\": true}]}",
	};
	struct feature_table t;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_int_equal(feature_table_parse(&t, bad[i], strlen(bad[i])), -1);
		assert_int_equal(t.n, 0);
		assert_null(t.v);
	}
}

static void parses_lists(void **state)
{
	struct feature_list l;

	(void)state;
	assert_int_equal(feature_list_parse(&l, allowlist_txt, "allowlist"), 0);
	assert_int_equal(l.n, 8);
	assert_string_equal(l.v[0].name, "advertiseexitnode");
	assert_string_equal(l.v[0].reason, "the router offers itself as an exit node");
	feature_list_release(&l);
	assert_int_equal(feature_list_parse(&l, waived_txt, "waived-deps"), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].reason, "single subnet router, upstream omits it");
	assert_non_null(feature_list_find(&l, "c2n"));
	assert_null(feature_list_find(&l, "c2"));
	feature_list_release(&l);
	assert_int_equal(feature_list_parse(&l, "", "empty"), 0);
	assert_int_equal(l.n, 0);
	assert_int_equal(feature_list_parse(&l, "last\tno newline", "x"), 0);
	assert_int_equal(l.n, 1);
	feature_list_release(&l);
}

/* The view image/build.sh sources: names one a line, every value quoted. */
static void renders_the_view_build_sh_sources(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct feature_list l;

	(void)state;
	assert_int_equal(feature_list_parse(&l, "gro\tsmall\n# x\nnetstack\tdns\n", "a"), 0);
	feature_list_env(&sb, "features_allowlist", "it's/allowlist", "ab12", &l);
	assert_string_equal(sb.buf, "features_allowlist_file='it'\\''s/allowlist'\n"
				    "features_allowlist_sha256='ab12'\n"
				    "features_allowlist='gro\nnetstack'\n");
	feature_list_release(&l);
	strbuf_reset(&sb);
	feature_list_env(&sb, "features_waived", "w", "cd", &l);
	assert_string_equal(sb.buf, "features_waived_file='w'\nfeatures_waived_sha256='cd'\n"
				    "features_waived=''\n");
	strbuf_release(&sb);
}

/* What must go with a feature the build cannot leave out alone. */
static void dependents_are_the_allowlisted_features_that_reach_it(void **state)
{
	struct fixture f;
	char **d;
	size_t n;

	(void)state;
	load(&f);
	d = feature_dependents(&f.t, &f.allow, "netstack", &n);
	/* gro needs it; cycb does too but is not allowlisted */
	assert_int_equal(n, 1);
	assert_string_equal(d[0], "gro");
	free(d[0]);
	free(d);
	/* through another allowlisted feature, sorted */
	d = feature_dependents(&f.t, &f.allow, "c2n", &n);
	assert_int_equal(n, 2);
	assert_string_equal(d[0], "advertiseexitnode");
	assert_string_equal(d[1], "advertiseroutes");
	for (size_t i = 0; i < n; i++)
		free(d[i]);
	free(d);
	assert_null(feature_dependents(&f.t, &f.allow, "useexitnode", &n));
	assert_int_equal(n, 0);
	assert_null(feature_dependents(&f.t, &f.allow, "nosuchfeature", &n));
	assert_int_equal(n, 0);
	release(&f);
}

static void rejects_bad_lists(void **state)
{
	static const char *const bad[] = {
		"netstack\n",            /* no reason */
		"netstack\t  \n",        /* blank reason */
		"net-stack\tdashes\n",   /* bad name */
		" netstack\tindented\n", /* the name would hold the blank */
		"gro\ta\ngro\tb\n",      /* twice */
		"\tno name\n",
	};
	struct feature_list l;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_int_equal(feature_list_parse(&l, bad[i], "x"), -1);
		assert_int_equal(l.n, 0);
	}
}

static void reads_tags(void **state)
{
	struct feature_table t;

	(void)state;
	assert_int_equal(feature_table_parse(&t, table_json, strlen(table_json)), 0);
	assert_false(feature_in_build(feature_table_find(&t, "c2n"), good_tags));
	assert_true(feature_in_build(feature_table_find(&t, "netstack"), good_tags));
	/* opt-in: only with ts_include_ */
	assert_true(feature_in_build(feature_table_find(&t, "cli"), good_tags));
	assert_false(feature_in_build(feature_table_find(&t, "cli"), "ts_omit_c2n"));
	/* whole tags only, comma or blank separated */
	assert_true(feature_in_build(feature_table_find(&t, "gro"), "ts_omit_groo,xts_omit_gro"));
	assert_false(feature_in_build(feature_table_find(&t, "gro"), "a ts_omit_gro b"));
	assert_true(feature_in_build(feature_table_find(&t, "gro"), ""));
	feature_table_release(&t);
}

static void good_build_passes_with_closure(void **state)
{
	struct fixture f;
	const struct closure_member *m;
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	load(&f);
	feature_judge(&f.t, &f.allow, &f.waived, good_tags, &f.v);
	assert_null(f.v.signature);
	assert_int_equal(f.v.n, 9); /* the 8 allowlisted + c2n */
	assert_int_equal(f.v.nallowlisted, 8);
	assert_int_equal(f.v.nbuilt, 8);
	assert_int_equal(f.v.nwaived, 1);
	assert_int_equal(f.v.nmissing, 0);
	assert_string_equal(f.v.m[0].name, "advertiseexitnode"); /* sorted */
	m = member(&f.v, "c2n");
	assert_int_equal(m->status, FEATURE_WAIVED);
	assert_false(m->allowlisted);
	assert_int_equal(m->nrequired_by, 1);
	assert_string_equal(m->required_by[0], "advertiseroutes");
	assert_string_equal(m->waiver, "single subnet router, upstream omits it");
	m = member(&f.v, "netstack");
	assert_int_equal(m->nrequired_by, 1);
	assert_string_equal(m->required_by[0], "gro");
	/* cli (opt-in) and osrouter are built but outside the closure */
	assert_int_equal(f.v.nextra, 2);
	assert_string_equal(f.v.extra[0], "cli (opt-in)");
	assert_string_equal(f.v.extra[1], "osrouter");
	assert_int_equal(f.v.nbuilt_total, 10);
	assert_int_equal(f.v.nstale, 0);
	feature_verdict_summary(&f.v, &sb);
	assert_non_null(strstr(sb.buf, "all 9 features"));
	strbuf_reset(&sb);
	feature_verdict_detail(&f.v, &sb);
	assert_non_null(strstr(sb.buf,
			       "  c2n                  waived  required by advertiseroutes; "
			       "waived: single subnet router"));
	assert_non_null(strstr(sb.buf, "  advertiseroutes      built   allowlisted; required by "
				       "advertiseexitnode\n"));
	assert_non_null(
		strstr(sb.buf, "also built (outside the closure): cli (opt-in), osrouter\n"));
	strbuf_release(&sb);
	release(&f);
}

/* no-peerapiserver: drop_allow=peerapiserver, so the build omits it. */
static void dropped_dependency_is_missing_dep(void **state)
{
	struct fixture f;
	const struct closure_member *m;
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	load(&f);
	drop(&f.allow, "peerapiserver");
	feature_judge(&f.t, &f.allow, &f.waived,
		      "ts_include_cli,ts_omit_c2n,ts_omit_cyca,ts_omit_cycb,ts_omit_peerapiserver,"
		      "ts_omit_ssh",
		      &f.v);
	assert_string_equal(f.v.signature, "missing-dep");
	assert_int_equal(f.v.n, 9); /* the closure still reaches it */
	m = member(&f.v, "peerapiserver");
	assert_int_equal(m->status, FEATURE_MISSING);
	assert_false(m->allowlisted);
	assert_true(m->needed_by_built);
	feature_verdict_summary(&f.v, &sb);
	assert_string_equal(sb.buf,
			    "dependencies neither in the binary nor waived: peerapiserver "
			    "(needed by advertiseexitnode) (Deps from tailscale.com v1.98.5's "
			    "featuretags)");
	strbuf_reset(&sb);
	feature_verdict_detail(&f.v, &sb);
	assert_non_null(strstr(sb.buf,
			       "  peerapiserver        MISSING required by advertiseexitnode; "
			       "a built feature lacks it\n"));
	strbuf_release(&sb);
	release(&f);
}

/* no-peerapiclient: omit=peerapiclient keeps it listed but omits it. */
static void omitted_allowlisted_dependency_is_missing_dep(void **state)
{
	struct fixture f;
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	load(&f);
	feature_judge(&f.t, &f.allow, &f.waived, "ts_omit_c2n,ts_omit_peerapiclient", &f.v);
	assert_string_equal(f.v.signature, "missing-dep");
	assert_true(member(&f.v, "peerapiclient")->allowlisted);
	assert_true(member(&f.v, "peerapiclient")->needed_by_built);
	feature_verdict_summary(&f.v, &sb);
	assert_string_equal(sb.buf, "dependencies neither in the binary nor waived: peerapiclient "
				    "(needed by useexitnode) (Deps from tailscale.com v1.98.5's "
				    "featuretags)");
	strbuf_release(&sb);
	release(&f);
}

/* no-netstack: netstack and gro omitted, nothing built needs them. */
static void omitted_allowlisted_features_are_not_built(void **state)
{
	struct fixture f;
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	load(&f);
	feature_judge(&f.t, &f.allow, &f.waived, "ts_omit_c2n,ts_omit_netstack,ts_omit_gro", &f.v);
	assert_string_equal(f.v.signature, "allowlisted-not-built");
	assert_int_equal(f.v.nmissing, 2);
	assert_false(member(&f.v, "netstack")->needed_by_built); /* gro is absent too */
	feature_verdict_summary(&f.v, &sb);
	assert_string_equal(sb.buf, "allowlisted features not in the binary: gro, netstack");
	strbuf_release(&sb);
	release(&f);
}

static void waiver_never_excuses_an_allowlisted_feature(void **state)
{
	struct fixture f;

	(void)state;
	load(&f);
	feature_list_add(&f.waived, "gro", "nice to have");
	feature_judge(&f.t, &f.allow, &f.waived, "ts_omit_c2n,ts_omit_gro", &f.v);
	assert_string_equal(f.v.signature, "allowlisted-not-built");
	assert_int_equal(member(&f.v, "gro")->status, FEATURE_MISSING);
	release(&f);
}

static void unwaived_dependency_fails_and_stale_waiver_is_noted(void **state)
{
	struct fixture f;
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	load(&f);
	feature_list_release(&f.waived);
	feature_list_add(&f.waived, "ssh", "never needed");
	feature_judge(&f.t, &f.allow, &f.waived, good_tags, &f.v);
	/* c2n: omitted, needed by the built advertiseroutes, no longer waived */
	assert_string_equal(f.v.signature, "missing-dep");
	assert_int_equal(f.v.nstale, 1);
	assert_string_equal(f.v.stale[0], "ssh");
	feature_verdict_detail(&f.v, &sb);
	assert_non_null(strstr(sb.buf, "waived but required by nothing in the closure: ssh\n"));
	strbuf_release(&sb);
	release(&f);
}

static void waived_but_built_passes(void **state)
{
	struct fixture f;
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	load(&f);
	feature_judge(&f.t, &f.allow, &f.waived, "", &f.v); /* nothing omitted */
	assert_null(f.v.signature);
	assert_int_equal(member(&f.v, "c2n")->status, FEATURE_BUILT);
	assert_false(feature_in_build(feature_table_find(&f.t, "cli"), ""));
	feature_verdict_detail(&f.v, &sb);
	assert_non_null(strstr(sb.buf, "waived (unused: it is built)"));
	strbuf_release(&sb);
	release(&f);
}

static void cycles_end_and_deps_of_absent_features_count(void **state)
{
	struct fixture f;
	struct feature_list allow = { 0 }, none = { 0 };
	struct feature_verdict v;

	(void)state;
	load(&f);
	feature_list_add(&allow, "cyca", NULL);
	feature_judge(&f.t, &allow, &none, "", &v);
	assert_null(v.signature);
	assert_int_equal(v.n, 3); /* cyca, cycb, netstack */
	assert_int_equal(member(&v, "cyca")->nrequired_by, 1);
	assert_string_equal(member(&v, "cyca")->required_by[0], "cycb");
	feature_verdict_release(&v);
	/* cyca allowlisted but absent, and so its deps: the root cause names it */
	feature_judge(&f.t, &allow, &none, "ts_omit_cyca,ts_omit_cycb,ts_omit_netstack", &v);
	assert_string_equal(v.signature, "allowlisted-not-built");
	assert_int_equal(v.nmissing, 3);
	feature_verdict_release(&v);
	/* a dependency only an absent, non-allowlisted feature needs */
	feature_list_add(&none, "cycb", "waived");
	feature_judge(&f.t, &allow, &none, "ts_omit_cycb,ts_omit_netstack", &v);
	assert_string_equal(v.signature, "missing-dep");
	assert_false(member(&v, "netstack")->needed_by_built);
	feature_verdict_release(&v);
	feature_list_release(&allow);
	feature_list_release(&none);
	release(&f);
}

static void unknown_names_and_tags(void **state)
{
	struct fixture f;
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	load(&f);
	feature_list_add(&f.allow, "gone", "removed by a bump");
	feature_judge(&f.t, &f.allow, &f.waived, "ts_omit_c2n,ts_omit_oldthing,ts_include_cli",
		      &f.v);
	assert_string_equal(f.v.signature, "unknown-feature");
	assert_int_equal(f.v.nunknown, 1);
	assert_false(member(&f.v, "gone")->known);
	assert_int_equal(f.v.nunknown_tags, 1);
	assert_string_equal(f.v.unknown_tags[0], "ts_omit_oldthing");
	feature_verdict_summary(&f.v, &sb);
	assert_string_equal(sb.buf,
			    "names tailscale.com v1.98.5's featuretags does not know: gone");
	strbuf_release(&sb);
	release(&f);
}

/*
 * A binary judged on its own (no allowlist), built as an image without
 * peerapiclient and c2n is: every built feature's Deps must be built or
 * waived, whatever any allowlist says.
 */
static void build_judged_on_its_own_features(void **state)
{
	static const char tags[] = "ts_include_cli,ts_omit_c2n,ts_omit_cyca,ts_omit_cycb,"
				   "ts_omit_peerapiclient,ts_omit_ssh";
	struct fixture f;
	struct feature_list none = { 0 };
	const struct closure_member *m;
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	load(&f);
	feature_judge_build(&f.t, &none, tags, &f.v);
	assert_true(f.v.of_build);
	assert_string_equal(f.v.signature, "missing-dep");
	/* built: advertiseexitnode, advertiseroutes, cli, gro, netstack, osrouter,
	 * peerapiserver, useexitnode, useroutes; plus the two they lack */
	assert_int_equal(f.v.nbuilt_total, 9);
	assert_int_equal(f.v.n, 11);
	assert_int_equal(f.v.nallowlisted, 0);
	assert_int_equal(f.v.nmissing, 2);
	assert_int_equal(f.v.nextra, 0);
	m = member(&f.v, "peerapiclient");
	assert_int_equal(m->status, FEATURE_MISSING);
	assert_true(m->needed_by_built);
	assert_string_equal(m->required_by[0], "useexitnode");
	assert_int_equal(member(&f.v, "c2n")->status, FEATURE_MISSING);
	assert_null(member(&f.v, "ssh")); /* not built: its Deps are no concern */
	feature_verdict_summary(&f.v, &sb);
	assert_string_equal(sb.buf, "dependencies neither in the binary nor waived: c2n (needed by "
				    "advertiseroutes), peerapiclient (needed by useexitnode) (Deps "
				    "from tailscale.com v1.98.5's featuretags)");
	strbuf_reset(&sb);
	feature_verdict_detail(&f.v, &sb);
	assert_non_null(strstr(sb.buf, "the binary's 9 features with their dependencies (Deps of "
				       "tailscale.com v1.98.5): 11 features (9 built, 0 waived, "
				       "2 missing)\n"));
	assert_non_null(strstr(sb.buf, "  peerapiclient        MISSING required by useexitnode; "
				       "a built feature lacks it\n"));
	strbuf_release(&sb);
	release(&f);
}

static void waivers_excuse_deps_of_a_build_judged_on_its_own(void **state)
{
	struct fixture f;
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	load(&f);
	/* the recipe's own build with its waived-deps: c2n waived, all else built */
	feature_judge_build(&f.t, &f.waived, good_tags, &f.v);
	assert_null(f.v.signature);
	assert_int_equal(member(&f.v, "c2n")->status, FEATURE_WAIVED);
	assert_int_equal(f.v.nwaived, 1);
	feature_verdict_summary(&f.v, &sb);
	assert_string_equal(sb.buf,
			    "every dependency of the 10 features in the binary is built or "
			    "waived (11 features with their dependencies: 10 built, 1 waived; "
			    "Deps from tailscale.com v1.98.5's featuretags)");
	feature_verdict_release(&f.v);
	/* a waiver can excuse peerapiclient too: then only c2n's absence is left */
	feature_list_release(&f.waived);
	feature_list_add(&f.waived, "peerapiclient", "the router never uses an exit node");
	feature_list_add(&f.waived, "ssh", "not built, so never needed");
	feature_judge_build(&f.t, &f.waived, "ts_omit_c2n,ts_omit_peerapiclient,ts_omit_ssh", &f.v);
	assert_string_equal(f.v.signature, "missing-dep");
	assert_int_equal(member(&f.v, "peerapiclient")->status, FEATURE_WAIVED);
	assert_int_equal(f.v.nstale, 1); /* ssh: nothing built needs it */
	strbuf_reset(&sb);
	feature_verdict_summary(&f.v, &sb);
	assert_string_equal(sb.buf,
			    "dependencies neither in the binary nor waived: c2n (needed by "
			    "advertiseroutes) (Deps from tailscale.com v1.98.5's featuretags)");
	strbuf_release(&sb);
	release(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_table),
		cmocka_unit_test(rejects_bad_tables),
		cmocka_unit_test(parses_lists),
		cmocka_unit_test(rejects_bad_lists),
		cmocka_unit_test(renders_the_view_build_sh_sources),
		cmocka_unit_test(dependents_are_the_allowlisted_features_that_reach_it),
		cmocka_unit_test(reads_tags),
		cmocka_unit_test(good_build_passes_with_closure),
		cmocka_unit_test(dropped_dependency_is_missing_dep),
		cmocka_unit_test(omitted_allowlisted_dependency_is_missing_dep),
		cmocka_unit_test(omitted_allowlisted_features_are_not_built),
		cmocka_unit_test(waiver_never_excuses_an_allowlisted_feature),
		cmocka_unit_test(unwaived_dependency_fails_and_stale_waiver_is_noted),
		cmocka_unit_test(waived_but_built_passes),
		cmocka_unit_test(cycles_end_and_deps_of_absent_features_count),
		cmocka_unit_test(unknown_names_and_tags),
		cmocka_unit_test(build_judged_on_its_own_features),
		cmocka_unit_test(waivers_excuse_deps_of_a_build_judged_on_its_own),
	};

	return cmocka_run_group_tests_name("featuretags", tests, NULL, NULL);
}
