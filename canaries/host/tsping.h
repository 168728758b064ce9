/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TSCANARY_TSPING_H
#define TSCANARY_TSPING_H

#include <stddef.h>

/*
 * The output of `tailscale ping` (disco pings, cmd/tailscale/cli/ping.go):
 * one line per reply, "pong from NAME (IP[, PEERAPIPORT]) via VIA in LATENCY",
 * where VIA is the peer's ip:port for a direct path, "DERP(<region code>)"
 * for a relayed one, "peer-relay(<addr:port:vni>)" through a peer relay; a
 * ping without a reply prints `ping "IP" timed out`. Pure parsing: no
 * process, no network.
 */

/* How one reply travelled. */
enum tsping_path {
	TSPING_OTHER,  /* a pong whose VIA is none of the below (e.g. "TSMP") */
	TSPING_DIRECT, /* straight to the peer's ip:port */
	TSPING_DERP,   /* relayed through a DERP server */
	TSPING_RELAY,  /* through a peer relay */
};

/* One reply line. */
struct tsping_pong {
	enum tsping_path path;
	char node[128];    /* NAME */
	char ip[64];       /* IP, without the PeerAPI port */
	char via[96];      /* the endpoint, or what DERP(...)/peer-relay(...) enclose */
	double latency_ms; /* -1 when the latency does not parse */
};

/* A whole output: what the replies said, the last one in full. */
struct tsping_result {
	int pongs, direct, derp, relay, timeouts;
	struct tsping_pong last; /* valid when pongs > 0 */
};

/* "direct", "DERP", "peer-relay" or "other". */
const char *tsping_path_name(enum tsping_path path);
/*
 * Parse Go's time.Duration text ("0s", "850µs", "3ms", "1.204s", "1m2.5s")
 * into milliseconds; 0 or -1 if s is not one.
 */
int tsping_duration_ms(const char *s, double *ms);
/* Parse one line (no newline needed); 0 for a pong line, -1 for anything else. */
int tsping_parse_line(const char *line, struct tsping_pong *pong);
/* Parse text[0..len) line by line into res (zeroed first); returns res->pongs. */
int tsping_parse(const char *text, size_t len, struct tsping_result *res);

#endif
