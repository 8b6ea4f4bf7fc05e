/* SPDX-License-Identifier: ISC */
/*
 * worker/stop.c
 * The worker's graceful stop, nginx's drain and then more: accept what is
 * queued, answer every request, tell event-stream clients, and read the
 * UDP socket to EAGAIN as the very last thing before BYE, so a datagram
 * that arrived while HTTP drained is handled too. A SIGINT and a STOP
 * for the same Ctrl-C are one step, not two: the level is a maximum.
 * A retiring worker (a reload handed the listener to a new one) lets its
 * idle keep-alive clients send one more request, answered with
 * "Connection: close"; closing them at once would race requests already
 * on their way. A Ctrl-C during the retirement ends them at once.
 * A stop that comes while a build holds requests waits for the build:
 * the held requests are answered from the finished site, then the drain
 * begins; the 2nd Ctrl-C answers them 503 instead.
 */
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include <ev.h>

#include "log.h"
#include "wrk.h"

static void
finish(struct wrk *w)
{
	struct wrk_http_stats hs;
	struct wrk_udp_stats us = {0};
	struct ipc_msg m;

	if (w->bye_sent)
		return;
	if (w->udp != NULL) {
		wrk_udp_drain(w->udp);
		wrk_udp_stats(w->udp, &us);
	}
	wrk_http_stats(w->http, &hs);
	memset(&m, 0, sizeof(m));
	m.type = MSG_BYE;
	m.u.bye.signo = (uint32_t)w->stop_signo;
	m.u.bye.requests = hs.requests;
	m.u.bye.datagrams = us.datagrams;
	m.u.bye.cut = hs.cut;
	w->bye_sent = true;
	if (w->ipc_gone || w->ipc_fd < 0) {
		ev_break(w->loop, EVBREAK_ALL);
		return;
	}
	/* The loop ends once BYE is flushed (link.c). */
	wrk_link_send(w, &m);
}

void
wrk_http_drained_cb(void *arg)
{
	struct wrk *w = arg;

	w->http_drained = true;
	if (w->stop_level > 0)
		finish(w);
}

/*
 * A stop that waits for responses still being written says so, with how
 * long it may wait: the promise "every accepted request is answered" is
 * bounded by serve.drain_timeout.
 */
static void
say_waiting(struct wrk *w, bool handoff)
{
	struct wrk_http_stats hs;

	wrk_http_stats(w->http, &hs);
	if (handoff || w->http_drained || hs.sending == 0)
		return;
	log_info("waiting for %zu response%s (%.1f MiB still to send, at "
	         "most %g s); Ctrl-C again to cut",
	    hs.sending, hs.sending == 1 ? "" : "s",
	    (double)hs.unsent / (1024.0 * 1024.0), w->drain_timeout);
}

static void
begin_drain(struct wrk *w, bool handoff)
{
	if (w->drain_begun)
		return;
	w->drain_begun = true;
	/*
	 * wrk_http_drain accepts everything queued (and, for a stop, makes
	 * the listener refuse what comes later); our copy of the listener is
	 * of no more use (the supervisor keeps its own).
	 */
	wrk_http_drain(w->http, w->drain_timeout, handoff);
	if (w->http_fd >= 0) {
		close(w->http_fd);
		w->http_fd = -1;
	}
	say_waiting(w, handoff);
}

void
wrk_stop(struct wrk *w, int level, int signo)
{
	/*
	 * The supervisor is gone (EOF, or PDEATHSIG): no BUILD_FINISHED will
	 * come, and the guard is killing the build. Held requests get 503,
	 * not its half-written output, and a stop that waited drains now.
	 */
	if (w->ipc_gone && wrk_http_holding(w->http)) {
		wrk_http_refuse_held(w->http);
		if (w->stop_level == STOP_GRACEFUL && !w->drain_begun) {
			begin_drain(w, false);
			if (w->http_drained)
				finish(w);
			return;
		}
	}
	if (level <= w->stop_level)
		return;
	if (w->stop_signo == 0)
		w->stop_signo = signo;
	w->stop_level = level > STOP_CUT ? STOP_CUT : level;
	if (w->stop_level == STOP_CUT) {
		/* Hurried: a held request gets 503, never a half-built file. */
		wrk_http_refuse_held(w->http);
		begin_drain(w, false);
		wrk_http_cut(w->http);
	} else if (w->stop_level == STOP_GRACEFUL && !w->drain_begun &&
	    !w->ipc_gone && wrk_http_holding(w->http)) {
		/*
		 * A build is being written and requests wait for it: they are
		 * answered from the finished site, and so is whatever arrives
		 * meanwhile (held the same way, not left in the backlog). The
		 * first Ctrl-C lets the build finish; its BUILD_FINISHED ends
		 * the hold and begins the drain (wrk_stop_build_over).
		 */
		log_info("a build is running: requests wait for it, then "
		         "the drain begins (Ctrl-C again to cut)");
		return;
	} else {
		begin_drain(w, w->stop_level == STOP_RETIRE);
		if (w->stop_level == STOP_GRACEFUL)
			wrk_http_drain(w->http, w->drain_timeout, false);
	}
	if (w->http_drained)
		finish(w);
}

void
wrk_stop_build_over(struct wrk *w)
{
	if (w->stop_level != STOP_GRACEFUL || w->drain_begun)
		return;
	begin_drain(w, false);
	if (w->http_drained)
		finish(w);
}
