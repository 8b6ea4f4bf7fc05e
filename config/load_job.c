/* SPDX-License-Identifier: ISC */
/*
 * config/load_job.c
 * The "jobs" section: one struct cfg_job per member, in file order, every
 * field checked where it is read, each wrong one a mistake of its own.
 * References between jobs (after, cycles) need all the names and are
 * checked afterwards by validate.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cfg_int.h"

enum cfg_job_key {
	K_CMD,
	K_KIND,
	K_CWD,
	K_ENV,
	K_ENV_FILE,
	K_AFTER,
	K_WATCH,
	K_IGNORE,
	K_ON_BUSY,
	K_STOP_SIGNAL,
	K_STOP_TIMEOUT,
	K_TIMEOUT,
	K_RESTART,
	K_RESTART_LIMIT,
	K_READY,
	K_LOG,
};

static const char *const cfg_job_keys[] = {"cmd", "kind", "cwd", "env",
    "env_file", "after", "watch", "ignore", "on_busy", "stop_signal",
    "stop_timeout", "timeout", "restart", "restart_limit", "ready", "log"};

/* A string runs with sh -c; an array is the argv itself. */
static int
cfg_load_cmd(const cJSON *v, struct cfg_job *j, struct cfg_err *err)
{
	const cJSON *it;
	size_t i = 0, mark;

	if (cJSON_IsString(v)) {
		if (v->valuestring[0] == '\0')
			return cfg_errf(
			    err, "expected a non-empty command, got \"\"");
		if (cfg_job_set_shell(j, v->valuestring) < 0)
			return cfg_errf(err, "out of memory");
		return 0;
	}
	if (!cJSON_IsArray(v)) {
		char got[80];

		cfg_json_desc(v, got, sizeof(got));
		return cfg_errf(err,
		    "expected a string or an array of strings, got %s", got);
	}
	if (cJSON_GetArraySize(v) == 0)
		return cfg_errf(err,
		    "expected at least the program name, got an empty array");
	cfg_strv_free(&j->j_argv);
	j->j_shell = false;
	cJSON_ArrayForEach(it, v)
	{
		mark = cfg_path_index(err, i);
		if (!cJSON_IsString(it)) {
			char got[80];

			cfg_json_desc(it, got, sizeof(got));
			return cfg_errf(err, "expected a string, got %s", got);
		}
		/* Arguments may be empty, the program may not. */
		if (i == 0 && it->valuestring[0] == '\0')
			return cfg_errf(
			    err, "expected the program name, got \"\"");
		if (cfg_strv_push(&j->j_argv, it->valuestring) < 0)
			return cfg_errf(err, "out of memory");
		cfg_path_pop(err, mark);
		i++;
	}
	return 0;
}

/* {"NAME": "value"} -> "NAME=value", in file order; each entry alone. */
static int
cfg_load_env(const cJSON *v, struct cfg_job *j, struct cfg_err *err)
{
	unsigned char *rep;
	const cJSON *it;
	char *kv;
	size_t mark, i = 0;
	int rc = 0;

	if (cfg_get_object(v, &rep, err) < 0)
		return -1;
	cfg_strv_free(&j->j_env);
	cfg_strv_free(&j->j_env_own);
	cJSON_ArrayForEach(it, v)
	{
		const char *k = it->string ? it->string : "";

		if (cfg_repeat(rep, i++))
			continue;
		mark = cfg_path_push(err, k);
		if (!cfg_env_name_ok(k, strlen(k))) {
			rc = cfg_errf(err,
			    "invalid environment variable name: expected "
			    "letters, digits and '_', not starting with a "
			    "digit");
		} else if (!cJSON_IsString(it)) {
			char got[80];

			cfg_json_desc(it, got, sizeof(got));
			rc = cfg_errf(err, "expected a string, got %s", got);
		} else if (asprintf(&kv, "%s=%s", k, it->valuestring) < 0) {
			rc = cfg_errf(err, "out of memory");
		} else {
			/* j_env is "env" alone until cfg_env_merge adds the
			 * files. */
			if (cfg_strv_push(&j->j_env, kv) < 0 ||
			    cfg_strv_push(&j->j_env_own, kv) < 0)
				rc = cfg_errf(err, "out of memory");
			free(kv);
		}
		cfg_path_pop(err, mark);
	}
	free(rep);
	return rc;
}

/* One path or a list of them, read by cfg_env_merge. */
static int
cfg_load_env_file(const cJSON *v, struct cfg_job *j, struct cfg_err *err)
{
	if (cJSON_IsArray(v))
		return cfg_get_strv(v, &j->j_env_file, err);
	if (!cJSON_IsString(v)) {
		char got[80];

		cfg_json_desc(v, got, sizeof(got));
		return cfg_errf(err,
		    "expected a file name or an array of them, got %s", got);
	}
	if (v->valuestring[0] == '\0')
		return cfg_errf(err, "expected a file name, got \"\"");
	cfg_strv_free(&j->j_env_file);
	if (cfg_strv_push(&j->j_env_file, v->valuestring) < 0)
		return cfg_errf(err, "out of memory");
	return 0;
}

/*
 * Values read before "kind" is known; defaults depend on the kind. A kind
 * that was wrong leaves the kind unknown: no check that needs it is made.
 */
struct cfg_job_set {
	bool cmd, on_busy, stop_signal, restart, kind_wrong;
	int v_on_busy, v_stop_signal, v_restart;
};

static int
cfg_load_field(const cJSON *it, int key, struct cfg_job *j,
    struct cfg_job_set *set, struct cfg_err *err)
{
	int kind;

	switch (key) {
	case K_CMD:
		set->cmd = true;
		return cfg_load_cmd(it, j, err);
	case K_KIND:
		if (cfg_get_enum(it, cfg_kind_names, 2, &kind, err) < 0) {
			set->kind_wrong = true;
			return -1;
		}
		j->j_kind = kind == 1 ? JOB_SERVICE : JOB_TASK;
		return 0;
	case K_CWD:
		if (cfg_get_string(it, true, &j->j_cwd, err) < 0)
			return -1;
		return cfg_check_cwd(j->j_cwd, err);
	case K_ENV:
		return cfg_load_env(it, j, err);
	case K_ENV_FILE:
		return cfg_load_env_file(it, j, err);
	case K_AFTER:
		return cfg_get_strv(it, &j->j_after, err);
	case K_WATCH:
		return cfg_get_strv(it, &j->j_watch, err);
	case K_IGNORE:
		return cfg_get_strv(it, &j->j_ignore, err);
	case K_ON_BUSY:
		set->on_busy = true;
		return cfg_get_enum(
		    it, cfg_busy_names, 4, &set->v_on_busy, err);
	case K_STOP_SIGNAL:
		set->stop_signal = true;
		return cfg_get_signal(it, &set->v_stop_signal, err);
	case K_STOP_TIMEOUT:
		return cfg_get_seconds(it, &j->j_stop_timeout, err);
	case K_TIMEOUT:
		return cfg_get_seconds(it, &j->j_timeout, err);
	case K_RESTART:
		set->restart = true;
		return cfg_get_enum(
		    it, cfg_restart_names, 3, &set->v_restart, err);
	case K_RESTART_LIMIT:
		/* Allowed on a task too (ignored there), like on_busy. */
		return cfg_get_uint(
		    it, CFG_MAX_RESTART_LIMIT, &j->j_restart_limit, err);
	case K_READY:
		return cfg_load_ready(it, &j->j_ready, err);
	case K_LOG:
		return cfg_get_string(it, true, &j->j_log, err);
	}
	return cfg_errf(err, "internal error: key %d", key);
}

/*
 * err->e_at is "jobs.NAME" on entry. The job exists from here on, even
 * when obj is no object, so that jobs naming it in "after" do not report
 * a second mistake.
 */
static void
cfg_load_job(const cJSON *obj, struct cfg *c, struct cfg_err *err)
{
	struct cfg_job_set set;
	struct cfg_job *j;
	unsigned char *rep;
	const cJSON *it;
	size_t mark, i = 0;
	int key;

	if ((j = cfg_job_new(c, obj->string ? obj->string : "")) == NULL) {
		cfg_errf(err, "out of memory");
		return;
	}
	if (cfg_get_object(obj, &rep, err) < 0)
		return;
	memset(&set, 0, sizeof(set));
	cJSON_ArrayForEach(it, obj)
	{
		if (cfg_repeat(rep, i++))
			continue;
		if ((key = cfg_key_index(
		         it, cfg_job_keys, CFG_NELEM(cfg_job_keys), err)) < 0) {
			/* "CMD": the hint is the message; no "missing". */
			if (cfg_suggest(it->string, cfg_job_keys,
			        CFG_NELEM(cfg_job_keys)) == cfg_job_keys[K_CMD])
				set.cmd = true;
			continue;
		}
		mark = cfg_path_push(err, it->string);
		cfg_load_field(it, key, j, &set, err);
		cfg_path_pop(err, mark);
	}
	free(rep);
	if (!set.cmd)
		cfg_errf(err, "missing required key \"cmd\"");

	cfg_job_defaults(j);
	if (set.on_busy)
		j->j_on_busy = (enum cfg_on_busy)set.v_on_busy;
	if (set.stop_signal)
		j->j_stop_signal = set.v_stop_signal;
	if (set.restart)
		j->j_restart = (enum cfg_restart)set.v_restart;
	if (j->j_kind == JOB_TASK && j->j_restart != RESTART_NEVER &&
	    !set.kind_wrong) {
		mark = cfg_path_push(err, "restart");
		cfg_errf(err,
		    "expected \"never\" for a task (only a \"service\" "
		    "restarts), got \"%s\"",
		    cfg_restart_names[j->j_restart]);
		cfg_path_pop(err, mark);
	}
}

void
cfg_load_jobs(const cJSON *jobs, struct cfg *c, struct cfg_err *err)
{
	unsigned char *rep;
	const cJSON *it;
	size_t mark, i = 0;

	if (cfg_get_object(jobs, &rep, err) < 0)
		return;
	cJSON_ArrayForEach(it, jobs)
	{
		if (cfg_repeat(rep, i++))
			continue;
		/* A bad name is reported at "jobs": it may be long or odd. */
		if (!cfg_job_name_ok(it->string))
			cfg_errf(err,
			    "invalid job name \"%.80s\": expected 1 to %d "
			    "letters, digits, '_', '.' or '-'",
			    it->string ? it->string : "", CFG_MAX_JOB_NAME);
		mark = cfg_path_push(err, it->string ? it->string : "");
		cfg_load_job(it, c, err);
		cfg_path_pop(err, mark);
	}
	free(rep);
}
