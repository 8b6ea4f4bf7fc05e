/* SPDX-License-Identifier: ISC */
/*
 * tests/unit/test_worker_http_client.c
 * The plain blocking HTTP client of the worker's end-to-end tests:
 * connect with timeouts, send, read one response (Content-Length, or to
 * EOF), headers by name, waiting for bytes or for EOF. It believes
 * nothing the server says without checking the framing.
 */
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "test_worker_http_harness.h"

void
cli_open(struct cli *c, const struct srv *s, int rcvbuf)
{
	struct timeval tv = {5, 0};
	struct sockaddr_in sa;

	c->len = 0;
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert(c->fd >= 0);
	if (rcvbuf > 0)
		setsockopt(
		    c->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)s->port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert(connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) == 0,
	    "connect: %s", strerror(errno));
}

void
cli_close(struct cli *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

void
cli_sendn(struct cli *c, const void *p, size_t len)
{
	const char *b = p;
	ssize_t n;

	while (len > 0) {
		n = send(c->fd, b, len, MSG_NOSIGNAL);
		cr_assert(n > 0, "send: %s", strerror(errno));
		b += n;
		len -= (size_t)n;
	}
}

void
cli_send(struct cli *c, const char *s)
{
	cli_sendn(c, s, strlen(s));
}

static ssize_t
fill(struct cli *c)
{
	ssize_t n;

	if (c->len == sizeof(c->buf))
		return -1;
	do
		n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
	while (n < 0 && errno == EINTR);
	if (n > 0)
		c->len += (size_t)n;
	return n;
}

const char *
resp_hdr(const struct resp *r, const char *name)
{
	static char val[1024];
	const char *line, *end, *colon, *v;
	size_t nlen = strlen(name), vlen;

	line = strstr(r->head, "\r\n");
	while (line != NULL && line[2] != '\r' && line[2] != '\0') {
		line += 2;
		end = strstr(line, "\r\n");
		if (end == NULL)
			break;
		colon = memchr(line, ':', (size_t)(end - line));
		if (colon != NULL && (size_t)(colon - line) == nlen &&
		    strncasecmp(line, name, nlen) == 0) {
			for (v = colon + 1; *v == ' '; v++)
				;
			vlen = (size_t)(end - v);
			if (vlen >= sizeof(val))
				vlen = sizeof(val) - 1;
			memcpy(val, v, vlen);
			val[vlen] = '\0';
			return val;
		}
		line = end;
	}
	return NULL;
}

static void
take(struct cli *c, void *dst, size_t n)
{
	memcpy(dst, c->buf, n);
	memmove(c->buf, c->buf + n, c->len - n);
	c->len -= n;
}

int
cli_resp(struct cli *c, struct resp *r, bool no_body)
{
	const char *cl, *conn;
	char *end;
	size_t hl, need, have, cap;
	ssize_t n;

	memset(r, 0, sizeof(*r));
	for (;;) {
		end =
		    c->len >= 4 ? memmem(c->buf, c->len, "\r\n\r\n", 4) : NULL;
		if (end != NULL)
			break;
		n = fill(c);
		if (n <= 0) {
			cr_assert(c->len == 0,
			    "truncated response head (%zu "
			    "bytes, n=%zd)",
			    c->len, n);
			return -1;
		}
	}
	hl = (size_t)(end - c->buf) + 4;
	cr_assert(hl < sizeof(r->head), "response head too long");
	take(c, r->head, hl);
	r->head[hl] = '\0';
	cr_assert(sscanf(r->head, "HTTP/1.1 %d ", &r->status) == 1,
	    "bad status line: %s", r->head);
	conn = resp_hdr(r, "Connection");
	r->closed = conn != NULL && strcasecmp(conn, "close") == 0;
	cl = resp_hdr(r, "Content-Length");
	if (no_body || r->status == 304 || r->status == 204) {
		r->body = calloc(1, 1);
		return 0;
	}
	if (cl != NULL) {
		need = strtoull(cl, NULL, 10);
		r->body = malloc(need + 1);
		cr_assert(r->body != NULL);
		have = c->len < need ? c->len : need;
		take(c, r->body, have);
		while (have < need) {
			n = recv(c->fd, r->body + have, need - have, 0);
			if (n < 0 && errno == EINTR)
				continue;
			cr_assert(n > 0, "body ended at %zu of %zu: %s", have,
			    need, n == 0 ? "EOF" : strerror(errno));
			have += (size_t)n;
		}
		r->body[need] = '\0';
		r->body_len = need;
		return 0;
	}
	/* No length: the body runs until the server closes. */
	cap = c->len + 1;
	r->body = malloc(cap);
	r->body_len = c->len;
	take(c, r->body, c->len);
	while ((n = fill(c)) > 0) {
		r->body = realloc(r->body, r->body_len + c->len + 1);
		take(c, r->body + r->body_len, c->len);
		r->body_len += (size_t)n;
	}
	r->body[r->body_len] = '\0';
	r->closed = true;
	return 0;
}

void
resp_free(struct resp *r)
{
	free(r->body);
	r->body = NULL;
}

char *
cli_read_all(struct cli *c, size_t *lenp, bool *eof)
{
	size_t len = c->len, cap = c->len + 4096;
	char *out = malloc(cap);
	ssize_t n;

	memcpy(out, c->buf, c->len);
	c->len = 0;
	*eof = false;
	for (;;) {
		if (cap - len < 4096)
			out = realloc(out, cap *= 2);
		n = recv(c->fd, out + len, cap - len - 1, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			*eof = true;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	out[len] = '\0';
	*lenp = len;
	return out;
}

bool
cli_eof(struct cli *c, double secs)
{
	struct timeval tv = {
	    (time_t)secs, (suseconds_t)((secs - (double)(time_t)secs) * 1e6)};
	char buf[4096];
	ssize_t n;

	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	c->len = 0;
	for (;;) {
		n = recv(c->fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			return true;
		if (n < 0)
			return false; /* timeout, or RST instead of FIN */
	}
}

bool
cli_wait_for(struct cli *c, const char *needle)
{
	size_t nlen = strlen(needle);

	while (c->len < nlen || memmem(c->buf, c->len, needle, nlen) == NULL)
		if (fill(c) <= 0)
			return false;
	return true;
}

void
fetch(const struct srv *s, const char *req, struct resp *r)
{
	struct cli c;

	cli_open(&c, s, 0);
	cli_send(&c, req);
	cr_assert(cli_resp(&c, r, strncmp(req, "HEAD ", 5) == 0) == 0,
	    "no response to %s", req);
	cli_close(&c);
}
