/* SPDX-License-Identifier: ISC */
/*
 * supervisor/dev/queue.c
 * What runs next in dev mode. Tasks run one at a time from a FIFO
 * without duplicates, services beside them; a queued job starts once its
 * dependencies are there (jobs/deps.c, as in tend run), the first such in
 * queue order. A failed dependency parks its dependants (RUN_SKIPPED)
 * until it succeeds again. A trigger for a task also queues the tasks
 * after it; one for a task already running follows its on_busy policy;
 * one for a service restarts it, without its dependants. The file
 * watcher (queue_trigger_job), SIGUSR1, UDP and HTTP (queue_trigger) all
 * come in the same way. The builds of a batch end in one browser reload.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ev.h>

#include "dev.h"
#include "log.h"

void
queue_alloc(struct dev *d)
{
	size_t n = d->sup.njobs;

	if ((d->queue = calloc(n ? n : 1, sizeof(*d->queue))) == NULL)
		fatal("jobs");
	d->nqueue = 0;
}

void
queue_free(struct dev *d)
{
	free(d->queue);
	d->queue = NULL;
	d->nqueue = 0;
}

/*
 * A queued task can start as soon as the running one ends: the worker
 * keeps holding requests for it (BUILD_FINISHED's "more"). One that waits
 * for a service to be ready may wait long; the worker lets go meanwhile.
 */
static bool
task_startable(const struct dev *d)
{
	const struct job *culprit;

	for (size_t q = 0; q < d->nqueue; q++) {
		const struct job *j = d->sup.jobs[d->queue[q]];
		if (j->j_cfg->j_kind == JOB_TASK && deps_state(j, &culprit) > 0)
			return true;
	}
	return false;
}

bool
queue_tasks_busy(const struct dev *d)
{
	/* Services queued behind their dependencies are no build. */
	for (size_t q = 0; q < d->nqueue; q++)
		if (d->sup.jobs[d->queue[q]]->j_cfg->j_kind == JOB_TASK)
			return true;
	return sup_task_running(&d->sup);
}

static void
enqueue(struct dev *d, struct job *j)
{
	if (j->j_queued)
		return;
	j->j_queued = true;
	j->j_run = RUN_PENDING; /* its dependants wait for this run */
	d->queue[d->nqueue++] = j->j_idx;
}

static void
dequeue(struct dev *d, size_t q)
{
	d->sup.jobs[d->queue[q]]->j_queued = false;
	memmove(d->queue + q, d->queue + q + 1,
	    (d->nqueue - q - 1) * sizeof(*d->queue));
	d->nqueue--;
}

/* Queue j after what it depends on (config rejected cycles). */
static void
enqueue_with_deps(struct dev *d, struct job *j, unsigned depth)
{
	if (depth > d->sup.njobs)
		return;
	for (size_t i = 0; i < j->j_ndeps; i++) {
		struct job *dep = j->j_deps[i];
		if (dep->j_cfg->j_kind == JOB_TASK && dep->j_last_status != 0 &&
		    !job_running(dep))
			enqueue_with_deps(d, dep, depth + 1);
	}
	enqueue(d, j);
}

/* Returns whether j will run (again) because of this trigger. */
static bool
trigger_one(struct dev *d, struct job *j)
{
	if (j->j_cfg->j_kind == JOB_SERVICE) {
		/* Held stopped by tend stop, or going away in a reload. */
		if (j->j_stop_wanted)
			return false;
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
			backoff_reset(&j->j_backoff_policy);
			enqueue(d, j);
		}
		return false;
	}
	if (!job_running(j)) {
		enqueue_with_deps(d, j, 0);
		return true;
	}
	switch (j->j_cfg->j_on_busy) {
	case BUSY_QUEUE:
		if (!j->j_rerun)
			log_info("%s \"%s\" is running; queued one more run",
			    job_kind_word(j), j->j_cfg->j_name);
		j->j_rerun = true;
		return true;
	case BUSY_RESTART:
		log_info("%s \"%s\" is running; restarting it",
		    job_kind_word(j), j->j_cfg->j_name);
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
trigger_dependants(struct dev *d, struct job *j)
{
	struct sup *s = &d->sup;
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
			for (size_t n = 0; n < k->j_ndeps && !mark[i]; n++)
				if (mark[k->j_deps[n]->j_idx]) {
					mark[i] = grew = true;
					trigger_one(d, k);
				}
		}
	}
	free(mark);
}

void
queue_trigger_job(struct dev *d, struct job *j)
{
	if (trigger_one(d, j) && j->j_cfg->j_kind == JOB_TASK)
		trigger_dependants(d, j);
}

/* Depth first over `after`, so every task comes after its dependencies. */
static void
trigger_in_order(struct dev *d, struct job *j, bool *seen)
{
	size_t idx = j->j_idx;

	if (seen[idx] || j->j_cfg->j_kind != JOB_TASK)
		return;
	seen[idx] = true;
	for (size_t i = 0; i < j->j_ndeps; i++)
		trigger_in_order(d, j->j_deps[i], seen);
	trigger_one(d, j); /* every task is triggered: no dependants to add */
}

void
queue_trigger(struct dev *d, const char *name, const char *source)
{
	struct sup *s = &d->sup;

	if (sup_stopping(s)) {
		log_info("not building (%s): tend is stopping", source);
		return;
	}
	if (name != NULL && name[0] != '\0') {
		struct job *j = sup_find(s, name);
		if (j == NULL) {
			log_warnx("%s asked to build unknown job \"%s\"",
			    source, name);
			return;
		}
		log_info("build \"%s\" requested by %s", name, source);
		queue_trigger_job(d, j);
	} else {
		bool *seen = calloc(s->njobs, sizeof(*seen));
		if (d->serve)
			log_info("build requested by %s", source);
		else
			log_info("running every task (%s)", source);
		for (size_t i = 0; seen != NULL && i < s->njobs; i++)
			trigger_in_order(d, s->jobs[i], seen);
		free(seen);
	}
	queue_next(s);
}

/* Spawn j and tell the worker, with the group it may have to stop. */
void
queue_start_job(struct sup *s, struct job *j)
{
	struct dev *d = dev_of(s);

	if (j->j_cfg->j_kind == JOB_TASK)
		d->batch_active = j->j_in_batch = true;
	j->j_run = RUN_RUNNING;
	if (job_start(j) == -1)
		return; /* already finished as failed, and reported */
	news_job_started(d, j);
	/* Started is ready for a service with no probe. */
	if (j->j_cfg->j_kind == JOB_SERVICE &&
	    j->j_cfg->j_ready.r_kind == READY_NONE)
		news_job_ready(d, j);
}

void
queue_job_ready(struct sup *s, struct job *j)
{
	if (j->j_cfg->j_kind == JOB_SERVICE)
		news_job_ready(dev_of(s), j);
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
unblock(struct dev *d)
{
	const struct job *culprit;
	bool any = false;

	for (size_t i = 0; i < d->sup.njobs; i++) {
		struct job *j = d->sup.jobs[i];
		if (j->j_run == RUN_SKIPPED && deps_state(j, &culprit) >= 0) {
			j->j_blocker = NULL;
			enqueue(d, j);
			any = true;
		}
	}
	return any;
}

/*
 * The outcome of a batch is that of the latest run of each task in it: a
 * run that failed, or was cut short for a restart, and then ran again
 * successfully (a queued rerun after a fix) does not fail the batch.
 */
static bool
batch_failed(struct dev *d)
{
	bool failed = false;

	for (size_t i = 0; i < d->sup.njobs; i++) {
		struct job *j = d->sup.jobs[i];
		if (j->j_in_batch && j->j_last_status != 0)
			failed = true;
		j->j_in_batch = false;
	}
	return failed;
}

/*
 * Start the first queued job whose dependencies are there, a task only if
 * none runs; park those with a failed one; again until nothing changes.
 * Then, if no task is left, the batch is over.
 */
void
queue_next(struct sup *s)
{
	struct dev *d = dev_of(s);
	bool again = true;

	while (again && !sup_stopping(s) && d->pending_cfg == NULL) {
		bool busy = sup_task_running(s);

		again = unblock(d);
		for (size_t q = 0; q < d->nqueue; q++) {
			struct job *j = s->jobs[d->queue[q]];
			const struct job *culprit = NULL;
			bool task = j->j_cfg->j_kind == JOB_TASK;
			int deps = deps_state(j, &culprit);

			if (deps == 0 || (deps > 0 && task && busy))
				continue;
			dequeue(d, q);
			if (deps < 0)
				block(j, culprit);
			else {
				if (!task)
					job_restart_reset(j);
				queue_start_job(s, j);
			}
			/* A start can finish at once and re-enter: rescan. */
			again = true;
			break;
		}
	}
	if (!queue_tasks_busy(d))
		queue_end_batch(d);
}

/*
 * The builds of this batch are over: one reload for all of them, and
 * none if one failed (the worker shows that failure instead). A config
 * reload ends the batch too, before it replaces the jobs that know it.
 */
/* Append "name" to a list of at most three, then count the rest. */
static void
name_add(char *buf, size_t size, size_t *n, const char *name)
{
	size_t len = strlen(buf);

	if ((*n)++ < 3)
		snprintf(buf + len, size - len, "%s%s", len ? ", " : "", name);
}

static void
names_end(char *buf, size_t size, size_t n)
{
	size_t len = strlen(buf);

	if (n > 3)
		snprintf(buf + len, size - len, " and %zu more", n - 3);
}

/*
 * Where the tasks stand once a batch is over, so that a failure does not
 * scroll away under service output: `3 tasks ok, 1 failed (lint), 2
 * services running; Ctrl-C to stop`.
 */
static void
announce_tasks(struct dev *d)
{
	struct sup *s = &d->sup;
	char failed[256] = "", parked[256] = "", down[256] = "", line[1024];
	size_t ok = 0, nfailed = 0, nparked = 0, up = 0, ndown = 0, len;
	const char *word = d->serve ? "build" : "task";

	for (size_t i = 0; i < s->njobs; i++) {
		const struct job *j = s->jobs[i];
		const char *name = j->j_cfg->j_name;
		if (j->j_cfg->j_kind == JOB_SERVICE) {
			if (job_running(j) || j->j_state == JS_BACKOFF)
				up++;
			else if (j->j_last_status >= 0)
				name_add(down, sizeof(down), &ndown, name);
		} else if (j->j_run == RUN_SKIPPED)
			name_add(parked, sizeof(parked), &nparked, name);
		else if (j->j_last_status == 0)
			ok++;
		else if (j->j_last_status > 0)
			name_add(failed, sizeof(failed), &nfailed, name);
	}
	names_end(failed, sizeof(failed), nfailed);
	names_end(parked, sizeof(parked), nparked);
	names_end(down, sizeof(down), ndown);
	len = (size_t)snprintf(
	    line, sizeof(line), "%zu %s%s ok", ok, word, ok == 1 ? "" : "s");
	if (nfailed > 0)
		len += (size_t)snprintf(line + len, sizeof(line) - len,
		    ", %zu failed (%s)", nfailed, failed);
	if (nparked > 0)
		len += (size_t)snprintf(line + len, sizeof(line) - len,
		    ", %zu waiting for a failed dependency (%s)", nparked,
		    parked);
	if (up + ndown > 0)
		len += (size_t)snprintf(line + len, sizeof(line) - len,
		    ", %zu service%s running", up, up == 1 ? "" : "s");
	if (ndown > 0)
		len += (size_t)snprintf(line + len, sizeof(line) - len,
		    ", %zu stopped (%s)", ndown, down);
	log_info("%s; Ctrl-C to stop", line);
}

void
queue_end_batch(struct dev *d)
{
	if (!d->batch_active)
		return;
	d->batch_active = false;
	if (!sup_stopping(&d->sup))
		announce_tasks(d);
	pathset_merge(&d->out_batch, &d->out_direct);
	if (!batch_failed(d) && !sup_stopping(&d->sup))
		changes_send_reload(d, &d->out_batch);
	pathset_clear(&d->out_batch);
}

void
queue_drop(struct dev *d)
{
	struct sup *s = &d->sup;

	for (size_t i = 0; i < s->njobs; i++)
		pathset_clear(&s->jobs[i]->j_changes);
	if (d->nqueue > 0)
		log_info("dropping %zu queued run%s", d->nqueue,
		    d->nqueue == 1 ? "" : "s");
	for (size_t i = 0; i < d->nqueue; i++)
		s->jobs[d->queue[i]]->j_queued = false;
	d->nqueue = 0;
	for (size_t i = 0; i < s->njobs; i++)
		s->jobs[i]->j_rerun = false;
}

/* Queue a service, and the tasks it needs; queue_next starts them. */
void
queue_service(struct dev *d, struct job *j)
{
	if (!job_running(j) && j->j_state != JS_BACKOFF)
		enqueue_with_deps(d, j, 0);
}

/* A run ended: sup/ applied the restart policy and the deps state. */
void
queue_job_ended(struct sup *s, struct job *j)
{
	struct dev *d = dev_of(s);

	/* more: the restart policy will start it again (its delay runs). */
	if (j->j_cfg->j_kind == JOB_SERVICE)
		news_job_finished(d, j, j->j_state == JS_BACKOFF);
	else {
		/* Queued first: whether another run follows is news. */
		if (j->j_rerun && !sup_stopping(s)) {
			j->j_rerun = false;
			enqueue(d, j);
		}
		/*
		 * more: another task starts at once, so the worker keeps
		 * holding requests; without it nothing is being written and
		 * every held request is answered, whatever the outcome.
		 */
		news_job_finished(d, j,
		    !sup_stopping(s) && d->pending_cfg == NULL &&
		        task_startable(d));
	}
	if (d->pending_cfg != NULL)
		reload_apply_pending(d);
	queue_next(s);
}
