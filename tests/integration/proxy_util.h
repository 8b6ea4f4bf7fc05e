/* SPDX-License-Identifier: ISC */
/*
 * tests/integration/proxy_util.h
 * What the proxy's integration tests share: tend with tests/tools/
 * tbackend as the service "api" behind /api, requests through tend, and
 * the client sides of chunked bodies and WebSocket frames.
 */
#ifndef TEND_IT_PROXY_UTIL_H
#define TEND_IT_PROXY_UTIL_H

#include <stdbool.h>
#include <stddef.h>

extern int px_port; /* tend's HTTP port */
extern int px_bport; /* tbackend's */

/* A TCP port on 127.0.0.1 that nothing listens on (now). */
int free_port(void);

/*
 * tend.json with the service "api" (tbackend on a free port, its log in
 * backend.log, ready when it accepts) and serve.proxy: "/api" to it with
 * job "api", plus extra_proxy ("" or more members, with a leading
 * comma) and extra_serve (more members of serve, leading comma). Starts
 * tend and waits until both the worker and the service are ready.
 */
void px_start(const char *extra_proxy, const char *extra_serve);

/* req sent as is (Connection: close), the whole answer, malloc'd. */
char *px_exchange(const char *req, size_t *len);
/* GET path with Host 127.0.0.1:px_port and Connection: close. */
char *px_get(const char *path, size_t *len);

/* The body of a chunked message after its head; malloc'd, *out_len. */
char *dechunk(const char *body, size_t len, size_t *out_len);

/* Lines of backend.log that start with prefix. */
size_t backend_lines(const char *prefix);

/* One client WebSocket frame (masked), into out; its length. */
size_t ws_frame(int op, const char *payload, size_t len, unsigned char *out);
/*
 * Read one server frame from fd into payload (at most size); its length,
 * or -1. *op gets the opcode.
 */
long ws_read(int fd, int *op, char *payload, size_t size);

#endif
