/* SPDX-License-Identifier: ISC */
/*
 * worker/http_proxy_resp.c
 * A server's answer on its way to the client. Read with http_parser:
 * interim 1xx answers are dropped, a 101 to an Upgrade turns the
 * connection into a tunnel. The head is rewritten: hop-by-hop headers
 * out, Transfer-Encoding: chunked when the client gets chunks, and for
 * an HTML page that gets the live-reload tag a Content-Length grown by
 * it and a weak ETag (the bytes are not the server's). The body goes on
 * as it arrives, never gathered: as is under a Content-Length, else
 * re-framed as chunks (an HTTP/1.0 client gets it ended by the close).
 * The tag goes before the last </body>, as for static pages: what
 * follows a </body> is held back (at most WRK_PXY_HOLD, then the tag
 * goes in where it is), and at the end with none.
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "http_proxy.h"

#define TAG_END 7 /* strlen("</body>") */

static struct wrk_pxy *
px_of(http_parser *p)
{
	return ((struct wrk_conn *)p->data)->c_pxy;
}

static int
r_status(http_parser *p, const char *at, size_t len)
{
	struct wrk_pxy *px = px_of(p);
	size_t room = sizeof(px->x_status) - 1 - px->x_status_len;

	if (len > room)
		len = room;
	memcpy(px->x_status + px->x_status_len, at, len);
	px->x_status_len += len;
	px->x_status[px->x_status_len] = '\0';
	return 0;
}

static int
r_capture(http_parser *p, bool value, const char *at, size_t len)
{
	struct wrk_pxy *px = px_of(p);

	if (px->x_rcap.len + len + 4 > WRK_PXY_HEAD_MAX) {
		px->x_err = EMSGSIZE;
		return -1;
	}
	if (wrk_cap_add(&px->x_rcap, &px->x_rval, value, at, len) < 0) {
		px->x_err = ENOMEM;
		return -1;
	}
	return 0;
}

static int
r_field(http_parser *p, const char *at, size_t len)
{
	return r_capture(p, false, at, len);
}

static int
r_value(http_parser *p, const char *at, size_t len)
{
	return r_capture(p, true, at, len);
}

/* Body bytes to the client, as a chunk when it gets chunks. */
static int
emit(struct wrk_conn *c, const char *d, size_t n)
{
	char sz[24];
	int k;

	if (n == 0)
		return 0;
	if (!c->c_pxy->x_chunked_out)
		return wrk_out_append(c, d, n);
	k = snprintf(sz, sizeof(sz), "%zx\r\n", n);
	return wrk_out_append(c, sz, (size_t)k) || wrk_out_append(c, d, n) ||
	        wrk_out_append(c, "\r\n", 2)
	    ? -1
	    : 0;
}

static void
hold_drop(struct wrk_buf *b, size_t n)
{
	memmove(b->b, b->b + n, b->len - n);
	b->len -= n;
}

/* The held bytes, with the tag before their last </body> (or after). */
static int
inj_finish(struct wrk_conn *c)
{
	struct wrk_pxy *px = c->c_pxy;
	struct wrk_buf *b = &px->x_hold;
	size_t at = b->len > 0 ? wrk_inject_at(b->b, b->len) : 0;
	int rc;

	rc = emit(c, b->b, at) || emit(c, WRK_LR_TAG, WRK_LR_TAG_LEN) ||
	    emit(c, b->len > 0 ? b->b + at : "", b->len - at);
	px->x_inj_done = true;
	wrk_buf_free(b);
	return rc ? -1 : 0;
}

/*
 * Everything before the last </body> seen goes on; from it on is held,
 * as are the last 6 bytes when there is none (the start of one split
 * across reads).
 */
static int
inj_feed(struct wrk_conn *c, const char *d, size_t n)
{
	struct wrk_buf *b = &c->c_pxy->x_hold;
	size_t old = b->len, from, at, keep;
	bool held;

	if (wrk_buf_add(b, d, n) < 0)
		return -1;
	held = b->len >= TAG_END && wrk_inject_at(b->b, TAG_END) == 0;
	from = old > TAG_END - 1 ? old - (TAG_END - 1) : 0;
	at = from + wrk_inject_at(b->b + from, b->len - from);
	if (at < b->len && at > 0) {
		if (emit(c, b->b, at) < 0)
			return -1;
		hold_drop(b, at);
	} else if (at == b->len && !held && b->len > TAG_END - 1) {
		keep = TAG_END - 1;
		if (emit(c, b->b, b->len - keep) < 0)
			return -1;
		hold_drop(b, b->len - keep);
	}
	/* A long tail after </body>: the tag goes in before it now. */
	if (b->len > WRK_PXY_HOLD)
		return inj_finish(c);
	return 0;
}

static int
r_body(http_parser *p, const char *at, size_t len)
{
	struct wrk_conn *c = p->data;
	struct wrk_pxy *px = c->c_pxy;
	int rc;

	rc = px->x_inject && !px->x_inj_done ? inj_feed(c, at, len)
	                                     : emit(c, at, len);
	if (rc < 0)
		px->x_err = ENOMEM;
	return rc;
}

static bool
starts(const char *v, size_t vlen, const char *s)
{
	size_t n = strlen(s);

	return vlen >= n && strncasecmp(v, s, n) == 0;
}

/* Response headers that end at tend, or that tend writes itself. */
static bool
hop(const char *name, size_t nlen, bool upgrade, const struct wrk_buf *conn)
{
	switch (nlen) {
	case 2:
		return WRK_HDR_IS(name, nlen, "te");
	case 7:
		if (WRK_HDR_IS(name, nlen, "upgrade"))
			return !upgrade;
		if (WRK_HDR_IS(name, nlen, "trailer"))
			return true;
		break;
	case 10:
		if (WRK_HDR_IS(name, nlen, "connection") ||
		    WRK_HDR_IS(name, nlen, "keep-alive"))
			return true;
		break;
	case 14:
		if (WRK_HDR_IS(name, nlen, "content-length"))
			return false; /* whatever Connection says */
		break;
	case 16:
		if (WRK_HDR_IS(name, nlen, "proxy-connection"))
			return true;
		break;
	case 17:
		if (WRK_HDR_IS(name, nlen, "transfer-encoding"))
			return true;
		break;
	}
	return conn->len > 0 && wrk_hdr_listed(conn->b, conn->len, name, nlen);
}

static int
write_line(struct wrk_conn *c, const char *name, size_t nlen, const char *pre,
    const char *val, size_t vlen)
{
	return wrk_out_append(c, name, nlen) || wrk_out_append(c, ": ", 2) ||
	        wrk_out_append(c, pre, strlen(pre)) ||
	        wrk_out_append(c, val, vlen) || wrk_out_append(c, "\r\n", 2)
	    ? -1
	    : 0;
}

/* The client's status line and headers, from the server's. */
static int
write_head(struct wrk_conn *c)
{
	struct wrk_pxy *px = c->c_pxy;
	http_parser *p = &px->x_rp;
	unsigned st = p->status_code;
	struct wrk_buf conn = {0};
	const char *name, *val;
	size_t nlen, vlen, pos = 0;
	bool html = false, encoded = false, lr, body, upgrade = st == 101;
	char len[32];
	int rc = -1;

	while (wrk_hdr_next(&px->x_rcap, &pos, &name, &nlen, &val, &vlen)) {
		if (WRK_HDR_IS(name, nlen, "content-type")) {
			html = starts(val, vlen, "text/html");
			px->x_stream = starts(val, vlen, "text/event-stream");
		} else if (WRK_HDR_IS(name, nlen, "content-encoding"))
			encoded = !(
			    vlen == 8 && strncasecmp(val, "identity", 8) == 0);
		else if (WRK_HDR_IS(name, nlen, "connection") &&
		    ((conn.len > 0 && wrk_buf_add(&conn, ",", 1)) ||
		        wrk_buf_add(&conn, val, vlen)))
			goto out;
	}
	lr = c->c_h->h_lim.livereload && st == 200 && html && !encoded;
	px->x_inject = lr && !px->x_head;
	body = !px->x_head && st != 204 && st != 304 && !upgrade;
	if (body && (!(p->flags & F_CONTENTLENGTH) || (p->flags & F_CHUNKED))) {
		if (c->c_parser.http_minor >= 1)
			px->x_chunked_out = true;
		else
			c->c_close_after = true; /* HTTP/1.0: ends at close */
	}
	px->x_clen = p->content_length;
	wrk_resp_hdr(c, "HTTP/1.1 %u %s", st,
	    px->x_status_len > 0 ? px->x_status
	                         : http_status_str((enum http_status)st));
	if (c->c_wfail)
		goto out;
	pos = 0;
	while (wrk_hdr_next(&px->x_rcap, &pos, &name, &nlen, &val, &vlen)) {
		if (nlen == 0 || hop(name, nlen, upgrade, &conn) ||
		    (lr && WRK_HDR_IS(name, nlen, "accept-ranges")))
			continue;
		if (lr && WRK_HDR_IS(name, nlen, "content-length")) {
			snprintf(len, sizeof(len), "%llu",
			    (unsigned long long)px->x_clen + WRK_LR_TAG_LEN);
			val = len;
			vlen = strlen(len);
		}
		if (write_line(c, name, nlen,
		        lr && WRK_HDR_IS(name, nlen, "etag") &&
		                !starts(val, vlen, "W/")
		            ? "W/"
		            : "",
		        val, vlen) < 0)
			goto out;
	}
	if ((px->x_chunked_out &&
	        WRK_OUT_LIT(c, "Transfer-Encoding: chunked\r\n") < 0) ||
	    (upgrade && WRK_OUT_LIT(c, "Connection: upgrade\r\n") < 0) ||
	    (!upgrade && c->c_close_after &&
	        WRK_OUT_LIT(c, "Connection: close\r\n") < 0) ||
	    (!upgrade && !c->c_close_after && c->c_parser.http_minor == 0 &&
	        WRK_OUT_LIT(c, "Connection: keep-alive\r\n") < 0) ||
	    WRK_OUT_LIT(c, "\r\n") < 0)
		goto out;
	px->x_head_sent = true;
	rc = 0;
out:
	wrk_buf_free(&conn);
	if (rc < 0)
		px->x_err = ENOMEM;
	return rc;
}

static int
r_headers_complete(http_parser *p)
{
	struct wrk_conn *c = p->data;
	struct wrk_pxy *px = c->c_pxy;
	unsigned st = p->status_code;

	if (px->x_rval && wrk_buf_add(&px->x_rcap, "\r\n", 2) < 0) {
		px->x_err = ENOMEM;
		return -1;
	}
	px->x_rval = false;
	/* 100, 103: the final answer follows (r_message_complete). */
	if (st / 100 == 1 && st != 101)
		return 1;
	if (st == 101 && !px->x_upgrade) {
		px->x_err = EPROTO;
		return -1;
	}
	if (write_head(c) < 0)
		return -1;
	if (st == 101)
		return 2; /* what follows is the new protocol's */
	/* No body, whatever a Content-Length says (RFC 9110 6.4.1). */
	return px->x_head || st == 204 || st == 304 ? 1 : 0;
}

static int
r_message_complete(http_parser *p)
{
	struct wrk_conn *c = p->data;
	struct wrk_pxy *px = c->c_pxy;
	unsigned st = p->status_code;

	if (st / 100 == 1 && st != 101) {
		px->x_rcap.len = 0;
		px->x_status_len = 0;
		return 0;
	}
	if (st == 101)
		px->x_tunnel = true;
	else {
		if (px->x_inject && !px->x_inj_done && inj_finish(c) < 0)
			return -1;
		if (px->x_chunked_out && WRK_OUT_LIT(c, "0\r\n\r\n") < 0)
			return -1;
		px->x_resp_done = true;
	}
	http_parser_pause(p, 1);
	return 0;
}

static const http_parser_settings settings = {
    .on_status = r_status,
    .on_header_field = r_field,
    .on_header_value = r_value,
    .on_headers_complete = r_headers_complete,
    .on_body = r_body,
    .on_message_complete = r_message_complete,
};

/* Ready for an answer (again, after a retry). */
void
wrk_pxy_resp_init(struct wrk_pxy *px)
{
	void *data = px->x_rp.data;

	http_parser_init(&px->x_rp, HTTP_RESPONSE);
	px->x_rp.data = data;
	px->x_rcap.len = 0;
	px->x_rval = false;
	px->x_status_len = 0;
	px->x_err = 0;
}

/*
 * The 101 is queued: the server's bytes after it go to the client, and
 * what the client sent while it waited goes to the server.
 */
static int
start_tunnel(struct wrk_conn *c, size_t done, size_t n)
{
	struct wrk_pxy *px = c->c_pxy;

	c->c_h->h_requests++;
	if (done < n &&
	    wrk_out_append(c, c->c_h->h_pxy_rbuf + done, n - done) < 0)
		return -1;
	if (c->c_roff < c->c_rlen &&
	    wrk_buf_add(
	        &px->x_out, c->c_rbuf + c->c_roff, c->c_rlen - c->c_roff) < 0)
		return -1;
	c->c_roff = c->c_rlen = 0;
	return 0;
}

/*
 * One read from the server, into the server's one read buffer: what is
 * read is parsed (or, in a tunnel, copied) before anything else runs.
 * -1: c is gone; 0: nothing; 1: moved.
 */
int
wrk_pxy_up_read(struct wrk_conn *c)
{
	struct wrk_pxy *px = c->c_pxy;
	char *rbuf = c->c_h->h_pxy_rbuf;
	ssize_t n;
	size_t done;
	enum http_errno e;

	px->x_rp.data = c;
	do
		n = recv(px->x_u->u_fd, rbuf, WRK_PXY_RBUF, 0);
	while (n < 0 && errno == EINTR);
	/* A short read emptied the socket: wait for the watcher. */
	px->x_uready = n == WRK_PXY_RBUF;
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	if (px->x_tunnel) {
		if (n < 0 ||
		    (n > 0 && wrk_out_append(c, rbuf, (size_t)n) < 0)) {
			wrk_conn_close(c, false);
			return -1;
		}
		px->x_up_eof = n == 0;
		return 1;
	}
	if (n < 0)
		return wrk_pxy_fail(c, errno) < 0 ? -1 : 1;
	if (n == 0) {
		/* A body that runs to the close is whole; anything else is cut.
		 */
		http_parser_execute(&px->x_rp, &settings, NULL, 0);
		if (px->x_resp_done) {
			px->x_extra = true;
			return 1;
		}
		return wrk_pxy_fail(c, px->x_got ? ECONNABORTED : ENODATA) < 0
		    ? -1
		    : 1;
	}
	px->x_got = true;
	px->x_replay = false;
	done = http_parser_execute(&px->x_rp, &settings, rbuf, (size_t)n);
	e = HTTP_PARSER_ERRNO(&px->x_rp);
	if (e != HPE_OK && e != HPE_PAUSED)
		return wrk_pxy_fail(c, px->x_err != 0 ? px->x_err : EPROTO) < 0
		    ? -1
		    : 1;
	if (px->x_tunnel) {
		if (start_tunnel(c, done, (size_t)n) < 0) {
			wrk_conn_close(c, false);
			return -1;
		}
	} else if (done < (size_t)n)
		px->x_extra = true; /* bytes after the answer */
	return 1;
}
