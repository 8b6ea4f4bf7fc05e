/* SPDX-License-Identifier: ISC */
/*
 * supervisor/proc/start.h
 * What every supervising mode (dev, run, exec) does first to its own
 * process: one libev loop, subreaper for the orphans of its children,
 * SIGPIPE ignored (a closed pipe or socket is an error to handle, not a
 * death).
 */
#ifndef TEND_START_H
#define TEND_START_H

#include <ev.h>

/* Never returns NULL: a loop that cannot start is fatal. */
struct ev_loop *proc_start(void);

#endif
