/* SPDX-License-Identifier: BSD-3-Clause */
#include "lab.h"

#include "clock.h"
#include "files.h"
#include "log.h"
#include "proc.h"
#include "strbuf.h"
#include "undo.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define CMD_TIMEOUT_MS 10000

static int is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static int valid_word(const char *s, size_t max)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (!is_name_char(s[n]))
			return 0;
	return n > 0 && n <= max;
}

int lab_name(const struct lab *lab, const char *role, char *buf, size_t len)
{
	int n;

	if (!valid_word(role, LAB_ROLE_MAX + LAB_SUFFIX_LEN - strlen(lab->suffix)))
		return error("invalid lab name role '%s'", role);
	n = snprintf(buf, len, "tsc-%s-%s", role, lab->suffix);
	if (n < 0 || (size_t)n >= len || n >= IFNAMSIZ)
		return error("lab name 'tsc-%s-%s' is too long", role, lab->suffix);
	return 0;
}

int lab_netns_ok(const char *name)
{
	size_t n;

	if (!name || strncmp(name, "tsc-", 4) != 0)
		return 0;
	for (n = 4; name[n]; n++)
		if (!is_name_char(name[n]) && name[n] != '-')
			return 0;
	return n > 4 && n < IFNAMSIZ;
}

static int valid_ifname(const char *name)
{
	size_t n;

	if (!name)
		return 0;
	for (n = 0; name[n]; n++)
		if (!is_name_char(name[n]) && name[n] != '-' && name[n] != '_' && name[n] != '.')
			return 0;
	return n > 0 && n < IFNAMSIZ;
}

int lab_init(struct lab *lab, const char *suffix)
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	struct {
		const char *role;
		char *dst;
	} names[] = {
		{ "inet", lab->inet }, { "ros", lab->routeros }, { "br", lab->inet_br },
		{ "wan", lab->wan },   { "ros", lab->wan_peer }, { "ctr", lab->containers },
		{ "tap", lab->tap },
	};

	memset(lab, 0, sizeof(*lab));
	if (suffix) {
		if (!valid_word(suffix, LAB_SUFFIX_LEN))
			return error("invalid run suffix '%s': want 1 to %d of [a-z0-9]", suffix,
				     LAB_SUFFIX_LEN);
		memcpy(lab->suffix, suffix, strlen(suffix) + 1);
	} else {
		unsigned char rnd[LAB_SUFFIX_LEN];

		if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
			return error_errno("cannot get random bytes for the run suffix");
		for (size_t i = 0; i < LAB_SUFFIX_LEN; i++)
			lab->suffix[i] = alphabet[rnd[i] % (sizeof(alphabet) - 1)];
		lab->suffix[LAB_SUFFIX_LEN] = '\0';
	}
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (lab_name(lab, names[i].role, names[i].dst, IFNAMSIZ) < 0)
			return -1;
	lab->undo_base = undo_depth();
	return 0;
}

/* The lab ranges (ARCHITECTURE.md, "The lab's address plan"): nothing else may be configured. */
static const struct {
	int family;
	const char *net;
	unsigned plen;
} lab_ranges[] = {
	{ AF_INET, "198.51.100.0", 24 }, { AF_INET, "172.20.0.0", 24 },
	{ AF_INET, "100.64.0.0", 10 },   { AF_INET6, "fd7a:115c:a1e0::", 48 },
	{ AF_INET6, "2001:db8::", 32 },  { AF_INET6, "fd00:172:20::", 64 },
};

/* Compare the first plen bits of a and b. */
static int prefix_equal(const unsigned char *a, const unsigned char *b, unsigned plen)
{
	unsigned bytes = plen / 8, bits = plen % 8;

	if (memcmp(a, b, bytes) != 0)
		return 0;
	if (bits) {
		unsigned char mask = (unsigned char)(0xff << (8 - bits));

		return (a[bytes] & mask) == (b[bytes] & mask);
	}
	return 1;
}

int lab_addr_ok(const char *addr)
{
	char host[INET6_ADDRSTRLEN];
	unsigned char bin[16], net[16];
	const char *slash;
	unsigned long plen;
	size_t hlen;
	int family;

	if (!addr)
		return 0;
	slash = strchr(addr, '/');
	hlen = slash ? (size_t)(slash - addr) : strlen(addr);
	if (hlen == 0 || hlen >= sizeof(host))
		return 0;
	memcpy(host, addr, hlen);
	host[hlen] = '\0';
	if (inet_pton(AF_INET, host, bin) == 1)
		family = AF_INET;
	else if (inet_pton(AF_INET6, host, bin) == 1)
		family = AF_INET6;
	else
		return 0;
	plen = family == AF_INET ? 32 : 128;
	if (slash) {
		char *end;

		if (!slash[1] || slash[1] < '0' || slash[1] > '9')
			return 0;
		errno = 0;
		plen = strtoul(slash + 1, &end, 10);
		if (errno || *end || plen > (family == AF_INET ? 32UL : 128UL))
			return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(lab_ranges); i++) {
		if (lab_ranges[i].family != family || plen < lab_ranges[i].plen)
			continue;
		if (inet_pton(family, lab_ranges[i].net, net) != 1)
			continue;
		if (prefix_equal(bin, net, lab_ranges[i].plen))
			return 1;
	}
	return 0;
}

int lab_sysctl_path(const char *key, char *buf, size_t len)
{
	size_t n = strlen("/proc/sys/");
	int slashes = strchr(key, '/') != NULL;

	if (strncmp(key, "net.", 4) != 0 && strncmp(key, "net/", 4) != 0)
		return error("refusing sysctl '%s': only net.* keys are per namespace", key);
	if (strstr(key, "..") || strstr(key, "//") || key[strlen(key) - 1] == '.' ||
	    key[strlen(key) - 1] == '/')
		return error("invalid sysctl key '%s'", key);
	if (n + strlen(key) + 1 > len)
		return error("sysctl key '%s' is too long", key);
	memcpy(buf, "/proc/sys/", n);
	for (const char *k = key; *k; k++)
		buf[n++] = (!slashes && *k == '.') ? '/' : *k;
	buf[n] = '\0';
	return 0;
}

static int check_ns(const char *netns)
{
	if (!lab_netns_ok(netns))
		return error("refusing network namespace '%s': not a lab namespace (tsc-...)",
			     netns ? netns : "(the machine's own)");
	return 0;
}

static int check_if(const char *ifname)
{
	if (!valid_ifname(ifname))
		return error("invalid interface name '%s'", ifname ? ifname : "(null)");
	return 0;
}

static int check_addr(const char *addr)
{
	if (!lab_addr_ok(addr))
		return error("refusing address '%s': outside the lab ranges",
			     addr ? addr : "(null)");
	return 0;
}

/* Undo of lab_add_netns(): nothing may keep the namespace (and its links) alive. */
static void netns_undo(void *arg)
{
	const char *name = arg;
	const char *pids_argv[] = { "ip", "netns", "pids", name, NULL };
	const char *del_argv[] = { "ip", "netns", "del", name, NULL };
	struct proc_spec spec = { .name = "ip", .argv = pids_argv };
	struct strbuf out = STRBUF_INIT;
	int status;

	if (run_capture(&spec, CMD_TIMEOUT_MS, &out, NULL, &status) == 0 && status == 0) {
		char *p = out.buf;

		while (p && *p) {
			char *end;
			long pid = strtol(p, &end, 10);

			if (end == p)
				break;
			if (pid > 1 && pid != getpid()) {
				warning("process %ld still in network namespace '%s': killing it",
					pid, name);
				kill((pid_t)pid, SIGKILL);
			}
			p = end;
		}
	}
	strbuf_release(&out);
	run_argv(CMD_TIMEOUT_MS, del_argv);
}

int lab_add_netns(struct lab *lab, const char *name)
{
	const char *add[] = { "ip", "netns", "add", name, NULL };
	const char *lo[] = { "ip", "link", "set", "lo", "up", NULL };
	char what[64];

	char path[64];
	struct stat st;
	int ret;

	(void)lab;
	if (check_ns(name) < 0)
		return -1;
	snprintf(path, sizeof(path), "/run/netns/%s", name);
	if (stat(path, &st) == 0)
		return error("network namespace '%s' already exists: not ours", name);
	ret = run_argv(CMD_TIMEOUT_MS, add);
	/* ip killed by a signal or timeout may still have made it */
	if (ret == 0 || stat(path, &st) == 0) {
		snprintf(what, sizeof(what), "delete netns %s", name);
		undo_push(netns_undo, xstrdup(name), what);
	}
	if (ret < 0)
		return error("cannot add network namespace '%s'", name);
	return run_argv_ns(name, CMD_TIMEOUT_MS, lo);
}

int lab_add_bridge(struct lab *lab, const char *netns, const char *name)
{
	const char *argv[] = { "ip",        "link", "add",           name, "up", "type", "bridge",
			       "stp_state", "0",    "forward_delay", "0",  NULL };

	(void)lab;
	if (check_ns(netns) < 0 || check_if(name) < 0)
		return -1;
	/* removed with its namespace */
	return run_argv_ns(netns, CMD_TIMEOUT_MS, argv);
}

int lab_add_veth(struct lab *lab, const char *netns_a, const char *name_a, const char *netns_b,
		 const char *name_b)
{
	/* the peer cannot be set up in the same request (ENOTCONN), hence two */
	const char *add[] = { "ip",   "link", "add",  name_a,  "up",    "type", "veth",
			      "peer", "name", name_b, "netns", netns_b, NULL };
	const char *up[] = { "ip", "link", "set", name_b, "up", NULL };

	(void)lab;
	if (check_ns(netns_a) < 0 || check_ns(netns_b) < 0 || check_if(name_a) < 0 ||
	    check_if(name_b) < 0)
		return -1;
	/* a veth pair goes when either namespace goes */
	if (run_argv_ns(netns_a, CMD_TIMEOUT_MS, add) < 0)
		return -1;
	return run_argv_ns(netns_b, CMD_TIMEOUT_MS, up);
}

int lab_enslave(struct lab *lab, const char *netns, const char *ifname, const char *bridge)
{
	const char *argv[] = { "ip", "link", "set", ifname, "master", bridge, "up", NULL };

	(void)lab;
	if (check_ns(netns) < 0 || check_if(ifname) < 0 || check_if(bridge) < 0)
		return -1;
	return run_argv_ns(netns, CMD_TIMEOUT_MS, argv);
}

static int add_addr(const char *netns, const char *ifname, const char *cidr, int no_source)
{
	/* IPv6 without DAD: usable at once, and the lab has no duplicates */
	const char *argv[10] = { "ip", "addr", "add", cidr, "dev", ifname };
	size_t n = 6;

	if (check_ns(netns) < 0 || check_if(ifname) < 0 || check_addr(cidr) < 0)
		return -1;
	if (strchr(cidr, ':'))
		argv[n++] = "nodad";
	if (no_source) {
		argv[n++] = "preferred_lft";
		argv[n++] = "0";
	}
	argv[n] = NULL;
	return run_argv_ns(netns, CMD_TIMEOUT_MS, argv);
}

int lab_add_addr(struct lab *lab, const char *netns, const char *ifname, const char *cidr)
{
	(void)lab;
	return add_addr(netns, ifname, cidr, 0);
}

int lab_add_service_addr(struct lab *lab, const char *netns, const char *ifname, const char *cidr)
{
	(void)lab;
	return add_addr(netns, ifname, cidr, 1);
}

int lab_add_route(struct lab *lab, const char *netns, const char *dst, const char *via,
		  const char *dev)
{
	const char *argv[10];
	size_t n = 0;

	(void)lab;
	if (check_ns(netns) < 0)
		return -1;
	if (!dst || (strcmp(dst, "default") != 0 && check_addr(dst) < 0))
		return dst ? -1 : error("route without destination");
	if (!via && !dev)
		return error("route to '%s' needs a gateway or a device", dst);
	if (!strcmp(dst, "default") && !via)
		return error("a default route needs a lab gateway");
	if ((via && check_addr(via) < 0) || (dev && check_if(dev) < 0))
		return -1;
	argv[n++] = "ip";
	argv[n++] = "route";
	argv[n++] = "add";
	argv[n++] = dst;
	if (via) {
		argv[n++] = "via";
		argv[n++] = via;
	}
	if (dev) {
		argv[n++] = "dev";
		argv[n++] = dev;
	}
	argv[n] = NULL;
	return run_argv_ns(netns, CMD_TIMEOUT_MS, argv);
}

int lab_add_tap(struct lab *lab, const char *netns, const char *name, const char *bridge)
{
	const char *add[] = { "ip", "tuntap", "add", "dev", name, "mode", "tap", NULL };
	const char *up[] = { "ip", "link", "set", name, "up", NULL };

	if (check_ns(netns) < 0 || check_if(name) < 0 || (bridge && check_if(bridge) < 0))
		return -1;
	/* a tap is deleted (not handed back to the host) with its namespace */
	if (run_argv_ns(netns, CMD_TIMEOUT_MS, add) < 0)
		return -1;
	if (bridge)
		return lab_enslave(lab, netns, name, bridge);
	return run_argv_ns(netns, CMD_TIMEOUT_MS, up);
}

int lab_add_host(struct lab *lab, const char *netns, const char *bridge_netns, const char *bridge,
		 const char *cidr, const char *gateway)
{
	char eth[IFNAMSIZ];

	if (lab_name(lab, "eth", eth, sizeof(eth)) < 0)
		return -1;
	if (lab_add_netns(lab, netns) < 0 ||
	    lab_add_veth(lab, netns, eth, bridge_netns, netns) < 0 ||
	    lab_enslave(lab, bridge_netns, netns, bridge) < 0 ||
	    lab_add_addr(lab, netns, eth, cidr) < 0)
		return error("cannot add lab host '%s'", netns);
	if (gateway && lab_add_route(lab, netns, LAB_INET_NET, gateway, eth) < 0)
		return error("cannot route lab host '%s' via %s", netns, gateway);
	return 0;
}

int lab_enter(const char *netns, int *saved_fd)
{
	char path[64];
	int cur, fd;

	if (check_ns(netns) < 0)
		return -1;
	cur = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (cur < 0)
		return error_errno("cannot open the current network namespace");
	snprintf(path, sizeof(path), "/run/netns/%s", netns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		error_errno("cannot open network namespace '%s'", netns);
		close(cur);
		return -1;
	}
	if (setns(fd, CLONE_NEWNET) < 0) {
		error_errno("cannot enter network namespace '%s'", netns);
		close(fd);
		close(cur);
		return -1;
	}
	close(fd);
	*saved_fd = cur;
	return 0;
}

int lab_leave(int saved_fd)
{
	int ret = 0;

	if (setns(saved_fd, CLONE_NEWNET) < 0)
		ret = error_errno("cannot return to the previous network namespace");
	close(saved_fd);
	return ret;
}

int lab_sysctl(struct lab *lab, const char *netns, const char *key, const char *value)
{
	char path[256];
	int saved, fd, ret = 0;
	size_t len = strlen(value);

	(void)lab;
	if (check_ns(netns) < 0 || lab_sysctl_path(key, path, sizeof(path)) < 0)
		return -1;
	if (lab_enter(netns, &saved) < 0)
		return -1;
	/* /proc/sys/net resolves to the namespace of the opener */
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		ret = error_errno("cannot open sysctl '%s' in '%s'", key, netns);
	else if (write(fd, value, len) != (ssize_t)len)
		ret = error_errno("cannot set sysctl '%s' to '%s' in '%s'", key, value, netns);
	if (fd >= 0)
		close(fd);
	if (lab_leave(saved) < 0)
		ret = -1;
	return ret;
}

int lab_nft(struct lab *lab, const char *netns, const char *ruleset)
{
	const char *argv[] = { "nft", ruleset, NULL };

	(void)lab;
	if (check_ns(netns) < 0)
		return -1;
	/* nft parses its arguments like a file; the ruleset goes with the namespace */
	if (run_argv_ns(netns, CMD_TIMEOUT_MS, argv) < 0)
		return error("cannot load nftables ruleset in '%s'", netns);
	return 0;
}

int lab_nft_cmd(const char *netns, const char *what, const char *const *argv, struct strbuf *out)
{
	struct proc_spec spec = { .name = "nft", .argv = argv, .netns = netns };
	struct strbuf err = STRBUF_INIT;
	int status = 0, ret = 0;

	if (!lab_netns_ok(netns))
		return error("refusing namespace '%s': not a lab namespace", netns);
	if (run_capture(&spec, CMD_TIMEOUT_MS, out, &err, &status) < 0 || status != 0) {
		strbuf_rtrim(&err);
		ret = error("cannot %s in '%s': %s", what, netns, strbuf_str(&err));
	}
	strbuf_release(&err);
	return ret;
}

int lab_up_router(struct lab *lab, int nat6)
{
	size_t depth = undo_depth();
	double t0 = mono_s();
	char *nat, *nat6_rules;
	int ret;

	/*
	 * As RouterOS's default configuration does: masquerade whatever leaves
	 * through the WAN, whichever source (the container's own address, and
	 * tailnet addresses an exit node forwards with --snat-subnet-routes=false).
	 */
	nat = xasprintf("table ip " LAB_NAT_TABLE " {\n"
			"  chain srcnat {\n"
			"    type nat hook postrouting priority srcnat; policy accept;\n"
			"    oifname \"%s\" masquerade\n"
			"  }\n"
			/* where NAT-PMP's dynamic dst-nat entries go (natpmpd) */
			"  chain " LAB_NAT_DSTNAT " {\n"
			"    type nat hook prerouting priority dstnat; policy accept;\n"
			"  }\n"
			"}\n",
			lab->wan);
	/*
	 * IPv6 has no default masquerade on RouterOS: a user whose container
	 * forwards tailnet traffic (fd7a:115c:a1e0::/48) as exit node adds
	 * /ipv6 firewall nat chain=srcnat out-interface=WAN action=masquerade,
	 * and a route to that prefix via the container.
	 */
	nat6_rules = xasprintf("table ip6 " LAB_NAT_TABLE " {\n"
			       "  chain srcnat {\n"
			       "    type nat hook postrouting priority srcnat; policy accept;\n"
			       "    oifname \"%s\" masquerade\n"
			       "  }\n"
			       "}\n",
			       lab->wan);
	ret = lab_add_netns(lab, lab->inet) || lab_add_bridge(lab, lab->inet, lab->inet_br) ||
	      lab_add_addr(lab, lab->inet, lab->inet_br, LAB_INET_GW "/24") ||
	      lab_add_addr(lab, lab->inet, lab->inet_br, LAB_DNS_UPSTREAM "/24") ||
	      lab_add_addr(lab, lab->inet, lab->inet_br, LAB_DNS_CLIENT "/24") ||
	      lab_add_addr(lab, lab->inet, lab->inet_br, LAB_WEB "/24") ||
	      lab_add_addr(lab, lab->inet, lab->inet_br, LAB_INET6_GW "/64") ||
	      lab_add_service_addr(lab, lab->inet, lab->inet_br, LAB_WEB6 "/64") ||
	      lab_add_netns(lab, lab->routeros) ||
	      lab_add_veth(lab, lab->routeros, lab->wan, lab->inet, lab->wan_peer) ||
	      lab_enslave(lab, lab->inet, lab->wan_peer, lab->inet_br) ||
	      lab_add_addr(lab, lab->routeros, lab->wan, LAB_ROUTER_WAN "/24") ||
	      lab_add_addr(lab, lab->routeros, lab->wan, LAB_ROUTER_WAN6 "/64") ||
	      lab_add_bridge(lab, lab->routeros, lab->containers) ||
	      lab_add_addr(lab, lab->routeros, lab->containers, LAB_CTR_GW "/24") ||
	      lab_add_addr(lab, lab->routeros, lab->containers, LAB_CTR6_GW "/64") ||
	      lab_add_tap(lab, lab->routeros, lab->tap, lab->containers) ||
	      lab_sysctl(lab, lab->routeros, "net.ipv4.ip_forward", "1") ||
	      lab_sysctl(lab, lab->routeros, "net.ipv6.conf.all.forwarding", "1") ||
	      lab_add_route(lab, lab->routeros, LAB_TAILNET4, LAB_ROUTER_VM, lab->containers) ||
	      lab_add_route(lab, lab->routeros, LAB_TAILNET6, LAB_ROUTER_VM6, lab->containers) ||
	      lab_nft(lab, lab->routeros, nat) || (nat6 && lab_nft(lab, lab->routeros, nat6_rules));
	free(nat);
	free(nat6_rules);
	if (ret) {
		undo_unwind(depth);
		return error("cannot build the router lab (suffix %s)", lab->suffix);
	}
	lab->up_s = mono_s() - t0;
	debug("lab %s up in %.3f s", lab->suffix, lab->up_s);
	return 0;
}

void lab_down(struct lab *lab)
{
	double t0 = mono_s();

	undo_unwind(lab->undo_base);
	lab->down_s = mono_s() - t0;
	debug("lab %s down in %.3f s", lab->suffix, lab->down_s);
}

static int has_cap(const struct __user_cap_data_struct *d, int cap)
{
	return (d[cap / 32].effective >> (cap % 32)) & 1;
}

static int check_tools(void)
{
	static const char *const tools[][3] = {
		{ "ip", "-V", NULL },
		{ "nft", "-v", NULL },
	};

	for (size_t i = 0; i < ARRAY_SIZE(tools); i++) {
		struct proc_spec spec = { .name = tools[i][0], .argv = tools[i] };
		int status;

		if (run_capture(&spec, CMD_TIMEOUT_MS, NULL, NULL, &status) < 0 || status != 0)
			return error("cannot run '%s': install iproute2 and nftables", tools[i][0]);
	}
	return 0;
}

int lab_capable(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct caps[2];

	memset(caps, 0, sizeof(caps));
	if (syscall(SYS_capget, &hdr, caps) < 0)
		return error_errno("cannot read the process capabilities");
	return has_cap(caps, CAP_NET_ADMIN) && has_cap(caps, CAP_SYS_ADMIN);
}

int lab_preflight(void)
{
	struct stat st;
	struct lab probe;
	char name[IFNAMSIZ], br[IFNAMSIZ];
	size_t depth;
	int fd, ret;

	ret = lab_capable();
	if (ret < 0)
		return -1;
	if (!ret)
		return error("the lab needs CAP_NET_ADMIN and CAP_SYS_ADMIN (run as root; "
			     "euid is %d)",
			     (int)geteuid());
	if (stat("/dev/net/tun", &st) < 0)
		return error_errno("no /dev/net/tun (load the tun module)");
	if (!S_ISCHR(st.st_mode))
		return error("/dev/net/tun is not a character device");
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return error_errno("cannot open /dev/net/tun");
	close(fd);
	if (check_tools() < 0)
		return -1;
	if (lab_init(&probe, NULL) < 0 || lab_name(&probe, "pf", name, sizeof(name)) < 0 ||
	    lab_name(&probe, "br", br, sizeof(br)) < 0)
		return -1;
	depth = undo_depth();
	if (lab_add_netns(&probe, name) < 0) {
		undo_unwind(depth);
		return error("cannot create a network namespace ('ip netns add' needs a "
			     "writable /run and permission to mount)");
	}
	ret = lab_add_bridge(&probe, name, br);
	if (ret < 0)
		error("cannot create a bridge in a network namespace (bridge module?)");
	undo_unwind(depth);
	return ret;
}

int lab_wait_log(const char *path, size_t from, const char *needle, int timeout_ms, struct proc *p)
{
	double deadline = mono_s() + timeout_ms / 1000.0;
	struct strbuf sb = STRBUF_INIT;
	int status, ret = -1;

	for (;;) {
		struct timespec ts = { 0, 20 * 1000000L };

		strbuf_reset(&sb);
		if (strbuf_read_file(&sb, path) == 0 && sb.len > from &&
		    memmem(sb.buf + from, sb.len - from, needle, strlen(needle))) {
			ret = 0;
			break;
		}
		if (p && !proc_running(p, &status)) {
			char how[32];

			error("'%s' exited (%s) before '%s' appeared in '%s'", proc_name(p),
			      proc_describe_status(status, how, sizeof(how)), needle, path);
			break;
		}
		if (interrupted()) {
			error("interrupted by signal %d waiting for '%s'", interrupt_signal(),
			      needle);
			break;
		}
		if (mono_s() >= deadline) {
			error("timed out after %d ms waiting for '%s' in '%s'", timeout_ms, needle,
			      path);
			break;
		}
		nanosleep(&ts, NULL);
	}
	strbuf_release(&sb);
	return ret;
}

/*
 * Start one of the lab's servers (spec, in a lab namespace, on a lab
 * address) and wait until its log, from where it ends now, says ready.
 */
static struct proc *start_server(const struct proc_spec *spec, const char *addr,
				 const char *logpath, const char *ready, int timeout_ms)
{
	struct stat st;
	struct proc *p;
	size_t from;

	if (check_ns(spec->netns) < 0 || check_addr(addr) < 0)
		return NULL;
	from = stat(logpath, &st) == 0 ? (size_t)st.st_size : 0;
	p = proc_spawn(spec);
	if (!p)
		return NULL;
	if (lab_wait_log(logpath, from, ready, timeout_ms, p) < 0) {
		proc_stop(p, 1000);
		error("%s on %s in '%s' did not start (see %s)", spec->name, addr, spec->netns,
		      logpath);
		return NULL;
	}
	return p;
}

struct proc *lab_start_dnsd(const char *dnsd, const char *netns, const char *addr,
			    const char *zonefile, const char *logpath, unsigned flags)
{
	const char *argv[] = { dnsd, "-a",     addr, "-p",    "53",
			       "-z", zonefile, "-l", logpath, (flags & LAB_DNSD_RA) ? "-r" : NULL,
			       NULL };
	struct proc_spec spec = {
		.name = "dnsd", .argv = argv, .netns = netns, .log_path = logpath
	};

	return start_server(&spec, addr, logpath, "dnsd: listening on", 5000);
}

struct proc *lab_start_httpd(const char *httpd, const char *netns, const char *addr,
			     const char *name, const char *logpath, int timeout_ms)
{
	const char *argv[] = { httpd, "-a", addr, "-l", logpath, "-n", name, NULL };
	struct proc_spec spec = { .name = "httpd", .argv = argv, .netns = netns };

	return start_server(&spec, addr, logpath, "httpd: listening", timeout_ms);
}

/* Snapshot of the machine: one "section: line" per line, sorted later. */

static struct strbuf *etc_out;

/* Values that count down by themselves: left out of a snapshot. */
static int is_lifetime_key(const char *tok, size_t len)
{
	static const char *const keys[] = { "expires", "valid_lft", "preferred_lft" };

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if (len == strlen(keys[i]) && !memcmp(tok, keys[i], len))
			return 1;
	return 0;
}

static void add_section(struct strbuf *out, const char *section, const char *text)
{
	const char *line = text;

	while (*line) {
		const char *nl = strchr(line, '\n');
		const char *end = nl ? nl : line + strlen(line);
		const char *p = line;
		int skip_next = 0;

		strbuf_addf(out, "%s:", section);
		while (p < end) {
			const char *tok;

			while (p < end && (*p == ' ' || *p == '\t' || *p == '\\'))
				p++;
			tok = p;
			while (p < end && *p != ' ' && *p != '\t')
				p++;
			if (p == tok)
				break;
			if (skip_next) {
				skip_next = 0;
				continue;
			}
			skip_next = is_lifetime_key(tok, (size_t)(p - tok));
			strbuf_addch(out, ' ');
			strbuf_add(out, tok, (size_t)(p - tok));
		}
		strbuf_addch(out, '\n');
		line = nl ? nl + 1 : end;
	}
}

static int snapshot_cmd(struct strbuf *out, const char *section, const char *const *argv)
{
	struct proc_spec spec = { .name = argv[0], .argv = argv };
	struct strbuf text = STRBUF_INIT;
	int status;

	if (run_capture(&spec, CMD_TIMEOUT_MS, &text, NULL, &status) < 0) {
		strbuf_release(&text);
		return error("cannot snapshot '%s'", section);
	}
	if (status != 0)
		strbuf_addf(&text, "(exit status %d)\n", status);
	add_section(out, section, strbuf_str(&text));
	strbuf_release(&text);
	return 0;
}

static int etc_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)ftw;
	strbuf_addf(etc_out, "etc: %s %o %lld ", path, (unsigned)st->st_mode,
		    (long long)st->st_size);
	if (type == FTW_F && S_ISREG(st->st_mode)) {
		file_sha256_hex(path, etc_out);
	} else if (type == FTW_SL) {
		char target[4096];
		ssize_t n = readlink(path, target, sizeof(target) - 1);

		target[n > 0 ? n : 0] = '\0';
		strbuf_addf(etc_out, "-> %s", target);
	} else if (type == FTW_DNR || type == FTW_NS) {
		strbuf_addstr(etc_out, "unreadable");
	}
	strbuf_addch(etc_out, '\n');
	return 0;
}

/*
 * Namespaces and links named tsc-* belong to some lab run, never to the
 * machine: another run's may come and go while this one runs. This run's
 * own leftovers are checked by lab_leftovers().
 */
static int is_lab_owned(const char *line)
{
	return (!strncmp(line, "netns: ", 7) || !strncmp(line, "link: ", 6)) &&
	       strstr(line, "tsc-");
}

static int cmp_lines(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Split text into its non-empty lines (in place) and sort them; returns the count. */
static size_t sorted_lines(char *text, char ***lines)
{
	size_t n = 0, alloc = 0;
	char *line = text;

	*lines = NULL;
	while (*line) {
		char *nl = strchr(line, '\n');

		if (nl)
			*nl = '\0';
		if (*line) {
			if (n == alloc) {
				alloc = alloc ? alloc * 2 : 64;
				*lines = xrealloc(*lines, alloc * sizeof(**lines));
			}
			(*lines)[n++] = line;
		}
		if (!nl)
			break;
		line = nl + 1;
	}
	if (n)
		qsort(*lines, n, sizeof(**lines), cmp_lines);
	return n;
}

int lab_host_snapshot(struct strbuf *out)
{
	static const char *const cmds[][8] = {
		{ "route4", "ip", "-4", "route", "show", "table", "all", NULL },
		{ "route6", "ip", "-6", "route", "show", "table", "all", NULL },
		{ "rule4", "ip", "-4", "rule", "show", NULL },
		{ "rule6", "ip", "-6", "rule", "show", NULL },
		{ "link", "ip", "-o", "link", "show", NULL },
		{ "addr", "ip", "-o", "addr", "show", NULL },
		{ "netns", "ip", "netns", "list", NULL },
		{ "nft", "nft", "-s", "list", "ruleset", NULL },
	};
	static const char *const sysctls[] = {
		"/proc/sys/net/ipv4/ip_forward",
		"/proc/sys/net/ipv6/conf/all/forwarding",
	};
	struct strbuf raw = STRBUF_INIT;
	char **lines;
	size_t n;

	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++)
		if (snapshot_cmd(&raw, cmds[i][0], &cmds[i][1]) < 0) {
			strbuf_release(&raw);
			return -1;
		}
	for (size_t i = 0; i < ARRAY_SIZE(sysctls); i++) {
		struct strbuf v = STRBUF_INIT;

		if (strbuf_read_file(&v, sysctls[i]) < 0)
			strbuf_addstr(&v, "(unreadable)");
		strbuf_rtrim(&v);
		strbuf_addf(&raw, "sysctl: %s = %s\n", sysctls[i], strbuf_str(&v));
		strbuf_release(&v);
	}
	etc_out = &raw;
	if (nftw("/etc", etc_entry, 32, FTW_PHYS) < 0) {
		etc_out = NULL;
		strbuf_release(&raw);
		return error_errno("cannot walk /etc");
	}
	etc_out = NULL;
	strbuf_reset(out);
	n = sorted_lines(raw.buf ? raw.buf : (char *)"", &lines);
	for (size_t i = 0; i < n; i++)
		if (!is_lab_owned(lines[i]))
			strbuf_addf(out, "%s\n", lines[i]);
	free(lines);
	strbuf_release(&raw);
	return 0;
}

int lab_leftovers(const char *suffix, struct strbuf *what)
{
	const char *netns[] = { "ip", "netns", "list", NULL };
	const char *links[] = { "ip", "-o", "link", "show", NULL };
	struct strbuf out = STRBUF_INIT;
	int n = 0;

	for (int k = 0; k < 2; k++) {
		struct proc_spec spec = { .name = "ip", .argv = k ? links : netns };
		int status = 0;

		strbuf_reset(&out);
		if (run_capture(&spec, 10000, &out, NULL, &status) < 0 || status != 0)
			return error("cannot list %s", k ? "links" : "namespaces");
		for (char *line = out.buf; line && *line;) {
			char *nl = strchr(line, '\n');

			if (nl)
				*nl = '\0';
			if (strstr(line, "tsc-") && strstr(line, suffix)) {
				strbuf_addf(what, "%s%s", n ? "; " : "", line);
				n++;
			}
			line = nl ? nl + 1 : NULL;
		}
	}
	strbuf_release(&out);
	return n;
}

int lab_host_compare(const char *before, const char *after, struct strbuf *diff)
{
	char *a = xstrdup(before), *b = xstrdup(after);
	char **la, **lb;
	size_t na = sorted_lines(a, &la), nb = sorted_lines(b, &lb);
	size_t i = 0, j = 0, shown = 0, differ = 0;

	strbuf_reset(diff);
	while (i < na || j < nb) {
		int c = i >= na ? 1 : j >= nb ? -1 : strcmp(la[i], lb[j]);
		const char *line;
		char mark;

		if (c == 0) {
			i++;
			j++;
			continue;
		}
		mark = c < 0 ? '-' : '+';
		line = c < 0 ? la[i++] : lb[j++];
		if (shown++ < 40)
			strbuf_addf(diff, "%c %s\n", mark, line);
		differ = 1;
	}
	if (shown > 40)
		strbuf_addf(diff, "... and %zu more differing lines\n", shown - 40);
	free(la);
	free(lb);
	free(a);
	free(b);
	return differ ? 1 : 0;
}
