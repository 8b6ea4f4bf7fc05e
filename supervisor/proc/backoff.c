/* SPDX-License-Identifier: ISC */
/*
 * supervisor/proc/backoff.c
 * The restart delay and the crash-loop breaker (backoff.h).
 */
#include "backoff.h"

void
backoff_reset(struct backoff *b)
{
	b->next_s = BACKOFF_MIN;
	b->fast_fails = 0;
}

double
backoff_after(
    struct backoff *b, double up, bool failed, bool now, unsigned limit)
{
	double delay;

	/* It stayed up a while: this is a new failure, not a crash loop. */
	if (up >= BACKOFF_STABLE)
		backoff_reset(b);
	else if (failed && !now)
		b->fast_fails++;
	if (limit > 0 && b->fast_fails >= limit)
		return -1;
	delay = now ? 0 : b->next_s;
	b->next_s = delay * 2 < BACKOFF_MIN ? BACKOFF_MIN
	    : delay * 2 > BACKOFF_MAX       ? BACKOFF_MAX
	                                    : delay * 2;
	return delay;
}
