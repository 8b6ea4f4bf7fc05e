/* SPDX-License-Identifier: ISC */
/*
 * supervisor/watch/matches.c
 * Does a watch pattern name anything now? Walks the pattern's base
 * directory (at most WALK_MAX entries) until one path matches, so that a
 * typo in `watch` (a directory that is not there, an extension no file
 * has) is a warning at start-up instead of a build that never comes.
 */
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>

#include "glob.h"
#include "matches.h"

#define WALK_MAX 100000 /* entries; past it, assume something matches */

/* nftw has no user pointer: one walk at a time, from the loop. */
static const char *walk_pat;
static size_t walk_seen;

static int
on_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	const char *name = path + f->base;

	(void)st;
	if (path[0] == '.' && path[1] == '/')
		path += 2;
	if (++walk_seen > WALK_MAX || glob_match(walk_pat, path))
		return FTW_STOP;
	/* The big trees no one means to watch (ignore.c ignores them). */
	if (flag == FTW_D &&
	    (strcmp(name, ".git") == 0 || strcmp(name, "node_modules") == 0))
		return FTW_SKIP_SUBTREE;
	return FTW_CONTINUE;
}

bool
watch_pattern_matches(const char *pattern)
{
	char base[PATH_MAX];
	struct stat st;

	if (glob_base(pattern, base, sizeof(base)) == -1)
		return true; /* too long to say: no warning */
	if (stat(base, &st) == -1)
		return errno != ENOENT && errno != ENOTDIR;
	if (!S_ISDIR(st.st_mode))
		return glob_match(pattern, base);
	walk_pat = pattern;
	walk_seen = 0;
	return nftw(base, on_entry, 16, FTW_PHYS | FTW_ACTIONRETVAL) ==
	    FTW_STOP;
}
