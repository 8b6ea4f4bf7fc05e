/* SPDX-License-Identifier: ISC */
/*
 * supervisor/sup/table.c
 * The job table: one struct job per configured job, their `after` names
 * resolved to pointers, and what the jobs report (struct job_ops) turned
 * into the shared part of the answer (the restart policy, the state their
 * dependants see) before the mode hears of it.
 */
#include <stdlib.h>
#include <string.h>

#include <ev.h>

#include "control.h"
#include "log.h"
#include "sup.h"

struct job *
sup_find(struct sup *s, const char *name)
{
	for (size_t i = 0; i < s->njobs; i++)
		if (strcmp(s->jobs[i]->j_cfg->j_name, name) == 0)
			return s->jobs[i];
	return NULL;
}

size_t
sup_running(const struct sup *s)
{
	size_t n = 0;

	for (size_t i = 0; i < s->njobs; i++)
		if (job_running(s->jobs[i]))
			n++;
	return n;
}

bool
sup_task_running(const struct sup *s)
{
	for (size_t i = 0; i < s->njobs; i++)
		if (s->jobs[i]->j_cfg->j_kind == JOB_TASK &&
		    job_running(s->jobs[i]))
			return true;
	return false;
}

/* The run ended: the shared part first, then the mode's. */
static void
on_ended(void *owner, struct job *j)
{
	struct sup *s = owner;
	bool stopping = sup_stopping(s);

	if (j->j_cfg->j_kind == JOB_SERVICE)
		job_service_ended(j, stopping);
	/* After the policy: a service in its backoff is still waited for. */
	deps_job_ended(j, stopping);
	s->mode->job_ended(s, j);
	sup_check_idle(s);
}

/*
 * The job's "ready" probe concluded. Ready: its dependants may start. Not
 * ready in time: it counts as failed, so they are skipped (tend run) or
 * parked (dev), and a service that never became ready is stopped (and
 * restarted per its policy, which in dev mode unparks them).
 */
static void
on_ready(void *owner, struct job *j, bool ok, const char *why)
{
	struct sup *s = owner;

	if (ok) {
		j->j_ready = true;
		log_info("%s \"%s\" is ready: %s", job_kind_word(j),
		    j->j_cfg->j_name, why);
		if (s->mode->job_ready != NULL)
			s->mode->job_ready(s, j);
	} else {
		log_warnx("%s \"%s\" is not ready: %s", job_kind_word(j),
		    j->j_cfg->j_name, why);
		j->j_run = RUN_FAILED;
		if (j->j_cfg->j_kind == JOB_SERVICE)
			job_signal(j, j->j_cfg->j_stop_signal, true);
	}
	s->mode->next(s);
}

static void
on_ending(void *owner, struct job *j)
{
	struct sup *s = owner;

	if (s->mode->job_ending != NULL)
		s->mode->job_ending(s, j);
}

/* A service's restart delay is over. */
static void
on_restart(void *owner, struct job *j)
{
	struct sup *s = owner;

	if (sup_stopping(s))
		return;
	s->mode->start_job(s, j);
	/* Started is ready for a service with no probe: its dependants go. */
	s->mode->next(s);
}

/* A line of output: to whoever follows it (tend logs -f). */
static void
on_line(void *owner, struct job *j, const char *line, size_t len)
{
	control_line(owner, j, line, len);
}

void
sup_table_init(struct sup *s)
{
	static const struct job_ops ops = {
	    on_ended, on_ready, on_ending, on_restart, on_line};

	s->job_env.loop = s->loop;
	s->job_env.guard = &s->guard;
	s->job_env.color = s->color;
	s->job_env.ops = &ops;
	s->job_env.owner = s;
}

struct job *
sup_job_new(struct sup *s, const struct cfg_job *c, size_t idx)
{
	struct job *j = malloc(sizeof(*j));

	if (j == NULL)
		fatal("jobs");
	job_init(&s->job_env, j, c);
	j->j_idx = idx;
	return j;
}

void
sup_job_free(struct job *j)
{
	job_release(j);
	free(j->j_deps);
	free(j);
}

/* Names to pointers once: a graph of 1000 jobs is walked often. */
void
sup_resolve_deps(struct sup *s, struct job *j)
{
	const struct cfg_strv *after = &j->j_cfg->j_after;

	free(j->j_deps);
	j->j_ndeps = 0;
	if ((j->j_deps = calloc(after->n ? after->n : 1, sizeof(*j->j_deps))) ==
	    NULL)
		fatal("jobs");
	for (size_t k = 0; k < after->n; k++)
		if ((j->j_deps[j->j_ndeps] = sup_find(s, after->v[k])) != NULL)
			j->j_ndeps++;
}

int
sup_jobs_make(struct sup *s)
{
	s->njobs = s->cfg.c_njobs;
	if ((s->jobs = calloc(s->njobs ? s->njobs : 1, sizeof(*s->jobs))) ==
	    NULL)
		fatal("jobs");
	for (size_t i = 0; i < s->njobs; i++)
		s->jobs[i] = sup_job_new(s, &s->cfg.c_jobs[i], i);
	for (size_t i = 0; i < s->njobs; i++)
		sup_resolve_deps(s, s->jobs[i]);
	return 0;
}

void
sup_jobs_free(struct sup *s)
{
	for (size_t i = 0; i < s->njobs; i++)
		sup_job_free(s->jobs[i]);
	free(s->jobs);
	s->jobs = NULL;
	s->njobs = 0;
}
