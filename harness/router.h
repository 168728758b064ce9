/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TSCANARY_ROUTER_H
#define TSCANARY_ROUTER_H

/*
 * The router's tailscaled seen from the host: its LocalAPI and CLI through
 * the guest agent, its state, and what its logs say. The runner and the
 * canaries use it alike.
 */

#include <stddef.h>

#include <jansson.h>

struct scenario;
struct strbuf;

/* tailscaled's LocalAPI socket in the router (the image's default). */
#define ROUTER_TS_SOCKET "/var/run/tailscale/tailscaled.sock"

/*
 * A request to the router's LocalAPI through the guest agent (no CLI run):
 * the HTTP status with the body in out (may be NULL), or -1 when tailscaled
 * did not answer (reported unless quiet).
 */
int router_localapi(struct scenario *s, const char *method, const char *path, const char *body,
		    int timeout_ms, int quiet, struct strbuf *out);
/*
 * Change the router's prefs as `tailscale set` does: PATCH /localapi/v0/prefs
 * with a MaskedPrefs JSON body. 0, or -1 with the answer reported (what
 * names the change in the message).
 */
int router_set_prefs(struct scenario *s, const char *masked_prefs, const char *what,
		     int timeout_ms);
/*
 * GET /localapi/v0/status, what `tailscale status --json` prints: the
 * parsed JSON, or NULL when tailscaled gave none (quiet: no error lines).
 */
json_t *router_status_json(struct scenario *s, int timeout_ms, int quiet);
/* Run `tailscale args...` inside the router; 0 when it exited 0. */
int router_cli(struct scenario *s, const char *const *args, int timeout_ms, struct strbuf *out,
	       struct strbuf *err);
/* Bytes in a log file now (0 if absent): where to look from afterwards. */
size_t log_mark(const char *path);
/*
 * The first line written to path after offset holding every needle
 * (NULL-terminated list), copied into line; 0 if found, -1 if not.
 */
int log_find_since(const char *path, size_t offset, const char *const *needles, char *line,
		   size_t len);
/*
 * Append to hits each line (at most 10) of text[0..len) holding needle;
 * binary-safe. Returns how many.
 */
int log_grep(const char *text, size_t len, const char *needle, struct strbuf *hits);
/*
 * Lines of text[from..len) tagged [v1], [v2] or [v3] (tailscaled's verbose
 * levels), or structured records at verbosity 1-9 ("[v\0JSON]1{...}"); the
 * first five, cut at 160 bytes (NUL shown as \0), into examples when not NULL.
 */
size_t log_count_verbose(const char *text, size_t len, size_t from, struct strbuf *examples);
/*
 * What a tailscaled log text[0..len) says about crashes: "invertgso-panic"
 * when a panic's stack runs through net/tstun's invertGSOChecksum (the
 * injected-packet path a build without netstack panics on), "panic" for any
 * other "panic:" or "fatal error:", NULL when neither is there.
 */
const char *log_panic_signature(const char *text, size_t len);
/*
 * Poll the router's LocalAPI status (what `tailscale status --json` prints)
 * until BackendState is Running
 * (an earlier canary may have crashed tailscaled, which the guest then
 * restarts); 0 when it is, -1 when not within timeout_ms. The last state
 * goes into state ("" if none answered).
 */
int router_wait_running(struct scenario *s, int timeout_ms, char *state, size_t len);
/*
 * The run-level sentinel: tailscaled still runs as first_pid, was started
 * once and never exited, and log_path (guest) holds no panic or fatal
 * error. 1 holds, 0 broken (signature and detail filled), -1 agent lost.
 */
int sentinel_holds(struct scenario *s, int first_pid, const char *log_path, struct strbuf *detail,
		   const char **signature);

#endif
