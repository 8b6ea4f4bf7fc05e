/* SPDX-License-Identifier: ISC */
/*
 * supervisor/sched.c
 * What runs next. In serve mode tasks run one at a time from a FIFO
 * without duplicates, services beside them; a queued job starts once its
 * dependencies are there (deps.c, as in tend run), the first such in
 * queue order. A failed dependency parks its dependants (RUN_SKIPPED)
 * until it succeeds again. A trigger for a task also queues the tasks
 * after it; one for a task already running follows its on_busy policy.
 * Services start with tend and are restarted after a crash with a
 * doubling delay; a restart does not restart their dependants. The file watcher
 * (sched_trigger_job), SIGUSR1, UDP and HTTP (sched_trigger) all come in the
 * same way.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ev.h>

#include "log.h"
#include "sup.h"

#define BACKOFF_MIN 0.1
#define BACKOFF_MAX 10.0
#define STABLE_AFTER 10.0 /* s up before the backoff resets */

struct job *
sched_find(struct sup *s, const char *name)
{
	for (size_t i = 0; i < s->njobs; i++)
		if (strcmp(s->jobs[i]->j_cfg->j_name, name) == 0)
			return s->jobs[i];
	return NULL;
}

size_t
sched_running(const struct sup *s)
{
	size_t n = 0;

	for (size_t i = 0; i < s->njobs; i++)
		if (job_running(s->jobs[i]))
			n++;
	return n;
}

bool
sched_task_running(const struct sup *s)
{
	for (size_t i = 0; i < s->njobs; i++)
		if (s->jobs[i]->j_cfg->j_kind == JOB_TASK &&
		    job_running(s->jobs[i]))
			return true;
	return false;
}

/*
 * A queued task can start as soon as the running one ends: the worker
 * keeps holding requests for it (BUILD_FINISHED's "more"). One that waits
 * for a service to be ready may wait long; the worker lets go meanwhile.
 */
static bool
task_startable(const struct sup *s)
{
	const struct job *culprit;

	for (size_t q = 0; q < s->nqueue; q++) {
		const struct job *j = s->jobs[s->queue[q]];
		if (j->j_cfg->j_kind == JOB_TASK && deps_state(j, &culprit) > 0)
			return true;
	}
	return false;
}

static void
enqueue(struct sup *s, struct job *j)
{
	if (j->j_queued)
		return;
	j->j_queued = true;
	j->j_run = RUN_PENDING; /* its dependants wait for this run */
	s->queue[s->nqueue++] = j->j_idx;
}

static void
dequeue(struct sup *s, size_t q)
{
	s->jobs[s->queue[q]]->j_queued = false;
	memmove(s->queue + q, s->queue + q + 1,
	    (s->nqueue - q - 1) * sizeof(*s->queue));
	s->nqueue--;
}

/* Queue j after what it depends on (config rejected cycles). */
static void
enqueue_with_deps(struct sup *s, struct job *j, unsigned depth)
{
	if (depth > s->njobs)
		return;
	for (size_t i = 0; i < j->j_ndeps; i++) {
		struct job *d = j->j_deps[i];
		if (d->j_cfg->j_kind == JOB_TASK && d->j_last_status != 0 &&
		    !job_running(d))
			enqueue_with_deps(s, d, depth + 1);
	}
	enqueue(s, j);
}

/* Returns whether j will run (again) because of this trigger. */
static bool
trigger_one(struct sup *s, struct job *j)
{
	if (j->j_cfg->j_kind == JOB_SERVICE) {
		if (job_running(j)) {
			j->j_rerun = true;
			job_signal(j, j->j_cfg->j_stop_signal, true);
		} else if (j->j_state != JS_BACKOFF &&
		    j->j_run != RUN_SKIPPED && !j->j_queued) {
			/*
			 * Ended for good (it gave up, or restart is "never"):
			 * an edit or a build request is the fix being tried,
			 * so it starts again (nodemon waits for a change after
			 * a crash, too). Parked ones wait for their dependency.
			 */
			log_info("service \"%s\" is not running; starting it",
			    j->j_cfg->j_name);
			j->j_fast_fails = 0;
			enqueue(s, j);
		}
		return false;
	}
	if (!job_running(j)) {
		enqueue_with_deps(s, j, 0);
		return true;
	}
	switch (j->j_cfg->j_on_busy) {
	case BUSY_QUEUE:
		if (!j->j_rerun)
			log_info("build \"%s\" is running; queued one more run",
			    j->j_cfg->j_name);
		j->j_rerun = true;
		return true;
	case BUSY_RESTART:
		log_info(
		    "build \"%s\" is running; restarting it", j->j_cfg->j_name);
		j->j_rerun = true;
		/* Its end is no failure to show: the rerun's is the outcome. */
		j->j_restarting = true;
		job_signal(j, j->j_cfg->j_stop_signal, true);
		return true;
	case BUSY_SIGNAL:
		job_notify(j, j->j_cfg->j_stop_signal);
		pathset_clear(&j->j_changes);
		return false;
	case BUSY_IGNORE:
		pathset_clear(&j->j_changes);
		return false;
	}
	return false;
}

/*
 * A task runs again: so do the tasks after it, directly or not, as make
 * rebuilds what depends on a changed target. They are queued now and wait
 * for it (deps_state), so they use its new output, or none if it fails.
 * Services after it are left running: they have their own watch.
 */
static void
trigger_dependants(struct sup *s, struct job *j)
{
	bool *mark = calloc(s->njobs, sizeof(*mark));
	bool grew = true;

	if (mark == NULL)
		return;
	mark[j->j_idx] = true;
	while (grew) {
		grew = false;
		for (size_t i = 0; i < s->njobs; i++) {
			struct job *k = s->jobs[i];
			if (mark[i] || k->j_cfg->j_kind != JOB_TASK)
				continue;
			for (size_t d = 0; d < k->j_ndeps && !mark[i]; d++)
				if (mark[k->j_deps[d]->j_idx]) {
					mark[i] = grew = true;
					trigger_one(s, k);
				}
		}
	}
	free(mark);
}

void
sched_trigger_job(struct sup *s, struct job *j)
{
	if (trigger_one(s, j) && j->j_cfg->j_kind == JOB_TASK)
		trigger_dependants(s, j);
}

/* Depth first over `after`, so every task comes after its dependencies. */
static void
trigger_in_order(struct sup *s, struct job *j, bool *seen)
{
	size_t idx = j->j_idx;

	if (seen[idx] || j->j_cfg->j_kind != JOB_TASK)
		return;
	seen[idx] = true;
	for (size_t i = 0; i < j->j_ndeps; i++)
		trigger_in_order(s, j->j_deps[i], seen);
	trigger_one(s, j); /* every task is triggered: no dependants to add */
}

void
sched_trigger(struct sup *s, const char *name, const char *source)
{
	if (s->stop.st != ST_RUNNING) {
		log_info("not building (%s): tend is stopping", source);
		return;
	}
	if (name != NULL && name[0] != '\0') {
		struct job *j = sched_find(s, name);
		if (j == NULL) {
			log_warnx("%s asked to build unknown job \"%s\"",
			    source, name);
			return;
		}
		log_info("build \"%s\" requested by %s", name, source);
		sched_trigger_job(s, j);
	} else {
		bool *seen = calloc(s->njobs, sizeof(*seen));
		log_info("build requested by %s", source);
		for (size_t i = 0; seen != NULL && i < s->njobs; i++)
			trigger_in_order(s, s->jobs[i], seen);
		free(seen);
	}
	sched_next(s);
}

static void
announce_start(struct sup *s, struct job *j)
{
	if (j->j_cfg->j_kind == JOB_TASK)
		s->batch_active = j->j_in_batch = true;
	log_info("%s \"%s\" started", job_kind_word(j), j->j_cfg->j_name);
}

/* Spawn j and tell the worker, with the group it may have to stop. */
static void
start_job(struct sup *s, struct job *j)
{
	struct ipc_msg m;

	announce_start(s, j);
	if (!s->run_mode)
		j->j_run = RUN_RUNNING; /* tend run keeps its own (run.c) */
	if (job_start(j) == -1)
		return; /* already finished as failed, and reported */
	memset(&m, 0, sizeof(m));
	m.type = MSG_BUILD_STARTED;
	snprintf(m.u.build_started.job, sizeof(m.u.build_started.job), "%s",
	    j->j_cfg->j_name);
	m.u.build_started.pgid = (uint32_t)j->j_pgid;
	wproc_broadcast(s, &m);
}

/* Park j until culprit (or what culprit waits for) succeeds. */
static void
block(struct job *j, const struct job *culprit)
{
	if (culprit->j_run == RUN_SKIPPED && culprit->j_blocker != NULL)
		culprit = culprit->j_blocker;
	j->j_run = RUN_SKIPPED;
	j->j_blocker = culprit;
	log_info("not starting %s \"%s\": dependency \"%s\" failed",
	    job_kind_word(j), j->j_cfg->j_name, culprit->j_cfg->j_name);
}

/* Parked jobs whose failed dependency runs again go back to the queue. */
static bool
unblock(struct sup *s)
{
	const struct job *culprit;
	bool any = false;

	for (size_t i = 0; i < s->njobs; i++) {
		struct job *j = s->jobs[i];
		if (j->j_run == RUN_SKIPPED && deps_state(j, &culprit) >= 0) {
			j->j_blocker = NULL;
			enqueue(s, j);
			any = true;
		}
	}
	return any;
}

/*
 * Start the first queued job whose dependencies are there, a task only if
 * none runs; park those with a failed one; again until nothing changes.
 */
static void
serve_next(struct sup *s)
{
	bool again = true;

	while (again && s->stop.st == ST_RUNNING && s->pending_cfg == NULL) {
		bool busy = sched_task_running(s);

		again = unblock(s);
		for (size_t q = 0; q < s->nqueue; q++) {
			struct job *j = s->jobs[s->queue[q]];
			const struct job *culprit = NULL;
			bool task = j->j_cfg->j_kind == JOB_TASK;
			int deps = deps_state(j, &culprit);

			if (deps == 0 || (deps > 0 && task && busy))
				continue;
			dequeue(s, q);
			if (deps < 0)
				block(j, culprit);
			else if (task)
				start_job(s, j);
			else
				sched_start_service(s, j);
			/* A start can finish at once and re-enter: rescan. */
			again = true;
			break;
		}
	}
}

/*
 * The outcome of a batch is that of the latest run of each task in it: a
 * run that failed, or was cut short for a restart, and then ran again
 * successfully (a queued rerun after a fix) does not fail the batch.
 */
static bool
batch_failed(struct sup *s)
{
	bool failed = false;

	for (size_t i = 0; i < s->njobs; i++) {
		struct job *j = s->jobs[i];
		if (j->j_in_batch && j->j_last_status != 0)
			failed = true;
		j->j_in_batch = false;
	}
	return failed;
}

void
sched_next(struct sup *s)
{
	if (s->run_mode) {
		run_next(s);
		return;
	}
	serve_next(s);
	if (!changes_tasks_busy(s))
		sched_end_batch(s);
}

/*
 * The builds of this batch are over: one reload for all of them, and
 * none if one failed (the worker shows that failure instead). A config
 * reload ends the batch too, before it replaces the jobs that know it.
 */
void
sched_end_batch(struct sup *s)
{
	if (!s->batch_active)
		return;
	s->batch_active = false;
	pathset_merge(&s->out_batch, &s->out_direct);
	if (!batch_failed(s) && s->stop.st == ST_RUNNING)
		changes_send_reload(s, &s->out_batch);
	pathset_clear(&s->out_batch);
}

void
sched_drop_queue(struct sup *s)
{
	if (s->run_mode)
		run_skip_pending(s);
	for (size_t i = 0; i < s->njobs; i++)
		pathset_clear(&s->jobs[i]->j_changes);
	if (s->nqueue > 0)
		log_info("dropping %zu queued run%s", s->nqueue,
		    s->nqueue == 1 ? "" : "s");
	for (size_t i = 0; i < s->nqueue; i++)
		s->jobs[s->queue[i]]->j_queued = false;
	s->nqueue = 0;
	for (size_t i = 0; i < s->njobs; i++)
		s->jobs[i]->j_rerun = false;
}

static void
on_backoff(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct job *j =
	    (struct job *)((char *)w - offsetof(struct job, j_backoff));

	(void)loop;
	(void)revents;
	struct sup *s = j->j_env->owner;

	if (s->stop.st != ST_RUNNING) {
		j->j_state = JS_IDLE;
		return;
	}
	start_job(s, j);
	/* Started is ready for a service with no probe: its dependants go. */
	sched_next(s);
}

void
sched_start_service(struct sup *s, struct job *j)
{
	j->j_backoff_s = BACKOFF_MIN;
	ev_init(&j->j_backoff, on_backoff);
	start_job(s, j);
}

/* Queue a service, and the tasks it needs; sched_next starts them. */
void
sched_queue_service(struct sup *s, struct job *j)
{
	if (!job_running(j) && j->j_state != JS_BACKOFF)
		enqueue_with_deps(s, j, 0);
}

void
sched_start_services(struct sup *s)
{
	for (size_t i = 0; i < s->njobs; i++)
		if (s->jobs[i]->j_cfg->j_kind == JOB_SERVICE)
			sched_queue_service(s, s->jobs[i]);
}

static void
service_ended(struct sup *s, struct job *j)
{
	bool failed = j->j_last_status != 0;
	bool again = j->j_rerun;

	j->j_rerun = false;
	/* Stopped by tend, or by a reload that replaces or removes it. */
	if (s->stop.st != ST_RUNNING || j->j_stop_wanted)
		return;
	if (!again && j->j_cfg->j_restart != RESTART_ALWAYS &&
	    !(failed && j->j_cfg->j_restart == RESTART_ON_FAILURE))
		return;
	if (ev_now(s->loop) - j->j_started > STABLE_AFTER) {
		j->j_backoff_s = BACKOFF_MIN;
		j->j_fast_fails = 0;
	} else if (failed && !again)
		j->j_fast_fails++;
	/* A crash loop helps no one: say so and stop trying. */
	if (j->j_cfg->j_restart_limit > 0 &&
	    j->j_fast_fails >= j->j_cfg->j_restart_limit) {
		log_warnx("service \"%s\" failed %u times in a row within "
		          "%.0f s of starting; giving up (restart_limit)",
		    j->j_cfg->j_name, j->j_fast_fails, STABLE_AFTER);
		return;
	}
	if (again)
		j->j_backoff_s = 0;
	log_info("restarting service \"%s\" in %.1f s", j->j_cfg->j_name,
	    j->j_backoff_s);
	j->j_state = JS_BACKOFF;
	ev_timer_set(&j->j_backoff, j->j_backoff_s, 0.);
	ev_timer_start(s->loop, &j->j_backoff);
	j->j_backoff_s = j->j_backoff_s * 2 < BACKOFF_MIN ? BACKOFF_MIN
	    : j->j_backoff_s * 2 > BACKOFF_MAX            ? BACKOFF_MAX
	                                                  : j->j_backoff_s * 2;
}

/*
 * The job's "ready" probe concluded. Ready: its dependants may start. Not
 * ready in time: it counts as failed, so they are skipped (tend run) or
 * parked (serve), and a service that never became ready is stopped (and
 * restarted per its policy, which in serve mode unparks them).
 */
void
sched_job_ready(void *owner, struct job *j, bool ok, const char *why)
{
	struct sup *s = owner;

	if (ok) {
		j->j_ready = true;
		log_info("%s \"%s\" is ready: %s", job_kind_word(j),
		    j->j_cfg->j_name, why);
	} else {
		log_warnx("%s \"%s\" is not ready: %s", job_kind_word(j),
		    j->j_cfg->j_name, why);
		j->j_run = RUN_FAILED;
		if (j->j_cfg->j_kind == JOB_SERVICE)
			job_signal(j, j->j_cfg->j_stop_signal, true);
	}
	sched_next(s);
}

void
sched_job_done(void *owner, struct job *j)
{
	struct sup *s = owner;
	bool task = j->j_cfg->j_kind == JOB_TASK;

	if (s->run_mode) {
		wproc_job_finished(s, j, false);
		if (!task)
			service_ended(s, j);
		run_job_done(s, j);
		sup_check_idle(s);
		return;
	}
	if (!task) {
		wproc_job_finished(s, j, false);
		service_ended(s, j);
		deps_job_ended(j,
		    s->stop.st !=
		        ST_RUNNING); /* after: a restart keeps it waited for */
	} else {
		deps_job_ended(j, s->stop.st != ST_RUNNING);
		/* Queued first: whether another run follows is part of the
		 * news. */
		if (j->j_rerun && s->stop.st == ST_RUNNING) {
			j->j_rerun = false;
			enqueue(s, j);
		}
		/*
		 * more: another task starts at once, so the worker keeps
		 * holding requests; without it nothing is being written and
		 * every held request is answered, whatever the outcome.
		 */
		wproc_job_finished(s, j,
		    s->stop.st == ST_RUNNING && s->pending_cfg == NULL &&
		        task_startable(s));
	}
	if (s->pending_cfg != NULL)
		sup_apply_pending_reload(s);
	sched_next(s);
	sup_check_idle(s);
}
