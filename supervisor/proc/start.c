/* SPDX-License-Identifier: ISC */
/*
 * supervisor/proc/start.c
 * The process set-up every supervising mode shares (start.h).
 */
#include <sys/prctl.h>

#include <signal.h>

#include <ev.h>

#include "log.h"
#include "start.h"

struct ev_loop *
proc_start(void)
{
	struct ev_loop *loop = ev_default_loop(EVFLAG_AUTO);

	if (loop == NULL)
		fatalx("could not initialise libev, bad $LIBEV_FLAGS in "
		       "environment?");
	/* Orphans of our children become ours: reaped, and stopped. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) == -1)
		log_warn("prctl(PR_SET_CHILD_SUBREAPER)");
	signal(SIGPIPE, SIG_IGN);
	return loop;
}
