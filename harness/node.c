/* SPDX-License-Identifier: BSD-3-Clause */
#include "node.h"

#include "clock.h"
#include "files.h"
#include "lab.h"
#include "log.h"
#include "proc.h"
#include "strbuf.h"
#include "undo.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_TIMEOUT_MS 30000
#define CLI_TIMEOUT_MS     30000
#define UP_TIMEOUT_MS      60000
#define STATUS_TIMEOUT_MS  10000
#define POLL_MS            100
#define STOP_GRACE_MS      5000
#define LOG_TAIL_LINES     12

/* What tailscaled's direct DNS manager leaves beside resolv.conf (net/dns/direct.go). */
#define RESOLV_BACKUP "resolv.pre-tailscale-backup.conf"

/* ---- small helpers ---- */

static int ms_left(double deadline)
{
	double left = (deadline - mono_s()) * 1000.0;

	return left <= 0 ? 0 : left > 1e9 ? 1000000000 : (int)left;
}

static int valid_name(const char *name)
{
	size_t n;

	if (!name || !*name || *name == '-')
		return 0;
	for (n = 0; name[n]; n++)
		if (!((name[n] >= 'a' && name[n] <= 'z') || (name[n] >= '0' && name[n] <= '9') ||
		      name[n] == '-'))
			return 0;
	return n <= NODE_NAME_MAX;
}

static int make_dir(const char *path, mode_t mode)
{
	struct stat st;

	if (mkdir(path, mode) == 0)
		return 0;
	if (errno == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	return error_errno("cannot create directory '%s'", path);
}

/* Write text to name in the node's private /etc (mode 0644). */
static int write_etc_file(struct node *n, const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", n->etc, name);
	int ret = write_text_file(path, text, 0644);

	free(path);
	return ret;
}

/* Report that tailscaled of n exited, with its status and the end of its log. */
static int report_exit(struct node *n, int status, const char *while_)
{
	struct strbuf msg = STRBUF_INIT;
	char how[32];

	strbuf_addf(&msg, "tailscaled of node '%s' exited (%s) %s", n->name,
		    proc_describe_status(status, how, sizeof(how)), while_);
	strbuf_add_log_tail(&msg, n->log_path, LOG_TAIL_LINES);
	error("%s", strbuf_str(&msg));
	strbuf_release(&msg);
	return -1;
}

/*
 * Pause up to POLL_MS between probes; the pause doubles as the check that
 * tailscaled still runs. 0: go on; -1: it exited or a signal came.
 */
static int pause_alive(struct node *n, const char *while_)
{
	int status = 0, r;

	if (interrupted())
		return error("interrupted by signal %d while %s on node '%s'", interrupt_signal(),
			     while_, n->name);
	r = proc_wait(n->proc, POLL_MS, &status);
	if (r < 0)
		return -1;
	if (r == 0)
		return report_exit(n, status, while_);
	return 0;
}

/* ---- the private /etc ---- */

static int write_resolv(struct node *n, const char *text)
{
	char *backup = xasprintf("%s/" RESOLV_BACKUP, n->etc);
	int ret = 0;

	/* a backup left by tailscaled would be "restored" over the new file */
	if (unlink(backup) < 0 && errno != ENOENT)
		ret = error_errno("cannot remove '%s'", backup);
	free(backup);
	if (!ret)
		ret = write_etc_file(n, "resolv.conf", text);
	return ret;
}

static int write_etc(struct node *n)
{
	char *os_release = xasprintf("NAME=\"tscanary lab node\"\n"
				     "ID=tscanary-lab\n"
				     "VERSION_ID=1\n"
				     "PRETTY_NAME=\"tscanary lab node %s\"\n",
				     n->name);
	int ret;

	ret = write_resolv(n, n->resolv_conf) ||
	      write_etc_file(n, "hosts",
			     "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n") ||
	      write_etc_file(n, "nsswitch.conf",
			     "passwd: files\ngroup: files\nshadow: files\nhosts: files dns\n"
			     "networks: files\nprotocols: files\nservices: files\n") ||
	      write_etc_file(n, "passwd",
			     "root:x:0:0:root:/root:/bin/sh\n"
			     "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n") ||
	      write_etc_file(n, "group", "root:x:0:\nnogroup:x:65534:\n") ||
	      write_etc_file(n, "os-release", os_release);
	free(os_release);
	return ret ? error("cannot write the private /etc of node '%s'", n->name) : 0;
}

/* ---- processes ---- */

static int spawn_tailscaled(struct node *n)
{
	char *statedir = xasprintf("--statedir=%s", n->state);
	char *socket = xasprintf("--socket=%s", n->sock);
	char *tun = xasprintf("--tun=%s", n->tun);
	char *port = n->port ? xasprintf("--port=%u", n->port) : NULL;
	/*
	 * Without the two false flags a machine with a TPM would seal the
	 * node's state with it: keep the node independent of the machine.
	 */
	const char *argv[] = { n->tailscaled,
			       statedir,
			       socket,
			       tun,
			       "--no-logs-no-support",
			       "--encrypt-state=false",
			       "--hardware-attestation=false",
			       port,
			       NULL };
	size_t n_extra = 0;
	const char **env;
	struct proc_spec spec = { 0 };
	size_t i = 0;

	while (n->extra_env && n->extra_env[n_extra])
		n_extra++;
	env = xcalloc(n_extra + 8, sizeof(*env));
	env[i++] = n->ca_env;
	env[i++] = n->dbus_env;
	env[i++] = n->logs_env;
	env[i++] = "TS_PANIC_IF_HIT_MAIN_CONTROL=1";
	env[i++] = "TS_DISABLE_PORTMAPPER=1";
	/* the image has no iptables binary; the host may: use netlink nftables alike */
	env[i++] = "TS_DEBUG_FIREWALL_MODE=nftables";
	/* the caller's entries come last: they win over the defaults above */
	for (size_t k = 0; k < n_extra; k++)
		env[i++] = n->extra_env[k];
	env[i] = NULL;

	spec.name = n->name;
	spec.argv = argv;
	spec.env = env;
	spec.netns = n->netns;
	spec.private_etc = n->etc;
	spec.log_path = n->log_path;
	spec.cwd = n->dir;
	n->proc = proc_spawn(&spec);
	free(statedir);
	free(socket);
	free(tun);
	free(port);
	free(env);
	if (!n->proc)
		return error("cannot start tailscaled of node '%s'", n->name);
	debug("node '%s': tailscaled pid %d in '%s'", n->name, (int)proc_pid(n->proc), n->netns);
	return 0;
}

/* Wait until the LocalAPI answers `status --json` (any BackendState). */
static int wait_localapi(struct node *n, double deadline)
{
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;
	const char *const args[] = { "status", "--json", NULL };
	int ret = -1;

	for (;;) {
		struct stat st;
		int status = 0;

		/* no CLI run until the socket is there: each costs a process */
		if (stat(n->sock, &st) == 0 && S_ISSOCK(st.st_mode)) {
			strbuf_reset(&out);
			strbuf_reset(&err);
			if (node_cli(n, args, STATUS_TIMEOUT_MS, &out, &err, &status) == 0 &&
			    WIFEXITED(status) && WEXITSTATUS(status) == 0) {
				json_t *j = json_loadb(out.buf ? out.buf : "", out.len, 0, NULL);
				const char *bs = node_status_backend_state(j);

				if (bs) {
					debug("node '%s': LocalAPI answers, BackendState %s",
					      n->name, bs);
					json_decref(j);
					ret = 0;
					break;
				}
				json_decref(j);
			}
		}
		if (mono_s() >= deadline) {
			strbuf_rtrim(&err);
			error("LocalAPI of node '%s' at '%s' did not answer in time%s%s", n->name,
			      n->sock, err.len ? ": " : "", strbuf_str(&err));
			break;
		}
		if (pause_alive(n, "waiting for its LocalAPI") < 0)
			break;
	}
	strbuf_release(&out);
	strbuf_release(&err);
	return ret;
}

/* Copy the fields node_start() needs from spec; validate them. */
static int setup(struct node *n, const struct node_spec *spec)
{
	struct sockaddr_un sun;
	char *workdir;

	if (!spec->name || !spec->netns || !spec->bindir || !spec->workdir || !spec->ca_path ||
	    !spec->resolv_conf || !spec->log_path)
		return error("node spec for '%s' lacks a field", spec->name ? spec->name : "?");
	if (!valid_name(spec->name))
		return error("invalid node name '%s' (want [a-z0-9-], 1 to %d characters)",
			     spec->name, NODE_NAME_MAX);
	if (!lab_netns_ok(spec->netns))
		return error("node '%s': '%s' is not a lab network namespace", spec->name,
			     spec->netns);
	workdir = realpath(spec->workdir, NULL);
	if (!workdir)
		return error_errno("cannot find work dir '%s'", spec->workdir);
	n->name = xstrdup(spec->name);
	n->netns = xstrdup(spec->netns);
	n->dir = xasprintf("%s/%s", workdir, spec->name);
	free(workdir);
	n->etc = xasprintf("%s/etc", n->dir);
	n->state = xasprintf("%s/state", n->dir);
	n->sock = xasprintf("%s/run/tailscaled.sock", n->dir);
	n->tun = xasprintf("ts-%s", spec->name);
	n->tailscaled = xasprintf("%s/tailscaled", spec->bindir);
	n->tailscale = xasprintf("%s/tailscale", spec->bindir);
	n->log_path = xstrdup(spec->log_path);
	n->resolv_conf = xstrdup(spec->resolv_conf);
	if (spec->port > 65535)
		return error("node '%s': invalid port %u", spec->name, spec->port);
	n->port = spec->port;
	n->timeout_ms = spec->timeout_ms > 0 ? spec->timeout_ms : DEFAULT_TIMEOUT_MS;
	if (strlen(n->sock) >= sizeof(sun.sun_path))
		return error("socket path '%s' is too long for a unix socket", n->sock);
	if (access(n->tailscaled, X_OK) < 0 || access(n->tailscale, X_OK) < 0)
		return error_errno("cannot execute tailscaled and tailscale in '%s' "
				   "(make tailscale-host)",
				   spec->bindir);
	{
		char *ca = realpath(spec->ca_path, NULL);

		if (!ca || access(ca, R_OK) < 0) {
			free(ca);
			return error_errno("cannot read CA '%s'", spec->ca_path);
		}
		n->ca_env = xasprintf("SSL_CERT_FILE=%s", ca);
		free(ca);
	}
	/* else log config goes to the machine's /var/lib/tailscale, shared by every node */
	n->logs_env = xasprintf("TS_LOGS_DIR=%s", n->state);
	/* keep it off the machine's system bus (resolved, NetworkManager) */
	n->dbus_env = xasprintf("DBUS_SYSTEM_BUS_ADDRESS=unix:path=%s/run/no-system-bus", n->dir);
	if (spec->env) {
		size_t k = 0;

		while (spec->env[k])
			k++;
		n->extra_env = xcalloc(k + 1, sizeof(char *));
		for (size_t i = 0; i < k; i++)
			n->extra_env[i] = xstrdup(spec->env[i]);
	}
	return 0;
}

int node_start(struct node *n, const struct node_spec *spec)
{
	char *run;
	double t0;
	int ret;

	*n = (struct node)NODE_INIT;
	if (setup(n, spec) < 0)
		goto fail;
	run = xasprintf("%s/run", n->dir);
	ret = make_dir(n->dir, 0755) || make_dir(n->etc, 0755) || make_dir(n->state, 0700) ||
	      make_dir(run, 0700);
	free(run);
	if (ret || write_etc(n) < 0)
		goto fail;
	t0 = mono_s();
	if (spawn_tailscaled(n) < 0)
		goto fail;
	if (wait_localapi(n, t0 + n->timeout_ms / 1000.0) < 0) {
		error("cannot start node '%s'", n->name);
		goto fail;
	}
	n->start_s = mono_s() - t0;
	info("node '%s' started in %.2f s (netns %s, tun %s)", n->name, n->start_s, n->netns,
	     n->tun);
	return 0;
fail:
	/* a started tailscaled stays on the undo stack */
	node_release(n);
	return -1;
}

/* `tailscale --socket=<sock> args...` as node n runs it: netns, private /etc, env. */
struct node_cmd {
	struct proc_spec spec;
	const char *env[3];
	const char **argv;
	char *socket;
	size_t nargs;
};

static void node_cmd_init(struct node_cmd *c, struct node *n, const char *const *args)
{
	memset(c, 0, sizeof(*c));
	while (args[c->nargs])
		c->nargs++;
	c->socket = xasprintf("--socket=%s", n->sock);
	c->argv = xcalloc(c->nargs + 3, sizeof(*c->argv));
	c->argv[0] = n->tailscale;
	c->argv[1] = c->socket;
	for (size_t i = 0; i < c->nargs; i++)
		c->argv[2 + i] = args[i];
	c->env[0] = n->ca_env;
	c->env[1] = n->dbus_env;
	c->spec.name = "tailscale";
	c->spec.argv = c->argv;
	c->spec.env = c->env;
	c->spec.netns = n->netns;
	c->spec.private_etc = n->etc;
	c->spec.cwd = n->dir;
}

static void node_cmd_release(struct node_cmd *c)
{
	free(c->argv);
	free(c->socket);
	memset(c, 0, sizeof(*c));
}

int node_cli(struct node *n, const char *const *args, int timeout_ms, struct strbuf *out,
	     struct strbuf *err, int *status)
{
	struct strbuf own_err = STRBUF_INIT;
	struct node_cmd c;
	int st = 0, ret;

	node_cmd_init(&c, n, args);
	if (!err && !status)
		err = &own_err;
	ret = run_capture(&c.spec, timeout_ms > 0 ? timeout_ms : CLI_TIMEOUT_MS, out, err, &st);
	if (ret < 0) {
		error("cannot run 'tailscale %s' on node '%s'", args[0] ? args[0] : "", n->name);
	} else if (status) {
		*status = st;
	} else if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		struct strbuf cmd = STRBUF_INIT;
		char how[32];

		for (size_t i = 0; i < c.nargs; i++)
			strbuf_addf(&cmd, " %s", args[i]);
		strbuf_rtrim(err);
		ret = error("'tailscale%s' on node '%s' failed (%s): %s", strbuf_str(&cmd), n->name,
			    proc_describe_status(st, how, sizeof(how)), strbuf_str(err));
		strbuf_release(&cmd);
	}
	strbuf_release(&own_err);
	node_cmd_release(&c);
	return ret;
}

json_t *node_status(struct node *n)
{
	struct strbuf out = STRBUF_INIT;
	const char *const args[] = { "status", "--json", NULL };
	json_error_t jerr;
	json_t *j = NULL;

	if (node_cli(n, args, STATUS_TIMEOUT_MS, &out, NULL, NULL) == 0) {
		j = json_loadb(out.buf ? out.buf : "", out.len, 0, &jerr);
		if (!j || !json_is_object(j)) {
			error("cannot parse 'tailscale status --json' of node '%s': %s", n->name,
			      j ? "not an object" : jerr.text);
			json_decref(j);
			j = NULL;
		}
	}
	strbuf_release(&out);
	return j;
}

int node_wait_state(struct node *n, const char *state, int timeout_ms)
{
	double deadline = mono_s() + timeout_ms / 1000.0;
	char last[32] = "unknown";

	for (;;) {
		json_t *j = node_status(n);
		const char *bs = node_status_backend_state(j);

		if (bs)
			snprintf(last, sizeof(last), "%s", bs);
		json_decref(j);
		if (!strcmp(last, state))
			return 0;
		if (mono_s() >= deadline) {
			struct strbuf msg = STRBUF_INIT;

			strbuf_addf(&msg, "node '%s' not %s within %d ms (BackendState %s)",
				    n->name, state, timeout_ms, last);
			strbuf_add_log_tail(&msg, n->log_path, LOG_TAIL_LINES);
			error("%s", strbuf_str(&msg));
			strbuf_release(&msg);
			return -1;
		}
		if (pause_alive(n, "waiting for its BackendState") < 0)
			return -1;
	}
}

/* One node's part of node_up_all(): its command, its capture, its deadline. */
struct up_job {
	struct node_cmd cmd;
	struct capture cap;
	struct strbuf err;
	const char **args;
	char *host;
	double deadline;
};

int node_up_all(struct node *const *nodes, size_t n, const char *login_server, const char *authkey,
		const char *const *const *flags)
{
	struct up_job *jobs = xcalloc(n ? n : 1, sizeof(*jobs));
	struct capture *set = xcalloc(n ? n : 1, sizeof(*set));
	char *login = xasprintf("--login-server=%s", login_server);
	char *key = xasprintf("--authkey=%s", authkey);
	double t0 = mono_s();
	int ret = 0;

	for (size_t j = 0; j < n; j++) {
		struct up_job *jb = &jobs[j];
		const char *const *fl = flags ? flags[j] : NULL;
		int timeout_ms = nodes[j]->timeout_ms > UP_TIMEOUT_MS ? nodes[j]->timeout_ms
								      : UP_TIMEOUT_MS;
		size_t k = 0, i = 0;

		while (fl && fl[k])
			k++;
		jb->deadline = t0 + timeout_ms / 1000.0;
		jb->host = xasprintf("--hostname=%s", nodes[j]->name);
		jb->args = xcalloc(k + 5, sizeof(*jb->args));
		jb->args[i++] = "up";
		jb->args[i++] = login;
		jb->args[i++] = key;
		jb->args[i++] = jb->host;
		for (size_t f = 0; f < k; f++)
			jb->args[i++] = fl[f];
		node_cmd_init(&jb->cmd, nodes[j], jb->args);
		jb->err = (struct strbuf)STRBUF_INIT;
		set[j] = (struct capture){ .spec = &jb->cmd.spec,
					   .timeout_ms = timeout_ms,
					   .err = &jb->err };
	}
	/* side by side: each join waits mostly on control, not on this machine */
	run_capture_set(set, n);
	for (size_t j = 0; j < n; j++) {
		struct up_job *jb = &jobs[j];
		struct node *nd = nodes[j];

		strbuf_rtrim(&jb->err);
		if (set[j].ret < 0) {
			ret = error("cannot run 'tailscale up' on node '%s' (did not start, timed "
				    "out or was interrupted)",
				    nd->name);
		} else if (!WIFEXITED(set[j].status) || WEXITSTATUS(set[j].status) != 0) {
			struct strbuf msg = STRBUF_INIT;
			char how[32];

			/* the command line holds the auth key: name only the flags */
			strbuf_addf(&msg, "'tailscale up' on node '%s' failed (%s): %s", nd->name,
				    proc_describe_status(set[j].status, how, sizeof(how)),
				    strbuf_str(&jb->err));
			strbuf_add_log_tail(&msg, nd->log_path, LOG_TAIL_LINES);
			ret = error("%s", strbuf_str(&msg));
			strbuf_release(&msg);
		} else {
			if (jb->err.len)
				debug("node '%s': tailscale up says: %s", nd->name,
				      strbuf_str(&jb->err));
			if (node_wait_state(nd, "Running", ms_left(jb->deadline)) < 0) {
				ret = -1;
			} else {
				nd->up_s = mono_s() - t0;
				info("node '%s' up (Running) in %.2f s", nd->name, nd->up_s);
			}
		}
		node_cmd_release(&jb->cmd);
		strbuf_release(&jb->err);
		free(jb->args);
		free(jb->host);
	}
	free(jobs);
	free(set);
	free(login);
	free(key);
	return ret;
}

int node_up(struct node *n, const char *login_server, const char *authkey, const char *const *flags)
{
	struct node *const nodes[] = { n };
	const char *const *const fl[] = { flags };

	return node_up_all(nodes, 1, login_server, authkey, fl);
}

int node_restart(struct node *n, const char *resolv_conf)
{
	double t0 = mono_s(), deadline;
	int status = 0;
	char how[32];

	if (!n->proc)
		return error("node '%s' was never started", n->name);
	if (resolv_conf) {
		free(n->resolv_conf);
		n->resolv_conf = xstrdup(resolv_conf);
	}
	/* a clean stop restores resolv.conf from the backup; it is rewritten anyway */
	proc_stop(n->proc, STOP_GRACE_MS);
	if (!proc_running(n->proc, &status))
		debug("node '%s': tailscaled stopped (%s) in %.2f s", n->name,
		      proc_describe_status(status, how, sizeof(how)), mono_s() - t0);
	if (write_resolv(n, n->resolv_conf) < 0)
		return -1;
	deadline = mono_s() + n->timeout_ms / 1000.0;
	if (spawn_tailscaled(n) < 0 || wait_localapi(n, deadline) < 0 ||
	    node_wait_state(n, "Running", ms_left(deadline)) < 0)
		return error("cannot restart node '%s'", n->name);
	n->restart_s = mono_s() - t0;
	info("node '%s' restarted, Running again %.2f s after the stop", n->name, n->restart_s);
	return 0;
}

int node_running(struct node *n)
{
	return n->proc && proc_running(n->proc, NULL);
}

void node_release(struct node *n)
{
	free(n->name);
	free(n->netns);
	free(n->dir);
	free(n->etc);
	free(n->state);
	free(n->sock);
	free(n->tun);
	free(n->tailscaled);
	free(n->tailscale);
	free(n->log_path);
	free(n->resolv_conf);
	free(n->ca_env);
	free(n->dbus_env);
	free(n->logs_env);
	for (size_t i = 0; n->extra_env && n->extra_env[i]; i++)
		free(n->extra_env[i]);
	free(n->extra_env);
	*n = (struct node)NODE_INIT;
}

/* ---- status JSON ---- */

const char *node_status_backend_state(json_t *status)
{
	json_t *v = json_is_object(status) ? json_object_get(status, "BackendState") : NULL;

	return json_is_string(v) ? json_string_value(v) : NULL;
}

json_t *node_status_self(json_t *status)
{
	json_t *v = json_is_object(status) ? json_object_get(status, "Self") : NULL;

	return json_is_object(v) ? v : NULL;
}

static const char *get_str(json_t *obj, const char *key)
{
	json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static int has_ip(json_t *peer, const char *ip)
{
	json_t *ips = json_object_get(peer, "TailscaleIPs"), *v;
	size_t i;

	json_array_foreach(ips, i,
			   v) if (json_is_string(v) && !strcmp(json_string_value(v), ip)) return 1;
	return 0;
}

/* 1 if DNSName ("exit.tailnet.lab.test.") is name, with or without the final dot. */
static int dns_name_is(const char *dns, const char *name)
{
	size_t dl, nl;

	if (!dns)
		return 0;
	dl = strlen(dns);
	nl = strlen(name);
	if (dl && dns[dl - 1] == '.')
		dl--;
	if (nl && name[nl - 1] == '.')
		nl--;
	return dl == nl && nl && !strncasecmp(dns, name, nl);
}

static int first_label_is(const char *dns, const char *name)
{
	const char *dot;

	if (!dns)
		return 0;
	dot = strchr(dns, '.');
	return dot && strlen(name) == (size_t)(dot - dns) &&
	       !strncasecmp(dns, name, (size_t)(dot - dns));
}

json_t *node_status_peer(json_t *status, const char *ip_or_name)
{
	json_t *peers = json_is_object(status) ? json_object_get(status, "Peer") : NULL;
	const char *key;
	json_t *peer;

	if (!json_is_object(peers) || !ip_or_name || !*ip_or_name)
		return NULL;
	/* exact matches (an address, a full DNS name) before short names */
	json_object_foreach(peers, key, peer) if (json_is_object(peer) &&
						  (has_ip(peer, ip_or_name) ||
						   dns_name_is(get_str(peer, "DNSName"),
							       ip_or_name))) return peer;
	json_object_foreach(peers, key, peer)
	{
		const char *host = get_str(peer, "HostName");

		if (json_is_object(peer) && ((host && !strcasecmp(host, ip_or_name)) ||
					     first_label_is(get_str(peer, "DNSName"), ip_or_name)))
			return peer;
	}
	return NULL;
}

const char *node_peer_ip(json_t *peer, int v6)
{
	json_t *ips = json_is_object(peer) ? json_object_get(peer, "TailscaleIPs") : NULL, *v;
	size_t i;

	json_array_foreach(ips, i, v)
	{
		const char *ip = json_string_value(v);

		if (ip && (strchr(ip, ':') != NULL) == (v6 != 0))
			return ip;
	}
	return NULL;
}

const char *node_peer_api_url(json_t *peer)
{
	json_t *urls = json_is_object(peer) ? json_object_get(peer, "PeerAPIURL") : NULL, *v;
	size_t i;

	json_array_foreach(urls, i, v)
	{
		const char *url = json_string_value(v);
		const char *host = url ? strstr(url, "://") : NULL;

		/* IPv6 URLs bracket the address */
		if (host && host[3] && host[3] != '[')
			return url;
	}
	return NULL;
}

static int get_true(json_t *peer, const char *key)
{
	return json_is_object(peer) && json_is_true(json_object_get(peer, key));
}

int node_peer_is_exit_option(json_t *peer)
{
	return get_true(peer, "ExitNodeOption");
}

int node_peer_is_exit_node(json_t *peer)
{
	return get_true(peer, "ExitNode");
}

/* 1 if prefix is one of the peer's own addresses as a host route. */
static int is_own_address(json_t *peer, const char *prefix)
{
	const char *slash = strchr(prefix, '/');
	char ip[64];
	size_t len;

	if (!slash || (strcmp(slash, "/32") && strcmp(slash, "/128")))
		return 0;
	len = (size_t)(slash - prefix);
	if (len >= sizeof(ip))
		return 0;
	memcpy(ip, prefix, len);
	ip[len] = '\0';
	return has_ip(peer, ip);
}

char **node_peer_routes(json_t *peer, enum node_route_kind kind, size_t *n)
{
	json_t *arr = NULL, *v;
	char **routes;
	size_t i, k = 0;

	if (json_is_object(peer))
		arr = json_object_get(peer,
				      kind == NODE_ROUTES_PRIMARY ? "PrimaryRoutes" : "AllowedIPs");
	routes = xcalloc(json_array_size(arr) + 1, sizeof(*routes));
	json_array_foreach(arr, i, v)
	{
		const char *r = json_string_value(v);

		if (!r || (kind == NODE_ROUTES_ALLOWED && is_own_address(peer, r)))
			continue;
		routes[k++] = xstrdup(r);
	}
	if (n)
		*n = k;
	return routes;
}

void node_routes_free(char **routes)
{
	for (size_t i = 0; routes && routes[i]; i++)
		free(routes[i]);
	free(routes);
}

int node_peer_direct(json_t *peer)
{
	const char *cur = get_str(peer, "CurAddr");

	return cur && *cur;
}
