/* SPDX-License-Identifier: ISC */
/*
 * tests/torture/page.c
 * Requests held during a build. The build deletes public/page.html,
 * sleeps, and writes "v<N>" into it again; while it runs (from the moment
 * started-N appears until done-N does) this client GETs /page.html every
 * TT_PAGE_EVERY_MS on a new connection (Connection: close), also after
 * the 1st Ctrl-C. tend holds such a request and answers it from the
 * finished build, so the answer is 200 with a whole "v<k>\n", k >= N;
 * after a 2nd Ctrl-C a 503 with Retry-After is fine too (and so is a
 * connection cut); a 404, the build's half-written site, never is.
 * Driven from load_step: page_tick, page_pollfds, page_event.
 */
#include <sys/socket.h>
#include <sys/types.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "torture.h"

static const char page_request[] =
    "GET /page.html HTTP/1.1\r\n"
    "Host: 127.0.0.1\r\nConnection: close\r\n\r\n";

void
page_init(struct tt_load *ld)
{
	for (int i = 0; i < TT_NPAGE; i++) {
		ld->pg[i].fd = -1;
		ld->pg[i].st = HC_CLOSED;
	}
}

static void
page_close(struct tt_page *p)
{
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
	p->st = HC_CLOSED;
}

/*
 * A connect that failed: refused once tend drains, never before, and
 * with one Ctrl-C not while the build runs either: tend holds requests
 * arriving meanwhile and answers them from the finished build, and only
 * then drains. done-N not there yet, now that the refusal is seen, proves
 * the build had not ended when it came.
 */
static void
page_refused(struct tt_load *ld, struct tt_page *p, int err)
{
	char name[32];

	snprintf(name, sizeof(name), "done-%u", p->build);
	if (!ld->ctrl_c)
		tt_fail("page: connect before Ctrl-C: %s", strerror(err));
	else if (ld->presses == 1 && !tmp_exists(ld->dir, name) &&
	    ld->page_early++ == 0)
		ld->page_early_build = p->build; /* page_finish reports them */
	ld->page_refused++;
	page_close(p);
}

static void
page_open(struct tt_load *ld, struct tt_page *p)
{
	struct sockaddr_in sin;
	struct pollfd pf;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)ld->http_port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	p->build = ld->page_build;
	p->epoch = ld->epoch;
	p->req_off = p->len = 0;
	p->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (p->fd == -1)
		return;
	if (connect(p->fd, (struct sockaddr *)&sin, sizeof(sin)) == 0)
		p->st = HC_SENDING;
	else if (errno == EINPROGRESS)
		p->st = HC_CONNECTING;
	else {
		page_refused(ld, p, errno);
		return;
	}
	/*
	 * The request follows the handshake at once (loopback completes it
	 * in microseconds), as a browser's does: a connection tend accepted
	 * and then closed unanswered cannot be blamed on a request we had
	 * not sent yet.
	 */
	pf = (struct pollfd){.fd = p->fd, .events = POLLOUT};
	if (poll(&pf, 1, 20) == 1)
		page_event(ld, (int)(p - ld->pg), pf.revents);
}

/*
 * A new build is seen by its started-N; requests go on until its done-N
 * (after that the page is whole again: nothing to hold) or a 2nd Ctrl-C.
 */
void
page_tick(struct tt_load *ld)
{
	char name[32];
	long now = now_ms();
	int i;

	if (ld->http_port <= 0 || ld->presses >= 2)
		return;
	snprintf(name, sizeof(name), "started-%u", ld->page_build + 1);
	if (tmp_exists(ld->dir, name)) {
		ld->page_build++;
		ld->page_build_done = false;
		ld->next_page_ms = now;
	}
	if (ld->page_build == 0 || ld->page_build_done ||
	    now < ld->next_page_ms)
		return;
	snprintf(name, sizeof(name), "done-%u", ld->page_build);
	if (tmp_exists(ld->dir, name)) {
		ld->page_build_done = true;
		return;
	}
	ld->next_page_ms = now + TT_PAGE_EVERY_MS;
	for (i = 0; i < TT_NPAGE && ld->pg[i].st != HC_CLOSED; i++)
		;
	if (i < TT_NPAGE) {
		ld->page_sent++;
		page_open(ld, &ld->pg[i]);
	}
}

int
page_pollfds(struct tt_load *ld, struct pollfd *pf, int *who, int tag)
{
	int n = 0;

	for (int i = 0; i < TT_NPAGE; i++) {
		struct tt_page *p = &ld->pg[i];
		if (p->st == HC_CLOSED)
			continue;
		pf[n] = (struct pollfd){.fd = p->fd,
		    .events = p->st == HC_READING ? POLLIN : POLLOUT};
		who[n++] = tag + i;
	}
	return n;
}

/* Excused: after a 2nd Ctrl-C, or on a worker killed since connect. */
static void
page_lost(struct tt_load *ld, const struct tt_page *p, const char *what,
    const char *why)
{
	if (ld->presses >= 2 || p->epoch != ld->epoch)
		ld->page_excused++;
	else
		tt_fail("page: the request sent during build %u %s (%s, %zu "
		        "bytes: %.40s)",
		    p->build, what, why, p->len, p->buf);
}

/* The connection ended (EOF, reset): judge what came. */
static void
page_judge(struct tt_load *ld, struct tt_page *p, const char *why)
{
	char *end, *body, *q;
	const char *killed = "";
	int status = 0;
	long clen = -1;
	bool retry = false;
	unsigned k;
	char nl;

	if (ld->boundary && p->epoch == ld->epoch)
		killed = " (connected after the kill -9 of the worker)";
	else if (ld->boundary)
		killed = " (connected before the kill -9 of the worker)";
	p->buf[p->len] = '\0';
	if (p->len == 0 || (end = strstr(p->buf, "\r\n\r\n")) == NULL) {
		page_lost(ld, p,
		    p->len == 0 ? "got no answer" : "got half a head", why);
		return;
	}
	*end = '\0';
	body = end + 4;
	if (sscanf(p->buf, "HTTP/1.1 %d ", &status) != 1) {
		tt_fail("page: not a response head: %.60s", p->buf);
		return;
	}
	for (q = p->buf; (q = strchr(q, '\n')) != NULL;) {
		if (strncasecmp(++q, "content-length:", 15) == 0)
			clen = atol(q + 15);
		else if (strncasecmp(q, "retry-after:", 12) == 0)
			retry = true;
	}
	if (clen < 0) {
		tt_fail("page: status %d without Content-Length", status);
		return;
	}
	if ((long)(p->len - (size_t)(body - p->buf)) < clen) {
		page_lost(ld, p, "got a cut answer", why);
		return;
	}
	if ((long)(p->len - (size_t)(body - p->buf)) > clen)
		tt_fail("page: bytes beyond Content-Length %ld", clen);
	else if (status == 503 && retry && ld->presses >= 2)
		ld->page_busy++;
	else if (status != 200)
		tt_fail("page: status %d%s for the request sent during build "
		        "%u%s, with %d Ctrl-C",
		    status, retry ? " (Retry-After)" : "", p->build, killed,
		    ld->presses);
	else if (clen < 3 || sscanf(body, "v%u%c", &k, &nl) != 2 ||
	    nl != '\n' || (long)strlen(body) != clen)
		tt_fail(
		    "page: body \"%.20s\" is not a whole \"v<k>\" page", body);
	else if (k < p->build)
		tt_fail("page: the request sent during build %u got v%u, "
		        "not the finished build",
		    p->build, k);
	else
		ld->page_ok++;
}

void
page_event(struct tt_load *ld, int i, short revents)
{
	struct tt_page *p = &ld->pg[i];
	size_t reqlen = sizeof(page_request) - 1;
	ssize_t n;

	if (p->st == HC_CONNECTING) {
		int err = 0;
		socklen_t len = sizeof(err);
		getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &err, &len);
		if (err != 0) {
			page_refused(ld, p, err);
			return;
		}
		p->st = HC_SENDING;
	}
	if (p->st == HC_SENDING && (revents & POLLOUT)) {
		n = send(p->fd, page_request + p->req_off, reqlen - p->req_off,
		    MSG_NOSIGNAL);
		if (n < 0 && errno != EAGAIN && errno != EINTR) {
			page_lost(ld, p, "could not be sent", strerror(errno));
			page_close(p);
		} else if (n > 0 && (p->req_off += (size_t)n) == reqlen)
			p->st = HC_READING;
		return;
	}
	if (!(revents & (POLLIN | POLLHUP | POLLERR)))
		return;
	if (p->st != HC_READING) {
		page_lost(ld, p, "ended before it was sent", "hangup");
		page_close(p);
		return;
	}
	n = recv(p->fd, p->buf + p->len, sizeof(p->buf) - 1 - p->len, 0);
	if (n > 0 && (p->len += (size_t)n) < sizeof(p->buf) - 1)
		return;
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0)
		tt_fail("page: an answer over %zu bytes", p->len);
	else
		page_judge(ld, p, n == 0 ? "EOF" : strerror(errno));
	page_close(p);
}

/* Called once tend is gone and the sockets were read to EOF. */
void
page_finish(struct tt_load *ld)
{
	for (int i = 0; i < TT_NPAGE; i++) {
		struct tt_page *p = &ld->pg[i];
		if (p->st == HC_CLOSED)
			continue;
		if (p->st == HC_CONNECTING)
			ld->page_refused++; /* never made */
		else
			page_judge(ld, p, "still open after tend exited");
		page_close(p);
	}
	if (ld->page_early > 0)
		tt_fail("page: %lu connect(s) refused while their build still "
		        "ran (first: build %u), with one Ctrl-C: tend drained "
		        "before the build ended",
		    ld->page_early, ld->page_early_build);
}

bool
page_closed(const struct tt_load *ld)
{
	for (int i = 0; i < TT_NPAGE; i++)
		if (ld->pg[i].st != HC_CLOSED)
			return false;
	return true;
}
