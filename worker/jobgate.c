/* SPDX-License-Identifier: ISC */
/*
 * worker/jobgate.c
 * The services behind proxy routes (serve.proxy's "job"), as the
 * supervisor's news tells them: started, ready (JOB_READY), ended and
 * whether it starts again (BUILD_FINISHED's "more"), with the tail of
 * their last output. From that, the gate of their routes (ops.gate:
 * forward, wait, 503, or 502 naming the job), and the reload of open
 * pages once a service behind a route is ready again after a restart.
 */
#include <stdio.h>
#include <string.h>

#include "wrk.h"

static bool
routed(const struct wrk *w, const char *job)
{
	for (size_t i = 0; i < w->nroutes; i++)
		if (w->routes[i].job != NULL &&
		    strcmp(w->routes[i].job, job) == 0)
			return true;
	return false;
}

/* Something runs or will start again: it may yet start the service. */
static bool
anything_coming(const struct wrk *w)
{
	for (size_t i = 0; i < w->njobs; i++)
		if (w->jobs[i].listed &&
		    (w->jobs[i].running || w->jobs[i].restarting))
			return true;
	return false;
}

static void
describe(const struct wrk_job *j, struct wrk_gate_view *v)
{
	if (!j->ended)
		snprintf(v->state, sizeof(v->state), "it has not started");
	else if (j->last_status > 128)
		snprintf(v->state, sizeof(v->state),
		    "it ended, killed by signal %d, and does not restart",
		    j->last_status - 128);
	else
		snprintf(v->state, sizeof(v->state),
		    "it exited with status %d and does not restart",
		    j->last_status);
	v->tail = j->tail;
}

enum wrk_gate
wrk_gate(void *arg, const char *name, struct wrk_gate_view *v)
{
	struct wrk *w = arg;
	struct wrk_job *j = wrk_job_find(w, name);
	bool stopping = w->stop_level >= STOP_GRACEFUL;

	/* Not one of tend's services: the route is a plain one. */
	if (j == NULL || !j->service)
		return WRK_GATE_OPEN;
	/* Refused: read what the supervisor said since (it may have ended). */
	if (v->refused) {
		wrk_link_poll(w);
		if ((j = wrk_job_find(w, name)) == NULL)
			return WRK_GATE_OPEN;
		if (j->running)
			return stopping ? WRK_GATE_BUSY : WRK_GATE_WAIT;
	}
	if (j->running)
		return j->ready ? WRK_GATE_OPEN : WRK_GATE_WAIT;
	/* Nothing starts while tend stops. */
	if (j->restarting)
		return stopping ? WRK_GATE_BUSY : WRK_GATE_WAIT;
	if (!j->ended && (!w->synced || anything_coming(w)))
		return stopping ? WRK_GATE_BUSY : WRK_GATE_WAIT;
	describe(j, v);
	return WRK_GATE_DOWN;
}

void
wrk_gate_started(struct wrk *w, struct wrk_job *j)
{
	j->ready = false;
	j->restarting = false;
	(void)w;
}

void
wrk_gate_finished(struct wrk *w, struct wrk_job *j, const struct ipc_msg *m)
{
	j->ready = false;
	j->ended = true;
	j->restarting = m->u.build_finished.more != 0;
	memcpy(j->tail, m->u.build_finished.tail, sizeof(j->tail));
	wrk_http_gates_changed(w->http);
}

/* JOB_READY: its requests go; pages reload if it is back. */
void
wrk_gate_ready(struct wrk *w, const char *name)
{
	struct wrk_job *j = wrk_job_find(w, name);

	if (j == NULL)
		return;
	j->ready = true;
	if (j->was_ready && w->synced && w->livereload && routed(w, name)) {
		char data[IPC_NAME_MAX + 32];
		snprintf(data, sizeof(data), "{\"job\":\"%s\"}", name);
		wrk_http_broadcast(w->http, "reload", data, NULL);
	}
	j->was_ready = true;
	wrk_http_gates_changed(w->http);
}
