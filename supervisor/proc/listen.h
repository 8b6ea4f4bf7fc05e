/* SPDX-License-Identifier: ISC */
/*
 * supervisor/proc/listen.h
 * The HTTP listener and the UDP socket, opened before the worker exists
 * (listen.c). bound gets the address as "HOST:PORT" (the real port for :0).
 */
#ifndef TEND_LISTEN_H
#define TEND_LISTEN_H

#include <stddef.h>

int listen_tcp(const char *hostport, char *bound, size_t boundsize);
int listen_udp(const char *hostport, char *bound, size_t boundsize);

#endif
