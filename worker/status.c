/* SPDX-License-Identifier: ISC */
/*
 * worker/status.c
 * What GET /__tend/status reports: the jobs as the supervisor described
 * them over ipc, the last build, and the worker's own counters.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "wrk.h"

/* Any job ever announced, listed or not. */
static struct wrk_job *
job_lookup(struct wrk *w, const char *name)
{
	for (size_t i = 0; i < w->njobs; i++)
		if (strcmp(w->jobs[i].name, name) == 0)
			return &w->jobs[i];
	return NULL;
}

/* A job of the current configuration. */
struct wrk_job *
wrk_job_find(struct wrk *w, const char *name)
{
	struct wrk_job *j = job_lookup(w, name);

	return j != NULL && j->listed ? j : NULL;
}

/*
 * The supervisor lists its jobs (JOB_INFO) after start and again after a
 * reload, after a reset that unlists them all. A job a reload dropped
 * stays in memory, unlisted, so one that comes back keeps its history.
 */
void
wrk_jobs_unlist(struct wrk *w)
{
	for (size_t i = 0; i < w->njobs; i++)
		w->jobs[i].listed = false;
}

struct wrk_job *
wrk_job_announce(struct wrk *w, const char *name, bool service)
{
	struct wrk_job *jobs, *j;

	if ((j = job_lookup(w, name)) == NULL) {
		jobs = realloc(w->jobs, (w->njobs + 1) * sizeof(*jobs));
		if (jobs == NULL)
			return NULL;
		w->jobs = jobs;
		j = &w->jobs[w->njobs++];
		memset(j, 0, sizeof(*j));
		strncpy(j->name, name, sizeof(j->name) - 1);
		j->last_status = -1;
	}
	j->service = service;
	j->listed = true;
	return j;
}

static cJSON *
job_json(const struct wrk_job *j)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "name", j->name);
	cJSON_AddStringToObject(o, "kind", j->service ? "service" : "task");
	cJSON_AddStringToObject(o, "state", j->running ? "running" : "idle");
	if (j->running && j->pgid > 0) /* for `kill -- -PGID`, `ps -g` */
		cJSON_AddNumberToObject(o, "pgid", j->pgid);
	cJSON_AddNumberToObject(o, "runs", j->runs);
	if (j->last_status >= 0) {
		cJSON_AddNumberToObject(o, "last_status", j->last_status);
		cJSON_AddNumberToObject(o, "last_duration_ms", j->last_ms);
	} else
		cJSON_AddNullToObject(o, "last_status");
	return o;
}

static cJSON *
build_json(const struct wrk_build *b)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "job", b->job);
	cJSON_AddBoolToObject(o, "ok", b->ok);
	cJSON_AddNumberToObject(o, "status", b->status);
	cJSON_AddNumberToObject(o, "duration_ms", b->duration_ms);
	cJSON_AddNumberToObject(o, "finished_at", b->end);
	cJSON_AddStringToObject(o, "output_tail", b->tail);
	return o;
}

char *
wrk_status_json(void *arg)
{
	struct wrk *w = arg;
	struct wrk_http_stats hs;
	struct wrk_udp_stats us = {0};
	cJSON *root = cJSON_CreateObject(), *jobs, *wk;
	char *out;

	if (root == NULL)
		return NULL;
	wrk_http_stats(w->http, &hs);
	if (w->udp != NULL)
		wrk_udp_stats(w->udp, &us);
	cJSON_AddStringToObject(root, "version", TEND_VERSION);
	cJSON_AddNumberToObject(root, "supervisor_pid", w->parent);
	cJSON_AddStringToObject(root, "http", w->http_addr ? w->http_addr : "");
	if (w->udp_addr)
		cJSON_AddStringToObject(root, "udp", w->udp_addr);
	else
		cJSON_AddNullToObject(root, "udp");
	jobs = cJSON_AddArrayToObject(root, "jobs");
	for (size_t i = 0; i < w->njobs; i++)
		if (w->jobs[i].listed)
			cJSON_AddItemToArray(jobs, job_json(&w->jobs[i]));
	if (w->have_build)
		cJSON_AddItemToObject(
		    root, "last_build", build_json(&w->last_build));
	else
		cJSON_AddNullToObject(root, "last_build");
	wk = cJSON_AddObjectToObject(root, "worker");
	cJSON_AddNumberToObject(wk, "pid", getpid());
	cJSON_AddNumberToObject(wk, "requests", (double)hs.requests);
	cJSON_AddNumberToObject(wk, "connections", (double)hs.connections);
	cJSON_AddNumberToObject(wk, "open_connections", (double)hs.open);
	cJSON_AddNumberToObject(wk, "connections_cut", (double)hs.cut);
	cJSON_AddNumberToObject(wk, "datagrams", (double)us.datagrams);
	cJSON_AddNumberToObject(wk, "log_records", (double)us.records);
	cJSON_AddNumberToObject(wk, "log_errors", (double)us.log_errors);
	out = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	return out;
}
