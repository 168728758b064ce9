#include "canary.h"

#include <stdarg.h>
#include <string.h>

int canary_quad100_router(struct scenario *s, struct canary_outcome *out);

const struct canary canary_registry[] = {
	{
		.name = "quad100-router",
		.where = CANARY_ROUTER,
		.run = canary_quad100_router,
		.timeout_s = 40,
		.proves = "MagicDNS on 100.100.100.100 answers inside the router over UDP and TCP: "
			  "the router's own tailnet name and a name forwarded to the upstream resolver",
		.guards = "no-netstack",
	},
};

const size_t canary_count = sizeof(canary_registry) / sizeof(canary_registry[0]);

const struct canary *canary_find(const char *name)
{
	for (size_t i = 0; i < canary_count; i++)
		if (!strcmp(canary_registry[i].name, name))
			return &canary_registry[i];
	return NULL;
}

const char *canary_where_name(enum canary_where w)
{
	switch (w) {
	case CANARY_ROUTER:
		return "router";
	case CANARY_CLIENT:
		return "client";
	case CANARY_HOST:
		return "host";
	}
	return "?";
}

void canary_fail(struct canary_outcome *out, const char *signature, const char *fmt, ...)
{
	va_list ap;

	out->verdict = VERDICT_FAIL;
	if (!out->signature.len)
		strbuf_addstr(&out->signature, signature);
	if (out->summary.len)
		return; /* keep the first reason */
	va_start(ap, fmt);
	strbuf_vaddf(&out->summary, fmt, ap);
	va_end(ap);
}
