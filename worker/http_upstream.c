/* SPDX-License-Identifier: ISC */
/*
 * worker/http_upstream.c
 * Connections from the worker to the servers behind proxy routes: a
 * nonblocking connect from the loop to each of the route's addresses in
 * turn (localhost: 127.0.0.1, then ::1), sends that survive EINTR,
 * EAGAIN and short writes, and one pool per route of up to WRK_PXY_POOL
 * idle keep-alive connections, the most recently used first. As in
 * nginx's keepalive cache: an idle connection the server closes, or
 * sends on, leaves the pool at once; none is kept past WRK_PXY_IDLE, nor
 * while the worker drains; the least recently used makes room. Unlike
 * it, the room is made WRK_PXY_GRACE later: when a burst of answers ends
 * together, the requests that follow find their connections (up to
 * WRK_PXY_BURST) instead of reconnecting, which made half the cost of a
 * proxied request under 32 concurrent clients (docs/benchmarks.md). One is
 * also asked (MSG_PEEK), if it idled a while, whether it is still open as
 * it is taken. Every fd is nonblocking and close-on-exec. Whether a route's
 * server answers is reported on each change (ops->upstream), not on every
 * request.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http_proxy.h"

static void ups_rio_cb(struct ev_loop *, ev_io *, int);
static void ups_wio_cb(struct ev_loop *, ev_io *, int);
static void ups_tmo_cb(struct ev_loop *, ev_timer *, int);
static void trim_cb(struct ev_loop *, ev_timer *, int);

int
wrk_pools_init(struct wrk_http *h)
{
	if (h->h_lim.nroutes == 0)
		return 0;
	if ((h->h_pools = calloc(h->h_lim.nroutes, sizeof(*h->h_pools))) ==
	        NULL ||
	    (h->h_pxy_rbuf = malloc(WRK_PXY_RBUF)) == NULL) {
		free(h->h_pools);
		h->h_pools = NULL;
		return -1;
	}
	h->h_npools = h->h_lim.nroutes;
	for (size_t i = 0; i < h->h_npools; i++) {
		h->h_pools[i].p_route = &h->h_lim.routes[i];
		h->h_pools[i].p_h = h;
		TAILQ_INIT(&h->h_pools[i].p_idle);
		ev_init(&h->h_pools[i].p_trim, trim_cb);
	}
	return 0;
}

/* Watchers, fd and memory; not the pool's list (see idle_close). */
static void
ups_free(struct wrk_ups *u)
{
	struct ev_loop *loop = u->u_h->h_loop;

	ev_io_stop(loop, &u->u_rio);
	ev_io_stop(loop, &u->u_wio);
	ev_timer_stop(loop, &u->u_tmo);
	close(u->u_fd);
	free(u);
}

static void
idle_close(struct wrk_ups *u)
{
	TAILQ_REMOVE(&u->u_pool->p_idle, u, u_link);
	u->u_pool->p_nidle--;
	ups_free(u);
}

void
wrk_pools_close_idle(struct wrk_http *h)
{
	struct wrk_ups *u;

	for (size_t i = 0; i < h->h_npools; i++) {
		ev_timer_stop(h->h_loop, &h->h_pools[i].p_trim);
		while ((u = TAILQ_FIRST(&h->h_pools[i].p_idle)) != NULL)
			idle_close(u);
	}
}

/*
 * Over WRK_PXY_POOL: the least recently used go once idle for the grace;
 * if younger ones are still over, look again when the oldest is due.
 */
static void
trim_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct wrk_pool *p = WRK_CONTAINER_OF(w, struct wrk_pool, p_trim);
	struct wrk_ups *u;
	double due;

	(void)revents;
	while (p->p_nidle > WRK_PXY_POOL &&
	    (u = TAILQ_LAST(&p->p_idle, wrk_ups_q)) != NULL) {
		due = u->u_idle_at + WRK_PXY_GRACE - ev_now(loop);
		if (due > 0) {
			ev_timer_set(w, due, 0.);
			ev_timer_start(loop, w);
			return;
		}
		idle_close(u);
	}
}

void
wrk_pools_free(struct wrk_http *h)
{
	wrk_pools_close_idle(h);
	free(h->h_pools);
	free(h->h_pxy_rbuf);
	h->h_pools = NULL;
	h->h_pxy_rbuf = NULL;
	h->h_npools = 0;
}

/* Reachable (err 0) or not: said when it changes. */
static void
news(struct wrk_http *h, struct wrk_pool *p, int err)
{
	bool was_down = p->p_err != 0;

	p->p_err = err;
	if (was_down != (err != 0) && h->h_ops.upstream != NULL)
		h->h_ops.upstream(h->h_ops.arg, p->p_route, err);
}

/* A new connection to address i, or a later one; 0 or -errno. */
static int
ups_connect(struct wrk_conn *c, unsigned i)
{
	struct wrk_pxy *px = c->c_pxy;
	struct wrk_http *h = c->c_h;
	const struct wrk_http_route *r = px->x_pool->p_route;
	struct wrk_ups *u;
	int fd = -1, one = 1, e = ECONNREFUSED;

	for (; i < r->naddr; i++) {
		const struct sockaddr *sa = (const void *)&r->addr[i];

		fd = socket(sa->sa_family,
		    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd == -1)
			return -errno; /* EMFILE and the like: 503 */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		/* EINTR: the connection goes on without us (POSIX). */
		if (connect(fd, sa, r->addrlen[i]) == 0 ||
		    errno == EINPROGRESS || errno == EINTR)
			break;
		e = errno;
		close(fd);
	}
	if (i == r->naddr) {
		news(h, px->x_pool, e);
		return -e;
	}
	if ((u = calloc(1, sizeof(*u))) == NULL) {
		close(fd);
		return -ENOMEM;
	}
	u->u_fd = fd;
	u->u_h = h;
	u->u_pool = px->x_pool;
	u->u_c = c;
	u->u_addr = i;
	/* Connected or not, its writability says (SO_ERROR). */
	u->u_connecting = true;
	ev_io_init(&u->u_rio, ups_rio_cb, fd, EV_READ);
	ev_io_init(&u->u_wio, ups_wio_cb, fd, EV_WRITE);
	ev_init(&u->u_tmo, ups_tmo_cb);
	u->u_tmo.repeat = WRK_PXY_CONNECT;
	ev_timer_again(h->h_loop, &u->u_tmo);
	ev_io_start(h->h_loop, &u->u_wio);
	px->x_u = u;
	return 0;
}

/* A connection for c's request: from the pool unless fresh; 0 or -errno. */
int
wrk_ups_open(struct wrk_conn *c, bool fresh)
{
	struct wrk_pxy *px = c->c_pxy;
	struct wrk_pool *p = px->x_pool;
	struct wrk_ups *u;
	ssize_t n;
	char b;

	px->x_uready = false;
	while (!fresh && (u = TAILQ_FIRST(&p->p_idle)) != NULL) {
		TAILQ_REMOVE(&p->p_idle, u, u_link);
		p->p_nidle--;
		/*
		 * Closed by the server, or sent on unasked: not for reuse. Its
		 * watcher says so, unless it happened in this loop turn; one
		 * idle a while is asked (a server's keep-alive may be as short
		 * as ours), one that just served is not: no syscall per
		 * request under load.
		 */
		if (ev_now(c->c_h->h_loop) - u->u_idle_at < WRK_PXY_PEEK)
			n = -1, errno = EAGAIN;
		else
			n = recv(u->u_fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			ev_io_stop(c->c_h->h_loop, &u->u_rio);
			ev_timer_stop(c->c_h->h_loop, &u->u_tmo);
			u->u_c = c;
			u->u_reused = true;
			px->x_u = u;
			return 0;
		}
		ups_free(u);
	}
	return ups_connect(c, 0);
}

/*
 * c is done with its connection: into the pool when reuse says it ended
 * clean (a whole request sent, a whole answer read, keep-alive), else
 * closed.
 */
void
wrk_ups_release(struct wrk_conn *c, bool reuse)
{
	struct wrk_pxy *px = c->c_pxy;
	struct wrk_ups *u = px->x_u;
	struct ev_loop *loop = c->c_h->h_loop;
	struct wrk_pool *p;

	if (u == NULL)
		return;
	px->x_u = NULL;
	u->u_c = NULL;
	if (!reuse || u->u_connecting || u->u_wshut || c->c_h->h_draining) {
		ups_free(u);
		return;
	}
	ev_io_stop(loop, &u->u_wio);
	p = u->u_pool;
	if (p->p_nidle >= WRK_PXY_BURST)
		idle_close(TAILQ_LAST(&p->p_idle, wrk_ups_q));
	TAILQ_INSERT_HEAD(&p->p_idle, u, u_link);
	p->p_nidle++;
	if (p->p_nidle > WRK_PXY_POOL && !ev_is_active(&p->p_trim)) {
		ev_timer_set(&p->p_trim, WRK_PXY_GRACE, 0.);
		ev_timer_start(loop, &p->p_trim);
	}
	u->u_reused = false;
	u->u_idle_at = ev_now(loop);
	ev_io_start(loop, &u->u_rio);
	u->u_tmo.repeat = WRK_PXY_IDLE;
	ev_timer_again(loop, &u->u_tmo);
}

/* -1: c is gone; 0: the socket is full; 1: bytes went. */
int
wrk_ups_send(struct wrk_conn *c)
{
	struct wrk_pxy *px = c->c_pxy;
	struct wrk_ups *u = px->x_u;
	struct wrk_buf *b = &px->x_out;
	size_t before = b->off;
	ssize_t n;

	while (b->off < b->len) {
		n = send(u->u_fd, b->b + b->off, b->len - b->off, MSG_NOSIGNAL);
		if (n >= 0) {
			b->off += (size_t)n;
			px->x_sent = true;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			break;
		if (wrk_pxy_can_retry(px))
			return wrk_pxy_fail(c, errno) < 0 ? -1 : 1;
		/*
		 * It stopped reading (EPIPE, ECONNRESET), perhaps after it
		 * answered, say 413 to a big upload: the answer is still read;
		 * the rest of the body goes nowhere.
		 */
		px->x_wdead = true;
		px->x_replay = false;
		b->off = b->len = 0;
		return 1;
	}
	if (b->off == b->len && !px->x_replay)
		b->off = b->len = 0;
	return b->off != before;
}

void
wrk_ups_arm(struct wrk_conn *c, bool rd, bool wr)
{
	struct wrk_ups *u = c->c_pxy->x_u;
	struct ev_loop *loop = c->c_h->h_loop;

	if (rd)
		ev_io_start(loop, &u->u_rio);
	else
		ev_io_stop(loop, &u->u_rio);
	if (wr)
		ev_io_start(loop, &u->u_wio);
	else
		ev_io_stop(loop, &u->u_wio);
}

static void
ups_rio_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct wrk_ups *u = WRK_CONTAINER_OF(w, struct wrk_ups, u_rio);
	struct wrk_http *h = u->u_h;

	(void)loop;
	(void)revents;
	/* Idle: the server closed it, or broke the protocol. */
	if (u->u_c == NULL) {
		idle_close(u);
		return;
	}
	u->u_c->c_pxy->x_uready = true;
	wrk_pxy_pump(u->u_c);
	wrk_http_check_drained(h);
}

static void
ups_wio_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct wrk_ups *u = WRK_CONTAINER_OF(w, struct wrk_ups, u_wio);
	struct wrk_http *h = u->u_h;
	struct wrk_conn *c = u->u_c;
	struct wrk_pool *p = u->u_pool;
	socklen_t len = sizeof(int);
	unsigned next;
	int e = 0, r;

	(void)loop;
	(void)revents;
	if (u->u_connecting) {
		if (getsockopt(u->u_fd, SOL_SOCKET, SO_ERROR, &e, &len) == -1)
			e = errno;
		if (e != 0) {
			next = u->u_addr + 1;
			c->c_pxy->x_u = NULL;
			ups_free(u);
			if (next < p->p_route->naddr)
				r = ups_connect(c, next);
			else {
				news(h, p, e);
				r = -e;
			}
			if (r == 0 || wrk_pxy_fail(c, -r) >= 0)
				wrk_pxy_pump(c);
			wrk_http_check_drained(h);
			return;
		}
		u->u_connecting = false;
		ev_timer_stop(h->h_loop, &u->u_tmo);
		news(h, p, 0);
	}
	wrk_pxy_pump(c);
	wrk_http_check_drained(h);
}

static void
ups_tmo_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct wrk_ups *u = WRK_CONTAINER_OF(w, struct wrk_ups, u_tmo);
	struct wrk_http *h = u->u_h;
	struct wrk_conn *c = u->u_c;

	(void)loop;
	(void)revents;
	if (c == NULL) {
		idle_close(u);
		return;
	}
	/* Not connected within WRK_PXY_CONNECT: 504. */
	news(h, u->u_pool, ETIMEDOUT);
	if (wrk_pxy_fail(c, ETIMEDOUT) >= 0)
		wrk_pxy_pump(c);
	wrk_http_check_drained(h);
}
