/* SPDX-License-Identifier: ISC */
/*
 * supervisor/run.c
 * `tend run`: the named jobs and everything they depend on, as many at
 * once as -j allows, each started once its dependencies succeeded (tasks)
 * or run (services): deps.c, shared with serve mode. A failure skips what
 * depends on it, and everything still waiting unless --keep-going. At the end,
 * a summary table.
 */
#include <sys/wait.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ev.h>

#include "log.h"
#include "sup.h"

static const char *const run_words[] = {
    [RUN_NONE] = "-",
    [RUN_PENDING] = "pending",
    [RUN_RUNNING] = "running",
    [RUN_OK] = "ok",
    [RUN_FAILED] = "failed",
    [RUN_SKIPPED] = "skipped",
    [RUN_INTERRUPTED] = "interrupted",
    [RUN_KILLED] = "killed",
};

/* Mark j and what it depends on as wanted. */
static void
want(struct sup *s, struct job *j, unsigned depth)
{
	if (j->j_run != RUN_NONE || depth > s->njobs)
		return;
	j->j_run = RUN_PENDING;
	for (size_t i = 0; i < j->j_ndeps; i++)
		want(s, j->j_deps[i], depth + 1);
}

int
run_select(struct sup *s)
{
	if (s->run_parallel == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		s->run_parallel = n > 0 ? (unsigned)n : 1;
	}
	for (size_t i = 0; i < s->run_ntargets; i++) {
		struct job *j = sched_find(s, s->run_targets[i]);
		if (j == NULL) {
			fprintf(stderr,
			    "tend: %s: jobs: no job \"%s\" (tend check lists "
			    "them)\n",
			    s->cfg_file, s->run_targets[i]);
			return -1;
		}
		want(s, j, 0);
	}
	if (s->run_ntargets == 0)
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

void
run_skip_pending(struct sup *s)
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

void
run_next(struct sup *s)
{
	const struct job *culprit = NULL;
	bool progress = true;
	size_t running;

	if (s->stop.st != ST_RUNNING)
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
			        running >= s->run_parallel))
				continue;
			j->j_run = RUN_RUNNING;
			/* Services count as there once started. */
			if (j->j_cfg->j_kind == JOB_SERVICE)
				sched_start_service(s, j);
			else {
				log_info("%s \"%s\" started", job_kind_word(j),
				    j->j_cfg->j_name);
				running++;
				job_start(j);
			}
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

void
run_job_done(struct sup *s, struct job *j)
{
	deps_job_ended(j, s->stop.st != ST_RUNNING);
	if (j->j_cfg->j_kind == JOB_SERVICE) {
		run_next(s);
		return;
	}
	/*
	 * After the second Ctrl-C (or SIGTERM's grace) tend cut the running
	 * tasks short: their end is tend's doing, not a failure of theirs.
	 * A timeout is theirs, even then.
	 */
	if (j->j_run == RUN_FAILED && !j->j_timed_out &&
	    (s->stop.st == ST_ABORTING || s->stop.st == ST_KILLING))
		j->j_run = WIFSIGNALED(j->j_wstatus) &&
		        WTERMSIG(j->j_wstatus) == SIGKILL
		    ? RUN_KILLED
		    : RUN_INTERRUPTED;
	if (j->j_run == RUN_FAILED && !s->run_keep_going &&
	    s->stop.st == ST_RUNNING) {
		bool pending = false;
		for (size_t i = 0; i < s->njobs; i++)
			pending |= s->jobs[i]->j_run == RUN_PENDING;
		if (pending)
			log_info("\"%s\" failed: skipping what has not "
			         "started (--keep-going runs the rest)",
			    j->j_cfg->j_name);
		run_skip_pending(s);
	}
	run_next(s);
}

/*
 * do_kill (sup.c) SIGKILLed every running job and leaves the loop at once,
 * so no job end will be seen: record them as killed now, for the summary.
 */
void
run_killed(struct sup *s)
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

/* The exit column: the code, or the signal that ended the run. */
static void
exit_word(const struct job *j, char *buf, size_t size)
{
	const char *name = WIFSIGNALED(j->j_wstatus)
	    ? cfg_signal_name(WTERMSIG(j->j_wstatus))
	    : NULL;

	if (name != NULL)
		snprintf(buf, size, "%s", name);
	else
		snprintf(buf, size, "%d", j->j_last_status);
}

void
run_summary(const struct sup *s)
{
	char line[256], code[16], secs[32];
	int width = 3;

	for (size_t i = 0; i < s->njobs; i++) {
		int n = (int)strlen(s->jobs[i]->j_cfg->j_name);
		if (s->jobs[i]->j_run != RUN_NONE && n > width)
			width = n;
	}
	snprintf(line, sizeof(line), "%-*s  %-11s %7s %10s\n", width, "job",
	    "status", "exit", "time");
	log_write_all(STDOUT_FILENO, "\n", 1);
	log_write_all(STDOUT_FILENO, line, strlen(line));
	for (size_t i = 0; i < s->njobs; i++) {
		const struct job *j = s->jobs[i];
		int st = j->j_run;
		if (st == RUN_NONE)
			continue;
		bool ran = st == RUN_OK || st == RUN_FAILED ||
		    st == RUN_INTERRUPTED || st == RUN_KILLED ||
		    (st == RUN_RUNNING && j->j_last_status >= 0);
		if (st == RUN_PENDING)
			st = RUN_SKIPPED;
		exit_word(j, code, sizeof(code));
		snprintf(secs, sizeof(secs), "%.2f s", j->j_last_ms / 1000.0);
		snprintf(line, sizeof(line), "%-*s  %-11s %7s %10s\n", width,
		    j->j_cfg->j_name, run_words[st], ran ? code : "-",
		    ran ? secs : "-");
		log_write_all(STDOUT_FILENO, line, strlen(line));
	}
}
