/* SPDX-License-Identifier: ISC */
/*
 * supervisor/watch/transient.c
 * Files that editors and tools write only to rename or delete them at
 * once: an atomic save's temporary (`.x.tmp123`, JetBrains'
 * `x___jb_tmp___`, vim's `4913` and `.x.swp`, emacs' `.#x`). Once gone,
 * such a file is no change to report: it is dropped from the changed
 * list and TEND_CHANGED. A temporary still there is reported as any file.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fnmatch.h>
#include <string.h>

#include "transient.h"

static const char *const temp_names[] = {
    ".*.tmp*",
    "*.tmp",
    "*.tmp.*",
    "*___jb_tmp___",
    "*___jb_old___",
    "*~",
    ".#*",
    "#*#",
    ".*.sw?",
    "4913",
    ".goutputstream-*",
    "*.crswap",
};

bool
watch_transient_gone(const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *name = slash != NULL ? slash + 1 : path;
	struct stat st;
	bool temp = false;

	for (size_t i = 0; i < sizeof(temp_names) / sizeof(temp_names[0]); i++)
		if (fnmatch(temp_names[i], name, 0) == 0) {
			temp = true;
			break;
		}
	return temp && lstat(path, &st) == -1 && errno == ENOENT;
}
