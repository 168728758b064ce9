/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TSCANARY_FLASH_H
#define TSCANARY_FLASH_H

/*
 * The router's flash as the flash-writes canary judges it (pure: no guest,
 * no process): which block device the state dir lives on, and what the
 * state dir may hold. The guest gives the raw text (`stat -c %d`,
 * /sys/block/<dev>/dev, `find -exec stat`); these functions decide.
 */

#include <stddef.h>

#include "strbuf.h"

/* Where the image keeps tailscaled's state: the router's flash (image-config). */
#define FLASH_STATE_DIR "/var/lib/tailscale"

/* The files tailscaled may keep in its state dir, NULL-terminated. */
extern const char *const flash_allowed_files[];

/* Parse a /sys/block/<dev>/dev line ("254:0\n") into major and minor; 0 or -1. */
int flash_parse_devnum(const char *text, unsigned *major, unsigned *minor);
/*
 * Parse `stat -c %d` output (the st_dev of a path, decimal) and say whether
 * it is the device major:minor: 1 yes, 0 no (its own major:minor then in
 * *got_major, *got_minor), -1 when text is not a number.
 */
int flash_dev_matches(const char *text, unsigned major, unsigned minor, unsigned *got_major,
		      unsigned *got_minor);
/*
 * Judge a listing of dir below its top: one entry a line, "SIZE PATH" with
 * PATH starting "dir/" (`find DIR -mindepth 1 -exec stat -c '%s %n' {} +`),
 * nested entries included. Every entry that is not one of
 * flash_allowed_files directly in dir is appended to unexpected, one a
 * line. *has_state says whether tailscaled.state is there. Returns the
 * number of unexpected entries, -1 on a line of another form.
 */
int flash_judge_listing(const char *listing, const char *dir, struct strbuf *unexpected,
			int *has_state);
/*
 * Read `tailscale dns query --json NAME` output (the router's own resolver,
 * asked through the LocalAPI): its ResponseCode ("RCodeSuccess", ...) into
 * rcode and its answers' data, comma-separated, into answers. 0 or -1.
 */
int flash_parse_dns_query(const char *json, size_t len, struct strbuf *rcode,
			  struct strbuf *answers);
/*
 * Sectors written between two /sys/block/<dev>/stat readings (their write
 * sector fields): after - before, or -1 if the counter went backwards.
 */
long long flash_sectors_delta(unsigned long long before, unsigned long long after);

#endif
