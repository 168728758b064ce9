/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TSCANARY_UDPBLOCK_H
#define TSCANARY_UDPBLOCK_H

#include <stddef.h>

/*
 * A UDP block on the wire between two lab addresses: an nftables table in
 * one lab namespace (never the machine's own) that drops UDP from peer to
 * local as it arrives (prerouting, before conntrack and NAT) and from local
 * to peer as it leaves (postrouting, after source NAT, so local may be the
 * address a masquerade puts on), each drop counted by a named counter.
 * TCP and UDP to anyone else pass: a DERP relay and STUN keep working.
 */

/*
 * The table's name: one per address family, so a namespace holds one IPv4
 * and one IPv6 block at most (adding a second of a family fails).
 */
#define UDPBLOCK_TABLE  "tsc-udpblock"
#define UDPBLOCK_TABLE6 "tsc-udpblock6"

/* An installed block; its removal sits on the undo stack while it exists. */
struct udpblock {
	char netns[32];
	const char *table; /* UDPBLOCK_TABLE or UDPBLOCK_TABLE6 */
	size_t undo_depth; /* depth before the removal was pushed */
	int active;
};

/* Packets each direction's rule dropped. */
struct udpblock_counts {
	long long from_peer; /* peer -> local */
	long long to_peer;   /* local -> peer */
};

/* The block's table for an address's family; NULL for anything but a bare address. */
const char *udpblock_table(const char *addr);
/* The nft script (heap string) that creates the table; NULL for a bad address. */
char *udpblock_ruleset(const char *peer, const char *local);
/*
 * Parse `nft -j list counters table inet TABLE` output into c; -1 if it is
 * not JSON or lacks either counter of table.
 */
int udpblock_parse_counters(const char *json, size_t len, const char *table,
			    struct udpblock_counts *c);
/*
 * Install the block in lab namespace netns (peer and local lab addresses
 * of one family) and push its removal. Refuses non-lab namespaces and
 * addresses outside the lab ranges.
 */
int udpblock_add(struct udpblock *b, const char *netns, const char *peer, const char *local);
/* Read the drop counters of an active block. */
int udpblock_read(const struct udpblock *b, struct udpblock_counts *c);
/*
 * Remove the block by unwinding the undo stack to where udpblock_add()
 * left it (so call it in the scope that added it), then check the table is
 * gone. A no-op when not active.
 */
int udpblock_remove(struct udpblock *b);

#endif
