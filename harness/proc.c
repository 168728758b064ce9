/* SPDX-License-Identifier: BSD-3-Clause */
#include "proc.h"

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
		warning("'%s' (pid %d) ignored SIGTERM for %d ms: killing it",
			p->name, (int)p->pid, grace_ms);
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

int run_capture(const struct proc_spec *spec, int timeout_ms,
		struct strbuf *out, struct strbuf *err, int *status)
{
	int po[2], pe[2], oopen = 1, eopen = 1, ret = 0;
	long deadline = mono_ms() + timeout_ms;
	struct proc *p;

	if (pipe2(po, O_CLOEXEC) < 0)
		return error_errno("cannot create pipe");
	if (pipe2(pe, O_CLOEXEC) < 0) {
		close(po[0]);
		close(po[1]);
		return error_errno("cannot create pipe");
	}
	p = spawn(spec, po[1], pe[1]);
	close(po[1]);
	close(pe[1]);
	if (!p) {
		close(po[0]);
		close(pe[0]);
		return -1;
	}
	while (oopen || eopen) {
		struct pollfd pfd[2] = {
			{ .fd = oopen ? po[0] : -1, .events = POLLIN },
			{ .fd = eopen ? pe[0] : -1, .events = POLLIN },
		};
		long left = deadline - mono_ms();

		if (left <= 0 || interrupted())
			break;
		if (poll(pfd, 2, (int)(left > 200 ? 200 : left)) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[0].revents)
			drain(po[0], out, &oopen);
		if (pfd[1].revents)
			drain(pe[0], err, &eopen);
	}
	close(po[0]);
	close(pe[0]);
	if (oopen || eopen) {
		/* timed out or interrupted with output still open */
		kill(-p->pid, SIGKILL);
		reap(p, 0);
		if (interrupted())
			ret = error("'%s' interrupted by signal %d", p->name, interrupt_signal());
		else
			ret = error("'%s' timed out after %d ms", p->name, timeout_ms);
	} else {
		long left = deadline - mono_ms();

		if (proc_wait(p, left > 0 ? (int)left : 0, NULL) != 0) {
			kill(-p->pid, SIGKILL);
			reap(p, 0);
			ret = error("'%s' timed out after %d ms", p->name, timeout_ms);
		}
	}
	if (status)
		*status = p->status;
	free_proc(p);
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
