/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TSCANARY_PORTMAP_H
#define TSCANARY_PORTMAP_H

#include <stddef.h>

/* One mapping the lab's NAT-PMP server granted, from its log line. */
struct natpmp_map {
	char src[64];      /* the client, "IP:PORT" */
	unsigned internal; /* the client's port */
	unsigned external; /* the port on RouterOS's WAN */
	unsigned lifetime; /* seconds; 0 was a delete */
	long handle;       /* the nft rule that carries it */
};

/*
 * Parse a natpmpd log line "... src=IP:PORT op=map-udp internal=P
 * external=E lifetime=S result=0 handle=H": 0 for a granted mapping (result
 * 0, lifetime above 0, a rule handle), -1 for anything else.
 */
int natpmp_parse_map(const char *line, struct natpmp_map *m);
/*
 * Packets counted by the rule with handle in `nft -j list chain` output;
 * -1 if the rule or its counter is not there.
 */
long long natpmp_rule_packets(const char *json, size_t len, long handle);

#endif
