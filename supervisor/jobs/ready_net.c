/* SPDX-License-Identifier: ISC */
/*
 * supervisor/jobs/ready_net.c
 * The tcp and http readiness probes: a nonblocking connect to a numeric
 * address (never a name lookup, which would block the loop), and for http
 * one GET and its status line. One attempt at a time; a failed attempt
 * waits r_interval, one that hangs is given up after READY_ATTEMPT_MAX.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ev.h>

#include "job.h"
#include "ready.h"

/*
 * Seconds an attempt may take. A listening socket completes handshakes
 * before the server accepts, so a connection can sit unanswered; after
 * this long a fresh one is tried (a proxy that holds connections open
 * must not hide the real server until the deadline).
 */
#define READY_ATTEMPT_MAX 5.0

#define JOB_OF(w, member) \
	((struct job *)((char *)w - offsetof(struct job, j_probe.member)))

/* Numeric only: AI_NUMERICHOST makes getaddrinfo fail, not block. */
static int
ready_resolve(struct ready_probe *p, const char *host, unsigned port)
{
	struct addrinfo hints, *ai;
	char serv[8];
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(serv, sizeof(serv), "%u", port);
	if ((rc = getaddrinfo(host, serv, &hints, &ai)) != 0)
		return rc;
	memcpy(&p->rp_addr[p->rp_naddr], ai->ai_addr, ai->ai_addrlen);
	p->rp_addrlen[p->rp_naddr++] = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

/* Parse the target once per start; the attempts reuse the address. */
int
ready_net_start(struct job *j)
{
	const struct cfg_ready *r = &j->j_cfg->j_ready;
	struct ready_probe *p = &j->j_probe;
	const char *t = r->r_target, *path = "/";
	char auth[128], host[64];
	unsigned port;
	int rc, n;

	if (r->r_kind == READY_HTTP) {
		if (cfg_split_http_url(t, auth, sizeof(auth), host,
		        sizeof(host), &port, &path) < 0)
			goto bad;
	} else if (snprintf(auth, sizeof(auth), "%s", t) >= (int)sizeof(auth) ||
	    cfg_split_hostport(auth, host, sizeof(host), &port) < 0)
		goto bad;
	if (port == 0)
		goto bad;
	p->rp_naddr = p->rp_cur = 0;
	/*
	 * The one name the config allows. Both loopbacks: Node.js 17 and
	 * later may bind "localhost" to ::1 alone, most servers to 127.0.0.1.
	 */
	if (strcmp(host, "localhost") == 0) {
		rc = ready_resolve(p, "127.0.0.1", port);
		if (ready_resolve(p, "::1", port) == 0)
			rc = 0;
	} else
		rc = ready_resolve(p, host, port);
	if (rc != 0) {
		ready_done(j, false, "%s: %s", r->r_target, gai_strerror(rc));
		return -1;
	}
	if (r->r_kind == READY_HTTP) {
		/* Host as written, port included, as a browser sends it. */
		n = asprintf(&p->rp_req, "GET %s HTTP/1.0\r\nHost: %s\r\n\r\n",
		    path, auth);
		if (n < 0) {
			p->rp_req = NULL;
			ready_done(j, false, "%s: out of memory", r->r_target);
			return -1;
		}
		p->rp_req_len = (size_t)n;
	}
	return 0;
bad:
	ready_done(j, false, "%s: not an address to probe", r->r_target);
	return -1;
}

void
ready_net_close(struct job *j)
{
	struct ready_probe *p = &j->j_probe;

	if (!p->rp_has_fd)
		return;
	ev_io_stop(j->j_env->loop, &p->rp_io);
	close(p->rp_io.fd);
	p->rp_io.fd = -1;
	p->rp_has_fd = false;
}

/*
 * This attempt failed: note why (for the timeout message), try the next
 * address at once, or after r_interval when every address was tried.
 */
static void ready_net_failed(struct job *j, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
ready_net_failed(struct job *j, const char *fmt, ...)
{
	struct ready_probe *p = &j->j_probe;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->rp_why, sizeof(p->rp_why), fmt, ap);
	va_end(ap);
	ready_net_close(j);
	p->rp_phase = RP_WAIT;
	if (++p->rp_cur < p->rp_naddr) {
		ready_tick(j, 0., 0.);
		return;
	}
	p->rp_cur = 0;
	ready_tick(j, j->j_cfg->j_ready.r_interval, 0.);
}

static void
ready_io_want(struct job *j, int events)
{
	struct ready_probe *p = &j->j_probe;

	ev_io_stop(j->j_env->loop, &p->rp_io);
	ev_io_set(&p->rp_io, p->rp_io.fd, events);
	ev_io_start(j->j_env->loop, &p->rp_io);
}

/* "HTTP/1.1 204 No Content" -> 204; -1 when it is not a status line. */
static int
ready_http_status(const char *s)
{
	const char *sp;

	if (strncmp(s, "HTTP/", 5) != 0 || (sp = strchr(s, ' ')) == NULL)
		return -1;
	if (sp[1] < '1' || sp[1] > '5' || sp[2] < '0' || sp[2] > '9' ||
	    sp[3] < '0' || sp[3] > '9')
		return -1;
	if (sp[4] != ' ' && sp[4] != '\r' && sp[4] != '\n' && sp[4] != '\0')
		return -1;
	return (sp[1] - '0') * 100 + (sp[2] - '0') * 10 + (sp[3] - '0');
}

/* Read until the status line is complete or the server closes. */
static void
ready_http_recv(struct job *j)
{
	struct ready_probe *p = &j->j_probe;
	const char *url = j->j_cfg->j_ready.r_target;
	size_t room;
	ssize_t n;
	int code;

	for (;;) {
		room = sizeof(p->rp_resp) - 1 - p->rp_resp_len;
		n = recv(p->rp_io.fd, p->rp_resp + p->rp_resp_len, room, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n < 0) {
			ready_net_failed(j, "%s: %s", url, strerror(errno));
			return;
		}
		p->rp_resp_len += (size_t)n;
		p->rp_resp[p->rp_resp_len] = '\0';
		if (n == 0 || (size_t)n == room ||
		    memchr(p->rp_resp, '\n', p->rp_resp_len) != NULL)
			break;
	}
	if (p->rp_resp_len == 0) {
		ready_net_failed(j, "%s: closed without an answer", url);
		return;
	}
	code = ready_http_status(p->rp_resp);
	if (code >= 200 && code <= 299)
		ready_done(j, true, "%s answered %d", url, code);
	else if (code > 0)
		ready_net_failed(j, "%s answered %d", url, code);
	else
		ready_net_failed(j, "%s: not an HTTP answer", url);
}

static void
ready_http_send(struct job *j)
{
	struct ready_probe *p = &j->j_probe;
	ssize_t n;

	while (p->rp_req_off < p->rp_req_len) {
		/* MSG_NOSIGNAL: a server that closed must not raise SIGPIPE. */
		n = send(p->rp_io.fd, p->rp_req + p->rp_req_off,
		    p->rp_req_len - p->rp_req_off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			ready_io_want(j, EV_WRITE);
			return;
		}
		if (n < 0) {
			ready_net_failed(j, "%s: %s",
			    j->j_cfg->j_ready.r_target, strerror(errno));
			return;
		}
		p->rp_req_off += (size_t)n;
	}
	p->rp_phase = RP_RECV;
	ready_io_want(j, EV_READ);
}

static void
ready_connected(struct job *j)
{
	if (j->j_cfg->j_ready.r_kind == READY_TCP) {
		ready_done(
		    j, true, "tcp %s accepts", j->j_cfg->j_ready.r_target);
		return;
	}
	j->j_probe.rp_phase = RP_SEND;
	ready_http_send(j);
}

static void
on_io(struct ev_loop *loop, ev_io *w, int revents)
{
	struct job *j = JOB_OF(w, rp_io);
	socklen_t len = sizeof(int);
	int err = 0;

	(void)loop;
	(void)revents;
	switch (j->j_probe.rp_phase) {
	case RP_CONNECT:
		if (getsockopt(w->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		if (err != 0)
			ready_net_failed(j, "%s: %s",
			    j->j_cfg->j_ready.r_target, strerror(err));
		else
			ready_connected(j);
		break;
	case RP_SEND:
		ready_http_send(j);
		break;
	case RP_RECV:
		ready_http_recv(j);
		break;
	default:
		break;
	}
}

/*
 * The tick: start an attempt, or give up the one in flight (it outlived
 * READY_ATTEMPT_MAX) and schedule the next like any failure.
 */
void
ready_net_attempt(struct job *j)
{
	struct ready_probe *p = &j->j_probe;
	const struct sockaddr *sa;
	int fd;

	if (p->rp_phase != RP_WAIT) {
		ready_net_failed(j, "%s: no answer within %g s",
		    j->j_cfg->j_ready.r_target, READY_ATTEMPT_MAX);
		return;
	}
	sa = (const struct sockaddr *)&p->rp_addr[p->rp_cur];
	fd = socket(
	    sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ready_net_failed(j, "socket: %s", strerror(errno));
		return;
	}
	ev_io_init(&p->rp_io, on_io, fd, EV_WRITE);
	p->rp_has_fd = true;
	p->rp_phase = RP_CONNECT;
	p->rp_req_off = p->rp_resp_len = 0;
	ready_tick(j, READY_ATTEMPT_MAX, 0.);
	if (connect(fd, sa, p->rp_addrlen[p->rp_cur]) == 0) {
		ready_connected(j);
		return;
	}
	if (errno != EINPROGRESS) {
		ready_net_failed(
		    j, "%s: %s", j->j_cfg->j_ready.r_target, strerror(errno));
		return;
	}
	ev_io_start(j->j_env->loop, &p->rp_io);
}
