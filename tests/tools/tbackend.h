/* SPDX-License-Identifier: ISC */
/*
 * tests/tools/tbackend.h
 * What tbackend.c takes from tbackend_ws.c.
 */
#ifndef TEND_TBACKEND_H
#define TEND_TBACKEND_H

/* Sec-WebSocket-Accept for a Sec-WebSocket-Key (28 characters and NUL). */
void ws_accept(const char *key, char out[64]);

#endif
