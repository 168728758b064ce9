/* SPDX-License-Identifier: BSD-3-Clause */
#include "udpblock.h"

#include "lab.h"
#include "log.h"
#include "proc.h"
#include "strbuf.h"
#include "undo.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "ip" or "ip6" for a bare address, NULL for anything else. */
static const char *addr_family(const char *addr)
{
	unsigned char bin[16];

	if (inet_pton(AF_INET, addr, bin) == 1)
		return "ip";
	if (inet_pton(AF_INET6, addr, bin) == 1)
		return "ip6";
	return NULL;
}

const char *udpblock_table(const char *addr)
{
	const char *fam = addr_family(addr);

	if (!fam)
		return NULL;
	return strcmp(fam, "ip6") ? UDPBLOCK_TABLE : UDPBLOCK_TABLE6;
}

char *udpblock_ruleset(const char *peer, const char *local)
{
	const char *fam = addr_family(peer);

	if (!fam || !addr_family(local) || strcmp(fam, addr_family(local)))
		return NULL;
	/*
	 * "create" fails if the table exists: never merge into another block.
	 * Inbound drops before conntrack (raw), so nothing half-made lingers;
	 * outbound drops after srcnat, where a masqueraded packet already
	 * carries local as its source.
	 */
	return xasprintf(
		"create table inet %s\n"
		"table inet %s {\n"
		"  counter from_peer { }\n"
		"  counter to_peer { }\n"
		"  chain from_peer {\n"
		"    type filter hook prerouting priority raw; policy accept;\n"
		"    %s saddr %s %s daddr %s meta l4proto udp counter name \"from_peer\" drop\n"
		"  }\n"
		"  chain to_peer {\n"
		"    type filter hook postrouting priority srcnat + 10; policy accept;\n"
		"    %s saddr %s %s daddr %s meta l4proto udp counter name \"to_peer\" drop\n"
		"  }\n"
		"}\n",
		udpblock_table(peer), udpblock_table(peer), fam, peer, fam, local, fam, local, fam,
		peer);
}

int udpblock_parse_counters(const char *json, size_t len, const char *table_name,
			    struct udpblock_counts *c)
{
	json_error_t jerr;
	json_t *root = json_loadb(json, len, 0, &jerr), *items, *item;
	int seen = 0;
	size_t i;

	if (!root)
		return error("cannot parse nft counters: %s", jerr.text);
	items = json_object_get(root, "nftables");
	json_array_foreach(items, i, item)
	{
		json_t *ctr = json_object_get(item, "counter");
		const char *name = json_string_value(json_object_get(ctr, "name"));
		const char *table = json_string_value(json_object_get(ctr, "table"));
		json_t *packets = json_object_get(ctr, "packets");

		if (!name || !table || strcmp(table, table_name) || !json_is_integer(packets))
			continue;
		if (!strcmp(name, "from_peer")) {
			c->from_peer = json_integer_value(packets);
			seen |= 1;
		} else if (!strcmp(name, "to_peer")) {
			c->to_peer = json_integer_value(packets);
			seen |= 2;
		}
	}
	json_decref(root);
	if (seen != 3)
		return error("nft counters of table '%s' lack %s", table_name,
			     seen & 1 ? "to_peer" : "from_peer");
	return 0;
}

int udpblock_add(struct udpblock *b, const char *netns, const char *peer, const char *local)
{
	const char *table = udpblock_table(peer);
	const char *del[] = { "ip",     "netns", "exec", netns, "nft",
			      "delete", "table", "inet", table, NULL };
	const char *load[] = { "nft", NULL, NULL };
	char *ruleset, *what;
	int ret;

	memset(b, 0, sizeof(*b));
	if (!lab_netns_ok(netns) || strlen(netns) >= sizeof(b->netns))
		return error("refusing namespace '%s': not a lab namespace", netns);
	if (!lab_addr_ok(peer) || !lab_addr_ok(local))
		return error("refusing UDP block '%s' <-> '%s': outside the lab ranges", peer,
			     local);
	ruleset = udpblock_ruleset(peer, local);
	if (!ruleset)
		return error("cannot block UDP between '%s' and '%s': want two addresses of one "
			     "family",
			     peer, local);
	load[1] = ruleset;
	what = xasprintf("load the nft table %s", table);
	ret = lab_nft_cmd(netns, what, load, NULL);
	free(ruleset);
	free(what);
	if (ret < 0)
		return -1;
	snprintf(b->netns, sizeof(b->netns), "%s", netns);
	b->table = table;
	b->undo_depth = undo_depth();
	what = xasprintf("delete nft table %s in %s", table, netns);
	undo_push_argv(what, del);
	free(what);
	b->active = 1;
	debug("udp block %s <-> %s in '%s'", peer, local, netns);
	return 0;
}

int udpblock_read(const struct udpblock *b, struct udpblock_counts *c)
{
	const char *argv[] = { "nft", "-j", "list", "counters", "table", "inet", b->table, NULL };
	struct strbuf out = STRBUF_INIT;
	int ret;

	if (!b->active)
		return error("no UDP block to read");
	ret = lab_nft_cmd(b->netns, "list nft counters", argv, &out);
	if (ret == 0)
		ret = udpblock_parse_counters(strbuf_str(&out), out.len, b->table, c);
	strbuf_release(&out);
	return ret;
}

int udpblock_remove(struct udpblock *b)
{
	const char *argv[] = { "nft", "list", "tables", NULL };
	struct strbuf out = STRBUF_INIT;
	char *line;
	int ret;

	if (!b->active)
		return 0;
	undo_unwind(b->undo_depth);
	b->active = 0;
	ret = lab_nft_cmd(b->netns, "list nft tables", argv, &out);
	line = xasprintf("inet %s\n", b->table);
	if (ret == 0 && strstr(strbuf_str(&out), line))
		ret = error("nft table '%s' is still in '%s' after its removal", b->table,
			    b->netns);
	free(line);
	strbuf_release(&out);
	return ret;
}
