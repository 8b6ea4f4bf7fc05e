/* SPDX-License-Identifier: ISC */
/*
 * worker/http_conn.c
 * One client connection: its watchers, the state machine that alternates
 * reading a request and writing its response (keep-alive, pipelining),
 * the timers (head, idle, stalled write, event-stream ping, linger), the
 * graceful end (lingering close) and the hard close. Memory follows the
 * state: a request's block and the output buffer are taken when needed
 * and given back when the connection goes idle.
 *
 * c_tmo is one timer whose meaning follows the state: CS_READ idle ->
 * keepalive_timeout (or header_timeout before the first request), CS_READ
 * with a request begun -> header_timeout, CS_WRITE -> stalled client,
 * CS_SSE -> ping, CS_HELD -> hold_timeout, CS_LINGER -> give up discarding,
 * CS_PROXY -> a client that neither sends its body nor reads its answer
 * (http_proxy.c arms it; everything else in that state is the proxy's).
 */
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ev.h>

#include "http_priv.h"

static void conn_rio_cb(struct ev_loop *, ev_io *, int);
static void conn_wio_cb(struct ev_loop *, ev_io *, int);
static void conn_tmo_cb(struct ev_loop *, ev_timer *, int);

/* A client that takes no byte for this long is gone. */
double
wrk_conn_write_timeout(const struct wrk_http *h)
{
	return h->h_lim.keepalive_timeout > h->h_lim.header_timeout
	    ? h->h_lim.keepalive_timeout
	    : h->h_lim.header_timeout;
}

static void
peer_name(struct wrk_conn *c, const struct sockaddr *sa)
{
	const struct sockaddr_in *in4 = (const void *)sa;
	const struct sockaddr_in6 *in6 = (const void *)sa;
	char a[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET &&
	    inet_ntop(AF_INET, &in4->sin_addr, a, sizeof(a)) != NULL)
		snprintf(c->c_peer, sizeof(c->c_peer), "%s:%u", a,
		    ntohs(in4->sin_port));
	else if (sa->sa_family == AF_INET6 &&
	    inet_ntop(AF_INET6, &in6->sin6_addr, a, sizeof(a)) != NULL)
		snprintf(c->c_peer, sizeof(c->c_peer), "[%s]:%u", a,
		    ntohs(in6->sin6_port));
	else
		snprintf(c->c_peer, sizeof(c->c_peer), "local");
}

/* Takes fd (nonblocking) on success; the caller closes it on NULL. */
struct wrk_conn *
wrk_conn_new(
    struct wrk_http *h, int fd, const struct sockaddr *sa, socklen_t salen)
{
	struct wrk_conn *c;
	int one = 1;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->c_h = h;
	c->c_fd = fd;
	c->c_ffd = -1;
	c->c_visit = h->h_visit;
	c->c_st = CS_READ;
	/* Responses are written whole or corked (MSG_MORE): no Nagle delay. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (salen >= sizeof(sa_family_t)) {
		c->c_loopback = wrk_http_is_loopback(sa);
		peer_name(c, sa);
	}
	wrk_req_init(c);
	ev_io_init(&c->c_rio, conn_rio_cb, fd, EV_READ);
	ev_io_init(&c->c_wio, conn_wio_cb, fd, EV_WRITE);
	ev_init(&c->c_tmo, conn_tmo_cb);
	LIST_INSERT_HEAD(&h->h_conns, c, c_link);
	h->h_nconns++;
	h->h_connections++;
	if (h->h_nconns > h->h_peak_conns)
		h->h_peak_conns = h->h_nconns;
	ev_io_start(h->h_loop, &c->c_rio);
	wrk_conn_timer(c, h->h_lim.header_timeout);
	return c;
}

void
wrk_conn_timer(struct wrk_conn *c, double secs)
{
	if (secs <= 0) {
		ev_timer_stop(c->c_h->h_loop, &c->c_tmo);
		return;
	}
	c->c_tmo.repeat = secs;
	ev_timer_again(c->c_h->h_loop, &c->c_tmo);
}

/*
 * The request's block (see struct wrk_req): header values, Host name,
 * URL, cleaned path and read buffer. Taken when bytes arrive on a
 * connection that has none.
 */
static int
mem_take(struct wrk_conn *c)
{
	size_t cap = wrk_http_url_cap(c->c_h);
	size_t hdrs = HDR_COUNT * sizeof(struct wrk_hval);
	char *m;

	if (c->c_mem != NULL)
		return 0;
	if ((m = malloc(hdrs + WRK_HDR_VAL + (cap + 1) + (cap + 32) +
	         WRK_RBUF_SIZE)) == NULL)
		return -1;
	c->c_mem = m;
	c->c_req.hdr = (struct wrk_hval *)(void *)m;
	c->c_req.host = m + hdrs;
	c->c_req.url = c->c_req.host + WRK_HDR_VAL;
	c->c_path = c->c_req.url + cap + 1;
	c->c_rbuf = c->c_path + cap + 32;
	for (int k = 0; k < HDR_COUNT; k++) {
		c->c_req.hdr[k].len = 0;
		c->c_req.hdr[k].over = false;
		c->c_req.hdr[k].v[0] = '\0';
	}
	c->c_req.host[0] = c->c_req.url[0] = '\0';
	return 0;
}

static void
mem_free(struct wrk_conn *c)
{
	free(c->c_mem);
	c->c_mem = NULL;
	c->c_req.hdr = NULL;
	c->c_req.host = c->c_req.url = c->c_path = c->c_rbuf = NULL;
	c->c_roff = c->c_rlen = 0;
}

/* Output all sent: its buffer goes too (the next response takes one). */
static void
wbuf_free(struct wrk_conn *c)
{
	if (c->c_woff < c->c_wlen)
		return;
	free(c->c_wbuf);
	c->c_wbuf = NULL;
	c->c_wcap = c->c_woff = c->c_wlen = 0;
}

/*
 * Glibc keeps freed memory for reuse; after a crowd of clients left, give
 * it back to the system (malloc_trim also returns free pages inside the
 * heap) when the count has fallen to a quarter of its peak, or to none.
 */
static void
trim_after_close(struct wrk_http *h)
{
	if (h->h_peak_conns >= 64 &&
	    (h->h_nconns == 0 || h->h_nconns <= h->h_peak_conns / 4)) {
		malloc_trim(0);
		h->h_peak_conns = h->h_nconns;
	}
}

/* Closes the connection now; cut says a response was left unfinished. */
void
wrk_conn_close(struct wrk_conn *c, bool cut)
{
	struct wrk_http *h = c->c_h;

	if (cut)
		h->h_cut++;
	ev_io_stop(h->h_loop, &c->c_rio);
	ev_io_stop(h->h_loop, &c->c_wio);
	ev_timer_stop(h->h_loop, &c->c_tmo);
	wrk_hold_forget(c);
	wrk_pxy_free(c);
	close(c->c_fd);
	if (c->c_ffd >= 0)
		close(c->c_ffd);
	LIST_REMOVE(c, c_link);
	h->h_nconns--;
	free(c->c_wbuf);
	free(c->c_mem);
	free(c);
	trim_after_close(h);
}

/* A request received or a response not yet fully written. */
bool
wrk_conn_busy(const struct wrk_conn *c)
{
	return c->c_st == CS_WRITE || c->c_st == CS_HELD ||
	    c->c_st == CS_PROXY || (c->c_st == CS_READ && c->c_req.begun);
}

/*
 * Ends the connection after a response. Closing a socket whose receive
 * queue holds data makes the kernel send RST, which can destroy the
 * response before the client reads it; so when input is pending, shut
 * down our side and read until the client closes (a lingering close).
 */
void
wrk_conn_end(struct wrk_conn *c)
{
	int pending = 0;

	if (c->c_roff < c->c_rlen || (c->c_req.begun && !c->c_req.complete) ||
	    c->c_req.body_skipped ||
	    (ioctl(c->c_fd, FIONREAD, &pending) == 0 && pending > 0)) {
		shutdown(c->c_fd, SHUT_WR);
		c->c_st = CS_LINGER;
		mem_free(c); /* what comes now is read and dropped */
		ev_io_stop(c->c_h->h_loop, &c->c_wio);
		ev_io_start(c->c_h->h_loop, &c->c_rio);
		wrk_conn_timer(c, WRK_LINGER);
		return;
	}
	wrk_conn_close(c, false);
}

/* 1 done, 0 would block (or yielding), -1 the client is gone. */
int
wrk_conn_flush(struct wrk_conn *c)
{
	size_t budget = WRK_SEND_CHUNK, want;
	ssize_t n;

	while (c->c_woff < c->c_wlen) {
		n = send(c->c_fd, c->c_wbuf + c->c_woff, c->c_wlen - c->c_woff,
		    MSG_NOSIGNAL | (c->c_fleft > 0 ? MSG_MORE : 0));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
		}
		c->c_woff += (size_t)n;
	}
	c->c_woff = c->c_wlen = 0;
	while (c->c_fleft > 0) {
		/* A fast client of a big file must not starve the others. */
		if (budget == 0)
			return 0;
		want = c->c_fleft < budget ? (size_t)c->c_fleft : budget;
		n = sendfile(c->c_fd, c->c_ffd, &c->c_foff, want);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
		}
		if (n == 0) /* truncated under us: Content-Length is a lie */
			return -1;
		c->c_fleft -= (uint64_t)n;
		budget -= (size_t)n;
	}
	if (c->c_ffd >= 0) {
		close(c->c_ffd);
		c->c_ffd = -1;
	}
	return 1;
}

/*
 * One recv into the read buffer (or, outside CS_READ, into the bin).
 * Returns the bytes read, 0 when none are ready, -1 when the connection
 * was closed (EOF or error) and c is gone.
 */
static ssize_t
conn_recv(struct wrk_conn *c)
{
	char bin[4096], *dst = bin;
	size_t room = sizeof(bin);
	ssize_t n;

	if (c->c_st == CS_READ) {
		if (mem_take(c) == -1) {
			wrk_conn_close(c, false);
			return -1;
		}
		dst = c->c_rbuf;
		room = WRK_RBUF_SIZE;
		if (c->c_roff > 0) {
			memmove(c->c_rbuf, c->c_rbuf + c->c_roff,
			    c->c_rlen - c->c_roff);
			c->c_rlen -= c->c_roff;
			c->c_roff = 0;
		}
		dst += c->c_rlen;
		room -= c->c_rlen;
		if (room == 0)
			return 0;
	}
	do
		n = recv(c->c_fd, dst, room, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	if (n <= 0) {
		wrk_conn_close(c, false);
		return -1;
	}
	if (c->c_st != CS_READ)
		return n;
	if (!c->c_req.begun) {
		/* The head must now arrive whole within header_timeout. */
		c->c_req.begun = true;
		wrk_conn_timer(c, c->c_h->h_lim.header_timeout);
	}
	c->c_rlen += (size_t)n;
	return n;
}

/*
 * Run the connection until it must wait: write what is built, answer
 * whatever requests the buffer holds, then wait for input or for the
 * socket to drain. May close c.
 */
void
wrk_conn_drive(struct wrk_conn *c)
{
	struct wrk_http *h = c->c_h;
	struct ev_loop *loop = h->h_loop;
	ssize_t n;
	int r;

	for (;;) {
		switch (c->c_st) {
		case CS_WRITE:
		case CS_SSE:
			if (c->c_wfail) {
				wrk_conn_close(c, c->c_st == CS_WRITE);
				return;
			}
			if ((r = wrk_conn_flush(c)) < 0) {
				wrk_conn_close(c, false);
				return;
			}
			if (r == 0) {
				ev_io_start(loop, &c->c_wio);
				if (c->c_st == CS_WRITE) {
					ev_io_stop(loop, &c->c_rio);
					wrk_conn_timer(
					    c, wrk_conn_write_timeout(h));
				}
				return;
			}
			ev_io_stop(loop, &c->c_wio);
			if (c->c_st == CS_SSE) {
				if (c->c_close_after)
					wrk_conn_end(c);
				else
					wbuf_free(c);
				return;
			}
			h->h_requests++;
			wbuf_free(c);
			if (c->c_sse && !c->c_close_after) {
				/* An open page's stream: idle from now on. */
				mem_free(c);
				c->c_st = CS_SSE;
				ev_io_start(loop, &c->c_rio);
				wrk_conn_timer(c, WRK_SSE_PING);
				return;
			}
			if (c->c_close_after) {
				wrk_conn_end(c);
				return;
			}
			wrk_req_reset(c);
			c->c_st = CS_READ;
			/* Idle keep-alive: its struct only. */
			if (!c->c_req.begun)
				mem_free(c);
			wrk_conn_timer(c,
			    c->c_req.begun ? h->h_lim.header_timeout
			                   : h->h_lim.keepalive_timeout);
			continue;
		case CS_READ:
			if (c->c_roff < c->c_rlen) {
				wrk_req_parse(c);
				if (c->c_st != CS_READ)
					continue;
			}
			/*
			 * Draining and idle: a request the kernel already
			 * holds is still answered, else the connection ends
			 * (a handoff waits for one more request instead).
			 */
			if (h->h_draining && !h->h_handoff && !c->c_req.begun) {
				if ((n = conn_recv(c)) < 0)
					return;
				if (n > 0)
					continue;
				wrk_conn_end(c);
				return;
			}
			ev_io_stop(loop, &c->c_wio);
			ev_io_start(loop, &c->c_rio);
			return;
		case CS_PROXY:
			wrk_pxy_drive(c);
			return;
		case CS_HELD:
			/* wrk_hold_park stopped the watchers. */
		case CS_LINGER:
			return;
		}
	}
}

/* Called once per connection when the server starts draining. */
void
wrk_conn_drain(struct wrk_conn *c)
{
	if (c->c_st == CS_SSE) {
		wrk_sse_shutdown(c);
		wrk_conn_drive(c);
	} else if (c->c_st == CS_HELD) {
		/* wrk_http_drain released the queue; this is a safety net. */
		wrk_hold_release(c);
	} else if (c->c_st == CS_PROXY) {
		wrk_pxy_drain(c);
	} else if (c->c_st == CS_READ && !c->c_req.complete) {
		/* (complete in CS_READ: an ops callback drains mid-dispatch.)
		 */
		wrk_conn_drive(c);
	}
	/* CS_WRITE ends (or goes on) when its response is written. */
}

static void
conn_rio_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct wrk_conn *c = WRK_CONTAINER_OF(w, struct wrk_conn, c_rio);
	struct wrk_http *h = c->c_h;

	(void)revents;
	if (c->c_st == CS_WRITE || c->c_st == CS_HELD) {
		ev_io_stop(loop, w);
		return;
	}
	if (c->c_st == CS_PROXY) {
		wrk_pxy_readable(c);
		wrk_http_check_drained(h);
		return;
	}
	if (conn_recv(c) > 0 && c->c_st == CS_READ)
		wrk_conn_drive(c);
	wrk_http_check_drained(h);
}

static void
conn_wio_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct wrk_conn *c = WRK_CONTAINER_OF(w, struct wrk_conn, c_wio);
	struct wrk_http *h = c->c_h;

	(void)loop;
	(void)revents;
	wrk_conn_drive(c);
	wrk_http_check_drained(h);
}

static void
conn_tmo_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct wrk_conn *c = WRK_CONTAINER_OF(w, struct wrk_conn, c_tmo);
	struct wrk_http *h = c->c_h;

	(void)loop;
	(void)revents;
	switch (c->c_st) {
	case CS_READ:
		if (!c->c_req.begun) {
			wrk_conn_close(c, false);
			break;
		}
		c->c_close_after = true;
		c->c_head = false;
		wrk_resp_error(c, 408, NULL);
		wrk_conn_drive(c);
		break;
	case CS_WRITE:
		wrk_conn_close(c, true);
		break;
	case CS_SSE:
		if (c->c_wfail)
			wrk_conn_close(c, false);
		else
			wrk_sse_ping(c);
		break;
	case CS_HELD:
		/* The build outlasted hold_timeout: what is there is half. */
		wrk_hold_refuse(c);
		break;
	case CS_LINGER:
		wrk_conn_close(c, false);
		break;
	case CS_PROXY:
		wrk_pxy_timeout(c);
		break;
	}
	wrk_http_check_drained(h);
}
