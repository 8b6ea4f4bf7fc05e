/* SPDX-License-Identifier: ISC */
/*
 * supervisor/sup/control_status.c
 * `tend status` as JSON, the form tend(1) documents: tend's mode, pid and
 * state, every job with its kind, state, pid, restarts, last exit and
 * since when (seconds since the epoch), and what the mode adds (dev: the
 * worker and its addresses).
 */
#include <stdlib.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <ev.h>

#include "control.h"

/*
 * A job's state in one word: waiting (queued, for a dependency, for its
 * restart), starting (a service whose ready probe has not passed),
 * ready, running, stopping, ok or failed (a task's last run), stopped (a
 * service that ended), skipped (tend run: it will not run), idle (never
 * asked for).
 */
static const char *
state_word(const struct job *j)
{
	bool service = j->j_cfg->j_kind == JOB_SERVICE;
	bool probed = j->j_cfg->j_ready.r_kind != READY_NONE;

	if (job_running(j)) {
		if (j->j_stopping)
			return "stopping";
		if (service && probed)
			return j->j_ready ? "ready" : "starting";
		return "running";
	}
	if (j->j_state == JS_BACKOFF || j->j_queued ||
	    j->j_run == RUN_PENDING ||
	    (j->j_run == RUN_SKIPPED && j->j_blocker != NULL))
		return "waiting";
	if (j->j_run == RUN_SKIPPED)
		return "skipped";
	if (j->j_last_status < 0)
		return "idle";
	if (service)
		return j->j_last_status == 0 || j->j_stop_wanted ||
		        j->j_run == RUN_OK
		    ? "stopped"
		    : "failed";
	return j->j_last_status == 0 ? "ok" : "failed";
}

static void
add_job(cJSON *arr, const struct job *j)
{
	cJSON *o = cJSON_CreateObject();
	bool running = job_running(j);

	if (o == NULL)
		return;
	cJSON_AddStringToObject(o, "name", j->j_cfg->j_name);
	cJSON_AddStringToObject(
	    o, "kind", j->j_cfg->j_kind == JOB_SERVICE ? "service" : "task");
	cJSON_AddStringToObject(o, "state", state_word(j));
	if (running && j->j_pid > 0)
		cJSON_AddNumberToObject(o, "pid", (double)j->j_pid);
	else
		cJSON_AddNullToObject(o, "pid");
	cJSON_AddNumberToObject(
	    o, "restarts", j->j_runs > 1 ? (double)(j->j_runs - 1) : 0.);
	if (j->j_last_status >= 0)
		cJSON_AddNumberToObject(o, "last_exit", j->j_last_status);
	else
		cJSON_AddNullToObject(o, "last_exit");
	if (running)
		cJSON_AddNumberToObject(o, "since", (double)j->j_started);
	else if (j->j_last_status >= 0)
		cJSON_AddNumberToObject(o, "since", (double)j->j_last_end);
	else
		cJSON_AddNullToObject(o, "since");
	cJSON_AddItemToArray(arr, o);
}

char *
control_status_json(struct sup *s)
{
	cJSON *root = cJSON_CreateObject(), *jobs;
	char *out;

	if (root == NULL)
		return NULL;
	cJSON_AddStringToObject(root, "mode", s->mode->name);
	cJSON_AddNumberToObject(root, "pid", (double)getpid());
	cJSON_AddStringToObject(
	    root, "state", sup_stopping(s) ? "stopping" : "running");
	if (s->cfg_file != NULL)
		cJSON_AddStringToObject(root, "config", s->cfg_file);
	else
		cJSON_AddNullToObject(root, "config");
	jobs = cJSON_AddArrayToObject(root, "jobs");
	for (size_t i = 0; jobs != NULL && i < s->njobs; i++)
		add_job(jobs, s->jobs[i]);
	if (s->mode->status != NULL)
		s->mode->status(s, root);
	out = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	return out;
}
