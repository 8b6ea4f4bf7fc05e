/* SPDX-License-Identifier: ISC */
/*
 * supervisor/sup/control_cmd.c
 * What each control request does. `status` and `logs` read; `stop` sends
 * a job its stop signal and keeps a service from restarting; `start`,
 * `restart` and `build` go through the mode (struct sup_mode.request),
 * which runs a job the way it runs every job, with the same dependency
 * rules. The other jobs are untouched: a restarted service keeps its
 * dependants running, as after a crash. `logs` gives the lines each job
 * keeps (jobs/output_keep.c), job by job in config order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "log.h"

/* Every name is a job, or the answer is an error naming the first not. */
static bool
known(struct sup *s, struct conn *c, char **names, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (sup_find(s, names[i]) != NULL)
			continue;
		control_printf(c, "error: no job \"%s\" in %s (jobs:", names[i],
		    s->cfg_file != NULL ? s->cfg_file : "the command line");
		for (size_t k = 0; k < s->njobs && k < 20; k++)
			control_printf(c, "%s %s", k ? "," : "",
			    s->jobs[k]->j_cfg->j_name);
		control_printf(c, "%s)\n", s->njobs > 20 ? ", ..." : "");
		return false;
	}
	return true;
}

static void
stop_job(struct conn *c, struct job *j)
{
	const char *kind = job_kind_word(j);

	if (j->j_cfg->j_kind == JOB_SERVICE) {
		/* Held stopped: no restart, no start by a change. */
		job_restart_cancel(j);
		j->j_stop_wanted = true;
	}
	j->j_rerun = false;
	if (!job_running(j)) {
		control_printf(
		    c, "%s \"%s\" is not running\n", kind, j->j_cfg->j_name);
		return;
	}
	log_info("stopping %s \"%s\" (tend stop)", kind, j->j_cfg->j_name);
	job_signal(j, j->j_cfg->j_stop_signal, true);
	control_printf(c, "stopping %s \"%s\"\n", kind, j->j_cfg->j_name);
}

/* start, restart, build: the mode runs it. */
static void
run_job(struct sup *s, struct conn *c, const char *verb, struct job *j)
{
	char source[32];
	const char *why;

	if (strcmp(verb, "start") == 0 && job_running(j)) {
		control_printf(c, "%s \"%s\" is already running\n",
		    job_kind_word(j), j->j_cfg->j_name);
		return;
	}
	if (j->j_cfg->j_kind == JOB_SERVICE) {
		j->j_stop_wanted = false;
		backoff_reset(&j->j_backoff_policy);
	}
	snprintf(source, sizeof(source), "tend %s", verb);
	if ((why = s->mode->request(s, j, source)) != NULL)
		control_printf(c, "%s \"%s\": %s\n", job_kind_word(j),
		    j->j_cfg->j_name, why);
	else
		control_printf(c, "%s %s \"%s\"\n",
		    strcmp(verb, "start") == 0         ? "starting"
		        : strcmp(verb, "restart") == 0 ? "restarting"
		                                       : "running",
		    job_kind_word(j), j->j_cfg->j_name);
}

struct dump {
	struct conn *c;
	const char *name;
};

static void
dump_line(void *arg, const char *line, size_t len, bool err)
{
	struct dump *d = arg;

	control_printf(d->c, "%s %c ", d->name, err ? '!' : '|');
	control_out(d->c, line, len); /* whole, however long */
	control_out(d->c, "\n", 1);
}

static void
logs(struct sup *s, struct conn *c, char **w, size_t n)
{
	long lines;
	char *end;

	if (n < 3 || (lines = strtol(w[1], &end, 10)) < 0 || *end != '\0') {
		control_printf(c, "error: logs N once|follow [JOB...]\n");
		return;
	}
	if (!known(s, c, w + 3, n - 3))
		return;
	control_printf(c, "ok\n");
	for (size_t i = 0; i < s->njobs; i++) {
		bool want = n == 3;
		for (size_t k = 3; k < n && !want; k++)
			want = strcmp(w[k], s->jobs[i]->j_cfg->j_name) == 0;
		struct dump d = {c, s->jobs[i]->j_cfg->j_name};
		if (want && lines > 0)
			output_recent(&s->jobs[i]->j_output, (size_t)lines,
			    dump_line, &d);
	}
	if (strcmp(w[2], "follow") == 0 &&
	    control_follow(c, w + 3, n - 3) == -1)
		control_printf(c, "tend | out of memory: not following\n");
}

void
control_request(struct sup *s, struct conn *c, char **w, size_t n)
{
	const char *verb = w[0];
	char *json;

	if (strcmp(verb, "status") == 0) {
		if ((json = control_status_json(s)) == NULL) {
			control_printf(c, "error: out of memory\n");
			return;
		}
		control_printf(c, "ok\n");
		control_out(c, json, strlen(json));
		control_out(c, "\n", 1);
		free(json);
		return;
	}
	if (strcmp(verb, "logs") == 0) {
		logs(s, c, w, n);
		return;
	}
	if (strcmp(verb, "stop") != 0 && strcmp(verb, "start") != 0 &&
	    strcmp(verb, "restart") != 0 && strcmp(verb, "build") != 0) {
		control_printf(c, "error: unknown request \"%s\"\n", verb);
		return;
	}
	if (sup_stopping(s)) {
		control_printf(c, "error: tend is stopping\n");
		return;
	}
	if (!known(s, c, w + 1, n - 1))
		return;
	control_printf(c, "ok\n");
	if (strcmp(verb, "build") == 0 && n == 1) {
		const char *why = s->mode->request(s, NULL, "tend build");
		control_printf(
		    c, "%s\n", why != NULL ? why : "running every task");
		return;
	}
	for (size_t i = 1; i < n; i++) {
		struct job *j = sup_find(s, w[i]);
		if (strcmp(verb, "stop") == 0)
			stop_job(c, j);
		else
			run_job(s, c, verb, j);
	}
	s->mode->next(s);
	sup_check_idle(s);
}
