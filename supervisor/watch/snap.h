/* SPDX-License-Identifier: ISC */
/*
 * supervisor/watch/snap.h
 * What one poll saw of a tree, and what changed between two polls. A
 * snapshot lists the tree breadth first: the root, then each directory's
 * entries together, sorted by name (strcmp), so two snapshots compare
 * directory by directory as a merge of sorted lists. A file is kept as a
 * 64-bit stamp of its inode, size, type and times to the nanosecond; the
 * path is its names joined from the root. Pure data: no I/O (poll.c
 * scans the disk into one).
 */
#ifndef TEND_SNAP_H
#define TEND_SNAP_H

#include <sys/stat.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SNAP_FILE UINT32_MAX /* nkids of a file (anything not a dir) */
#define SNAP_UNREAD (UINT32_MAX - 1) /* of a directory not read */

struct snap_ent {
	uint64_t stamp; /* a file: snap_stamp(); a directory: 0 */
	uint32_t name; /* offset in names; the root's name is its path */
	uint32_t parent; /* index of its directory (the root: 0) */
	uint32_t kids; /* a directory read: index of its first entry */
	uint32_t nkids; /* how many, or SNAP_FILE, or SNAP_UNREAD */
};

struct snap {
	struct snap_ent *v; /* v[0] is the root; n == 0: no root */
	uint32_t n, cap;
	char *names; /* NUL-terminated names, back to back */
	size_t nlen, ncap;
	uint32_t ndirs;
	unsigned long gen; /* ignore rules it was scanned under */
};

/* Called for each difference: path relative to the cwd, cleaned. */
typedef void (*snap_report_fn)(void *arg, const char *path, bool is_dir);

void snap_init(struct snap *s);
void snap_free(struct snap *s); /* and empty again */
void snap_swap(struct snap *a, struct snap *b);

/*
 * What decides that a file changed: inode, size, type, mtime and ctime
 * (seconds and nanoseconds). Two saves in the same second with the same
 * size differ in their nanoseconds or, saved by rename, in the inode.
 */
uint64_t snap_stamp(const struct stat *st);

/*
 * Building, breadth first: snap_root (the tree's top, a directory), then
 * for each directory in index order, snap_open and its entries sorted by
 * name. A directory never opened stays SNAP_UNREAD: unknown, so neither
 * it nor what is below it is compared. Return -1 on ENOMEM.
 */
int snap_root(struct snap *s, const char *path);
void snap_open(struct snap *s, uint32_t dir);
int snap_add(
    struct snap *s, uint32_t dir, const char *name, const struct stat *st);
void snap_unread(struct snap *s, uint32_t dir); /* abandon a partial one */

static inline bool
snap_is_dir(const struct snap *s, uint32_t i)
{
	return s->v[i].nkids != SNAP_FILE;
}

static inline const char *
snap_name(const struct snap *s, uint32_t i)
{
	return s->names + s->v[i].name;
}

/* The entry named name in directory dir (read), or UINT32_MAX. */
uint32_t snap_find(const struct snap *s, uint32_t dir, const char *name);

/*
 * The path of entry i (the root's path, joined with each name below it)
 * into buf; -1 if it does not fit. Also its depth below the root.
 */
int snap_path(
    const struct snap *s, uint32_t i, char *buf, size_t size, unsigned *depth);

/*
 * Report every difference from old to new, in path order: a file created,
 * changed (another stamp) or deleted; a directory gone, once, for itself
 * and what was in it (as inotify reports one moved away: is_dir); a new
 * directory's files, but not the directory (one created is no change; its
 * files are). A file that became a directory or back is both. Returns the
 * number of reports.
 */
size_t snap_diff(const struct snap *old, const struct snap *new,
    snap_report_fn fn, void *arg);

#endif
