/* SPDX-License-Identifier: ISC */
/*
 * worker/http_control.c
 * The /__tend/ endpoints: status (JSON from ops; loopback peers unless
 * serve.status is "any"), build (POST, loopback peers and same-origin
 * pages only, through ops), events (handed to http_sse.c) and the
 * live-reload client livereload.js (http_livereload_js.c). Also the
 * small pure helpers they need: loopback test, query parameter, JSON
 * string escaping.
 */
#include <sys/socket.h>

#include <netinet/in.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <http_parser.h>

#include "http_priv.h"

#define JOB_MAX 256

/* 127.0.0.0/8, ::1 and ::ffff:127.0.0.0/104. */
bool
wrk_http_is_loopback(const struct sockaddr *sa)
{
	const struct sockaddr_in *in4;
	const struct sockaddr_in6 *in6;

	if (sa->sa_family == AF_INET) {
		in4 = (const struct sockaddr_in *)(const void *)sa;
		return (ntohl(in4->sin_addr.s_addr) >> 24) == 127;
	}
	if (sa->sa_family == AF_INET6) {
		in6 = (const struct sockaddr_in6 *)(const void *)sa;
		if (IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr))
			return true;
		return IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) &&
		    in6->sin6_addr.s6_addr[12] == 127;
	}
	return false;
}

static int
hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/*
 * The value of name in a query string, form-decoded ('+' is a space) into
 * out. Returns 1, 0 when absent, -1 when malformed or too long for out.
 * Control bytes are refused: the value ends up in logs and ipc messages.
 */
int
wrk_http_query_param(
    const char *q, size_t qlen, const char *name, char *out, size_t outsz)
{
	size_t nlen = strlen(name), i = 0, end, o;
	int hi, lo;
	char ch;

	while (i < qlen) {
		for (end = i; end < qlen && q[end] != '&'; end++)
			;
		if (end - i > nlen && memcmp(q + i, name, nlen) == 0 &&
		    q[i + nlen] == '=') {
			for (i += nlen + 1, o = 0; i < end; i++) {
				ch = q[i];
				if (ch == '+') {
					ch = ' ';
				} else if (ch == '%') {
					if (i + 2 >= end)
						return -1;
					hi = hexval((unsigned char)q[i + 1]);
					lo = hexval((unsigned char)q[i + 2]);
					if (hi < 0 || lo < 0)
						return -1;
					ch = (char)(hi << 4 | lo);
					i += 2;
				}
				if ((unsigned char)ch < 0x20 || ch == 0x7f ||
				    o + 1 >= outsz)
					return -1;
				out[o++] = ch;
			}
			out[o] = '\0';
			return 1;
		}
		i = end + 1;
	}
	return 0;
}

/* s as a JSON string with quotes into out; returns the length needed. */
size_t
wrk_http_json_str(char *out, size_t outsz, const char *s)
{
	size_t o = 0;
	char esc[8];
	const char *p;
	int n;

#define PUT(ch) \
	do { \
		if (o + 1 < outsz) \
			out[o] = (ch); \
		o++; \
	} while (0)
	PUT('"');
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\') {
			PUT('\\');
			PUT(*s);
		} else if ((unsigned char)*s < 0x20) {
			n = snprintf(
			    esc, sizeof(esc), "\\u%04x", (unsigned char)*s);
			for (p = esc; p < esc + n; p++)
				PUT(*p);
		} else {
			PUT(*s);
		}
	}
	PUT('"');
#undef PUT
	if (outsz > 0)
		out[o < outsz ? o : outsz - 1] = '\0';
	return o;
}

static void
json(struct wrk_conn *c, int status, const char *body)
{
	wrk_resp_start(c, status);
	WRK_OUT_LIT(c, "Cache-Control: no-store\r\n");
	wrk_resp_body(c, "application/json", body, strlen(body));
}

static void
status(struct wrk_conn *c)
{
	const struct wrk_http_ops *ops = &c->c_h->h_ops;
	char *doc;

	/* Jobs and their output: the network sees it only when asked. */
	if (!c->c_loopback && !c->c_h->h_lim.status_any) {
		wrk_resp_error(c, 403, NULL);
		return;
	}
	doc = ops->status_json != NULL ? ops->status_json(ops->arg) : NULL;
	if (doc == NULL) {
		wrk_resp_error(c, 500, NULL);
		return;
	}
	json(c, 200, doc);
	free(doc);
}

static void
build(struct wrk_conn *c, const char *query, size_t qlen)
{
	const struct wrk_http_ops *ops = &c->c_h->h_ops;
	char job[JOB_MAX], body[JOB_MAX * 6 + 32], q[JOB_MAX * 6 + 4];

	/* From this machine, and from no other site's page. */
	if (!c->c_loopback || !wrk_guard_same_origin(&c->c_req)) {
		wrk_resp_error(c, 403, NULL);
		return;
	}
	job[0] = '\0';
	if (query != NULL &&
	    wrk_http_query_param(query, qlen, "job", job, sizeof(job)) == -1) {
		wrk_resp_error(c, 400, NULL);
		return;
	}
	if (ops->trigger_build == NULL ||
	    ops->trigger_build(ops->arg, job, c->c_peer) != 0) {
		json(c, 404, "{\"error\":\"unknown job\"}");
		return;
	}
	wrk_http_json_str(q, sizeof(q), job);
	snprintf(body, sizeof(body), "{\"requested\":%s}", q);
	json(c, 202, body);
}

/*
 * Served whether or not livereload is on, so a page may also include it
 * by hand. Never held: a page waiting for a build still needs its client.
 */
static void
livereload_js(struct wrk_conn *c)
{
	wrk_resp_start(c, 200);
	WRK_OUT_LIT(c, "Cache-Control: no-cache\r\n");
	wrk_resp_body(c, "text/javascript; charset=utf-8", wrk_livereload_js,
	    wrk_livereload_js_len);
}

/* path is the cleaned path after "__tend/". */
void
wrk_http_control(
    struct wrk_conn *c, const char *path, const char *query, size_t qlen)
{
	unsigned method = c->c_parser.method;
	bool get = method == HTTP_GET || method == HTTP_HEAD;

	if (strcmp(path, "status") == 0) {
		if (get)
			status(c);
		else
			wrk_resp_error(c, 405, "Allow: GET, HEAD");
	} else if (strcmp(path, "build") == 0) {
		if (method == HTTP_POST)
			build(c, query, qlen);
		else
			wrk_resp_error(c, 405, "Allow: POST");
	} else if (strcmp(path, "events") == 0) {
		if (get)
			wrk_sse_start(c);
		else
			wrk_resp_error(c, 405, "Allow: GET, HEAD");
	} else if (strcmp(path, "livereload.js") == 0) {
		if (get)
			livereload_js(c);
		else
			wrk_resp_error(c, 405, "Allow: GET, HEAD");
	} else {
		wrk_resp_error(c, 404, NULL);
	}
}
