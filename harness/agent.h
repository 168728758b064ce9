/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TSCANARY_AGENT_H
#define TSCANARY_AGENT_H

/*
 * The host side of the guest agent (vm/guest/agent.c): one request at a
 * time over QEMU's unix socket for the virtio-serial port "tscanary.agent".
 * Every call has a deadline; a lost or silent agent fails the call with -1
 * and a message, never a hang. Calls return 0 or -1 (reported; errno holds
 * the guest's errno when the agent refused a request).
 */

#include <stddef.h>
#include <sys/types.h>

#include "strbuf.h"

/* A connection to a guest agent. */
struct agent;

/* What the agent said when the connection started. */
struct agent_hello {
	char version[64];             /* "tscanary-agent 2" */
	char uname[512];              /* sysname nodename release version machine */
	unsigned long long uptime_ms; /* guest uptime when it said hello */
	long pid;                     /* the agent's pid in the guest */
};

/* A command to run to completion in the guest. */
struct agent_cmd {
	const char *const *argv; /* NULL-terminated; argv[0] searched in PATH */
	const char *const *env;  /* extra KEY=VALUE entries, or NULL */
	const void *stdin_data;  /* fed to stdin; NULL: /dev/null */
	size_t stdin_len;
	const char *cwd; /* NULL: the agent's (/) */
	int timeout_ms;  /* the guest kills the process group after it; 0: 60 s */
};

/* What a command did. */
struct agent_result {
	int status;        /* wait status: WIFEXITED()/WTERMSIG() apply */
	int timed_out;     /* the timeout killed it (status then says SIGKILL) */
	int truncated;     /* stdout or stderr went past the 4 MiB cap */
	long duration_ms;  /* measured in the guest */
	struct strbuf out; /* stdout, binary-safe */
	struct strbuf err; /* stderr */
};

#define AGENT_RESULT_INIT                                                                          \
	{                                                                                          \
		0, 0, 0, 0, STRBUF_INIT, STRBUF_INIT                                               \
	}

/* A supervised child, restarted after restart_ms when it fails. */
struct agent_child {
	const char *const *argv; /* NULL-terminated; PATH taken from env */
	const char *const *env;  /* the WHOLE environment (the image's ENV) */
	const char *log_path;    /* stdout+stderr appended here (and the console) */
	const char *cwd;         /* NULL: / */
	int restart_ms;          /* delay before a restart; 0: restart at once */
};

/* Fields of /sys/block/<dev>/stat, for agent_status.disk[]. */
enum agent_disk_field {
	AGENT_DISK_READ_IOS = 0,
	AGENT_DISK_READ_SECTORS = 2,
	AGENT_DISK_WRITE_IOS = 4,
	AGENT_DISK_WRITE_SECTORS = 6,
	AGENT_DISK_FIELDS_MAX = 17,
};

/* The supervised child and the flash disk, as the agent sees them. */
struct agent_status {
	pid_t pid;            /* running child, or 0 */
	unsigned start_count; /* starts since agent_start() */
	unsigned exits;       /* exits since agent_start() */
	int last_status;      /* wait status of the last exit (exits > 0) */
	long uptime_ms;       /* how long the running child runs, or -1 */
	long vmrss_kib;       /* VmRSS of the running child, or -1 */
	long vmhwm_kib;       /* VmHWM of the running child, or -1 */
	char diskstat[512];   /* /sys/block/<dev>/stat as read, "" if absent */
	unsigned long long disk[AGENT_DISK_FIELDS_MAX]; /* its numbers */
	int disk_fields;                                /* how many numbers were parsed */
};

/*
 * Connect to the agent behind QEMU's socket, retrying until the socket
 * exists and the agent says hello, for at most timeout_ms. NULL on failure.
 * The caller owns the connection (agent_close()).
 */
struct agent *agent_connect(const char *sock_path, int timeout_ms);
/*
 * A check agent_connect_watch() runs while it waits (about once a second):
 * 1 while the guest may still come up; 0 (with the reason in why) when it
 * never will, e.g. QEMU exited or the kernel panicked.
 */
typedef int (*agent_alive_fn)(void *arg, struct strbuf *why);
/* agent_connect(), giving up as soon as alive() says the guest is gone. */
struct agent *agent_connect_watch(const char *sock_path, int timeout_ms, agent_alive_fn alive,
				  void *arg);
/* Deadline for each call's answer (default 10 s; EXEC adds its own timeout). */
void agent_set_timeout(struct agent *a, int timeout_ms);
/* The HELLO of this connection. */
const struct agent_hello *agent_hello(const struct agent *a);
/* Check the agent answers; refreshes agent_hello(). */
int agent_ping(struct agent *a);
/* Run a command; 0 when it ran (whatever its status), -1 if it could not. */
int agent_exec(struct agent *a, const struct agent_cmd *cmd, struct agent_result *res);
/* Free the output buffers of a result. */
void agent_result_release(struct agent_result *res);
/* Create or replace a guest file with mode, creating parent directories. */
int agent_write_file(struct agent *a, const char *path, unsigned mode, const void *data,
		     size_t len);
/* Read up to max_bytes of a guest file into out; *truncated (may be NULL) if cut. */
int agent_read_file(struct agent *a, const char *path, size_t max_bytes, struct strbuf *out,
		    int *truncated);
/* Start the supervised child; its first pid in *pid (may be NULL). */
int agent_start(struct agent *a, const struct agent_child *child, pid_t *pid);
/* Report the child and block device dev ("vda" when NULL). */
int agent_status(struct agent *a, const char *dev, struct agent_status *st);
/* Stop the child: SIGTERM its group, SIGKILL after grace_ms; no restart. */
int agent_stop_child(struct agent *a, int grace_ms);
/* An HTTP/1.0 request to a unix-socket server in the guest (agent version 2). */
struct agent_http_req {
	const char *socket; /* the server's socket in the guest */
	const char *method; /* NULL: GET */
	const char *path;   /* "/localapi/v0/status" */
	const void *body;   /* NULL: none */
	size_t body_len;
	int timeout_ms; /* the guest gives up after it; 0: 60 s */
	int quiet;      /* a refusal in the guest (no server yet) is only a debug line */
};
/*
 * Send rq from inside the guest and wait for the whole answer: its HTTP
 * status in *status, its body in body. 0 when an HTTP answer came (any
 * status), -1 when none did (errno: the guest's, e.g. ENOENT or
 * ECONNREFUSED for a server not listening yet, ETIMEDOUT).
 */
int agent_http(struct agent *a, const struct agent_http_req *rq, int *status, struct strbuf *body);
/* Sync and power the guest off; 0 once the agent confirmed or went away. */
int agent_poweroff(struct agent *a);
/*
 * Let processes forked from now on use a as well: each exchange (a request
 * and its answer) then holds a lock, so theirs come one after another on
 * the one stream. 0, or -1 with an error.
 */
int agent_share(struct agent *a);
/* In such a forked process: ids of its own (lane 1..15), so no answer is taken for another's. */
void agent_lane(struct agent *a, unsigned lane);
/* Close the connection (the guest agent keeps running) and free a. */
void agent_close(struct agent *a);

#endif
