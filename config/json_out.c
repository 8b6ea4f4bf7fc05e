/* SPDX-License-Identifier: ISC */
/*
 * config/json_out.c
 * The normalised config as tend.json text (`tend check` prints it): every
 * default spelled out, cmd as it was written. Loading the output again gives
 * the same config, which is how the tests check this file.
 */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cfg_int.h"

/* cJSON_Add* return NULL on failure; one flag collects them all. */
struct cfg_out {
	bool oom;
};

static cJSON *
cfg_add(struct cfg_out *o, cJSON *obj, const char *key, cJSON *v)
{
	if (v == NULL || obj == NULL) {
		o->oom = true;
		cJSON_Delete(v);
		return NULL;
	}
	if (!cJSON_AddItemToObject(obj, key, v)) {
		o->oom = true;
		cJSON_Delete(v);
		return NULL;
	}
	return v;
}

/* NULL is written as JSON null: the loader reads it back as "unset". */
static cJSON *
cfg_str(const char *s)
{
	return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

static cJSON *
cfg_strv_json(const struct cfg_strv *sv)
{
	cJSON *a;
	size_t i;

	if ((a = cJSON_CreateArray()) == NULL)
		return NULL;
	for (i = 0; i < sv->n; i++) {
		cJSON *s = cJSON_CreateString(sv->v[i]);

		if (s == NULL || !cJSON_AddItemToArray(a, s)) {
			cJSON_Delete(s);
			cJSON_Delete(a);
			return NULL;
		}
	}
	return a;
}

static cJSON *
cfg_env_json(struct cfg_out *o, const struct cfg_strv *env)
{
	cJSON *obj;
	size_t i;
	char *k;

	if ((obj = cJSON_CreateObject()) == NULL)
		return NULL;
	for (i = 0; i < env->n; i++) {
		const char *eq = strchr(env->v[i], '=');

		if (eq == NULL) {
			/* Only cfg built in code can lack '='; print it empty.
			 */
			cfg_add(o, obj, env->v[i], cJSON_CreateString(""));
			continue;
		}
		if ((k = strndup(env->v[i], (size_t)(eq - env->v[i]))) ==
		    NULL) {
			o->oom = true;
			continue;
		}
		cfg_add(o, obj, k, cJSON_CreateString(eq + 1));
		free(k);
	}
	return obj;
}

/* null for no probe, else the probe with its timing spelled out. */
static cJSON *
cfg_ready_json(struct cfg_out *o, const struct cfg_ready *r)
{
	const char *name;
	cJSON *obj;

	if (r->r_kind == READY_NONE || (int)r->r_kind < 0 ||
	    r->r_kind > READY_NOTIFY)
		return cJSON_CreateNull();
	if ((obj = cJSON_CreateObject()) == NULL)
		return NULL;
	name = cfg_ready_names[r->r_kind];
	if (r->r_kind == READY_NOTIFY)
		cfg_add(o, obj, name, cJSON_CreateTrue());
	else
		cfg_add(o, obj, name, cfg_str(r->r_target));
	cfg_add(o, obj, "timeout", cJSON_CreateNumber(r->r_timeout));
	cfg_add(o, obj, "interval", cJSON_CreateNumber(r->r_interval));
	return obj;
}

static cJSON *
cfg_job_json(struct cfg_out *o, const struct cfg_job *j)
{
	const char *sig = cfg_signal_name(j->j_stop_signal);
	cJSON *obj;

	if ((obj = cJSON_CreateObject()) == NULL)
		return NULL;
	/* A shell job keeps its command as written in argv[2]. */
	if (j->j_shell && j->j_argv.n == 3)
		cfg_add(o, obj, "cmd", cJSON_CreateString(j->j_argv.v[2]));
	else
		cfg_add(o, obj, "cmd", cfg_strv_json(&j->j_argv));
	cfg_add(o, obj, "kind", cJSON_CreateString(cfg_kind_names[j->j_kind]));
	cfg_add(o, obj, "cwd", cfg_str(j->j_cwd));
	/* As written: check's comments say what .env and env_file add. */
	cfg_add(o, obj, "env", cfg_env_json(o, &j->j_env_own));
	cfg_add(o, obj, "env_file", cfg_strv_json(&j->j_env_file));
	cfg_add(o, obj, "after", cfg_strv_json(&j->j_after));
	cfg_add(o, obj, "watch", cfg_strv_json(&j->j_watch));
	cfg_add(o, obj, "ignore", cfg_strv_json(&j->j_ignore));
	cfg_add(o, obj, "on_busy",
	    cJSON_CreateString(cfg_busy_names[j->j_on_busy]));
	/* Signals without a name in our table (real-time ones) as numbers. */
	cfg_add(o, obj, "stop_signal",
	    sig ? cJSON_CreateString(sig)
	        : cJSON_CreateNumber(j->j_stop_signal));
	cfg_add(o, obj, "stop_timeout", cJSON_CreateNumber(j->j_stop_timeout));
	cfg_add(o, obj, "timeout", cJSON_CreateNumber(j->j_timeout));
	cfg_add(o, obj, "restart",
	    cJSON_CreateString(cfg_restart_names[j->j_restart]));
	cfg_add(
	    o, obj, "restart_limit", cJSON_CreateNumber(j->j_restart_limit));
	cfg_add(o, obj, "ready", cfg_ready_json(o, &j->j_ready));
	cfg_add(o, obj, "log", cfg_str(j->j_log));
	return obj;
}

/* Always the long form, the job spelled out (null: none). */
static cJSON *
cfg_proxy_json(struct cfg_out *o, const struct cfg_serve *s)
{
	cJSON *obj, *r;

	if ((obj = cJSON_CreateObject()) == NULL)
		return NULL;
	for (size_t i = 0; i < s->s_nproxy; i++) {
		const struct cfg_proxy *p = &s->s_proxy[i];

		r = cfg_add(o, obj, p->p_prefix, cJSON_CreateObject());
		cfg_add(o, r, "to", cfg_str(p->p_to));
		cfg_add(o, r, "job", cfg_str(p->p_job));
	}
	return obj;
}

static cJSON *
cfg_serve_json(struct cfg_out *o, const struct cfg_serve *s)
{
	cJSON *obj;

	if ((obj = cJSON_CreateObject()) == NULL)
		return NULL;
	cfg_add(o, obj, "root", cfg_str(s->s_root));
	cfg_add(o, obj, "http", cfg_str(s->s_http));
	cfg_add(o, obj, "udp", cfg_str(s->s_udp));
	cfg_add(o, obj, "udp_log", cfg_str(s->s_udp_log));
	cfg_add(o, obj, "livereload", cJSON_CreateBool(s->s_livereload));
	cfg_add(o, obj, "hold_during_build",
	    s->s_hold_during_build > 0
	        ? cJSON_CreateNumber(s->s_hold_during_build)
	        : cJSON_CreateBool(false));
	cfg_add(o, obj, "spa", cJSON_CreateBool(s->s_spa));
	cfg_add(o, obj, "hosts", cfg_strv_json(&s->s_hosts));
	cfg_add(o, obj, "deny", cfg_strv_json(&s->s_deny));
	cfg_add(o, obj, "allow", cfg_strv_json(&s->s_allow));
	cfg_add(
	    o, obj, "status", cfg_str(s->s_status_any ? "any" : "loopback"));
	cfg_add(
	    o, obj, "drain_timeout", cJSON_CreateNumber(s->s_drain_timeout));
	cfg_add(o, obj, "proxy", cfg_proxy_json(o, s));
	return obj;
}

/*
 * A config without a "serve" section prints without one: printing the
 * defaults would turn serving on when the output is loaded again.
 */
char *
cfg_to_json(const struct cfg *c)
{
	struct cfg_out o = {false};
	cJSON *root, *jobs, *w, *sd, *out;
	char *text = NULL;
	size_t i;

	if (c == NULL || (root = cJSON_CreateObject()) == NULL)
		return NULL;
	jobs = cfg_add(&o, root, "jobs", cJSON_CreateObject());
	for (i = 0; i < c->c_njobs && jobs != NULL; i++)
		cfg_add(&o, jobs, c->c_jobs[i].j_name,
		    cfg_job_json(&o, &c->c_jobs[i]));
	if (c->c_serve.s_enabled)
		cfg_add(&o, root, "serve", cfg_serve_json(&o, &c->c_serve));
	w = cfg_add(&o, root, "watch", cJSON_CreateObject());
	cfg_add(&o, w, "debounce_ms", cJSON_CreateNumber(c->c_debounce_ms));
	/* Absent by default (inotify), as 0 would not load again. */
	if (c->c_poll_ms != 0)
		cfg_add(&o, w, "poll_ms", cJSON_CreateNumber(c->c_poll_ms));
	cfg_add(&o, w, "ignore", cfg_strv_json(&c->c_ignore));
	sd = cfg_add(&o, root, "shutdown", cJSON_CreateObject());
	cfg_add(&o, sd, "grace", cJSON_CreateNumber(c->c_grace));
	out = cfg_add(&o, root, "output", cJSON_CreateObject());
	cfg_add(&o, out, "timestamps", cJSON_CreateBool(c->c_timestamps));
	cfg_add(&o, root, "dotenv", cJSON_CreateBool(c->c_dotenv));
	if (!o.oom)
		text = cJSON_Print(root);
	cJSON_Delete(root);
	return text;
}
