/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TSCANARY_USERNS_H
#define TSCANARY_USERNS_H

#include <stddef.h>
#include <sys/types.h>

/*
 * The lab without root. A process that is not root enters a user namespace
 * of its own, with a network and a mount namespace: uid 0 there is the
 * user outside, and holds every capability over the namespaces it creates
 * (veths, bridges, taps, nftables, their sysctls). Everything it writes is
 * owned by the user. What the machine must give: unprivileged user
 * namespaces, and /dev/net/tun read-write for the user (a tap is made
 * through it). QEMU runs under TCG there.
 */

/* What a process should do about the lab's privileges. */
enum userns_plan {
	USERNS_AS_IS, /* it has CAP_NET_ADMIN and CAP_SYS_ADMIN, or is root without them */
	USERNS_ENTER, /* not root: the lab runs in a user namespace of its own */
};

/* Pure: the plan for a process with these capabilities and effective uid. */
enum userns_plan userns_plan_for(int capable, uid_t euid);

/* "0 ID 1\n": uid 0 (gid 0) inside is id outside, alone. -1 if len is too small. */
int userns_map_line(char *buf, size_t len, unsigned long id);

/* Pure: does this /proc/self/uid_map text map every uid to itself (the machine's own)? */
int userns_map_is_initial(const char *uid_map);

/*
 * Enter a user namespace (with network and mount namespaces) when the plan
 * says so; the process must not have threads yet. /run becomes a tmpfs
 * (for ip netns) holding what the machine's /run held, netns aside.
 * 0: entered or not needed; -1 with an error naming both ways out.
 */
int userns_enter(void);

/* 1 once userns_enter() has entered a user namespace. */
int userns_active(void);

/* Root of the machine: euid 0 in its own user namespace, not in one made for a user. */
int userns_really_root(void);

#endif
