/* SPDX-License-Identifier: ISC */
/*
 * tests/unit/test_worker_http_harness.h
 * A real HTTP server in a forked child (its own libev loop, wrk_http on a
 * 127.0.0.1 port-0 listener, a temp tree as root) and a blocking client
 * with timeouts, for the end-to-end tests of worker/http_*.c. A control
 * socket lets a test call into the child's server (srv_ctl).
 */
#ifndef TEST_WORKER_HTTP_HARNESS_H
#define TEST_WORKER_HTTP_HARNESS_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http.h"

#define SECRET "TOPSECRET-xyzzy-42"

struct srv_opts {
	double drain_deadline; /* 0: 5 s */
	double header_timeout;
	double keepalive_timeout;
	size_t max_header_bytes;
	size_t max_url_bytes;
	bool spa;
	bool livereload;
	double hold_timeout; /* 0: the server's default */
	int spare_fds; /* > 0: RLIMIT_NOFILE = fds open at start + this */
	/* serve.hosts (NULL: just "t", the name the tests send), deny, allow */
	char *const *hosts;
	size_t nhosts;
	char *const *deny;
	size_t ndeny;
	char *const *allow;
	size_t nallow;
	bool status_any;
	const struct wrk_http_route *routes; /* serve.proxy */
	size_t nroutes;
};

struct srv {
	char dir[64]; /* temp dir: root/ and the secret file beside it */
	char root[96];
	pid_t pid;
	int port;
	int ctl; /* our end of the control socket, or -1 */
};

/* Control commands, run by the child in its loop before it acknowledges. */
#define CTL_HOLD 'H' /* wrk_http_hold(h, true) */
#define CTL_RELEASE 'h' /* wrk_http_hold(h, false) */
#define CTL_NOTE 'N' /* broadcast "note" with data "one\ntwo\r\nthree" */
#define CTL_HANDOFF 'D' /* wrk_http_drain(h, deadline, true) */

/* Make the tree and start the child; asserts on failure. */
void srv_start(struct srv *, const struct srv_opts *);
/* SIGTERM, wait, assert a clean exit (0: no leak, no crash). */
void srv_stop(struct srv *);
/* srv_stop if still running, then remove the tree. For .fini. */
void srv_cleanup(struct srv *);
/* Wait for the child to exit by itself (after a drain); its status. */
int srv_wait(struct srv *, double);
/* Counters the child wrote at exit: requests connections cut. */
void srv_stats(const struct srv *, uint64_t *, uint64_t *, uint64_t *);
/* Run a control command in the child and wait until it has run. */
void srv_ctl(struct srv *, char);
/* Write content to name under root (replacing it). */
void srv_write(const struct srv *, const char *, const char *);
/* A file of size bytes under root with a position-derived pattern. */
void srv_make_file(const struct srv *, const char *, size_t);
unsigned char srv_pattern(size_t);

struct cli {
	int fd;
	size_t len;
	char buf[64 * 1024];
};

struct resp {
	int status;
	char head[8192];
	char *body;
	size_t body_len;
	bool closed; /* the server closed after this response */
};

/* Connect with SO_RCVTIMEO/SO_SNDTIMEO; rcvbuf 0 keeps the default. */
void cli_open(struct cli *, const struct srv *, int);
void cli_close(struct cli *);
void cli_send(struct cli *, const char *);
void cli_sendn(struct cli *, const void *, size_t);
/*
 * One response; no_body for HEAD and 304. A body without Content-Length
 * runs to EOF. Returns -1 when the connection ended before a status line.
 */
int cli_resp(struct cli *, struct resp *, bool);
void resp_free(struct resp *);
/* A header's value (case-insensitive name) or NULL; static storage. */
const char *resp_hdr(const struct resp *, const char *);
/* Everything until EOF or timeout, NUL-terminated; *eof tells which. */
char *cli_read_all(struct cli *, size_t *, bool *);
/* Reads until EOF within secs; true when EOF (read 0) was seen. */
bool cli_eof(struct cli *, double);

/* Reads into c->buf until needle shows up; false on EOF or timeout. */
bool cli_wait_for(struct cli *, const char *);

/* One request on a fresh connection, answer read whole. */
void fetch(const struct srv *, const char *, struct resp *);

/* Shared checks of the end-to-end tests. */
void srv_nap_ms(long ms);
void srv_assert_hdr(const struct resp *r, const char *name, const char *want);
/* Fetch req from s; assert its status and, when body is not NULL, body. */
void srv_assert_status(
    struct srv *s, const char *req, int status, const char *body);

#endif
