/* SPDX-License-Identifier: ISC */
/*
 * worker/http_proxy_head.c
 * The proxy's heads: growable buffers, header lines captured as they are
 * parsed ("Name: value" and CRLF, a folded value's breaks made spaces)
 * and read back, the route of a request (the longest prefix, by whole
 * segments, of the path as the client sent it; /__tend/ is never
 * routed), and the request head the server gets: origin-form target,
 * hop-by-hop headers and those the Connection header names dropped,
 * X-Forwarded-For (appended to), -Proto and -Host set, Transfer-Encoding
 * chunked for a body that arrived in chunks.
 */
#include <sys/socket.h>

#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http_proxy.h"

#define LIT_ADD(b, s) wrk_buf_add((b), (s), sizeof(s) - 1)
#define STR_ADD(b, s) wrk_buf_add((b), (s), strlen(s))

/* Room for n more bytes after b->len. */
int
wrk_buf_reserve(struct wrk_buf *b, size_t n)
{
	size_t cap;
	char *nb;

	if (b->cap - b->len >= n)
		return 0;
	cap = b->cap > 0 ? b->cap : 1024;
	while (cap - b->len < n)
		cap *= 2;
	if ((nb = realloc(b->b, cap)) == NULL)
		return -1;
	b->b = nb;
	b->cap = cap;
	return 0;
}

int
wrk_buf_add(struct wrk_buf *b, const void *p, size_t n)
{
	if (n == 0)
		return 0;
	if (wrk_buf_reserve(b, n) < 0)
		return -1;
	memcpy(b->b + b->len, p, n);
	b->len += n;
	return 0;
}

void
wrk_buf_free(struct wrk_buf *b)
{
	free(b->b);
	memset(b, 0, sizeof(*b));
}

/*
 * One piece of a header name or value into a capture, as "Name: value"
 * lines ended by CRLF (the last line is ended by whoever reads it). A
 * folded value's line breaks become spaces: no line of ours comes from
 * the peer's.
 */
int
wrk_cap_add(
    struct wrk_buf *b, bool *inval, bool value, const char *at, size_t len)
{
	size_t start;

	if (value != *inval) {
		if (wrk_buf_add(b, value ? ": " : "\r\n", 2) < 0)
			return -1;
		*inval = value;
	}
	start = b->len;
	if (wrk_buf_add(b, at, len) < 0)
		return -1;
	for (size_t i = start; value && i < b->len; i++)
		if (b->b[i] == '\r' || b->b[i] == '\n')
			b->b[i] = ' ';
	return 0;
}

bool
wrk_hdr_next(const struct wrk_buf *cap, size_t *pos, const char **name,
    size_t *nlen, const char **val, size_t *vlen)
{
	const char *s, *end, *eol, *colon, *v;

	if (*pos >= cap->len)
		return false;
	s = cap->b + *pos;
	end = cap->b + cap->len;
	/* Captured lines hold no CR or LF but their ends (wrk_cap_add). */
	if ((eol = memchr(s, '\n', (size_t)(end - s))) == NULL)
		eol = end;
	else if (eol > s && eol[-1] == '\r')
		eol--;
	if ((colon = memchr(s, ':', (size_t)(eol - s))) == NULL)
		colon = eol;
	*name = s;
	*nlen = (size_t)(colon - s);
	for (v = colon < eol ? colon + 1 : eol;
	     v < eol && (*v == ' ' || *v == '\t'); v++)
		;
	*val = v;
	*vlen = (size_t)(eol - v);
	while (*vlen > 0 && (v[*vlen - 1] == ' ' || v[*vlen - 1] == '\t'))
		(*vlen)--;
	*pos = (size_t)(eol - cap->b) + (eol < end ? 2 : 0);
	return true;
}

/* name is one of the comma-separated tokens of list (a Connection). */
bool
wrk_hdr_listed(const char *list, size_t len, const char *name, size_t nlen)
{
	size_t i = 0, s, e;

	while (i < len) {
		while (i < len &&
		    (list[i] == ' ' || list[i] == '\t' || list[i] == ','))
			i++;
		for (s = i; i < len && list[i] != ','; i++)
			;
		for (e = i;
		     e > s && (list[e - 1] == ' ' || list[e - 1] == '\t'); e--)
			;
		if (e - s == nlen && e > s &&
		    strncasecmp(list + s, name, nlen) == 0)
			return true;
	}
	return false;
}

/*
 * The route whose prefix is the longest match of path: equal to it, or
 * followed by '/', or ending in '/' itself ("/api" takes "/api/x", not
 * "/apix"). /__tend/ is tend's own whatever the routes say.
 */
long
wrk_proxy_match(
    const struct wrk_http_route *r, size_t n, const char *path, size_t len)
{
	size_t best_len = 0, pl;
	long best = -1;

	if (len >= 8 && memcmp(path, "/__tend/", 8) == 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		pl = strlen(r[i].prefix);
		if (pl == 0 || pl > len || memcmp(path, r[i].prefix, pl) != 0)
			continue;
		if (pl < len && r[i].prefix[pl - 1] != '/' && path[pl] != '/')
			continue;
		if (best < 0 || pl > best_len) {
			best = (long)i;
			best_len = pl;
		}
	}
	return best;
}

/* The path of a request target, origin-form or absolute-form. */
static bool
target_path(const char *url, size_t len, const char **path, size_t *plen)
{
	struct http_parser_url u;

	if (len > 0 && url[0] == '/') {
		*path = url;
		*plen = strcspn(url, "?#");
		return true;
	}
	http_parser_url_init(&u);
	if (http_parser_parse_url(url, len, 0, &u) != 0)
		return false;
	if (!(u.field_set & (1 << UF_PATH))) {
		*path = "/";
		*plen = 1;
		return true;
	}
	*path = url + u.field_data[UF_PATH].off;
	*plen = u.field_data[UF_PATH].len;
	return true;
}

/*
 * At the first header (the target is whole by then): a struct wrk_pxy
 * when the path is on a route. -1 when out of memory.
 */
int
wrk_pxy_route(struct wrk_conn *c)
{
	struct wrk_http *h = c->c_h;
	struct wrk_req *r = &c->c_req;
	const char *path;
	size_t plen;
	long i;

	r->routed = true;
	if (h->h_npools == 0 || c->c_parser.method == HTTP_CONNECT ||
	    !target_path(r->url, r->url_len, &path, &plen) ||
	    (i = wrk_proxy_match(
	         h->h_lim.routes, h->h_lim.nroutes, path, plen)) < 0)
		return 0;
	if ((c->c_pxy = calloc(1, sizeof(*c->c_pxy))) == NULL)
		return -1;
	c->c_pxy->x_pool = &h->h_pools[i];
	return 0;
}

int
wrk_pxy_capture(struct wrk_conn *c, bool value, const char *at, size_t len)
{
	struct wrk_pxy *px = c->c_pxy;

	/*
	 * A line grows by a byte at most here (": " for ":"), and is 4
	 * bytes at least: twice the limit is a head over it, whose 431 the
	 * parser's caller sends. Under it nothing is ever left out.
	 */
	if (px->x_hcap.len > 2 * c->c_h->h_lim.max_header_bytes)
		return 0;
	return wrk_cap_add(&px->x_hcap, &px->x_hval, value, at, len);
}

/* "1.2.3.4" from "1.2.3.4:5678", "::1" from "[::1]:5678". */
static void
peer_ip(const char *peer, char *ip, size_t size)
{
	const char *end = strrchr(peer, ':');
	size_t n;

	if (peer[0] == '[' && (end = strchr(peer, ']')) != NULL)
		peer++;
	n = end != NULL ? (size_t)(end - peer) : strlen(peer);
	if (n >= size)
		n = size - 1;
	memcpy(ip, peer, n);
	ip[n] = '\0';
}

/* Request headers that end at tend, or that tend writes itself. */
static bool
hop(const struct wrk_pxy *px, const char *name, size_t nlen,
    const struct wrk_buf *conn)
{
#define D(s) \
	{ \
		s, sizeof(s) - 1 \
	}
	static const struct {
		const char *s;
		size_t n;
	} drop[] = {D("connection"), D("keep-alive"), D("proxy-connection"),
	    D("te"), D("trailer"), D("transfer-encoding"), D("expect"),
	    D("x-forwarded-for"), D("x-forwarded-proto"),
	    D("x-forwarded-host")};
#undef D

	for (size_t i = 0; i < sizeof(drop) / sizeof(drop[0]); i++)
		if (nlen == drop[i].n &&
		    strncasecmp(name, drop[i].s, nlen) == 0)
			return true;
	if (WRK_HDR_IS(name, nlen, "upgrade"))
		return !px->x_upgrade;
	/* A chunked body goes as chunks: a Content-Length beside it lies. */
	if (WRK_HDR_IS(name, nlen, "content-length"))
		return px->x_chunked;
	return conn->len > 0 && !WRK_HDR_IS(name, nlen, "host") &&
	    wrk_hdr_listed(conn->b, conn->len, name, nlen);
}

/* The request line and headers the server gets, into x_out. */
int
wrk_pxy_head(struct wrk_conn *c)
{
	struct wrk_pxy *px = c->c_pxy;
	struct wrk_req *r = &c->c_req;
	struct wrk_buf conn = {0}, xff = {0}, *o = &px->x_out;
	const struct wrk_hval *host = &r->hdr[HDR_HOST];
	const char *name, *val, *path = r->url;
	size_t nlen, vlen, pos = 0, plen = r->url_len;
	struct http_parser_url u;
	char ip[INET6_ADDRSTRLEN + 8];
	int rc = -1;

	http_parser_url_init(&u);
	while (wrk_hdr_next(&px->x_hcap, &pos, &name, &nlen, &val, &vlen)) {
		struct wrk_buf *to = WRK_HDR_IS(name, nlen, "connection")
		    ? &conn
		    : WRK_HDR_IS(name, nlen, "x-forwarded-for") ? &xff
		                                                : NULL;
		if (to != NULL &&
		    ((to->len > 0 && wrk_buf_add(to, ", ", 2)) ||
		        wrk_buf_add(to, val, vlen)))
			goto out;
	}
	/* Absolute-form ("GET http://host/x") becomes origin-form. */
	if (plen == 0 || path[0] != '/') {
		if (http_parser_parse_url(r->url, r->url_len, 0, &u) != 0)
			goto out;
		path = "/";
		plen = 1;
		if (u.field_set & (1 << UF_PATH)) {
			path = r->url + u.field_data[UF_PATH].off;
			plen = r->url_len - u.field_data[UF_PATH].off;
		} else if (u.field_set & (1 << UF_QUERY))
			plen = 0; /* "/" then "?..." below */
	}
	if (STR_ADD(o, http_method_str(c->c_parser.method)) ||
	    wrk_buf_add(o, " ", 1) || wrk_buf_add(o, path, plen) ||
	    (plen == 0 && (u.field_set & (1 << UF_QUERY)) &&
	        (wrk_buf_add(o, "/?", 2) ||
	            wrk_buf_add(o, r->url + u.field_data[UF_QUERY].off,
	                u.field_data[UF_QUERY].len))) ||
	    wrk_buf_add(o, " HTTP/1.1\r\n", 11))
		goto out;
	pos = 0;
	while (wrk_hdr_next(&px->x_hcap, &pos, &name, &nlen, &val, &vlen)) {
		if (nlen == 0 || hop(px, name, nlen, &conn))
			continue;
		if (wrk_buf_add(o, name, nlen) || wrk_buf_add(o, ": ", 2) ||
		    wrk_buf_add(o, val, vlen) || wrk_buf_add(o, "\r\n", 2))
			goto out;
	}
	peer_ip(c->c_peer, ip, sizeof(ip));
	if ((r->hosts == 0 &&
	        (LIT_ADD(o, "Host: ") || STR_ADD(o, px->x_pool->p_route->to) ||
	            LIT_ADD(o, "\r\n"))) ||
	    LIT_ADD(o, "X-Forwarded-For: ") ||
	    (xff.len > 0 &&
	        (wrk_buf_add(o, xff.b, xff.len) || LIT_ADD(o, ", "))) ||
	    STR_ADD(o, ip) || LIT_ADD(o, "\r\nX-Forwarded-Proto: http\r\n") ||
	    (r->hosts == 1 &&
	        (LIT_ADD(o, "X-Forwarded-Host: ") ||
	            wrk_buf_add(o, host->v, host->len) ||
	            LIT_ADD(o, "\r\n"))) ||
	    (px->x_chunked && LIT_ADD(o, "Transfer-Encoding: chunked\r\n")) ||
	    (px->x_upgrade && LIT_ADD(o, "Connection: upgrade\r\n")) ||
	    wrk_buf_add(o, "\r\n", 2))
		goto out;
	rc = 0;
out:
	wrk_buf_free(&conn);
	wrk_buf_free(&xff);
	return rc;
}
