/* SPDX-License-Identifier: BSD-3-Clause */
#include "proc.h"
#include "tsversion.h"

#include "clock.h"
#include "log.h"
#include "undo.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct proc {
	pid_t pid;
	int pidfd;
	int reaped;
	int status;
	char *name;
};

static int pidfd_open_(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

/* In the child: report why we failed on fd 2 and exit 127. */
static void __attribute__((noreturn)) child_fail(const char *what, const char *arg)
{
	dprintf(2, "tscanary: cannot %s '%s': %s\n", what, arg, strerror(errno));
	_exit(127);
}

static void child_setup(const struct proc_spec *spec, int out_fd, int err_fd)
{
	sigset_t none;

	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);

	int in = open("/dev/null", O_RDONLY);

	if (in < 0 || dup2(in, 0) < 0)
		child_fail("open", "/dev/null");
	if (dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0)
		child_fail("redirect output of", spec->name);
	syscall(SYS_close_range, 3U, ~0U, 0U);

	if (spec->netns) {
		char path[256];
		int fd;

		snprintf(path, sizeof(path), "/run/netns/%s", spec->netns);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || setns(fd, CLONE_NEWNET) < 0)
			child_fail("enter network namespace", spec->netns);
		close(fd);
	}
	if (spec->private_etc) {
		if (unshare(CLONE_NEWNS) < 0)
			child_fail("unshare mount namespace for", spec->name);
		if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
			child_fail("make mounts private for", spec->name);
		if (mount(spec->private_etc, "/etc", NULL, MS_BIND, NULL) < 0)
			child_fail("bind private /etc from", spec->private_etc);
	}
	if (spec->cwd && chdir(spec->cwd) < 0)
		child_fail("chdir to", spec->cwd);
	for (const char *const *e = spec->env; e && *e; e++)
		if (putenv((char *)*e) < 0)
			child_fail("set environment", *e);
	execvp(spec->argv[0], (char *const *)spec->argv);
	child_fail("execute", spec->argv[0]);
}

static struct proc *spawn(const struct proc_spec *spec, int out_fd, int err_fd)
{
	struct proc *p;
	pid_t pid;

	pid = fork();
	if (pid < 0) {
		error_errno("cannot fork for '%s'", spec->name);
		return NULL;
	}
	if (pid == 0)
		child_setup(spec, out_fd, err_fd);
	setpgid(pid, pid); /* also from the parent: no race on the group */
	p = xcalloc(1, sizeof(*p));
	p->pid = pid;
	p->name = xstrdup(spec->name ? spec->name : spec->argv[0]);
	p->pidfd = pidfd_open_(pid);
	if (p->pidfd < 0)
		warning("cannot pidfd_open '%s': %s", p->name, strerror(errno));
	else
		fcntl(p->pidfd, F_SETFD, FD_CLOEXEC);
	return p;
}

static void free_proc(struct proc *p)
{
	if (p->pidfd >= 0)
		close(p->pidfd);
	free(p->name);
	free(p);
}

static void undo_stop(void *arg)
{
	struct proc **pp = arg;

	proc_stop(*pp, 3000);
	free_proc(*pp);
}

struct proc *proc_spawn(const struct proc_spec *spec)
{
	int fd;
	struct proc *p, **slot;
	char what[128];

	if (spec->log_path)
		fd = open(spec->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	else
		fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		error_errno("cannot open log '%s' for '%s'",
			    spec->log_path ? spec->log_path : "/dev/null", spec->name);
		return NULL;
	}
	p = spawn(spec, fd, fd);
	close(fd);
	if (!p)
		return NULL;
	debug("started '%s' as pid %d", p->name, (int)p->pid);
	slot = xmalloc(sizeof(*slot));
	*slot = p;
	snprintf(what, sizeof(what), "stop %s (pid %d)", p->name, (int)p->pid);
	undo_push(undo_stop, slot, what);
	return p;
}

pid_t proc_pid(const struct proc *p)
{
	return p->pid;
}

const char *proc_name(const struct proc *p)
{
	return p->name;
}

static int reap(struct proc *p, int flags)
{
	pid_t r;

	if (p->reaped)
		return 1;
	do {
		r = waitpid(p->pid, &p->status, flags);
	} while (r < 0 && errno == EINTR);
	if (r == p->pid) {
		p->reaped = 1;
		return 1;
	}
	if (r < 0 && errno == ECHILD) {
		p->reaped = 1;
		p->status = 0;
		return 1;
	}
	return 0;
}

int proc_running(struct proc *p, int *status)
{
	if (reap(p, WNOHANG)) {
		if (status)
			*status = p->status;
		return 0;
	}
	return 1;
}

int proc_wait(struct proc *p, int timeout_ms, int *status)
{
	long deadline = mono_ms() + timeout_ms;

	for (;;) {
		long left;

		if (!proc_running(p, status))
			return 0;
		left = deadline - mono_ms();
		if (left <= 0)
			return 1;
		if (p->pidfd >= 0) {
			struct pollfd pfd = { .fd = p->pidfd, .events = POLLIN };

			if (poll(&pfd, 1, (int)(left > 100 ? 100 : left)) < 0 && errno != EINTR)
				return error_errno("cannot poll '%s'", p->name);
		} else {
			struct timespec ts = { 0, 20 * 1000000L };

			nanosleep(&ts, NULL);
		}
	}
}

void proc_stop(struct proc *p, int grace_ms)
{
	if (!p || p->reaped)
		return;
	if (!proc_running(p, NULL))
		return;
	kill(-p->pid, SIGTERM);
	kill(p->pid, SIGTERM);
	if (proc_wait(p, grace_ms, NULL) != 0) {
		warning("'%s' (pid %d) ignored SIGTERM for %d ms: killing it", p->name, (int)p->pid,
			grace_ms);
		kill(-p->pid, SIGKILL);
		kill(p->pid, SIGKILL);
		reap(p, 0);
	}
	/* leftovers of the group (e.g. a shell's children) go too */
	kill(-p->pid, SIGKILL);
}

static void drain(int fd, struct strbuf *sb, int *open_)
{
	char buf[8192];
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n > 0) {
		if (sb)
			strbuf_add(sb, buf, (size_t)n);
	} else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
		*open_ = 0;
	}
}

/* One capture's pipes and child, while a set runs. */
struct capture_run {
	struct proc *p;
	int fd[2], open[2];
	long deadline;
};

/* Start c: 0, or -1 (reported) when it cannot start. */
static int capture_start(struct capture *c, struct capture_run *r)
{
	int po[2], pe[2];

	r->fd[0] = r->fd[1] = -1;
	r->open[0] = r->open[1] = 0;
	r->deadline = mono_ms() + c->timeout_ms;
	if (pipe2(po, O_CLOEXEC) < 0)
		return error_errno("cannot create pipe");
	if (pipe2(pe, O_CLOEXEC) < 0) {
		close(po[0]);
		close(po[1]);
		return error_errno("cannot create pipe");
	}
	r->p = spawn(c->spec, po[1], pe[1]);
	close(po[1]);
	close(pe[1]);
	if (!r->p) {
		close(po[0]);
		close(pe[0]);
		return -1;
	}
	r->fd[0] = po[0];
	r->fd[1] = pe[0];
	r->open[0] = r->open[1] = 1;
	return 0;
}

/* Reap c once its output is closed or its time is up; kill it if need be. */
static int capture_finish(struct capture *c, struct capture_run *r)
{
	int ret = 0;

	for (int k = 0; k < 2; k++)
		if (r->fd[k] >= 0)
			close(r->fd[k]);
	if (r->open[0] || r->open[1]) {
		/* timed out or interrupted with output still open */
		kill(-r->p->pid, SIGKILL);
		reap(r->p, 0);
		if (interrupted())
			ret = error("'%s' interrupted by signal %d", r->p->name,
				    interrupt_signal());
		else
			ret = error("'%s' timed out after %d ms", r->p->name, c->timeout_ms);
	} else {
		long left = r->deadline - mono_ms();

		if (proc_wait(r->p, left > 0 ? (int)left : 0, NULL) != 0) {
			kill(-r->p->pid, SIGKILL);
			reap(r->p, 0);
			ret = error("'%s' timed out after %d ms", r->p->name, c->timeout_ms);
		}
	}
	c->status = r->p->status;
	free_proc(r->p);
	return ret;
}

int run_capture_set(struct capture *set, size_t n)
{
	struct capture_run *run = xcalloc(n ? n : 1, sizeof(*run));
	struct pollfd *pfd = xcalloc(2 * (n ? n : 1), sizeof(*pfd));
	int ret = 0;

	for (size_t i = 0; i < n; i++) {
		set[i].status = 0;
		set[i].ret = capture_start(&set[i], &run[i]);
		if (set[i].ret < 0)
			ret = -1;
	}
	for (;;) {
		long now = mono_ms(), wait = 200;
		size_t live = 0;

		if (interrupted())
			break;
		for (size_t i = 0; i < n; i++) {
			struct capture_run *r = &run[i];
			int want = set[i].ret == 0 && now < r->deadline;

			for (int k = 0; k < 2; k++) {
				pfd[2 * i + k].fd = want && r->open[k] ? r->fd[k] : -1;
				pfd[2 * i + k].events = POLLIN;
				pfd[2 * i + k].revents = 0;
				live += pfd[2 * i + k].fd >= 0;
			}
			if (want && (r->open[0] || r->open[1]) && r->deadline - now < wait)
				wait = r->deadline - now;
		}
		if (!live)
			break;
		if (poll(pfd, 2 * n, (int)wait) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (size_t i = 0; i < n; i++) {
			struct strbuf *sink[2] = { set[i].out, set[i].err };

			for (int k = 0; k < 2; k++)
				if (pfd[2 * i + k].fd >= 0 && pfd[2 * i + k].revents)
					drain(run[i].fd[k], sink[k], &run[i].open[k]);
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (set[i].ret < 0)
			continue;
		set[i].ret = capture_finish(&set[i], &run[i]);
		if (set[i].ret < 0)
			ret = -1;
	}
	free(run);
	free(pfd);
	return ret;
}

int run_capture(const struct proc_spec *spec, int timeout_ms, struct strbuf *out,
		struct strbuf *err, int *status)
{
	struct capture c = { .spec = spec, .timeout_ms = timeout_ms, .out = out, .err = err };
	int ret = run_capture_set(&c, 1);

	if (status)
		*status = c.status;
	return ret;
}

const char *proc_describe_status(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exit %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "signal %d", WTERMSIG(status));
	else
		snprintf(buf, len, "status 0x%x", (unsigned)status);
	return buf;
}

int run_argv_ns(const char *netns, int timeout_ms, const char *const *argv)
{
	struct strbuf err = STRBUF_INIT;
	struct proc_spec spec = { .name = argv[0], .argv = argv, .netns = netns };
	int status = 0, ret;
	char how[32];

	ret = run_capture(&spec, timeout_ms, NULL, &err, &status);
	if (!ret && status != 0) {
		struct strbuf cmd = STRBUF_INIT;

		for (const char *const *a = argv; *a; a++)
			strbuf_addf(&cmd, "%s%s", a == argv ? "" : " ", *a);
		strbuf_rtrim(&err);
		ret = error("command '%s' failed (%s): %s", strbuf_str(&cmd),
			    proc_describe_status(status, how, sizeof(how)), strbuf_str(&err));
		strbuf_release(&cmd);
	}
	strbuf_release(&err);
	return ret;
}

int run_argv(int timeout_ms, const char *const *argv)
{
	return run_argv_ns(NULL, timeout_ms, argv);
}

int program_version(const char *path, const char *arg, char *out, size_t len)
{
	const char *argv[] = { path, arg, NULL };
	struct proc_spec spec = { .name = "version", .argv = argv };
	struct strbuf o = STRBUF_INIT;
	int status = 0, ret = -1;

	if (run_capture(&spec, 10000, &o, NULL, &status) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		error("'%s %s' did not run", path, arg);
	else if (tsversion_from_output(strbuf_str(&o), out, len) < 0)
		error("'%s %s' named no release: '%.*s'", path, arg,
		      (int)strcspn(strbuf_str(&o), "\n"), strbuf_str(&o));
	else
		ret = 0;
	strbuf_release(&o);
	return ret;
}
