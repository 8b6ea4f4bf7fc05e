/* SPDX-License-Identifier: ISC */
/*
 * worker/http_priv.h
 * Internals shared by the worker/http_*.c files: the server and connection
 * structs, the connection state machine's entry points, and the pure
 * helpers (path, range, etag, dates, content types) that unit tests call
 * directly. Nothing outside worker/http_*.c and its tests includes this.
 */
#ifndef TEND_WORKER_HTTP_PRIV_H
#define TEND_WORKER_HTTP_PRIV_H

#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <ev.h>
#include <http_parser.h>

#include "http.h"

#define WRK_CONTAINER_OF(ptr, type, member) \
	((type *)(void *)((char *)(ptr)-offsetof(type, member)))

/* Append a string literal to a connection's output. */
#define WRK_OUT_LIT(c, s) wrk_out_append((c), (s), sizeof(s) - 1)

#define WRK_RBUF_SIZE (16 * 1024) /* read buffer; requests stream through */
#define WRK_BODY_MAX (64 * 1024) /* request bodies are read and dropped */
#define WRK_SMALL_FILE (16 * 1024) /* pread + one send instead of sendfile */
#define WRK_SSE_MAX (64 * 1024) /* unsent events before a client is dropped */
#define WRK_SSE_PING 15.0 /* seconds between event-stream comments */
#define WRK_LINGER 2.0 /* seconds to discard input after a close */
#define WRK_ACCEPT_BURST 64 /* accepts per readable event */
#define WRK_ACCEPT_RETRY 0.1 /* seconds the listener rests on EMFILE */
#define WRK_FD_HEADROOM 16 /* fds kept free for opening files */
#define WRK_SEND_CHUNK (8u << 20) /* sendfile bytes per turn, for fairness */
#define WRK_HDR_VAL 512 /* captured header value, longer ignored */

#define WRK_INJECT_MAX (8u << 20) /* larger HTML is sent unmodified */

/* What live reload puts into HTML: before the last </body>, or at the end. */
#define WRK_LR_TAG "<script src=\"/__tend/livereload.js\"></script>"
#define WRK_LR_TAG_LEN (sizeof(WRK_LR_TAG) - 1)

/* Request headers the server looks at; the parser handles the rest. */
enum wrk_hdr {
	HDR_IF_NONE_MATCH,
	HDR_IF_MODIFIED_SINCE,
	HDR_RANGE,
	HDR_IF_RANGE,
	HDR_IF_MATCH,
	HDR_IF_UNMODIFIED_SINCE,
	HDR_HOST,
	HDR_ORIGIN,
	HDR_SEC_FETCH_SITE,
	HDR_EXPECT,
	HDR_COUNT
};

struct wrk_hval {
	char v[WRK_HDR_VAL];
	size_t len;
	bool over; /* too long: treated as absent */
};

/*
 * What a request needs only while it is read and answered: the header
 * values, the URL, the cleaned path and the read buffer live in one
 * block (struct wrk_conn's c_mem) taken at the first byte and given back
 * when the connection goes idle, so an idle keep-alive or event-stream
 * client costs its struct wrk_conn alone.
 */
struct wrk_req {
	char *url; /* max_url_bytes + 1, in c_mem */
	size_t url_len;
	char field[32]; /* current header name, lower-cased */
	size_t field_len;
	bool field_over;
	bool in_value;
	int cur; /* enum wrk_hdr of the value being read, or -1 */
	struct wrk_hval *hdr; /* [HDR_COUNT], in c_mem */
	unsigned hosts; /* Host header lines seen */
	const char *query; /* in url, without the '?'; NULL when none */
	size_t query_len;
	const char *chunk; /* start of the bytes given to the parser */
	const char *chunk_end; /* and their end */
	size_t mark; /* end of the last head bytes seen in chunk */
	size_t head_len; /* request line + headers so far */
	uint64_t body_len;
	int err; /* status to answer instead of the request */
	bool begun; /* a byte of this request has arrived */
	bool headers_done;
	bool complete;
	/* Expect: 100-continue: answered at the head, its body unread. */
	bool body_skipped;
	bool routed; /* the proxy routes were asked (wrk_pxy_route) */
	char *host; /* [WRK_HDR_VAL]: the Host name, lower-cased, no port */
};

enum wrk_conn_state {
	CS_READ, /* waiting for, or reading, a request */
	CS_WRITE, /* writing a response */
	CS_SSE, /* an event stream, written to by broadcasts */
	CS_HELD, /* a request parked by wrk_http_hold: no reading, no writing */
	CS_LINGER, /* output shut down, dropping input until EOF */
	CS_PROXY /* forwarded to a server (http_proxy.c): c_pxy drives it */
};

struct wrk_conn {
	ev_io c_rio;
	ev_io c_wio;
	ev_timer c_tmo; /* meaning depends on c_st, see conn_tmo_cb */
	struct wrk_http *c_h;
	LIST_ENTRY(wrk_conn) c_link;
	TAILQ_ENTRY(wrk_conn) c_held; /* in h_held while CS_HELD */
	int c_fd;
	enum wrk_conn_state c_st;
	http_parser c_parser;
	struct wrk_req c_req;
	char *c_path; /* the cleaned path, max_url_bytes + 32, in c_mem */
	void *c_mem; /* the request's block (wrk_req), NULL while idle */
	/* output: c_wbuf first, then c_fleft bytes of c_ffd from c_foff */
	char *c_wbuf;
	size_t c_wcap, c_woff, c_wlen;
	int c_ffd;
	off_t c_foff;
	uint64_t c_fleft;
	bool c_wfail; /* out of memory building output: close */
	bool c_close_after; /* close once the current output is flushed */
	bool c_sse; /* the response is an event stream */
	bool c_head; /* HEAD request: headers only */
	bool c_loopback;
	unsigned c_visit; /* see wrk_http_visit */
	char c_peer[64];
	size_t c_roff, c_rlen;
	char *c_rbuf; /* WRK_RBUF_SIZE, in c_mem */
	struct wrk_pxy *c_pxy; /* a request on a proxy route, or NULL */
};

struct wrk_http {
	struct ev_loop *h_loop;
	int h_lfd;
	int h_rootfd;
	int h_fd_limit; /* RLIMIT_NOFILE at start */
	struct wrk_http_limits h_lim;
	struct wrk_http_ops h_ops;
	ev_io h_accept;
	ev_timer h_accept_retry;
	ev_timer h_drain_timer;
	LIST_HEAD(, wrk_conn) h_conns;
	TAILQ_HEAD(wrk_held_q, wrk_conn)
	h_held; /* parked requests, oldest
	           first */
	struct wrk_held_q h_pheld; /* proxied ones, waiting for a service */
	size_t h_nconns;
	size_t h_peak_conns; /* since memory was last trimmed */
	uint64_t h_requests;
	uint64_t h_connections;
	uint64_t h_cut;
	bool h_draining;
	bool h_handoff; /* draining for a new worker, not for a stop */
	bool h_hold; /* park requests for files (wrk_http_hold) */
	bool h_drained_sent;
	unsigned h_visit;
	struct wrk_pool *h_pools; /* one per route (http_upstream.c) */
	size_t h_npools;
	char *h_pxy_rbuf; /* WRK_PXY_RBUF: every read from a server */
	time_t h_date_sec;
	char h_date[32];
};

/* http_server.c */
void wrk_http_check_drained(struct wrk_http *);
void wrk_http_visit(
    struct wrk_http *, void (*)(struct wrk_conn *, void *), void *);
size_t wrk_http_url_cap(const struct wrk_http *);

/* http_conn.c */
struct wrk_conn *wrk_conn_new(
    struct wrk_http *, int, const struct sockaddr *, socklen_t);
void wrk_conn_drive(struct wrk_conn *);
void wrk_conn_end(struct wrk_conn *);
void wrk_conn_close(struct wrk_conn *, bool);
void wrk_conn_drain(struct wrk_conn *);
bool wrk_conn_busy(const struct wrk_conn *);
void wrk_conn_timer(struct wrk_conn *, double);
int wrk_conn_flush(struct wrk_conn *); /* 1 all sent, 0 later, -1 gone */
double wrk_conn_write_timeout(const struct wrk_http *);

/* http_req.c */
void wrk_req_init(struct wrk_conn *);
void wrk_req_reset(struct wrk_conn *);
void wrk_req_parse(struct wrk_conn *);
int wrk_http_query_param(const char *, size_t, const char *, char *, size_t);

/* http_resp.c */
int wrk_out_append(struct wrk_conn *, const void *, size_t);
char *wrk_out_reserve(struct wrk_conn *, size_t);
void wrk_resp_start(struct wrk_conn *, int);
void wrk_resp_hdr(struct wrk_conn *, const char *, ...)
    __attribute__((format(printf, 2, 3)));
void wrk_resp_end(struct wrk_conn *);
void wrk_resp_body(struct wrk_conn *, const char *, const void *, size_t);
void wrk_resp_error(struct wrk_conn *, int, const char *);
/* The entity for one of & < > " ', NULL for any other character: what
 * tend's own pages escape of what a client or a job wrote. */
const char *wrk_html_entity(char ch);
/* s into dst (size bytes, NUL-terminated), entities for & < > " '. */
void wrk_html_esc(char *dst, size_t size, const char *s);

/* http_file.c */
void wrk_http_file(struct wrk_conn *, char *);

/* http_open.c: -1 with errno (EXDEV: it would leave the root) */
int wrk_open_beneath(int rootfd, const char *rel);
int wrk_open_beneath_proc(int rootfd, const char *rel); /* no openat2 */

/* http_guard.c */
int wrk_guard_host_split(const char *, size_t, char *, size_t);
bool wrk_guard_host_allowed(const struct wrk_http_limits *, const char *);
bool wrk_guard_same_origin(const struct wrk_req *);
bool wrk_guard_hidden(const struct wrk_http_limits *, const char *);
void wrk_guard_refuse_host(struct wrk_conn *);
void wrk_guard_refuse_site(struct wrk_conn *);

/* http_hold.c */
void wrk_hold_park(struct wrk_conn *);
void wrk_hold_release(struct wrk_conn *);
void wrk_hold_release_all(struct wrk_http *);
void wrk_hold_forget(struct wrk_conn *);
void wrk_hold_refuse(struct wrk_conn *);
bool wrk_hold_unpark(struct wrk_conn *);

/* http_pxwait.c: a proxied request waiting for the service behind it */
bool wrk_pxw_dispatch(struct wrk_conn *);
bool wrk_pxw_try(struct wrk_conn *);
/* A failed connect or a request cut before its answer, for a route with
 * a service: not the gate's (answer 502), parked, or answered by the gate
 * (its 502 page naming the job, or 503); see http_pxwait.c. */
enum wrk_pxw { WRK_PXW_NO, WRK_PXW_PARKED, WRK_PXW_ANSWERED };
enum wrk_pxw wrk_pxw_refused(struct wrk_conn *, int);
void wrk_pxw_release_all(struct wrk_http *); /* without the drain check */

/* http_inject.c */
bool wrk_inject_wanted(const struct wrk_conn *, const char *, uint64_t);
void wrk_inject_etag(char *, size_t);
size_t wrk_inject_at(const char *, size_t);
void wrk_inject_body(struct wrk_conn *, int, uint64_t);

/*
 * http_proxy.c: a request on a proxy route. wrk_pxy_route is asked at
 * the request's first header; the lines are captured until dispatch
 * calls wrk_pxy_start, after which the body goes to the server through
 * wrk_pxy_req_body and the connection is the proxy's (CS_PROXY).
 */
long wrk_proxy_match(const struct wrk_http_route *, size_t, const char *,
    size_t); /* the longest prefix of the path, or -1 */
int wrk_pxy_route(struct wrk_conn *); /* sets c_pxy; -1: no memory */
int wrk_pxy_capture(struct wrk_conn *, bool, const char *, size_t);
void wrk_pxy_start(struct wrk_conn *);
int wrk_pxy_req_body(struct wrk_conn *, const char *, size_t);
void wrk_pxy_drive(struct wrk_conn *);
void wrk_pxy_readable(struct wrk_conn *); /* the client's fd, in CS_PROXY */
void wrk_pxy_drain(struct wrk_conn *);
void wrk_pxy_timeout(struct wrk_conn *);
void wrk_pxy_free(struct wrk_conn *);

/* http_livereload_js.c */
extern const char wrk_livereload_js[];
extern const size_t wrk_livereload_js_len;

/* http_control.c */
void wrk_http_control(struct wrk_conn *, const char *, const char *, size_t);
bool wrk_http_is_loopback(const struct sockaddr *);
size_t wrk_http_json_str(char *, size_t, const char *);

/* http_sse.c */
void wrk_sse_start(struct wrk_conn *);
void wrk_sse_shutdown(struct wrk_conn *);
void wrk_sse_ping(struct wrk_conn *);

/* http_path.c: 0, or the status to answer (400). */
int wrk_http_path_clean(const char *, size_t, char *, size_t);

/* http_cond.c */
enum wrk_range { RANGE_IGNORE, RANGE_OK, RANGE_UNSAT };
enum wrk_range wrk_http_range_parse(
    const char *, size_t, uint64_t, uint64_t *, uint64_t *);
bool wrk_http_etag_match(const char *, size_t, const char *);
void wrk_http_etag(char *, size_t, const struct timespec *, uint64_t);

/* http_date.c */
#define WRK_DATE_LEN 29 /* "Sun, 06 Nov 1994 08:49:37 GMT" */
void wrk_http_date_fmt(time_t, char *);
int wrk_http_date_parse(const char *, size_t, time_t *);
const char *wrk_http_date_now(struct wrk_http *);

/* http_mime.c */
const char *wrk_http_mime(const char *);

#endif
