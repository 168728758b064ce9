/* SPDX-License-Identifier: BSD-3-Clause */
#include "qemu.h"

#include "arch.h"
#include "kv.h"
#include "log.h"
#include "proc.h"
#include "strbuf.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

void qemu_argv_push(struct qemu_argv *a, const char *s)
{
	if (a->n + 2 > a->alloc) {
		a->alloc = a->alloc ? a->alloc * 2 : 32;
		a->v = xrealloc(a->v, a->alloc * sizeof(*a->v));
	}
	a->v[a->n++] = xstrdup(s);
	a->v[a->n] = NULL;
}

void qemu_argv_pushf(struct qemu_argv *a, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	qemu_argv_push(a, strbuf_str(&sb));
	strbuf_release(&sb);
}

const char *const *qemu_argv_get(struct qemu_argv *a)
{
	if (!a->v) {
		a->alloc = 1;
		a->v = xcalloc(1, sizeof(*a->v));
	}
	return (const char *const *)a->v;
}

void qemu_argv_release(struct qemu_argv *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	a->v = NULL;
	a->n = a->alloc = 0;
}

/*
 * Append "key=value" to a QEMU option list, doubling commas in value: QEMU
 * reads ",," as a literal comma, so no path can smuggle in an option.
 */
static void add_opt(struct strbuf *sb, const char *key, const char *value)
{
	if (sb->len)
		strbuf_addch(sb, ',');
	strbuf_addstr(sb, key);
	strbuf_addch(sb, '=');
	for (const char *p = value; *p; p++) {
		strbuf_addch(sb, *p);
		if (*p == ',')
			strbuf_addch(sb, ',');
	}
}

static void push_opts(struct qemu_argv *a, const char *flag, struct strbuf *sb)
{
	qemu_argv_push(a, flag);
	qemu_argv_push(a, strbuf_str(sb));
	strbuf_reset(sb);
}

static int valid_mac(const char *mac)
{
	for (int i = 0; i < 17; i++) {
		if (i % 3 == 2 ? mac[i] != ':' : !isxdigit((unsigned char)mac[i]))
			return 0;
	}
	/* A multicast MAC is no NIC's address. */
	return mac[17] == '\0' && !(strtoul(mac, NULL, 16) & 1);
}

static int valid_ifname(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len >= 16)
		return 0;
	for (const char *p = name; *p; p++)
		if (*p == '/' || *p == ':' || isspace((unsigned char)*p) ||
		    !isprint((unsigned char)*p))
			return 0;
	return 1;
}

static int check_config(const struct arch *arch, const struct qemu_config *cfg)
{
	struct sockaddr_un sun;

	if (!arch->qemu[0] || !arch->machine[0] || !arch->cpu[0] || !arch->console[0])
		return error("arch '%s' lacks a QEMU binary, machine, CPU or console", arch->name);
	if (!cfg->kernel || !cfg->initrd || !cfg->flash || !cfg->agent_socket || !cfg->console_log)
		return error("qemu config for '%s' lacks a kernel, initrd, flash image, "
			     "agent socket or console log",
			     arch->name);
	if (strlen(cfg->agent_socket) >= sizeof(sun.sun_path))
		return error("agent socket path '%s' is longer than a unix socket allows "
			     "(%zu bytes)",
			     cfg->agent_socket, sizeof(sun.sun_path) - 1);
	if (cfg->mac && !valid_mac(cfg->mac))
		return error("'%s' is not a unicast MAC address like 52:54:00:12:34:56", cfg->mac);
	if (cfg->tap && !valid_ifname(cfg->tap))
		return error("'%s' is not a valid interface name", cfg->tap);
	if (cfg->append && strpbrk(cfg->append, "\n\r"))
		return error("kernel command line addition has a line break");
	return 0;
}

int qemu_build_argv(const struct arch *arch, const struct qemu_config *cfg, struct qemu_argv *out)
{
	const char *dev = arch->virtio_pci ? "pci" : "device";
	struct strbuf sb = STRBUF_INIT;

	if (check_config(arch, cfg) < 0)
		return -1;

	qemu_argv_push(out, arch->qemu);
	/* Only what is written here: no host config, no default devices. */
	qemu_argv_push(out, "-no-user-config");
	qemu_argv_push(out, "-nodefaults");
	qemu_argv_push(out, "-display");
	qemu_argv_push(out, "none");
	qemu_argv_push(out, "-no-reboot");
	qemu_argv_push(out, "-M");
	qemu_argv_push(out, arch->machine);
	qemu_argv_push(out, "-cpu");
	qemu_argv_push(out, arch->cpu);
	qemu_argv_push(out, "-accel");
	qemu_argv_push(out, cfg->accel == QEMU_ACCEL_KVM ? "kvm" : "tcg,thread=multi");
	qemu_argv_push(out, "-smp");
	qemu_argv_pushf(out, "%u", cfg->smp ? cfg->smp : QEMU_DEFAULT_SMP);
	qemu_argv_push(out, "-m");
	qemu_argv_pushf(out, "%u", cfg->memory_mib ? cfg->memory_mib : QEMU_DEFAULT_MEMORY_MIB);

	qemu_argv_push(out, "-kernel");
	qemu_argv_push(out, cfg->kernel);
	qemu_argv_push(out, "-initrd");
	qemu_argv_push(out, cfg->initrd);
	qemu_argv_push(out, "-append");
	/*
	 * panic=-1 with -no-reboot: a guest that panics ends QEMU at once.
	 * cryptomgr.notests: the kernel skips its crypto self-tests, about
	 * 1.1 s of an armv7 boot under TCG; nothing the canaries see uses
	 * kernel crypto (Tailscale's WireGuard runs in userspace).
	 */
	qemu_argv_pushf(out, "console=%s rdinit=%s panic=-1 cryptomgr.notests=1%s%s", arch->console,
			QEMU_GUEST_INIT, cfg->append ? " " : "", cfg->append ? cfg->append : "");

	strbuf_addstr(&sb, "file");
	add_opt(&sb, "id", "console");
	add_opt(&sb, "path", cfg->console_log);
	push_opts(out, "-chardev", &sb);
	qemu_argv_push(out, "-serial");
	qemu_argv_push(out, "chardev:console");

	if (cfg->tap) {
		strbuf_addstr(&sb, "tap");
		add_opt(&sb, "id", "net0");
		add_opt(&sb, "ifname", cfg->tap);
		add_opt(&sb, "script", "no");
		add_opt(&sb, "downscript", "no");
		push_opts(out, "-netdev", &sb);
	} else {
		/* eth0 still exists, on a hub with no other port: sealed. */
		qemu_argv_push(out, "-netdev");
		qemu_argv_push(out, "hubport,id=net0,hubid=0");
	}
	strbuf_addf(&sb, "virtio-net-%s,netdev=net0", dev);
	if (cfg->mac)
		add_opt(&sb, "mac", cfg->mac);
	push_opts(out, "-device", &sb);

	add_opt(&sb, "file", cfg->flash);
	strbuf_addstr(&sb, ",format=raw,if=none,id=flash");
	push_opts(out, "-drive", &sb);
	strbuf_addf(&sb, "virtio-blk-%s,drive=flash", dev);
	push_opts(out, "-device", &sb);

	strbuf_addf(&sb, "virtio-serial-%s", dev);
	push_opts(out, "-device", &sb);
	/* The host connects whenever it is ready; the guest never waits on it. */
	strbuf_addstr(&sb, "socket");
	add_opt(&sb, "id", "agent");
	add_opt(&sb, "path", cfg->agent_socket);
	strbuf_addstr(&sb, ",server=on,wait=off");
	push_opts(out, "-chardev", &sb);
	qemu_argv_push(out, "-device");
	qemu_argv_push(out, "virtserialport,chardev=agent,name=" QEMU_AGENT_PORT_NAME);

	qemu_argv_push(out, "-object");
	qemu_argv_push(out, "rng-random,id=rng0,filename=/dev/urandom");
	strbuf_addf(&sb, "virtio-rng-%s,rng=rng0", dev);
	push_opts(out, "-device", &sb);

	strbuf_release(&sb);
	return 0;
}

struct proc *qemu_start(const struct arch *arch, const struct qemu_config *cfg, const char *netns,
			const char *log_path)
{
	struct qemu_argv argv = QEMU_ARGV_INIT;
	struct proc_spec spec = { 0 };
	struct proc *p;
	char name[32];

	if (qemu_build_argv(arch, cfg, &argv) < 0) {
		qemu_argv_release(&argv);
		return NULL;
	}
	snprintf(name, sizeof(name), "qemu-%s", arch->name);
	spec.name = name;
	spec.argv = qemu_argv_get(&argv);
	spec.netns = netns;
	spec.log_path = log_path;
	p = proc_spawn(&spec);
	qemu_argv_release(&argv);
	return p;
}

int qemu_console_modules(const char *text, size_t len, unsigned *loaded, unsigned *failed)
{
	static const char tag[] = "tscanary: init: modules ";
	const char *p = text, *end = text + len, *last = NULL, *eol;
	char line[256];
	size_t n;
	double l, f;

	while (p < end && (p = memmem(p, (size_t)(end - p), tag, sizeof(tag) - 1))) {
		last = p;
		p += sizeof(tag) - 1;
	}
	if (!last)
		return -1;
	eol = memchr(last, '\n', (size_t)(end - last));
	n = (size_t)((eol ? eol : end) - last);
	/* the guest's tty ends its lines with \r\n */
	while (n && (last[n - 1] == '\r' || last[n - 1] == ' '))
		n--;
	if (n >= sizeof(line))
		n = sizeof(line) - 1;
	memcpy(line, last, n);
	line[n] = '\0';
	if (kv_get_double(line, "loaded", &l) < 0 || kv_get_double(line, "failed", &f) < 0 ||
	    l < 0 || f < 0 || l > 100000 || f > 100000 || l != (unsigned)l || f != (unsigned)f)
		return -1;
	*loaded = (unsigned)l;
	*failed = (unsigned)f;
	return 0;
}
