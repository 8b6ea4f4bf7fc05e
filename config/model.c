/* SPDX-License-Identifier: ISC */
/*
 * config/model.c
 * The in-memory config: defaults, construction from code (the CLI's
 * flags), lookup, comparison and freeing. Every string is owned by the
 * struct; an empty list may have v == NULL (n is the count to trust).
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_int.h"

const char *const cfg_kind_names[2] = {"task", "service"};
const char *const cfg_busy_names[4] = {"queue", "restart", "ignore", "signal"};
const char *const cfg_restart_names[3] = {"never", "on-failure", "always"};

/* Append a copy of s, keeping v NULL-terminated for use as an argv. */
int
cfg_strv_push(struct cfg_strv *sv, const char *s)
{
	char **nv, *dup;

	if ((dup = strdup(s)) == NULL)
		return -1;
	if ((nv = realloc(sv->v, (sv->n + 2) * sizeof(*nv))) == NULL) {
		free(dup);
		return -1;
	}
	nv[sv->n++] = dup;
	nv[sv->n] = NULL;
	sv->v = nv;
	return 0;
}

void
cfg_strv_free(struct cfg_strv *sv)
{
	size_t i;

	for (i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = 0;
}

/* Names end up in log prefixes, file names and ipc frames: keep them tame. */
bool
cfg_job_name_ok(const char *name)
{
	size_t i;

	if (name == NULL || name[0] == '\0')
		return false;
	for (i = 0; name[i] != '\0'; i++) {
		char ch = name[i];

		if (i >= CFG_MAX_JOB_NAME)
			return false;
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		        (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' ||
		        ch == '-'))
			return false;
	}
	return true;
}

/* POSIX's portable names: what every shell can also expand. */
bool
cfg_env_name_ok(const char *name, size_t len)
{
	size_t i;

	if (len == 0 || (name[0] >= '0' && name[0] <= '9'))
		return false;
	for (i = 0; i < len; i++) {
		char ch = name[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		        (ch >= '0' && ch <= '9') || ch == '_'))
			return false;
	}
	return true;
}

/* The kind-dependent defaults; the loader calls it again once kind is known.
 */
void
cfg_job_defaults(struct cfg_job *j)
{
	bool svc = j->j_kind == JOB_SERVICE;

	j->j_on_busy = svc ? BUSY_RESTART : BUSY_QUEUE;
	j->j_stop_signal = svc ? SIGTERM : SIGINT;
	j->j_restart = svc ? RESTART_ON_FAILURE : RESTART_NEVER;
}

/* Append an empty task named name to c; NULL when out of memory. */
struct cfg_job *
cfg_job_new(struct cfg *c, const char *name)
{
	struct cfg_job *jobs, *j;
	char *dup;

	if ((dup = strdup(name)) == NULL)
		return NULL;
	jobs = realloc(c->c_jobs, (c->c_njobs + 1) * sizeof(*jobs));
	if (jobs == NULL) {
		free(dup);
		return NULL;
	}
	c->c_jobs = jobs;
	j = &jobs[c->c_njobs++];
	memset(j, 0, sizeof(*j));
	j->j_name = dup;
	j->j_kind = JOB_TASK;
	j->j_stop_timeout = 5;
	j->j_timeout = 0;
	/* Not kind-dependent, so not in cfg_job_defaults. */
	j->j_restart_limit = CFG_RESTART_LIMIT;
	j->j_ready.r_kind = READY_NONE;
	j->j_ready.r_timeout = CFG_READY_TIMEOUT;
	j->j_ready.r_interval = CFG_READY_INTERVAL;
	cfg_job_defaults(j);
	return j;
}

/*
 * A string cmd runs as sh -c CMD. The string stays as argv[2], which is
 * also where cfg_to_json finds it to print the cmd as written.
 */
int
cfg_job_set_shell(struct cfg_job *j, const char *cmd)
{
	cfg_strv_free(&j->j_argv);
	j->j_shell = true;
	if (cfg_strv_push(&j->j_argv, "/bin/sh") < 0 ||
	    cfg_strv_push(&j->j_argv, "-c") < 0 ||
	    cfg_strv_push(&j->j_argv, cmd) < 0) {
		cfg_strv_free(&j->j_argv);
		return -1;
	}
	return 0;
}

/*
 * XXX: out of memory leaves s_root or s_http NULL, since this cannot fail;
 * cfg_validate reports a NULL address, and the loader checks both.
 */
void
cfg_init(struct cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->c_serve.s_enabled = true;
	c->c_serve.s_root = strdup(".");
	c->c_serve.s_http = strdup("127.0.0.1:8000");
	c->c_serve.s_livereload = true;
	c->c_serve.s_hold_during_build = CFG_HOLD_DEFAULT;
	c->c_serve.s_spa = false;
	c->c_serve.s_drain_timeout = 5;
	c->c_debounce_ms = 50;
	c->c_grace = 10;
	c->c_dotenv = true;
}

struct cfg_job *
cfg_add_job(struct cfg *c, const char *name, const char *cmd)
{
	struct cfg_job *j;

	if (c == NULL || name == NULL || cmd == NULL)
		return NULL;
	if ((j = cfg_job_new(c, name)) == NULL)
		return NULL;
	if (cfg_job_set_shell(j, cmd) < 0) {
		/* Take it back so that c stays as it was. */
		free(j->j_name);
		c->c_njobs--;
		return NULL;
	}
	return j;
}

const struct cfg_job *
cfg_find_job(const struct cfg *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->c_njobs; i++)
		if (strcmp(c->c_jobs[i].j_name, name) == 0)
			return &c->c_jobs[i];
	return NULL;
}

void
cfg_env_from_free(struct cfg_job *j)
{
	for (size_t i = 0; i < j->j_env_nfrom; i++) {
		free(j->j_env_from[i].f_name);
		free(j->j_env_from[i].f_file);
	}
	free(j->j_env_from);
	j->j_env_from = NULL;
	j->j_env_nfrom = 0;
}

static void
cfg_job_free(struct cfg_job *j)
{
	free(j->j_name);
	free(j->j_cwd);
	cfg_strv_free(&j->j_argv);
	cfg_strv_free(&j->j_env);
	cfg_strv_free(&j->j_env_own);
	cfg_strv_free(&j->j_env_file);
	cfg_env_from_free(j);
	cfg_strv_free(&j->j_after);
	cfg_strv_free(&j->j_watch);
	cfg_strv_free(&j->j_ignore);
	free(j->j_ready.r_target);
	free(j->j_log);
}

void
cfg_free(struct cfg *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->c_njobs; i++)
		cfg_job_free(&c->c_jobs[i]);
	free(c->c_jobs);
	free(c->c_file);
	free(c->c_serve.s_root);
	free(c->c_serve.s_http);
	free(c->c_serve.s_udp);
	free(c->c_serve.s_udp_log);
	cfg_strv_free(&c->c_serve.s_hosts);
	cfg_strv_free(&c->c_serve.s_deny);
	cfg_strv_free(&c->c_serve.s_allow);
	cfg_proxy_free(&c->c_serve);
	cfg_strv_free(&c->c_ignore);
	memset(c, 0, sizeof(*c));
}

static bool
str_eq(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static bool
strv_eq(const struct cfg_strv *a, const struct cfg_strv *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]) != 0)
			return false;
	return true;
}

bool
cfg_job_equal(const struct cfg_job *a, const struct cfg_job *b)
{
	const struct cfg_ready *ra = &a->j_ready, *rb = &b->j_ready;

	return str_eq(a->j_name, b->j_name) && a->j_kind == b->j_kind &&
	    a->j_shell == b->j_shell && strv_eq(&a->j_argv, &b->j_argv) &&
	    str_eq(a->j_cwd, b->j_cwd) && strv_eq(&a->j_env, &b->j_env) &&
	    strv_eq(&a->j_env_file, &b->j_env_file) &&
	    strv_eq(&a->j_after, &b->j_after) &&
	    strv_eq(&a->j_watch, &b->j_watch) &&
	    strv_eq(&a->j_ignore, &b->j_ignore) &&
	    a->j_on_busy == b->j_on_busy &&
	    a->j_stop_signal == b->j_stop_signal &&
	    a->j_stop_timeout == b->j_stop_timeout &&
	    a->j_timeout == b->j_timeout && a->j_restart == b->j_restart &&
	    a->j_restart_limit == b->j_restart_limit &&
	    ra->r_kind == rb->r_kind && str_eq(ra->r_target, rb->r_target) &&
	    ra->r_timeout == rb->r_timeout &&
	    ra->r_interval == rb->r_interval && str_eq(a->j_log, b->j_log);
}
