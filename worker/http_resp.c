/* SPDX-License-Identifier: ISC */
/*
 * worker/http_resp.c
 * Building responses into a connection's output buffer: the status line
 * and common headers, header lines, small bodies, error pages. Sends
 * nothing itself; http_conn.c flushes what is built here.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <http_parser.h>

#include "http_priv.h"

/* Room for n more bytes; compacts before growing. */
static int
reserve(struct wrk_conn *c, size_t n)
{
	size_t cap;
	char *p;

	if (c->c_wfail)
		return -1;
	if (c->c_woff > 0 && c->c_woff == c->c_wlen)
		c->c_woff = c->c_wlen = 0;
	if (c->c_wcap - c->c_wlen >= n)
		return 0;
	if (c->c_woff > 0) {
		memmove(
		    c->c_wbuf, c->c_wbuf + c->c_woff, c->c_wlen - c->c_woff);
		c->c_wlen -= c->c_woff;
		c->c_woff = 0;
		if (c->c_wcap - c->c_wlen >= n)
			return 0;
	}
	cap = c->c_wcap > 0 ? c->c_wcap : 4096;
	while (cap - c->c_wlen < n)
		cap *= 2;
	if ((p = realloc(c->c_wbuf, cap)) == NULL) {
		c->c_wfail = true;
		return -1;
	}
	c->c_wbuf = p;
	c->c_wcap = cap;
	return 0;
}

int
wrk_out_append(struct wrk_conn *c, const void *p, size_t n)
{
	if (n == 0)
		return 0;
	if (reserve(c, n) == -1)
		return -1;
	memcpy(c->c_wbuf + c->c_wlen, p, n);
	c->c_wlen += n;
	return 0;
}

/*
 * n writable bytes at the end of the output, to be committed by adding
 * what was written to c_wlen; NULL when out of memory.
 */
char *
wrk_out_reserve(struct wrk_conn *c, size_t n)
{
	if (reserve(c, n) == -1)
		return NULL;
	return c->c_wbuf + c->c_wlen;
}

/* One header line; the CRLF is added here. */
void
wrk_resp_hdr(struct wrk_conn *c, const char *fmt, ...)
{
	va_list ap;
	size_t room;
	int n;

	if (reserve(c, 256) == -1)
		return;
	for (;;) {
		room = c->c_wcap - c->c_wlen;
		va_start(ap, fmt);
		n = vsnprintf(c->c_wbuf + c->c_wlen, room, fmt, ap);
		va_end(ap);
		if (n < 0) {
			c->c_wfail = true;
			return;
		}
		if ((size_t)n + 2 < room)
			break;
		if (reserve(c, (size_t)n + 3) == -1)
			return;
	}
	c->c_wlen += (size_t)n;
	memcpy(c->c_wbuf + c->c_wlen, "\r\n", 2);
	c->c_wlen += 2;
}

/*
 * Status line and the headers every response has. c_close_after must be
 * decided before this: it picks the Connection header.
 */
void
wrk_resp_start(struct wrk_conn *c, int status)
{
	wrk_resp_hdr(c, "HTTP/1.1 %d %s", status,
	    http_status_str((enum http_status)status));
	wrk_resp_hdr(c, "Date: %s", wrk_http_date_now(c->c_h));
	WRK_OUT_LIT(c, "Server: tend\r\n");
	if (c->c_close_after)
		WRK_OUT_LIT(c, "Connection: close\r\n");
	else if (c->c_parser.http_minor == 0 && !c->c_sse)
		/* HTTP/1.0 keeps the connection only when told so. */
		WRK_OUT_LIT(c, "Connection: keep-alive\r\n");
}

/* End of headers: the response is ready to be flushed. */
void
wrk_resp_end(struct wrk_conn *c)
{
	WRK_OUT_LIT(c, "\r\n");
	c->c_st = CS_WRITE;
}

void
wrk_resp_body(
    struct wrk_conn *c, const char *type, const void *body, size_t len)
{
	wrk_resp_hdr(c, "Content-Type: %s", type);
	wrk_resp_hdr(c, "Content-Length: %zu", len);
	wrk_resp_end(c);
	if (!c->c_head)
		wrk_out_append(c, body, len);
}

/*
 * A complete error response with a small HTML body. extra is one more
 * header line without CRLF (Allow, Content-Range), or NULL.
 */
void
wrk_resp_error(struct wrk_conn *c, int status, const char *extra)
{
	char body[160];
	const char *reason = http_status_str((enum http_status)status);
	int n;

	n = snprintf(body, sizeof(body),
	    "<!doctype html>\n<title>%d %s</title>\n<h1>%d %s</h1>\n", status,
	    reason, status, reason);
	if (n < 0 || (size_t)n >= sizeof(body))
		n = 0;
	wrk_resp_start(c, status);
	if (extra != NULL)
		wrk_resp_hdr(c, "%s", extra);
	wrk_resp_body(c, "text/html; charset=utf-8", body, (size_t)n);
}

const char *
wrk_html_entity(char ch)
{
	switch (ch) {
	case '&':
		return "&amp;";
	case '<':
		return "&lt;";
	case '>':
		return "&gt;";
	case '"':
		return "&quot;";
	case '\'':
		return "&#39;";
	}
	return NULL;
}

void
wrk_html_esc(char *dst, size_t size, const char *s)
{
	size_t o = 0;

	for (; *s != '\0' && o + 7 < size; s++) {
		const char *e = wrk_html_entity(*s);
		if (e == NULL)
			dst[o++] = *s;
		else
			o += (size_t)snprintf(dst + o, size - o, "%s", e);
	}
	dst[o] = '\0';
}
