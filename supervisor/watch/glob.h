/* SPDX-License-Identifier: ISC */
/*
 * supervisor/watch/glob.h
 * Path globs for `watch` and `ignore`: matching a relative, '/'-separated
 * path (no leading "./") against a pattern, the directory a pattern needs
 * watched, and the normal form of a user path. Pure string functions: no
 * allocation, no I/O.
 *
 * Examples below that put a slash next to a star are written as C string
 * concatenations ("**" "/b" is the pattern **, slash, b), because the two
 * characters together would end or nest this comment.
 */
#ifndef TEND_GLOB_H
#define TEND_GLOB_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Match path against pattern:
 *   '*' any run of characters except '/'; '?' one character except '/';
 *   "[abc]", "[a-z]", "[!a-z]" one character from/not from a class (never
 *   '/'); '**' as a whole segment ("**", "a/" "**", "**" "/b", "a/" "**" "/b")
 *   matches zero or more whole segments; '\' escapes the next character.
 * A pattern with no glob characters also matches everything under it:
 *   glob_match("content", "content/a/b.md") is true (a watched directory).
 * Likewise a pattern ending in "/" "**" matches the directory itself and below.
 * '*' and '?' match a leading '.', as in gitignore (not as in the shell).
 */
bool glob_match(const char *pattern, const char *path);

/*
 * Could pattern match dir or something inside it? For a directory that
 * moved or vanished, whose files are no longer there to be matched:
 * "src/" "**" "/" "*.md" and "src" match inside "src/sub", "src/" "*.md"
 * does not ('*' never takes a '/').
 */
bool glob_match_inside(const char *pattern, const char *dir);

/* True if pattern contains an unescaped * ? or [ */
bool glob_is_pattern(const char *pattern);

/*
 * The directory to watch for a pattern: its leading segments without glob
 * characters. "src/" "**" "/" "*.scss" -> "src"; "content" -> "content";
 * "*.md" -> "."; "a/b/" "*.c" -> "a/b"; "./x" -> "x"; "" -> ".".
 * Trailing slashes dropped. Escapes are resolved ("a\\*b/" "*.c" -> "a*b"),
 * since the result names a real directory. Returns 0, or -1 if it does not
 * fit in size.
 */
int glob_base(const char *pattern, char *out, size_t size);

/*
 * Normalise a user path: drop leading "./", duplicate and trailing slashes;
 * "." stays "." (and "" becomes "."). Inner "." segments are dropped too;
 * ".." is kept, as resolving it needs the file system. A leading "/" is
 * kept. in may equal out. Truncated to fit size.
 */
void glob_clean(const char *in, char *out, size_t size);

#endif
