/* SPDX-License-Identifier: ISC */
/*
 * supervisor/watch/watch.h
 * A recursive inotify watcher on one ev_io: whole trees, directories that
 * appear later included, ignores applied (defaults, .gitignore files met
 * on the way down), and a lost-events overflow reported, never hidden.
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
};

/* The watcher takes ownership of ig (it adds .gitignore rules to it). */
struct watch *watch_new(
    struct ev_loop *loop, struct ignore *ig, const struct watch_ops *ops);

/*
 * Watch dir and every directory below it that is not ignored. Returns 0,
 * or -1 after printing why (ENOSPC: the watch limit, and how to raise it).
 */
int watch_add_tree(struct watch *w, const char *dir);

/* Read and deliver every event the kernel has queued now. */
void watch_poll(struct watch *w);

/*
 * The directory to watch for a --watch/`watch` pattern: its glob base, or,
 * for a file or a directory that does not exist yet, the nearest
 * directory above it that does. Returns 0, or -1 if it does not fit.
 */
int watch_pattern_dir(const char *pattern, char *out, size_t size);

/*
 * Debounce: (re)arm t to fire after wait seconds of quiet, but never later
 * than max_wait after the first event of the burst (*first).
 */
void watch_debounce(struct ev_loop *loop, ev_timer *t, ev_tstamp *first,
    double wait, double max_wait);
unsigned watch_count(const struct watch *w); /* directories watched */
void watch_quiesce(struct watch *w); /* no more events, marks freed */
void watch_free(struct watch *w);

#endif
