/* SPDX-License-Identifier: ISC */
/*
 * supervisor/sup/actions.c
 * The stop machine's actions (stop.c decides, this performs), the idle
 * check that ends a stop, and the final sweep of left-over descendants.
 * Read with the table in docs/ARCHITECTURE.md ("Stopping"):
 *   1st step (finish)  nothing new starts; running tasks finish; the
 *                      mode drains (the worker answers what it accepted);
 *                      services stop after all that, in order (order.c)
 *   2nd step (abort)   tasks get SIGINT, services not yet signalled get
 *                      their stop signal; the worker cuts
 *   3rd step (kill)    SIGKILL to everything; exit at once
 *   idle               no job, no worker: sweep orphans, then exit
 */
#include <signal.h>
#include <stdio.h>

#include <ev.h>

#include "log.h"
#include "sup.h"
#include "sweep.h"

#define SWEEP_POLL 0.01 /* s between looks at our children */
#define SWEEP_TERM_FOR 1.0 /* s of SIGTERM before SIGKILL */

bool
sup_stopping(const struct sup *s)
{
	return s->stop.st != ST_RUNNING;
}

bool
sup_hurried(const struct sup *s)
{
	return s->stop.st == ST_ABORTING || s->stop.st == ST_KILLING;
}

static void
announce_finish(struct sup *s)
{
	bool any = false;

	for (size_t i = 0; i < s->njobs; i++) {
		struct job *j = s->jobs[i];
		if (job_running(j) && j->j_cfg->j_kind == JOB_TASK) {
			log_info("finishing %s \"%s\" (Ctrl-C again to "
			         "interrupt it)",
			    job_kind_word(j), j->j_cfg->j_name);
			any = true;
		}
	}
	if (!any)
		log_info("stopping (Ctrl-C again to hurry)");
}

static void
do_finish(struct sup *s, bool announce)
{
	if (announce)
		announce_finish(s);
	s->mode->finish(s);
	for (size_t i = 0; i < s->njobs; i++) {
		struct job *j = s->jobs[i];
		if (j->j_cfg->j_kind != JOB_SERVICE)
			continue;
		job_restart_cancel(j);
		j->j_stop_wanted = true;
	}
	order_announce(s);
	order_advance(s);
}

/*
 * Nothing is sent a signal it already had: the stop_timeout timers armed
 * with the first one end in SIGKILL.
 */
static void
do_abort(struct sup *s)
{
	for (size_t i = 0; i < s->njobs; i++) {
		struct job *j = s->jobs[i];
		if (!job_running(j) || j->j_cfg->j_kind != JOB_TASK)
			continue;
		log_info("interrupting %s \"%s\" (Ctrl-C again to kill)",
		    job_kind_word(j), j->j_cfg->j_name);
		j->j_interrupted = true;
		job_signal(j, SIGINT, true);
	}
	order_hurry(s);
	s->mode->abort(s);
}

static void
do_kill(struct sup *s)
{
	log_info("killing everything");
	for (size_t i = 0; i < s->njobs; i++)
		job_kill_now(s->jobs[i]);
	/* Their ends are never reaped: the loop stops here. */
	s->mode->kill(s);
	sweep_children(SIGKILL);
}

void
sup_stop_event(struct sup *s, enum stop_event ev, int signo)
{
	unsigned act = stop_step(&s->stop, ev, signo);

	/* The normal end of `tend run` is not a stop to announce. */
	if (act & SA_FINISH)
		do_finish(s, ev != SE_DONE);
	if (act & SA_ARM_GRACE) {
		ev_timer_set(&s->grace, s->cfg.c_grace, 0.);
		ev_timer_start(s->loop, &s->grace);
	}
	if (act & SA_ABORT)
		do_abort(s);
	if (act & SA_KILL)
		do_kill(s);
	if (act & SA_EXIT) {
		s->exiting = true;
		ev_break(s->loop, EVBREAK_ALL);
	}
	if (act & SA_FINISH)
		sup_check_idle(s);
}

void
sup_fail(struct sup *s, int code)
{
	s->exit_code = code;
	sup_stop_event(s, SE_FAIL, 0);
}

static void
on_sweep(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct sup *s = (struct sup *)((char *)w - offsetof(struct sup, sweep));

	(void)revents;
	s->sweep_rounds++;
	int signo =
	    s->sweep_rounds * SWEEP_POLL >= SWEEP_TERM_FOR ? SIGKILL : 0;
	if (sweep_children(signo) == 0) {
		ev_timer_stop(loop, w);
		sup_stop_event(s, SE_SUPERVISOR_IDLE, 0);
	}
}

void
sup_check_idle(struct sup *s)
{
	size_t left;

	if (sup_stopping(s) && !s->exiting)
		order_advance(s); /* what the services waited for may be over */
	if (!sup_stopping(s) || s->exiting || ev_is_active(&s->sweep) ||
	    sup_running(s) > 0 || s->mode->busy(s))
		return;
	/*
	 * Jobs and worker are done. What is left are orphans the jobs made
	 * (we are their subreaper): ask them to go, then insist.
	 */
	left = sweep_children(SIGTERM);
	if (left == 0) {
		sup_stop_event(s, SE_SUPERVISOR_IDLE, 0);
		return;
	}
	log_info(
	    "stopping %zu left-over process%s", left, left == 1 ? "" : "es");
	sweep_children(SIGCONT);
	s->sweep_rounds = 0;
	ev_init(&s->sweep, on_sweep);
	ev_timer_set(&s->sweep, SWEEP_POLL, SWEEP_POLL);
	ev_timer_start(s->loop, &s->sweep);
}
