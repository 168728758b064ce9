/* SPDX-License-Identifier: BSD-3-Clause */
#include "headscale.h"

#include "clock.h"
#include "files.h"
#include "lab.h"
#include "log.h"
#include "proc.h"
#include "strbuf.h"
#include "undo.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define CLI_TIMEOUT_MS 20000
#define HEALTH_POLL_MS 200
#define ONLINE_POLL_MS 250
#define LOG_TAIL_LINES 12
#define MAX_BODY       65536

/* ---- config rendering ---- */

static const struct placeholder {
	const char *name;
	size_t offset;
} placeholders[] = {
	{ "SERVER_URL", offsetof(struct headscale_conf, server_url) },
	{ "LISTEN_ADDR", offsetof(struct headscale_conf, listen_addr) },
	{ "SERVER_IPV4", offsetof(struct headscale_conf, server_ipv4) },
	{ "SERVER_IPV6", offsetof(struct headscale_conf, server_ipv6) },
	{ "STUN_LISTEN_ADDR", offsetof(struct headscale_conf, stun_addr) },
	{ "PREFIX_V4", offsetof(struct headscale_conf, prefix_v4) },
	{ "PREFIX_V6", offsetof(struct headscale_conf, prefix_v6) },
	{ "STATE_DIR", offsetof(struct headscale_conf, state_dir) },
	{ "TLS_CERT", offsetof(struct headscale_conf, tls_cert) },
	{ "TLS_KEY", offsetof(struct headscale_conf, tls_key) },
	{ "POLICY_PATH", offsetof(struct headscale_conf, policy_path) },
	{ "BASE_DOMAIN", offsetof(struct headscale_conf, base_domain) },
	{ "LOG_LEVEL", offsetof(struct headscale_conf, log_level) },
};

static int is_name_start(char c)
{
	return c >= 'A' && c <= 'Z';
}

static int is_name_char(char c)
{
	return is_name_start(c) || (c >= '0' && c <= '9') || c == '_';
}

/* Length of the placeholder name after the '@' at s, or 0 if none. */
static size_t placeholder_len(const char *s)
{
	size_t n = 0;

	if (!is_name_start(s[0]))
		return 0;
	while (is_name_char(s[n]))
		n++;
	return s[n] == '@' ? n : 0;
}

/* Values go inside double-quoted YAML scalars: keep them literal. */
static int value_is_safe(const char *v)
{
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '"' || *p == '\\')
			return 0;
	return 1;
}

int headscale_render_config(const char *tmpl, const struct headscale_conf *conf, struct strbuf *out)
{
	const char *p = tmpl;

	for (;;) {
		const char *at = strchr(p, '@');
		const struct placeholder *ph = NULL;
		const char *value;
		size_t n;

		if (!at) {
			strbuf_addstr(out, p);
			return 0;
		}
		strbuf_add(out, p, (size_t)(at - p));
		n = placeholder_len(at + 1);
		if (!n) {
			strbuf_addch(out, '@');
			p = at + 1;
			continue;
		}
		for (size_t i = 0; i < ARRAY_SIZE(placeholders); i++)
			if (strlen(placeholders[i].name) == n &&
			    !memcmp(placeholders[i].name, at + 1, n))
				ph = &placeholders[i];
		if (!ph)
			return error("unknown placeholder '@%.*s@' in headscale config template",
				     (int)n, at + 1);
		value = *(const char *const *)((const char *)conf + ph->offset);
		if (!value)
			return error("no value for placeholder '@%s@' in headscale config template",
				     ph->name);
		if (!value_is_safe(value))
			return error("value for '@%s@' has a quote, backslash or control "
				     "character: '%s'",
				     ph->name, value);
		strbuf_addstr(out, value);
		p = at + 1 + n + 1;
	}
}

/* ---- small helpers ---- */

/* realpath() into a heap string, reporting what the path was for. */
static char *abs_path(const char *path, const char *what)
{
	char *r = realpath(path, NULL);

	if (!r)
		error_errno("cannot find %s '%s'", what, path);
	return r;
}

/* ---- readiness ---- */

static size_t collect_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct strbuf *sb = arg;
	size_t n = size * nmemb;

	if (sb->len + n > MAX_BODY)
		return 0;
	strbuf_add(sb, data, n);
	return n;
}

/*
 * One GET of url with ca as the only trust anchor, in the calling
 * thread's network namespace, within timeout_ms. 1: healthy; 0: not
 * (yet), why says how.
 */
static int health_once(const char *url, const char *ca, long timeout_ms, struct strbuf *why)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	struct strbuf body = STRBUF_INIT;
	long code = 0;
	CURLcode rc;
	CURL *c = curl_easy_init();
	int ok = 0;

	if (!c) {
		strbuf_addstr(why, "cannot initialise libcurl");
		return 0;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_CAINFO, ca);
	curl_easy_setopt(c, CURLOPT_CAPATH, NULL);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms < 1000 ? timeout_ms : 1000L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
	rc = curl_easy_perform(c);
	if (rc != CURLE_OK) {
		strbuf_addf(why, "%s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
	} else {
		json_t *j, *status;

		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
		j = json_loadb(body.buf ? body.buf : "", body.len, 0, NULL);
		status = j ? json_object_get(j, "status") : NULL;
		if (code == 200 && json_is_string(status) &&
		    !strcmp(json_string_value(status), "pass"))
			ok = 1;
		else
			strbuf_addf(why, "HTTP %ld: %.200s", code, strbuf_str(&body));
		json_decref(j);
	}
	curl_easy_cleanup(c);
	strbuf_release(&body);
	return ok;
}

/* health_once() from inside netns; -1 only when the switch itself failed. */
static int health_in_netns(const char *netns, const char *url, const char *ca, long timeout_ms,
			   struct strbuf *why)
{
	int saved, ok;

	if (lab_enter(netns, &saved) < 0)
		return -1;
	ok = health_once(url, ca, timeout_ms, why);
	if (lab_leave(saved) < 0)
		return -1;
	return ok;
}

static int wait_healthy(struct headscale *hs, int timeout_ms, double t0)
{
	const char *url = HEADSCALE_URL "/health";
	double deadline = t0 + timeout_ms / 1000.0;
	struct strbuf why = STRBUF_INIT, msg = STRBUF_INIT;
	int status = 0, ret = -1;
	char how[32];

	for (;;) {
		/* one probe may not overrun the deadline by much */
		long left_ms = (long)((deadline - mono_s()) * 1000.0);
		int ok;

		strbuf_reset(&why);
		ok = health_in_netns(hs->netns, url, hs->ca_path,
				     left_ms < 100    ? 100
				     : left_ms > 3000 ? 3000
						      : left_ms,
				     &why);
		if (ok < 0)
			break;
		if (ok) {
			ret = 0;
			break;
		}
		if (interrupted()) {
			error("interrupted while waiting for headscale");
			break;
		}
		if (mono_s() >= deadline) {
			strbuf_addf(&msg, "headscale not healthy at '%s' within %d ms: %s", url,
				    timeout_ms, strbuf_str(&why));
			strbuf_add_log_tail(&msg, hs->log_path, LOG_TAIL_LINES);
			error("%s", strbuf_str(&msg));
			break;
		}
		/* the pause between probes doubles as the exit check */
		ok = proc_wait(hs->proc, HEALTH_POLL_MS, &status);
		if (ok < 0)
			break;
		if (ok == 0) {
			strbuf_addf(&msg, "headscale exited (%s) before it was healthy",
				    proc_describe_status(status, how, sizeof(how)));
			strbuf_add_log_tail(&msg, hs->log_path, LOG_TAIL_LINES);
			error("%s", strbuf_str(&msg));
			break;
		}
	}
	strbuf_release(&why);
	strbuf_release(&msg);
	return ret;
}

/* ---- lifecycle ---- */

static void free_fields(struct headscale *hs)
{
	free(hs->binary);
	free(hs->netns);
	free(hs->config_path);
	free(hs->log_path);
	free(hs->ca_path);
}

void headscale_release(struct headscale *hs)
{
	free_fields(hs);
	*hs = (struct headscale)HEADSCALE_INIT;
}

int headscale_running(struct headscale *hs)
{
	return hs->proc && proc_running(hs->proc, NULL);
}

/* Render the template into state_dir/config.yaml; set up files it names. */
static int write_config(struct headscale *hs, const struct headscale_spec *spec,
			const char *state_dir, const char *tls_dir)
{
	struct strbuf tmpl = STRBUF_INIT, out = STRBUF_INIT;
	char *cert = xasprintf("%s/server.crt", tls_dir);
	char *key = xasprintf("%s/server.key", tls_dir);
	char *extra = xasprintf("%s/extra-records.json", state_dir);
	char *policy = NULL;
	int ret = -1;
	struct headscale_conf conf = {
		.server_url = HEADSCALE_URL,
		/*
		 * Every address of the inet namespace (it holds lab addresses
		 * only): control, DERP and STUN answer on both families, as a
		 * dual-stack control server and DERP node do.
		 */
		.listen_addr = "[::]:443",
		.server_ipv4 = HEADSCALE_IPV4,
		.server_ipv6 = HEADSCALE_IPV6,
		.stun_addr = "[::]:3478",
		.prefix_v4 = LAB_TAILNET4,
		.prefix_v6 = LAB_TAILNET6,
		.state_dir = state_dir,
		.tls_cert = cert,
		.tls_key = key,
		.base_domain = HEADSCALE_BASE_DOMAIN,
		.log_level = spec->log_level ? spec->log_level : "info",
	};

	if (access(cert, R_OK) < 0 || access(key, R_OK) < 0) {
		error_errno("cannot read TLS certificate and key in '%s'", tls_dir);
		goto out;
	}
	policy = abs_path(spec->policy_path, "headscale policy");
	if (!policy)
		goto out;
	conf.policy_path = policy;
	if (strbuf_read_file(&tmpl, spec->template_path) < 0) {
		error_errno("cannot read headscale config template '%s'", spec->template_path);
		goto out;
	}
	if (headscale_render_config(strbuf_str(&tmpl), &conf, &out) < 0)
		goto out;
	if (write_file(hs->config_path, out.buf, out.len, 0600) < 0)
		goto out;
	/* headscale watches this file; it must exist before serve starts */
	if (access(extra, F_OK) < 0 && write_text_file(extra, "[]\n", 0644) < 0)
		goto out;
	ret = 0;
out:
	free(cert);
	free(key);
	free(extra);
	free(policy);
	strbuf_release(&tmpl);
	strbuf_release(&out);
	return ret;
}

int headscale_start(struct headscale *hs, const struct headscale_spec *spec)
{
	int timeout_ms = spec->timeout_ms > 0 ? spec->timeout_ms : 30000;
	char *state_dir = NULL, *tls_dir = NULL;
	struct sockaddr_un sun;
	double t0;

	*hs = (struct headscale)HEADSCALE_INIT;
	if (mkdir(spec->state_dir, 0700) < 0 && errno != EEXIST)
		return error_errno("cannot create headscale state dir '%s'", spec->state_dir);
	state_dir = abs_path(spec->state_dir, "headscale state dir");
	tls_dir = abs_path(spec->tls_dir, "TLS dir");
	hs->binary = abs_path(spec->binary, "headscale binary");
	if (!state_dir || !tls_dir || !hs->binary)
		goto fail;
	/* unix_socket lives in the state dir: sun_path is short */
	if (strlen(state_dir) + sizeof("/headscale.sock") > sizeof(sun.sun_path)) {
		error("headscale state dir '%s' is too long for its unix socket", state_dir);
		goto fail;
	}
	hs->netns = xstrdup(spec->netns);
	hs->config_path = xasprintf("%s/config.yaml", state_dir);
	hs->log_path = xstrdup(spec->log_path);
	hs->ca_path = xasprintf("%s/ca.crt", tls_dir);
	if (access(hs->ca_path, R_OK) < 0) {
		error_errno("cannot read run CA '%s'", hs->ca_path);
		goto fail;
	}
	if (write_config(hs, spec, state_dir, tls_dir) < 0)
		goto fail;

	const char *argv[] = { hs->binary, "-c", hs->config_path, "serve", NULL };
	struct proc_spec ps = {
		.name = "headscale",
		.argv = argv,
		.netns = hs->netns,
		.log_path = hs->log_path,
		.cwd = state_dir,
	};

	t0 = mono_s();
	hs->proc = proc_spawn(&ps);
	if (!hs->proc)
		goto fail;
	if (wait_healthy(hs, timeout_ms, t0) < 0) {
		/* its undo entry frees it later; stopping twice is harmless */
		proc_stop(hs->proc, 3000);
		goto fail;
	}
	hs->ready_s = mono_s() - t0;
	info("headscale healthy at %s after %.2f s (pid %d, log '%s')", HEADSCALE_URL, hs->ready_s,
	     (int)proc_pid(hs->proc), hs->log_path);
	free(state_dir);
	free(tls_dir);
	return 0;
fail:
	free(state_dir);
	free(tls_dir);
	headscale_release(hs);
	return -1;
}

/* ---- CLI over the unix socket ---- */

/* Pull headscale's {"error": "..."} out of its stderr, else the raw text. */
static void describe_cli_error(struct strbuf *err, struct strbuf *out)
{
	json_t *j;

	strbuf_rtrim(err);
	j = json_loadb(err->buf ? err->buf : "", err->len, 0, NULL);
	if (j && json_is_string(json_object_get(j, "error")))
		strbuf_addstr(out, json_string_value(json_object_get(j, "error")));
	else
		strbuf_addstr(out, strbuf_str(err));
	json_decref(j);
}

/* Run `headscale -c CONFIG args... -o json`; stdout into out. */
static int hs_cli(struct headscale *hs, const char *const *args, struct strbuf *out)
{
	struct strbuf err = STRBUF_INIT, cmd = STRBUF_INIT, why = STRBUF_INIT;
	const char **argv;
	size_t n = 0, i = 0;
	int status = 0, ret;
	char how[32];

	while (args[n])
		n++;
	argv = xcalloc(n + 6, sizeof(*argv));
	argv[i++] = hs->binary;
	argv[i++] = "-c";
	argv[i++] = hs->config_path;
	for (size_t k = 0; k < n; k++)
		argv[i++] = args[k];
	argv[i++] = "-o";
	argv[i++] = "json";
	argv[i] = NULL;
	for (size_t k = 0; k < n; k++)
		strbuf_addf(&cmd, "%s%s", k ? " " : "", args[k]);

	struct proc_spec ps = { .name = "headscale-cli", .argv = argv };

	strbuf_reset(out);
	ret = run_capture(&ps, CLI_TIMEOUT_MS, out, &err, &status);
	if (ret < 0) {
		error("cannot run 'headscale %s'", strbuf_str(&cmd));
	} else if (status != 0) {
		describe_cli_error(&err, &why);
		ret = error("'headscale %s' failed (%s): %s", strbuf_str(&cmd),
			    proc_describe_status(status, how, sizeof(how)), strbuf_str(&why));
	}
	free(argv);
	strbuf_release(&err);
	strbuf_release(&cmd);
	strbuf_release(&why);
	return ret;
}

int headscale_create_user(struct headscale *hs, const char *name, uint64_t *id)
{
	const char *args[] = { "users", "create", name, NULL };
	struct strbuf out = STRBUF_INIT;
	int ret;

	ret = hs_cli(hs, args, &out);
	if (!ret)
		ret = hs_parse_user_id(out.buf, out.len, id);
	if (!ret)
		debug("headscale user '%s' has id %" PRIu64, name, *id);
	strbuf_release(&out);
	return ret;
}

int headscale_create_authkey(struct headscale *hs, uint64_t user_id, enum hs_authkey_flags flags,
			     const char *expiry, char **key)
{
	char uid[32];
	const char *args[10];
	size_t i = 0;
	struct strbuf out = STRBUF_INIT;
	int ret;

	snprintf(uid, sizeof(uid), "%" PRIu64, user_id);
	args[i++] = "preauthkeys";
	args[i++] = "create";
	args[i++] = "-u";
	args[i++] = uid;
	args[i++] = "-e";
	args[i++] = expiry ? expiry : "1h";
	if (flags & HS_AUTHKEY_REUSABLE)
		args[i++] = "--reusable";
	if (flags & HS_AUTHKEY_EPHEMERAL)
		args[i++] = "--ephemeral";
	args[i] = NULL;
	ret = hs_cli(hs, args, &out);
	if (!ret)
		ret = hs_parse_authkey(out.buf, out.len, key);
	strbuf_release(&out);
	return ret;
}

int headscale_expire_authkey(struct headscale *hs, const char *key)
{
	const char *list[] = { "preauthkeys", "list", NULL };
	struct strbuf out = STRBUF_INIT;
	uint64_t id = 0;
	long long expires = 0;
	char ids[32];
	int ret;

	ret = hs_cli(hs, list, &out);
	if (!ret && hs_parse_authkey_entry(out.buf, out.len, key, &id, &expires) < 0)
		ret = error("headscale does not list the pre-auth key to expire");
	if (!ret) {
		const char *expire[] = { "preauthkeys", "expire", "-i", ids, NULL };

		snprintf(ids, sizeof(ids), "%" PRIu64, id);
		ret = hs_cli(hs, expire, &out);
	}
	if (!ret)
		ret = hs_cli(hs, list, &out);
	if (!ret && hs_parse_authkey_entry(out.buf, out.len, key, &id, &expires) < 0)
		ret = error("the expired pre-auth key is gone from headscale's list");
	if (!ret && (expires <= 0 || expires > (long long)time(NULL)))
		ret = error("pre-auth key %" PRIu64 " still not expired (expiry %lld)", id,
			    expires);
	if (!ret)
		debug("pre-auth key %" PRIu64 " expired at %lld", id, expires);
	strbuf_release(&out);
	return ret;
}

int headscale_nodes_json(struct headscale *hs, struct strbuf *out)
{
	const char *args[] = { "nodes", "list", NULL };

	return hs_cli(hs, args, out);
}

int headscale_list_nodes(struct headscale *hs, struct hs_node **nodes, size_t *n)
{
	const char *args[] = { "nodes", "list", NULL };
	struct strbuf out = STRBUF_INIT;
	int ret;

	ret = hs_cli(hs, args, &out);
	if (!ret)
		ret = hs_parse_nodes(out.buf, out.len, nodes, n);
	strbuf_release(&out);
	return ret;
}

int headscale_approve_routes(struct headscale *hs, uint64_t node_id, const char *const *routes)
{
	struct strbuf list = STRBUF_INIT, out = STRBUF_INIT;
	char id[32];
	int ret;

	snprintf(id, sizeof(id), "%" PRIu64, node_id);
	for (const char *const *r = routes; r && *r; r++)
		strbuf_addf(&list, "%s%s", r == routes ? "" : ",", *r);

	const char *args[] = { "nodes", "approve-routes", "-i", id, "-r", strbuf_str(&list), NULL };

	ret = hs_cli(hs, args, &out);
	if (!ret)
		info("headscale approved routes '%s' for node %s", strbuf_str(&list), id);
	strbuf_release(&list);
	strbuf_release(&out);
	return ret;
}

int headscale_delete_node(struct headscale *hs, uint64_t node_id)
{
	struct strbuf out = STRBUF_INIT;
	char id[32];
	int ret;

	snprintf(id, sizeof(id), "%" PRIu64, node_id);

	const char *args[] = { "nodes", "delete", "-i", id, "--force", NULL };

	ret = hs_cli(hs, args, &out);
	if (!ret)
		info("headscale deleted node %s", id);
	strbuf_release(&out);
	return ret;
}

int headscale_set_extra_records(struct headscale *hs, const char *json)
{
	/* write_config() puts the file beside the config */
	const char *slash = strrchr(hs->config_path, '/');
	int dir_len = slash ? (int)(slash - hs->config_path) : 1;
	const char *dir = slash ? hs->config_path : ".";
	char *path = xasprintf("%.*s/extra-records.json", dir_len, dir);
	int ret = -1;

	/* write_text_file() renames: headscale never reads half a file */
	if (write_text_file(path, json, 0644) < 0)
		goto out;
	debug("headscale extra records now: %s", json);
	ret = 0;
out:
	free(path);
	return ret;
}

static void node_copy(struct hs_node *dst, const struct hs_node *src)
{
	*dst = *src;
	dst->name = xstrdup(src->name);
	dst->given_name = xstrdup(src->given_name);
	dst->user = xstrdup(src->user);
	dst->ipv4 = xstrdup(src->ipv4);
	dst->ipv6 = xstrdup(src->ipv6);
	dst->approved_routes = xcalloc(src->n_approved + 1, sizeof(char *));
	for (size_t i = 0; i < src->n_approved; i++)
		dst->approved_routes[i] = xstrdup(src->approved_routes[i]);
	dst->available_routes = xcalloc(src->n_available + 1, sizeof(char *));
	for (size_t i = 0; i < src->n_available; i++)
		dst->available_routes[i] = xstrdup(src->available_routes[i]);
}

int headscale_wait_online(struct headscale *hs, const char *name, int timeout_ms,
			  struct hs_node *out)
{
	double deadline = mono_s() + timeout_ms / 1000.0;
	int seen = 0;

	for (;;) {
		struct hs_node *nodes;
		size_t n;
		int found = 0;

		if (headscale_list_nodes(hs, &nodes, &n) < 0)
			return -1;
		for (size_t i = 0; i < n && !found; i++) {
			if (strcmp(nodes[i].name, name) && strcmp(nodes[i].given_name, name))
				continue;
			seen = 1;
			if (nodes[i].online) {
				found = 1;
				if (out)
					node_copy(out, &nodes[i]);
			}
		}
		hs_nodes_free(nodes, n);
		if (found)
			return 0;
		if (interrupted())
			return error("interrupted while waiting for node '%s'", name);
		if (mono_s() >= deadline)
			return error("node '%s' %s within %d ms", name,
				     seen ? "registered but not online" : "not registered",
				     timeout_ms);
		switch (proc_wait(hs->proc, ONLINE_POLL_MS, NULL)) {
		case 0: return error("headscale exited while waiting for node '%s'", name);
		case -1: return -1;
		}
	}
}

/* ---- JSON parsing (pure) ---- */

static json_t *load_json(const char *json, size_t len, const char *what)
{
	json_error_t jerr;
	json_t *j = json_loadb(json ? json : "", json ? len : 0, JSON_DECODE_ANY, &jerr);

	if (!j)
		error("cannot parse %s JSON at line %d: %s", what, jerr.line, jerr.text);
	return j;
}

/* Optional string member: "" when absent, -1 when of another type. */
static int get_str(json_t *obj, const char *key, char **dst)
{
	json_t *v = json_object_get(obj, key);

	if (!v || json_is_null(v)) {
		*dst = xstrdup("");
		return 0;
	}
	if (!json_is_string(v)) {
		*dst = xstrdup("");
		return error("headscale JSON member '%s' is not a string", key);
	}
	*dst = xstrdup(json_string_value(v));
	return 0;
}

/* Optional array of strings: NULL-terminated, empty when absent. */
static int get_str_array(json_t *obj, const char *key, char ***dst, size_t *n)
{
	json_t *v = json_object_get(obj, key);
	size_t count = v && json_is_array(v) ? json_array_size(v) : 0;

	*n = 0;
	*dst = xcalloc(count + 1, sizeof(char *));
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_array(v))
		return error("headscale JSON member '%s' is not an array", key);
	for (size_t i = 0; i < count; i++) {
		json_t *s = json_array_get(v, i);

		if (!json_is_string(s))
			return error("headscale JSON member '%s' holds a non-string", key);
		(*dst)[(*n)++] = xstrdup(json_string_value(s));
	}
	return 0;
}

static int get_id(json_t *obj, const char *what, uint64_t *id)
{
	json_t *v = json_object_get(obj, "id");

	if (!json_is_integer(v) || json_integer_value(v) <= 0)
		return error("%s JSON has no positive integer 'id'", what);
	*id = (uint64_t)json_integer_value(v);
	return 0;
}

static int parse_node(json_t *o, struct hs_node *node)
{
	json_t *user, *online;
	char **ips = NULL;
	size_t n_ips = 0;
	int ret = 0;

	memset(node, 0, sizeof(*node));
	if (!json_is_object(o)) {
		/* leave every field freeable */
		node->name = xstrdup("");
		node->given_name = xstrdup("");
		node->user = xstrdup("");
		node->ipv4 = xstrdup("");
		node->ipv6 = xstrdup("");
		return error("headscale node entry is not an object");
	}
	ret |= get_id(o, "headscale node", &node->id);
	ret |= get_str(o, "name", &node->name);
	ret |= get_str(o, "given_name", &node->given_name);
	user = json_object_get(o, "user");
	if (json_is_object(user))
		ret |= get_str(user, "name", &node->user);
	else
		node->user = xstrdup("");
	online = json_object_get(o, "online");
	if (online && !json_is_boolean(online))
		ret |= error("headscale JSON member 'online' is not a boolean");
	node->online = json_is_true(online);
	ret |= get_str_array(o, "approved_routes", &node->approved_routes, &node->n_approved);
	ret |= get_str_array(o, "available_routes", &node->available_routes, &node->n_available);
	ret |= get_str_array(o, "ip_addresses", &ips, &n_ips);
	node->ipv4 = NULL;
	node->ipv6 = NULL;
	for (size_t i = 0; i < n_ips; i++) {
		char **slot = strchr(ips[i], ':') ? &node->ipv6 : &node->ipv4;

		if (!*slot)
			*slot = xstrdup(ips[i]);
	}
	if (!node->ipv4)
		node->ipv4 = xstrdup("");
	if (!node->ipv6)
		node->ipv6 = xstrdup("");
	for (size_t i = 0; i < n_ips; i++)
		free(ips[i]);
	free(ips);
	return ret ? -1 : 0;
}

int hs_parse_nodes(const char *json, size_t len, struct hs_node **nodes, size_t *n)
{
	json_t *j = load_json(json, len, "headscale nodes list");
	struct hs_node *arr;
	size_t count, i;

	*nodes = NULL;
	*n = 0;
	if (!j)
		return -1;
	if (json_is_null(j)) {
		json_decref(j);
		return 0;
	}
	if (!json_is_array(j)) {
		json_decref(j);
		return error("headscale nodes list JSON is not an array");
	}
	count = json_array_size(j);
	arr = xcalloc(count ? count : 1, sizeof(*arr));
	for (i = 0; i < count; i++) {
		if (parse_node(json_array_get(j, i), &arr[i]) < 0) {
			hs_nodes_free(arr, i + 1);
			json_decref(j);
			return error("cannot parse node %zu of headscale nodes list", i);
		}
	}
	json_decref(j);
	*nodes = arr;
	*n = count;
	return 0;
}

int hs_parse_user_id(const char *json, size_t len, uint64_t *id)
{
	json_t *j = load_json(json, len, "headscale user");
	int ret;

	if (!j)
		return -1;
	ret = get_id(j, "headscale user", id);
	json_decref(j);
	return ret;
}

int hs_parse_authkey(const char *json, size_t len, char **key)
{
	json_t *j = load_json(json, len, "headscale preauthkey");
	json_t *k = j ? json_object_get(j, "key") : NULL;
	int ret = 0;

	*key = NULL;
	if (!j)
		return -1;
	if (!json_is_string(k) || !*json_string_value(k))
		ret = error("headscale preauthkey JSON has no 'key'");
	else
		*key = xstrdup(json_string_value(k));
	json_decref(j);
	return ret;
}

/* "hskey-auth-<prefix>-***" names key when key starts with everything but "***". */
static int authkey_shown_as(const char *shown, const char *key)
{
	size_t n = strlen(shown);

	if (n > 3 && !strcmp(shown + n - 3, "***"))
		return n - 3 > 0 && !strncmp(shown, key, n - 3) && strlen(key) > n - 3;
	return !strcmp(shown, key); /* legacy keys are listed in full */
}

int hs_parse_authkey_entry(const char *json, size_t len, const char *key, uint64_t *id,
			   long long *expires)
{
	json_t *j = load_json(json, len, "headscale preauthkeys list");
	json_t *e;
	size_t i;
	int ret = -1;

	if (!j)
		return -1;
	json_array_foreach(j, i, e)
	{
		const char *shown = json_string_value(json_object_get(e, "key"));
		json_t *exp = json_object_get(e, "expiration");

		if (!shown || !authkey_shown_as(shown, key))
			continue;
		if (get_id(e, "headscale preauthkey", id) < 0)
			break;
		/* a protobuf Timestamp through encoding/json: {"seconds": N, "nanos": N} */
		*expires = json_is_object(exp) ? json_integer_value(json_object_get(exp, "seconds"))
					       : 0;
		ret = 0;
		break;
	}
	json_decref(j);
	return ret;
}

static void free_strv(char **v)
{
	for (char **p = v; p && *p; p++)
		free(*p);
	free(v);
}

void hs_node_release(struct hs_node *node)
{
	free(node->name);
	free(node->given_name);
	free(node->user);
	free(node->ipv4);
	free(node->ipv6);
	free_strv(node->approved_routes);
	free_strv(node->available_routes);
	memset(node, 0, sizeof(*node));
}

void hs_nodes_free(struct hs_node *nodes, size_t n)
{
	for (size_t i = 0; i < n; i++)
		hs_node_release(&nodes[i]);
	free(nodes);
}
