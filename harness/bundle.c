/* SPDX-License-Identifier: BSD-3-Clause */
/* The failure bundle and --keep (bundle.h). */
#include "bundle.h"

#include "agent.h"
#include "files.h"
#include "headscale.h"
#include "kit.h"
#include "log.h"
#include "node.h"
#include "proc.h"
#include "runner.h"
#include "strbuf.h"
#include "router.h"
#include "undo.h"
#include "userns.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/*
 * A pcap per lab bridge for the failure bundle: the stand-in internet's
 * bridge sees control, DERP, STUN, DNS, web and every peer's WireGuard; the
 * containers bridge sees the router's own traffic. Kept only when the run
 * fails (or with --keep); capped at PCAP_MAX_MB each.
 */
#define PCAP_MAX_MB "32"
void start_captures(struct run *r)
{
	const struct {
		const char *netns, *bridge, *name;
	} c[] = {
		{ r->lab.inet, r->lab.inet_br, "inet" },
		{ r->lab.routeros, r->lab.containers, "containers" },
	};
	char *dir = run_logpath(r, "pcap");

	if (mkdir_p(dir) < 0) {
		warning("no packet captures: cannot create '%s'", dir);
		free(dir);
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(c); i++) {
		char *file = xasprintf("%s/%s.pcap", dir, c[i].name);
		char *log = xasprintf("%s/%s.tcpdump.log", dir, c[i].name);
		/* -Z root: Debian's tcpdump would drop to its own user and fail to write here */
		const char *argv[] = { "tcpdump", "-i",   c[i].bridge, "-n",        "-U",
				       "-Z",      "root", "-C",        PCAP_MAX_MB, "-W",
				       "1",       "-w",   file,        NULL };
		struct proc_spec ps = {
			.name = "tcpdump", .argv = argv, .netns = c[i].netns, .log_path = log
		};

		if (!proc_spawn(&ps))
			warning("no packet capture on %s (see %s)", c[i].bridge, log);
		free(file);
		free(log);
	}
	free(dir);
}

/* A passing run keeps no captures: they only serve a failure's reader. */
void drop_captures(struct run *r)
{
	char *dir = run_logpath(r, "pcap");

	rm_rf(dir);
	free(dir);
}

static void dump_json(struct run *r, const char *name, json_t *j)
{
	char *path = run_logpath(r, name);

	if (j && json_dump_file(j, path, JSON_INDENT(2)) < 0)
		warning("cannot write '%s'", path);
	json_decref(j);
	free(path);
}

static void dump_text(struct run *r, const char *name, const struct strbuf *sb)
{
	char *path = run_logpath(r, name);
	FILE *fp = fopen(path, "we");

	if (!fp || fwrite(strbuf_str(sb), 1, sb->len, fp) != sb->len)
		warning("cannot write '%s'", path);
	if (fp)
		fclose(fp);
	free(path);
}

/*
 * The failure bundle's live part: every tailscaled's `status --json`,
 * headscale's node list, and on a failure both ends' netcheck, so a
 * maintainer never needs to rerun to see what each side believed.
 */
void save_status(struct run *r, int failed)
{
	struct {
		const char *name;
		struct node *n;
		int up;
	} host[] = {
		{ "client", &r->peers.client, r->peers.client_up },
		{ "exit", &r->peers.exit, r->peers.exit_up },
		{ "phone", &r->peers.phone, r->peers.phone_up },
	};
	struct strbuf sb = STRBUF_INIT, err = STRBUF_INIT;
	char name[64];

	if (r->s.router)
		dump_json(r, "router-status.json", router_status_json(&r->s, 15000, 0));
	for (size_t i = 0; r->have_peers && i < ARRAY_SIZE(host); i++) {
		if (!host[i].up)
			continue;
		snprintf(name, sizeof(name), "%s-status.json", host[i].name);
		dump_json(r, name, node_status(host[i].n));
	}
	if (r->s.hs && headscale_nodes_json(&r->hs, &sb) == 0)
		dump_text(r, "headscale-nodes.json", &sb);
	if (!failed)
		goto out;
	if (r->s.router) {
		const char *argv[] = { TS_CLI, "netcheck", NULL };
		struct agent_cmd cmd = { .argv = argv, .timeout_ms = scaled(&r->s, 30000) };
		struct agent_result res = AGENT_RESULT_INIT;

		if (agent_exec(r->s.router, &cmd, &res) == 0) {
			strbuf_add(&res.out, strbuf_str(&res.err), res.err.len);
			dump_text(r, "router-netcheck.txt", &res.out);
		}
		agent_result_release(&res);
	}
	if (r->have_peers && r->peers.client_up) {
		const char *args[] = { "netcheck", NULL };
		int status;

		strbuf_reset(&sb);
		if (node_cli(&r->peers.client, args, scaled(&r->s, 30000), &sb, &err, &status) ==
		    0) {
			strbuf_add(&sb, strbuf_str(&err), err.len);
			dump_text(r, "client-netcheck.txt", &sb);
		}
	}
out:
	strbuf_release(&sb);
	strbuf_release(&err);
}

void keep_until_interrupted(struct run *r)
{
	struct node *nodes[] = { &r->peers.client, &r->peers.exit, &r->peers.phone };

	fprintf(stderr,
		"\n--keep: the lab stays up. Enter it with:\n"
		"  ip netns exec %s sh   # stand-in internet: headscale, DERP, DNS, web\n"
		"  ip netns exec %s sh   # the RouterOS host: containers bridge, tap, NAT\n",
		r->lab.inet, r->lab.routeros);
	if (userns_active())
		fprintf(stderr,
			"  (the lab is in this run's user namespace: prefix each with\n"
			"   nsenter -t %d -U -m -n --preserve-credentials)\n",
			(int)getpid());
	if (r->have_peers) {
		fprintf(stderr, "  ip netns exec %s sh   # the LAN host 172.20.0.10\n",
			r->peers.lan_ns);
		for (size_t i = 0; i < ARRAY_SIZE(nodes); i++)
			if (nodes[i]->netns && nodes[i]->tailscale && nodes[i]->sock)
				fprintf(stderr,
					"  ip netns exec %s %s --socket=%s status   # node %s\n",
					nodes[i]->netns, nodes[i]->tailscale, nodes[i]->sock,
					nodes[i]->name);
	}
	if (r->hs.config_path)
		fprintf(stderr, "  ip netns exec %s %s -c %s nodes list   # headscale\n",
			r->lab.inet, r->o->kit->headscale, r->hs.config_path);
	fprintf(stderr,
		"  the router VM: its console is %s/console.log (live); its agent socket "
		"%s/agent.sock\n"
		"  pcaps (live, one per bridge): %s/pcap/\n"
		"work dir: %s\nlogs: %s\nPress Ctrl-C to tear everything down.\n",
		r->logdir, r->workdir, r->logdir, r->workdir, r->logdir);
	while (!interrupted())
		pause();
}
