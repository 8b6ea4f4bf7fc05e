/* SPDX-License-Identifier: ISC */
/*
 * supervisor/reload.c
 * The job table: built at start-up, rebuilt by a reload (SIGHUP). A valid
 * new tend.json is applied once no task runs, and nothing new starts
 * meanwhile. Then the services it changes or removes are stopped, in
 * reverse dependency order (order.c), and once they ended the table is
 * swapped: a job whose own configuration did not change keeps its struct
 * (a running service its pid, watchers and readiness, untouched; a task
 * its last result), new and changed jobs get fresh ones. New and changed
 * tasks run once, as at start-up; new and changed services start; runs
 * that were queued stay queued, and one that cannot (its job was removed)
 * is named.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ev.h>

#include "log.h"
#include "sup.h"

static struct job *
job_new(struct sup *s, const struct cfg_job *c, size_t idx)
{
	struct job *j = malloc(sizeof(*j));

	if (j == NULL)
		fatal("jobs");
	job_init(&s->job_env, j, c);
	j->j_idx = idx;
	return j;
}

static void
job_free(struct job *j)
{
	job_release(j);
	free(j->j_deps);
	free(j);
}

/* Names to pointers once: a graph of 1000 jobs is walked often. */
static void
resolve_deps(struct sup *s, struct job *j)
{
	const struct cfg_strv *after = &j->j_cfg->j_after;

	free(j->j_deps);
	j->j_ndeps = 0;
	if ((j->j_deps = calloc(after->n ? after->n : 1, sizeof(*j->j_deps))) ==
	    NULL)
		fatal("jobs");
	for (size_t k = 0; k < after->n; k++)
		if ((j->j_deps[j->j_ndeps] = sched_find(s, after->v[k])) !=
		    NULL)
			j->j_ndeps++;
}

static void
alloc_table(struct sup *s)
{
	s->njobs = s->cfg.c_njobs;
	s->jobs = calloc(s->njobs ? s->njobs : 1, sizeof(*s->jobs));
	s->queue = calloc(s->njobs ? s->njobs : 1, sizeof(*s->queue));
	s->nqueue = 0;
	if (s->jobs == NULL || s->queue == NULL)
		fatal("jobs");
}

int
sup_jobs_make(struct sup *s)
{
	static const struct job_ops ops = {
	    sched_job_done, sched_job_ready, changes_job_ending};

	s->job_env.loop = s->loop;
	s->job_env.guard = &s->guard;
	s->job_env.color = s->color;
	s->job_env.ops = &ops;
	s->job_env.owner = s;
	alloc_table(s);
	for (size_t i = 0; i < s->njobs; i++)
		s->jobs[i] = job_new(s, &s->cfg.c_jobs[i], i);
	for (size_t i = 0; i < s->njobs; i++)
		resolve_deps(s, s->jobs[i]);
	return 0;
}

void
sup_jobs_free(struct sup *s)
{
	ev_timer_stop(s->loop, &s->debounce);
	for (size_t i = 0; i < s->njobs; i++)
		job_free(s->jobs[i]);
	free(s->jobs);
	free(s->queue);
	s->jobs = NULL;
	s->queue = NULL;
	s->njobs = s->nqueue = 0;
}

/* Still the same job under next: same name, same configuration. */
static bool
unchanged(const struct job *j, const struct cfg *next)
{
	const struct cfg_job *c = cfg_find_job(next, j->j_cfg->j_name);

	return c != NULL && !j->j_stop_wanted && cfg_job_equal(c, j->j_cfg);
}

/* The services next changes or removes are to stop (order.c). */
static void
mark_replaced(struct sup *s, const struct cfg *next)
{
	for (size_t i = 0; i < s->njobs; i++) {
		struct job *j = s->jobs[i];
		if (j->j_cfg->j_kind != JOB_SERVICE || unchanged(j, next))
			continue;
		if (ev_is_active(&j->j_backoff)) {
			ev_timer_stop(s->loop, &j->j_backoff);
			j->j_state = JS_IDLE;
		}
		j->j_stop_wanted = true;
	}
}

/* Append "name" to a comma-separated list in buf. */
static void
list_add(char *buf, size_t size, const char *name)
{
	size_t len = strlen(buf);

	snprintf(buf + len, len < size ? size - len : 0, "%s\"%s\"",
	    len ? ", " : "", name);
}

/*
 * Old jobs that the new table keeps, by position in old; the others are
 * freed once nothing points at them any more.
 */
static void
build_table(struct sup *s, struct job **old, size_t oldn, bool *kept,
    bool *fresh, char *changed, char *added, size_t size)
{
	alloc_table(s);
	for (size_t i = 0; i < s->njobs; i++) {
		const struct cfg_job *c = &s->cfg.c_jobs[i];
		struct job *j = NULL;
		bool known = false;

		for (size_t k = 0; k < oldn && j == NULL && !known; k++) {
			if (strcmp(old[k]->j_cfg->j_name, c->j_name) != 0)
				continue;
			known = true;
			if (!old[k]->j_stop_wanted &&
			    cfg_job_equal(old[k]->j_cfg, c)) {
				j = old[k];
				kept[k] = true;
			}
		}
		if (j != NULL) {
			j->j_cfg = c; /* equal to the one being freed */
			j->j_idx = i;
		} else {
			j = job_new(s, c, i);
			fresh[i] = true;
			list_add(known ? changed : added, size, c->j_name);
		}
		s->jobs[i] = j;
	}
	for (size_t i = 0; i < s->njobs; i++)
		resolve_deps(s, s->jobs[i]);
}

/* Runs queued before the reload stay queued, when their job stays. */
static void
carry_queue(struct sup *s, struct job **old, const size_t *oldq, size_t oldnq,
    const bool *kept)
{
	for (size_t q = 0; q < oldnq; q++) {
		struct job *j = old[oldq[q]];
		if (kept[oldq[q]])
			s->queue[s->nqueue++] = j->j_idx;
		else if (cfg_find_job(&s->cfg, j->j_cfg->j_name) == NULL)
			log_info("dropping the queued run of \"%s\": it is no "
			         "longer in %s",
			    j->j_cfg->j_name, s->cfg_file);
		/* A changed job runs with its new configuration anyway. */
	}
}

static void
swap(struct sup *s)
{
	struct cfg old_cfg = s->cfg;
	struct job **old = s->jobs;
	size_t *oldq = s->queue, oldn = s->njobs, oldnq = s->nqueue;
	char changed[512] = "", added[512] = "", removed[512] = "";
	bool *kept = calloc(oldn ? oldn : 1, sizeof(*kept));
	bool *fresh = calloc(s->pending_cfg->c_njobs + 1, sizeof(*fresh));
	size_t nkept = 0;

	if (kept == NULL || fresh == NULL)
		fatal("reload");
	/* The jobs that know the batch's outcome may be about to go. */
	sched_end_batch(s);
	s->cfg = *s->pending_cfg;
	free(s->pending_cfg);
	s->pending_cfg = NULL;
	build_table(s, old, oldn, kept, fresh, changed, added, sizeof(added));
	carry_queue(s, old, oldq, oldnq, kept);
	for (size_t k = 0; k < oldn; k++) {
		if (kept[k]) {
			nkept++;
			continue;
		}
		if (cfg_find_job(&s->cfg, old[k]->j_cfg->j_name) == NULL)
			list_add(
			    removed, sizeof(removed), old[k]->j_cfg->j_name);
		/* A parked job waited for this one: its new self decides. */
		for (size_t i = 0; i < s->njobs; i++)
			if (s->jobs[i]->j_blocker == old[k])
				s->jobs[i]->j_blocker = NULL;
		job_free(old[k]);
	}
	free(old);
	free(oldq);
	free(kept);
	cfg_free(&old_cfg);

	changes_stop(s);
	if (changes_start(s) == -1)
		log_warnx("reload: file watching is off");
	if (s->serve)
		wproc_reconfigure(s);
	/* After the worker was told: what the line promises is on its way. */
	log_info("configuration reloaded from %s:%s%s%s%s%s%s %zu unchanged",
	    s->cfg_file, changed[0] ? " changed " : "", changed,
	    added[0] ? " added " : "", added, removed[0] ? " removed " : "",
	    removed, nkept);
	for (size_t i = 0; i < s->njobs; i++) {
		struct job *j = s->jobs[i];
		if (!fresh[i])
			continue;
		if (j->j_cfg->j_kind == JOB_TASK)
			sched_trigger_job(s, j);
		else
			sched_queue_service(s, j);
	}
	free(fresh);
	sched_next(s);
}

void
sup_apply_pending_reload(struct sup *s)
{
	if (s->pending_cfg == NULL || s->stop.st != ST_RUNNING ||
	    sched_task_running(s))
		return;
	mark_replaced(s, s->pending_cfg);
	if (order_stopping(s)) {
		order_advance(s);
		return; /* again from sched_job_done when one ends */
	}
	swap(s);
}

int
sup_reload(struct sup *s)
{
	static struct cfg_err err; /* 16 KiB, one reload at a time */
	struct cfg next;
	char msg[1024];

	if (s->stop.st != ST_RUNNING)
		return 0;
	if (s->run_mode) {
		log_info("SIGHUP: tend run does not reload its configuration");
		return 0;
	}
	if (s->cfg_file == NULL) {
		log_info("SIGHUP: no config file to reload (started from the "
		         "command line)");
		return 0;
	}
	if (cfg_load_file(s->cfg_file, &next, &err) == -1) {
		for (size_t i = 0; i < cfg_err_nlines(&err); i++) {
			cfg_err_line(&err, i, msg, sizeof(msg));
			log_warnx("%s", msg);
		}
		log_warnx("keeping the running configuration");
		return -1;
	}
	if (next.c_serve.s_enabled != s->serve ||
	    strcmp(next.c_serve.s_http, s->cfg.c_serve.s_http) != 0 ||
	    (next.c_serve.s_udp == NULL) != (s->cfg.c_serve.s_udp == NULL) ||
	    (next.c_serve.s_udp && s->cfg.c_serve.s_udp &&
	        strcmp(next.c_serve.s_udp, s->cfg.c_serve.s_udp) != 0)) {
		log_warnx("reload: serve addresses changed; they take effect "
		          "when tend restarts");
		next.c_serve.s_enabled = s->serve;
	}
	if (s->pending_cfg != NULL) {
		cfg_free(s->pending_cfg);
		free(s->pending_cfg);
	}
	if ((s->pending_cfg = malloc(sizeof(*s->pending_cfg))) == NULL) {
		cfg_free(&next);
		log_warn("reload");
		return -1;
	}
	*s->pending_cfg = next;
	if (sched_task_running(s))
		log_info("reload waits for the running tasks to end");
	sup_apply_pending_reload(s);
	return 0;
}
