/* SPDX-License-Identifier: ISC */
/*
 * tests/torture/load.c
 * The load the torture puts on tend while it types Ctrl-C: TT_NCONN
 * nonblocking keep-alive HTTP clients, each GETting public/data.bin again
 * and again and checking every byte against Content-Length and the known
 * content; in some iterations one slow download of public/big.bin begun
 * just before the Ctrl-C (so a response is in flight, and the drain
 * lasts long enough for a 2nd press); and a UDP stream of numbered records
 * ("rec N") with a "ping" every TT_PING_EVERY records, each ping from its own
 * socket so that a pong names its ping exactly. A pong proves every record sent
 * before its ping was handled (tend handles its socket buffer in order).
 * Everything, the pty included, is driven from one poll loop (load_step),
 * also the requests for public/page.html during builds (page.c).
 */
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "torture.h"

/* Host names tend itself: tend answers 403 to a name it does not know. */
static const char request[] =
    "GET /data.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
static const char slow_request[] = "GET /big.bin HTTP/1.1\r\nHost: "
                                   "127.0.0.1\r\nConnection: close\r\n\r\n";

unsigned char
tt_data_byte(size_t i)
{
	return (unsigned char)((i * 131u + i / 251u + 7u) & 0xffu);
}

void
load_init(struct tt_load *ld, const char *dir, int presses)
{
	memset(ld, 0, sizeof(*ld));
	ld->dir = dir;
	ld->http_port = ld->udp_port = -1;
	ld->udp_fd = -1;
	ld->connect_more = true;
	ld->presses = presses;
	for (int i = 0; i < TT_NALL; i++)
		ld->c[i].fd = -1;
	ld->c[TT_SLOW].slow = true;
	page_init(ld);
}

static struct sockaddr_in
loopback(int port)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return sin;
}

/* The port at the end of a whole printed line "PREFIX...:PORT[/]". */
static int
port_in(const struct tp *tp, const char *prefix)
{
	const char *p = strstr(tp->out, prefix), *eol, *colon = NULL;

	if (p == NULL || (eol = strstr(p, "\r\n")) == NULL)
		return -1;
	for (p += strlen(prefix); p < eol; p++)
		if (*p == ':')
			colon = p;
	return colon ? atoi(colon + 1) : -1;
}

static void
conn_reset(struct tt_conn *c)
{
	c->req_off = 0;
	c->must_answer = false;
	c->hlen = 0;
	c->have_head = false;
	c->status = 0;
	c->clen = -1;
	c->body = 0;
	c->server_closes = false;
	c->retry_after = false;
}

static void
conn_open(struct tt_load *ld, struct tt_conn *c)
{
	struct sockaddr_in sin = loopback(ld->http_port);

	conn_reset(c);
	c->epoch = ld->epoch;
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd == -1) {
		c->st = HC_CLOSED;
		return;
	}
	if (c->slow) {
		int rcvbuf = 4096;
		setsockopt(
		    c->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	}
	if (connect(c->fd, (struct sockaddr *)&sin, sizeof(sin)) == 0)
		c->st = HC_SENDING;
	else if (errno == EINPROGRESS)
		c->st = HC_CONNECTING;
	else {
		if (!ld->ctrl_c)
			tt_fail(
			    "http: connect before Ctrl-C: %s", strerror(errno));
		ld->refused++;
		close(c->fd);
		c->fd = -1;
		c->st = HC_CLOSED;
	}
}

/* The connection ended (EOF, reset or error) in the middle of state st. */
static void
conn_ended(struct tt_load *ld, struct tt_conn *c, const char *why)
{
	/* A cut (2nd Ctrl-C) or a worker killed since connect excuses it. */
	bool excused = ld->presses >= 2 || c->epoch != ld->epoch;

	if (c->st == HC_READING && (c->have_head || c->hlen > 0)) {
		if (excused)
			ld->truncated++;
		else
			tt_fail("http: response cut (%s) after %zu of %ld body "
			        "bytes, status %d",
			    why, c->body, c->clen, c->status);
	} else if (c->st == HC_READING && c->must_answer && !excused)
		tt_fail("http: a request sent before Ctrl-C got no answer "
		        "(%s)",
		    why);
	else if (c->st == HC_READING || c->st == HC_SENDING)
		ld->unanswered++;
	close(c->fd);
	c->fd = -1;
	c->st = HC_CLOSED;
	if (ld->connect_more && !c->slow)
		conn_open(ld, c);
}

static void
conn_send(struct tt_load *ld, struct tt_conn *c)
{
	const char *req = c->slow ? slow_request : request;
	size_t len = c->slow ? sizeof(slow_request) - 1 : sizeof(request) - 1;
	ssize_t n =
	    send(c->fd, req + c->req_off, len - c->req_off, MSG_NOSIGNAL);

	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			conn_ended(ld, c, strerror(errno));
		return;
	}
	c->req_off += (size_t)n;
	if (c->req_off == len)
		c->st = HC_READING;
}

/* Parse the head; false (and a violation) when it is not a response. */
static bool
parse_head(struct tt_conn *c)
{
	const char *p;

	if (sscanf(c->head, "HTTP/1.1 %d ", &c->status) != 1) {
		tt_fail("http: not a response head: %.60s", c->head);
		return false;
	}
	for (p = c->head; (p = strchr(p, '\n')) != NULL;) {
		if (strncasecmp(++p, "content-length:", 15) == 0)
			c->clen = atol(p + 15);
		else if (strncasecmp(p, "connection: close", 17) == 0)
			c->server_closes = true;
		else if (strncasecmp(p, "retry-after:", 12) == 0)
			c->retry_after = true;
	}
	if (c->clen < 0) {
		tt_fail("http: status %d without Content-Length", c->status);
		return false;
	}
	return true;
}

/* Bytes of the body; false (and a violation) when they are wrong. */
static bool
take_body(struct tt_load *ld, struct tt_conn *c, const char *b, size_t n)
{
	bool closes;

	if ((long)(c->body + n) > c->clen) {
		tt_fail("http: %zu bytes beyond Content-Length %ld",
		    c->body + n - (size_t)c->clen, c->clen);
		return false;
	}
	for (size_t i = 0; c->status == 200 && i < n; i++)
		if ((unsigned char)b[i] != tt_data_byte(c->body + i)) {
			tt_fail(
			    "http: body differs at offset %zu", c->body + i);
			return false;
		}
	c->body += n;
	if ((long)c->body == c->clen) {
		/*
		 * data.bin is held while a task runs; the 2nd Ctrl-C answers
		 * what is held 503 with Retry-After, never the file half built.
		 */
		if (c->status == 503 && c->retry_after && ld->presses >= 2)
			ld->busy++;
		else if (c->status != 200)
			tt_fail("http: status %d%s with %d Ctrl-C", c->status,
			    c->retry_after ? " (Retry-After)" : "",
			    ld->presses);
		else
			ld->responses++;
		closes = c->server_closes;
		conn_reset(c);
		c->st = HC_SENDING; /* the next request, even after Ctrl-C */
		if (c->slow) { /* one request only */
			ld->slow_done++;
			close(c->fd);
			c->fd = -1;
			c->st = HC_CLOSED;
		} else if (closes) {
			/*
			 * As a real client does: no request after "Connection:
			 * close" (a draining or retiring worker says it); a
			 * new connection for the next one.
			 */
			close(c->fd);
			c->fd = -1;
			c->st = HC_CLOSED;
			if (ld->connect_more)
				conn_open(ld, c);
		}
	}
	return true;
}

static void
conn_read(struct tt_load *ld, struct tt_conn *c)
{
	char buf[65536];
	bool slow = c->slow && now_ms() < ld->fast_after_ms;
	ssize_t n = recv(c->fd, buf, slow ? 4096 : sizeof(buf), 0);
	size_t off = 0;

	if (slow)
		c->next_read_ms = now_ms() + 5;

	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		conn_ended(ld, c, n == 0 ? "EOF" : strerror(errno));
		return;
	}
	if (n < 0)
		return;
	if (c->st != HC_READING) {
		tt_fail("http: %zd bytes before the request was sent", n);
		conn_ended(ld, c, "unexpected bytes");
		return;
	}
	if (!c->have_head) {
		char *end;
		size_t take = (size_t)n < sizeof(c->head) - 1 - c->hlen
		    ? (size_t)n
		    : sizeof(c->head) - 1 - c->hlen;
		memcpy(c->head + c->hlen, buf, take);
		c->hlen += take;
		c->head[c->hlen] = '\0';
		if ((end = strstr(c->head, "\r\n\r\n")) == NULL) {
			if (c->hlen == sizeof(c->head) - 1) {
				tt_fail("http: a head over %zu bytes", c->hlen);
				conn_ended(ld, c, "huge head");
			}
			return;
		}
		off = take - (c->hlen - (size_t)(end + 4 - c->head));
		c->have_head = true;
		if (!parse_head(c)) {
			conn_ended(ld, c, "bad head");
			return;
		}
	}
	if (!take_body(ld, c, buf + off, (size_t)n - off))
		conn_ended(ld, c, "bad body");
	else if (c->st == HC_SENDING)
		conn_send(ld, c);
}

static void
conn_event(struct tt_load *ld, struct tt_conn *c, short revents)
{
	if (c->st == HC_CONNECTING) {
		int err = 0;
		socklen_t len = sizeof(err);
		getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
		if (err != 0) {
			if (!ld->ctrl_c)
				tt_fail("http: connect before Ctrl-C: %s",
				    strerror(err));
			ld->refused++;
			c->st = HC_CLOSED; /* not a request lost */
			close(c->fd);
			c->fd = -1;
			if (ld->connect_more)
				conn_open(ld, c);
			return;
		}
		c->st = HC_SENDING;
	}
	if (c->st == HC_SENDING && (revents & POLLOUT))
		conn_send(ld, c);
	else if (revents & (POLLIN | POLLHUP | POLLERR))
		conn_read(ld, c);
}

static void
ping_send(struct tt_load *ld)
{
	struct sockaddr_in sin = loopback(ld->udp_port);
	struct tt_ping *p = &ld->pings[ld->npings];

	p->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (p->fd == -1)
		return;
	p->upto = ld->next_rec;
	p->ponged = false;
	if (sendto(p->fd, "ping", 4, 0, (struct sockaddr *)&sin, sizeof(sin)) !=
	    4) {
		close(p->fd);
		return;
	}
	ld->npings++;
}

static void
udp_send_due(struct tt_load *ld)
{
	struct sockaddr_in sin = loopback(ld->udp_port);
	char msg[32];
	int burst = 0;
	long now = now_ms();

	while (now >= ld->next_udp_ms && burst++ < 10 &&
	    ld->npings < TT_MAXPINGS) {
		int len = snprintf(msg, sizeof(msg), "rec %u", ld->next_rec);
		if (sendto(ld->udp_fd, msg, (size_t)len, 0,
		        (struct sockaddr *)&sin, sizeof(sin)) != len)
			break;
		ld->next_rec++;
		ld->next_udp_ms += TT_UDP_INTERVAL_MS;
		if (ld->next_rec % TT_PING_EVERY == 0)
			ping_send(ld);
	}
	if (now > ld->next_udp_ms + 50)
		ld->next_udp_ms = now; /* we were away: no catch-up storm */
}

static void
pong_read(struct tt_load *ld, struct tt_ping *p)
{
	char buf[16];
	ssize_t n = recv(p->fd, buf, sizeof(buf), MSG_DONTWAIT);

	if (n < 0)
		return;
	if (n != 4 || memcmp(buf, "pong", 4) != 0) {
		tt_fail("udp: %zd-byte answer to a ping is not \"pong\"", n);
		return;
	}
	p->ponged = true;
	close(p->fd);
	p->fd = -1;
	/* Read after a kill: it cannot vouch for what the dead one held. */
	if (ld->boundary && p->upto > ld->boundary_rec &&
	    p->upto > ld->acked_post)
		ld->acked_post = p->upto;
	else if (!ld->boundary && p->upto > ld->acked_pre)
		ld->acked_pre = p->upto;
}

static void
start_when_ready(struct tt_load *ld, struct tp *tp)
{
	if (ld->http_port < 0)
		ld->http_port = port_in(tp, "serving public at http://");
	if (ld->udp_port < 0)
		ld->udp_port = port_in(tp, "udp events on ");
	if (ld->http_port <= 0 || ld->udp_port <= 0)
		return;
	ld->started = true;
	ld->udp_fd =
	    socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	ld->next_udp_ms = now_ms();
	if (ld->connect_more)
		for (int i = 0; i < TT_NCONN; i++)
			conn_open(ld, &ld->c[i]);
}

void
load_step(struct tt_load *ld, struct tp *tp, int ms)
{
	struct pollfd pf[1 + TT_NALL + TT_MAXPINGS + TT_NPAGE];
	int who[1 + TT_NALL + TT_MAXPINGS + TT_NPAGE], n = 0, timeout = ms;
	long now;

	if (!ld->started && !tp->exited)
		start_when_ready(ld, tp);
	if (ld->started && !tp->exited && !ld->pty_dead)
		page_tick(ld);
	if (ld->started && !tp->exited) {
		udp_send_due(ld);
		long wait = ld->next_udp_ms - now_ms();
		if (wait < timeout)
			timeout = wait < 0 ? 0 : (int)wait;
	}
	if (!ld->pty_dead) {
		pf[n] = (struct pollfd){.fd = tp->master, .events = POLLIN};
		who[n++] = -1;
	}
	now = now_ms();
	for (int i = 0; i < TT_NALL; i++) {
		struct tt_conn *c = &ld->c[i];
		if (c->st == HC_CLOSED)
			continue;
		if (c->slow && c->st == HC_READING && now < ld->fast_after_ms &&
		    now < c->next_read_ms) {
			if (c->next_read_ms - now < timeout)
				timeout = (int)(c->next_read_ms - now);
			continue; /* not yet: it reads at a bounded rate */
		}
		pf[n] = (struct pollfd){.fd = c->fd,
		    .events = c->st == HC_READING ? POLLIN : POLLOUT};
		who[n++] = i;
	}
	for (int i = 0; i < ld->npings; i++)
		if (ld->pings[i].fd >= 0) {
			pf[n] = (struct pollfd){
			    .fd = ld->pings[i].fd, .events = POLLIN};
			who[n++] = TT_NALL + i;
		}
	n += page_pollfds(ld, pf + n, who + n, TT_NALL + TT_MAXPINGS);
	if (poll(pf, (nfds_t)n, timeout) > 0)
		for (int k = 0; k < n; k++) {
			if (pf[k].revents == 0)
				continue;
			if (who[k] == -1) {
				tp_pump(tp, 0); /* reads to EAGAIN or EIO */
				if (pf[k].revents & (POLLHUP | POLLERR))
					ld->pty_dead = true;
			} else if (who[k] < TT_NALL)
				conn_event(ld, &ld->c[who[k]], pf[k].revents);
			else if (who[k] < TT_NALL + TT_MAXPINGS)
				pong_read(ld, &ld->pings[who[k] - TT_NALL]);
			else
				page_event(ld, who[k] - TT_NALL - TT_MAXPINGS,
				    pf[k].revents);
		}
	if (!tp->exited && waitpid(tp->pid, &tp->status, WNOHANG) == tp->pid)
		tp->exited = true;
}

void
load_start_slow(struct tt_load *ld)
{
	if (!ld->started)
		return;
	ld->fast_after_ms = now_ms() + 10000; /* load_mark_ctrl_c sets it */
	conn_open(ld, &ld->c[TT_SLOW]);
}

void
load_mark_ctrl_c(struct tt_load *ld)
{
	ld->ctrl_c = true;
	ld->connect_more = false;
	ld->before_ctrl_c = ld->next_rec;
	ld->fast_after_ms = now_ms() + TT_SLOW_MS;
	for (int i = 0; i < TT_NALL; i++)
		if (ld->c[i].st == HC_READING && !ld->c[i].have_head &&
		    ld->c[i].hlen == 0)
			ld->c[i].must_answer = true;
}

void
load_mark_boundary(struct tt_load *ld)
{
	ld->boundary = true;
	ld->boundary_rec = ld->next_rec;
	ld->epoch++;
}

void
load_finish(struct tt_load *ld)
{
	for (int i = 0; i < ld->npings; i++)
		if (ld->pings[i].fd >= 0) {
			pong_read(ld, &ld->pings[i]);
			if (ld->pings[i].fd >= 0)
				close(ld->pings[i].fd);
			ld->pings[i].fd = -1;
		}
	/* Called once tend is gone and the sockets were read to EOF. */
	ld->connect_more = false;
	for (int i = 0; i < TT_NALL; i++)
		if (ld->c[i].st != HC_CLOSED)
			conn_ended(
			    ld, &ld->c[i], "still open after tend exited");
	page_finish(ld);
	if (ld->udp_fd >= 0)
		close(ld->udp_fd);
	ld->udp_fd = -1;
}

bool
load_conns_closed(const struct tt_load *ld)
{
	for (int i = 0; i < TT_NALL; i++)
		if (ld->c[i].st != HC_CLOSED)
			return false;
	return page_closed(ld);
}
