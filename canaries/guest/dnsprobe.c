/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dnsprobe: one DNS query, one line of evidence.  Runs inside the router
 * guest (statically linked with ldns for every arch).
 *
 *   dnsprobe -s SERVER[:PORT] -n NAME [-t A|AAAA|TXT] [-T udp|tcp]
 *            [-w TIMEOUT_MS] [-b SOURCE_ADDR] [-e EXPECTED ...] [-r RCODE]
 *
 * The query is built and parsed with ldns and sent on our own socket, so
 * the timeout covers the whole exchange exactly (TCP connect included) and
 * the latency is measured around it.  stdout gets, e.g.:
 *
 *   server=198.51.100.53 transport=udp name=www.canary.test type=A
 *   rcode=NOERROR flags=qr,aa,rd answers=198.51.100.80
 *   expected=198.51.100.80 latency_ms=0.412 result=pass reason=match
 *
 * (one line).  rcode, flags and answers appear only when a reply came.
 * Exit 0: the rcode was as expected (default NOERROR) and, with -e, the set
 * of answers (A/AAAA addresses or TXT strings of the queried type) equals
 * the expected set exactly.  Exit 1: a reply came and did not match
 * (reason=rcode_mismatch, answers_mismatch, malformed_reply, id_mismatch).
 * Exit 2: no reply (reason=timeout, refused, reset, closed, ...).  Exit 3:
 * usage or local error (result=error).  A truncated UDP reply (tc in flags)
 * is judged as it came: one query, no fallback (ask again with -T tcp).
 */
#include "netio.h"
#include "probe.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <ldns/ldns.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_TIMEOUT_MS 3000
#define MAX_TIMEOUT_MS     600000
#define DNS_HEADER_LEN     12

struct dnsprobe {
	const char *server_text;
	struct netio_addr server;
	struct netio_addr source;
	int have_source;
	int tcp;
	const char *name;
	ldns_rr_type type;
	const char *type_name;
	unsigned long timeout_ms;
	char **raw_expected; /* -e as given */
	size_t n_raw_expected;
	char **expected; /* normalised once -t is known, sorted, unique first */
	size_t n_expected;
	size_t n_unique_expected;
	int expect_answers;
	int rcode;
	int rcode_given;

	uint16_t id;
	uint8_t *reply_wire;
	size_t reply_len;
	ldns_pkt *reply;
	char **answers;
	size_t n_answers;
	double latency_ms;
};

static const char usage_text[] =
	"usage: dnsprobe -s SERVER[:PORT] -n NAME [-t A|AAAA|TXT] [-T udp|tcp]\n"
	"                [-w TIMEOUT_MS] [-b SOURCE_ADDR] [-e EXPECTED ...]\n"
	"                [-r RCODE]\n";

/* Header rcodes (RFC 1035, 2136); others print as numbers. */
static const char *const rcode_names[] = {
	"NOERROR",  "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",  "REFUSED",
	"YXDOMAIN", "YXRRSET", "NXRRSET",  "NOTAUTH",  "NOTZONE",
};
#define N_RCODES (int)(sizeof(rcode_names) / sizeof(rcode_names[0]))

static const struct {
	const char *name;
	ldns_rr_type type;
} types[] = {
	{ "A", LDNS_RR_TYPE_A },
	{ "AAAA", LDNS_RR_TYPE_AAAA },
	{ "TXT", LDNS_RR_TYPE_TXT },
};

/* Append s (owned by the list from now on, freed on failure): 0, or -1. */
static int push_string(char ***list, size_t *n, char *s)
{
	char **grown;

	if (!s)
		return probe_error_errno("cannot copy a string");
	grown = realloc(*list, (*n + 1) * sizeof(**list));
	if (!grown) {
		free(s);
		return probe_error_errno("cannot grow a list");
	}
	*list = grown;
	(*list)[(*n)++] = s;
	return 0;
}

static int parse_rcode(const char *text, int *rcode)
{
	unsigned long v;
	int i;

	for (i = 0; i < N_RCODES; i++) {
		if (!strcasecmp(text, rcode_names[i])) {
			*rcode = i;
			return 0;
		}
	}
	if (probe_parse_ulong("rcode", text, 0, 15, &v))
		return -1;
	*rcode = (int)v;
	return 0;
}

static void rcode_text(int rcode, char *buf, size_t size)
{
	if (rcode >= 0 && rcode < N_RCODES)
		snprintf(buf, size, "%s", rcode_names[rcode]);
	else
		snprintf(buf, size, "%d", rcode);
}

static int cmp_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Sort, and move duplicates past the returned count (swapped, not
 * overwritten: the list still owns every string), so lists compare as sets.
 */
static size_t sort_unique(char **list, size_t n)
{
	size_t i, out = 0;
	char *tmp;

	if (!n)
		return 0;
	qsort(list, n, sizeof(*list), cmp_strings);
	for (i = 1; i < n; i++) {
		if (!strcmp(list[i], list[out]))
			continue;
		tmp = list[++out];
		list[out] = list[i];
		list[i] = tmp;
	}
	return out + 1;
}

/* Expected addresses are kept in inet_ntop() form, so "::01" matches "::1". */
static int add_expected(struct dnsprobe *p, const char *text)
{
	char buf[INET6_ADDRSTRLEN];
	unsigned char bin[16];
	int af;

	if (p->type == LDNS_RR_TYPE_TXT)
		return push_string(&p->expected, &p->n_expected, strdup(text));
	af = p->type == LDNS_RR_TYPE_A ? AF_INET : AF_INET6;
	if (inet_pton(af, text, bin) != 1 || !inet_ntop(af, bin, buf, sizeof(buf)))
		return probe_error("expected '%s' is not an %s address", text, p->type_name);
	return push_string(&p->expected, &p->n_expected, strdup(buf));
}

static int parse_args(struct dnsprobe *p, int argc, char **argv)
{
	const char *source = NULL;
	size_t i;
	int c;

	p->type = LDNS_RR_TYPE_A;
	p->type_name = "A";
	p->timeout_ms = DEFAULT_TIMEOUT_MS;
	while ((c = getopt(argc, argv, "s:n:t:T:w:b:e:r:h")) != -1) {
		switch (c) {
		case 's': p->server_text = optarg; break;
		case 'n': p->name = optarg; break;
		case 't':
			for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
				if (!strcasecmp(optarg, types[i].name))
					break;
			if (i == sizeof(types) / sizeof(types[0]))
				return probe_error("unsupported type '%s'", optarg);
			p->type = types[i].type;
			p->type_name = types[i].name;
			break;
		case 'T':
			if (!strcmp(optarg, "tcp"))
				p->tcp = 1;
			else if (strcmp(optarg, "udp"))
				return probe_error("invalid transport '%s'", optarg);
			break;
		case 'w':
			if (probe_parse_ulong("timeout", optarg, 1, MAX_TIMEOUT_MS, &p->timeout_ms))
				return -1;
			break;
		case 'b': source = optarg; break;
		case 'e':
			/* Kept raw until -t is known: it decides their form. */
			if (push_string(&p->raw_expected, &p->n_raw_expected, strdup(optarg)))
				return -1;
			break;
		case 'r':
			if (parse_rcode(optarg, &p->rcode))
				return -1;
			p->rcode_given = 1;
			break;
		default: return -1;
		}
	}
	if (optind != argc)
		return probe_error("unexpected argument '%s'", argv[optind]);
	if (!p->server_text || !p->name)
		return probe_error("-s SERVER and -n NAME are required");
	if (netio_parse_hostport(p->server_text, 53, &p->server))
		return -1;
	if (source) {
		if (netio_parse_addr(source, &p->source))
			return -1;
		if (p->source.ss.ss_family != p->server.ss.ss_family)
			return probe_error("source '%s' and server '%s' differ in family", source,
					   p->server_text);
		p->have_source = 1;
	}
	p->expect_answers = p->n_raw_expected > 0;
	for (i = 0; i < p->n_raw_expected; i++)
		if (add_expected(p, p->raw_expected[i]))
			return -1;
	p->n_unique_expected = sort_unique(p->expected, p->n_expected);
	return 0;
}

static uint16_t random_id(void)
{
	struct timespec ts;
	uint16_t id;

	/* Never block: early in a guest's boot the pool may not be ready. */
	if (getrandom(&id, sizeof(id), GRND_NONBLOCK) == sizeof(id))
		return id;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint16_t)(ts.tv_nsec ^ getpid());
}

static int build_query(struct dnsprobe *p, uint8_t **wire, size_t *len)
{
	ldns_pkt *query;
	ldns_status st;

	st = ldns_pkt_query_new_frm_str(&query, p->name, p->type, LDNS_RR_CLASS_IN, LDNS_RD);
	if (st != LDNS_STATUS_OK)
		return probe_error("cannot build a query for '%s': %s", p->name,
				   ldns_get_errorstr_by_id(st));
	p->id = random_id();
	ldns_pkt_set_id(query, p->id);
	st = ldns_pkt2wire(wire, query, len);
	ldns_pkt_free(query);
	if (st != LDNS_STATUS_OK)
		return probe_error("cannot encode the query for '%s': %s", p->name,
				   ldns_get_errorstr_by_id(st));
	return 0;
}

/* A UDP datagram is ours if it carries our id and is a response. */
static int udp_exchange(struct dnsprobe *p, int fd, const uint8_t *wire, size_t len,
			double deadline)
{
	uint8_t *buf = malloc(LDNS_MAX_PACKETLEN);
	ssize_t n;

	if (!buf) {
		errno = ENOMEM;
		return -1;
	}
	if (netio_write_all(fd, wire, len, deadline))
		goto fail;
	for (;;) {
		n = netio_read_some(fd, buf, LDNS_MAX_PACKETLEN, deadline);
		if (n < 0)
			goto fail;
		if (n >= DNS_HEADER_LEN && LDNS_ID_WIRE(buf) == p->id && LDNS_QR_WIRE(buf))
			break;
		fprintf(stderr, "dnsprobe: ignoring a stray %zd-byte datagram\n", n);
	}
	p->reply_wire = buf;
	p->reply_len = (size_t)n;
	return 0;
fail:
	free(buf);
	return -1;
}

static int tcp_exchange(struct dnsprobe *p, int fd, const uint8_t *wire, size_t len,
			double deadline)
{
	uint8_t prefix[2] = { (uint8_t)(len >> 8), (uint8_t)len };
	size_t reply_len;
	uint8_t *buf;

	/* One write for prefix and message: some servers read them as one. */
	buf = malloc(len + 2);
	if (!buf) {
		errno = ENOMEM;
		return -1;
	}
	memcpy(buf, prefix, 2);
	memcpy(buf + 2, wire, len);
	if (netio_write_all(fd, buf, len + 2, deadline)) {
		free(buf);
		return -1;
	}
	free(buf);
	if (netio_read_full(fd, prefix, 2, deadline))
		return -1;
	reply_len = (size_t)prefix[0] << 8 | prefix[1];
	buf = malloc(reply_len ? reply_len : 1);
	if (!buf) {
		errno = ENOMEM;
		return -1;
	}
	if (netio_read_full(fd, buf, reply_len, deadline)) {
		free(buf);
		return -1;
	}
	p->reply_wire = buf;
	p->reply_len = reply_len;
	return 0;
}

/* Send the query and wait for its reply: 0, or -1 with errno. */
static int exchange(struct dnsprobe *p, const uint8_t *wire, size_t len)
{
	double start = netio_now_ms(), deadline = start + (double)p->timeout_ms;
	int fd, ret, err;

	fd = netio_connect(p->tcp ? SOCK_STREAM : SOCK_DGRAM, &p->server,
			   p->have_source ? &p->source : NULL, deadline);
	if (fd < 0) {
		ret = -1;
	} else {
		ret = p->tcp ? tcp_exchange(p, fd, wire, len, deadline)
			     : udp_exchange(p, fd, wire, len, deadline);
		err = errno;
		close(fd);
		errno = err;
	}
	p->latency_ms = netio_now_ms() - start;
	return ret;
}

/* The record's data as text: a malloc'd string, or NULL with errno. */
static char *rdata_text(const ldns_rr *rr)
{
	char buf[INET6_ADDRSTRLEN], *s;
	const ldns_rdf *rdf = ldns_rr_rdf(rr, 0);
	size_t i, total = 0;
	int af;

	errno = EBADMSG;
	if (!rdf)
		return NULL;
	switch (ldns_rr_get_type(rr)) {
	case LDNS_RR_TYPE_A:
	case LDNS_RR_TYPE_AAAA:
		af = ldns_rr_get_type(rr) == LDNS_RR_TYPE_A ? AF_INET : AF_INET6;
		if (ldns_rdf_size(rdf) != (af == AF_INET ? 4 : 16) ||
		    !inet_ntop(af, ldns_rdf_data(rdf), buf, sizeof(buf)))
			return NULL;
		return strdup(buf);
	case LDNS_RR_TYPE_TXT:
		/* One item per record: its character-strings joined. */
		for (i = 0; i < ldns_rr_rd_count(rr); i++)
			total += ldns_rdf_size(ldns_rr_rdf(rr, i));
		s = malloc(total + 1);
		if (!s)
			return NULL;
		total = 0;
		for (i = 0; i < ldns_rr_rd_count(rr); i++) {
			const uint8_t *d;

			rdf = ldns_rr_rdf(rr, i);
			d = ldns_rdf_data(rdf);
			if (ldns_rdf_size(rdf) < 1 || (size_t)d[0] + 1 > ldns_rdf_size(rdf)) {
				free(s);
				return NULL;
			}
			memcpy(s + total, d + 1, d[0]);
			total += d[0];
		}
		s[total] = '\0';
		/* The evidence line is C strings: a NUL shows as '?'. */
		for (i = 0; i < total; i++)
			if (!s[i])
				s[i] = '?';
		return s;
	default: return NULL;
	}
}

/* Collect the answer records of the queried type: 0, or -1 with errno. */
static int collect_answers(struct dnsprobe *p)
{
	const ldns_rr_list *an = ldns_pkt_answer(p->reply);
	size_t i;

	for (i = 0; an && i < ldns_rr_list_rr_count(an); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(an, i);
		char *text;

		if (ldns_rr_get_type(rr) != p->type || ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN)
			continue;
		text = rdata_text(rr);
		if (!text || push_string(&p->answers, &p->n_answers, text))
			return -1;
	}
	return 0;
}

/* Compare a list with a sort_unique()d one as sets. */
static int same_sets(char **a, size_t na, char *const *b, size_t nb)
{
	size_t i;

	na = sort_unique(a, na);
	if (na != nb)
		return 0;
	for (i = 0; i < na; i++)
		if (strcmp(a[i], b[i]))
			return 0;
	return 1;
}

static void print_reply(const struct dnsprobe *p)
{
	static const struct {
		const char *name;
		bool (*get)(const ldns_pkt *);
	} flags[] = {
		{ "qr", ldns_pkt_qr }, { "aa", ldns_pkt_aa }, { "tc", ldns_pkt_tc },
		{ "rd", ldns_pkt_rd }, { "ra", ldns_pkt_ra }, { "ad", ldns_pkt_ad },
		{ "cd", ldns_pkt_cd },
	};
	char *set[sizeof(flags) / sizeof(flags[0])];
	size_t i, n = 0;
	char buf[16];

	rcode_text(ldns_pkt_get_rcode(p->reply), buf, sizeof(buf));
	probe_kv("rcode", buf);
	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		if (flags[i].get(p->reply))
			set[n++] = (char *)flags[i].name;
	probe_kv_list("flags", set, n);
	probe_kv_list("answers", p->answers, p->n_answers);
}

static void print_request(const struct dnsprobe *p)
{
	probe_kv("server", p->server_text);
	probe_kv("transport", p->tcp ? "tcp" : "udp");
	probe_kv("name", p->name);
	probe_kv("type", p->type_name);
}

static void print_expectations(const struct dnsprobe *p)
{
	char buf[16];

	if (p->expect_answers)
		probe_kv_list("expected", p->expected, p->n_unique_expected);
	if (p->rcode_given) {
		rcode_text(p->rcode, buf, sizeof(buf));
		probe_kv("expected_rcode", buf);
	}
}

/* Judge the reply in p->reply_wire: the exit status and its reason. */
static enum probe_exit judge(struct dnsprobe *p, const char **reason)
{
	ldns_status st;

	st = ldns_wire2pkt(&p->reply, p->reply_wire, p->reply_len);
	if (st != LDNS_STATUS_OK) {
		probe_error("cannot parse the %zu-byte reply: %s", p->reply_len,
			    ldns_get_errorstr_by_id(st));
		*reason = "malformed_reply";
		return PROBE_FAIL;
	}
	if (collect_answers(p)) {
		if (errno == ENOMEM) {
			*reason = "out_of_memory";
			return PROBE_ERROR;
		}
		probe_error("cannot read the %s records of the reply", p->type_name);
		*reason = "malformed_reply";
		return PROBE_FAIL;
	}
	print_reply(p);
	if (ldns_pkt_id(p->reply) != p->id || !ldns_pkt_qr(p->reply)) {
		*reason = "id_mismatch";
		return PROBE_FAIL;
	}
	if ((int)ldns_pkt_get_rcode(p->reply) != p->rcode) {
		*reason = "rcode_mismatch";
		return PROBE_FAIL;
	}
	if (p->expect_answers &&
	    !same_sets(p->answers, p->n_answers, p->expected, p->n_unique_expected)) {
		*reason = "answers_mismatch";
		return PROBE_FAIL;
	}
	*reason = "match";
	return PROBE_PASS;
}

static void dnsprobe_release(struct dnsprobe *p)
{
	size_t i;

	for (i = 0; i < p->n_raw_expected; i++)
		free(p->raw_expected[i]);
	free(p->raw_expected);
	for (i = 0; i < p->n_expected; i++)
		free(p->expected[i]);
	free(p->expected);
	for (i = 0; i < p->n_answers; i++)
		free(p->answers[i]);
	free(p->answers);
	free(p->reply_wire);
	if (p->reply)
		ldns_pkt_free(p->reply);
}

int main(int argc, char **argv)
{
	struct dnsprobe p = { 0 };
	enum probe_exit status;
	const char *reason;
	uint8_t *wire;
	size_t len;

	if (parse_args(&p, argc, argv)) {
		fputs(usage_text, stderr);
		dnsprobe_release(&p);
		return probe_finish(PROBE_ERROR, "usage");
	}
	print_request(&p);
	if (build_query(&p, &wire, &len)) {
		dnsprobe_release(&p);
		return probe_finish(PROBE_ERROR, "bad_query");
	}
	if (exchange(&p, wire, len)) {
		int err = errno;

		if (netio_classify(err, &reason)) {
			status = PROBE_NOANSWER;
		} else {
			status = PROBE_ERROR;
			errno = err;
			probe_error_errno("cannot query '%s'", p.server_text);
		}
	} else {
		status = judge(&p, &reason);
	}
	free(wire);
	print_expectations(&p);
	probe_kvf("latency_ms", "%.3f", p.latency_ms);
	dnsprobe_release(&p);
	return probe_finish(status, reason);
}
