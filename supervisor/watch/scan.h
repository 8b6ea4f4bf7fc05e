/* SPDX-License-Identifier: ISC */
/*
 * supervisor/watch/scan.h
 * A scan of one polled tree into a snapshot (snap.h), resumable: run it
 * until a deadline, then again, until it says it is done. The last scan
 * of the same tree lets it skip the ignore rules for entries it knew.
 * Used by poll.c only.
 */
#ifndef TEND_SCAN_H
#define TEND_SCAN_H

#include <dirent.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ignore.h"
#include "snap.h"

struct scan {
	struct snap next; /* what this scan has seen so far */
	bool cut; /* stopped at the cap: part of the tree is unknown */
	uint32_t at; /* next entry of next to look at */
	uint32_t dir; /* the directory being read, or UINT32_MAX */
	DIR *d;
	uint32_t twin; /* dir's entry in the last scan, or UINT32_MAX */
	uint32_t tk; /* merge cursor in twin's entries */
	char *nbuf; /* dir's names, back to back */
	size_t nlen, ncap;
	uint32_t *noff; /* their offsets, sorted by name */
	size_t nn, nncap, k; /* how many, room, the next to stat */
	char path[PATH_MAX]; /* dir's path ("" for the root ".") */
	size_t plen;
};

void scan_init(struct scan *sc);
void scan_free(struct scan *sc); /* and initialised again */

/* Begin a scan of root (cleaned). -1 on ENOMEM. */
int scan_start(struct scan *sc, const char *root, const struct ignore *ig);

/*
 * Scan until done (true: the snapshot is sc->next; sc->cut if it
 * stopped at cap entries) or until the monotonic clock passes deadline
 * (false: call again). old is the last scan of the same tree (may be
 * empty). Reads .gitignore files into ig as it meets them changed.
 */
bool scan_run(struct scan *sc, const struct snap *old, struct ignore *ig,
    uint32_t cap, double deadline);

double scan_clock(void); /* CLOCK_MONOTONIC, in seconds */

#endif
