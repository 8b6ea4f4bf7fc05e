/* SPDX-License-Identifier: ISC */
/*
 * supervisor/watch/ignore.h
 * Which changed paths a watcher must not act on: tend's defaults (VCS
 * directories, editor temp files), the user's `ignore` list and the
 * .gitignore files met while walking the tree, with gitignore semantics.
 * No printing; the only I/O is reading a .gitignore.
 */
#ifndef TEND_IGNORE_H
#define TEND_IGNORE_H

#include <stdbool.h>

struct ignore;

struct ignore *ignore_new(void); /* empty; NULL on ENOMEM */
void ignore_free(struct ignore *ig); /* NULL-safe */

/*
 * The defaults every tend watcher applies: ".git/", ".hg/", ".svn/",
 * "*.swp", "*.swo", "*.swx", "*~", ".#*", "#*#", "4913", ".DS_Store"
 * (editor temp files and VCS dirs). Returns 0 or -1 (ENOMEM).
 */
int ignore_add_defaults(struct ignore *ig);

/*
 * Add one rule with gitignore semantics, relative to base (a directory
 * path relative to the cwd, "" or "." for the top): blank lines and "#..."
 * ignored; leading "!" negates; trailing "/" matches directories only; a
 * pattern containing a '/' other than a trailing one is anchored to base
 * (a leading "/" just anchors); otherwise it matches the name at any depth
 * below base; "**" as in gitignore; "\#" and "\!" escapes; trailing
 * unescaped spaces trimmed.
 * Returns 0 or -1 (ENOMEM).
 */
int ignore_add(struct ignore *ig, const char *base, const char *line);

/*
 * Read dir/.gitignore (if it exists; a missing file is 0) and add each
 * line with base dir. Reading the same directory's file again replaces
 * the rules it gave last time, in place, so a rescan neither piles up
 * duplicates nor moves them after the rules of deeper directories.
 * Returns 0, or -1 with errno on a read error other than ENOENT (EFBIG
 * for a file over 1 MiB, ENOMEM); the rules are then unchanged.
 */
int ignore_load_gitignore(struct ignore *ig, const char *dir);

/*
 * Is path (relative to the cwd, cleaned) ignored? is_dir says whether path
 * is a directory. gitignore rules: the last matching rule wins (rules are
 * checked in the order added; later .gitignore files of deeper dirs are
 * added later); a negation re-includes. A path whose parent directory is
 * ignored is ignored, and (as in git) cannot be re-included by a
 * negation. Rules only apply to paths under their base.
 */
bool ignore_match(const struct ignore *ig, const char *path, bool is_dir);

/*
 * A number that changes whenever a rule is added, replaced or removed: a
 * path judged under one generation is judged the same while it lasts.
 */
unsigned long ignore_generation(const struct ignore *ig);

#endif
