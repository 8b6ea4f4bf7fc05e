/* SPDX-License-Identifier: ISC */
/*
 * worker/http_sse.c
 * GET /__tend/events: Server-Sent Events for live reload. Owns the
 * stream's framing, the broadcast to every client, pings, the shutdown
 * event on drain, and the bound on what a client that does not read may
 * hold (WRK_SSE_MAX, then it is dropped).
 */
#include <stdlib.h>
#include <string.h>

#include "http_priv.h"

static const char shutdown_ev[] = "event: shutdown\ndata: {}\n\n";

void
wrk_sse_start(struct wrk_conn *c)
{
	struct wrk_http *h = c->c_h;

	if (c->c_head) {
		wrk_resp_start(c, 200);
		WRK_OUT_LIT(c,
		    "Content-Type: text/event-stream\r\n"
		    "Cache-Control: no-cache\r\n");
		wrk_resp_end(c);
		return;
	}
	/* The body runs until we close; the request's own wishes are moot. */
	c->c_sse = true;
	c->c_close_after = h->h_draining;
	wrk_resp_start(c, 200);
	WRK_OUT_LIT(c,
	    "Content-Type: text/event-stream\r\n"
	    "Cache-Control: no-cache\r\n");
	wrk_resp_end(c);
	WRK_OUT_LIT(c, ": tend\n\n");
	if (h->h_draining && !h->h_handoff)
		wrk_out_append(c, shutdown_ev, sizeof(shutdown_ev) - 1);
}

/*
 * Queue the shutdown event; the stream closes once it is flushed. In a
 * handoff the stream just ends: the page reconnects to the new worker
 * (and reloads, as after any lost stream) instead of saying tend stopped.
 */
void
wrk_sse_shutdown(struct wrk_conn *c)
{
	if (c->c_close_after)
		return;
	c->c_close_after = true;
	if (!c->c_h->h_handoff)
		wrk_out_append(c, shutdown_ev, sizeof(shutdown_ev) - 1);
}

/* A comment line keeps proxies and the browser from timing the stream out. */
void
wrk_sse_ping(struct wrk_conn *c)
{
	if (c->c_wlen - c->c_woff + 8 > WRK_SSE_MAX) {
		wrk_conn_close(c, false);
		return;
	}
	WRK_OUT_LIT(c, ": ping\n\n");
	wrk_conn_drive(c);
}

/*
 * "event: NAME\n", then one "data: " line per line of data, then "\n".
 * A line break inside data would end the field (or, doubled, the event),
 * so data is split where the SSE spec says a line ends: CRLF, LF or CR.
 * The client joins the lines with "\n", which gives the data back (with
 * LF for each break). The name loses its CR and LF.
 */
static char *
frame(const char *event, const char *data, size_t *lenp)
{
	size_t cap, o = 0, lines = 1;
	const char *s;
	char *m;

	for (s = data; *s != '\0'; s++)
		lines += *s == '\n' || *s == '\r';
	cap = 8 + strlen(event) + strlen(data) + lines * 7 + 2;
	if ((m = malloc(cap)) == NULL)
		return NULL;
	memcpy(m, "event: ", 7);
	o = 7;
	for (s = event; *s != '\0'; s++)
		if (*s != '\r' && *s != '\n')
			m[o++] = *s;
	m[o++] = '\n';
	for (s = data;; s++) {
		memcpy(m + o, "data: ", 6);
		o += 6;
		for (; *s != '\0' && *s != '\n' && *s != '\r'; s++)
			m[o++] = *s;
		m[o++] = '\n';
		if (*s == '\0')
			break;
		if (s[0] == '\r' && s[1] == '\n')
			s++;
	}
	m[o++] = '\n';
	*lenp = o;
	return m;
}

void
wrk_http_broadcast(
    struct wrk_http *h, const char *event, const char *data, const char *remote)
{
	struct wrk_conn *c, *next;
	size_t len, rlen = 0;
	char *m, *rm = NULL;

	if (h == NULL ||
	    (m = frame(event, data != NULL ? data : "", &len)) == NULL)
		return;
	if (remote != NULL && (rm = frame(event, remote, &rlen)) == NULL) {
		free(m);
		return;
	}
	for (c = LIST_FIRST(&h->h_conns); c != NULL; c = next) {
		bool other = rm != NULL && !c->c_loopback;
		next = LIST_NEXT(c, c_link);
		if (!c->c_sse || c->c_close_after)
			continue;
		if (c->c_wlen - c->c_woff + (other ? rlen : len) >
		        WRK_SSE_MAX ||
		    wrk_out_append(c, other ? rm : m, other ? rlen : len) ==
		        -1) {
			/* It stopped reading: a reload it never sees is moot.
			 */
			wrk_conn_close(c, false);
			continue;
		}
		if (c->c_st == CS_SSE)
			wrk_conn_drive(c);
	}
	free(m);
	free(rm);
	wrk_http_check_drained(h);
}
