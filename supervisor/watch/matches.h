/* SPDX-License-Identifier: ISC */
/*
 * supervisor/watch/matches.h
 * Whether a watch pattern names anything that exists now (matches.c).
 */
#ifndef TEND_MATCHES_H
#define TEND_MATCHES_H

#include <stdbool.h>

/* pattern is relative to tend's cwd, as events name paths. */
bool watch_pattern_matches(const char *pattern);

#endif
