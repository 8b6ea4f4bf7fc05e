/* SPDX-License-Identifier: ISC */
/*
 * supervisor/watch/scan.c
 * One scan of a polled tree into a snapshot (scan.h): breadth first, each
 * directory's names read and sorted, then fstatat(2) on each, relative to
 * the directory's fd, and the watcher's ignore rules. Resumable between
 * any two entries, so poll.c can give the loop its turn.
 *
 * An entry seen in the last scan under the same ignore rules is not
 * matched against them again: the rules are the costly part of a scan
 * after stat(2) (a directory's .gitignore rules for every parent of every
 * path), and they only change when a .gitignore does, which the scan
 * notices by its stamp and reads again before judging its directory.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "scan.h"

#define SCAN_MAX_DEPTH 64 /* as watch.c's MAX_DEPTH */
#define NONE UINT32_MAX

double
scan_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
close_dir(struct scan *sc)
{
	if (sc->d != NULL)
		closedir(sc->d);
	sc->d = NULL;
	sc->dir = NONE;
}

static int
cmp_name(const void *a, const void *b, void *buf)
{
	return strcmp((const char *)buf + *(const uint32_t *)a,
	    (const char *)buf + *(const uint32_t *)b);
}

static int
keep_name(struct scan *sc, const char *name)
{
	size_t len = strlen(name) + 1;

	if (sc->nlen + len > UINT32_MAX)
		return -1;
	if (sc->nlen + len > sc->ncap) {
		size_t cap = sc->ncap ? sc->ncap * 2 : 4096;
		char *b;
		while (cap < sc->nlen + len)
			cap *= 2;
		if ((b = realloc(sc->nbuf, cap)) == NULL)
			return -1;
		sc->nbuf = b;
		sc->ncap = cap;
	}
	if (sc->nn == sc->nncap) {
		size_t cap = sc->nncap ? sc->nncap * 2 : 256;
		uint32_t *o = realloc(sc->noff, cap * sizeof(*o));
		if (o == NULL)
			return -1;
		sc->noff = o;
		sc->nncap = cap;
	}
	memcpy(sc->nbuf + sc->nlen, name, len);
	sc->noff[sc->nn++] = (uint32_t)sc->nlen;
	sc->nlen += len;
	return 0;
}

/* The entry of next's directory i in the last scan, or NONE. */
static uint32_t
twin_of(const struct snap *old, const struct snap *next, uint32_t i)
{
	uint32_t t;

	if (old->n == 0)
		return NONE;
	if (i == 0)
		return 0;
	if ((t = twin_of(old, next, next->v[i].parent)) == NONE)
		return NONE;
	return snap_find(old, t, snap_name(next, i));
}

/*
 * dir/name into the scan's path buffer, after dir's path (plen 0: the
 * root "."; the watcher's paths have no "./").
 */
static const char *
entry_path(struct scan *sc, const char *name)
{
	size_t len = sc->plen, n = strlen(name);

	if (len > 0)
		sc->path[len++] = '/';
	if (len + n + 1 > sizeof(sc->path)) {
		sc->path[sc->plen] = '\0';
		return NULL;
	}
	memcpy(sc->path + len, name, n + 1);
	return sc->path;
}

/* A changed .gitignore is read again before the entries are judged. */
static void
reload_gitignore(struct ignore *ig, struct scan *sc, const struct snap *old)
{
	uint32_t key = NONE, g;
	struct stat st;

	for (size_t i = 0; i < sc->nn && key == NONE; i++)
		if (strcmp(sc->nbuf + sc->noff[i], ".gitignore") == 0)
			key = (uint32_t)i;
	if (key == NONE ||
	    fstatat(dirfd(sc->d), ".gitignore", &st, AT_SYMLINK_NOFOLLOW) == -1)
		return;
	g = sc->twin == NONE ? NONE : snap_find(old, sc->twin, ".gitignore");
	if (g != NONE && old->v[g].stamp == snap_stamp(&st))
		return;
	sc->path[sc->plen] = '\0';
	if (ignore_load_gitignore(ig, sc->plen ? sc->path : ".") == -1)
		log_warn("%s/.gitignore", sc->plen ? sc->path : ".");
}

/*
 * Start reading directory i of next: its names, sorted; no more than cap
 * of them (the room left: memory stays bounded), else it is cut.
 */
static void
open_dir(struct ignore *ig, struct scan *sc, const struct snap *old, uint32_t i,
    uint32_t cap)
{
	struct dirent *de;
	unsigned depth;
	int len, fd;

	len = snap_path(&sc->next, i, sc->path, sizeof(sc->path), &depth);
	if (len < 0 || depth > SCAN_MAX_DEPTH)
		return; /* stays SNAP_UNREAD */
	fd = open(sc->path,
	    O_RDONLY | O_DIRECTORY | O_CLOEXEC | (i > 0 ? O_NOFOLLOW : 0));
	if (fd == -1 && i == 0 && (errno == ENOENT || errno == ENOTDIR)) {
		sc->next.n = 0; /* the tree itself is gone */
		sc->next.ndirs = 0;
		return;
	}
	if (fd == -1 || (sc->d = fdopendir(fd)) == NULL) {
		if (fd != -1)
			close(fd);
		return;
	}
	sc->nn = sc->nlen = sc->k = 0;
	while ((de = readdir(sc->d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (sc->nn >= cap || keep_name(sc, de->d_name) == -1) {
			close_dir(sc);
			sc->cut = true;
			return;
		}
	}
	if (sc->nn > 1) /* an empty directory may have no array at all */
		qsort_r(
		    sc->noff, sc->nn, sizeof(*sc->noff), cmp_name, sc->nbuf);
	sc->plen = strcmp(sc->path, ".") == 0 ? 0 : (size_t)len;
	sc->dir = i;
	/* Its entries last time, if it was a directory read then. */
	sc->twin = twin_of(old, &sc->next, i);
	if (sc->twin != NONE &&
	    (old->v[sc->twin].nkids == SNAP_FILE ||
	        old->v[sc->twin].nkids == SNAP_UNREAD))
		sc->twin = NONE;
	sc->tk = sc->twin == NONE ? 0 : old->v[sc->twin].kids;
	reload_gitignore(ig, sc, old);
	snap_open(&sc->next, i);
}

/*
 * stat one entry of the directory being read and keep it unless ignored.
 * Returns -1 when the snapshot is full.
 */
static int
read_entry(const struct ignore *ig, struct scan *sc, const struct snap *old,
    uint32_t cap)
{
	const char *name = sc->nbuf + sc->noff[sc->k++], *path;
	bool is_dir, known = false;
	struct stat st;

	if (fstatat(dirfd(sc->d), name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return 0; /* gone since readdir: not there */
	is_dir = S_ISDIR(st.st_mode);
	/* Judged under these very rules last time: still not ignored. */
	if (sc->twin != NONE && old->gen == ignore_generation(ig)) {
		uint32_t end = old->v[sc->twin].kids + old->v[sc->twin].nkids;
		while (sc->tk < end && strcmp(snap_name(old, sc->tk), name) < 0)
			sc->tk++;
		known = sc->tk < end &&
		    strcmp(snap_name(old, sc->tk), name) == 0 &&
		    snap_is_dir(old, sc->tk) == is_dir;
	}
	if (!known) {
		if ((path = entry_path(sc, name)) == NULL ||
		    ignore_match(ig, path, is_dir))
			return 0;
	}
	if (sc->next.n >= cap || snap_add(&sc->next, sc->dir, name, &st) == -1)
		return -1;
	return 0;
}

void
scan_init(struct scan *sc)
{
	memset(sc, 0, sizeof(*sc));
	sc->dir = NONE;
	snap_init(&sc->next);
}

void
scan_free(struct scan *sc)
{
	close_dir(sc);
	snap_free(&sc->next);
	free(sc->nbuf);
	free(sc->noff);
	scan_init(sc);
}

int
scan_start(struct scan *sc, const char *root, const struct ignore *ig)
{
	close_dir(sc);
	sc->cut = false;
	sc->at = 0;
	if (snap_root(&sc->next, root) == -1)
		return -1;
	/* Rules a .gitignore changes during the scan: all again next time. */
	sc->next.gen = ignore_generation(ig);
	return 0;
}

bool
scan_run(struct scan *sc, const struct snap *old, struct ignore *ig,
    uint32_t cap, double deadline)
{
	unsigned tick = 0;

	for (;;) {
		if (++tick % 8 == 0 && scan_clock() > deadline)
			return false;
		if (sc->d != NULL) {
			if (sc->k == sc->nn)
				close_dir(sc);
			else if (read_entry(ig, sc, old, cap) == -1) {
				/* Full: what is not read stays unknown. */
				snap_unread(&sc->next, sc->dir);
				close_dir(sc);
				sc->at = sc->next.n;
				sc->cut = true;
			}
			continue;
		}
		while (sc->at < sc->next.n &&
		    sc->next.v[sc->at].nkids != SNAP_UNREAD)
			sc->at++;
		if (sc->at >= sc->next.n)
			break;
		open_dir(ig, sc, old, sc->at++,
		    sc->next.n < cap ? cap - sc->next.n : 0);
	}
	close_dir(sc);
	return true;
}
