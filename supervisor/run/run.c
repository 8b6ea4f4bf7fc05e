/* SPDX-License-Identifier: ISC */
/*
 * supervisor/run/run.c
 * `tend run` as a struct sup_mode: the named jobs and everything they
 * depend on, as many at once as -j allows, each started once its
 * dependencies succeeded (tasks) or run (services): jobs/deps.c, shared
 * with dev mode. A failure skips what depends on it, and everything still
 * waiting unless --keep-going. At the end, a summary table (summary.c).
 */
#include <sys/wait.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ev.h>

#include "log.h"
#include "run.h"

/* Mark j and what it depends on as wanted. */
static void
want(const struct sup *s, struct job *j, unsigned depth)
{
	if (j->j_run != RUN_NONE || depth > s->njobs)
		return;
	j->j_run = RUN_PENDING;
	for (size_t i = 0; i < j->j_ndeps; i++)
		want(s, j->j_deps[i], depth + 1);
}

static struct runner *
runner_of(struct sup *s)
{
	return (struct runner *)s;
}

/* Before any child exists: an unknown name starts nothing. */
static int
run_prepare(struct sup *s)
{
	struct runner *r = runner_of(s);

	/*
	 * --json: stdout is for the summary alone. Everything else written
	 * to fd 1 (job output, tend's lines) goes to stderr from now on.
	 */
	if (r->json_fd >= 0) {
		r->json_fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 10);
		if (r->json_fd < 0 ||
		    dup2(STDERR_FILENO, STDOUT_FILENO) == -1) {
			log_warn("--json");
			return 1;
		}
	}
	if (r->parallel == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		r->parallel = n > 0 ? (unsigned)n : 1;
	}
	for (size_t i = 0; i < r->ntargets; i++) {
		struct job *j = sup_find(s, r->targets[i]);
		if (j == NULL) {
			fprintf(stderr,
			    "tend: %s: jobs: no job \"%s\" (tend check lists "
			    "them)\n",
			    s->cfg_file, r->targets[i]);
			return 2;
		}
		want(s, j, 0);
	}
	if (r->ntargets == 0)
		for (size_t i = 0; i < s->njobs; i++)
			if (s->jobs[i]->j_cfg->j_kind == JOB_TASK)
				want(s, s->jobs[i], 0);
	return 0;
}

static size_t
tasks_running(const struct sup *s)
{
	size_t n = 0;

	for (size_t i = 0; i < s->njobs; i++)
		if (s->jobs[i]->j_cfg->j_kind == JOB_TASK &&
		    s->jobs[i]->j_run == RUN_RUNNING)
			n++;
	return n;
}

static void
skip_pending(struct sup *s)
{
	for (size_t i = 0; i < s->njobs; i++)
		if (s->jobs[i]->j_run == RUN_PENDING)
			s->jobs[i]->j_run = RUN_SKIPPED;
}

static bool
run_over(const struct sup *s)
{
	for (size_t i = 0; i < s->njobs; i++) {
		const struct job *j = s->jobs[i];
		if (j->j_run == RUN_PENDING ||
		    (j->j_run == RUN_RUNNING && j->j_cfg->j_kind == JOB_TASK))
			return false;
	}
	return true;
}

static void
run_next(struct sup *s)
{
	struct runner *r = runner_of(s);
	const struct job *culprit = NULL;
	bool progress = true;
	size_t running;

	if (sup_stopping(s))
		return;
	/* Counted once, not per candidate: graphs of 1000 tasks are fine. */
	running = tasks_running(s);
	/* Skips cascade: loop until nothing changes. */
	while (progress) {
		progress = false;
		for (size_t i = 0; i < s->njobs; i++) {
			struct job *j = s->jobs[i];
			int deps;

			if (j->j_run != RUN_PENDING)
				continue;
			deps = deps_state(j, &culprit);
			if (deps < 0) {
				log_info("skipping \"%s\": \"%s\" did not "
				         "succeed",
				    j->j_cfg->j_name, culprit->j_cfg->j_name);
				j->j_run = RUN_SKIPPED;
				progress = true;
				continue;
			}
			if (deps == 0 ||
			    (j->j_cfg->j_kind == JOB_TASK &&
			        running >= r->parallel))
				continue;
			j->j_run = RUN_RUNNING;
			/* Services count as there once started. */
			if (j->j_cfg->j_kind == JOB_SERVICE)
				job_restart_reset(j);
			else
				running++;
			job_start(j);
			progress = true;
		}
	}
	if (run_over(s)) {
		bool failed = false;
		for (size_t i = 0; i < s->njobs; i++)
			failed |= deps_unsuccessful(s->jobs[i]->j_run);
		s->exit_code = failed ? 1 : 0;
		sup_stop_event(s, SE_DONE, 0);
	}
}

/* A run ended: sup/ applied the restart policy and the deps state. */
static void
run_job_ended(struct sup *s, struct job *j)
{
	struct runner *r = runner_of(s);

	if (j->j_cfg->j_kind == JOB_SERVICE) {
		run_next(s);
		return;
	}
	/*
	 * After the second Ctrl-C (or SIGTERM's grace) tend cut the running
	 * tasks short: their end is tend's doing, not a failure of theirs.
	 * A timeout is theirs, even then.
	 */
	if (j->j_run == RUN_FAILED && !j->j_timed_out && sup_hurried(s))
		j->j_run = WIFSIGNALED(j->j_wstatus) &&
		        WTERMSIG(j->j_wstatus) == SIGKILL
		    ? RUN_KILLED
		    : RUN_INTERRUPTED;
	if (j->j_run == RUN_FAILED && !r->keep_going && !sup_stopping(s)) {
		bool pending = false;
		for (size_t i = 0; i < s->njobs; i++)
			pending |= s->jobs[i]->j_run == RUN_PENDING;
		if (pending)
			log_info("\"%s\" failed: skipping what has not "
			         "started (--keep-going runs the rest)",
			    j->j_cfg->j_name);
		skip_pending(s);
	}
	run_next(s);
}

/*
 * The 3rd step SIGKILLed every running job and leaves the loop at once,
 * so no job end will be seen: record them as killed now, for the summary.
 */
static void
run_kill(struct sup *s)
{
	ev_tstamp now = ev_time();

	for (size_t i = 0; i < s->njobs; i++) {
		struct job *j = s->jobs[i];
		double secs = now - j->j_started;
		if (j->j_run != RUN_RUNNING || !job_running(j))
			continue;
		j->j_run = RUN_KILLED;
		j->j_wstatus = SIGKILL; /* as waitpid would say */
		j->j_last_status = 128 + SIGKILL;
		j->j_last_ms = secs > 0 ? (uint32_t)(secs * 1000.0 + 0.5) : 0;
	}
}

/* Restarting a crashed service: run_next started its first run. */
static void
run_start_job(struct sup *s, struct job *j)
{
	(void)s;
	job_start(j);
}

/* The 1st step: what has not started will not. */
static void
run_finish(struct sup *s)
{
	skip_pending(s);
}

static void
run_abort(struct sup *s)
{
	(void)s;
}

static bool
run_busy(const struct sup *s)
{
	(void)s;
	return false;
}

static void
run_hangup(struct sup *s)
{
	(void)s;
	log_info("SIGHUP: tend run does not reload its configuration");
}

static void
run_trigger(struct sup *s, const char *source)
{
	(void)s;
	log_info("%s: tend run runs each job once; nothing to build", source);
}

/* tend run runs each task once; a service can be restarted or started. */
static const char *
run_request(struct sup *s, struct job *j, const char *source)
{
	(void)s;
	if (j == NULL || j->j_cfg->j_kind == JOB_TASK)
		return "tend run runs each task once";
	log_info("service \"%s\": %s", j->j_cfg->j_name, source);
	if (job_running(j)) {
		j->j_rerun = true; /* the restart policy starts it again */
		job_signal(j, j->j_cfg->j_stop_signal, true);
	} else if (j->j_state == JS_BACKOFF)
		return "it is in its restart delay and starts then";
	else {
		job_restart_reset(j);
		j->j_run = RUN_RUNNING;
		job_start(j);
	}
	return NULL;
}

static void
run_end(struct sup *s)
{
	struct runner *r = runner_of(s);

	if (r->json_fd >= 0)
		run_summary_json(s, r->json_fd);
	else
		run_summary(s);
}

static void
run_start(struct sup *s)
{
	run_next(s);
}

static const struct sup_mode run_mode = {
    .name = "run",
    .prepare = run_prepare,
    .start = run_start,
    .start_job = run_start_job,
    .next = run_next,
    .job_ended = run_job_ended,
    .job_ending = NULL,
    .finish = run_finish,
    .abort = run_abort,
    .kill = run_kill,
    .busy = run_busy,
    .hangup = run_hangup,
    .trigger = run_trigger,
    .request = run_request,
    .status = NULL,
    .end = run_end,
};

int
run_main(struct runner *r)
{
	r->sup.mode = &run_mode;
	return sup_run(&r->sup);
}
