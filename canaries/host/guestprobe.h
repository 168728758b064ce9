/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TSCANARY_GUESTPROBE_H
#define TSCANARY_GUESTPROBE_H

#include "canary.h"

/*
 * Probe programs (canaries/guest/: dnsprobe, httpget) run either in the
 * router through the agent, or on the host inside a lab namespace (the
 * amd64 build), so both sides produce the same evidence lines.
 */

/* One run of a probe program. */
struct guestprobe {
	int exit_code;     /* 0 pass, 1 mismatch, 2 no answer, 3 error; -1 lost */
	char line[1024];   /* its evidence line */
	double latency_ms; /* from the evidence, -1 if absent */
};

/* Where a probe runs: the router (netns NULL) or a lab namespace. */
struct probe_site {
	const char *netns; /* NULL: inside the router VM */
};

/*
 * Run dnsprobe for one query and record the evidence line in out->detail
 * under label. expect may be NULL (rcode only). Returns 0 when the probe
 * ran, -1 when it could not be run at all.
 */
int probe_dns(struct scenario *s, const struct probe_site *where, struct canary_outcome *out,
	      const char *label, const char *server, const char *name, const char *transport,
	      const char *expect, int timeout_ms, struct guestprobe *res);
/* probe_dns() for a query type ("A", "AAAA", "TXT"; NULL: dnsprobe's default, A). */
int probe_dns_type(struct scenario *s, const struct probe_site *where, struct canary_outcome *out,
		   const char *label, const char *server, const char *name, const char *type,
		   const char *transport, const char *expect, int timeout_ms,
		   struct guestprobe *res);
/*
 * How long a GET that must be answered waits, before scaling. The lab's
 * GETs are answered in tens of milliseconds once the tunnel is up, in about
 * 150 ms with a first WireGuard handshake, but a first handshake can be
 * lost, and WireGuard tries again only 5 s later: the first GET between
 * two peers after the router came online was measured answered after 5.3 s
 * (peerapi-doh's, once in five runs). 8 s holds that retry and the SYN
 * it carries.
 */
#define PROBE_ANSWER_MS 8000
/* Run httpget for url (expecting HTTP 200); evidence as for probe_dns(). */
int probe_http(struct scenario *s, const struct probe_site *where, struct canary_outcome *out,
	       const char *label, const char *url, int timeout_ms, struct guestprobe *res);
/*
 * Sets: the probes of a set run at once, so probes that can only pass by
 * timing out wait together, and their evidence goes into the detail in the
 * set's order. A set runs all in the router (one shell of the agent starts
 * them; a set of one is run by the agent directly) or all in lab
 * namespaces (any mix of them), never both.
 */
/* One httpget of a set (probe_http_set()). */
struct http_probe {
	const struct probe_site *where;
	const char *label;
	const char *url;
	int timeout_ms;
	struct guestprobe res; /* out */
};
/* probe_http() for every probe of set at once; 0, or -1 when any could not be run. */
int probe_http_set(struct scenario *s, struct canary_outcome *out, struct http_probe *set,
		   size_t n);
/* One dnsprobe of a set (probe_dns_set()). */
struct dns_probe {
	const struct probe_site *where;
	const char *label;
	const char *server;
	const char *name;
	const char *type; /* "A", "AAAA", "TXT"; NULL: dnsprobe's default, A */
	const char *transport;
	const char *expect; /* NULL: rcode only */
	int timeout_ms;
	struct guestprobe res; /* out */
};
/* probe_dns_type() for every probe of set at once; 0, or -1 when any could not be run. */
int probe_dns_set(struct scenario *s, struct canary_outcome *out, struct dns_probe *set, size_t n);

/*
 * The router's side of a set, pure for its tests. probeset_script writes
 * the busybox sh script that starts argvs[0..n) at once and then reports
 * each in order: a line "STATUS OUTBYTES ERRBYTES" (STATUS the shell's $?)
 * followed by its stdout and stderr. probeset_split cuts that report into
 * parts (pointers into buf; status a wait status); -1 with a message when
 * it is not n well-formed reports.
 */
struct probeset_part {
	int status;
	const char *out, *err;
	size_t out_len, err_len;
};
void probeset_script(struct strbuf *sb, const char *const *const *argvs, size_t n);
int probeset_split(const char *buf, size_t len, struct probeset_part *parts, size_t n);
/* The router's dnsprobe (kept for the router canaries' brevity). */
int guest_dnsprobe(struct scenario *s, struct canary_outcome *out, const char *label,
		   const char *server, const char *name, const char *transport, const char *expect,
		   int timeout_ms, struct guestprobe *res);

/* Map a probe's exit code to a failure signature ("no-answer", ...). */
const char *guestprobe_signature(int exit_code);

#endif
