/* SPDX-License-Identifier: ISC */
/*
 * supervisor/sweep.h
 * No process outlives tend: signal every child we have (as a subreaper,
 * every orphan our children left behind).
 */
#ifndef TEND_SWEEP_H
#define TEND_SWEEP_H

#include <stddef.h>

/* Send signo (0: only count) to every child. Returns how many there are. */
size_t sweep_children(int signo);

#endif
