/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What a run leaves for the reader of a failure: a pcap per lab bridge,
 * every node's status and headscale's node list in logs/ (on a failure,
 * both ends' netcheck too), and with --keep the lab itself, held up until
 * Ctrl-C with the commands that enter it.
 */
#ifndef TSCANARY_BUNDLE_H
#define TSCANARY_BUNDLE_H

struct run;

/* Start capturing on the lab's bridges into logs/pcap/ (warned when not). */
void start_captures(struct run *r);
/* A passing run keeps no captures: they only serve a failure's reader. */
void drop_captures(struct run *r);
/* Every side's status into logs/; with failed, the netchecks too. */
void save_status(struct run *r, int failed);
/* --keep: say how to enter the lab, then wait for a signal. */
void keep_until_interrupted(struct run *r);

#endif
