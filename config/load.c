/* SPDX-License-Identifier: ISC */
/*
 * config/load.c
 * tend.json from text to struct cfg: the top level and the "serve",
 * "watch", "shutdown" and "output" sections (jobs are load_job.c). Everything
 * is checked before anything is returned, and every mistake is reported: a
 * wrong value is skipped and the rest is read. The caller's struct is only
 * written on success.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cfg_int.h"

enum { T_SCHEMA, T_JOBS, T_SERVE, T_WATCH, T_SHUTDOWN, T_OUTPUT, T_DOTENV };
static const char *const cfg_top_keys[] = {
    "$schema", "jobs", "serve", "watch", "shutdown", "output", "dotenv"};

enum {
	S_ROOT,
	S_HTTP,
	S_UDP,
	S_UDP_LOG,
	S_LIVERELOAD,
	S_HOLD,
	S_SPA,
	S_DRAIN,
	S_HOSTS,
	S_DENY,
	S_ALLOW,
	S_STATUS,
	S_PROXY
};
static const char *const cfg_serve_keys[] = {"root", "http", "udp", "udp_log",
    "livereload", "hold_during_build", "spa", "drain_timeout", "hosts", "deny",
    "allow", "status", "proxy"};
static const char *const cfg_status_names[] = {"loopback", "any"};

enum { W_DEBOUNCE, W_IGNORE, W_POLL };
static const char *const cfg_watch_keys[] = {
    "debounce_ms", "ignore", "poll_ms"};

static const char *const cfg_shutdown_keys[] = {"grace"};

static const char *const cfg_output_keys[] = {"timestamps"};

static int
cfg_load_serve_field(
    const cJSON *it, int key, struct cfg_serve *s, struct cfg_err *err)
{
	switch (key) {
	case S_ROOT:
		return cfg_get_string(it, false, &s->s_root, err);
	case S_HTTP:
		return cfg_get_addr(it, false, &s->s_http, err);
	case S_UDP:
		return cfg_get_addr(it, true, &s->s_udp, err);
	case S_UDP_LOG:
		return cfg_get_string(it, true, &s->s_udp_log, err);
	case S_LIVERELOAD:
		return cfg_get_bool(it, &s->s_livereload, err);
	case S_HOLD:
		return cfg_get_hold(it, &s->s_hold_during_build, err);
	case S_SPA:
		return cfg_get_bool(it, &s->s_spa, err);
	case S_DRAIN:
		return cfg_get_seconds(it, &s->s_drain_timeout, err);
	case S_HOSTS:
		return cfg_get_hosts(it, &s->s_hosts, err);
	case S_DENY:
		return cfg_get_strv(it, &s->s_deny, err);
	case S_ALLOW:
		return cfg_get_strv(it, &s->s_allow, err);
	case S_PROXY:
		return cfg_load_proxy(it, s, err);
	case S_STATUS: {
		int v;
		if (cfg_get_enum(it, cfg_status_names,
		        CFG_NELEM(cfg_status_names), &v, err) < 0)
			return -1;
		s->s_status_any = v == 1;
		return 0;
	}
	}
	return cfg_errf(err, "internal error: key %d", key);
}

/*
 * Each section's members one by one: an unknown key or a wrong value is a
 * mistake recorded, and the next member is read all the same.
 */
static void
cfg_load_serve(const cJSON *obj, struct cfg_serve *s, struct cfg_err *err)
{
	unsigned char *rep;
	const cJSON *it;
	bool udp_wrong = false;
	size_t mark, i = 0;
	int key;

	if (cfg_get_object(obj, &rep, err) < 0)
		return;
	s->s_enabled = true;
	cJSON_ArrayForEach(it, obj)
	{
		if (cfg_repeat(rep, i++) ||
		    (key = cfg_key_index(it, cfg_serve_keys,
		         CFG_NELEM(cfg_serve_keys), err)) < 0)
			continue;
		mark = cfg_path_push(err, it->string);
		if (cfg_load_serve_field(it, key, s, err) < 0 && key == S_UDP)
			udp_wrong = true;
		cfg_path_pop(err, mark);
	}
	free(rep);
	/*
	 * Records only come in on the UDP port: a log without it is a typo.
	 * A udp that was there but wrong is its own mistake, not this one.
	 */
	if (s->s_udp_log != NULL && s->s_udp == NULL && !udp_wrong) {
		mark = cfg_path_push(err, "udp_log");
		cfg_errf(
		    err, "needs serve.udp (the port whose records it logs)");
		cfg_path_pop(err, mark);
	}
}

/* A whole number of milliseconds from min to max. */
static int
cfg_load_ms(const cJSON *v, unsigned min, unsigned max, unsigned *out,
    struct cfg_err *err)
{
	double d = cJSON_IsNumber(v) ? v->valuedouble : -1;
	char got[80];

	/* Range first, so the cast is defined; no libm needed. */
	if (!(d >= min && d <= max) || d != (double)(unsigned)d) {
		cfg_json_desc(v, got, sizeof(got));
		return cfg_errf(err,
		    "expected a whole number of milliseconds from %u to %u, "
		    "got %s",
		    min, max, got);
	}
	*out = (unsigned)d;
	return 0;
}

static void
cfg_load_watch(const cJSON *obj, struct cfg *c, struct cfg_err *err)
{
	unsigned char *rep;
	const cJSON *it;
	size_t mark, i = 0;
	int key;

	if (cfg_get_object(obj, &rep, err) < 0)
		return;
	cJSON_ArrayForEach(it, obj)
	{
		if (cfg_repeat(rep, i++) ||
		    (key = cfg_key_index(it, cfg_watch_keys,
		         CFG_NELEM(cfg_watch_keys), err)) < 0)
			continue;
		mark = cfg_path_push(err, it->string);
		if (key == W_DEBOUNCE)
			cfg_load_ms(
			    it, 0, CFG_MAX_DEBOUNCE_MS, &c->c_debounce_ms, err);
		else if (key == W_POLL)
			cfg_load_ms(it, CFG_MIN_POLL_MS, CFG_MAX_POLL_MS,
			    &c->c_poll_ms, err);
		else
			cfg_get_strv(it, &c->c_ignore, err);
		cfg_path_pop(err, mark);
	}
	free(rep);
}

static void
cfg_load_shutdown(const cJSON *obj, struct cfg *c, struct cfg_err *err)
{
	unsigned char *rep;
	const cJSON *it;
	size_t mark, i = 0;

	if (cfg_get_object(obj, &rep, err) < 0)
		return;
	cJSON_ArrayForEach(it, obj)
	{
		if (cfg_repeat(rep, i++) ||
		    cfg_key_index(it, cfg_shutdown_keys,
		        CFG_NELEM(cfg_shutdown_keys), err) < 0)
			continue;
		mark = cfg_path_push(err, it->string);
		cfg_get_seconds(it, &c->c_grace, err);
		cfg_path_pop(err, mark);
	}
	free(rep);
}

static void
cfg_load_output(const cJSON *obj, struct cfg *c, struct cfg_err *err)
{
	unsigned char *rep;
	const cJSON *it;
	size_t mark, i = 0;

	if (cfg_get_object(obj, &rep, err) < 0)
		return;
	cJSON_ArrayForEach(it, obj)
	{
		if (cfg_repeat(rep, i++) ||
		    cfg_key_index(it, cfg_output_keys,
		        CFG_NELEM(cfg_output_keys), err) < 0)
			continue;
		mark = cfg_path_push(err, it->string);
		cfg_get_bool(it, &c->c_timestamps, err);
		cfg_path_pop(err, mark);
	}
	free(rep);
}

/*
 * A job's "log" is relative to the directory of the config file: made
 * absolute when that is not tend's own, so that the printed config means
 * the same file wherever it is loaded from.
 */
static int
cfg_resolve_logs(struct cfg *c, const char *file, struct cfg_err *err)
{
	const char *slash = file != NULL ? strrchr(file, '/') : NULL;
	char *dir = NULL, *real;

	for (size_t i = 0; slash != NULL && i < c->c_njobs; i++) {
		struct cfg_job *j = &c->c_jobs[i];
		char *p;

		if (j->j_log == NULL || j->j_log[0] == '/')
			continue;
		if (dir == NULL) {
			if ((dir = strndup(file, (size_t)(slash - file) + 1)) ==
			    NULL)
				return cfg_errf(err, "out of memory");
			if ((real = realpath(dir, NULL)) != NULL) {
				free(dir);
				dir = real;
			}
		}
		if (asprintf(&p, "%s%s%s", dir,
		        dir[strlen(dir) - 1] == '/' ? "" : "/", j->j_log) < 0) {
			free(dir);
			return cfg_errf(err, "out of memory");
		}
		free(j->j_log);
		j->j_log = p;
	}
	free(dir);
	return 0;
}

/* Not an object at the top: nothing below it can be read. */
static void
cfg_load_top(const cJSON *root, struct cfg *c, struct cfg_err *err)
{
	unsigned char *rep;
	const cJSON *it;
	char got[80];
	size_t mark, i = 0;
	int key;

	if (!cJSON_IsObject(root)) {
		cfg_json_desc(root, got, sizeof(got));
		cfg_errf(
		    err, "expected an object at the top level, got %s", got);
		return;
	}
	if (cfg_get_object(root, &rep, err) < 0)
		return;
	/* Without a "serve" section there is nothing to serve (tend run). */
	c->c_serve.s_enabled = false;
	cJSON_ArrayForEach(it, root)
	{
		if (cfg_repeat(rep, i++) ||
		    (key = cfg_key_index(
		         it, cfg_top_keys, CFG_NELEM(cfg_top_keys), err)) < 0)
			continue;
		mark = cfg_path_push(err, it->string);
		switch (key) {
		case T_SCHEMA:
			/* For editors only; any string will do. */
			if (!cJSON_IsString(it)) {
				cfg_json_desc(it, got, sizeof(got));
				cfg_errf(err, "expected a string, got %s", got);
			}
			break;
		case T_JOBS:
			cfg_load_jobs(it, c, err);
			break;
		case T_SERVE:
			cfg_load_serve(it, &c->c_serve, err);
			break;
		case T_WATCH:
			cfg_load_watch(it, c, err);
			break;
		case T_SHUTDOWN:
			cfg_load_shutdown(it, c, err);
			break;
		case T_OUTPUT:
			cfg_load_output(it, c, err);
			break;
		case T_DOTENV:
			cfg_get_bool(it, &c->c_dotenv, err);
			break;
		}
		cfg_path_pop(err, mark);
	}
	free(rep);
}

int
cfg_load_buf(const char *file, const char *buf, size_t len, struct cfg *c,
    struct cfg_err *err)
{
	struct cfg tmp;
	cJSON *root;

	memset(c, 0, sizeof(*c));
	cfg_err_clear(err, file ? file : "(buffer)");
	if (buf == NULL)
		return cfg_errf(err, "no configuration text");
	if ((root = cfg_parse_text(buf, len, err)) == NULL)
		return -1;

	cfg_init(&tmp);
	if (tmp.c_serve.s_root == NULL || tmp.c_serve.s_http == NULL ||
	    (file != NULL && (tmp.c_file = strdup(file)) == NULL)) {
		cfg_errf(err, "out of memory");
		goto fail;
	}
	cfg_load_top(root, &tmp, err);
	if (err->e_count == 0)
		cfg_resolve_logs(&tmp, file, err);
	/* References and cycles need every job; same checks as the CLI's. */
	cfg_validate_into(&tmp, false, err);
	if (err->e_count > 0)
		goto fail;
	cJSON_Delete(root);
	*c = tmp;
	return 0;
fail:
	cJSON_Delete(root);
	cfg_free(&tmp);
	return -1;
}

/* .env and env_file are relative to the directory of the config. */
static int
cfg_load_env_beside(const char *file, struct cfg *c, struct cfg_err *err)
{
	const char *slash = strrchr(file, '/');
	char *dir;
	int rc;

	if (slash == NULL)
		return cfg_env_merge(c, NULL, err);
	if ((dir = strndup(file, slash == file ? 1 : (size_t)(slash - file))) ==
	    NULL)
		return cfg_errf(err, "out of memory");
	rc = cfg_env_merge(c, dir, err);
	free(dir);
	return rc;
}

int
cfg_load_file(const char *file, struct cfg *c, struct cfg_err *err)
{
	char *buf;
	size_t len;
	int rc;

	memset(c, 0, sizeof(*c));
	cfg_err_clear(err, file);
	if (file == NULL)
		return cfg_errf(err, "no file name");
	if (cfg_read_file(file, &buf, &len, err) < 0)
		return -1;
	rc = cfg_load_buf(file, buf, len, c, err);
	free(buf);
	if (rc == 0 && (rc = cfg_load_env_beside(file, c, err)) < 0)
		cfg_free(c);
	return rc;
}
