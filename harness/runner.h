/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The runner's private header: the state of one run (struct run) and the
 * steps and helpers the runner's files share (run.c, the run's steps;
 * faults.c, restart.c, sentinel.c, bundle.c). Nothing below the runner
 * layer includes it.
 */
#ifndef TSCANARY_RUNNER_H
#define TSCANARY_RUNNER_H

#include "accel.h"
#include "headscale.h"
#include "image.h"
#include "lab.h"
#include "log.h"
#include "peers.h"
#include "qemu.h"
#include "report.h"
#include "run.h"
#include "scenario.h"
#include "strbuf.h"

#include <stddef.h>
#include <sys/types.h>

#define GUEST_CA     GUEST_RUN "/lab-ca.crt"
#define GUEST_TS_LOG GUEST_RUN "/tailscaled.log"
#define TS_CLI       "/usr/local/bin/tailscale"
/* RouterOS restart-interval=10s with restart-policy=on-failure. */
#define RESTART_MS 10000

/* Everything one run holds; torn down by the undo stack. */
struct run {
	const struct run_opts *o;
	struct report rep;
	struct scenario s;
	struct lab lab;
	struct headscale hs;
	struct peers peers;
	int have_peers;
	struct arch_table arches; /* vm/arches, whose line for this run is s.arch */
	struct image img;
	int have_img;
	struct proc *qemu;
	char *workdir;
	char *logdir;
	char hostname[64];
	pid_t ts_pid;
	double t_step;
	double t_boot;
	enum qemu_accel accel;
	int accel_chosen; /* the first boot chose accel */
	struct accel_probe probe;
	char *initrd, *flash;
	char *authkey;             /* headscale's pre-auth key for the router */
	char *ca_path;             /* the run CA's certificate, for the peers */
	struct peers_spec ps;      /* how the peers were built */
	struct strbuf before;      /* the machine before the run (lab_host_snapshot) */
	int snap;                  /* before holds a snapshot */
	json_t *pre;               /* preconditions object inside the summary */
	json_t *health;            /* warnings tailscale status reported */
	unsigned boots;            /* VM boots so far (restart-persistence boots it again) */
	char *console;             /* the running VM's console log */
	unsigned lives;            /* tailscaled lives ended by a planned restart */
	const char *life_sig;      /* the first ended life's sentinel failure */
	const char *canary_now;    /* the canary running, for fault injection */
	struct strbuf life_detail; /* every ended life's sentinel evidence */
	char *policy;              /* headscale policy in fixtures/headscale/ */
	int router_nat6;           /* the router masquerades IPv6 on its WAN (lab_side) */
	json_t *kit_ids;           /* the kit's inputs' identities, as the kit step found them */
	int kit_unkeyed;           /* one of them could not be read: the run has no key */
	char *key;                 /* the run's key (runkey.h), NULL when an input is unreadable */
	int reused_failed;         /* the cached verdict that stands for the run failed */
	json_t *manifest;          /* image/build.sh's manifest.json of this image, or NULL */
	char *manifest_path;
	char hs_version[32];    /* the lab's headscale, as it names itself */
	char peers_version[32]; /* the peers' tailscale, as it names itself */
};

/* The run that owns a scenario (canaries get the scenario only). */
static inline struct run *run_of(struct scenario *s)
{
	return (struct run *)((char *)s - offsetof(struct run, s));
}

static inline double now_s(void)
{
	return log_elapsed_s();
}

/* logs/<name> of this run (caller frees). */
char *run_logpath(const struct run *r, const char *name);
/* Run a busybox shell script in the guest; requires exit 0. */
int guest_sh(struct run *r, const char *script, int timeout_ms, struct strbuf *out);

/* Start the router VM on the run's initrd and flash (the first boot chooses the accelerator). */
int step_qemu(struct run *r);
/* Wait for the guest agent: the VM has booted when it says hello. */
int step_boot_wait(struct run *r);
/* The "container host" part: network, resolv.conf, hostname, CA, as RouterOS gives. */
int step_configure_guest(struct run *r);
/* Start the image's ENTRYPOINT + CMD with its ENV plus the container envs. */
int step_start_entrypoint(struct run *r, const char *const *extra_env);
/* Wait for tailscaled's socket in the guest (online.c). */
int wait_guest_socket(struct run *r, int timeout_ms);
struct hs_node;
/*
 * Wait until the router is online (tailscaled Running, no blocking health
 * warning, online in headscale); see online.c.
 */
int wait_online(struct run *r, int timeout_ms, int login_grace_ms, struct hs_node *node,
		char *state_out, size_t state_len);
/* Power the router VM off and close its agent. */
void power_off(struct run *r);
/* While waiting for the guest agent: 0, with why, when it never will answer. */
int guest_may_come_up(void *arg, struct strbuf *why);

/* schedule.c: the canaries' part of the run. */
/* Whether the run selected the canary name (no --canary: every one). */
int selected(const struct run_opts *o, const char *name);
/* The same, as the scenario's selected() for the canaries. */
int scenario_selected(const struct scenario *s, const char *name);
/* The step that runs every selected canary, in the registry's order. */
int run_canaries(struct run *r);
/* A canary's share of the work: all of it, or one half around its restart. */
enum canary_part { PART_RUN, PART_BEFORE, PART_AFTER };
struct canary;
struct canary_outcome;
struct router_restart_result;
/* The watchdog over c's work, armed with what is left after spent seconds. */
double watch_begin(struct run *r, const struct canary *c, double spent);
/* Disarm it: a fired watchdog fails out as a timeout; the time goes into *spent. */
void watch_end(struct run *r, const struct canary *c, struct canary_outcome *out, double t0,
	       double *spent);
/* Run one part of c under its watchdog; its return, its seconds added to *spent. */
int run_part(struct run *r, const struct canary *c, enum canary_part part,
	     struct canary_outcome *out, double *spent, int restarted,
	     const struct router_restart_result *res);
/* Judge what a canary's run came to and report it. */
void finish_canary(struct run *r, const struct canary *c, struct canary_outcome *out, int ret,
		   double d);

#endif
