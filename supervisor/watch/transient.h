/* SPDX-License-Identifier: ISC */
/*
 * supervisor/watch/transient.h
 * An editor's temporary file that is already gone (transient.c).
 */
#ifndef TEND_TRANSIENT_H
#define TEND_TRANSIENT_H

#include <stdbool.h>

bool watch_transient_gone(const char *path);

#endif
