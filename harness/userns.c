/* SPDX-License-Identifier: BSD-3-Clause */
#include "userns.h"

#include "lab.h"
#include "log.h"
#include "strbuf.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <pwd.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static int entered;

enum userns_plan userns_plan_for(int capable, uid_t euid)
{
	/* root without the capabilities was limited on purpose: preflight says so */
	return capable || euid == 0 ? USERNS_AS_IS : USERNS_ENTER;
}

int userns_map_line(char *buf, size_t len, unsigned long id)
{
	int n = snprintf(buf, len, "0 %lu 1\n", id);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}

int userns_map_is_initial(const char *uid_map)
{
	unsigned long inside, outside, count;
	int used = 0;

	if (sscanf(uid_map, " %lu %lu %lu %n", &inside, &outside, &count, &used) != 3)
		return 0;
	return inside == 0 && outside == 0 && count == 4294967295UL && uid_map[used] == '\0';
}

int userns_active(void)
{
	return entered;
}

int userns_really_root(void)
{
	struct strbuf map = STRBUF_INIT;
	int ret;

	if (geteuid() != 0 || entered)
		return 0;
	ret = strbuf_read_file(&map, "/proc/self/uid_map") == 0 &&
	      userns_map_is_initial(strbuf_str(&map));
	strbuf_release(&map);
	return ret;
}

/* Why a user cannot run the lab here, with both ways out, on one line. */
static int refuse(uid_t uid, const char *why, int err)
{
	struct passwd *pw = getpwuid(uid);
	char id[32];

	snprintf(id, sizeof(id), "%lu", (unsigned long)uid);
	return error("not root, and %s (uid %lu) %s: %s; run as root, or allow unprivileged user "
		     "namespaces and give this user read-write access to /dev/net/tun (e.g. "
		     "setfacl -m u:%s:rw /dev/net/tun)",
		     pw ? pw->pw_name : "this user", (unsigned long)uid, why, strerror(err),
		     pw ? pw->pw_name : id);
}

static int write_proc(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	size_t len = strlen(text);

	if (fd < 0)
		return error_errno("cannot open '%s'", path);
	if (write(fd, text, len) != (ssize_t)len) {
		error_errno("cannot write '%s' to '%s'", text, path);
		close(fd);
		return -1;
	}
	return close(fd) < 0 ? error_errno("cannot write '%s'", path) : 0;
}

static int map_ids(uid_t uid, gid_t gid)
{
	char line[64];

	/* an unprivileged map needs setgroups denied first */
	if (write_proc("/proc/self/setgroups", "deny") < 0 ||
	    userns_map_line(line, sizeof(line), uid) < 0 ||
	    write_proc("/proc/self/uid_map", line) < 0 ||
	    userns_map_line(line, sizeof(line), gid) < 0 ||
	    write_proc("/proc/self/gid_map", line) < 0)
		return -1;
	return 0;
}

/* The new network namespace's loopback up, as the machine's is. */
static int loopback_up(void)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int ret = 0;

	if (fd < 0)
		return error_errno("cannot open a socket");
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		ret = error_errno("cannot read the flags of lo");
	ifr.ifr_flags |= IFF_UP;
	if (!ret && ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		ret = error_errno("cannot bring lo up");
	close(fd);
	return ret;
}

/* One entry of the machine's /run (in old), back in the new /run. */
static void keep_run_entry(int old, const char *name)
{
	char *to = xasprintf("/run/%s", name);
	char *from = xasprintf("/proc/self/fd/%d/%s", old, name);
	struct stat st;
	int fd;

	if (fstatat(old, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		debug("userns: /run/%s: %s", name, strerror(errno));
	} else if (S_ISLNK(st.st_mode)) {
		char target[4096];
		ssize_t n = readlinkat(old, name, target, sizeof(target) - 1);

		target[n > 0 ? n : 0] = '\0';
		if (n <= 0 || symlink(target, to) < 0)
			debug("userns: cannot keep the link /run/%s", name);
	} else {
		if (S_ISDIR(st.st_mode))
			fd = mkdir(to, st.st_mode & 07777);
		else
			fd = mknod(to, S_IFREG | 0600, 0);
		/* a mount the user may not separate from its children stays hidden */
		if (fd < 0 || mount(from, to, NULL, MS_BIND | MS_REC, NULL) < 0)
			debug("userns: cannot keep /run/%s: %s", name, strerror(errno));
	}
	free(to);
	free(from);
}

/*
 * ip netns keeps its namespaces under /run/netns, which the user may not
 * write: a tmpfs on /run takes the lab's, and everything else the machine
 * keeps there (the resolver's files, sockets, the user's runtime dir) is
 * bound back in.
 */
static int private_run(void)
{
	int old = open("/run", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *dir;
	struct dirent *e;

	if (old < 0)
		return error_errno("cannot open /run");
	if (mount("tscanary-run", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0) {
		close(old);
		return error_errno("cannot mount a tmpfs on /run in the mount namespace");
	}
	dir = fdopendir(dup(old));
	if (!dir) {
		close(old);
		return error_errno("cannot read the machine's /run");
	}
	while ((e = readdir(dir)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && strcmp(e->d_name, "netns"))
			keep_run_entry(old, e->d_name);
	closedir(dir);
	close(old);
	if (mkdir("/run/netns", 0755) < 0)
		return error_errno("cannot create /run/netns");
	return 0;
}

int userns_enter(void)
{
	uid_t uid = geteuid();
	gid_t gid = getegid(); /* unmapped ids read as the overflow id once inside */
	int capable = lab_capable(), fd;

	if (capable < 0)
		return -1;
	if (entered || userns_plan_for(capable, uid) == USERNS_AS_IS)
		return 0;
	/* the tap is made through it, with the user's own rights */
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return refuse(uid, "cannot open /dev/net/tun read-write", errno);
	close(fd);
	if (unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET) < 0)
		return refuse(uid,
			      "cannot make a user namespace (refused by "
			      "user.max_user_namespaces, kernel.unprivileged_userns_clone or a "
			      "seccomp profile?)",
			      errno);
	if (map_ids(uid, gid) < 0)
		return error("cannot map uid %lu into its user namespace", (unsigned long)uid);
	if (mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return error_errno("cannot make the mounts private in the user namespace");
	if (private_run() < 0 || loopback_up() < 0)
		return -1;
	entered = 1;
	progress("userns",
		 "not root: running the lab in a user namespace (uid %lu); "
		 "QEMU under TCG",
		 (unsigned long)uid);
	return 0;
}
