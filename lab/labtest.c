/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * labtest: the lab's end-to-end check (root only).
 *
 *   labtest [--dnsd build/host/dnsd] [--zones fixtures/zones] [--cycles N] [--keep] [-v]
 *
 * Snapshots the machine (routes, rules, links, nftables, netns list,
 * forwarding sysctls, /etc), makes the run PKI, brings the router slice of
 * the lab up, starts dnsd at the upstream and client DNS addresses, checks
 * routing, NAT, DNS over UDP and TCP from the routeros namespace (drill and
 * ldns from inside the harness via lab_enter), feeds dnsd malformed
 * packets, tears everything down and checks that no namespace, process or
 * change to the machine is left. Then --cycles more bare up/down cycles
 * for timing. Prints TAP and a closing "N passed, N failed" line.
 */
#include "files.h"
#include "lab.h"
#include "log.h"
#include "pki.h"
#include "proc.h"
#include "strbuf.h"
#include "undo.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <ldns/ldns.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int n_pass, n_fail, n_test;

static void __attribute__((format(printf, 2, 3))) check(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s %d - ", ok ? "ok" : "not ok", ++n_test);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (ok)
		n_pass++;
	else
		n_fail++;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Run argv in netns; exit status, or -1 if it could not run. */
static int run_in(const char *netns, const char *const *argv, struct strbuf *out,
		  struct strbuf *err)
{
	struct proc_spec spec = { .name = argv[0], .argv = argv, .netns = netns };
	int status;

	if (run_capture(&spec, 15000, out, err, &status) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static int have_cmd(const char *cmd)
{
	const char *argv[] = { "sh", "-c", "command -v \"$0\" >/dev/null", cmd, NULL };

	return run_in(NULL, argv, NULL, NULL) == 0;
}

/* ---- topology ---- */

static void check_topology(const struct lab *lab)
{
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;
	const char *ping_argv[] = { "ping", "-c", "1", "-W", "2", LAB_INET_GW, NULL };
	const char *bb_ping_argv[] = { "busybox", "ping", "-c", "1", "-W", "2", LAB_INET_GW, NULL };
	const char *tap_argv[] = { "ip", "-o", "link", "show", lab->tap, NULL };
	const char *tailnet_argv[] = { "ip", "route", "get", "100.64.0.1", NULL };
	const char *tailnet6_argv[] = { "ip", "route", "get", "fd7a:115c:a1e0::1", NULL };
	const char *ping6_argv[] = { "ping", "-c", "1", "-W", "2", LAB_INET6_GW, NULL };
	const char *bb_ping6_argv[] = {
		"busybox", "ping", "-c", "1", "-W", "2", LAB_INET6_GW, NULL
	};
	const char *nft_argv[] = { "nft", "list", "ruleset", NULL };
	static const char *const outside[] = {
		"8.8.8.8",     "1.1.1.1",       "192.0.2.1", "10.0.0.1", "2001:4860:4860::8888",
		"2001:db9::1", "fd00:172:21::1"
	};
	const char *const nss[] = { lab->inet, lab->routeros };
	static const struct {
		const char *family, *path;
	} fwd_knobs[] = {
		{ "IPv4", "/proc/sys/net/ipv4/ip_forward" },
		{ "IPv6", "/proc/sys/net/ipv6/conf/all/forwarding" },
	};
	char fwd[8] = "";
	int rc, saved;

	rc = run_in(lab->routeros, have_cmd("ping") ? ping_argv : bb_ping_argv, &out, &err);
	check(rc == 0, "routeros pings %s (inet bridge)", LAB_INET_GW);
	rc = run_in(lab->routeros, have_cmd("ping") ? ping6_argv : bb_ping6_argv, &out, &err);
	check(rc == 0, "routeros pings %s (inet bridge, IPv6)", LAB_INET6_GW);
	/* unbound replies (headscale's STUN) leave from control's address, not a service's */
	{
		const char *src_argv[] = { "ip", "-6", "route", "get", LAB_ROUTER_WAN6, NULL };

		strbuf_reset(&out);
		rc = run_in(lab->inet, src_argv, &out, &err);
		check(rc == 0 && strstr(strbuf_str(&out), " src " LAB_INET6_GW " "),
		      "inet: replies to %s leave from %s (%s)", LAB_ROUTER_WAN6, LAB_INET6_GW,
		      strbuf_str(&out));
	}

	for (size_t n = 0; n < 2; n++) {
		for (size_t i = 0; i < ARRAY_SIZE(outside); i++) {
			const char *get[] = { "ip", "route", "get", outside[i], NULL };

			strbuf_reset(&out);
			strbuf_reset(&err);
			rc = run_in(nss[n], get, &out, &err);
			check(rc > 0 && strstr(strbuf_str(&err), "unreachable"),
			      "%s: no route to %s (%s)", nss[n], outside[i],
			      rc == 0 ? strbuf_str(&out) : "unreachable");
		}
	}

	strbuf_reset(&out);
	rc = run_in(lab->routeros, tailnet_argv, &out, NULL);
	check(rc == 0 && strstr(strbuf_str(&out), "via " LAB_ROUTER_VM) &&
		      strstr(strbuf_str(&out), lab->containers),
	      "routeros routes %s via %s on %s", LAB_TAILNET4, LAB_ROUTER_VM, lab->containers);
	strbuf_reset(&out);
	rc = run_in(lab->routeros, tailnet6_argv, &out, NULL);
	check(rc == 0 && strstr(strbuf_str(&out), "via " LAB_ROUTER_VM6) &&
		      strstr(strbuf_str(&out), lab->containers),
	      "routeros routes %s via %s on %s", LAB_TAILNET6, LAB_ROUTER_VM6, lab->containers);

	strbuf_reset(&out);
	rc = run_in(lab->routeros, tap_argv, &out, NULL);
	check(rc == 0 && strstr(strbuf_str(&out), lab->containers), "tap %s is a port of %s",
	      lab->tap, lab->containers);

	strbuf_reset(&out);
	rc = run_in(lab->routeros, nft_argv, &out, NULL);
	/* RouterOS's default config masquerades every source leaving the WAN */
	check(rc == 0 && strstr(strbuf_str(&out), "masquerade") &&
		      strstr(strbuf_str(&out), lab->wan) && !strstr(strbuf_str(&out), "saddr"),
	      "routeros masquerades whatever leaves through %s, any source", lab->wan);
	/* and IPv6, the rule a RouterOS user adds (lab_up_router's nat6) */
	check(rc == 0 && strstr(strbuf_str(&out), "table ip6 " LAB_NAT_TABLE " {"),
	      "routeros masquerades IPv6 leaving through %s too", lab->wan);

	for (size_t i = 0; i < ARRAY_SIZE(fwd_knobs); i++) {
		fwd[0] = '\0';
		if (lab_enter(lab->routeros, &saved) == 0) {
			struct strbuf v = STRBUF_INIT;

			strbuf_read_file(&v, fwd_knobs[i].path);
			strbuf_rtrim(&v);
			snprintf(fwd, sizeof(fwd), "%s", strbuf_str(&v));
			strbuf_release(&v);
			lab_leave(saved);
		}
		check(!strcmp(fwd, "1"), "routeros forwards %s (%s=%s)", fwd_knobs[i].family,
		      fwd_knobs[i].path, fwd);
	}
	strbuf_release(&out);
	strbuf_release(&err);
}

/* ---- leftovers ---- */

/* Count processes whose network namespace is one of inodes. */
static int procs_in(const ino_t *inodes, size_t n)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int count = 0;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		char path[300];
		struct stat st;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/ns/net", e->d_name);
		if (stat(path, &st) < 0)
			continue;
		for (size_t i = 0; i < n; i++)
			if (inodes[i] && st.st_ino == inodes[i])
				count++;
	}
	closedir(d);
	return count;
}

static int netns_inode(const char *name, ino_t *ino)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	if (stat(path, &st) < 0)
		return -1;
	*ino = st.st_ino;
	return 0;
}

/* ---- DNS ---- */

struct dns_case {
	const char *server;
	int tcp;
	const char *name;
	ldns_rr_type type;
	int rcode;
	const char *want; /* substring of the answer section, or NULL: empty */
	int aa, ra;
	int soa; /* SOA expected in the authority section */
};

static const struct dns_case dns_cases[] = {
	{ LAB_DNS_UPSTREAM, 0, "www.canary.test", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR,
	  "198.51.100.80", 1, 0, 0 },
	{ LAB_DNS_UPSTREAM, 1, "www.canary.test", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR,
	  "198.51.100.80", 1, 0, 0 },
	{ LAB_DNS_UPSTREAM, 0, "alias.canary.test", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR,
	  "198.51.100.80", 1, 0, 0 },
	{ LAB_DNS_UPSTREAM, 0, "alias.canary.test", LDNS_RR_TYPE_CNAME, LDNS_RCODE_NOERROR,
	  "www.canary.test.", 1, 0, 0 },
	{ LAB_DNS_UPSTREAM, 1, "txt.canary.test", LDNS_RR_TYPE_TXT, LDNS_RCODE_NOERROR,
	  "\"path=upstream\"", 1, 0, 0 },
	{ LAB_DNS_UPSTREAM, 0, "ipv6.canary.test", LDNS_RR_TYPE_AAAA, LDNS_RCODE_NOERROR,
	  "fd7a:115c:a1e0:ffff::80", 1, 0, 0 },
	{ LAB_DNS_UPSTREAM, 0, "upstream-only.canary.test", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR,
	  "198.51.100.81", 1, 0, 0 },
	{ LAB_DNS_UPSTREAM, 0, "www.canary.test", LDNS_RR_TYPE_TXT, LDNS_RCODE_NOERROR, NULL, 1, 0,
	  1 },
	{ LAB_DNS_UPSTREAM, 0, "missing.canary.test", LDNS_RR_TYPE_A, LDNS_RCODE_NXDOMAIN, NULL, 1,
	  0, 1 },
	{ LAB_DNS_UPSTREAM, 1, "missing.canary.test", LDNS_RR_TYPE_A, LDNS_RCODE_NXDOMAIN, NULL, 1,
	  0, 1 },
	{ LAB_DNS_UPSTREAM, 0, "example.com", LDNS_RR_TYPE_A, LDNS_RCODE_REFUSED, NULL, 0, 0, 0 },
	/* a reverse name outside the zone: refused, NXDOMAIN from a resolver (-r) */
	{ LAB_DNS_UPSTREAM, 0, "80.100.51.198.in-addr.arpa", LDNS_RR_TYPE_PTR, LDNS_RCODE_REFUSED,
	  NULL, 0, 0, 0 },
	{ LAB_DNS_CLIENT, 0, "www.canary.test", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR,
	  "198.51.100.180", 1, 1, 0 },
	{ LAB_DNS_CLIENT, 1, "txt.canary.test", LDNS_RR_TYPE_TXT, LDNS_RCODE_NOERROR,
	  "\"path=client\"", 1, 1, 0 },
	{ LAB_DNS_CLIENT, 0, "upstream-only.canary.test", LDNS_RR_TYPE_A, LDNS_RCODE_NXDOMAIN, NULL,
	  1, 1, 1 },
	{ LAB_DNS_CLIENT, 0,
	  "0.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa",
	  LDNS_RR_TYPE_PTR, LDNS_RCODE_NXDOMAIN, NULL, 0, 1, 0 },
	{ LAB_DNS_CLIENT, 1, "80.100.51.198.in-addr.arpa", LDNS_RR_TYPE_PTR, LDNS_RCODE_NXDOMAIN,
	  NULL, 0, 1, 0 },
};

static int query(const struct dns_case *c, ldns_pkt **reply)
{
	ldns_resolver *res = ldns_resolver_new();
	ldns_rdf *ns = ldns_rdf_new_frm_str(LDNS_RDF_TYPE_A, c->server);
	ldns_rdf *name = ldns_dname_new_frm_str(c->name);
	struct timeval tv = { 3, 0 };
	ldns_status st = LDNS_STATUS_ERR;

	*reply = NULL;
	if (res && ns && name && ldns_resolver_push_nameserver(res, ns) == LDNS_STATUS_OK) {
		ldns_resolver_set_usevc(res, c->tcp);
		ldns_resolver_set_retry(res, 1);
		ldns_resolver_set_timeout(res, tv);
		ldns_resolver_set_recursive(res, true);
		ldns_resolver_set_random(res, false);
		st = ldns_resolver_send(reply, res, name, c->type, LDNS_RR_CLASS_IN, LDNS_RD);
	}
	if (st != LDNS_STATUS_OK)
		error("cannot query %s for %s: %s", c->server, c->name,
		      ldns_get_errorstr_by_id(st));
	ldns_rdf_deep_free(name);
	ldns_rdf_deep_free(ns);
	ldns_resolver_deep_free(res);
	return st == LDNS_STATUS_OK && *reply ? 0 : -1;
}

static void check_dns_case(const struct dns_case *c)
{
	char *type = ldns_rr_type2str(c->type), *ans = NULL;
	ldns_pkt *r;
	int ok;

	if (query(c, &r) < 0) {
		check(0, "dns %s %s %s over %s: no answer", c->server, c->name, type,
		      c->tcp ? "tcp" : "udp");
		free(type);
		return;
	}
	ans = ldns_rr_list2str(ldns_pkt_answer(r));
	ok = (int)ldns_pkt_get_rcode(r) == c->rcode && ldns_pkt_aa(r) == (c->aa != 0) &&
	     ldns_pkt_ra(r) == (c->ra != 0) && ldns_pkt_rd(r) &&
	     (c->want ? ans && strstr(ans, c->want) != NULL : ldns_pkt_ancount(r) == 0) &&
	     (!c->soa ||
	      (ldns_pkt_nscount(r) == 1 &&
	       ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_authority(r), 0)) == LDNS_RR_TYPE_SOA));
	if (ans && strchr(ans, '\n'))
		*strchr(ans, '\n') = '\0'; /* first record is enough for the log */
	check(ok, "dns %s %s %s over %s: rcode %d aa %d ra %d rd %d answer '%s'", c->server,
	      c->name, type, c->tcp ? "tcp" : "udp", (int)ldns_pkt_get_rcode(r), ldns_pkt_aa(r),
	      ldns_pkt_ra(r), ldns_pkt_rd(r), ans ? ans : "");
	free(ans);
	free(type);
	ldns_pkt_free(r);
}

/* Send raw bytes over UDP to server:53; wait up to wait_ms for an answer. */
static ssize_t udp_raw(const char *server, const uint8_t *msg, size_t len, uint8_t *ans,
		       size_t anslen, int wait_ms)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(53) };
	struct pollfd pfd;
	ssize_t n = -1;
	int fd;

	inet_pton(AF_INET, server, &sin.sin_addr);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (sendto(fd, msg, len, 0, (struct sockaddr *)&sin, sizeof(sin)) == (ssize_t)len) {
		pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
		if (poll(&pfd, 1, wait_ms) == 1)
			n = recv(fd, ans, anslen, 0);
		else
			n = 0;
	}
	close(fd);
	return n;
}

static void check_malformed(const char *server)
{
	/* id 0xbeef, RD, QDCOUNT 1, then a question cut short */
	static const uint8_t cut[] = { 0xbe, 0xef, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00,
				       0x00, 0x00, 0x00, 0x00, 0x03, 'w',  'w' };
	static const uint8_t tiny[] = { 0x12, 0x34, 0x01 };
	/* a response (QR set): answering would start a loop */
	static const uint8_t resp[] = { 0x11, 0x11, 0x81, 0x80, 0, 0, 0, 0, 0, 0, 0, 0 };
	uint8_t ans[1024], junk[64];
	ssize_t n;

	n = udp_raw(server, cut, sizeof(cut), ans, sizeof(ans), 2000);
	check(n >= 12 && ans[0] == 0xbe && ans[1] == 0xef && (ans[2] & 0x80) && (ans[2] & 0x01) &&
		      (ans[3] & 0x0f) == LDNS_RCODE_FORMERR,
	      "dnsd answers a cut-short question with FORMERR, id and RD kept (%zd bytes)", n);
	n = udp_raw(server, tiny, sizeof(tiny), ans, sizeof(ans), 300);
	check(n == 0, "dnsd drops a 3-byte packet");
	n = udp_raw(server, resp, sizeof(resp), ans, sizeof(ans), 300);
	check(n == 0, "dnsd does not answer a response");
	/* bounded random junk: every packet parsed, none may crash it */
	for (int i = 0; i < 200; i++) {
		size_t len;

		if (getrandom(junk, sizeof(junk), 0) != (ssize_t)sizeof(junk))
			break;
		len = 1 + junk[0] % sizeof(junk);
		junk[2] &= 0x7f; /* mostly queries, so most get parsed */
		udp_raw(server, junk, len, ans, sizeof(ans), 0);
	}
}

/* A LAN host behind the router: its queries reach upstream masqueraded. */
static void check_lanhost(struct lab *lab, const char *up_log, ino_t *ino)
{
	/* a name nobody else asks for, to find this query in the log */
	const char *drill[] = { "drill", "@" LAB_DNS_UPSTREAM, "lan-host.canary.test", NULL };
	const char *get[] = { "ip", "route", "get", "8.8.8.8", NULL };
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;
	char lan[IFNAMSIZ];
	const char *line;
	int rc;

	rc = lab_name(lab, "lan", lan, sizeof(lan)) == 0 &&
	     lab_add_host(lab, lan, lab->routeros, lab->containers, LAB_LANHOST "/24",
			  LAB_CTR_GW) == 0;
	check(rc, "lan host %s at %s behind the router (one call)", lan, LAB_LANHOST);
	if (!rc)
		return;
	netns_inode(lan, ino);
	rc = run_in(lan, drill, &out, NULL);
	check(rc == 0 && strstr(strbuf_str(&out), "rcode: NXDOMAIN"),
	      "lan host asks upstream DNS through the router (NXDOMAIN for lan-host.canary.test)");
	strbuf_reset(&out);
	strbuf_read_file(&out, up_log);
	line = strstr(strbuf_str(&out), "qname=lan-host.canary.test.");
	while (line && line > out.buf && line[-1] != '\n')
		line--;
	check(line &&
		      !strncmp(strchr(line, ' ') + 1, "src=" LAB_ROUTER_WAN ":",
			       strlen("src=" LAB_ROUTER_WAN ":")) &&
		      !strstr(strbuf_str(&out), "src=" LAB_LANHOST ":"),
	      "upstream saw the lan host's query from %s (masqueraded)", LAB_ROUTER_WAN);
	strbuf_reset(&out);
	rc = run_in(lan, get, &out, &err);
	check(rc > 0 && strstr(strbuf_str(&err), "unreachable"), "%s: no route to 8.8.8.8", lan);
	strbuf_release(&out);
	strbuf_release(&err);
}

static void check_dns(struct lab *lab, const char *dnsd, const char *zones, const char *dir,
		      ino_t *lan_ino)
{
	char *up_zone = xasprintf("%s/canary.test.zone", zones);
	char *cl_zone = xasprintf("%s/canary.test.client.zone", zones);
	char *up_log = xasprintf("%s/dns-upstream.log", dir);
	char *cl_log = xasprintf("%s/dns-client.log", dir);
	const char *drill_udp[] = { "drill", "@" LAB_DNS_UPSTREAM, "www.canary.test", NULL };
	const char *drill_tcp[] = { "drill", "-t", "@" LAB_DNS_UPSTREAM, "www.canary.test", NULL };
	struct strbuf out = STRBUF_INIT, logtext = STRBUF_INIT;
	struct proc *up, *cl;
	double t0 = now_s();
	int rc, saved, status = -1;

	up = lab_start_dnsd(dnsd, lab->inet, LAB_DNS_UPSTREAM, up_zone, up_log, 0);
	cl = up ? lab_start_dnsd(dnsd, lab->inet, LAB_DNS_CLIENT, cl_zone, cl_log, LAB_DNSD_RA)
		: NULL;
	check(up && cl, "dnsd listens on %s and %s in %s (%.3f s)", LAB_DNS_UPSTREAM,
	      LAB_DNS_CLIENT, lab->inet, now_s() - t0);
	if (!up || !cl)
		goto out;

	rc = run_in(lab->routeros, drill_udp, &out, NULL);
	check(rc == 0 && strstr(strbuf_str(&out), "rcode: NOERROR") &&
		      strstr(strbuf_str(&out), "flags: qr aa rd ") &&
		      strstr(strbuf_str(&out), "198.51.100.80"),
	      "drill @%s www.canary.test over udp from routeros", LAB_DNS_UPSTREAM);
	strbuf_reset(&out);
	rc = run_in(lab->routeros, drill_tcp, &out, NULL);
	check(rc == 0 && strstr(strbuf_str(&out), "rcode: NOERROR") &&
		      strstr(strbuf_str(&out), "198.51.100.80"),
	      "drill -t @%s www.canary.test over tcp from routeros", LAB_DNS_UPSTREAM);

	if (lab_enter(lab->routeros, &saved) == 0) {
		for (size_t i = 0; i < ARRAY_SIZE(dns_cases); i++)
			check_dns_case(&dns_cases[i]);
		check_malformed(LAB_DNS_UPSTREAM);
		check_dns_case(&dns_cases[0]);
		lab_leave(saved);
	} else {
		check(0, "enter %s for in-harness queries", lab->routeros);
	}
	check(proc_running(up, NULL), "dnsd survived malformed packets");
	check_lanhost(lab, up_log, lan_ino);

	strbuf_read_file(&logtext, up_log);
	check(strstr(strbuf_str(&logtext), " src=" LAB_ROUTER_WAN ":") &&
		      strstr(strbuf_str(&logtext),
			     " proto=udp qname=www.canary.test. qtype=A rcode=NOERROR") &&
		      strstr(strbuf_str(&logtext),
			     " proto=tcp qname=www.canary.test. qtype=A rcode=NOERROR") &&
		      strstr(strbuf_str(&logtext), "qname=- qtype=- rcode=FORMERR") &&
		      strstr(strbuf_str(&logtext), "rcode=DROP"),
	      "upstream log names the asker src=%s, udp and tcp, FORMERR and DROP", LAB_ROUTER_WAN);

	/* a clean exit on SIGTERM, by pid: it is our child */
	kill(proc_pid(up), SIGTERM);
	rc = proc_wait(up, 3000, &status);
	strbuf_reset(&logtext);
	strbuf_read_file(&logtext, up_log);
	check(rc == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
		      strstr(strbuf_str(&logtext), "dnsd: exiting on signal 15"),
	      "dnsd exits 0 on SIGTERM");
	if (getenv("LABTEST_SHOW_LOG"))
		fputs(strbuf_str(&logtext), stderr);
out:
	strbuf_release(&logtext);
	strbuf_release(&out);
	free(cl_log);
	free(up_log);
	free(cl_zone);
	free(up_zone);
}

static int exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

static void check_gone(const struct lab *lab, const ino_t *inodes, size_t n)
{
	const char *list[] = { "ip", "netns", "list", NULL };
	const char *links[] = { "ip", "-o", "link", "show", NULL };
	struct strbuf out = STRBUF_INIT;
	char path[64];

	run_in(NULL, list, &out, NULL);
	check(!strstr(strbuf_str(&out), lab->suffix), "no namespace with suffix %s is listed",
	      lab->suffix);
	snprintf(path, sizeof(path), "/run/netns/%s", lab->inet);
	check(!exists(path), "%s is gone", path);
	snprintf(path, sizeof(path), "/run/netns/%s", lab->routeros);
	check(!exists(path), "%s is gone", path);
	strbuf_reset(&out);
	run_in(NULL, links, &out, NULL);
	check(!strstr(strbuf_str(&out), lab->suffix), "no link with suffix %s in the host",
	      lab->suffix);
	check(procs_in(inodes, n) == 0, "no process is left in the lab namespaces");
	strbuf_release(&out);
}

/* ---- TLS with the run PKI ---- */

static size_t sink(char *data, size_t size, size_t n, void *arg)
{
	strbuf_add(arg, data, size * n);
	return size * n;
}

/* GET url from inside the current namespace; ca NULL: the system's roots. */
static CURLcode https_get(const char *url, const char *ca, long *code, struct strbuf *body)
{
	CURL *c = curl_easy_init();
	CURLcode rc;

	if (!c)
		return CURLE_FAILED_INIT;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, body);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	if (ca)
		curl_easy_setopt(c, CURLOPT_CAINFO, ca);
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, code);
	curl_easy_cleanup(c);
	return rc;
}

/*
 * openssl s_server with the run certificate on 198.51.100.1:443 in inet;
 * libcurl in the harness, moved into routeros with lab_enter(), must trust
 * it with ca.crt and must not without.
 */
static void check_tls(const struct lab *lab, const char *dir)
{
	char *crt = xasprintf("%s/server.crt", dir), *key = xasprintf("%s/server.key", dir);
	char *ca = xasprintf("%s/ca.crt", dir), *log = xasprintf("%s/tls.log", dir);
	const char *argv[] = { "openssl", "s_server", "-accept", LAB_INET_GW ":443",
			       "-cert",   crt,        "-key",    key,
			       "-www",    NULL };
	struct proc_spec spec = {
		.name = "s_server", .argv = argv, .netns = lab->inet, .log_path = log
	};
	struct strbuf body = STRBUF_INIT;
	struct proc *p = proc_spawn(&spec);
	CURLcode rc = CURLE_FAILED_INIT, bad = CURLE_OK;
	long code = 0, bad_code = 0;
	int saved;

	if (!p || lab_wait_log(log, 0, "ACCEPT", 5000, p) < 0) {
		check(0, "openssl s_server with the run certificate on %s:443", LAB_INET_GW);
		goto out;
	}
	if (lab_enter(lab->routeros, &saved) == 0) {
		rc = https_get("https://" LAB_INET_GW "/", ca, &code, &body);
		bad = https_get("https://" LAB_INET_GW "/", NULL, &bad_code, &body);
		lab_leave(saved);
	}
	check(rc == CURLE_OK && code == 200,
	      "libcurl in routeros trusts https://%s/ with ca.crt: %s", LAB_INET_GW,
	      curl_easy_strerror(rc));
	check(bad == CURLE_PEER_FAILED_VERIFICATION, "libcurl without ca.crt refuses it: %s",
	      curl_easy_strerror(bad));
	proc_stop(p, 1000);
out:
	strbuf_release(&body);
	free(log);
	free(ca);
	free(key);
	free(crt);
}

/* ---- main ---- */

static void usage(void)
{
	fprintf(stderr, "usage: labtest [--dnsd PATH] [--zones DIR] [--cycles N] [--keep] [-v]\n");
}

int main(int argc, char **argv)
{
	const char *dnsd = "build/host/dnsd", *zones = "fixtures/zones";
	struct strbuf before = STRBUF_INIT, after = STRBUF_INIT, diff = STRBUF_INIT;
	char dir[] = "/tmp/tsc-labtest-XXXXXX";
	unsigned long cycles = 3;
	int keep = 0;
	double up_min = 1e9, up_max = 0, down_min = 1e9, down_max = 0;
	struct lab lab;
	ino_t inodes[3] = { 0, 0, 0 };

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--dnsd") && i + 1 < argc) {
			dnsd = argv[++i];
		} else if (!strcmp(argv[i], "--zones") && i + 1 < argc) {
			zones = argv[++i];
		} else if (!strcmp(argv[i], "--cycles") && i + 1 < argc) {
			char *end;

			errno = 0;
			cycles = strtoul(argv[++i], &end, 10);
			if (errno || *end || cycles > 100) {
				usage();
				return 2;
			}
		} else if (!strcmp(argv[i], "--keep")) {
			keep = 1;
		} else if (!strcmp(argv[i], "-v")) {
			log_set_level(LOG_DEBUG);
		} else {
			usage();
			return 2;
		}
	}
	log_start();
	undo_install();
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (geteuid() != 0) {
		printf("1..0 # SKIP labtest needs root\n");
		return 0;
	}
	if (lab_preflight() < 0) {
		printf("Bail out! lab preflight failed\n");
		return 1;
	}
	if (access(dnsd, X_OK) < 0) {
		error_errno("cannot run dnsd '%s' (make dnsd)", dnsd);
		printf("Bail out! no dnsd\n");
		return 1;
	}
	if (lab_host_snapshot(&before) < 0) {
		printf("Bail out! cannot snapshot the machine\n");
		return 1;
	}
	if (!mkdtemp(dir)) {
		error_errno("cannot create '%s'", dir);
		return 1;
	}
	if (!keep)
		undo_push(undo_rm_rf, xstrdup(dir), "remove labtest dir");

	{
		double t0 = now_s();
		int ok = pki_make(dir, LAB_INET_GW) == 0 && pki_verify(dir, LAB_INET_GW) == 0;

		check(ok, "pki: CA and server certificate for IP %s verify (%.3f s)", LAB_INET_GW,
		      now_s() - t0);
	}

	if (lab_init(&lab, NULL) < 0 || lab_up_router(&lab, 1) < 0) {
		check(0, "lab up");
		printf("1..%d\n%d passed, %d failed\n", n_test, n_pass, n_fail);
		return 1;
	}
	check(1, "lab %s up in %.3f s (netns %s, %s)", lab.suffix, lab.up_s, lab.inet,
	      lab.routeros);
	netns_inode(lab.inet, &inodes[0]);
	netns_inode(lab.routeros, &inodes[1]);

	check_topology(&lab);
	if (!interrupted())
		check_tls(&lab, dir);
	if (!interrupted())
		check_dns(&lab, dnsd, zones, dir, &inodes[2]);

	if (keep) {
		printf("# --keep: lab %s left up; logs in %s; remove with:\n"
		       "#   ip netns del %s; ip netns del %s; ip netns del tsc-lan-%s; rm -rf %s\n",
		       lab.suffix, dir, lab.inet, lab.routeros, lab.suffix, dir);
		printf("1..%d\n%d passed, %d failed\n", n_test, n_pass, n_fail);
		fflush(stdout);
		_exit(n_fail ? 1 : 0); /* no atexit undo */
	}
	lab_down(&lab);
	check(1, "lab %s down in %.3f s", lab.suffix, lab.down_s);
	if (!interrupted())
		check_gone(&lab, inodes, 3);

	for (unsigned long c = 0; c < cycles && !interrupted(); c++) {
		struct lab l;

		if (lab_init(&l, NULL) < 0 || lab_up_router(&l, 1) < 0) {
			check(0, "cycle %lu: lab up", c + 1);
			break;
		}
		lab_down(&l);
		up_min = l.up_s < up_min ? l.up_s : up_min;
		up_max = l.up_s > up_max ? l.up_s : up_max;
		down_min = l.down_s < down_min ? l.down_s : down_min;
		down_max = l.down_s > down_max ? l.down_s : down_max;
	}
	if (cycles && !interrupted())
		check(1, "%lu more cycles: up %.3f-%.3f s, down %.3f-%.3f s", cycles, up_min,
		      up_max, down_min, down_max);

	undo_all();
	if (interrupted()) {
		printf("# interrupted by signal %d: torn down, machine not compared\n",
		       interrupt_signal());
	} else if (lab_host_snapshot(&after) < 0) {
		check(0, "snapshot the machine after the run");
	} else {
		int differ = lab_host_compare(before.buf, after.buf, &diff);
		size_t lines = 0;

		for (size_t i = 0; i < before.len; i++)
			lines += before.buf[i] == '\n';
		check(!differ,
		      "machine left as found: routes, rules, links, nftables, netns, "
		      "sysctls, /etc (%zu lines compared)",
		      lines);
		if (differ)
			fprintf(stderr, "%s", strbuf_str(&diff));
	}
	check(!exists(dir) || keep, "temp dir %s removed", dir);
	strbuf_release(&before);
	strbuf_release(&after);
	strbuf_release(&diff);
	curl_global_cleanup();
	printf("1..%d\n%d passed, %d failed\n", n_test, n_pass, n_fail);
	return n_fail ? 1 : 0;
}
