/* SPDX-License-Identifier: ISC */
/*
 * supervisor/watch/poll.h
 * Watching by polling, for the trees inotify sees nothing in (a network
 * or FUSE filesystem changed from elsewhere) or every tree when asked
 * (watch.poll_ms, --poll): each poll compares a new snapshot of a tree
 * with the last one (snap.h) and reports the differences as the inotify
 * watcher reports events. The scans run on a libev timer, a few ms at a
 * time, so the loop keeps answering. Used by watch.c only.
 */
#ifndef TEND_POLL_H
#define TEND_POLL_H

#include <stdbool.h>

#include <ev.h>

#include "ignore.h"
#include "snap.h"

/*
 * The interval when a filesystem forces polling. A save shows up within
 * half a second, about when a person has turned to the browser; a tree of
 * 5,000 files costs about 10 ms of stat(2) a scan here, 2-3% of a core
 * (bench/poll-cost); and
 * an NFS client's attribute cache (acregmin: 3 s by default) keeps a
 * faster poll from seeing a remote change sooner anyway.
 */
#define POLL_DEFAULT_MS 500

struct poller;

/* printf-like: log_info in dev mode, log_warnx (stderr) in tend exec. */
typedef void poll_say_fn(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/*
 * A poller of trees every ms milliseconds, reporting through fn with the
 * ignore rules ig (not owned: the watcher's).
 */
struct poller *poller_new(struct ev_loop *loop, struct ignore *ig, unsigned ms,
    snap_report_fn fn, void *arg, poll_say_fn *say);

/*
 * Poll the tree dir from now on: scanned once at once (the baseline),
 * then on the timer. why ends the line that says so ("watching DIR by
 * polling every N ms" why). A tree inside one already polled is
 * nothing new; one that holds trees already polled replaces them.
 * Returns 0 or -1 (ENOMEM).
 */
int poller_add(struct poller *p, const char *dir, const char *why);

/* Is dir polled already (inside a polled tree)? */
bool poller_covers(const struct poller *p, const char *dir);

/* Scan every tree to the end now (a run ended: its writes count). */
void poller_scan_now(struct poller *p);

/* Is the poller reporting a difference right now (inside fn)? */
bool poller_reporting(const struct poller *p);

/*
 * Seconds until a scan after this one can say whether a burst is over:
 * a debounce of changes found by polling must wait at least that long.
 */
double poller_settle(const struct poller *p);

/* A debounce waits until then: scan often enough to extend it. */
void poller_hold(struct poller *p, ev_tstamp until);

unsigned poller_dirs(const struct poller *p); /* directories polled */
void poller_quiesce(struct poller *p); /* no more scans; memory freed */
void poller_free(struct poller *p); /* NULL-safe */

/*
 * The name of a filesystem (statfs f_type) whose changes made elsewhere
 * inotify does not report, or NULL if it does.
 */
const char *poll_fs_blind(unsigned long f_type);

#endif
