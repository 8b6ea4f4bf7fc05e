/* SPDX-License-Identifier: ISC */
/*
 * worker/http_req.c
 * Reading requests: http_parser callbacks that collect the URL and the few
 * headers we use, the limits (414, 431, 413, 505), Host (400), Expect
 * (answered at the head, or 417), and routing a complete request through
 * the guards (http_guard.c: Host allowlist, hidden files) to the file,
 * control or error responses. The parser is
 * paused after each message so that pipelined requests are answered one at a
 * time, in order; http_conn.c resumes it when the response is written.
 * While the server holds (wrk_http_hold), a request for a file is parked
 * instead of answered; /__tend/ endpoints and errors are never held.
 * A request on a proxy route is known at its first header: its headers
 * are captured for the server, it is dispatched at the end of its head
 * (the parser pauses there) through the same guards, and its body then
 * streams to the server (http_proxy.c), without the 64 KiB limit.
 */
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include <http_parser.h>

#include "http_priv.h"

static const char *const hdr_names[HDR_COUNT] = {
    [HDR_IF_NONE_MATCH] = "if-none-match",
    [HDR_IF_MODIFIED_SINCE] = "if-modified-since",
    [HDR_RANGE] = "range",
    [HDR_IF_RANGE] = "if-range",
    [HDR_IF_MATCH] = "if-match",
    [HDR_IF_UNMODIFIED_SINCE] = "if-unmodified-since",
    [HDR_HOST] = "host",
    [HDR_ORIGIN] = "origin",
    [HDR_SEC_FETCH_SITE] = "sec-fetch-site",
    [HDR_EXPECT] = "expect",
};

static struct wrk_req *
req_of(http_parser *p)
{
	return &((struct wrk_conn *)p->data)->c_req;
}

/* Where the head ends so far, for the max_header_bytes limit. */
static void
mark(struct wrk_req *r, const char *at, size_t len)
{
	r->mark = (size_t)(at + len - r->chunk);
}

static int
on_message_begin(http_parser *p)
{
	req_of(p)->begun = true;
	return 0;
}

static int
on_url(http_parser *p, const char *at, size_t len)
{
	struct wrk_conn *c = p->data;
	struct wrk_req *r = &c->c_req;

	mark(r, at, len);
	if (len > wrk_http_url_cap(c->c_h) - r->url_len) {
		r->err = 414;
		return -1;
	}
	memcpy(r->url + r->url_len, at, len);
	r->url_len += len;
	r->url[r->url_len] = '\0';
	/*
	 * libhttp-parser, as Debian builds it (not strict), accepts any
	 * letters after the 'H' of "HTTP/". Check the protocol name in what
	 * this read holds after the URL; a request line split right there
	 * is only checked by the parser.
	 */
	{
		static const char proto[] = " HTTP/";
		const char *after = at + len;
		size_t n = (size_t)(r->chunk_end - after);

		if (n > sizeof(proto) - 1)
			n = sizeof(proto) - 1;
		if (n > 0 && after[0] == ' ' && memcmp(after, proto, n) != 0) {
			r->err = 400;
			return -1;
		}
	}
	return 0;
}

/* The target is whole once a header or the head's end comes. */
static int
route(struct wrk_conn *c)
{
	if (c->c_req.routed)
		return 0;
	if (wrk_pxy_route(c) < 0) {
		c->c_req.err = 503;
		return -1;
	}
	return 0;
}

static int
on_header_field(http_parser *p, const char *at, size_t len)
{
	struct wrk_conn *c = p->data;
	struct wrk_req *r = &c->c_req;
	size_t i;

	mark(r, at, len);
	if (route(c) < 0 ||
	    (c->c_pxy != NULL && c->c_st != CS_PROXY &&
	        wrk_pxy_capture(c, false, at, len) < 0))
		return -1;
	if (r->in_value) {
		r->in_value = false;
		r->field_len = 0;
		r->field_over = false;
	}
	for (i = 0; i < len; i++) {
		if (r->field_len + 1 >= sizeof(r->field)) {
			r->field_over = true;
			break;
		}
		r->field[r->field_len++] =
		    (char)((at[i] >= 'A' && at[i] <= 'Z') ? at[i] + ('a' - 'A')
		                                          : at[i]);
	}
	r->field[r->field_len] = '\0';
	return 0;
}

static void
hval_append(struct wrk_hval *v, const char *at, size_t len)
{
	if (v->over)
		return;
	if (len >= sizeof(v->v) - v->len) {
		v->over = true;
		return;
	}
	memcpy(v->v + v->len, at, len);
	v->len += len;
	v->v[v->len] = '\0';
}

static int
on_header_value(http_parser *p, const char *at, size_t len)
{
	struct wrk_conn *c = p->data;
	struct wrk_req *r = &c->c_req;
	int k;

	mark(r, at, len);
	if (c->c_pxy != NULL && c->c_st != CS_PROXY &&
	    wrk_pxy_capture(c, true, at, len) < 0)
		return -1;
	if (!r->in_value) {
		r->in_value = true;
		r->cur = -1;
		for (k = 0; k < HDR_COUNT && !r->field_over; k++)
			if (strcmp(r->field, hdr_names[k]) == 0)
				r->cur = k;
		if (!r->field_over && strcmp(r->field, "host") == 0)
			r->hosts++;
		/* A repeated header is one comma-separated list. */
		if (r->cur >= 0 && r->hdr[r->cur].len > 0)
			hval_append(&r->hdr[r->cur], ", ", 2);
	}
	if (r->cur >= 0)
		hval_append(&r->hdr[r->cur], at, len);
	return 0;
}

/*
 * Expect: 100-continue (RFC 9110 10.1.1). No endpoint reads a body, so
 * rather than a 100 and a wait, the request is answered now, from its
 * head (the RFC lets a server send the final status before the content),
 * and the connection ends after it: the body, if the client sends it
 * anyway, is read and dropped by the lingering close. Anything else
 * expected: 417.
 */
static void
expect(http_parser *p, struct wrk_req *r)
{
	const struct wrk_hval *v = &r->hdr[HDR_EXPECT];

	if (v->over || v->len != 12 || strncasecmp(v->v, "100-continue", 12))
		r->err = 417;
	else if ((p->flags & F_CHUNKED) ||
	    ((p->flags & F_CONTENTLENGTH) && p->content_length > 0)) {
		r->body_skipped = true;
		r->complete = true;
		http_parser_pause(p, 1);
	}
}

static int
on_headers_complete(http_parser *p)
{
	struct wrk_conn *c = p->data;
	struct wrk_req *r = &c->c_req;

	r->headers_done = true;
	r->head_len += r->mark;
	if (route(c) < 0)
		return -1;
	if (r->head_len > c->c_h->h_lim.max_header_bytes)
		r->err = 431;
	else if (p->http_major != 1 || p->http_minor > 1)
		r->err = 505;
	/*
	 * RFC 9112 3.2: an HTTP/1.1 request without Host, or any request
	 * with more than one, is a 400. HTTP/1.0 clients may omit it.
	 */
	else if (r->hosts > 1 || (p->http_minor == 1 && r->hosts == 0))
		r->err = 400;
	/* ... and one whose value is no uri-host[:port] ("a b/c"). */
	else if (r->hosts == 1 &&
	    (r->hdr[HDR_HOST].over ||
	        wrk_guard_host_split(r->hdr[HDR_HOST].v, r->hdr[HDR_HOST].len,
	            r->host, WRK_HDR_VAL) == -1))
		r->err = 400;
	else if (c->c_pxy != NULL) {
		/* The server reads the body; 100-continue is tend's to send. */
		if (r->hdr[HDR_EXPECT].over ||
		    (r->hdr[HDR_EXPECT].len > 0 &&
		        (r->hdr[HDR_EXPECT].len != 12 ||
		            strncasecmp(r->hdr[HDR_EXPECT].v, "100-continue",
		                12) != 0)))
			r->err = 417;
		else
			http_parser_pause(p, 1); /* dispatched at the head */
	} else if ((p->flags & F_CONTENTLENGTH) &&
	    p->content_length > WRK_BODY_MAX)
		r->err = 413;
	else if (r->hdr[HDR_EXPECT].len > 0 || r->hdr[HDR_EXPECT].over)
		expect(p, r);
	return r->err != 0 ? -1 : 0;
}

/*
 * A proxied request's body goes to its server; no endpoint of tend's own
 * uses one: read, count and drop it.
 */
static int
on_body(http_parser *p, const char *at, size_t len)
{
	struct wrk_conn *c = p->data;
	struct wrk_req *r = &c->c_req;

	if (c->c_st == CS_PROXY) {
		if (wrk_pxy_req_body(c, at, len) < 0) {
			r->err = 503;
			return -1;
		}
		return 0;
	}
	r->body_len += len;
	if (r->body_len > WRK_BODY_MAX) {
		r->err = 413;
		return -1;
	}
	return 0;
}

static int
on_message_complete(http_parser *p)
{
	req_of(p)->complete = true;
	http_parser_pause(p, 1);
	return 0;
}

static const http_parser_settings settings = {
    .on_message_begin = on_message_begin,
    .on_url = on_url,
    .on_header_field = on_header_field,
    .on_header_value = on_header_value,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_message_complete,
};

void
wrk_req_init(struct wrk_conn *c)
{
	http_parser_init(&c->c_parser, HTTP_REQUEST);
	c->c_parser.data = c;
	wrk_req_reset(c);
}

/* Forget the last request and let the parser go on to the next one. */
void
wrk_req_reset(struct wrk_conn *c)
{
	struct wrk_req *r = &c->c_req;
	int k;

	r->url_len = 0;
	r->field_len = 0;
	r->field_over = false;
	r->in_value = false;
	r->cur = -1;
	/* An idle connection has no block (http_conn.c: mem_take). */
	if (c->c_mem != NULL) {
		r->url[0] = '\0';
		r->host[0] = '\0';
		for (k = 0; k < HDR_COUNT; k++) {
			r->hdr[k].len = 0;
			r->hdr[k].over = false;
			r->hdr[k].v[0] = '\0';
		}
	}
	r->hosts = 0;
	r->body_skipped = false;
	r->routed = false;
	wrk_pxy_free(c);
	r->query = NULL;
	r->query_len = 0;
	r->head_len = 0;
	r->body_len = 0;
	r->err = 0;
	r->headers_done = false;
	r->complete = false;
	if (c->c_roff == c->c_rlen)
		c->c_roff = c->c_rlen = 0;
	r->begun = c->c_roff < c->c_rlen;
	c->c_head = false;
	c->c_sse = false;
	http_parser_pause(&c->c_parser, 0);
}

/* A request we cannot read further is answered and ends the connection. */
static void
fail(struct wrk_conn *c, int status)
{
	c->c_close_after = true;
	c->c_head = false;
	wrk_resp_error(c, status, NULL);
}

/*
 * GET, HEAD and OPTIONS read; anything else, and an Upgrade (a
 * WebSocket is not bound by CORS), may change the server's state: from a
 * browser, only tend's own pages may ask (http_guard.c).
 */
static void
proxy(struct wrk_conn *c)
{
	http_parser *p = &c->c_parser;

	if ((p->upgrade ||
	        (p->method != HTTP_GET && p->method != HTTP_HEAD &&
	            p->method != HTTP_OPTIONS)) &&
	    !wrk_guard_same_origin(&c->c_req)) {
		wrk_guard_refuse_site(c);
		return;
	}
	/* Kept open for the body, unless the answer is all there is. */
	c->c_close_after =
	    !http_should_keep_alive(p) || p->upgrade || c->c_h->h_draining;
	/* A route naming a service: it may have to wait, or be down. */
	if (!wrk_pxw_dispatch(c))
		wrk_pxy_start(c);
}

static void
dispatch(struct wrk_conn *c)
{
	struct wrk_http *h = c->c_h;
	http_parser *p = &c->c_parser;
	struct wrk_req *r = &c->c_req;
	struct http_parser_url u;
	const char *path = "/", *query = NULL;
	size_t plen = 1, qlen = 0;
	int st;

	/*
	 * While draining, the connection ends after this response unless
	 * the client has already sent more: that is answered too. A proxied
	 * request comes here at the end of its head: what follows may be
	 * its body, and a refusal ends the connection.
	 */
	c->c_close_after = !http_should_keep_alive(p) || p->upgrade ||
	    r->body_skipped ||
	    (h->h_draining && (c->c_roff == c->c_rlen || c->c_pxy != NULL)) ||
	    (c->c_pxy != NULL && !r->complete);
	c->c_head = p->method == HTTP_HEAD;
	if (p->method == HTTP_CONNECT) {
		c->c_close_after = true;
		wrk_resp_error(c, 405, "Allow: GET, HEAD");
		return;
	}
	/* Files, control endpoints and the event stream alike. */
	if (!wrk_guard_host_allowed(&h->h_lim, r->host)) {
		wrk_guard_refuse_host(c);
		return;
	}
	http_parser_url_init(&u);
	if (http_parser_parse_url(r->url, r->url_len, 0, &u) != 0) {
		fail(c, 400);
		return;
	}
	if (u.field_set & (1 << UF_PATH)) {
		path = r->url + u.field_data[UF_PATH].off;
		plen = u.field_data[UF_PATH].len;
	}
	if (u.field_set & (1 << UF_QUERY)) {
		query = r->url + u.field_data[UF_QUERY].off;
		qlen = u.field_data[UF_QUERY].len;
	}
	r->query = query; /* a redirect keeps it (http_file.c) */
	r->query_len = qlen;
	if (c->c_pxy != NULL) {
		proxy(c);
		return;
	}
	if ((st = wrk_http_path_clean(
	         path, plen, c->c_path, wrk_http_url_cap(c->c_h) + 1)) != 0) {
		wrk_resp_error(c, st, NULL);
		return;
	}
	if (strncmp(c->c_path, "__tend/", 7) == 0)
		wrk_http_control(c, c->c_path + 7, query, qlen);
	else if (wrk_guard_hidden(&h->h_lim, c->c_path))
		wrk_resp_error(c, 404, NULL); /* as if it were not there */
	else if (p->method != HTTP_GET && p->method != HTTP_HEAD)
		wrk_resp_error(c, 405, "Allow: GET, HEAD");
	/* A stop's drain holds too: a build that began just before it. */
	else if (h->h_hold && !(h->h_draining && h->h_handoff))
		wrk_hold_park(c);
	else
		wrk_http_file(c, c->c_path);
}

/*
 * Feed the parser the buffered input. Ends with either more input needed
 * (all of it consumed, c_st still CS_READ) or a response built (CS_WRITE)
 * or parked (CS_HELD), and the parser paused in front of whatever follows
 * the request.
 */
void
wrk_req_parse(struct wrk_conn *c)
{
	struct wrk_req *r = &c->c_req;
	http_parser *p = &c->c_parser;
	const char *base = c->c_rbuf + c->c_roff;
	size_t len = c->c_rlen - c->c_roff, n;
	bool had_head = r->headers_done;
	enum http_errno e;

	r->chunk = base;
	r->chunk_end = base + len;
	r->mark = 0;
	n = http_parser_execute(p, &settings, base, len);
	e = HTTP_PARSER_ERRNO(p);
	c->c_roff += n;
	if (!had_head && !r->headers_done)
		r->head_len += n;
	if (e != HPE_OK && e != HPE_PAUSED) {
		if (r->err == 0 && e == HPE_HEADER_OVERFLOW)
			r->err = 431;
		else if (r->err == 0 && e == HPE_INVALID_METHOD)
			r->err = 501; /* a method http_parser does not know */
		else if (r->err == 0)
			r->err = 400;
		/* A proxied body: http_proxy.c answers (r->err says what). */
		if (c->c_st != CS_PROXY)
			fail(c, r->err);
		return;
	}
	if (c->c_st == CS_PROXY) {
		if (c->c_roff == c->c_rlen)
			c->c_roff = c->c_rlen = 0;
		return;
	}
	if (!r->headers_done && r->head_len > c->c_h->h_lim.max_header_bytes) {
		fail(c, 431);
		return;
	}
	if (r->complete || (r->headers_done && c->c_pxy != NULL)) {
		dispatch(c);
		return;
	}
	if (c->c_roff == c->c_rlen)
		c->c_roff = c->c_rlen = 0;
}
