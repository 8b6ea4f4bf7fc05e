/* SPDX-License-Identifier: ISC */
/*
 * worker/http_server.c
 * The public face of the HTTP server (http.h): creation and teardown, the
 * listener and accept loop (bounded bursts, back-off when fds run short),
 * graceful drain with its deadline (which first releases held requests),
 * cut, and stats. The listening socket belongs to the caller and is never
 * closed here.
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ev.h>

#include "http_proxy.h"

void
wrk_http_limits_default(struct wrk_http_limits *l)
{
	memset(l, 0, sizeof(*l)); /* no extra hosts, deny or allow globs */
	l->max_header_bytes = 8 * 1024;
	l->max_url_bytes = 4 * 1024;
	l->header_timeout = 10.0;
	l->keepalive_timeout = 60.0;
	l->spa = false;
	l->livereload = false;
	l->hold_timeout = 10.0;
}

size_t
wrk_http_url_cap(const struct wrk_http *h)
{
	/* http_parser_parse_url keeps offsets in 16 bits. */
	return h->h_lim.max_url_bytes < 65535 ? h->h_lim.max_url_bytes : 65535;
}

/*
 * Calls fn on every connection once, even when fn closes others (an ops
 * callback may broadcast, which may drop clients): each pass restarts
 * from the head and skips the connections already marked.
 */
void
wrk_http_visit(
    struct wrk_http *h, void (*fn)(struct wrk_conn *, void *), void *arg)
{
	struct wrk_conn *c;
	unsigned v = ++h->h_visit;

again:
	LIST_FOREACH(c, &h->h_conns, c_link)
	{
		if (c->c_visit != v) {
			c->c_visit = v;
			fn(c, arg);
			goto again;
		}
	}
}

/* The last statement of every entry point that may close a connection. */
void
wrk_http_check_drained(struct wrk_http *h)
{
	if (!h->h_draining || h->h_drained_sent || h->h_nconns > 0)
		return;
	h->h_drained_sent = true;
	ev_timer_stop(h->h_loop, &h->h_drain_timer);
	if (h->h_ops.drained != NULL)
		h->h_ops.drained(h->h_ops.arg);
}

/*
 * Answer 503 and close, for a connection we will not serve. The request
 * is read first: closing with unread input sends RST, which could destroy
 * the answer before the client reads it.
 */
static void
refuse(int fd)
{
	static const char msg[] =
	    "HTTP/1.1 503 Service Unavailable\r\n"
	    "Content-Length: 0\r\nConnection: close\r\n\r\n";
	char buf[4096];

	(void)recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
	(void)send(fd, msg, sizeof(msg) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	close(fd);
}

/* Let the listener rest: its queue stays readable, so never spin on it. */
static void
rest(struct wrk_http *h)
{
	ev_io_stop(h->h_loop, &h->h_accept);
	if (!h->h_draining) {
		ev_timer_set(&h->h_accept_retry, WRK_ACCEPT_RETRY, 0.);
		ev_timer_start(h->h_loop, &h->h_accept_retry);
	}
}

/* Returns 0 at EAGAIN, 1 when the budget ran out, -1 when resting. */
static int
accept_some(struct wrk_http *h, int budget)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd;

	while (budget-- > 0) {
		sl = sizeof(ss);
		fd = accept4(h->h_lfd, (struct sockaddr *)&ss, &sl,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0) {
			/*
			 * The kernel hands out the lowest free fd, so a high
			 * one means few are left. Keep those for the files
			 * the connections we have must open (the reserve-fd
			 * trick, generalised): refuse this one, and rest.
			 */
			if (fd >= h->h_fd_limit - WRK_FD_HEADROOM) {
				refuse(fd);
				rest(h);
				return -1;
			}
			if (wrk_conn_new(h, fd, (struct sockaddr *)&ss, sl) ==
			    NULL)
				close(fd);
			continue;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		if (errno == EINTR || errno == ECONNABORTED ||
		    errno == EPROTO || errno == EPERM)
			continue;
		/* EMFILE, ENFILE, ENOBUFS, ENOMEM, or a broken listener. */
		rest(h);
		return -1;
	}
	return 1;
}

static void
accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct wrk_http *h = WRK_CONTAINER_OF(w, struct wrk_http, h_accept);

	(void)loop;
	(void)revents;
	accept_some(h, WRK_ACCEPT_BURST);
}

static void
accept_retry_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct wrk_http *h =
	    WRK_CONTAINER_OF(w, struct wrk_http, h_accept_retry);

	(void)revents;
	if (h->h_draining)
		return;
	ev_io_start(loop, &h->h_accept);
	accept_some(h, WRK_ACCEPT_BURST);
}

static void
drain_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct wrk_http *h =
	    WRK_CONTAINER_OF(w, struct wrk_http, h_drain_timer);

	(void)loop;
	(void)revents;
	wrk_http_cut(h);
}

struct wrk_http *
wrk_http_new(struct ev_loop *loop, int listen_fd, const char *root,
    const struct wrk_http_limits *limits, const struct wrk_http_ops *ops)
{
	struct wrk_http_limits def;
	struct wrk_http *h;
	struct rlimit rl;
	int saved;

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return NULL;
	if ((h->h_rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC)) ==
	    -1) {
		saved = errno;
		free(h);
		errno = saved;
		return NULL;
	}
	wrk_http_limits_default(&def);
	h->h_lim = limits != NULL ? *limits : def;
	/* Zero means "the default", so a caller may set only what it needs. */
	if (h->h_lim.max_header_bytes == 0)
		h->h_lim.max_header_bytes = def.max_header_bytes;
	if (h->h_lim.max_url_bytes == 0)
		h->h_lim.max_url_bytes = def.max_url_bytes;
	if (h->h_lim.header_timeout <= 0)
		h->h_lim.header_timeout = def.header_timeout;
	if (h->h_lim.keepalive_timeout <= 0)
		h->h_lim.keepalive_timeout = def.keepalive_timeout;
	if (h->h_lim.hold_timeout <= 0)
		h->h_lim.hold_timeout = def.hold_timeout;
	if (ops != NULL)
		h->h_ops = *ops;
	if (wrk_pools_init(h) < 0) {
		close(h->h_rootfd);
		free(h);
		errno = ENOMEM;
		return NULL;
	}
	h->h_loop = loop;
	h->h_lfd = listen_fd;
	h->h_fd_limit = INT_MAX;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < INT_MAX)
		h->h_fd_limit = (int)rl.rlim_cur;
	LIST_INIT(&h->h_conns);
	TAILQ_INIT(&h->h_held);
	TAILQ_INIT(&h->h_pheld);
	ev_io_init(&h->h_accept, accept_cb, listen_fd, EV_READ);
	ev_init(&h->h_accept_retry, accept_retry_cb);
	ev_init(&h->h_drain_timer, drain_timer_cb);
	ev_io_start(loop, &h->h_accept);
	return h;
}

static void
drain_one(struct wrk_conn *c, void *arg)
{
	(void)arg;
	wrk_conn_drain(c);
}

void
wrk_http_drain(struct wrk_http *h, double deadline, bool handoff)
{
	if (h == NULL)
		return;
	if (h->h_draining) {
		/* A handoff that became a stop: idle clients go now. */
		if (h->h_handoff && !handoff) {
			h->h_handoff = false;
			wrk_http_visit(h, drain_one, NULL);
			wrk_http_check_drained(h);
		}
		return;
	}
	h->h_draining = true;
	h->h_handoff = handoff;
	ev_timer_stop(h->h_loop, &h->h_accept_retry);
	/* What the kernel completed before now is ours to serve. */
	accept_some(h, INT_MAX);
	/*
	 * A stop: no one will accept from this listener again (the
	 * supervisor keeps its copy until it exits, for a worker that died
	 * before draining). Shut down, it refuses a new client at once
	 * rather than leaving it in the backlog to be reset at exit. Linux
	 * resets a connection completed between the accept above and this
	 * call: a window of one system call.
	 */
	if (!handoff)
		(void)shutdown(h->h_lfd, SHUT_RDWR);
	ev_io_stop(h->h_loop, &h->h_accept);
	/* No connection to a server is kept from now on (nginx's rule). */
	wrk_pools_close_idle(h);
	ev_timer_set(&h->h_drain_timer, deadline > 0 ? deadline : 0., 0.);
	ev_timer_start(h->h_loop, &h->h_drain_timer);
	/* A stop must never leave a request unanswered: serve what waits. */
	wrk_hold_release_all(h);
	wrk_pxw_release_all(h);
	wrk_http_visit(h, drain_one, NULL);
	wrk_http_check_drained(h);
}

void
wrk_http_cut(struct wrk_http *h)
{
	struct wrk_conn *c;

	if (h == NULL)
		return;
	/* A request held for a build gets 503 rather than a reset. */
	wrk_http_refuse_held(h);
	while ((c = LIST_FIRST(&h->h_conns)) != NULL)
		wrk_conn_close(c, wrk_conn_busy(c));
	wrk_http_check_drained(h);
}

void
wrk_http_stats(const struct wrk_http *h, struct wrk_http_stats *st)
{
	const struct wrk_conn *c;

	memset(st, 0, sizeof(*st));
	if (h == NULL)
		return;
	st->requests = h->h_requests;
	st->connections = h->h_connections;
	st->cut = h->h_cut;
	st->open = h->h_nconns;
	LIST_FOREACH(c, &h->h_conns, c_link)
	if (c->c_st == CS_WRITE || c->c_st == CS_PROXY) {
		st->sending++;
		st->unsent += (c->c_wlen - c->c_woff) + c->c_fleft;
	}
}

void
wrk_http_free(struct wrk_http *h)
{
	struct wrk_conn *c;

	if (h == NULL)
		return;
	while ((c = LIST_FIRST(&h->h_conns)) != NULL)
		wrk_conn_close(c, false);
	ev_io_stop(h->h_loop, &h->h_accept);
	ev_timer_stop(h->h_loop, &h->h_accept_retry);
	ev_timer_stop(h->h_loop, &h->h_drain_timer);
	wrk_pools_free(h);
	close(h->h_rootfd);
	free(h);
}
