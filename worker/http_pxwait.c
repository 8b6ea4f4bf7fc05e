/* SPDX-License-Identifier: ISC */
/*
 * worker/http_pxwait.c
 * Proxied requests for a route that names a service (serve.proxy's
 * "job"): the gate asked at the end of the request's head (ops.gate)
 * lets it go to the server, parks it while the service restarts or is
 * not yet ready (CS_HELD, in h_pheld, with the build hold's cap:
 * http_hold.c answers 503 at the cap or when tend hurries), refuses it
 * 503 (tend stops and nothing will start the service), or answers 502
 * with a page naming the job, its state and its last output lines.
 */
#include <sys/queue.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_proxy.h"

static enum wrk_gate
gate(struct wrk_conn *c, struct wrk_gate_view *v, bool refused)
{
	const struct wrk_http *h = c->c_h;
	const struct wrk_http_route *rt = c->c_pxy->x_pool->p_route;

	memset(v, 0, sizeof(*v));
	v->refused = refused;
	if (rt->job == NULL || h->h_ops.gate == NULL)
		return WRK_GATE_OPEN;
	return h->h_ops.gate(h->h_ops.arg, rt->job, v);
}

/* s appended to b with &<>"' escaped. */
static int
add_esc(struct wrk_buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		const char *e = wrk_html_entity(*s);
		if (e == NULL ? wrk_buf_add(b, s, 1)
		              : wrk_buf_add(b, e, strlen(e)))
			return -1;
	}
	return 0;
}

static int
add(struct wrk_buf *b, const char *s)
{
	return wrk_buf_add(b, s, strlen(s));
}

/* The service is down for good: 502 and what tend knows of it. */
static void
down(struct wrk_conn *c, const struct wrk_gate_view *v)
{
	const struct wrk_http_route *rt = c->c_pxy->x_pool->p_route;
	struct wrk_buf b = {0};
	int bad;

	bad = add(&b,
	          "<!doctype html>\n<title>502 Bad Gateway</title>\n"
	          "<h1>502 Bad Gateway</h1>\n<p>tend forwards <code>") ||
	    add_esc(&b, rt->prefix) || add(&b, "</code> to the service <b>") ||
	    add_esc(&b, rt->job) || add(&b, "</b>, which is down: ") ||
	    add_esc(&b, v->state) || add(&b, ".</p>\n");
	if (!bad && v->tail != NULL && v->tail[0] != '\0')
		bad = add(&b, "<p>Its last output:</p>\n<pre>") ||
		    add_esc(&b, v->tail) || add(&b, "</pre>\n");
	wrk_pxy_free(c);
	if (!c->c_req.complete)
		c->c_close_after = true;
	if (bad) {
		wrk_resp_error(c, 502, NULL);
	} else {
		wrk_resp_start(c, 502);
		wrk_resp_body(c, "text/html; charset=utf-8", b.b, b.len);
	}
	wrk_buf_free(&b);
}

static void
busy(struct wrk_conn *c)
{
	wrk_pxy_free(c);
	if (!c->c_req.complete)
		c->c_close_after = true;
	wrk_resp_error(c, 503, "Retry-After: 1");
}

/*
 * From dispatch, at the end of a proxied request's head: true when the
 * gate took it (parked, or answered); false: forward it.
 */
bool
wrk_pxw_dispatch(struct wrk_conn *c)
{
	struct wrk_gate_view v;

	switch (gate(c, &v, false)) {
	case WRK_GATE_OPEN:
		return false;
	case WRK_GATE_WAIT:
		wrk_hold_park(c);
		break;
	case WRK_GATE_BUSY:
		busy(c);
		break;
	case WRK_GATE_DOWN:
		down(c, &v);
		break;
	}
	return true;
}

/*
 * The server refused the connection, or reset or closed it before any
 * answer (err): when its service is behind the route, it may be ending
 * before tend has seen it (a restart's stop signal reached it with the
 * request in hand), so the request waits for the news rather than get a
 * 502, and goes again to the next instance. One that already left goes
 * again only if every byte of it is still here and it changes nothing
 * (not a POST, PATCH or LOCK: nginx's rule for a retry). Parked: c is
 * no longer the pump's. Answered: the gate's answer is queued, and the
 * caller drives c.
 */
enum wrk_pxw
wrk_pxw_refused(struct wrk_conn *c, int err)
{
	const struct wrk_pxy *px = c->c_pxy;
	struct wrk_gate_view v;

	if (px == NULL || px->x_got)
		return WRK_PXW_NO;
	if (err != ECONNREFUSED &&
	    !((err == ECONNRESET || err == EPIPE || err == ENODATA) &&
	        px->x_replay && !(px->x_unsafe && px->x_sent)))
		return WRK_PXW_NO;
	switch (gate(c, &v, true)) {
	case WRK_GATE_OPEN:
		return WRK_PXW_NO;
	case WRK_GATE_WAIT:
		wrk_ups_release(c, false);
		wrk_hold_park(c);
		return WRK_PXW_PARKED;
	case WRK_GATE_BUSY:
		wrk_ups_release(c, false);
		busy(c);
		return WRK_PXW_ANSWERED;
	case WRK_GATE_DOWN:
		/* The news came with the failure: say what tend knows. */
		wrk_ups_release(c, false);
		down(c, &v);
		return WRK_PXW_ANSWERED;
	}
	return WRK_PXW_NO;
}

/*
 * A parked proxied request whose gate may have opened: forwarded,
 * refused or answered now, or left parked (false). May close c.
 */
bool
wrk_pxw_try(struct wrk_conn *c)
{
	struct wrk_gate_view v;
	enum wrk_gate g;

	if (c->c_st != CS_HELD || (g = gate(c, &v, false)) == WRK_GATE_WAIT)
		return false;
	wrk_hold_unpark(c);
	if (c->c_h->h_draining)
		c->c_close_after = true;
	if (g == WRK_GATE_OPEN)
		wrk_pxy_start(c);
	else if (g == WRK_GATE_BUSY)
		busy(c);
	else
		down(c, &v);
	wrk_conn_drive(c);
	return true;
}

/*
 * Let go of what may go now, oldest first, starting again after each one
 * (answering may change the queue). The caller checks the drain.
 */
void
wrk_pxw_release_all(struct wrk_http *h)
{
	struct wrk_conn *c;

again:
	TAILQ_FOREACH(c, &h->h_pheld, c_held)
	{
		if (wrk_pxw_try(c))
			goto again;
	}
}

/* A service's state changed. */
void
wrk_http_gates_changed(struct wrk_http *h)
{
	if (h == NULL)
		return;
	wrk_pxw_release_all(h);
	wrk_http_check_drained(h);
}
