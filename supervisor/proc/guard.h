/* SPDX-License-Identifier: ISC */
/*
 * supervisor/proc/guard.h
 * The dead man's switch: a small forked child that outlives a SIGKILL of
 * tend just long enough to kill the process groups of the jobs that were
 * running. PR_SET_PDEATHSIG takes a job's main process along; the guard
 * takes the rest of its group (a dev server's workers, a shell's pipeline).
 */
#ifndef TEND_GUARD_H
#define TEND_GUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <ev.h>

struct guard {
	struct ev_loop *loop;
	pid_t pid; /* the guard process, 0 when there is none */
	int fd; /* write end of its pipe, -1 when there is none */
	ev_child child;
	ev_timer delay; /* guard_start with a delay: when to fork */
	pid_t *groups; /* what it was told, to tell a restarted guard again */
	size_t ngroups, cap;
	bool warned; /* a failure to reach it was reported once */
};

/*
 * Forks the guard, now or after delay seconds. Returns -1 (with a warning:
 * tend runs unguarded) when it cannot. Groups watched meanwhile are told
 * to it when it starts.
 */
int guard_start(struct guard *g, struct ev_loop *loop, double delay);

/* A job's process group started, or is gone: the guard kills only these. */
void guard_watch(struct guard *g, pid_t pgid);
void guard_forget(struct guard *g, pid_t pgid);

/* tend's normal end: the guard goes without killing anything. */
void guard_stop(struct guard *g);

#endif
