/* SPDX-License-Identifier: ISC */
/*
 * worker/link.c
 * The worker's end of the socketpair: job news from the supervisor
 * (turned into status and live-reload events; a service's to jobgate.c),
 * STOP and PING; TRIGGER,
 * READY and BYE back. EOF means the supervisor is gone: stop gracefully.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <stdlib.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <ev.h>

#include "log.h"
#include "wrk.h"

static double
wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
flush(struct wrk *w)
{
	if (w->ipc_fd < 0)
		return;
	if (ipc_wbuf_pending(&w->wb) > 0 &&
	    ipc_wbuf_flush(&w->wb, w->ipc_fd) < 0)
		ipc_wbuf_free(&w->wb); /* peer gone: nothing to deliver */
	if (ipc_wbuf_pending(&w->wb) > 0)
		ev_io_start(w->loop, &w->ipc_wio);
	else {
		ev_io_stop(w->loop, &w->ipc_wio);
		if (w->bye_sent)
			ev_break(w->loop, EVBREAK_ALL);
	}
}

void
wrk_link_send(struct wrk *w, const struct ipc_msg *m)
{
	if (w->ipc_fd < 0 || w->ipc_gone)
		return;
	if (ipc_wbuf_put(&w->wb, m) == -1)
		log_warn("ipc: cannot queue %s", ipc_type_name(m->type));
	flush(w);
}

void
wrk_link_trigger(struct wrk *w, const char *job, const char *source)
{
	struct ipc_msg m;

	memset(&m, 0, sizeof(m));
	m.type = MSG_TRIGGER;
	snprintf(m.u.trigger.job, sizeof(m.u.trigger.job), "%s", job);
	snprintf(m.u.trigger.source, sizeof(m.u.trigger.source), "%s", source);
	wrk_link_send(w, &m);
}

/* tail: the build's output with a finished build (loopback pages only). */
static char *
json_event(
    const char *job, const struct ipc_msg *fin, const char *paths, bool tail)
{
	cJSON *o = cJSON_CreateObject(), *list;
	char *out;

	if (o == NULL)
		return NULL;
	if (job != NULL)
		cJSON_AddStringToObject(o, "job", job);
	if (fin != NULL) {
		cJSON_AddNumberToObject(
		    o, "status", fin->u.build_finished.status);
		cJSON_AddStringToObject(
		    o, "tail", tail ? fin->u.build_finished.tail : "");
	}
	if (paths != NULL && (list = cJSON_AddArrayToObject(o, "paths"))) {
		const char *p = paths;
		while (*p != '\0') {
			size_t n = strcspn(p, "\n");
			char one[IPC_PATHS_MAX];
			memcpy(one, p, n);
			one[n] = '\0';
			cJSON_AddItemToArray(list, cJSON_CreateString(one));
			p += n + (p[n] == '\n');
		}
	}
	out = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return out;
}

/* remote: what pages of other hosts get instead (NULL: the same). */
static void
broadcast(struct wrk *w, const char *event, char *data, char *remote)
{
	if (w->livereload && data != NULL)
		wrk_http_broadcast(w->http, event, data, remote);
	free(data);
	free(remote);
}

static void
build_started(struct wrk *w, const char *name, pid_t pgid)
{
	struct wrk_job *j = wrk_job_find(w, name);

	if (j == NULL)
		j = wrk_job_announce(w, name, false);
	if (j == NULL)
		return;
	j->running = true;
	j->pgid = pgid;
	j->runs++;
	if (j->service) {
		wrk_gate_started(w, j);
		return;
	}
	/* A browser must not get half of what this build writes. */
	if (w->hold)
		wrk_http_hold(w->http, true);
	broadcast(w, "building", json_event(name, NULL, NULL, false), NULL);
}

/*
 * A run ended. A failure shows the overlay now (a success is announced by
 * the RELOAD that ends the batch: one reload however many tasks ran). A
 * run tend cut short to restart it is no outcome: the browser waits for
 * the rerun. Held requests are answered as soon as no build writes any
 * more: after a failure, or when no other run follows ("more").
 */
static void
build_finished(struct wrk *w, const struct ipc_msg *m)
{
	struct wrk_job *j = wrk_job_find(w, m->u.build_finished.job);
	struct wrk_build *b = &w->last_build;
	bool ok = m->u.build_finished.ok != 0;
	bool cut = !ok && m->u.build_finished.restarted != 0;
	/* A result replayed to a new worker ended age_ms ago
	 * (supervisor/dev/worker_news.c). */
	double end = wall_now() - m->u.build_finished.age_ms / 1000.0;

	if (j != NULL) {
		j->running = false;
		j->pgid = 0;
		/*
		 * The supervisor counts runs too (a run that could not start
		 * sent no BUILD_STARTED); its count starts again at a reload,
		 * ours does not: keep the larger.
		 */
		if (m->u.build_finished.runs > j->runs)
			j->runs = m->u.build_finished.runs;
		if (!cut) {
			j->last_status = m->u.build_finished.status;
			j->last_ms = m->u.build_finished.duration_ms;
			j->last_end = end;
		}
		if (j->service) {
			wrk_gate_finished(w, j, m);
			return;
		}
	}
	/*
	 * A run cut short for a restart is no result: its rerun's is. A
	 * success is announced by the RELOAD that ends the batch of builds
	 * (one reload, however many tasks ran); a failure now.
	 */
	if (!cut) {
		snprintf(b->job, sizeof(b->job), "%s", m->u.build_finished.job);
		b->ok = ok;
		b->status = m->u.build_finished.status;
		b->duration_ms = m->u.build_finished.duration_ms;
		b->end = end;
		memcpy(b->tail, m->u.build_finished.tail, sizeof(b->tail));
		w->have_build = true;
	}
	/* A replay to a new worker is history: the hold waits for the sync. */
	if (!w->synced)
		return;
	if (!ok && !cut) {
		wrk_http_hold(w->http, false);
		/* The output is the status page's: not for other hosts. */
		broadcast(w, "build-error", json_event(b->job, m, NULL, true),
		    w->status_any ? NULL : json_event(b->job, m, NULL, false));
		wrk_stop_build_over(w);
	} else if (m->u.build_finished.more == 0) {
		wrk_http_hold(w->http, false);
		wrk_stop_build_over(w);
	}
}

/* Only stylesheets changed: swap them in place instead of reloading. */
static bool
only_css(const char *paths)
{
	const char *p = paths;

	if (*p == '\0')
		return false;
	while (*p != '\0') {
		size_t n = strcspn(p, "\n");
		if (n < 4 || strncmp(p + n - 4, ".css", 4) != 0)
			return false;
		p += n + (p[n] == '\n');
	}
	return true;
}

static void
reload(struct wrk *w, const char *paths)
{
	wrk_http_hold(w->http, false);
	broadcast(w, only_css(paths) ? "css" : "reload",
	    json_event(NULL, NULL, paths, false), NULL);
	wrk_stop_build_over(w);
}

/* A task of the supervisor's runs now (its BUILD_STARTED came last). */
static bool
building(const struct wrk *w)
{
	for (size_t i = 0; i < w->njobs; i++)
		if (w->jobs[i].running && !w->jobs[i].service)
			return true;
	return false;
}

/*
 * The supervisor's first PING ends its replay to a new worker (the jobs,
 * what ran, what runs now: supervisor/dev/worker_news.c). Until then the worker
 * holds file requests, since a build may be writing the site: a worker started
 * in the middle of one (after a crash, to drain at a stop) must not answer from
 * its half-written output in its first loop turn.
 */
static void
synced(struct wrk *w)
{
	w->synced = true;
	/* A service that never started is down if nothing will start it. */
	wrk_http_gates_changed(w->http);
	if (!building(w)) {
		wrk_http_hold(w->http, false);
		wrk_stop_build_over(w);
	}
}

static void
handle(void *arg, const struct ipc_msg *m)
{
	struct wrk *w = arg;
	struct ipc_msg r;

	switch (m->type) {
	case MSG_JOB_INFO:
		/* A reset alone has no name: a configuration with no job. */
		if (m->u.job_info.reset == 1)
			wrk_jobs_unlist(w);
		if (m->u.job_info.name[0] != '\0')
			wrk_job_announce(
			    w, m->u.job_info.name, m->u.job_info.kind == 1);
		break;
	case MSG_BUILD_STARTED:
		build_started(
		    w, m->u.build_started.job, (pid_t)m->u.build_started.pgid);
		break;
	case MSG_BUILD_FINISHED:
		build_finished(w, m);
		break;
	case MSG_JOB_READY:
		wrk_gate_ready(w, m->u.job_ready.job);
		break;
	case MSG_RELOAD:
		reload(w, m->u.reload.paths);
		break;
	case MSG_STOP:
		if (m->u.stop.deadline_ms > 0)
			w->drain_timeout = m->u.stop.deadline_ms / 1000.0;
		wrk_stop(w, (int)m->u.stop.level, 0);
		break;
	case MSG_PING:
		if (!w->synced)
			synced(w);
		memset(&r, 0, sizeof(r));
		r.type = MSG_PONG;
		r.u.pong.seq = m->u.ping.seq;
		wrk_link_send(w, &r);
		break;
	default:
		log_warnx("ipc: unexpected %s", ipc_type_name(m->type));
		break;
	}
}

static void
on_read(struct ev_loop *loop, ev_io *io, int revents)
{
	struct wrk *w = io->data;
	enum ipc_read r;

	(void)revents;
	r = ipc_read_all(w->rb, w->ipc_fd, handle, w);
	if (r == IPC_READ_AGAIN)
		return;
	if (r == IPC_READ_BROKEN)
		log_warnx("ipc: protocol error from the supervisor");
	/*
	 * EOF: the supervisor is gone. Drain and leave; nobody to tell. Its
	 * jobs are the guard's (supervisor/proc/guard.c), which outlives it.
	 */
	ev_io_stop(loop, &w->ipc_rio);
	ev_io_stop(loop, &w->ipc_wio);
	w->ipc_gone = true;
	wrk_stop(w, STOP_GRACEFUL, SIGTERM);
}

/*
 * Handle what the supervisor has already sent, now: at a signal, a
 * BUILD_STARTED written just before it decides whether the stop waits.
 */
void
wrk_link_poll(struct wrk *w)
{
	if (!w->ipc_gone && w->ipc_fd >= 0 && ev_is_active(&w->ipc_rio))
		on_read(w->loop, &w->ipc_rio, EV_READ);
}

static void
on_write(struct ev_loop *loop, ev_io *io, int revents)
{
	(void)loop;
	(void)revents;
	flush(io->data);
}

void
wrk_link_start(struct wrk *w)
{
	struct ipc_msg m;

	ev_io_init(&w->ipc_rio, on_read, w->ipc_fd, EV_READ);
	ev_io_init(&w->ipc_wio, on_write, w->ipc_fd, EV_WRITE);
	w->ipc_rio.data = w->ipc_wio.data = w;
	ev_io_start(w->loop, &w->ipc_rio);
	memset(&m, 0, sizeof(m));
	m.type = MSG_READY;
	snprintf(m.u.ready.http, sizeof(m.u.ready.http), "%s",
	    w->http_addr ? w->http_addr : "");
	snprintf(m.u.ready.udp, sizeof(m.u.ready.udp), "%s",
	    w->udp_addr ? w->udp_addr : "");
	wrk_link_send(w, &m);
}
