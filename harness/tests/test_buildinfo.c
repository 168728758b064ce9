/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "buildinfo.h"

/* `go version -m` of an armv7 tailscale.combined (upx -d copy), shortened. */
static const char tailscaled_m[] =
	"/tmp/x/ts.un: go1.26.8\n"
	"\tpath\ttailscale.com/cmd/tailscaled\n"
	"\tmod\ttailscale.com\tv1.98.5\t\n"
	"\t=>\t./tailscale.com\t(devel)\t\n"
	"\tdep\tgithub.com/coreos/"
	"go-iptables\tv0.7.1-0.20240112124308-65c67c9f46e6\th1:8h5+"
	"bWd7R6AYUslN6c6iuZWTKsKxUFDlpnmilO6R2n0=\n"
	"\tdep\tgolang.org/x/sys\tv0.43.0\th1:Rlag2XtaFTxp19wS8MXlJwTvoh8ArU6ezoyFsMyCTNI=\n"
	"\tbuild\t-buildmode=exe\n"
	"\tbuild\t-compiler=gc\n"
	"\tbuild\t-gcflags=all=-l\n"
	"\tbuild\t-ldflags=\"-s -w -X tailscale.com/version.longStamp=1.98.5\"\n"
	"\tbuild\t-tags=ts_include_cli,ts_omit_ace,ts_omit_c2n,ts_omit_webclient\n"
	"\tbuild\t-trimpath=true\n"
	"\tbuild\tCGO_ENABLED=0\n"
	"\tbuild\tGOARCH=arm\n"
	"\tbuild\tGOOS=linux\n"
	"\tbuild\tGOARM=7\n";

static void parses_go_version_m(void **state)
{
	struct go_buildinfo bi;

	(void)state;
	assert_int_equal(go_buildinfo_parse(&bi, tailscaled_m), 0);
	assert_string_equal(bi.go_version, "go1.26.8");
	assert_string_equal(bi.path, "tailscale.com/cmd/tailscaled");
	assert_int_equal(bi.nmods, 3);
	assert_string_equal(bi.mods[0].path, "tailscale.com");
	assert_string_equal(bi.mods[0].replace, "./tailscale.com");
	assert_null(bi.mods[1].replace);
	/* a replaced module keeps the version it replaced */
	assert_string_equal(go_buildinfo_module_version(&bi, "tailscale.com"), "v1.98.5");
	assert_string_equal(go_buildinfo_module_version(&bi, "golang.org/x/sys"), "v0.43.0");
	assert_null(go_buildinfo_module_version(&bi, "tailscale"));
	assert_string_equal(go_buildinfo_setting(&bi, "-tags"),
			    "ts_include_cli,ts_omit_ace,ts_omit_c2n,ts_omit_webclient");
	assert_string_equal(go_buildinfo_setting(&bi, "-ldflags"),
			    "-s -w -X tailscale.com/version.longStamp=1.98.5");
	assert_string_equal(go_buildinfo_setting(&bi, "GOARM"), "7");
	assert_null(go_buildinfo_setting(&bi, "-race"));
	go_buildinfo_release(&bi);
}

static void reads_debug_buildinfo_form_and_quotes(void **state)
{
	static const char text[] = "go\tgo1.22.1\r\n"
				   "path\texample.com/cmd/x\r\n"
				   "build\t-tags=\"a b\\tc\"\n"
				   "build\tDEFAULT_GODEBUG=\"x=1\\\\y \\\"z\\\"\"\n";
	struct go_buildinfo bi;

	(void)state;
	assert_int_equal(go_buildinfo_parse(&bi, text), 0);
	assert_string_equal(bi.go_version, "go1.22.1");
	assert_string_equal(bi.path, "example.com/cmd/x");
	assert_int_equal(bi.nmods, 0);
	assert_string_equal(go_buildinfo_setting(&bi, "-tags"), "a b\tc");
	assert_string_equal(go_buildinfo_setting(&bi, "DEFAULT_GODEBUG"), "x=1\\y \"z\"");
	go_buildinfo_release(&bi);
}

static void rejects_text_without_build_info(void **state)
{
	struct go_buildinfo bi;

	(void)state;
	assert_int_equal(go_buildinfo_parse(&bi, ""), -1);
	assert_int_equal(go_buildinfo_parse(&bi, "/x/ts: could not read Go build info from "
						 "/x/ts: not a Go executable\n"),
			 -1);
	assert_int_equal(go_buildinfo_parse(&bi, "/x/ts: go1.26.8\n"), -1);
	assert_null(bi.go_version);
}

/* Parse text and ask for tailscale.com's version; the version, or NULL. */
static const char *release_of(const char *text, char *buf, size_t n, const char **from)
{
	struct go_buildinfo bi;
	int ret;

	assert_int_equal(go_buildinfo_parse(&bi, text), 0);
	ret = go_buildinfo_release_version(&bi, "tailscale.com", buf, n, from);
	go_buildinfo_release(&bi);
	return ret == 0 ? buf : NULL;
}

static void release_from_the_module_line(void **state)
{
	char v[64];
	const char *from = NULL;

	(void)state;
	/* image/build.sh's binary: mod line with a replacement to a directory */
	assert_string_equal(release_of(tailscaled_m, v, sizeof(v), &from), "v1.98.5");
	assert_string_equal(from, "mod");
	/* built in another module (go install): tailscale.com is a dependency */
	assert_string_equal(release_of("x: go1.26.8\n\tpath\ttailscale.com/cmd/tailscaled\n"
				       "\tmod\texample.com/router\t(devel)\t\n"
				       "\tdep\ttailscale.com\tv1.102.2\th1:abc=\n",
				       v, sizeof(v), &from),
			    "v1.102.2");
	assert_string_equal(from, "dep");
	/* pre-release kept, +dirty dropped */
	assert_string_equal(release_of("x: go1.26.8\n\tmod\ttailscale.com\tv1.103.0-pre\t\n", v,
				       sizeof(v), NULL),
			    "v1.103.0-pre");
	assert_string_equal(release_of("x: go1.26.8\n\tmod\ttailscale.com\t"
				       "v1.102.3-0.20260101120000-abcdef123456+dirty\t\n",
				       v, sizeof(v), NULL),
			    "v1.102.3-0.20260101120000-abcdef123456");
	/* too small a buffer is no version, never a cut one */
	assert_null(release_of(tailscaled_m, v, 7, NULL));
}

static void release_from_the_ldflags_stamp(void **state)
{
	char v[64];
	const char *from = NULL;

	(void)state;
	/* a source-tree build: (devel), the version only in the stamp */
	assert_string_equal(release_of("x: go1.26.8\n\tpath\ttailscale.com/cmd/tailscaled\n"
				       "\tmod\ttailscale.com\t(devel)\t\n"
				       "\tbuild\t-ldflags=\"-X tailscale.com/version.longStamp="
				       "1.102.2-t6f2a9c1b0-g0123456789 -X "
				       "tailscale.com/version.shortStamp=1.102.2\"\n",
				       v, sizeof(v), &from),
			    "v1.102.2");
	assert_string_equal(from, "-ldflags");
	/* longStamp alone, written -X=, quoted */
	assert_string_equal(release_of("x: go1.26.8\n\tmod\ttailscale.com\t(devel)\t\n"
				       "\tbuild\t-ldflags=\"-s -X='tailscale.com/version.longStamp="
				       "1.100.1-tabc'\"\n",
				       v, sizeof(v), NULL),
			    "v1.100.1");
	/* another module's stamp, or none at all: no version */
	assert_null(release_of("x: go1.26.8\n\tmod\ttailscale.com\t(devel)\t\n"
			       "\tbuild\t-ldflags=\"-X example.com/version.shortStamp=1.2.3\"\n",
			       v, sizeof(v), NULL));
	assert_null(release_of("x: go1.26.8\n\tmod\ttailscale.com\t(devel)\t\n"
			       "\tbuild\t-trimpath=true\n",
			       v, sizeof(v), NULL));
	assert_null(release_of("x: go1.26.8\n\tmod\ttailscale.com\tv1.x.2\t\n"
			       "\tbuild\t-ldflags=\"-X tailscale.com/version.shortStamp=1.2\"\n",
			       v, sizeof(v), NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_go_version_m),
		cmocka_unit_test(reads_debug_buildinfo_form_and_quotes),
		cmocka_unit_test(rejects_text_without_build_info),
		cmocka_unit_test(release_from_the_module_line),
		cmocka_unit_test(release_from_the_ldflags_stamp),
	};

	return cmocka_run_group_tests_name("buildinfo", tests, NULL, NULL);
}
