/* SPDX-License-Identifier: ISC */
/*
 * config/proxy.c
 * serve.proxy: path prefixes forwarded to a server behind tend, written
 * {"/api": "127.0.0.1:5000"} or {"/api": {"to": "127.0.0.1:5000", "job":
 * "api"}}. Reading the section, the checks of one route that the loader
 * and cfg_validate share (the prefix, the address), adding a route from
 * code (the CLI's --proxy) and freeing them. That a job names a service
 * spans the jobs and is validate.c's.
 */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cfg_int.h"

enum { P_TO, P_JOB };
static const char *const cfg_proxy_keys[] = {"to", "job"};

/*
 * A prefix is a path as a browser sends it: '/', then RFC 3986 path
 * characters (unreserved, %, sub-delims, ':', '@', '/'). Not under
 * /__tend/, whose endpoints are tend's own (live reload needs them).
 */
int
cfg_check_proxy_prefix(const char *p, struct cfg_err *err)
{
	static const char ok[] = "abcdefghijklmnopqrstuvwxyz"
	                         "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	                         "-._~%!$&'()*+,;=:@/";

	if (p == NULL || p[0] != '/' || strspn(p, ok) != strlen(p))
		return cfg_errf(err,
		    "expected a path prefix: '/', then letters, digits and "
		    "-._~%%!$&'()*+,;=:@/ (as a browser sends a path), got "
		    "\"%.80s\"",
		    p != NULL ? p : "");
	if (strcmp(p, "/__tend") == 0 || strncmp(p, "/__tend/", 8) == 0)
		return cfg_errf(err,
		    "\"%.80s\" is under /__tend/, whose paths are tend's "
		    "own (live reload, status)",
		    p);
	return 0;
}

/* HOST:PORT as for serve.http, but a port to connect to: not 0. */
int
cfg_check_upstream(const char *addr, struct cfg_err *err)
{
	char host[64];
	unsigned port;

	if (addr == NULL ||
	    cfg_split_hostport(addr, host, sizeof(host), &port) < 0 ||
	    port == 0)
		return cfg_errf(err,
		    "expected \"HOST:PORT\" with an IPv4 address, localhost "
		    "or [IPv6] and a port from 1 to 65535, got \"%.80s\"",
		    addr != NULL ? addr : "");
	return 0;
}

static int
cfg_serve_add_proxy(
    struct cfg_serve *s, const char *prefix, const char *to, const char *job)
{
	struct cfg_proxy *v, *p;

	if ((v = realloc(s->s_proxy, (s->s_nproxy + 1) * sizeof(*v))) == NULL)
		return -1;
	s->s_proxy = v;
	p = &v[s->s_nproxy];
	p->p_prefix = strdup(prefix);
	p->p_to = strdup(to);
	p->p_job = job != NULL ? strdup(job) : NULL;
	if (p->p_prefix == NULL || p->p_to == NULL ||
	    (job != NULL && p->p_job == NULL)) {
		free(p->p_prefix);
		free(p->p_to);
		free(p->p_job);
		return -1;
	}
	s->s_nproxy++;
	return 0;
}

int
cfg_add_proxy(
    struct cfg *c, const char *prefix, const char *to, const char *job)
{
	return cfg_serve_add_proxy(&c->c_serve, prefix, to, job);
}

void
cfg_proxy_free(struct cfg_serve *s)
{
	for (size_t i = 0; i < s->s_nproxy; i++) {
		free(s->s_proxy[i].p_prefix);
		free(s->s_proxy[i].p_to);
		free(s->s_proxy[i].p_job);
	}
	free(s->s_proxy);
	s->s_proxy = NULL;
	s->s_nproxy = 0;
}

static int
cfg_get_upstream(const cJSON *v, const char **out, struct cfg_err *err)
{
	char got[80];

	if (!cJSON_IsString(v)) {
		cfg_json_desc(v, got, sizeof(got));
		return cfg_errf(err,
		    "expected \"HOST:PORT\" (an IPv4 address, localhost or "
		    "[IPv6] and a port from 1 to 65535), got %s",
		    got);
	}
	if (cfg_check_upstream(v->valuestring, err) < 0)
		return -1;
	*out = v->valuestring;
	return 0;
}

/* {"to": "HOST:PORT", "job": "name" or null}. */
static int
cfg_load_route(
    const cJSON *obj, const char **to, const char **job, struct cfg_err *err)
{
	unsigned char *rep;
	const cJSON *it;
	size_t mark, i = 0;
	bool seen_to = false, bad = false;
	char got[80];
	int key;

	if (cfg_get_object(obj, &rep, err) < 0)
		return -1;
	cJSON_ArrayForEach(it, obj)
	{
		if (cfg_repeat(rep, i++) ||
		    (key = cfg_key_index(it, cfg_proxy_keys,
		         CFG_NELEM(cfg_proxy_keys), err)) < 0) {
			bad = true;
			continue;
		}
		mark = cfg_path_push(err, it->string);
		if (key == P_TO) {
			seen_to = true;
			bad |= cfg_get_upstream(it, to, err) < 0;
		} else if (cJSON_IsNull(it)) {
			*job = NULL;
		} else if (!cJSON_IsString(it) ||
		    !cfg_job_name_ok(it->valuestring)) {
			cfg_json_desc(it, got, sizeof(got));
			cfg_errf(err,
			    "expected the name of a service (1 to %d letters, "
			    "digits, '_', '.' or '-') or null, got %s",
			    CFG_MAX_JOB_NAME, got);
			bad = true;
		} else {
			*job = it->valuestring;
		}
		cfg_path_pop(err, mark);
	}
	free(rep);
	if (!seen_to && !bad)
		return cfg_errf(
		    err, "needs \"to\": the HOST:PORT of the server behind");
	return bad || !seen_to ? -1 : 0;
}

/* serve.proxy: every member is read, each wrong one a mistake. */
int
cfg_load_proxy(const cJSON *obj, struct cfg_serve *s, struct cfg_err *err)
{
	unsigned char *rep;
	const cJSON *it;
	size_t mark, i = 0;
	int rc = 0;

	if (cfg_get_object(obj, &rep, err) < 0)
		return -1;
	cfg_proxy_free(s);
	cJSON_ArrayForEach(it, obj)
	{
		const char *to = NULL, *job = NULL;
		int bad;

		if (cfg_repeat(rep, i++))
			continue;
		mark = cfg_path_push(err, it->string);
		bad = cfg_check_proxy_prefix(it->string, err) < 0;
		if (cJSON_IsObject(it))
			bad |= cfg_load_route(it, &to, &job, err) < 0;
		else
			bad |= cfg_get_upstream(it, &to, err) < 0;
		if (!bad && cfg_serve_add_proxy(s, it->string, to, job) < 0)
			bad = cfg_errf(err, "out of memory");
		rc |= bad;
		cfg_path_pop(err, mark);
	}
	free(rep);
	return rc ? -1 : 0;
}
