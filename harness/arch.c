/* SPDX-License-Identifier: BSD-3-Clause */
#include "arch.h"

#include "log.h"
#include "strbuf.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define ARCH_FIELDS 15

/*
 * Every value goes unquoted into the views (Make and sh), so it may hold
 * only these; a name is also part of variable names there.
 */
static const char value_chars[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._+/-";
static const char name_chars[] = "abcdefghijklmnopqrstuvwxyz0123456789";

static int copy_field(char *dst, size_t len, const char *src, const char *what)
{
	if (strlen(src) >= len)
		return error("arch table: %s '%s' is too long", what, src);
	if (src[strspn(src, value_chars)])
		return error("arch table: %s '%s' holds a character other than [A-Za-z0-9._+/-]",
			     what, src);
	memcpy(dst, src, strlen(src) + 1);
	return 0;
}

/* A column that may say "-" for none: none is "". */
static int copy_opt(char *dst, size_t len, const char *src, const char *what)
{
	return copy_field(dst, len, strcmp(src, "-") ? src : "", what);
}

/* The ocialias column: "-" for none, else spellings separated by single commas. */
static int copy_aliases(char *dst, size_t len, const char *src)
{
	if (!strcmp(src, "-"))
		return copy_opt(dst, len, src, "ocialias");
	if (strlen(src) >= len)
		return error("arch table: ocialias '%s' is too long", src);
	for (const char *p = src; *p; p++)
		if (*p == ',' ? p == src || !p[1] || p[1] == ',' : !strchr(value_chars, *p))
			return error("arch table: ocialias '%s' is not spellings of "
				     "[A-Za-z0-9._+/-] separated by commas",
				     src);
	memcpy(dst, src, strlen(src) + 1);
	return 0;
}

static int split_pair(const char *src, char *a, size_t alen, char *b, size_t blen, const char *what)
{
	const char *slash = strchr(src, '/');
	char head[64];
	size_t n = slash ? (size_t)(slash - src) : strlen(src);

	if (n >= sizeof(head))
		return error("arch table: %s '%s' is too long", what, src);
	memcpy(head, src, n);
	head[n] = '\0';
	if (copy_field(a, alen, head, what) < 0)
		return -1;
	return copy_field(b, blen, slash ? slash + 1 : "", what);
}

int arch_parse_line(const char *line, struct arch *out)
{
	char buf[512], *f[ARCH_FIELDS + 1], *save = NULL, *tok;
	int n = 0;

	while (*line == ' ' || *line == '\t')
		line++;
	if (!*line || *line == '#' || *line == '\n')
		return 0;
	if (strlen(line) >= sizeof(buf))
		return error("arch table: line too long");
	memcpy(buf, line, strlen(line) + 1);
	for (tok = strtok_r(buf, " \t\r\n", &save); tok && n <= ARCH_FIELDS;
	     tok = strtok_r(NULL, " \t\r\n", &save))
		f[n++] = tok;
	if (n != ARCH_FIELDS)
		return error("arch table: expected %d fields, got %d in '%.40s'", ARCH_FIELDS, n,
			     line);
	memset(out, 0, sizeof(*out));
	if (f[0][strspn(f[0], name_chars)])
		return error("arch table: name '%s' is not [a-z0-9]+", f[0]);
	if (copy_field(out->name, sizeof(out->name), f[0], "name") < 0 ||
	    split_pair(f[1], out->oci_arch, sizeof(out->oci_arch), out->oci_variant,
		       sizeof(out->oci_variant), "oci platform") < 0 ||
	    copy_opt(out->oci_base, sizeof(out->oci_base), f[2], "ocibase") < 0 ||
	    copy_aliases(out->oci_alias, sizeof(out->oci_alias), f[3]) < 0 ||
	    copy_field(out->debarch, sizeof(out->debarch), f[4], "debarch") < 0 ||
	    copy_field(out->kernelpkg, sizeof(out->kernelpkg), f[5], "kernelpkg") < 0 ||
	    copy_field(out->triple, sizeof(out->triple), f[6], "triple") < 0 ||
	    split_pair(f[7], out->goarch, sizeof(out->goarch), out->goarm, sizeof(out->goarm),
		       "goarch") < 0 ||
	    copy_field(out->qemu, sizeof(out->qemu), f[8], "qemu") < 0 ||
	    copy_field(out->qemupkg, sizeof(out->qemupkg), f[9], "qemupkg") < 0 ||
	    copy_field(out->machine, sizeof(out->machine), f[10], "machine") < 0 ||
	    copy_field(out->cpu, sizeof(out->cpu), f[11], "cpu") < 0 ||
	    copy_field(out->console, sizeof(out->console), f[12], "console") < 0 ||
	    copy_opt(out->native, sizeof(out->native), f[14], "native") < 0)
		return -1;
	if (!strcmp(f[13], "pci"))
		out->virtio_pci = 1;
	else if (strcmp(f[13], "mmio"))
		return error("arch table: virtio must be 'mmio' or 'pci', not '%s'", f[13]);
	return 1;
}

static int for_each_arch(const char *table_path, int (*fn)(const struct arch *, void *), void *data)
{
	FILE *fp = fopen(table_path, "re");
	char line[512];
	int ret = 0;

	if (!fp)
		return error_errno("cannot open arch table '%s'", table_path);
	while (fgets(line, sizeof(line), fp)) {
		struct arch a;
		int r = arch_parse_line(line, &a);

		if (r < 0) {
			ret = -1;
			break;
		}
		if (r == 1 && (ret = fn(&a, data)) != 0)
			break;
	}
	fclose(fp);
	return ret;
}

struct names_ctx {
	struct strbuf sb;
};

static int add_name(const struct arch *a, void *data)
{
	struct names_ctx *ctx = data;

	strbuf_addf(&ctx->sb, "%s%s", ctx->sb.len ? " " : "", a->name);
	return 0;
}

int arch_names(const char *table_path, char *buf, size_t len)
{
	struct names_ctx ctx = { STRBUF_INIT };
	int ret = for_each_arch(table_path, add_name, &ctx);

	snprintf(buf, len, "%s", strbuf_str(&ctx.sb));
	strbuf_release(&ctx.sb);
	return ret;
}

struct find_ctx {
	const char *name;
	struct arch *out;
};

static int match_name(const struct arch *a, void *data)
{
	struct find_ctx *ctx = data;

	if (strcmp(a->name, ctx->name))
		return 0;
	*ctx->out = *a;
	return 1;
}

int arch_lookup(const char *table_path, const char *name, struct arch *out)
{
	struct find_ctx ctx = { name, out };
	char names[128];
	int r = for_each_arch(table_path, match_name, &ctx);

	if (r == 1)
		return 0;
	if (r < 0)
		return -1;
	arch_names(table_path, names, sizeof(names));
	return error("unknown ARCH '%s' (valid: %s)", name, names);
}

static int add_arch(const struct arch *a, void *data)
{
	struct arch_table *t = data;

	if (t->n == ARCH_TABLE_MAX)
		return error("arch table: more than %d arches", ARCH_TABLE_MAX);
	t->v[t->n++] = *a;
	return 0;
}

int arch_table_load(const char *table_path, struct arch_table *out)
{
	out->n = 0;
	return for_each_arch(table_path, add_arch, out) ? -1 : 0;
}

int arch_oci_is(const struct arch *a, const char *spelling)
{
	size_t n = strlen(spelling);

	if (!strcmp(spelling, a->oci_arch))
		return 1;
	for (const char *p = a->oci_alias; *p;) {
		size_t len = strcspn(p, ",");

		if (len == n && !strncmp(p, spelling, n))
			return 1;
		p += len + (p[len] == ',');
	}
	return 0;
}

const char *arch_oci_name(const struct arch_table *t, const char *spelling)
{
	for (size_t i = 0; i < t->n; i++)
		if (arch_oci_is(&t->v[i], spelling))
			return t->v[i].oci_arch;
	return spelling;
}

/* One fact of an arch as both views name it (ARCH_<key>). */
struct view_fact {
	const char *key;
	const char *val;
};

#define VIEW_FACTS 16

struct view {
	char oci[32]; /* the oci column again: "arm/v7" */
	struct view_fact f[VIEW_FACTS];
};

static void view_of(const struct arch *a, struct view *v)
{
	snprintf(v->oci, sizeof(v->oci), "%s%s%s", a->oci_arch, a->oci_variant[0] ? "/" : "",
		 a->oci_variant);
	v->f[0] = (struct view_fact){ "NAME", a->name };
	v->f[1] = (struct view_fact){ "OCI", v->oci };
	v->f[2] = (struct view_fact){ "OCIBASE", a->oci_base };
	v->f[3] = (struct view_fact){ "OCIALIAS", a->oci_alias };
	v->f[4] = (struct view_fact){ "DEBARCH", a->debarch };
	v->f[5] = (struct view_fact){ "KERNELPKG", a->kernelpkg };
	v->f[6] = (struct view_fact){ "TRIPLE", a->triple };
	v->f[7] = (struct view_fact){ "GOARCH", a->goarch };
	v->f[8] = (struct view_fact){ "GOARM", a->goarm };
	v->f[9] = (struct view_fact){ "QEMU", a->qemu };
	v->f[10] = (struct view_fact){ "QEMUPKG", a->qemupkg };
	v->f[11] = (struct view_fact){ "MACHINE", a->machine };
	v->f[12] = (struct view_fact){ "CPU", a->cpu };
	v->f[13] = (struct view_fact){ "CONSOLE", a->console };
	v->f[14] = (struct view_fact){ "VIRTIO", a->virtio_pci ? "pci" : "mmio" };
	v->f[15] = (struct view_fact){ "NATIVE", a->native };
}

static void view_header(struct strbuf *out, const char *table_path, const char *how)
{
	strbuf_addf(out,
		    "# Generated from %s by `tscanary arch %s` (make arches): do not edit.\n"
		    "# make check (arches-check) fails when this differs from what it prints.\n",
		    table_path, how);
}

static int add_make_facts(const struct arch *a, void *data)
{
	struct strbuf *out = data;
	struct view v;

	view_of(a, &v);
	strbuf_addch(out, '\n');
	for (size_t i = 0; i < VIEW_FACTS; i++)
		strbuf_addf(out, "ARCH_%s_%s :=%s%s\n", a->name, v.f[i].key,
			    v.f[i].val[0] ? " " : "", v.f[i].val);
	return 0;
}

int arch_make_view(const char *table_path, struct strbuf *out)
{
	char names[256];

	if (arch_names(table_path, names, sizeof(names)) < 0)
		return -1;
	view_header(out, table_path, "--make");
	strbuf_addf(out, "ARCHES := %s\n", names);
	return for_each_arch(table_path, add_make_facts, out);
}

static int add_sh_case(const struct arch *a, void *data)
{
	struct strbuf *out = data;
	struct view v;

	view_of(a, &v);
	strbuf_addf(out, "\t%s)\n", a->name);
	for (size_t i = 0; i < VIEW_FACTS; i++)
		strbuf_addf(out, "\t\tARCH_%s=%s\n", v.f[i].key, v.f[i].val);
	strbuf_addstr(out, "\t\t;;\n");
	return 0;
}

int arch_sh_view(const char *table_path, struct strbuf *out)
{
	struct view keys;
	char names[256];

	if (arch_names(table_path, names, sizeof(names)) < 0)
		return -1;
	/* SC2034: ARCHES is for whoever sources it */
	strbuf_addstr(out, "# shellcheck shell=sh disable=SC2034\n");
	view_header(out, table_path, "--sh");
	strbuf_addf(out, "ARCHES='%s'\n\n", names);
	strbuf_addstr(out,
		      "# arch_set NAME: set and export the ARCH_* facts of arch NAME; status 1\n"
		      "# when there is none.\narch_set() {\n\tcase $1 in\n");
	if (for_each_arch(table_path, add_sh_case, out) < 0)
		return -1;
	strbuf_addstr(out, "\t*) return 1 ;;\n\tesac\n\texport");
	view_of(&(struct arch){ 0 }, &keys);
	for (size_t i = 0; i < VIEW_FACTS; i++)
		strbuf_addf(out, "%sARCH_%s", i && !(i % 6) ? " \\\n\t\t" : " ", keys.f[i].key);
	strbuf_addstr(out, "\n}\n");
	return 0;
}
