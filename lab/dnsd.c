/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dnsd: the lab's small authoritative DNS server.
 *
 *   dnsd -a ADDR [-p PORT] -z ZONEFILE [-o ORIGIN] [-l LOGFILE] [-r]
 *
 * Serves one zone file over UDP and TCP on ADDR:PORT (default 53): A, AAAA,
 * TXT, CNAME (followed inside the zone) and any other type the file holds;
 * NODATA and NXDOMAIN with the SOA in the authority section; REFUSED for
 * names outside the zone; AA set, id and RD copied, RA only with -r. With
 * -r (the stand-in for a recursive resolver) a reverse name outside the
 * zone (in-addr.arpa, ip6.arpa) gets NXDOMAIN without AA, as a real
 * resolver answers for the lab's documentation and ULA ranges: a client
 * that looks an address up (busybox nslookup does, for every answer) gets
 * its "no name" at once instead of retrying a refusal.
 * Wildcards and delegations are not supported. The file is read by
 * zone_load (harness/zone.c), the zone files' one reader: the origin is
 * ORIGIN, else the file's; the default TTL 3600; an SOA at the origin.
 *
 * One line per query, written at once, so tests can see who asked:
 *   <unix time> src=<ip>:<port> proto=udp|tcp qname=<name> qtype=<type> rcode=<rcode>
 * (qname lowercased, absolute with the trailing dot; IPv6 sources as
 * [ip]:port; qname=- qtype=- for packets that do not parse; rcode=DROP for
 * packets that get no answer), to LOGFILE (default: stderr), as are
 * errors. "dnsd: listening on ..." marks readiness; SIGTERM or SIGINT ends
 * it with exit status 0.
 */
#include "srv.h"
#include "zone.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <ldns/ldns.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_TCP         16
#define TCP_IDLE_MS     5000
#define MAX_CNAME_CHAIN 8

struct tcp_conn {
	int fd;
	struct sockaddr_storage peer;
	uint8_t buf[2 + 65535];
	size_t have;
	long deadline_ms;
};

static int set_ra; /* -r: answer with RA set */

static const char *rcode_name(int rcode)
{
	static const char *const names[] = { "NOERROR",  "FORMERR", "SERVFAIL",
					     "NXDOMAIN", "NOTIMP",  "REFUSED" };

	if (rcode < 0)
		return "DROP";
	if ((size_t)rcode < sizeof(names) / sizeof(names[0]))
		return names[rcode];
	return "OTHER";
}

static void log_query(const struct sockaddr_storage *peer, const char *proto,
		      const ldns_rr *question, int rcode)
{
	struct timespec ts;
	char src[INET6_ADDRSTRLEN + 16];
	char *qname = NULL, *qtype = NULL;

	clock_gettime(CLOCK_REALTIME, &ts);
	srv_format_peer(peer, src, sizeof(src));
	if (question) {
		qname = ldns_rdf2str(ldns_rr_owner(question));
		qtype = ldns_rr_type2str(ldns_rr_get_type(question));
		for (char *c = qname; c && *c; c++)
			*c = (char)tolower((unsigned char)*c);
	}
	srv_logline("%lld.%03ld src=%s proto=%s qname=%s qtype=%s rcode=%s", (long long)ts.tv_sec,
		    ts.tv_nsec / 1000000L, src, proto, qname ? qname : "-", qtype ? qtype : "-",
		    rcode_name(rcode));
	free(qname);
	free(qtype);
}

static int in_zone(const struct zone *z, const ldns_rdf *name)
{
	return ldns_dname_compare(name, z->origin) == 0 || ldns_dname_is_subdomain(name, z->origin);
}

/* Is name under in-addr.arpa. or ip6.arpa.? */
static int is_reverse(const ldns_rdf *name)
{
	static const char *const zones[] = { "in-addr.arpa.", "ip6.arpa." };
	int found = 0;

	for (size_t i = 0; i < sizeof(zones) / sizeof(zones[0]) && !found; i++) {
		ldns_rdf *z = ldns_dname_new_frm_str(zones[i]);

		found = z && ldns_dname_is_subdomain(name, z);
		ldns_rdf_deep_free(z);
	}
	return found;
}

/* 1 if some record is at name, 2 if only below it (empty non-terminal), else 0. */
static int name_exists(const struct zone *z, const ldns_rdf *name)
{
	int below = 0;

	for (size_t i = 0; i < ldns_rr_list_rr_count(z->rrs); i++) {
		const ldns_rdf *owner = ldns_rr_owner(ldns_rr_list_rr(z->rrs, i));

		if (ldns_dname_compare(owner, name) == 0)
			return 1;
		if (ldns_dname_is_subdomain(owner, name))
			below = 1;
	}
	return below ? 2 : 0;
}

/* Add records at name of type (LDNS_RR_TYPE_ANY: all) to the answer; count them. */
static size_t add_rrset(const struct zone *z, ldns_pkt *reply, const ldns_rdf *name,
			ldns_rr_type type)
{
	size_t n = 0;

	for (size_t i = 0; i < ldns_rr_list_rr_count(z->rrs); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(z->rrs, i);

		if (ldns_dname_compare(ldns_rr_owner(rr), name) != 0)
			continue;
		if (type != LDNS_RR_TYPE_ANY && ldns_rr_get_type(rr) != type)
			continue;
		ldns_pkt_push_rr(reply, LDNS_SECTION_ANSWER, ldns_rr_clone(rr));
		n++;
	}
	return n;
}

static const ldns_rr *find_cname(const struct zone *z, const ldns_rdf *name)
{
	for (size_t i = 0; i < ldns_rr_list_rr_count(z->rrs); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(z->rrs, i);

		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_CNAME &&
		    ldns_dname_compare(ldns_rr_owner(rr), name) == 0)
			return rr;
	}
	return NULL;
}

/* Fill reply's answer for an in-zone question; returns the rcode. */
static int answer(const struct zone *z, ldns_pkt *reply, const ldns_rr *question)
{
	ldns_rr_type qtype = ldns_rr_get_type(question);
	const ldns_rdf *name = ldns_rr_owner(question);
	int steps;

	for (steps = 0; steps < MAX_CNAME_CHAIN; steps++) {
		const ldns_rr *cname;
		int exists = name_exists(z, name);

		if (!exists) {
			ldns_pkt_push_rr(reply, LDNS_SECTION_AUTHORITY, ldns_rr_clone(z->soa));
			return LDNS_RCODE_NXDOMAIN;
		}
		if (add_rrset(z, reply, name, qtype))
			return LDNS_RCODE_NOERROR;
		cname = qtype == LDNS_RR_TYPE_CNAME ? NULL : find_cname(z, name);
		if (!cname)
			break;
		ldns_pkt_push_rr(reply, LDNS_SECTION_ANSWER, ldns_rr_clone(cname));
		name = ldns_rr_rdf(cname, 0);
		if (!in_zone(z, name))
			return LDNS_RCODE_NOERROR; /* the rest is someone else's */
	}
	if (steps == MAX_CNAME_CHAIN)
		return LDNS_RCODE_NOERROR;
	/* NODATA */
	ldns_pkt_push_rr(reply, LDNS_SECTION_AUTHORITY, ldns_rr_clone(z->soa));
	return LDNS_RCODE_NOERROR;
}

/* The header-only FORMERR answer to a packet that does not parse (NULL: drop it). */
static uint8_t *formerr_raw(const uint8_t *q, size_t len, size_t *out_len)
{
	uint8_t *r;

	if (len < LDNS_HEADER_SIZE || LDNS_QR_WIRE(q))
		return NULL;
	r = calloc(1, LDNS_HEADER_SIZE);
	if (!r)
		return NULL;
	r[0] = q[0];
	r[1] = q[1];
	r[2] = (uint8_t)(0x80 | (q[2] & 0x79)); /* QR, opcode and RD copied */
	r[3] = (uint8_t)((set_ra ? 0x80 : 0) | LDNS_RCODE_FORMERR);
	*out_len = LDNS_HEADER_SIZE;
	return r;
}

/*
 * Answer one query in wire format; max is the largest reply the transport
 * takes. Returns a malloc'd reply (NULL: send nothing) and logs the query.
 */
static uint8_t *handle(const struct zone *z, const uint8_t *wire, size_t len, int tcp,
		       const struct sockaddr_storage *peer, size_t *out_len)
{
	ldns_pkt *query = NULL, *reply = NULL;
	const ldns_rr *question = NULL;
	uint8_t *out = NULL;
	size_t max;
	int rcode;

	if (ldns_wire2pkt(&query, wire, len) != LDNS_STATUS_OK) {
		out = formerr_raw(wire, len, out_len);
		log_query(peer, tcp ? "tcp" : "udp", NULL, out ? LDNS_RCODE_FORMERR : -1);
		return out;
	}
	if (ldns_pkt_qr(query)) {
		log_query(peer, tcp ? "tcp" : "udp", NULL, -1);
		ldns_pkt_free(query);
		return NULL;
	}
	reply = ldns_pkt_new();
	if (!reply) {
		ldns_pkt_free(query);
		return NULL;
	}
	ldns_pkt_set_id(reply, ldns_pkt_id(query));
	ldns_pkt_set_qr(reply, true);
	ldns_pkt_set_opcode(reply, ldns_pkt_get_opcode(query));
	ldns_pkt_set_rd(reply, ldns_pkt_rd(query));
	ldns_pkt_set_ra(reply, set_ra != 0);
	if (ldns_pkt_qdcount(query) == 1)
		question = ldns_rr_list_rr(ldns_pkt_question(query), 0);
	if (ldns_pkt_get_opcode(query) != LDNS_PACKET_QUERY) {
		rcode = LDNS_RCODE_NOTIMPL;
	} else if (!question) {
		rcode = LDNS_RCODE_FORMERR;
	} else {
		ldns_pkt_push_rr(reply, LDNS_SECTION_QUESTION, ldns_rr_clone(question));
		if ((ldns_rr_get_class(question) != LDNS_RR_CLASS_IN &&
		     ldns_rr_get_class(question) != LDNS_RR_CLASS_ANY) ||
		    !in_zone(z, ldns_rr_owner(question))) {
			rcode = set_ra && is_reverse(ldns_rr_owner(question)) ? LDNS_RCODE_NXDOMAIN
									      : LDNS_RCODE_REFUSED;
		} else {
			ldns_pkt_set_aa(reply, true);
			rcode = answer(z, reply, question);
		}
	}
	ldns_pkt_set_rcode(reply, (uint8_t)rcode);
	max = tcp ? 65535 : 512;
	if (ldns_pkt_edns(query)) {
		uint16_t size = ldns_pkt_edns_udp_size(query);

		ldns_pkt_set_edns_udp_size(reply, 1232);
		if (!tcp && size > 512)
			max = size < 1232 ? size : 1232;
	}
	if (ldns_pkt2wire(&out, reply, out_len) != LDNS_STATUS_OK) {
		out = NULL;
	} else if (*out_len > max) {
		/* too big for UDP: header and question only, TC set */
		free(out);
		out = NULL;
		ldns_rr_list_deep_free(ldns_pkt_answer(reply));
		ldns_rr_list_deep_free(ldns_pkt_authority(reply));
		ldns_rr_list_deep_free(ldns_pkt_additional(reply));
		ldns_pkt_set_answer(reply, ldns_rr_list_new());
		ldns_pkt_set_authority(reply, ldns_rr_list_new());
		ldns_pkt_set_additional(reply, ldns_rr_list_new());
		ldns_pkt_set_ancount(reply, 0);
		ldns_pkt_set_nscount(reply, 0);
		ldns_pkt_set_arcount(reply, 0);
		ldns_pkt_set_tc(reply, true);
		if (ldns_pkt2wire(&out, reply, out_len) != LDNS_STATUS_OK)
			out = NULL;
	}
	log_query(peer, tcp ? "tcp" : "udp", question, out ? rcode : -1);
	ldns_pkt_free(reply);
	ldns_pkt_free(query);
	return out;
}

static void serve_udp(const struct zone *z, int fd)
{
	/* a few datagrams per wakeup, then back to the others */
	for (int i = 0; i < 64; i++) {
		uint8_t buf[65536], *out;
		struct sockaddr_storage peer;
		socklen_t plen = sizeof(peer);
		size_t out_len = 0;
		ssize_t n;

		n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&peer, &plen);
		if (n < 0)
			return;
		out = handle(z, buf, (size_t)n, 0, &peer, &out_len);
		if (out) {
			if (sendto(fd, out, out_len, 0, (struct sockaddr *)&peer, plen) < 0)
				srv_logline("dnsd: warning: cannot send udp answer: %s",
					    strerror(errno));
			free(out);
		}
	}
}

static void close_conn(struct tcp_conn *c)
{
	close(c->fd);
	c->fd = -1;
	c->have = 0;
}

static void send_all(struct tcp_conn *c, const uint8_t *data, size_t len)
{
	long deadline = srv_now_ms() + 2000;

	while (len > 0) {
		ssize_t n = send(c->fd, data, len, MSG_NOSIGNAL);

		if (n > 0) {
			data += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR) && srv_now_ms() < deadline) {
			struct pollfd p = { .fd = c->fd, .events = POLLOUT };

			poll(&p, 1, 100);
			continue;
		}
		close_conn(c);
		return;
	}
}

/* Read what is there; answer every complete length-prefixed query. */
static void serve_tcp(const struct zone *z, struct tcp_conn *c)
{
	ssize_t n = recv(c->fd, c->buf + c->have, sizeof(c->buf) - c->have, MSG_DONTWAIT);

	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		close_conn(c);
		return;
	}
	if (n < 0)
		return;
	c->have += (size_t)n;
	c->deadline_ms = srv_now_ms() + TCP_IDLE_MS;
	while (c->fd >= 0 && c->have >= 2) {
		size_t qlen = (size_t)c->buf[0] << 8 | c->buf[1], out_len = 0;
		uint8_t *out;

		if (c->have < 2 + qlen)
			return;
		out = handle(z, c->buf + 2, qlen, 1, &c->peer, &out_len);
		if (out) {
			uint8_t *framed = malloc(out_len + 2);

			if (framed) {
				framed[0] = (uint8_t)(out_len >> 8);
				framed[1] = (uint8_t)out_len;
				memcpy(framed + 2, out, out_len);
				send_all(c, framed, out_len + 2);
				free(framed);
			}
			free(out);
		}
		if (c->fd < 0)
			return;
		memmove(c->buf, c->buf + 2 + qlen, c->have - 2 - qlen);
		c->have -= 2 + qlen;
	}
}

static void accept_tcp(int lfd, struct tcp_conn *conns)
{
	struct sockaddr_storage peer;
	socklen_t plen = sizeof(peer);
	int fd = accept4(lfd, (struct sockaddr *)&peer, &plen, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (fd < 0)
		return;
	for (int i = 0; i < MAX_TCP; i++) {
		if (conns[i].fd < 0) {
			conns[i].fd = fd;
			conns[i].peer = peer;
			conns[i].have = 0;
			conns[i].deadline_ms = srv_now_ms() + TCP_IDLE_MS;
			return;
		}
	}
	srv_logline("dnsd: warning: too many tcp connections, closing a new one");
	close(fd);
}

static int serve(const struct zone *z, int ufd, int tfd, const sigset_t *run_mask)
{
	static struct tcp_conn conns[MAX_TCP];

	for (int i = 0; i < MAX_TCP; i++)
		conns[i].fd = -1;
	while (!srv_stop_signal) {
		struct pollfd pfd[2 + MAX_TCP];
		struct timespec ts = { 1, 0 };
		long now;
		int n;

		pfd[0] = (struct pollfd){ .fd = ufd, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = tfd, .events = POLLIN };
		for (int i = 0; i < MAX_TCP; i++)
			pfd[2 + i] = (struct pollfd){ .fd = conns[i].fd, .events = POLLIN };
		n = ppoll(pfd, 2 + MAX_TCP, &ts, run_mask);
		if (n < 0 && errno != EINTR)
			return srv_fail("dnsd", "cannot poll: %s", strerror(errno));
		if (n <= 0)
			goto expire;
		if (pfd[0].revents)
			serve_udp(z, ufd);
		if (pfd[1].revents)
			accept_tcp(tfd, conns);
		for (int i = 0; i < MAX_TCP; i++)
			if (conns[i].fd >= 0 && pfd[2 + i].fd == conns[i].fd && pfd[2 + i].revents)
				serve_tcp(z, &conns[i]);
	expire:
		now = srv_now_ms();
		for (int i = 0; i < MAX_TCP; i++)
			if (conns[i].fd >= 0 && now > conns[i].deadline_ms)
				close_conn(&conns[i]);
	}
	for (int i = 0; i < MAX_TCP; i++)
		if (conns[i].fd >= 0)
			close_conn(&conns[i]);
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: dnsd -a ADDR [-p PORT] -z ZONEFILE [-o ORIGIN] [-l LOGFILE] [-r]\n");
}

int main(int argc, char **argv)
{
	const char *addr = NULL, *zonefile = NULL, *origin = NULL, *logpath = NULL;
	unsigned long port = 53;
	struct sockaddr_storage ss;
	sigset_t run_mask;
	struct zone z = { 0 };
	struct strbuf err = STRBUF_INIT;
	socklen_t sslen = 0;
	int opt, ufd, tfd, ret;

	while ((opt = getopt(argc, argv, "a:p:z:o:l:rh")) != -1) {
		char *end;

		switch (opt) {
		case 'a': addr = optarg; break;
		case 'p':
			errno = 0;
			port = strtoul(optarg, &end, 10);
			if (errno || *end || port == 0 || port > 65535) {
				fprintf(stderr, "dnsd: invalid port '%s'\n", optarg);
				return 2;
			}
			break;
		case 'z': zonefile = optarg; break;
		case 'o': origin = optarg; break;
		case 'l': logpath = optarg; break;
		case 'r': set_ra = 1; break;
		case 'h': usage(); return 0;
		default: usage(); return 2;
		}
	}
	if (!addr || !zonefile || optind != argc) {
		usage();
		return 2;
	}
	if (srv_start("dnsd", logpath, &run_mask) < 0)
		return 1;

	if (zone_load(zonefile, origin, &z, &err) < 0) {
		srv_fail("dnsd", "%s", strbuf_str(&err));
		strbuf_release(&err);
		return 1;
	}
	if (srv_parse_addr("dnsd", addr, (unsigned)port, &ss, &sslen) < 0) {
		zone_free(&z);
		return 1;
	}
	ufd = srv_open_socket("dnsd", &ss, sslen, SOCK_DGRAM, 0);
	tfd = ufd < 0 ? -1 : srv_open_socket("dnsd", &ss, sslen, SOCK_STREAM, 16);
	if (tfd < 0) {
		if (ufd >= 0)
			close(ufd);
		zone_free(&z);
		return 1;
	}
	{
		char *o = ldns_rdf2str(z.origin);

		srv_logline("dnsd: listening on %s%s%s:%lu (udp, tcp), zone %s, %zu records%s",
			    ss.ss_family == AF_INET6 ? "[" : "", addr,
			    ss.ss_family == AF_INET6 ? "]" : "", port, o ? o : "?",
			    ldns_rr_list_rr_count(z.rrs), set_ra ? ", RA set" : "");
		free(o);
	}
	ret = serve(&z, ufd, tfd, &run_mask);
	if (srv_stop_signal)
		srv_logline("dnsd: exiting on signal %d", (int)srv_stop_signal);
	close(ufd);
	close(tfd);
	zone_free(&z);
	return ret < 0 ? 1 : 0;
}
