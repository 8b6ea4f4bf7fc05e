/* SPDX-License-Identifier: ISC */
/*
 * supervisor/dev/worker_news.c
 * What the worker is told about the jobs: each run's start and end
 * (BUILD_STARTED, BUILD_FINISHED, also kept as the last build), a
 * service's readiness (JOB_READY), the job list (JOB_INFO), and, for a
 * new worker, the replay of what ran, since the supervisor is the record.
 */
#include <stdio.h>
#include <string.h>

#include <ev.h>

#include "dev.h"

static uint32_t
age_ms(struct dev *d, ev_tstamp then)
{
	double ms = (ev_now(d->sup.loop) - then) * 1000.0 + 0.5;

	return ms <= 0 ? 0 : ms >= UINT32_MAX ? UINT32_MAX : (uint32_t)ms;
}

/*
 * BUILD_FINISHED for j's last run, or, replayed to a new worker, for its
 * last run that was not cut for a restart (a cut run is no result). runs
 * counts the runs that ended: a running job's BUILD_STARTED, replayed
 * after it, counts the current one.
 */
static void
finished_msg(struct dev *d, const struct job *j, struct ipc_msg *m, bool replay)
{
	int status = replay ? j->j_shown_status : j->j_last_status;

	memset(m, 0, sizeof(*m));
	m->type = MSG_BUILD_FINISHED;
	snprintf(m->u.build_finished.job, sizeof(m->u.build_finished.job), "%s",
	    j->j_cfg->j_name);
	m->u.build_finished.ok = status == 0;
	m->u.build_finished.status = status;
	m->u.build_finished.duration_ms = replay ? j->j_shown_ms : j->j_last_ms;
	m->u.build_finished.runs = j->j_runs - (job_running(j) ? 1 : 0);
	m->u.build_finished.age_ms =
	    age_ms(d, replay ? j->j_shown_end : j->j_last_end);
	m->u.build_finished.restarted = !replay && j->j_last_cut;
	/* A service in its restart delay starts again: requests wait. */
	m->u.build_finished.more =
	    j->j_cfg->j_kind == JOB_SERVICE && j->j_state == JS_BACKOFF;
	output_tail(&j->j_output, m->u.build_finished.tail,
	    sizeof(m->u.build_finished.tail));
}

static void
started_msg(const struct job *j, struct ipc_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->type = MSG_BUILD_STARTED;
	snprintf(m->u.build_started.job, sizeof(m->u.build_started.job), "%s",
	    j->j_cfg->j_name);
	m->u.build_started.pgid = (uint32_t)j->j_pgid;
}

/* With the group the worker may have to stop. */
void
news_job_started(struct dev *d, const struct job *j)
{
	struct ipc_msg m;

	started_msg(j, &m);
	worker_send(d->worker, &m);
}

void
news_job_finished(struct dev *d, const struct job *j, bool more)
{
	struct ipc_msg m;

	finished_msg(d, j, &m, false);
	/* A run cut short for a restart is no result to replay. */
	if (j->j_cfg->j_kind == JOB_TASK && !j->j_last_cut) {
		d->last_build = m;
		d->last_build_at = j->j_last_end;
		d->have_last_build = true;
	}
	m.u.build_finished.more = more;
	worker_send(d->worker, &m);
}

static void
ready_msg(const struct job *j, struct ipc_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->type = MSG_JOB_READY;
	snprintf(m->u.job_ready.job, sizeof(m->u.job_ready.job), "%s",
	    j->j_cfg->j_name);
}

/* Proxied requests for the service wait until this (worker/jobgate.c). */
void
news_job_ready(struct dev *d, const struct job *j)
{
	struct ipc_msg m;

	ready_msg(j, &m);
	worker_send(d->worker, &m);
}

/*
 * Tell the worker the jobs, for /__tend/status and for the job names a
 * build request may use: a reset, then one JOB_INFO per job.
 */
void
news_jobs(struct dev *d, struct worker *w)
{
	const struct sup *s = &d->sup;
	struct ipc_msg m;

	memset(&m, 0, sizeof(m));
	m.type = MSG_JOB_INFO;
	m.u.job_info.reset = 1;
	worker_send(w, &m);
	for (size_t i = 0; i < s->njobs; i++) {
		memset(&m, 0, sizeof(m));
		m.type = MSG_JOB_INFO;
		snprintf(m.u.job_info.name, sizeof(m.u.job_info.name), "%s",
		    s->jobs[i]->j_cfg->j_name);
		m.u.job_info.kind = s->jobs[i]->j_cfg->j_kind == JOB_SERVICE;
		worker_send(w, &m);
	}
}

/*
 * A new worker (at start-up, after a crash, beside a retiring one) knows
 * nothing of what ran; the supervisor is the record. Replay each job's
 * last result, then the last build (its output tail: a job's own tail is
 * gone once it runs again), then the jobs running now: its status page
 * is the old one's, it holds requests while a build runs, and that build's
 * end (a reload, or the build-error overlay) reaches its pages.
 */
void
news_replay(struct dev *d, struct worker *w)
{
	const struct sup *s = &d->sup;
	struct ipc_msg m;

	for (size_t i = 0; i < s->njobs; i++) {
		if (s->jobs[i]->j_shown_status < 0)
			continue;
		finished_msg(d, s->jobs[i], &m, true);
		worker_send(w, &m);
	}
	if (d->have_last_build) {
		m = d->last_build;
		m.u.build_finished.age_ms = age_ms(d, d->last_build_at);
		worker_send(w, &m);
	}
	for (size_t i = 0; i < s->njobs; i++) {
		const struct job *j = s->jobs[i];
		if (!job_running(j))
			continue;
		started_msg(j, &m);
		worker_send(w, &m);
		if (j->j_cfg->j_kind == JOB_SERVICE &&
		    (j->j_ready || j->j_cfg->j_ready.r_kind == READY_NONE)) {
			ready_msg(j, &m);
			worker_send(w, &m);
		}
	}
	/* The end of the replay: the worker holds requests until it. */
	memset(&m, 0, sizeof(m));
	m.type = MSG_PING;
	m.u.ping.seq = ++w->w_ping_seq;
	worker_send(w, &m);
}
