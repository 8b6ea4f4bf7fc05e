/* SPDX-License-Identifier: ISC */
/*
 * supervisor/run/summary.c
 * What `tend run` prints at the end: each job asked for, how its run
 * ended, its exit code (or the signal) and how long it took; a table for
 * people, or with --json one JSON document (tend(1) has its form).
 */
#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "log.h"
#include "run.h"

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

/*
 * {"exit": N, "jobs": [{"name", "kind", "status", "exit", "signal",
 * "seconds"}]}: exit is tend's own exit code; a job's exit and signal are
 * null when it did not run or did not end that way.
 */
void
run_summary_json(const struct sup *s, int fd)
{
	cJSON *root = cJSON_CreateObject(), *jobs;
	char *text;

	if (root == NULL)
		return;
	cJSON_AddNumberToObject(root, "exit", s->exit_code);
	jobs = cJSON_AddArrayToObject(root, "jobs");
	for (size_t i = 0; jobs != NULL && i < s->njobs; i++) {
		const struct job *j = s->jobs[i];
		int st = j->j_run;
		cJSON *o;
		bool ran = j->j_last_status >= 0;
		if (st == RUN_NONE || (o = cJSON_CreateObject()) == NULL)
			continue;
		if (st == RUN_PENDING)
			st = RUN_SKIPPED;
		cJSON_AddStringToObject(o, "name", j->j_cfg->j_name);
		cJSON_AddStringToObject(o, "kind",
		    j->j_cfg->j_kind == JOB_SERVICE ? "service" : "task");
		cJSON_AddStringToObject(o, "status", run_words[st]);
		if (ran && !WIFSIGNALED(j->j_wstatus))
			cJSON_AddNumberToObject(o, "exit", j->j_last_status);
		else
			cJSON_AddNullToObject(o, "exit");
		if (ran && WIFSIGNALED(j->j_wstatus))
			cJSON_AddStringToObject(o, "signal",
			    cfg_signal_name(WTERMSIG(j->j_wstatus)));
		else
			cJSON_AddNullToObject(o, "signal");
		if (ran)
			cJSON_AddNumberToObject(
			    o, "seconds", j->j_last_ms / 1000.0);
		else
			cJSON_AddNullToObject(o, "seconds");
		cJSON_AddItemToArray(jobs, o);
	}
	if ((text = cJSON_PrintUnformatted(root)) != NULL) {
		log_write_all(fd, text, strlen(text));
		log_write_all(fd, "\n", 1);
		free(text);
	}
	cJSON_Delete(root);
}
