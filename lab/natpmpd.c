/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * natpmpd: the lab's NAT-PMP server (RFC 6886), what RouterOS runs with
 * `/ip nat-pmp` enabled and the containers bridge as an internal interface.
 * It answers on the internal address (UDP 5351), and for each UDP mapping
 * a client asks for it adds a dst-nat rule on the WAN, as RouterOS adds a
 * dynamic dstnat entry: WAN-ADDR:external -> client:internal, counted.
 *
 *   natpmpd -a INTERNAL-ADDR -e WAN-ADDR -i WAN-IFNAME -t TABLE -c CHAIN [-l LOG]
 *
 * TABLE (ip family) and CHAIN (a nat prerouting chain) exist already (the
 * harness creates them in the router's namespace); natpmpd runs nft there,
 * in its own namespace only. External ports come from 61000 up (a renewal
 * keeps the one it suggests). Lifetime 0 deletes.
 * PCP (version 2) and other versions get "unsupported version", as
 * RFC 6886 section 3.5 asks. One log line per request:
 *   <time> src=IP:PORT op=map-udp internal=P external=E lifetime=S result=0 handle=H
 */
#include "srv.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PMP_PORT     5351
#define MAX_MAPPINGS 64
#define EXT_BASE     61000 /* external ports are handed out from here */

enum { OP_PUBLIC = 0, OP_MAP_UDP = 1, OP_MAP_TCP = 2, OP_REPLY = 0x80 };
enum { RES_OK = 0, RES_UNSUPP_VERSION = 1, RES_NETWORK = 3, RES_RESOURCES = 4, RES_UNSUPP_OP = 5 };

struct mapping {
	struct in_addr client;
	uint16_t internal, external;
	long handle; /* nft rule handle; 0: free slot */
};

static struct mapping maps[MAX_MAPPINGS];
static const char *wan_addr, *wan_if, *table, *chain;
static struct in_addr wan_in;
static long start_s;
static uint16_t next_port = EXT_BASE;

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

/* Run nft with args; its stdout (up to len) into out when not NULL. 0 on exit 0. */
static int nft(const char *const argv[], char *out, size_t len)
{
	int fds[2], status;
	size_t got = 0;
	pid_t pid;

	if (pipe(fds) < 0)
		return srv_fail("natpmpd", "pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return srv_fail("natpmpd", "fork: %s", strerror(errno));
	}
	if (pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		close(fds[1]);
		execvp("nft", (char *const *)argv);
		_exit(127);
	}
	close(fds[1]);
	for (;;) {
		char buf[512];
		ssize_t n = read(fds[0], buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (out && got + 1 < len) {
			size_t take = (size_t)n < len - 1 - got ? (size_t)n : len - 1 - got;

			memcpy(out + got, buf, take);
			got += take;
		}
	}
	close(fds[0]);
	if (out)
		out[got] = '\0';
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* Add the dst-nat rule for m; its handle into m->handle. */
static int add_rule(struct mapping *m)
{
	char rule[512], out[1024], client[INET_ADDRSTRLEN], *h;

	inet_ntop(AF_INET, &m->client, client, sizeof(client));
	snprintf(rule, sizeof(rule),
		 "add rule ip %s %s iifname \"%s\" ip daddr %s udp dport %u counter "
		 "dnat to %s:%u comment \"nat-pmp %s:%u\"",
		 table, chain, wan_if, wan_addr, m->external, client, m->internal, client,
		 m->internal);
	const char *argv[] = { "nft", "--echo", "--handle", rule, NULL };

	if (nft(argv, out, sizeof(out)) < 0)
		return srv_fail("natpmpd", "nft refused: %s", rule);
	h = strstr(out, "# handle ");
	m->handle = h ? strtol(h + 9, NULL, 10) : 0;
	if (m->handle <= 0)
		return srv_fail("natpmpd", "no handle in nft's echo: %s", out);
	return 0;
}

static int del_rule(struct mapping *m)
{
	char handle[32];
	const char *argv[] = {
		"nft", "delete", "rule", "ip", table, chain, "handle", handle, NULL
	};

	snprintf(handle, sizeof(handle), "%ld", m->handle);
	if (nft(argv, NULL, 0) < 0)
		return srv_fail("natpmpd", "cannot delete rule handle %ld", m->handle);
	m->handle = 0;
	return 0;
}

static struct mapping *find(struct in_addr client, uint16_t internal)
{
	for (int i = 0; i < MAX_MAPPINGS; i++)
		if (maps[i].handle && maps[i].client.s_addr == client.s_addr &&
		    maps[i].internal == internal)
			return &maps[i];
	return NULL;
}

static int external_taken(uint16_t port)
{
	for (int i = 0; i < MAX_MAPPINGS; i++)
		if (maps[i].handle && maps[i].external == port)
			return 1;
	return 0;
}

/* Map (or renew, or with lifetime 0 delete) client:internal; the result code. */
static int map_udp(struct in_addr client, uint16_t internal, uint16_t suggested, uint32_t lifetime,
		   uint16_t *external, long *handle)
{
	struct mapping *m = find(client, internal);
	uint16_t port;

	*external = 0;
	*handle = 0;
	if (!lifetime) {
		if (m && del_rule(m) < 0)
			return RES_NETWORK;
		return RES_OK;
	}
	if (m) {
		*external = m->external;
		*handle = m->handle;
		return RES_OK;
	}
	for (m = maps; m < maps + MAX_MAPPINGS && m->handle; m++)
		;
	if (m == maps + MAX_MAPPINGS)
		return RES_RESOURCES;
	/*
	 * A renewal suggests the port it had; a first request gets the next
	 * from EXT_BASE up, never the client's own port: Linux's masquerade
	 * keeps source ports, so an external port equal to the internal one
	 * would be the very endpoint STUN already finds, and a peer seeing it
	 * would prove nothing about the mapping.
	 */
	port = suggested && suggested != internal ? suggested : next_port;
	while (port < EXT_BASE || external_taken(port))
		port = port >= 65535 ? EXT_BASE : (uint16_t)(port + 1);
	next_port = port >= 65535 ? EXT_BASE : (uint16_t)(port + 1);
	m->client = client;
	m->internal = internal;
	m->external = port;
	if (add_rule(m) < 0) {
		m->handle = 0;
		return RES_NETWORK;
	}
	*external = port;
	*handle = m->handle;
	return RES_OK;
}

static void handle(int fd, const uint8_t *req, size_t n, const struct sockaddr_in *from)
{
	uint8_t resp[16] = { 0 };
	size_t rlen = 8;
	char src[64];
	int res = RES_OK;
	long h = 0;

	srv_format_peer((const struct sockaddr_storage *)from, src, sizeof(src));
	if (n < 2)
		return;
	resp[1] = (uint8_t)(OP_REPLY | req[1]);
	put32(resp + 4, (uint32_t)(srv_now_ms() / 1000 - start_s));
	if (req[0] != 0) {
		res = RES_UNSUPP_VERSION;
		srv_logline("%ld src=%s version=%u result=%d (unsupported version)",
			    (long)time(NULL), src, req[0], res);
	} else if (req[1] == OP_PUBLIC) {
		memcpy(resp + 8, &wan_in, 4);
		rlen = 12;
		srv_logline("%ld src=%s op=public external=%s result=0", (long)time(NULL), src,
			    wan_addr);
	} else if (req[1] == OP_MAP_UDP && n >= 12) {
		uint16_t internal = get16(req + 4), suggested = get16(req + 6), ext = 0;
		uint32_t lifetime = get32(req + 8);

		res = internal ? map_udp(from->sin_addr, internal, suggested, lifetime, &ext, &h)
			       : RES_UNSUPP_OP;
		put16(resp + 8, internal);
		put16(resp + 10, ext);
		put32(resp + 12, res == RES_OK ? lifetime : 0);
		rlen = 16;
		srv_logline("%ld src=%s op=map-udp internal=%u external=%u lifetime=%u result=%d "
			    "handle=%ld",
			    (long)time(NULL), src, internal, ext, lifetime, res, h);
	} else {
		/* TCP mappings too are beyond what tailscaled asks for */
		res = RES_UNSUPP_OP;
		srv_logline("%ld src=%s op=%u result=%d (unsupported opcode)", (long)time(NULL),
			    src, req[1], res);
	}
	put16(resp + 2, (uint16_t)res);
	if (sendto(fd, resp, rlen, 0, (const struct sockaddr *)from, sizeof(*from)) < 0)
		srv_logline("natpmpd: warning: cannot answer %s: %s", src, strerror(errno));
}

static void usage(void)
{
	fprintf(stderr, "usage: natpmpd -a INTERNAL-ADDR -e WAN-ADDR -i WAN-IFNAME -t TABLE "
			"-c CHAIN [-l LOGFILE]\n");
}

int main(int argc, char **argv)
{
	const char *addr = NULL, *logpath = NULL;
	struct sockaddr_storage ss;
	sigset_t run_mask;
	socklen_t sslen = 0;
	int opt, fd, ret = 0;

	while ((opt = getopt(argc, argv, "a:e:i:t:c:l:h")) != -1) {
		switch (opt) {
		case 'a': addr = optarg; break;
		case 'e': wan_addr = optarg; break;
		case 'i': wan_if = optarg; break;
		case 't': table = optarg; break;
		case 'c': chain = optarg; break;
		case 'l': logpath = optarg; break;
		case 'h': usage(); return 0;
		default: usage(); return 2;
		}
	}
	if (!addr || !wan_addr || !wan_if || !table || !chain || optind != argc) {
		usage();
		return 2;
	}
	if (inet_pton(AF_INET, wan_addr, &wan_in) != 1) {
		fprintf(stderr, "natpmpd: '%s' is not an IPv4 address\n", wan_addr);
		return 2;
	}
	if (srv_start("natpmpd", logpath, &run_mask) < 0)
		return 1;
	start_s = srv_now_ms() / 1000;
	if (srv_parse_addr("natpmpd", addr, PMP_PORT, &ss, &sslen) < 0 || ss.ss_family != AF_INET)
		return 1;
	fd = srv_open_socket("natpmpd", &ss, sslen, SOCK_DGRAM, 0);
	if (fd < 0)
		return 1;
	srv_logline("natpmpd: listening on %s:%d (nat-pmp), external %s on %s", addr, PMP_PORT,
		    wan_addr, wan_if);
	while (!srv_stop_signal) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		struct timespec ts = { 0, 250 * 1000000L };
		int n = ppoll(&pfd, 1, &ts, &run_mask);

		if (n < 0 && errno != EINTR) {
			ret = srv_fail("natpmpd", "cannot poll: %s", strerror(errno));
			break;
		}
		while (n > 0) {
			uint8_t req[1100];
			struct sockaddr_in from;
			socklen_t flen = sizeof(from);
			ssize_t got = recvfrom(fd, req, sizeof(req), 0, (struct sockaddr *)&from,
					       &flen);

			if (got < 0)
				break;
			if (from.sin_family == AF_INET)
				handle(fd, req, (size_t)got, &from);
		}
	}
	/* the mappings go with the namespace's table; say what was left */
	for (int i = 0; i < MAX_MAPPINGS; i++)
		if (maps[i].handle)
			srv_logline("natpmpd: mapping external=%u internal=%u left at exit",
				    maps[i].external, maps[i].internal);
	if (srv_stop_signal)
		srv_logline("natpmpd: exiting on signal %d", (int)srv_stop_signal);
	close(fd);
	return ret < 0 ? 1 : 0;
}
