/* SPDX-License-Identifier: BSD-3-Clause */
#include "flash.h"

#include "log.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

/*
 * What tailscaled keeps on the router's flash in a sound build: its state
 * (keys, profile, prefs) and the last DERP map, which net/dnsfallback
 * rewrites only when control sends a different one.
 */
const char *const flash_allowed_files[] = { "tailscaled.state", "derpmap.cached.json", NULL };

/* Parse a decimal unsigned number at *p, moving *p past it; -1 if none. */
static int parse_unsigned(const char **p, unsigned long long max, unsigned long long *v)
{
	char *end;

	if (**p < '0' || **p > '9')
		return -1;
	errno = 0;
	*v = strtoull(*p, &end, 10);
	if (errno || *v > max)
		return -1;
	*p = end;
	return 0;
}

/* Only trailing whitespace may follow. */
static int at_end(const char *p)
{
	while (*p == '\n' || *p == ' ' || *p == '\t' || *p == '\r')
		p++;
	return *p == '\0';
}

int flash_parse_devnum(const char *text, unsigned *major, unsigned *minor)
{
	unsigned long long ma, mi;
	const char *p = text;

	if (parse_unsigned(&p, 0xffffffffULL, &ma) < 0 || *p++ != ':' ||
	    parse_unsigned(&p, 0xffffffffULL, &mi) < 0 || !at_end(p))
		return error("'%s' is not a block device number MAJOR:MINOR", text);
	*major = (unsigned)ma;
	*minor = (unsigned)mi;
	return 0;
}

int flash_dev_matches(const char *text, unsigned major, unsigned minor, unsigned *got_major,
		      unsigned *got_minor)
{
	unsigned long long dev;
	const char *p = text;

	if (parse_unsigned(&p, ~0ULL, &dev) < 0 || !at_end(p))
		return error("'%s' is not a device number (stat -c %%d)", text);
	/* the guest's libc encodes st_dev as glibc does: decode it the same way */
	*got_major = gnu_dev_major(dev);
	*got_minor = gnu_dev_minor(dev);
	return *got_major == major && *got_minor == minor;
}

static int allowed(const char *name)
{
	for (const char *const *f = flash_allowed_files; *f; f++)
		if (!strcmp(name, *f))
			return 1;
	return 0;
}

int flash_judge_listing(const char *listing, const char *dir, struct strbuf *unexpected,
			int *has_state)
{
	size_t dlen = strlen(dir);
	int n = 0;

	*has_state = 0;
	for (const char *line = listing; *line;) {
		size_t len = strcspn(line, "\n");
		const char *sp = memchr(line, ' ', len), *name;
		size_t nlen;

		if (len == 0) {
			line++;
			continue;
		}
		for (const char *c = line; c < (sp ? sp : line); c++)
			if (*c < '0' || *c > '9')
				sp = NULL;
		if (!sp || sp == line || (size_t)(line + len - (sp + 1)) <= dlen + 1 ||
		    strncmp(sp + 1, dir, dlen) || sp[1 + dlen] != '/')
			return error("state dir listing line '%.*s' is not 'SIZE %s/NAME'",
				     (int)len, line, dir);
		name = sp + 1 + dlen + 1;
		nlen = (size_t)(line + len - name);
		{
			char *entry = xasprintf("%.*s", (int)nlen, name);

			if (!strcmp(entry, "tailscaled.state"))
				*has_state = 1;
			if (!allowed(entry)) {
				/* nested entries ("profile-x/netmap-cache/...") never qualify */
				strbuf_addf(unexpected, "%.*s\n", (int)len, line);
				n++;
			}
			free(entry);
		}
		line += len;
		if (*line == '\n')
			line++;
	}
	return n;
}

int flash_parse_dns_query(const char *json, size_t len, struct strbuf *rcode,
			  struct strbuf *answers)
{
	json_error_t jerr;
	json_t *j = json_loadb(json ? json : "", json ? len : 0, 0, &jerr), *a, *rc;
	size_t i;

	if (!j)
		return error("cannot parse tailscale dns query --json: %s", jerr.text);
	rc = json_object_get(j, "ResponseCode");
	a = json_object_get(j, "Answers");
	if (!json_is_string(rc) || (a && !json_is_null(a) && !json_is_array(a))) {
		json_decref(j);
		return error("tailscale dns query --json has no ResponseCode or a bad Answers");
	}
	strbuf_addstr(rcode, json_string_value(rc));
	json_array_foreach(a, i, rc)
	{
		const char *body = json_string_value(json_object_get(rc, "Body"));

		strbuf_addf(answers, "%s%s", i ? "," : "", body ? body : "?");
	}
	json_decref(j);
	return 0;
}

long long flash_sectors_delta(unsigned long long before, unsigned long long after)
{
	return after < before ? -1 : (long long)(after - before);
}
