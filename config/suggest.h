/* SPDX-License-Identifier: ISC */
/*
 * config/suggest.h
 * "did you mean" for whoever names things: config keys here, the command
 * line's options and commands in supervisor/cli.c. Depends on nothing.
 */
#ifndef TEND_SUGGEST_H
#define TEND_SUGGEST_H

#include <stddef.h>

/* Optimal string alignment distance, case-insensitive; words <= 64. */
size_t cfg_distance(const char *a, const char *b);

/* The candidate closest to word, or NULL when none is close enough. */
const char *cfg_suggest(
    const char *word, const char *const *cands, size_t ncands);

#endif
