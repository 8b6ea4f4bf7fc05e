/* SPDX-License-Identifier: ISC */
/*
 * supervisor/watch/watch.h
 * A recursive inotify watcher on one ev_io: whole trees, directories that
 * appear later included, ignores applied (defaults, .gitignore files met
 * on the way down), and a lost-events overflow reported, never hidden.
 * Trees inotify is blind to (network and FUSE filesystems), or all when
 * asked, are polled instead (poll.h), with the same reports.
 */
#ifndef TEND_WATCH_H
#define TEND_WATCH_H

#include <stdbool.h>
#include <stddef.h>

#include <ev.h>

#include "ignore.h"

struct watch;

struct watch_ops {
	/*
	 * path: relative to the cwd, cleaned. is_dir: a directory moved in,
	 * moved out or deleted (one created is not reported: its files are).
	 */
	void (*changed)(void *arg, const char *path, bool is_dir);
	/* The kernel dropped events (IN_Q_OVERFLOW); the trees were rescanned.
	 */
	void (*overflow)(void *arg);
	void *arg;
	/*
	 * Where the watcher says what it does (a tree polled, and why):
	 * log_info when NULL; tend exec gives log_warnx (stdout is the
	 * command's).
	 */
	void (*say)(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
};

/* The watcher takes ownership of ig (it adds .gitignore rules to it). */
struct watch *watch_new(
    struct ev_loop *loop, struct ignore *ig, const struct watch_ops *ops);

/*
 * Poll every tree every ms milliseconds instead of using inotify
 * (watch.poll_ms, --poll: why names the setting in the line that says
 * so). Before the first watch_add_tree; 0 (the default): inotify, and
 * polling every POLL_DEFAULT_MS only the trees on a filesystem that does
 * not report changes to it (NFS, SMB, 9p, FUSE...: statfs(2)).
 */
void watch_force_poll(struct watch *w, unsigned ms, const char *why);

/*
 * Watch dir and every directory below it that is not ignored. Returns 0,
 * or -1 after printing why (ENOSPC: the watch limit, and how to raise it).
 */
int watch_add_tree(struct watch *w, const char *dir);

/*
 * Deliver every event the kernel has queued now, and scan the polled
 * trees to the end (a run ended: what it wrote belongs to it).
 */
void watch_poll(struct watch *w);

/*
 * The directory to watch for a --watch/`watch` pattern: its glob base, or,
 * for a file or a directory that does not exist yet, the nearest
 * directory above it that does. Returns 0, or -1 if it does not fit.
 */
int watch_pattern_dir(const char *pattern, char *out, size_t size);

/*
 * Debounce: (re)arm t to fire after wait seconds of quiet, but never later
 * than max_wait after the first event of the burst (*first). Called from
 * w's callback. A change a poll found waits at least until the next
 * scan can tell whether the burst goes on (both bounds grow for it).
 */
void watch_debounce(struct watch *w, ev_timer *t, ev_tstamp *first, double wait,
    double max_wait);
unsigned watch_count(const struct watch *w); /* directories watched */
/* No more events, marks freed, polling stopped. */
void watch_quiesce(struct watch *w);
void watch_free(struct watch *w);

#endif
