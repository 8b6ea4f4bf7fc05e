/* SPDX-License-Identifier: ISC */
/*
 * supervisor/proc/backoff.h
 * When to run a command again after it ended, shared by a service's
 * restart policy (jobs/restart.c) and `tend exec --restart-on-failure`:
 * the delay doubles from BACKOFF_MIN to BACKOFF_MAX and resets once a run
 * lasted BACKOFF_STABLE; `limit` fast failures in a row give up. Pure
 * arithmetic: the caller arms its own timer.
 */
#ifndef TEND_BACKOFF_H
#define TEND_BACKOFF_H

#include <stdbool.h>

#define BACKOFF_MIN 0.1 /* s: the first restart after a failure */
#define BACKOFF_MAX 10.0 /* s: the delay doubles up to this */
#define BACKOFF_STABLE 10.0 /* s: a run this long starts afresh */

struct backoff {
	double next_s; /* the delay the next restart waits */
	unsigned fast_fails; /* in a row, each within BACKOFF_STABLE */
};

void backoff_reset(struct backoff *b);

/*
 * A run that lasted up seconds ended. failed: it counts as a failure;
 * now: restart at once (asked for, not a crash). Returns the delay before
 * the next run, or -1 when limit (0: none) fast failures in a row say to
 * give up.
 */
double backoff_after(
    struct backoff *b, double up, bool failed, bool now, unsigned limit);

#endif
