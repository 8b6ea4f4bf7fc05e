/* SPDX-License-Identifier: ISC */
/*
 * supervisor/jobs/restart.c
 * A service's restart policy: once a run ended, whether and when it runs
 * again. `restart` says when (always, on-failure, never; a run asked for
 * by a trigger always); how long to wait, and when to give up after
 * restart_limit fast failures, is proc/backoff.c's, shared with tend
 * exec. When the delay is over the owner starts the run
 * (job_ops.restart), as it starts every run.
 */
#include <stdio.h>

#include <ev.h>

#include "job.h"
#include "log.h"

static void
on_backoff(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct job *j =
	    (struct job *)((char *)w - offsetof(struct job, j_backoff));

	(void)loop;
	(void)revents;
	j->j_state = JS_IDLE;
	j->j_env->ops->restart(j->j_env->owner, j);
}

void
job_restart_init(struct job *j)
{
	ev_init(&j->j_backoff, on_backoff);
	backoff_reset(&j->j_backoff_policy);
}

void
job_restart_reset(struct job *j)
{
	backoff_reset(&j->j_backoff_policy);
}

void
job_restart_cancel(struct job *j)
{
	if (ev_is_active(&j->j_backoff)) {
		ev_timer_stop(j->j_env->loop, &j->j_backoff);
		j->j_state = JS_IDLE;
	}
}

void
job_service_ended(struct job *j, bool stopping)
{
	bool failed = j->j_last_status != 0;
	bool again = j->j_rerun;
	double delay;

	j->j_rerun = false;
	/* Stopped by tend, or by a reload that replaces or removes it. */
	if (stopping || j->j_stop_wanted)
		return;
	if (!again && j->j_cfg->j_restart != RESTART_ALWAYS &&
	    !(failed && j->j_cfg->j_restart == RESTART_ON_FAILURE))
		return;
	delay = backoff_after(&j->j_backoff_policy,
	    ev_now(j->j_env->loop) - j->j_started, failed, again,
	    j->j_cfg->j_restart_limit);
	/* A crash loop helps no one: say so and stop trying. */
	if (delay < 0) {
		log_warnx("service \"%s\" failed %u times in a row within "
		          "%.0f s of starting; giving up (restart_limit)",
		    j->j_cfg->j_name, j->j_backoff_policy.fast_fails,
		    BACKOFF_STABLE);
		return;
	}
	log_info(
	    "restarting service \"%s\" in %.1f s", j->j_cfg->j_name, delay);
	j->j_state = JS_BACKOFF;
	ev_timer_set(&j->j_backoff, delay, 0.);
	ev_timer_start(j->j_env->loop, &j->j_backoff);
}
