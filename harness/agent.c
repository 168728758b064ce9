/* SPDX-License-Identifier: BSD-3-Clause */
#include "agent.h"

#include "clock.h"
#include "frame.h"
#include "log.h"
#include "undo.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_TIMEOUT_MS 10000
#define DEFAULT_EXEC_MS    60000
#define SLICE_MS           200  /* longest single wait, so interrupted() is seen */
#define HELLO_RETRY_MS     1000 /* PING again when no HELLO came within this */

struct agent {
	int fd;
	char *path;
	uint32_t next_id;
	int timeout_ms;
	enum { ALIVE, LOST, BROKEN } dead; /* LOST: stream ended; BROKEN: out of sync */
	struct frame_decoder dec;
	struct agent_hello hello;
	int probing;          /* inside ping_quick() */
	int quiet;            /* the guest's refusal is the caller's to report */
	agent_alive_fn alive; /* during agent_connect_watch() only */
	void *alive_arg;
	int lock_fd;    /* agent_share(): the lock its processes take per exchange, or -1 */
	unsigned locks; /* exchanges this process is inside (call() nests a ping) */
};

/* 0 (and an error naming why) when the watched guest will never answer. */
static int guest_gone(agent_alive_fn alive, void *arg)
{
	struct strbuf why = STRBUF_INIT;
	int gone = alive && !alive(arg, &why);

	if (gone)
		error("%s", strbuf_str(&why));
	strbuf_release(&why);
	return gone;
}

/* Why a wait for a frame ended without one. */
enum wait_end { WAIT_FRAME = 0, WAIT_TIMEOUT, WAIT_FAILED };

static int slice(long deadline)
{
	long left = deadline - mono_ms();

	if (left <= 0)
		return 0;
	return left > SLICE_MS ? SLICE_MS : (int)left;
}

/*
 * From now on every call fails (fmt takes the socket path, then detail);
 * errno says how: ECONNRESET for a lost agent, EPROTO for a broken stream.
 */
static int mark_dead(struct agent *a, int how, const char *fmt, const char *detail)
{
	a->dead = how;
	error(fmt, a->path, detail);
	errno = how == LOST ? ECONNRESET : EPROTO;
	return -1;
}

static uint32_t new_id(struct agent *a)
{
	if (!++a->next_id)
		a->next_id = 1; /* 0 is for unsolicited frames */
	return a->next_id;
}

static int send_all(struct agent *a, const unsigned char *p, size_t len, long deadline)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n = send(a->fd, p + off, len - off, MSG_NOSIGNAL);
		struct pollfd pfd = { .fd = a->fd, .events = POLLOUT };

		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN) {
			int e = errno;

			return mark_dead(a, LOST, "cannot send to agent '%s': %s", strerror(e));
		}
		/* half a frame on the wire would garble whatever we send next */
		if (interrupted())
			return off ? mark_dead(a, BROKEN,
					       "interrupted while sending to agent '%s'%s", "")
				   : error("interrupted while sending to agent '%s'", a->path);
		if (mono_ms() >= deadline)
			return off ? mark_dead(a, BROKEN, "agent '%s' stopped taking a request%s",
					       "")
				   : error("agent '%s' accepted no request for %d ms", a->path,
					   a->timeout_ms);
		if (poll(&pfd, 1, slice(deadline)) < 0 && errno != EINTR)
			return error_errno("cannot poll agent '%s'", a->path);
	}
	return 0;
}

/* Wait until a whole frame is in; resync past junk when told to. */
static enum wait_end recv_frame(struct agent *a, long deadline, int resync, struct frame *f)
{
	unsigned char chunk[65536];

	for (;;) {
		enum frame_result r = frame_decoder_next(&a->dec, f);
		struct pollfd pfd = { .fd = a->fd, .events = POLLIN };
		ssize_t n;

		if (r == FRAME_READY)
			return WAIT_FRAME;
		if (r == FRAME_ERROR) {
			if (!resync) {
				mark_dead(a, BROKEN, "bad frame from agent '%s': %s", a->dec.error);
				return WAIT_FAILED;
			}
			debug("agent '%s': skipped %zu bytes of junk (%s)", a->path,
			      frame_decoder_resync(&a->dec), "before hello");
			continue;
		}
		if (interrupted()) {
			error("interrupted while waiting for agent '%s'", a->path);
			return WAIT_FAILED;
		}
		if (mono_ms() >= deadline)
			return WAIT_TIMEOUT;
		if (poll(&pfd, 1, slice(deadline)) < 0) {
			if (errno == EINTR)
				continue;
			error_errno("cannot poll agent '%s'", a->path);
			return WAIT_FAILED;
		}
		if (!pfd.revents)
			continue;
		n = recv(a->fd, chunk, sizeof(chunk), 0);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0) {
			mark_dead(a, LOST, "lost agent '%s': %s",
				  n < 0 ? strerror(errno) : "connection closed");
			return WAIT_FAILED;
		}
		if (frame_decoder_feed(&a->dec, chunk, (size_t)n) < 0) {
			mark_dead(a, BROKEN, "cannot buffer frames of agent '%s': %s",
				  strerror(errno));
			return WAIT_FAILED;
		}
	}
}

static void copy_field_str(const struct frame *f, unsigned tag, char *buf, size_t len)
{
	struct frame_field fld;
	size_t n;

	buf[0] = '\0';
	if (frame_find(f, tag, &fld) != 1)
		return;
	n = fld.len < len - 1 ? fld.len : len - 1;
	memcpy(buf, fld.data, n);
	buf[n] = '\0';
}

static void take_hello(struct agent *a, const struct frame *f)
{
	copy_field_str(f, TAG_VERSION, a->hello.version, sizeof(a->hello.version));
	copy_field_str(f, TAG_UNAME, a->hello.uname, sizeof(a->hello.uname));
	a->hello.uptime_ms = frame_get_u64(f, TAG_UPTIME_MS, 0);
	a->hello.pid = (long)frame_get_u64(f, TAG_PID, 0);
}

/* An ERR frame: report it and leave the guest's errno in errno. */
static int remote_error(struct agent *a, const char *what, const struct frame *f)
{
	char msg[512];
	int e = (int)frame_get_u64(f, TAG_ERRNO, EIO);

	copy_field_str(f, TAG_MESSAGE, msg, sizeof(msg));
	if (a->quiet)
		debug("agent '%s' failed %s: %s", a->path, what, msg[0] ? msg : strerror(e));
	else
		error("agent '%s' failed %s: %s", a->path, what, msg[0] ? msg : strerror(e));
	errno = e ? e : EIO;
	return -1;
}

static int ping_quick(struct agent *a);

/*
 * One exchange at a time on the shared stream: a POSIX record lock belongs
 * to the process that took it, so the processes agent_share() let use the
 * one connection wait for each other, and a process that dies releases it.
 */
static int exchange_lock(struct agent *a)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };

	if (a->lock_fd < 0 || a->locks++)
		return 0;
	while (fcntl(a->lock_fd, F_SETLKW, &fl) < 0) {
		if (errno != EINTR || interrupted()) {
			a->locks--;
			return error_errno("cannot take the lock of agent '%s'", a->path);
		}
	}
	return 0;
}

static void exchange_unlock(struct agent *a)
{
	struct flock fl = { .l_type = F_UNLCK, .l_whence = SEEK_SET };

	if (a->lock_fd < 0 || --a->locks)
		return;
	if (fcntl(a->lock_fd, F_SETLK, &fl) < 0)
		error_errno("cannot release the lock of agent '%s'", a->path);
}

static int call_locked(struct agent *a, struct frame_builder *b, uint32_t id, unsigned want,
		       int wait_ms, const char *what, struct frame *reply);

/*
 * Send the request in b (begun with id) and wait up to wait_ms for the
 * frame that answers it, of type want, holding the stream meanwhile. The
 * reply is valid until the next call on a.
 */
static int call(struct agent *a, struct frame_builder *b, uint32_t id, unsigned want, int wait_ms,
		const char *what, struct frame *reply)
{
	int ret;

	if (exchange_lock(a) < 0) {
		frame_builder_release(b);
		return -1;
	}
	ret = call_locked(a, b, id, want, wait_ms, what, reply);
	exchange_unlock(a);
	return ret;
}

static int call_locked(struct agent *a, struct frame_builder *b, uint32_t id, unsigned want,
		       int wait_ms, const char *what, struct frame *reply)
{
	long deadline;
	int ret;

	if (a->dead) {
		frame_builder_release(b);
		return error("agent '%s' is gone: cannot %s", a->path, what);
	}
	if (frame_finish(b) < 0) {
		error_errno("cannot encode request to %s", what);
		frame_builder_release(b);
		return -1;
	}
	deadline = mono_ms() + a->timeout_ms;
	ret = send_all(a, b->buf, b->len, deadline);
	frame_builder_release(b);
	if (ret < 0)
		return -1;
	deadline = mono_ms() + wait_ms;
	for (;;) {
		switch (recv_frame(a, deadline, 0, reply)) {
		case WAIT_FRAME: break;
		case WAIT_TIMEOUT:
			error("agent '%s' did not answer within %d ms: cannot %s", a->path, wait_ms,
			      what);
			/* a guest that stopped: say so once, then fail every call at once */
			if (!a->probing && ping_quick(a) < 0)
				return mark_dead(a, LOST, "agent '%s' stopped answering: %s",
						 "the guest is frozen or gone");
			errno = ETIMEDOUT;
			return -1;
		default: return -1;
		}
		if (reply->type == FRAME_HELLO) {
			long pid = (long)frame_get_u64(reply, TAG_PID, 0);

			if (pid == a->hello.pid) {
				debug("agent '%s': late hello ignored", a->path);
				continue;
			}
			take_hello(a, reply);
			errno = ECONNRESET;
			return error("agent '%s' restarted (now pid %ld): cannot %s", a->path, pid,
				     what);
		}
		if (reply->id != id) {
			if (reply->type == FRAME_ERR && reply->id == 0)
				remote_error(a, "a frame", reply);
			else
				debug("agent '%s': ignored a stale %s (id %u)", a->path,
				      frame_type_name(reply->type), reply->id);
			continue;
		}
		if (reply->type == FRAME_ERR)
			return remote_error(a, what, reply);
		if (reply->type != want) {
			char why[64];

			snprintf(why, sizeof(why), "%s answered with %s", what,
				 frame_type_name(reply->type));
			return mark_dead(a, BROKEN, "protocol error with agent '%s': %s", why);
		}
		if (frame_check(reply) < 0)
			return mark_dead(a, BROKEN, "protocol error with agent '%s': %s",
					 "truncated field");
		return 0;
	}
}

static int connect_once(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The PING of a new connection: it also ends the previous host's work. */
static int send_reset_ping(struct agent *a, long deadline)
{
	struct frame_builder b = { 0 };
	int ret;

	frame_begin(&b, FRAME_PING, new_id(a));
	frame_add_u64(&b, TAG_RESET, 1);
	if (frame_finish(&b) < 0) {
		frame_builder_release(&b);
		return error_errno("cannot encode a ping");
	}
	ret = send_all(a, b.buf, b.len, deadline);
	frame_builder_release(&b);
	return ret;
}

/*
 * Wait for the HELLO of a new connection, or a PONG: a resetting PING goes
 * out at once and then every HELLO_RETRY_MS, for a host that reconnects
 * faster than the agent notices (virtio-serial shows only the current
 * state) gets no HELLO. Extra PONGs and HELLOs that follow are told apart
 * later (by id, and by the agent's pid).
 */
static int await_hello(struct agent *a, long deadline)
{
	struct frame f;

	for (;;) {
		long next_ping = mono_ms() + HELLO_RETRY_MS;

		if (guest_gone(a->alive, a->alive_arg))
			return -1;
		if (send_reset_ping(a, deadline) < 0)
			return -1;
		while (mono_ms() < next_ping) {
			switch (recv_frame(a, next_ping < deadline ? next_ping : deadline, 1, &f)) {
			case WAIT_FRAME:
				if (f.type == FRAME_HELLO || f.type == FRAME_PONG) {
					take_hello(a, &f);
					return 0;
				}
				debug("agent '%s': ignored %s before hello", a->path,
				      frame_type_name(f.type));
				continue;
			case WAIT_TIMEOUT: break;
			default: return -1;
			}
			if (mono_ms() >= deadline)
				return error("agent '%s' did not say hello within the deadline",
					     a->path);
		}
	}
}

struct agent *agent_connect(const char *sock_path, int timeout_ms)
{
	return agent_connect_watch(sock_path, timeout_ms, NULL, NULL);
}

struct agent *agent_connect_watch(const char *sock_path, int timeout_ms, agent_alive_fn alive,
				  void *arg)
{
	long start = mono_ms(), deadline = start + timeout_ms, next_check = start;
	struct agent *a;
	int fd, last = 0;

	if (strlen(sock_path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
		error("socket path '%s' is too long", sock_path);
		return NULL;
	}
	/* QEMU creates the socket only once it runs */
	while ((fd = connect_once(sock_path)) < 0) {
		if (errno != ENOENT && errno != ECONNREFUSED && errno != EAGAIN) {
			error_errno("cannot connect to agent socket '%s'", sock_path);
			return NULL;
		}
		last = errno;
		if (interrupted()) {
			error("interrupted while connecting to agent '%s'", sock_path);
			return NULL;
		}
		if (mono_ms() >= deadline) {
			errno = last;
			error_errno("no agent socket '%s' within %d ms", sock_path, timeout_ms);
			return NULL;
		}
		if (mono_ms() >= next_check) {
			if (guest_gone(alive, arg))
				return NULL;
			next_check = mono_ms() + HELLO_RETRY_MS;
		}
		poll(NULL, 0, slice(deadline) < 50 ? slice(deadline) : 50);
	}
	a = xcalloc(1, sizeof(*a));
	a->fd = fd;
	a->lock_fd = -1;
	a->path = xstrdup(sock_path);
	a->timeout_ms = DEFAULT_TIMEOUT_MS;
	/* ids differ per connection: a late answer to an earlier one never matches */
	a->next_id = (uint32_t)mono_ms() * 2654435761u ^ (uint32_t)getpid() << 16;
	frame_decoder_init(&a->dec, 0);
	a->alive = alive;
	a->alive_arg = arg;
	if (await_hello(a, deadline) < 0) {
		agent_close(a);
		return NULL;
	}
	a->alive = NULL;
	debug("agent '%s': %s on %s, guest up %llu ms, hello after %ld ms", sock_path,
	      a->hello.version, a->hello.uname, a->hello.uptime_ms, mono_ms() - start);
	return a;
}

void agent_set_timeout(struct agent *a, int timeout_ms)
{
	a->timeout_ms = timeout_ms > 0 ? timeout_ms : DEFAULT_TIMEOUT_MS;
}

const struct agent_hello *agent_hello(const struct agent *a)
{
	return &a->hello;
}

int agent_ping(struct agent *a)
{
	struct frame_builder b = { 0 };
	struct frame f;
	uint32_t id = new_id(a);

	frame_begin(&b, FRAME_PING, id);
	if (call(a, &b, id, FRAME_PONG, a->timeout_ms, "answer a ping", &f) < 0)
		return -1;
	take_hello(a, &f);
	return 0;
}

#define QUICK_PING_MS 3000
/* After a call timed out: does the agent still answer a ping at all? */
static int ping_quick(struct agent *a)
{
	int saved = a->timeout_ms, ret;

	a->probing = 1;
	a->timeout_ms = QUICK_PING_MS;
	ret = agent_ping(a);
	a->timeout_ms = saved;
	a->probing = 0;
	return ret;
}

static void add_strs(struct frame_builder *b, unsigned tag, const char *const *v)
{
	for (; v && *v; v++)
		frame_add_str(b, tag, *v);
}

int agent_exec(struct agent *a, const struct agent_cmd *cmd, struct agent_result *res)
{
	struct frame_builder b = { 0 };
	struct frame f;
	struct frame_iter it;
	struct frame_field fld;
	uint32_t id = new_id(a);
	int limit = cmd->timeout_ms > 0 ? cmd->timeout_ms : DEFAULT_EXEC_MS;
	char what[256];

	if (!cmd->argv || !cmd->argv[0])
		return error("no command to run in the guest");
	snprintf(what, sizeof(what), "run '%s'", cmd->argv[0]);
	frame_begin(&b, FRAME_EXEC, id);
	add_strs(&b, TAG_ARG, cmd->argv);
	add_strs(&b, TAG_ENV, cmd->env);
	if (cmd->stdin_data)
		frame_add(&b, TAG_STDIN, cmd->stdin_data, cmd->stdin_len);
	if (cmd->cwd)
		frame_add_str(&b, TAG_CWD, cmd->cwd);
	frame_add_u64(&b, TAG_TIMEOUT_MS, (uint64_t)limit);
	/* the guest enforces limit; we allow for the transfer on top */
	if (call(a, &b, id, FRAME_RESULT, limit + a->timeout_ms, what, &f) < 0)
		return -1;
	res->status = (int)frame_get_u64(&f, TAG_STATUS, 0);
	res->timed_out = (int)frame_get_u64(&f, TAG_TIMED_OUT, 0);
	res->truncated = (int)frame_get_u64(&f, TAG_TRUNCATED, 0);
	res->duration_ms = (long)frame_get_u64(&f, TAG_DURATION_MS, 0);
	strbuf_reset(&res->out);
	strbuf_reset(&res->err);
	frame_iter_init(&it, &f);
	while (frame_iter_next(&it, &fld) > 0) {
		if (fld.tag == TAG_STDOUT)
			strbuf_add(&res->out, fld.data, fld.len);
		else if (fld.tag == TAG_STDERR)
			strbuf_add(&res->err, fld.data, fld.len);
	}
	return 0;
}

void agent_result_release(struct agent_result *res)
{
	strbuf_release(&res->out);
	strbuf_release(&res->err);
}

/* The N of the agent's "tscanary-agent N", 0 if it says none. */
static int agent_version(const struct agent *a)
{
	const char *v = a->hello.version;
	size_t n = strlen("tscanary-agent ");

	return strncmp(v, "tscanary-agent ", n) ? 0 : atoi(v + n);
}

int agent_http(struct agent *a, const struct agent_http_req *rq, int *status, struct strbuf *body)
{
	struct frame_builder b = { 0 };
	struct frame f;
	struct frame_field fld;
	uint32_t id = new_id(a);
	int limit = rq->timeout_ms > 0 ? rq->timeout_ms : DEFAULT_EXEC_MS;
	const char *method = rq->method ? rq->method : "GET";
	char what[256];
	int ret;

	if (agent_version(a) < 2) {
		errno = ENOSYS;
		return error("agent '%s' (%s) cannot send HTTP requests: that needs version 2",
			     a->path, a->hello.version);
	}
	snprintf(what, sizeof(what), "%s %s on '%s'", method, rq->path, rq->socket);
	frame_begin(&b, FRAME_HTTP, id);
	frame_add_str(&b, TAG_SOCKET, rq->socket);
	frame_add_str(&b, TAG_METHOD, method);
	frame_add_str(&b, TAG_PATH, rq->path);
	if (rq->body)
		frame_add(&b, TAG_DATA, rq->body, rq->body_len);
	frame_add_u64(&b, TAG_TIMEOUT_MS, (uint64_t)limit);
	a->quiet = rq->quiet;
	ret = call(a, &b, id, FRAME_DATA, limit + a->timeout_ms, what, &f);
	a->quiet = 0;
	if (ret < 0)
		return -1;
	*status = (int)frame_get_u64(&f, TAG_HTTP_STATUS, 0);
	strbuf_reset(body);
	if (frame_find(&f, TAG_DATA, &fld) == 1)
		strbuf_add(body, fld.data, fld.len);
	return 0;
}

int agent_write_file(struct agent *a, const char *path, unsigned mode, const void *data, size_t len)
{
	struct frame_builder b = { 0 };
	struct frame f;
	uint32_t id = new_id(a);
	char what[256];

	snprintf(what, sizeof(what), "write '%s'", path);
	frame_begin(&b, FRAME_WRITE_FILE, id);
	frame_add_str(&b, TAG_PATH, path);
	frame_add_u64(&b, TAG_MODE, mode & 07777);
	frame_add(&b, TAG_DATA, data, len);
	return call(a, &b, id, FRAME_OK, a->timeout_ms, what, &f);
}

int agent_read_file(struct agent *a, const char *path, size_t max_bytes, struct strbuf *out,
		    int *truncated)
{
	struct frame_builder b = { 0 };
	struct frame f;
	struct frame_field fld;
	uint32_t id = new_id(a);
	char what[256];

	snprintf(what, sizeof(what), "read '%s'", path);
	frame_begin(&b, FRAME_READ_FILE, id);
	frame_add_str(&b, TAG_PATH, path);
	frame_add_u64(&b, TAG_MAX_BYTES, max_bytes);
	if (call(a, &b, id, FRAME_DATA, a->timeout_ms, what, &f) < 0)
		return -1;
	strbuf_reset(out);
	if (frame_find(&f, TAG_DATA, &fld) == 1)
		strbuf_add(out, fld.data, fld.len);
	if (truncated)
		*truncated = (int)frame_get_u64(&f, TAG_TRUNCATED, 0);
	return 0;
}

int agent_start(struct agent *a, const struct agent_child *child, pid_t *pid)
{
	struct frame_builder b = { 0 };
	struct frame f;
	uint32_t id = new_id(a);
	char what[256];

	if (!child->argv || !child->argv[0] || !child->log_path)
		return error("no command or log path for the guest's child");
	snprintf(what, sizeof(what), "start '%s'", child->argv[0]);
	frame_begin(&b, FRAME_START, id);
	add_strs(&b, TAG_ARG, child->argv);
	add_strs(&b, TAG_ENV, child->env);
	frame_add_str(&b, TAG_LOG_PATH, child->log_path);
	if (child->cwd)
		frame_add_str(&b, TAG_CWD, child->cwd);
	frame_add_u64(&b, TAG_RESTART_MS,
		      (uint64_t)(child->restart_ms > 0 ? child->restart_ms : 0));
	if (call(a, &b, id, FRAME_OK, a->timeout_ms, what, &f) < 0)
		return -1;
	if (pid)
		*pid = (pid_t)frame_get_u64(&f, TAG_PID, 0);
	return 0;
}

static void parse_diskstat(struct agent_status *st)
{
	const char *p = st->diskstat;

	st->disk_fields = 0;
	while (st->disk_fields < AGENT_DISK_FIELDS_MAX) {
		char *end;
		unsigned long long v;

		while (*p == ' ' || *p == '\t')
			p++;
		if (*p < '0' || *p > '9')
			break;
		errno = 0;
		v = strtoull(p, &end, 10);
		if (errno || end == p)
			break;
		st->disk[st->disk_fields++] = v;
		p = end;
	}
}

/* A number field as a long, -1 when absent. */
static long get_long(const struct frame *f, unsigned tag)
{
	const uint64_t none = UINT64_MAX;
	uint64_t v = frame_get_u64(f, tag, none);

	return v == none || v > LONG_MAX ? -1 : (long)v;
}

int agent_status(struct agent *a, const char *dev, struct agent_status *st)
{
	struct frame_builder b = { 0 };
	struct frame f;
	uint32_t id = new_id(a);

	frame_begin(&b, FRAME_STATUS, id);
	if (dev)
		frame_add_str(&b, TAG_DEVICE, dev);
	if (call(a, &b, id, FRAME_REPORT, a->timeout_ms, "report status", &f) < 0)
		return -1;
	memset(st, 0, sizeof(*st));
	st->pid = (pid_t)frame_get_u64(&f, TAG_PID, 0);
	st->start_count = (unsigned)frame_get_u64(&f, TAG_START_COUNT, 0);
	st->exits = (unsigned)frame_get_u64(&f, TAG_EXITS, 0);
	st->last_status = (int)frame_get_u64(&f, TAG_STATUS, 0);
	st->uptime_ms = get_long(&f, TAG_CHILD_UPTIME_MS);
	st->vmrss_kib = get_long(&f, TAG_VMRSS_KIB);
	st->vmhwm_kib = get_long(&f, TAG_VMHWM_KIB);
	copy_field_str(&f, TAG_DISKSTAT, st->diskstat, sizeof(st->diskstat));
	parse_diskstat(st);
	return 0;
}

int agent_stop_child(struct agent *a, int grace_ms)
{
	struct frame_builder b = { 0 };
	struct frame f;
	uint32_t id = new_id(a);

	if (grace_ms < 0)
		grace_ms = 0;
	frame_begin(&b, FRAME_STOP, id);
	frame_add_u64(&b, TAG_TIMEOUT_MS, (uint64_t)grace_ms);
	/* after SIGKILL the agent needs a moment to reap */
	return call(a, &b, id, FRAME_OK, grace_ms + a->timeout_ms, "stop the child", &f);
}

int agent_poweroff(struct agent *a)
{
	struct frame_builder b = { 0 };
	struct frame f;
	uint32_t id = new_id(a);
	int was_alive = a->dead == ALIVE;

	frame_begin(&b, FRAME_POWEROFF, id);
	if (call(a, &b, id, FRAME_OK, a->timeout_ms, "power off", &f) == 0)
		return 0;
	/* a guest that went down before its OK reached us did what we asked */
	if (was_alive && a->dead == LOST) {
		info("agent '%s' went away while powering off", a->path);
		return 0;
	}
	return -1;
}

int agent_share(struct agent *a)
{
	if (a->lock_fd >= 0)
		return 0;
	a->lock_fd = memfd_create("tscanary-agent-lock", MFD_CLOEXEC);
	if (a->lock_fd < 0)
		return error_errno("cannot make a lock for agent '%s'", a->path);
	return 0;
}

void agent_lane(struct agent *a, unsigned lane)
{
	a->next_id += (uint32_t)lane << 28;
}

void agent_close(struct agent *a)
{
	if (!a)
		return;
	if (a->fd >= 0)
		close(a->fd);
	if (a->lock_fd >= 0)
		close(a->lock_fd);
	frame_decoder_release(&a->dec);
	free(a->path);
	free(a);
}
