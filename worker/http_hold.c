/* SPDX-License-Identifier: ISC */
/*
 * worker/http_hold.c
 * Holding requests for files while a build writes them (wrk_http_hold):
 * the queue of parked connections in arrival order, parking, the release
 * of one (the drain reached it) or of all (the build ended, or the server
 * drains), and the refusal of one whose hold_timeout ran out, or of all
 * when tend hurries: 503 with Retry-After, never a file the build has
 * only half written. A parked connection is in
 * CS_HELD: it neither reads nor writes, and counts as busy for the drain.
 * Its request is answered only when released, so what it gets is the
 * finished build, including a file the build created or removed.
 * Proxied requests waiting for their service (http_pxwait.c) are parked
 * the same way, in a queue of their own (h_pheld) that only their gate
 * lets go of; the cap and the refusals are the same.
 */
#include <sys/queue.h>

#include <stdbool.h>

#include <ev.h>

#include "http_priv.h"

static struct wrk_held_q *
queue_of(struct wrk_conn *c)
{
	return c->c_pxy != NULL ? &c->c_h->h_pheld : &c->c_h->h_held;
}

/*
 * Called from dispatch for a complete GET or HEAD of a file while h_hold
 * is set and the server is not draining. c_path keeps the cleaned path:
 * nothing writes it while the parser is paused behind this request.
 */
void
wrk_hold_park(struct wrk_conn *c)
{
	struct wrk_http *h = c->c_h;

	c->c_st = CS_HELD;
	TAILQ_INSERT_TAIL(queue_of(c), c, c_held);
	ev_io_stop(h->h_loop, &c->c_rio);
	ev_io_stop(h->h_loop, &c->c_wio);
	wrk_conn_timer(c, h->h_lim.hold_timeout);
}

/* Off the queue without an answer: the connection is being closed. */
void
wrk_hold_forget(struct wrk_conn *c)
{
	if (c->c_st == CS_HELD)
		TAILQ_REMOVE(queue_of(c), c, c_held);
}

/* Off the queue, to be answered now; false when c was not parked. */
bool
wrk_hold_unpark(struct wrk_conn *c)
{
	struct wrk_http *h = c->c_h;

	if (c->c_st != CS_HELD)
		return false;
	TAILQ_REMOVE(queue_of(c), c, c_held);
	c->c_st = CS_READ;
	/* dispatch's rule for a drain that began while the request waited. */
	if (h->h_draining && c->c_roff == c->c_rlen)
		c->c_close_after = true;
	return true;
}

/*
 * Answer a parked request now, as dispatch would have, then run the
 * connection on (it may hold pipelined requests). May close c. The caller
 * ends with wrk_http_check_drained.
 */
void
wrk_hold_release(struct wrk_conn *c)
{
	/* A proxied one goes when its service lets it. */
	if (c->c_pxy != NULL) {
		(void)wrk_pxw_try(c);
		return;
	}
	if (!wrk_hold_unpark(c))
		return;
	wrk_http_file(c, c->c_path);
	wrk_conn_drive(c);
}

/* Answer a parked request 503 and Retry-After. May close c. */
void
wrk_hold_refuse(struct wrk_conn *c)
{
	if (!wrk_hold_unpark(c))
		return;
	if (c->c_pxy != NULL) {
		/* Its body, if any, is still unread: end with this answer. */
		wrk_pxy_free(c);
		c->c_close_after = c->c_close_after || !c->c_req.complete;
	}
	wrk_resp_error(c, 503, "Retry-After: 1");
	wrk_conn_drive(c);
}

void
wrk_http_refuse_held(struct wrk_http *h)
{
	struct wrk_conn *c;

	if (h == NULL)
		return;
	h->h_hold = false; /* a request behind a refused one is not parked */
	while ((c = TAILQ_FIRST(&h->h_held)) != NULL)
		wrk_hold_refuse(c);
	while ((c = TAILQ_FIRST(&h->h_pheld)) != NULL)
		wrk_hold_refuse(c);
	wrk_http_check_drained(h);
}

bool
wrk_http_holding(const struct wrk_http *h)
{
	return h != NULL && h->h_hold;
}

/*
 * Release every parked request, oldest first. Each pass takes the head
 * again: answering one may run an ops callback that drains, which
 * releases the rest from inside this loop.
 */
void
wrk_hold_release_all(struct wrk_http *h)
{
	struct wrk_conn *c;

	while ((c = TAILQ_FIRST(&h->h_held)) != NULL)
		wrk_hold_release(c);
}

void
wrk_http_hold(struct wrk_http *h, bool on)
{
	if (h == NULL)
		return;
	h->h_hold = on;
	if (on)
		return;
	wrk_hold_release_all(h);
	wrk_http_check_drained(h);
}
