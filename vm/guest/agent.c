/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tscanary guest agent: a small static program started by the guest init.
 * It serves the host's requests (harness/frame.h) over a virtio-serial port,
 * one request at a time, from a single poll loop that also supervises one
 * long-running child (the image's entrypoint) and watches the host come
 * and go.
 *
 *   agent /dev/vportNpM                 serve the named virtio-serial port
 *   agent --listen-unix PATH            serve one unix-socket client at a
 *                                       time (host tests; POWEROFF exits)
 *   --console PATH                      where the child's output is copied
 *                                       besides its log (/dev/console)
 *
 * The port reports POLLHUP while no host is connected (and writes would
 * block), so a disconnected port is probed on a short interval rather than
 * polled; every (re)connection gets a HELLO.
 */
#include "frame.h"
#include "http1.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/reboot.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* 2: HTTP requests (tailscaled's LocalAPI) */
#define AGENT_VERSION      "tscanary-agent 2"
#define OUTPUT_CAP         (4u << 20)                 /* per stream of an EXEC */
#define READ_CAP           (FRAME_MAX_PAYLOAD - 4096) /* largest READ_FILE answer */
#define PROBE_MS           100                        /* port: look for the host again */
#define DEFAULT_EXEC_MS    60000
#define DEFAULT_STOP_MS    5000
#define DEFAULT_RESTART_MS 1000

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

static const char *progname = "agent";

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	errno = saved;
}

static void __attribute__((noreturn)) die(const char *what)
{
	say("fatal: %s: %s", what, strerror(errno));
	exit(1);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		errno = ENOMEM;
		die("cannot allocate memory");
	}
	return p;
}

/* A growable byte buffer (the guest links libc only). */
struct buf {
	unsigned char *p;
	size_t len;
	size_t alloc;
};

static void buf_add(struct buf *b, const void *data, size_t n)
{
	if (b->len + n > b->alloc) {
		size_t a = b->alloc ? b->alloc : 4096;

		while (a < b->len + n)
			a *= 2;
		b->p = xrealloc(b->p, a);
		b->alloc = a;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
}

static void buf_release(struct buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* A NULL-terminated list of strings, as argv and envp want. */
struct strv {
	char **v;
	size_t n;
};

static void strv_push(struct strv *sv, char *s)
{
	sv->v = xrealloc(sv->v, (sv->n + 2) * sizeof(*sv->v));
	sv->v[sv->n++] = s;
	sv->v[sv->n] = NULL;
}

static void strv_release(struct strv *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = 0;
}

/* The connection to the host. */
enum link_mode { LINK_PORT, LINK_LISTEN };

struct link {
	enum link_mode mode;
	const char *path;
	int fd;        /* port: always open; listen: the client, or -1 */
	int listen_fd; /* listen mode only */
	int up;        /* a host is connected */
	long next_probe;
	struct frame_decoder dec;
	struct buf out;
	size_t out_off;
};

/* The EXEC (or HTTP request) in progress. */
struct job {
	pid_t pid; /* 0: none */
	uint32_t id;
	int http;      /* an HTTP request: answer DATA with the parsed response */
	int abandoned; /* the host went away: reap quietly */
	int out_fd, err_fd, in_fd;
	struct buf in;
	size_t in_off;
	struct buf out, err;
	int truncated;
	long started, deadline;
	int timed_out;
};

/* The supervised child (START ... STOP), restarted on failure. */
struct sup {
	int active;
	struct strv argv, env;
	char *cwd, *log_path;
	long restart_ms;
	pid_t pid;
	int pipe_r, pipe_w, log_fd;
	unsigned start_count, exits;
	int last_status;
	long started;
	long restart_at; /* 0: no restart due */
	int stopping;
	int stop_reply; /* the host that asked still listens */
	uint32_t stop_id;
	long kill_at;
};

static struct link link_;
static struct job job = { .out_fd = -1, .err_fd = -1, .in_fd = -1 };
static struct sup sup = { .pipe_r = -1, .pipe_w = -1, .log_fd = -1 };
static int sig_fd = -1;
static int console_fd = -1;
static const char *console_path = "/dev/console";

static void set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl >= 0)
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* ---- sending ---- */

static void link_down(const char *why);

/* Write what is queued; stop at EAGAIN (poll asks for POLLOUT). */
static void link_flush(void)
{
	while (link_.up && link_.out_off < link_.out.len) {
		ssize_t n = write(link_.fd, link_.out.p + link_.out_off,
				  link_.out.len - link_.out_off);

		if (n > 0) {
			link_.out_off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		link_down(n < 0 ? strerror(errno) : "write returned 0");
		return;
	}
	if (link_.out_off == link_.out.len) {
		link_.out_off = link_.out.len = 0;
		if (link_.out.alloc > (1u << 20)) /* keep the guest's RSS small */
			buf_release(&link_.out);
	}
}

static void send_err(uint32_t id, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Queue a built frame (dropped when no host listens). */
static void send_frame(struct frame_builder *b, uint32_t id)
{
	if (frame_finish(b) < 0) {
		int e = errno;

		frame_builder_release(b);
		send_err(id, e, "cannot encode the reply: %s", strerror(e));
		return;
	}
	if (link_.up) {
		buf_add(&link_.out, b->buf, b->len);
		link_flush();
	}
	frame_builder_release(b);
}

static void send_err(uint32_t id, int err, const char *fmt, ...)
{
	struct frame_builder b = { 0 };
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	frame_begin(&b, FRAME_ERR, id);
	frame_add_u64(&b, TAG_ERRNO, (uint64_t)err);
	frame_add_str(&b, TAG_MESSAGE, msg);
	send_frame(&b, id);
}

static void send_ok(uint32_t id)
{
	struct frame_builder b = { 0 };

	frame_begin(&b, FRAME_OK, id);
	send_frame(&b, id);
}

/* HELLO on connect, PONG for a PING: who we are and how long we are up. */
static void send_hello(unsigned type, uint32_t id)
{
	struct frame_builder b = { 0 };
	struct utsname u;
	struct timespec ts;
	char name[5 * sizeof(u.sysname) + 8];

	frame_begin(&b, type, id);
	frame_add_str(&b, TAG_VERSION, AGENT_VERSION);
	if (uname(&u) == 0) {
		snprintf(name, sizeof(name), "%s %s %s %s %s", u.sysname, u.nodename, u.release,
			 u.version, u.machine);
		frame_add_str(&b, TAG_UNAME, name);
	}
	clock_gettime(CLOCK_BOOTTIME, &ts);
	frame_add_u64(&b, TAG_UPTIME_MS,
		      (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u);
	frame_add_u64(&b, TAG_PID, (uint64_t)getpid());
	send_frame(&b, id);
}

/* ---- children ---- */

/* How to start a child. */
struct spawn {
	char **argv;
	char **env;    /* KEY=VALUE entries */
	int clear_env; /* env is the whole environment, not additions */
	const char *cwd;
	int in_fd; /* -1: /dev/null */
	int out_fd, err_fd;
	int (*fn)(void *arg); /* run this in the child instead of exec; its exit status */
	void *fn_arg;
};

static void __attribute__((noreturn)) child_fail(int errfd, int err)
{
	ssize_t n;

	do
		n = write(errfd, &err, sizeof(err));
	while (n < 0 && errno == EINTR);
	_exit(127);
}

static void __attribute__((noreturn)) child_run(const struct spawn *sp, int errfd, pid_t parent)
{
	sigset_t none;
	int in = sp->in_fd;

	setsid();
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	if (in < 0) {
		in = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (in < 0)
			child_fail(errfd, errno);
	}
	if (dup2(in, 0) < 0 || dup2(sp->out_fd, 1) < 0 || dup2(sp->err_fd, 2) < 0)
		child_fail(errfd, errno);
	if (sp->cwd && chdir(sp->cwd) < 0)
		child_fail(errfd, errno);
	if (sp->fn) {
		close(errfd); /* started: the parent stops waiting */
		_exit(sp->fn(sp->fn_arg));
	}
	if (sp->clear_env)
		clearenv();
	for (char **e = sp->env; e && *e; e++)
		if (putenv(*e) < 0)
			child_fail(errfd, errno);
	/* execvp searches the PATH of the environment just set up */
	execvp(sp->argv[0], sp->argv);
	child_fail(errfd, errno);
}

/*
 * Start a child in its own session and process group. Returns its pid, or
 * -1 with errno from fork or from the child's failed exec (then reaped).
 */
static pid_t spawn_child(const struct spawn *sp)
{
	int ep[2], err = 0;
	pid_t pid, parent = getpid();
	ssize_t n;

	if (pipe2(ep, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid < 0) {
		err = errno;
		close(ep[0]);
		close(ep[1]);
		errno = err;
		return -1;
	}
	if (pid == 0) {
		close(ep[0]);
		child_run(sp, ep[1], parent);
	}
	close(ep[1]);
	/* the exec closes the pipe: a short, bounded wait */
	do
		n = read(ep[0], &err, sizeof(err));
	while (n < 0 && errno == EINTR);
	close(ep[0]);
	if (n == (ssize_t)sizeof(err)) {
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		errno = err;
		return -1;
	}
	return pid;
}

static char *describe_status(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exit %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "signal %d", WTERMSIG(status));
	else
		snprintf(buf, len, "status 0x%x", (unsigned)status);
	return buf;
}

/*
 * Collect the string lists and scalars common to EXEC and START. Returns 0,
 * or -1 after answering the request with ERR.
 */
static int parse_command(const struct frame *f, struct strv *argv, struct strv *env, char **cwd)
{
	struct frame_iter it;
	struct frame_field fld;

	frame_iter_init(&it, f);
	while (frame_iter_next(&it, &fld) > 0) {
		char *s;

		if (fld.tag != TAG_ARG && fld.tag != TAG_ENV && fld.tag != TAG_CWD)
			continue;
		s = frame_field_strdup(&fld);
		if (!s) {
			send_err(f->id, errno, "%s field holds a NUL byte",
				 fld.tag == TAG_ARG   ? "argument"
				 : fld.tag == TAG_ENV ? "environment"
						      : "cwd");
			return -1;
		}
		if (fld.tag == TAG_ARG) {
			strv_push(argv, s);
		} else if (fld.tag == TAG_ENV) {
			if (!strchr(s, '=')) {
				send_err(f->id, EINVAL, "environment entry '%s' has no '='", s);
				free(s);
				return -1;
			}
			strv_push(env, s);
		} else {
			free(*cwd);
			*cwd = s;
		}
	}
	if (!argv->n) {
		send_err(f->id, EINVAL, "no command given");
		return -1;
	}
	return 0;
}

/* ---- EXEC ---- */

static void job_release(void)
{
	close_fd(&job.out_fd);
	close_fd(&job.err_fd);
	close_fd(&job.in_fd);
	buf_release(&job.in);
	buf_release(&job.out);
	buf_release(&job.err);
	job.in_off = 0;
	job.pid = 0;
	job.abandoned = job.truncated = job.timed_out = job.http = 0;
}

/*
 * Start sp as the job that answers id within timeout_ms: the job takes the
 * parent's ends of the pipes (*out_r, *err_r, *in_w; each then -1, in_w
 * may be -1 already). The child's pid, or -1 (errno) with nothing started.
 */
static pid_t job_spawn(uint32_t id, const struct spawn *sp, uint64_t timeout_ms, int *out_r,
		       int *err_r, int *in_w)
{
	pid_t pid;

	if (timeout_ms > INT_MAX)
		timeout_ms = INT_MAX;
	job.started = now_ms();
	pid = spawn_child(sp);
	if (pid < 0)
		return -1;
	job.pid = pid;
	job.id = id;
	job.deadline = job.started + (long)timeout_ms;
	job.out_fd = *out_r;
	job.err_fd = *err_r;
	job.in_fd = *in_w;
	*out_r = *err_r = *in_w = -1;
	set_nonblock(job.out_fd);
	set_nonblock(job.err_fd);
	if (job.in_fd >= 0)
		set_nonblock(job.in_fd);
	return pid;
}

static void exec_start(const struct frame *f)
{
	struct strv argv = { 0 }, env = { 0 };
	char *cwd = NULL;
	struct frame_field fld;
	int po[2] = { -1, -1 }, pe[2] = { -1, -1 }, pi[2] = { -1, -1 };
	int has_stdin;
	uint64_t timeout;
	struct spawn sp;

	if (parse_command(f, &argv, &env, &cwd) < 0)
		goto out;
	has_stdin = frame_find(f, TAG_STDIN, &fld) == 1;
	timeout = frame_get_u64(f, TAG_TIMEOUT_MS, DEFAULT_EXEC_MS);
	if (pipe2(po, O_CLOEXEC) < 0 || pipe2(pe, O_CLOEXEC) < 0 ||
	    (has_stdin && pipe2(pi, O_CLOEXEC) < 0)) {
		send_err(f->id, errno, "cannot create pipes: %s", strerror(errno));
		goto out;
	}
	if (has_stdin)
		buf_add(&job.in, fld.data, fld.len);
	sp = (struct spawn){ .argv = argv.v,
			     .env = env.v,
			     .cwd = cwd,
			     .in_fd = pi[0],
			     .out_fd = po[1],
			     .err_fd = pe[1] };
	if (job_spawn(f->id, &sp, timeout, &po[0], &pe[0], &pi[1]) < 0) {
		send_err(f->id, errno, "cannot execute '%s': %s", argv.v[0], strerror(errno));
		buf_release(&job.in);
		goto out;
	}
out:
	close_fd(&po[0]);
	close_fd(&po[1]);
	close_fd(&pe[0]);
	close_fd(&pe[1]);
	close_fd(&pi[0]);
	close_fd(&pi[1]);
	strv_release(&argv);
	strv_release(&env);
	free(cwd);
}

/* Read what a stream has; returns 0 at EOF or error (fd closed), 1 otherwise. */
static int job_read(int *fd, struct buf *b)
{
	unsigned char chunk[65536];

	for (int i = 0; i < 64; i++) {
		ssize_t n = read(*fd, chunk, sizeof(chunk));

		if (n > 0) {
			size_t room = b->len < OUTPUT_CAP ? OUTPUT_CAP - b->len : 0;
			size_t keep = (size_t)n < room ? (size_t)n : room;

			buf_add(b, chunk, keep);
			if (keep < (size_t)n)
				job.truncated = 1;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 1;
		close_fd(fd);
		return 0;
	}
	return 1;
}

static void job_write_stdin(void)
{
	while (job.in_off < job.in.len) {
		ssize_t n = write(job.in_fd, job.in.p + job.in_off, job.in.len - job.in_off);

		if (n > 0) {
			job.in_off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		break; /* EPIPE: the command does not want the rest */
	}
	close_fd(&job.in_fd);
}

static void http_finish(int status);

/* The command was reaped: take the rest of its output and answer. */
static void job_finish(int status)
{
	struct frame_builder b = { 0 };

	if (job.out_fd >= 0)
		job_read(&job.out_fd, &job.out);
	if (job.err_fd >= 0)
		job_read(&job.err_fd, &job.err);
	if (job.timed_out || job.abandoned)
		kill(-job.pid, SIGKILL); /* what is left of the group */
	if (!job.abandoned && job.http) {
		http_finish(status);
	} else if (!job.abandoned) {
		frame_begin(&b, FRAME_RESULT, job.id);
		frame_add_u64(&b, TAG_STATUS, (uint64_t)(unsigned)status);
		frame_add_u64(&b, TAG_TIMED_OUT, (uint64_t)job.timed_out);
		frame_add_u64(&b, TAG_TRUNCATED, (uint64_t)job.truncated);
		frame_add_u64(&b, TAG_DURATION_MS, (uint64_t)(now_ms() - job.started));
		frame_add(&b, TAG_STDOUT, job.out.p, job.out.len);
		frame_add(&b, TAG_STDERR, job.err.p, job.err.len);
		send_frame(&b, job.id);
	}
	job_release();
}

static void job_timeout(void)
{
	if (job.timed_out)
		return;
	job.timed_out = 1;
	kill(-job.pid, SIGKILL);
	kill(job.pid, SIGKILL);
}

/* ---- HTTP ---- */

/* What the HTTP child sends: pointers into the request frame (copied by fork). */
struct http_req {
	char *socket, *method, *path;
	const unsigned char *body;
	size_t body_len;
};

static int write_all(int fd, const void *p, size_t len)
{
	const char *c = p;

	while (len) {
		ssize_t n = write(fd, c, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		c += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * In the forked child: send the request, copy the whole response to stdout.
 * Exit 0, or an errno value with the reason on stderr.
 */
static int http_child(void *arg)
{
	const struct http_req *rq = arg;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char head[HTTP1_HEAD_MAX], chunk[65536];
	size_t hl = http1_format_request(head, sizeof(head), rq->method, rq->path, rq->body_len);
	int fd;

	if (!hl) {
		fprintf(stderr, "cannot form a request for %s %s", rq->method, rq->path);
		return EINVAL;
	}
	if (strlen(rq->socket) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "socket path '%s' is too long", rq->socket);
		return ENAMETOOLONG;
	}
	memcpy(sa.sun_path, rq->socket, strlen(rq->socket) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		fprintf(stderr, "cannot connect to '%s': %s", rq->socket, strerror(e));
		return e;
	}
	if (write_all(fd, head, hl) < 0 || write_all(fd, rq->body, rq->body_len) < 0) {
		int e = errno;

		fprintf(stderr, "cannot send %s %s to '%s': %s", rq->method, rq->path, rq->socket,
			strerror(e));
		return e;
	}
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			fprintf(stderr, "cannot read the answer to %s %s: %s", rq->method, rq->path,
				strerror(e));
			return e;
		}
		if (n == 0)
			return 0;
		if (write_all(1, chunk, (size_t)n) < 0)
			return EPIPE;
	}
}

/* A string field (heap), def when absent; NULL after answering ERR. */
static char *field_str(const struct frame *f, unsigned tag, const char *what, const char *def)
{
	struct frame_field fld;
	char *s;

	if (frame_find(f, tag, &fld) != 1 || !fld.len) {
		if (def)
			return strdup(def);
		send_err(f->id, EINVAL, "no %s given", what);
		return NULL;
	}
	s = frame_field_strdup(&fld);
	if (!s)
		send_err(f->id, EINVAL, "%s holds a NUL byte", what);
	return s;
}

static void http_start(const struct frame *f)
{
	struct http_req rq = { 0 };
	struct frame_field fld;
	int po[2] = { -1, -1 }, pe[2] = { -1, -1 }, no_stdin = -1;
	uint64_t timeout = frame_get_u64(f, TAG_TIMEOUT_MS, DEFAULT_EXEC_MS);
	struct spawn sp;

	if (!(rq.socket = field_str(f, TAG_SOCKET, "socket", NULL)) ||
	    !(rq.method = field_str(f, TAG_METHOD, "method", "GET")) ||
	    !(rq.path = field_str(f, TAG_PATH, "path", NULL)))
		goto out;
	if (frame_find(f, TAG_DATA, &fld) == 1) {
		rq.body = fld.data;
		rq.body_len = fld.len;
	}
	if (pipe2(po, O_CLOEXEC) < 0 || pipe2(pe, O_CLOEXEC) < 0) {
		send_err(f->id, errno, "cannot create pipes: %s", strerror(errno));
		goto out;
	}
	sp = (struct spawn){
		.in_fd = -1, .out_fd = po[1], .err_fd = pe[1], .fn = http_child, .fn_arg = &rq
	};
	if (job_spawn(f->id, &sp, timeout, &po[0], &pe[0], &no_stdin) < 0) {
		send_err(f->id, errno, "cannot fork for %s %s: %s", rq.method, rq.path,
			 strerror(errno));
		goto out;
	}
	job.http = 1;
out:
	close_fd(&po[0]);
	close_fd(&po[1]);
	close_fd(&pe[0]);
	close_fd(&pe[1]);
	free(rq.socket);
	free(rq.method);
	free(rq.path);
}

/* The HTTP child was reaped: answer DATA with the status and body, or ERR. */
static void http_finish(int status)
{
	struct frame_builder b = { 0 };
	struct http1_response r;

	buf_add(&job.err, "", 1);
	if (job.timed_out) {
		send_err(job.id, ETIMEDOUT, "no HTTP answer within %ld ms",
			 job.deadline - job.started);
		return;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		char how[32];

		send_err(job.id, WIFEXITED(status) ? WEXITSTATUS(status) : EIO, "%s",
			 job.err.len > 1 ? (const char *)job.err.p
					 : describe_status(status, how, sizeof(how)));
		return;
	}
	if (job.truncated) {
		send_err(job.id, EMSGSIZE, "HTTP response over %u bytes", OUTPUT_CAP);
		return;
	}
	if (http1_parse_response((char *)job.out.p, job.out.len, &r) < 0) {
		send_err(job.id, EPROTO, "bad HTTP response (%zu bytes): %s", job.out.len, r.error);
		return;
	}
	frame_begin(&b, FRAME_DATA, job.id);
	frame_add_u64(&b, TAG_HTTP_STATUS, (uint64_t)r.status);
	frame_add(&b, TAG_DATA, r.body, r.body_len);
	send_frame(&b, job.id);
}

/* ---- supervised child ---- */

/* Start (or restart) the supervised child: 0, or -1 with errno. */
static int sup_spawn(void)
{
	struct spawn sp = { .argv = sup.argv.v,
			    .env = sup.env.v,
			    .clear_env = 1,
			    .cwd = sup.cwd,
			    .in_fd = -1,
			    .out_fd = sup.pipe_w,
			    .err_fd = sup.pipe_w };

	sup.restart_at = 0;
	sup.start_count++;
	sup.started = now_ms();
	sup.pid = spawn_child(&sp);
	if (sup.pid < 0) {
		sup.pid = 0;
		return -1;
	}
	say("started '%s' (pid %d, start %u)", sup.argv.v[0], (int)sup.pid, sup.start_count);
	return 0;
}

/* The restart interval passed: start the child again. */
static void sup_restart(void)
{
	if (sup_spawn() == 0)
		return;
	/* a failed run, as a shell would report it: exit 127, and try again */
	say("cannot execute '%s': %s", sup.argv.v[0], strerror(errno));
	sup.exits++;
	sup.last_status = 127 << 8;
	sup.restart_at = now_ms() + sup.restart_ms;
}

/* Copy the child's output to its log and, best effort, the console. */
static void sup_pump(void)
{
	char chunk[16384];

	for (int i = 0; i < 16 && sup.pipe_r >= 0; i++) {
		ssize_t n = read(sup.pipe_r, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(sup.log_fd, chunk + off, (size_t)(n - off));

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				say("cannot write '%s': %s", sup.log_path, strerror(errno));
				break;
			}
			off += w;
		}
		if (console_fd >= 0 && write(console_fd, chunk, (size_t)n) < 0 && errno != EAGAIN)
			close_fd(&console_fd);
	}
}

static void sup_release(void)
{
	sup_pump();
	close_fd(&sup.pipe_r);
	close_fd(&sup.pipe_w);
	close_fd(&sup.log_fd);
	strv_release(&sup.argv);
	strv_release(&sup.env);
	free(sup.cwd);
	free(sup.log_path);
	sup.cwd = sup.log_path = NULL;
	sup.active = sup.stopping = 0;
	sup.pid = 0;
	sup.restart_at = sup.kill_at = 0;
}

/* Create the parent directories of path (like mkdir -p of its dirname). */
static int make_parents(const char *path)
{
	char *dir = strdup(path);
	int ret = 0;

	if (!dir)
		return -1;
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			ret = -1;
		*p = '/';
		if (ret)
			break;
	}
	free(dir);
	return ret;
}

static void sup_start(const struct frame *f)
{
	struct frame_field fld;
	int p[2];

	if (sup.active) {
		send_err(f->id, EBUSY, "a child is already supervised (pid %d)", (int)sup.pid);
		return;
	}
	if (parse_command(f, &sup.argv, &sup.env, &sup.cwd) < 0)
		goto fail;
	if (frame_find(f, TAG_LOG_PATH, &fld) != 1 || !fld.len) {
		send_err(f->id, EINVAL, "no log path given");
		goto fail;
	}
	sup.log_path = frame_field_strdup(&fld);
	if (!sup.log_path) {
		send_err(f->id, EINVAL, "log path holds a NUL byte");
		goto fail;
	}
	sup.restart_ms = (long)frame_get_u64(f, TAG_RESTART_MS, DEFAULT_RESTART_MS);
	if (sup.restart_ms < 0 || sup.restart_ms > 3600000)
		sup.restart_ms = DEFAULT_RESTART_MS;
	make_parents(sup.log_path);
	sup.log_fd = open(sup.log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0644);
	if (sup.log_fd < 0) {
		send_err(f->id, errno, "cannot open log '%s': %s", sup.log_path, strerror(errno));
		goto fail;
	}
	if (pipe2(p, O_CLOEXEC) < 0) {
		send_err(f->id, errno, "cannot create pipe: %s", strerror(errno));
		goto fail;
	}
	/* one pipe for every run: we hold the write end, so it never hits EOF */
	sup.pipe_r = p[0];
	sup.pipe_w = p[1];
	set_nonblock(sup.pipe_r);
	sup.start_count = sup.exits = 0;
	sup.last_status = 0;
	sup.active = 1;
	if (sup_spawn() < 0) {
		send_err(f->id, errno, "cannot execute '%s': %s", sup.argv.v[0], strerror(errno));
		goto fail;
	}
	{
		struct frame_builder b = { 0 };

		frame_begin(&b, FRAME_OK, f->id);
		frame_add_u64(&b, TAG_PID, (uint64_t)sup.pid);
		send_frame(&b, f->id);
	}
	return;
fail:
	sup_release();
}

static void sup_reaped(int status)
{
	char how[32];
	int failed = !WIFEXITED(status) || WEXITSTATUS(status) != 0;

	sup.exits++;
	sup.last_status = status;
	say("child pid %d exited (%s)", (int)sup.pid, describe_status(status, how, sizeof(how)));
	kill(-sup.pid, SIGKILL); /* leftovers of its group */
	sup.pid = 0;
	if (sup.stopping) {
		uint32_t id = sup.stop_id;
		int reply = sup.stop_reply;

		sup_release();
		if (reply)
			send_ok(id);
		return;
	}
	if (failed) {
		sup.restart_at = now_ms() + sup.restart_ms;
		say("restart in %ld ms", sup.restart_ms);
	}
}

static void sup_stop(const struct frame *f)
{
	uint64_t grace = frame_get_u64(f, TAG_TIMEOUT_MS, DEFAULT_STOP_MS);

	if (!sup.active) {
		send_ok(f->id);
		return;
	}
	if (!sup.pid) {
		sup_release();
		send_ok(f->id);
		return;
	}
	if (grace > 600000)
		grace = 600000;
	sup.stopping = 1;
	sup.stop_reply = 1;
	sup.stop_id = f->id;
	sup.kill_at = now_ms() + (long)grace;
	kill(-sup.pid, SIGTERM);
}

/* The "Key:   123 kB" number of /proc/<pid>/status, or -1. */
static long proc_status_kib(const char *text, const char *key)
{
	size_t klen = strlen(key);

	for (const char *line = text; line && *line;) {
		if (!strncmp(line, key, klen) && line[klen] == ':') {
			char *end;
			long v = strtol(line + klen + 1, &end, 10);

			return end == line + klen + 1 ? -1 : v;
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return -1;
}

/* Read a small file into buf (NUL-terminated); 0 or -1. */
static int read_small(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	size_t got = 0;

	if (fd < 0)
		return -1;
	while (got + 1 < len) {
		ssize_t n = read(fd, buf + got, len - 1 - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	return 0;
}

static void sup_report(const struct frame *f)
{
	struct frame_builder b = { 0 };
	struct frame_field fld;
	char dev[64] = "vda", path[128], text[4096];

	if (frame_find(f, TAG_DEVICE, &fld) == 1) {
		if (!fld.len || fld.len >= sizeof(dev) || memchr(fld.data, '/', fld.len) ||
		    memchr(fld.data, '\0', fld.len) ||
		    (fld.len == 2 && !memcmp(fld.data, "..", 2))) {
			send_err(f->id, EINVAL, "bad block device name");
			return;
		}
		memcpy(dev, fld.data, fld.len);
		dev[fld.len] = '\0';
	}
	frame_begin(&b, FRAME_REPORT, f->id);
	frame_add_u64(&b, TAG_PID, (uint64_t)(sup.pid > 0 ? sup.pid : 0));
	frame_add_u64(&b, TAG_START_COUNT, sup.start_count);
	frame_add_u64(&b, TAG_EXITS, sup.exits);
	if (sup.exits)
		frame_add_u64(&b, TAG_STATUS, (uint64_t)(unsigned)sup.last_status);
	if (sup.pid > 0) {
		long rss, hwm;

		frame_add_u64(&b, TAG_CHILD_UPTIME_MS, (uint64_t)(now_ms() - sup.started));
		snprintf(path, sizeof(path), "/proc/%d/status", (int)sup.pid);
		if (read_small(path, text, sizeof(text)) == 0) {
			rss = proc_status_kib(text, "VmRSS");
			hwm = proc_status_kib(text, "VmHWM");
			if (rss >= 0)
				frame_add_u64(&b, TAG_VMRSS_KIB, (uint64_t)rss);
			if (hwm >= 0)
				frame_add_u64(&b, TAG_VMHWM_KIB, (uint64_t)hwm);
		}
	}
	snprintf(path, sizeof(path), "/sys/block/%s/stat", dev);
	if (read_small(path, text, sizeof(text)) == 0)
		frame_add_str(&b, TAG_DISKSTAT, text);
	send_frame(&b, f->id);
}

/* ---- files ---- */

/* The request's path (heap), or NULL after answering why there is none. */
static char *request_path(const struct frame *f)
{
	struct frame_field pf;
	char *path;

	if (frame_find(f, TAG_PATH, &pf) != 1 || !pf.len) {
		send_err(f->id, EINVAL, "no path given");
		return NULL;
	}
	path = frame_field_strdup(&pf);
	if (!path)
		send_err(f->id, EINVAL, "path holds a NUL byte");
	return path;
}

static void write_file(const struct frame *f)
{
	struct frame_field df;
	uint64_t mode = frame_get_u64(f, TAG_MODE, 0644) & 07777;
	char *path;
	int fd;
	struct stat st;

	path = request_path(f);
	if (!path)
		return;
	if (frame_find(f, TAG_DATA, &df) != 1)
		df.len = 0;
	if (make_parents(path) < 0) {
		send_err(f->id, errno, "cannot create the directories of '%s': %s", path,
			 strerror(errno));
		goto out;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, (mode_t)mode);
	if (fd < 0) {
		send_err(f->id, errno, "cannot open '%s': %s", path, strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 07777) != mode &&
	    fchmod(fd, (mode_t)mode) < 0) {
		send_err(f->id, errno, "cannot chmod '%s': %s", path, strerror(errno));
		close(fd);
		goto out;
	}
	for (uint32_t off = 0; off < df.len;) {
		ssize_t n = write(fd, df.data + off, df.len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			send_err(f->id, n < 0 ? errno : EIO, "cannot write '%s': %s", path,
				 n < 0 ? strerror(errno) : "short write");
			close(fd);
			goto out;
		}
		off += (uint32_t)n;
	}
	if (close(fd) < 0) {
		send_err(f->id, errno, "cannot close '%s': %s", path, strerror(errno));
		goto out;
	}
	send_ok(f->id);
out:
	free(path);
}

static void read_file(const struct frame *f)
{
	uint64_t max = frame_get_u64(f, TAG_MAX_BYTES, READ_CAP);
	struct buf data = { 0 };
	struct frame_builder b = { 0 };
	unsigned char chunk[65536];
	int fd, truncated = 0;
	char *path;
	struct stat st;

	path = request_path(f);
	if (!path)
		return;
	if (max > READ_CAP)
		max = READ_CAP;
	/* O_NONBLOCK: a FIFO without a writer must not hang the agent */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		send_err(f->id, errno, "cannot open '%s': %s", path, strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		send_err(f->id, EISDIR, "cannot read '%s': %s", path, strerror(EISDIR));
		close(fd);
		goto out;
	}
	for (;;) {
		/* one byte beyond max tells whether the file was cut */
		size_t want = max + 1 - data.len;
		ssize_t n = read(fd, chunk, want < sizeof(chunk) ? want : sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n < 0) {
			send_err(f->id, errno, "cannot read '%s': %s", path, strerror(errno));
			close(fd);
			goto out;
		}
		if (n == 0)
			break;
		buf_add(&data, chunk, (size_t)n);
		if (data.len > max) {
			data.len = max;
			truncated = 1;
			break;
		}
	}
	close(fd);
	frame_begin(&b, FRAME_DATA, f->id);
	frame_add(&b, TAG_DATA, data.p, data.len);
	frame_add_u64(&b, TAG_TRUNCATED, (uint64_t)truncated);
	if (S_ISREG(st.st_mode))
		frame_add_u64(&b, TAG_SIZE, (uint64_t)st.st_size);
	send_frame(&b, f->id);
out:
	buf_release(&data);
	free(path);
}

/* ---- power ---- */

static void kill_children(void)
{
	if (job.pid > 0) {
		kill(-job.pid, SIGKILL);
		kill(job.pid, SIGKILL);
	}
	if (sup.pid > 0) {
		kill(-sup.pid, SIGKILL);
		kill(sup.pid, SIGKILL);
	}
}

/* Leave: children first (they would outlive us), then our socket. */
static void __attribute__((noreturn)) quit(int code)
{
	kill_children();
	if (link_.mode == LINK_LISTEN)
		unlink(link_.path);
	exit(code);
}

/* Push out what is queued, waiting at most ms. */
static void flush_for(int ms)
{
	long deadline = now_ms() + ms;

	link_flush();
	while (link_.up && link_.out_off < link_.out.len) {
		struct pollfd pfd = { .fd = link_.fd, .events = POLLOUT };
		long left = deadline - now_ms();

		if (left <= 0)
			break;
		if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR)
			break;
		if (pfd.revents & (POLLHUP | POLLERR))
			break;
		link_flush();
	}
}

static void poweroff(const struct frame *f)
{
	send_ok(f->id);
	flush_for(2000);
	if (link_.mode != LINK_PORT) {
		/* a test: never power off the machine the test runs on */
		say("POWEROFF in test mode: exiting");
		quit(0);
	}
	say("powering off");
	sync();
	if (reboot(RB_POWER_OFF) < 0)
		say("cannot power off: %s", strerror(errno));
}

/* ---- requests ---- */

/*
 * Requests that arrived while an EXEC or a STOP was still running. The port
 * is read all the time, so a PING is answered at once whatever runs (a host
 * that reconnected must learn the agent lives); other requests wait here.
 */
struct queued {
	struct queued *next;
	struct frame f;
	unsigned char payload[];
};

static struct queued *queue_head, **queue_tail = &queue_head;

static int busy(void)
{
	return job.pid > 0 || sup.stopping;
}

static void queue_push(const struct frame *f)
{
	struct queued *q = xrealloc(NULL, sizeof(*q) + f->len);

	memcpy(q->payload, f->payload, f->len);
	q->f = *f;
	q->f.payload = q->payload;
	q->next = NULL;
	*queue_tail = q;
	queue_tail = &q->next;
}

static void queue_drop(void)
{
	while (queue_head) {
		struct queued *q = queue_head;

		queue_head = q->next;
		free(q);
	}
	queue_tail = &queue_head;
}

/*
 * A new host connection (its first PING says so with TAG_RESET): whatever
 * the previous host asked for is nobody's business any more. virtio-serial
 * shows only whether a host is connected now, so a host that left and came
 * back while we were not looking can only be recognised this way.
 */
static void connection_reset(void)
{
	queue_drop();
	if (job.pid > 0 && !job.abandoned) {
		say("abandoning the running command: its host is gone");
		job.abandoned = 1;
		kill(-job.pid, SIGKILL);
		kill(job.pid, SIGKILL);
	}
	sup.stop_reply = 0;
}

static void handle(const struct frame *f)
{
	if (frame_check(f) < 0) {
		send_err(f->id, EPROTO, "truncated field in %s", frame_type_name(f->type));
		return;
	}
	switch (f->type) {
	case FRAME_PING:
		if (frame_get_u64(f, TAG_RESET, 0))
			connection_reset();
		send_hello(FRAME_PONG, f->id);
		break;
	case FRAME_EXEC: exec_start(f); break;
	case FRAME_HTTP: http_start(f); break;
	case FRAME_WRITE_FILE: write_file(f); break;
	case FRAME_READ_FILE: read_file(f); break;
	case FRAME_START: sup_start(f); break;
	case FRAME_STATUS: sup_report(f); break;
	case FRAME_STOP: sup_stop(f); break;
	case FRAME_POWEROFF: poweroff(f); break;
	default: send_err(f->id, ENOSYS, "unknown request type %u", f->type); break;
	}
}

/* Serve what waited, then what came in: in order, one at a time. */
static void process_frames(void)
{
	struct frame f;

	while (link_.up && !busy() && queue_head) {
		struct queued *q = queue_head;

		queue_head = q->next;
		if (!queue_head)
			queue_tail = &queue_head;
		handle(&q->f);
		free(q);
	}
	while (link_.up) {
		enum frame_result r = frame_decoder_next(&link_.dec, &f);

		if (r == FRAME_NEED_MORE)
			return;
		if (r == FRAME_ERROR) {
			send_err(0, EPROTO, "bad frame from host: %s", link_.dec.error);
			frame_decoder_resync(&link_.dec);
			continue;
		}
		if (f.type == FRAME_PING || (!busy() && !queue_head))
			handle(&f);
		else
			queue_push(&f);
	}
}

/* ---- the link to the host ---- */

static void link_up(void)
{
	link_.up = 1;
	frame_decoder_reset(&link_.dec);
	link_.out.len = link_.out_off = 0;
	send_hello(FRAME_HELLO, 0);
}

static void link_down(const char *why)
{
	if (!link_.up)
		return;
	say("host disconnected (%s)", why);
	link_.up = 0;
	frame_decoder_reset(&link_.dec);
	buf_release(&link_.out);
	link_.out_off = 0;
	if (link_.mode == LINK_LISTEN)
		close_fd(&link_.fd);
	link_.next_probe = now_ms() + PROBE_MS;
	/* nobody will read the answers */
	connection_reset();
}

/* Port mode: is a host connected now? (POLLHUP says no) */
static void link_probe(void)
{
	struct pollfd pfd = { .fd = link_.fd, .events = POLLIN };

	link_.next_probe = now_ms() + PROBE_MS;
	if (poll(&pfd, 1, 0) < 0)
		return;
	if (!(pfd.revents & (POLLHUP | POLLERR | POLLNVAL))) {
		say("host connected");
		link_up();
	}
}

static void link_read(void)
{
	unsigned char chunk[65536];
	ssize_t n = read(link_.fd, chunk, sizeof(chunk));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		link_down(n < 0 ? strerror(errno) : "end of stream");
		return;
	}
	if (frame_decoder_feed(&link_.dec, chunk, (size_t)n) < 0)
		die("cannot buffer a request");
	process_frames();
}

static void link_accept(void)
{
	int fd = accept4(link_.listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (fd < 0)
		return;
	link_.fd = fd;
	link_up();
}

static void open_port(const char *path)
{
	long deadline = now_ms() + 10000;
	struct stat st;

	/* the device node may show up a moment after init looked for it */
	while ((link_.fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)) < 0) {
		if (errno != ENOENT || now_ms() > deadline)
			die(path);
		poll(NULL, 0, 50);
	}
	/* refuse a regular file or socket: this mode powers the machine off */
	if (fstat(link_.fd, &st) == 0 && !S_ISCHR(st.st_mode)) {
		errno = ENOTTY;
		die(path);
	}
	link_.next_probe = 0;
}

static void listen_unix(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		die(path);
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	link_.listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (link_.listen_fd < 0)
		die("cannot create socket");
	unlink(path);
	if (bind(link_.listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die(path);
	if (listen(link_.listen_fd, 4) < 0)
		die("cannot listen");
}

/* ---- signals ---- */

static void reap(void)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0 || (pid < 0 && errno == EINTR)) {
		if (pid < 0)
			continue;
		if (pid == job.pid)
			job_finish(status);
		else if (pid == sup.pid)
			sup_reaped(status);
	}
}

static void on_signals(void)
{
	struct signalfd_siginfo si;

	while (read(sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGCHLD)
			continue;
		say("got signal %u: stopping children and exiting", si.ssi_signo);
		quit(0);
	}
	reap();
}

static void setup_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		die("cannot block signals");
	sig_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sig_fd < 0)
		die("cannot create signalfd");
	signal(SIGPIPE, SIG_IGN);
}

/* fds 0-2 exist (children dup onto them); inherited others close on exec. */
static void setup_fds(void)
{
	for (int fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) >= 0)
			continue;
		if (open("/dev/null", O_RDWR) != fd)
			die("cannot open /dev/null");
	}
	syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
}

/* ---- the loop ---- */

static long min_deadline(long a, long b)
{
	return !a ? b : !b ? a : a < b ? a : b;
}

static void run(void)
{
	for (;;) {
		struct pollfd pfd[8];
		enum { P_SIG, P_LINK, P_LISTEN, P_OUT, P_ERR, P_IN, P_SUP, P_N };
		long now = now_ms(), due = 0;
		int timeout;

		for (int i = 0; i < P_N; i++)
			pfd[i] = (struct pollfd){ .fd = -1 };
		pfd[P_SIG] = (struct pollfd){ .fd = sig_fd, .events = POLLIN };
		if (link_.up) {
			short ev = POLLIN;

			if (link_.out_off < link_.out.len)
				ev |= POLLOUT;
			pfd[P_LINK] = (struct pollfd){ .fd = link_.fd, .events = ev };
		} else if (link_.mode == LINK_LISTEN) {
			pfd[P_LISTEN] = (struct pollfd){ .fd = link_.listen_fd, .events = POLLIN };
		} else {
			due = min_deadline(due, link_.next_probe ? link_.next_probe : now);
		}
		if (job.pid > 0) {
			pfd[P_OUT] = (struct pollfd){ .fd = job.out_fd, .events = POLLIN };
			pfd[P_ERR] = (struct pollfd){ .fd = job.err_fd, .events = POLLIN };
			pfd[P_IN] = (struct pollfd){ .fd = job.in_fd, .events = POLLOUT };
			if (!job.timed_out)
				due = min_deadline(due, job.deadline);
		}
		if (sup.active) {
			pfd[P_SUP] = (struct pollfd){ .fd = sup.pipe_r, .events = POLLIN };
			due = min_deadline(due, sup.restart_at);
			if (sup.stopping)
				due = min_deadline(due, sup.kill_at);
		}
		timeout = !due ? -1 : due <= now ? 0 : (int)(due - now);
		if (poll(pfd, P_N, timeout) < 0) {
			if (errno == EINTR)
				continue;
			die("poll");
		}

		if (pfd[P_SIG].revents)
			on_signals();
		if (link_.up && pfd[P_LINK].fd >= 0 && pfd[P_LINK].revents) {
			if (pfd[P_LINK].revents & POLLIN)
				link_read();
			if (link_.up && (pfd[P_LINK].revents & (POLLHUP | POLLERR | POLLNVAL)) &&
			    !(pfd[P_LINK].revents & POLLIN))
				link_down("hangup");
			if (link_.up && (pfd[P_LINK].revents & POLLOUT))
				link_flush();
		}
		if (pfd[P_LISTEN].revents & POLLIN)
			link_accept();
		if (!link_.up && link_.mode == LINK_PORT && now_ms() >= link_.next_probe)
			link_probe();
		if (job.pid > 0) {
			if (job.out_fd >= 0 && pfd[P_OUT].revents)
				job_read(&job.out_fd, &job.out);
			if (job.err_fd >= 0 && pfd[P_ERR].revents)
				job_read(&job.err_fd, &job.err);
			if (job.in_fd >= 0 && pfd[P_IN].revents)
				job_write_stdin();
			if (now_ms() >= job.deadline)
				job_timeout();
		}
		if (sup.active) {
			if (pfd[P_SUP].revents)
				sup_pump();
			if (sup.stopping && sup.pid > 0 && now_ms() >= sup.kill_at) {
				say("child pid %d ignored SIGTERM: killing it", (int)sup.pid);
				kill(-sup.pid, SIGKILL);
				kill(sup.pid, SIGKILL);
				sup.kill_at = now_ms() + 1000;
			}
			if (!sup.stopping && sup.restart_at && now_ms() >= sup.restart_at)
				sup_restart();
		}
		/* requests that waited for an EXEC or a STOP */
		if (link_.up && !busy() && queue_head)
			process_frames();
	}
}

static void __attribute__((noreturn)) usage(void)
{
	fprintf(stderr,
		"usage: %s [--console PATH] PORT\n"
		"       %s [--console PATH] --listen-unix PATH\n",
		progname, progname);
	exit(2);
}

int main(int argc, char **argv)
{
	const char *port = NULL, *listen_path = NULL;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--listen-unix") && i + 1 < argc)
			listen_path = argv[++i];
		else if (!strcmp(argv[i], "--console") && i + 1 < argc)
			console_path = argv[++i];
		else if (argv[i][0] == '-' || port)
			usage();
		else
			port = argv[i];
	}
	if (!port == !listen_path)
		usage();
	setup_fds();
	umask(022);
	setup_signals();
	frame_decoder_init(&link_.dec, 0);
	link_.fd = link_.listen_fd = -1;
	console_fd = open(console_path, O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY | O_APPEND);
	if (console_fd < 0)
		say("cannot open console '%s': %s", console_path, strerror(errno));
	if (port) {
		link_.mode = LINK_PORT;
		link_.path = port;
		open_port(port);
	} else {
		link_.mode = LINK_LISTEN;
		link_.path = listen_path;
		listen_unix(listen_path);
	}
	say("%s serving '%s'", AGENT_VERSION, link_.path);
	run();
}
