/* SPDX-License-Identifier: ISC */
/*
 * worker/http_proxy.c
 * Forwarding a request to the server behind a proxy route (serve.proxy),
 * once its head is rewritten for the server (http_proxy_head.c): the
 * body streamed through a bounded buffer, re-framed when it came in
 * chunks, and the pump that moves bytes between the client, the buffers
 * and the server until each side must wait. Then the end: the server's
 * connection back to its pool and the client to the writer files use
 * (CS_WRITE), or a 502 page naming the server, or a cut when the answer had
 * already begun. nginx's upstream module was the model (a retry on a cached
 * connection that failed before answering, never for POST once sent); the code
 * is tend's own.
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "http_proxy.h"

static size_t
to_client(const struct wrk_conn *c)
{
	return c->c_wlen - c->c_woff;
}

static size_t
to_server(const struct wrk_pxy *px)
{
	return px->x_out.len - px->x_out.off;
}

/*
 * Sent bytes are kept while a retry could need them (the first request
 * on a pooled connection, until the server answers), up to WRK_PXY_BUF.
 */
static void
out_compact(struct wrk_pxy *px)
{
	struct wrk_buf *b = &px->x_out;

	if (b->off == 0 || (px->x_replay && b->len < WRK_PXY_BUF))
		return;
	px->x_replay = false;
	memmove(b->b, b->b + b->off, b->len - b->off);
	b->len -= b->off;
	b->off = 0;
}

static const char *
why(int err)
{
	switch (err) {
	case ENODATA:
		return "it closed the connection without an answer";
	case EPROTO:
		return "its answer is not HTTP/1.x";
	case ECONNABORTED:
		return "it closed the connection in the middle of its answer";
	case EMSGSIZE:
		return "its response head is over 64 KiB";
	case ETIMEDOUT:
		return "it did not accept the connection within 10 s";
	default:
		return strerror(err);
	}
}

/*
 * Before the answer began: the client gets status and a page naming the
 * server, the route and (when known) the service behind it, written by
 * the writer files use (CS_WRITE).
 */
static void
respond(struct wrk_conn *c, int status, int err)
{
	const struct wrk_http_route *rt = c->c_pxy->x_pool->p_route;
	const char *reason = http_status_str((enum http_status)status);
	char body[1536], prefix[800];
	int n;

	wrk_html_esc(prefix, sizeof(prefix), rt->prefix);
	n = snprintf(body, sizeof(body),
	    "<!doctype html>\n<title>%d %s</title>\n<h1>%d %s</h1>\n"
	    "<p>tend forwards <code>%s</code> to <b>%s</b>, and could not "
	    "get an answer there: %s.</p>\n%s%s%s",
	    status, reason, status, reason, prefix, rt->to, why(err),
	    rt->job != NULL ? "<p>The service behind it is <b>" : "",
	    rt->job != NULL ? rt->job : "",
	    rt->job != NULL ? "</b>.</p>\n" : "");
	if (n < 0 || (size_t)n >= sizeof(body))
		n = 0;
	wrk_pxy_free(c);
	if (!c->c_req.complete)
		c->c_close_after = true;
	wrk_resp_start(c, status);
	if (status == 503)
		WRK_OUT_LIT(c, "Retry-After: 1\r\n");
	wrk_resp_body(c, "text/html; charset=utf-8", body, (size_t)n);
}

/* The same from the pump: the writer takes over now. -1: c may be gone. */
static int
answer(struct wrk_conn *c, int status, int err)
{
	respond(c, status, err);
	ev_io_stop(c->c_h->h_loop, &c->c_rio);
	wrk_conn_drive(c);
	return -1;
}

static int
status_for(int err)
{
	if (err == ETIMEDOUT)
		return 504;
	if (err == EMFILE || err == ENFILE || err == ENOMEM || err == ENOBUFS)
		return 503;
	return 502;
}

/*
 * A connection from the pool that failed before any answer was probably
 * closed by the server as it was taken: the request goes again on a new
 * one, once, if every byte of it is still here and it is not a POST,
 * PATCH or LOCK that already left (nginx's rule).
 */
static bool
can_retry(const struct wrk_pxy *px)
{
	return px->x_u != NULL && px->x_u->u_reused && !px->x_got &&
	    !px->x_retried && px->x_replay && !(px->x_unsafe && px->x_sent);
}

bool
wrk_pxy_can_retry(const struct wrk_pxy *px)
{
	return can_retry(px);
}

/* -1: c is gone; else the caller pumps on. */
int
wrk_pxy_fail(struct wrk_conn *c, int err)
{
	struct wrk_pxy *px = c->c_pxy;
	int e;

	if (can_retry(px)) {
		px->x_retried = true;
		wrk_ups_release(c, false);
		px->x_out.off = 0;
		px->x_sent = false;
		wrk_pxy_resp_init(px);
		if ((e = wrk_ups_open(c, true)) == 0)
			return 1;
		err = -e;
	}
	wrk_ups_release(c, false);
	if (px->x_head_sent) {
		wrk_conn_close(c, true);
		return -1;
	}
	switch (wrk_pxw_refused(c, err)) {
	case WRK_PXW_PARKED:
		return -1; /* it waits for the service */
	case WRK_PXW_ANSWERED:
		ev_io_stop(c->c_h->h_loop, &c->c_rio);
		wrk_conn_drive(c);
		return -1;
	case WRK_PXW_NO:
		break;
	}
	return answer(c, status_for(err), err);
}

int
wrk_pxy_client_gone(struct wrk_conn *c)
{
	wrk_conn_close(c, false);
	return -1;
}

/* r->err (a bad chunk, no memory) before the answer began. */
static void
refuse(struct wrk_conn *c)
{
	int status = c->c_req.err;

	wrk_pxy_free(c);
	c->c_close_after = true;
	c->c_head = false;
	wrk_resp_error(c, status, status == 503 ? "Retry-After: 1" : NULL);
}

/* The request's own bytes are wrong: its status, or a cut. -1: c gone. */
static int
bad_request(struct wrk_conn *c)
{
	if (c->c_pxy->x_head_sent) {
		wrk_conn_close(c, false);
		return -1;
	}
	refuse(c);
	ev_io_stop(c->c_h->h_loop, &c->c_rio);
	wrk_conn_drive(c);
	return -1;
}

/*
 * From dispatch, inside wrk_conn_drive: c must outlive this call, so
 * nothing here sends or closes; the drive loop goes on in the state left
 * (CS_PROXY: the pump; CS_WRITE: a refusal).
 */
void
wrk_pxy_start(struct wrk_conn *c)
{
	struct wrk_pxy *px = c->c_pxy;
	http_parser *p = &c->c_parser;
	int err;

	px->x_head = p->method == HTTP_HEAD;
	px->x_upgrade = p->upgrade;
	px->x_chunked = (p->flags & F_CHUNKED) != 0;
	px->x_unsafe = p->method == HTTP_POST || p->method == HTTP_PATCH ||
	    p->method == HTTP_LOCK;
	px->x_replay = true;
	/* Again after the server refused and the request waited: as is. */
	if (px->x_started) {
		px->x_out.off = 0;
		px->x_sent = false;
	} else if ((px->x_hval && wrk_buf_add(&px->x_hcap, "\r\n", 2) < 0) ||
	    wrk_pxy_head(c) < 0) {
		c->c_req.err = 503;
		refuse(c);
		return;
	}
	wrk_buf_free(&px->x_hcap);
	wrk_pxy_resp_init(px);
	c->c_st = CS_PROXY;
	/* Expect: 100-continue is answered here; the body streams through. */
	if (!px->x_started && c->c_req.hdr[HDR_EXPECT].len > 0 &&
	    p->http_minor == 1 &&
	    ((p->flags & F_CHUNKED) ||
	        ((p->flags & F_CONTENTLENGTH) && p->content_length > 0)))
		WRK_OUT_LIT(c, "HTTP/1.1 100 Continue\r\n\r\n");
	/* Past the head: on_body hands the body to wrk_pxy_req_body. */
	px->x_started = true;
	http_parser_pause(p, 0);
	/* A service dying before tend knows: the request waits for it. */
	if ((err = wrk_ups_open(c, false)) != 0 &&
	    wrk_pxw_refused(c, -err) == WRK_PXW_NO)
		respond(c, status_for(-err), -err);
	/* dispatch's caller, wrk_conn_drive, runs the state left. */
}

int
wrk_pxy_req_body(struct wrk_conn *c, const char *at, size_t len)
{
	struct wrk_pxy *px = c->c_pxy;
	char sz[24];
	int n;

	if (len == 0 || px->x_wdead)
		return 0;
	out_compact(px);
	if (!px->x_chunked)
		return wrk_buf_add(&px->x_out, at, len);
	n = snprintf(sz, sizeof(sz), "%zx\r\n", len);
	return wrk_buf_add(&px->x_out, sz, (size_t)n) ||
	        wrk_buf_add(&px->x_out, at, len) ||
	        wrk_buf_add(&px->x_out, "\r\n", 2)
	    ? -1
	    : 0;
}

static bool
want_client(const struct wrk_conn *c)
{
	const struct wrk_pxy *px = c->c_pxy;

	if (px->x_tunnel)
		return !px->x_cl_eof && to_server(px) < WRK_PXY_BUF;
	if (!px->x_req_done)
		return to_server(px) < WRK_PXY_BUF / 2;
	/* Read on only to see the client leave; what it sends is kept. */
	return !px->x_cl_eof && c->c_rlen < WRK_RBUF_SIZE;
}

static bool
want_server(const struct wrk_conn *c)
{
	const struct wrk_pxy *px = c->c_pxy;

	return px->x_u != NULL && !px->x_u->u_connecting && !px->x_resp_done &&
	    !px->x_up_eof && to_client(c) < WRK_PXY_BUF;
}

/* -1: c is gone; 0: nothing to read; 1: read. */
static int
client_read(struct wrk_conn *c)
{
	struct wrk_pxy *px = c->c_pxy;
	struct wrk_req *r = &c->c_req;
	struct wrk_buf *o = &px->x_out;
	ssize_t n;

	if (px->x_tunnel) {
		out_compact(px);
		if (wrk_buf_reserve(o, WRK_RBUF_SIZE) < 0)
			return wrk_pxy_client_gone(c);
		do
			n = recv(c->c_fd, o->b + o->len, o->cap - o->len, 0);
		while (n < 0 && errno == EINTR);
		/* A short read emptied the socket: wait for the watcher. */
		px->x_cready = n > 0 && (size_t)n == o->cap - o->len;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n < 0) {
			wrk_conn_close(c, false);
			return -1;
		}
		if (n == 0)
			px->x_cl_eof = true;
		o->len += (size_t)n;
		return 1;
	}
	if (px->x_req_done || c->c_roff == c->c_rlen) {
		if (!px->x_req_done)
			c->c_roff = c->c_rlen = 0;
		do
			n = recv(c->c_fd, c->c_rbuf + c->c_rlen,
			    WRK_RBUF_SIZE - c->c_rlen, 0);
		while (n < 0 && errno == EINTR);
		px->x_cready = n > 0 && (size_t)n == WRK_RBUF_SIZE - c->c_rlen;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		/*
		 * Gone before its whole request: nothing to answer. After it,
		 * EOF may be a half-close (shutdown after the request, as
		 * the file server also allows): the answer is still written,
		 * and a client that closed for good fails that write.
		 */
		if (n < 0 || (n == 0 && !px->x_req_done))
			return wrk_pxy_client_gone(c);
		if (n == 0) {
			px->x_cl_eof = true;
			c->c_close_after = true;
			return 1;
		}
		c->c_rlen += (size_t)n;
		if (px->x_req_done)
			return 1;
	}
	wrk_req_parse(c);
	if (r->err != 0)
		return bad_request(c);
	if (r->complete && !px->x_req_done) {
		px->x_req_done = true;
		if (px->x_chunked && !px->x_wdead) {
			out_compact(px);
			if (wrk_buf_add(o, "0\r\n\r\n", 5) < 0) {
				r->err = 503;
				return bad_request(c);
			}
		}
	}
	return 1;
}

/* The answer is whole in the client's output: hand it to CS_WRITE. */
static int
finish(struct wrk_conn *c)
{
	struct wrk_pxy *px = c->c_pxy;
	bool reuse = px->x_req_done && to_server(px) == 0 && !px->x_extra &&
	    !px->x_wdead && !px->x_upgrade && http_should_keep_alive(&px->x_rp);

	if (!c->c_req.complete)
		c->c_close_after = true;
	wrk_ups_release(c, reuse);
	wrk_pxy_free(c);
	c->c_st = CS_WRITE;
	ev_io_stop(c->c_h->h_loop, &c->c_rio);
	wrk_conn_drive(c);
	return -1;
}

/*
 * A tunnel passes each side's end on once what came before it is sent,
 * and closes when both ended.
 */
static int
tunnel_ends(struct wrk_conn *c)
{
	struct wrk_pxy *px = c->c_pxy;

	if (c->c_h->h_draining ||
	    (px->x_cl_eof && px->x_up_eof && to_server(px) == 0 &&
	        to_client(c) == 0)) {
		wrk_conn_close(c, false);
		return -1;
	}
	if (px->x_cl_eof && to_server(px) == 0 && !px->x_u->u_wshut) {
		shutdown(px->x_u->u_fd, SHUT_WR);
		px->x_u->u_wshut = true;
	}
	if (px->x_up_eof && to_client(c) == 0 && !px->x_cl_shut) {
		shutdown(c->c_fd, SHUT_WR);
		px->x_cl_shut = true;
	}
	return 0;
}

/*
 * An event stream runs until someone stops it: at a drain it is ended
 * (its last chunk, then the connection closes) rather than waited for.
 */
static void
end_stream(struct wrk_conn *c)
{
	struct wrk_pxy *px = c->c_pxy;

	if (px->x_chunked_out)
		WRK_OUT_LIT(c, "0\r\n\r\n");
	c->c_close_after = true;
	px->x_extra = true;
	px->x_resp_done = true;
}

static void
arm(struct wrk_conn *c)
{
	struct wrk_pxy *px = c->c_pxy;
	struct ev_loop *loop = c->c_h->h_loop;
	bool rd = want_client(c), wr = to_client(c) > 0;

	if (rd)
		ev_io_start(loop, &c->c_rio);
	else
		ev_io_stop(loop, &c->c_rio);
	if (wr)
		ev_io_start(loop, &c->c_wio);
	else
		ev_io_stop(loop, &c->c_wio);
	/* A client that neither sends its body nor takes the answer. */
	wrk_conn_timer(c,
	    wr || (rd && !px->x_req_done) ? wrk_conn_write_timeout(c->c_h) : 0);
	if (px->x_u != NULL)
		wrk_ups_arm(c, want_server(c),
		    px->x_u->u_connecting || to_server(px) > 0);
}

/*
 * Move bytes until every side must wait, then watch what it waits for.
 * A bounded number of rounds: a fast pair must not starve the others
 * (the watchers bring it back in the next loop turn). -1: c is gone.
 */
int
wrk_pxy_pump(struct wrk_conn *c)
{
	struct wrk_pxy *px;
	size_t before;
	int moved, r;

	for (int round = 0; round < 32; round++) {
		px = c->c_pxy;
		moved = 0;
		if (c->c_wfail)
			return wrk_pxy_fail(c, ENOMEM) < 0 ? -1 : 0;
		if ((before = to_client(c)) > 0) {
			if (wrk_conn_flush(c) < 0)
				return wrk_pxy_client_gone(c);
			moved |= to_client(c) < before;
		}
		if (px->x_stream && px->x_head_sent && !px->x_resp_done &&
		    c->c_h->h_draining)
			end_stream(c);
		if (px->x_resp_done)
			return finish(c);
		if (px->x_tunnel && tunnel_ends(c) < 0)
			return -1;
		if (px->x_u != NULL && !px->x_u->u_connecting &&
		    to_server(px) > 0) {
			if ((r = wrk_ups_send(c)) < 0)
				return -1;
			moved |= r;
		}
		if (c->c_pxy != px)
			continue;
		/* Only what is ready: a read that would block is a syscall
		 * lost. */
		if (want_client(c) &&
		    (px->x_cready ||
		        (!px->x_req_done && c->c_roff < c->c_rlen))) {
			if ((r = client_read(c)) < 0)
				return -1;
			moved |= r;
		}
		if (want_server(c) && px->x_uready) {
			if ((r = wrk_pxy_up_read(c)) < 0)
				return -1;
			moved |= r;
		}
		if (!moved)
			break;
	}
	if (c->c_pxy->x_resp_done)
		return finish(c);
	arm(c);
	return 0;
}

void
wrk_pxy_drive(struct wrk_conn *c)
{
	wrk_pxy_pump(c);
}

void
wrk_pxy_readable(struct wrk_conn *c)
{
	c->c_pxy->x_cready = true;
	wrk_pxy_pump(c);
}

/*
 * A stop or a handoff: the answer in flight is finished, then the
 * connection ends; event streams and tunnels, which never finish, end
 * now (wrk_pxy_pump).
 */
void
wrk_pxy_drain(struct wrk_conn *c)
{
	c->c_close_after = true;
	wrk_pxy_pump(c);
}

/* The client took nothing, or sent no body, for the write timeout. */
void
wrk_pxy_timeout(struct wrk_conn *c)
{
	wrk_conn_close(c, true);
}

void
wrk_pxy_free(struct wrk_conn *c)
{
	struct wrk_pxy *px = c->c_pxy;

	if (px == NULL)
		return;
	wrk_ups_release(c, false);
	wrk_buf_free(&px->x_hcap);
	wrk_buf_free(&px->x_out);
	wrk_buf_free(&px->x_rcap);
	wrk_buf_free(&px->x_hold);
	free(px);
	c->c_pxy = NULL;
}
