/* SPDX-License-Identifier: BSD-3-Clause */
/* Fault injection for the harness's robustness checks (faults.h). */
#include "faults.h"

#include "canary.h"
#include "log.h"
#include "proc.h"
#include "runner.h"
#include "undo.h"

#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

const char *fault_for(const char *kind, const char *canary)
{
	const char *f = getenv("TSCANARY_FAULT");
	size_t n = strlen(kind);

	if (!f || strncmp(f, kind, n) || f[n] != ':' || strcmp(f + n + 1, canary))
		return NULL;
	warning("fault injection: %s", f);
	return f;
}

void fault_before_canary(struct run *r, const char *canary)
{
	if (fault_for("panic", canary))
		guest_sh(r, "echo c > /proc/sysrq-trigger", 3000, NULL);
	if (fault_for("freeze", canary) && r->qemu)
		kill(proc_pid(r->qemu), SIGSTOP); /* the whole VM stops answering */
}

int fault_hang(struct scenario *s, struct canary_outcome *out)
{
	(void)s;
	(void)out;
	while (!interrupted())
		poll(NULL, 0, 200);
	return -1;
}
