/* SPDX-License-Identifier: ISC */
/*
 * worker/http_proxy.h
 * What the proxy's files share (http_proxy_head.c: buffers, header lines,
 * the route and the request head; http_proxy.c: a request from dispatch
 * to its end; http_proxy_resp.c: the server's answer, rewritten for the
 * client; http_upstream.c: connections to the servers and their pools).
 * A proxied request is a client connection in CS_PROXY with a struct
 * wrk_pxy; it leaves that state as CS_WRITE (the rest of the answer is
 * flushed as for a file) or closed.
 */
#ifndef TEND_WORKER_HTTP_PROXY_H
#define TEND_WORKER_HTTP_PROXY_H

#include <sys/queue.h>

#include <stdbool.h>
#include <stddef.h>
#include <strings.h>

#include <ev.h>
#include <http_parser.h>

#include "http_priv.h"

#define WRK_PXY_BUF (64 * 1024) /* bytes queued one way: read no more */
#define WRK_PXY_RBUF (16 * 1024) /* one read from a server */
#define WRK_PXY_HEAD_MAX (64 * 1024) /* a server's response head: 502 */
#define WRK_PXY_POOL 8 /* idle connections kept per server */
#define WRK_PXY_BURST 64 /* and, for WRK_PXY_GRACE, up to this many */
#define WRK_PXY_GRACE 0.1 /* seconds a burst's extra ones wait for reuse */
#define WRK_PXY_IDLE 2.0 /* seconds one is kept (below servers' own) */
#define WRK_PXY_PEEK 0.5 /* idle longer: checked (MSG_PEEK) before reuse */
#define WRK_PXY_CONNECT 10.0 /* seconds to connect, then 504 */
#define WRK_PXY_HOLD (64 * 1024) /* after </body>: then the tag goes in */

/* Bytes b[off, len) still to send; b[0, off) sent. */
struct wrk_buf {
	char *b;
	size_t off, len, cap;
};

/* A route's server: its idle connections, and whether it answers. */
struct wrk_pool {
	const struct wrk_http_route *p_route;
	TAILQ_HEAD(wrk_ups_q, wrk_ups) p_idle; /* most recently used first */
	size_t p_nidle;
	int p_err; /* errno of the last failed connect; 0: it answers */
	ev_timer p_trim; /* closes what is over WRK_PXY_POOL after the grace */
	struct wrk_http *p_h;
};

/* A connection to a server: busy for one client, or idle in its pool. */
struct wrk_ups {
	int u_fd;
	ev_io u_rio, u_wio;
	ev_timer u_tmo; /* connecting: WRK_PXY_CONNECT; idle: WRK_PXY_IDLE */
	struct wrk_http *u_h;
	struct wrk_pool *u_pool;
	struct wrk_conn *u_c; /* the client it serves; NULL while idle */
	TAILQ_ENTRY(wrk_ups) u_link;
	unsigned u_addr; /* which of the route's addresses */
	ev_tstamp u_idle_at; /* when it went into the pool */
	bool u_connecting;
	bool u_reused; /* taken from the pool */
	bool u_wshut; /* shutdown(SHUT_WR) done (tunnel) */
};

struct wrk_pxy {
	struct wrk_pool *x_pool;
	struct wrk_ups *x_u;
	/* The request's header lines as received, until the head is built. */
	struct wrk_buf x_hcap;
	bool x_hval; /* the last capture was a value */
	/* To the server: the request head, then the body. */
	struct wrk_buf x_out;
	bool x_started; /* the head is in x_out (a parked retry: as is) */
	bool x_replay; /* x_out still holds every byte sent: retry-able */
	bool x_sent; /* a byte went to the server */
	bool x_retried;
	bool x_chunked; /* the request body is re-framed as chunks */
	bool x_req_done; /* the whole request is in x_out */
	bool x_upgrade; /* the client asked for Upgrade */
	bool x_head; /* HEAD */
	bool x_unsafe; /* POST, PATCH, LOCK: not resent once a byte went */
	/* From the server. */
	http_parser x_rp;
	struct wrk_buf x_rcap; /* the response head's lines */
	bool x_rval;
	char x_status[64];
	size_t x_status_len;
	unsigned long long x_clen; /* the server's Content-Length */
	bool x_got; /* a byte of the answer arrived */
	bool x_head_sent; /* the client's response head is queued */
	bool x_resp_done;
	bool x_extra; /* bytes after the answer: the connection is spoilt */
	bool x_chunked_out; /* re-framed as chunks for the client */
	bool x_stream; /* text/event-stream: ended, not waited for, at drain */
	bool x_tunnel; /* after 101: bytes both ways */
	bool x_up_eof; /* tunnel: the server ended its side */
	bool x_cl_eof; /* the client ended its side (after its request) */
	bool x_cl_shut; /* tunnel: the client's side shut down */
	bool x_cready, x_uready; /* a read may find bytes (the watchers say) */
	bool x_wdead; /* the server stopped reading: the body is dropped */
	int x_err; /* why the answer could not be read (errno) */
	bool x_inject, x_inj_done; /* live reload into the HTML */
	struct wrk_buf x_hold; /* from the last </body> on (or a tail) */
};

/* http_proxy_head.c */
int wrk_buf_reserve(struct wrk_buf *b, size_t n);
int wrk_buf_add(struct wrk_buf *b, const void *p, size_t n);
void wrk_buf_free(struct wrk_buf *b);
int wrk_cap_add(
    struct wrk_buf *b, bool *inval, bool value, const char *at, size_t len);
/* The lines of a capture: name and value of each, in turn. */
bool wrk_hdr_next(const struct wrk_buf *cap, size_t *pos, const char **name,
    size_t *nlen, const char **val, size_t *vlen);
#define WRK_HDR_IS(name, nlen, lit) \
	((nlen) == sizeof(lit) - 1 && strncasecmp((name), (lit), (nlen)) == 0)
bool wrk_hdr_listed(const char *list, size_t len, const char *name,
    size_t nlen); /* a token of a Connection value */
int wrk_pxy_head(struct wrk_conn *c); /* the request head into x_out */

/* http_proxy.c */
int wrk_pxy_pump(struct wrk_conn *c); /* -1: c is gone */
int wrk_pxy_fail(struct wrk_conn *c, int err); /* the server failed */
int wrk_pxy_client_gone(struct wrk_conn *c);
bool wrk_pxy_can_retry(const struct wrk_pxy *px);

/* http_proxy_resp.c */
void wrk_pxy_resp_init(struct wrk_pxy *px);
int wrk_pxy_up_read(struct wrk_conn *c); /* -1 gone, 0 nothing, 1 moved */

/* http_upstream.c */
int wrk_pools_init(struct wrk_http *h);
void wrk_pools_free(struct wrk_http *h);
void wrk_pools_close_idle(struct wrk_http *h);
int wrk_ups_open(struct wrk_conn *c, bool fresh); /* 0 or -errno */
void wrk_ups_release(struct wrk_conn *c, bool reuse);
int wrk_ups_send(struct wrk_conn *c); /* -1 gone, 0 nothing, 1 moved */
void wrk_ups_arm(struct wrk_conn *c, bool rd, bool wr);

#endif
