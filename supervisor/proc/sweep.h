/* SPDX-License-Identifier: ISC */
/*
 * supervisor/proc/sweep.h
 * No process outlives tend: signal every child we have (as a subreaper,
 * every orphan our children left behind). And tend's own last step after
 * a stop by signal: die of that signal.
 */
#ifndef TEND_SWEEP_H
#define TEND_SWEEP_H

#include <stddef.h>
#include <sys/types.h>

/* Send signo (0: only count) to every child. Returns how many there are. */
size_t sweep_children(int signo);

/* A child sweep_children leaves alone (the guard); 0 for none. */
void sweep_spare(pid_t pid);

/*
 * The "wait and cooperative exit" convention: re-raise the signal that
 * stopped us with its default action, so our parent sees it. As PID 1 the
 * kernel ignores it; then exit 128 + signo.
 */
_Noreturn void die_of_signal(int signo);

#endif
