/* SPDX-License-Identifier: ISC */
/*
 * supervisor/jobs/deps.c
 * A job's dependencies (`after`) as both schedulers see them: what a job
 * counts as for its dependants (j_run, with j_ready from its probe), and
 * whether its own dependencies let it start now. dev/queue.c (dev mode)
 * and run/run.c (tend run) differ in what they start and when; this is the
 * part they share, so both modes wait for the same things.
 */
#include "job.h"

bool
deps_unsuccessful(enum run_state st)
{
	return st == RUN_FAILED || st == RUN_SKIPPED || st == RUN_INTERRUPTED ||
	    st == RUN_KILLED;
}

int
deps_state(const struct job *j, const struct job **culprit)
{
	int state = 1;

	for (size_t i = 0; i < j->j_ndeps; i++) {
		const struct job *d = j->j_deps[i];
		if (deps_unsuccessful(d->j_run)) {
			*culprit = d;
			return -1;
		}
		bool probed = d->j_cfg->j_ready.r_kind != READY_NONE;
		if (d->j_cfg->j_kind == JOB_SERVICE) {
			if (!job_running(d) || (probed && !d->j_ready))
				state = 0;
		} else if (d->j_run != RUN_OK && !(probed && d->j_ready))
			state = 0;
	}
	return state;
}

void
deps_job_ended(struct job *j, bool stopping)
{
	if (j->j_cfg->j_kind == JOB_TASK) {
		j->j_run = j->j_last_status == 0 ? RUN_OK : RUN_FAILED;
		return;
	}
	/* A service in its restart backoff is still to be waited for. */
	if (stopping && j->j_run == RUN_RUNNING)
		j->j_run = RUN_OK; /* stopped by us at the end */
	else if (j->j_state != JS_BACKOFF)
		j->j_run = RUN_FAILED; /* ended, not to be restarted */
}
