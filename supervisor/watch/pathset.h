/* SPDX-License-Identifier: ISC */
/*
 * supervisor/watch/pathset.h
 * A small set of changed paths, in arrival order, without duplicates and
 * bounded: past PATHSET_MAX it only counts (a `git checkout` of 50,000
 * files must not cost 50,000 strings to report).
 */
#ifndef TEND_PATHSET_H
#define TEND_PATHSET_H

#include <stdbool.h>
#include <stddef.h>

#define PATHSET_MAX 256

struct pathset {
	char **p;
	size_t n;
	size_t dropped; /* beyond PATHSET_MAX */
};

void pathset_add(struct pathset *s, const char *path);
/* Changes whose paths are unknown (events were lost): "everything". */
void pathset_add_unknown(struct pathset *s);
bool pathset_empty(const struct pathset *s);
size_t pathset_total(const struct pathset *s);
/* Move everything from src into dst (union); src ends empty. */
void pathset_merge(struct pathset *dst, struct pathset *src);
/* Join with sep into buf (cut at size, NUL-terminated). Returns length. */
size_t pathset_join(
    const struct pathset *s, const char *sep, char *buf, size_t size);
/* "a, b, c (+12 more)" for a one-line message. */
void pathset_summary(const struct pathset *s, char *buf, size_t size);
void pathset_clear(struct pathset *s);
/* Remove the paths drop says to (order kept). */
void pathset_remove_if(struct pathset *s, bool (*drop)(const char *path));

#endif
