/* SPDX-License-Identifier: ISC */
/*
 * config/getters.c
 * Typed reads of one JSON value, each checking the type, the range and
 * the spelling, and on failure writing "expected X, got Y" at the path the
 * caller has pushed. Numbers come from valuedouble: valueint saturates.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cfg_int.h"

#define CFG_DESC 80

static int
cfg_expected(struct cfg_err *err, const char *what, const cJSON *v)
{
	char got[CFG_DESC];

	cfg_json_desc(v, got, sizeof(got));
	return cfg_errf(err, "expected %s, got %s", what, got);
}

/*
 * An object; keys that repeat are reported (each once) and marked in
 * *repeats for the caller to skip, so that the rest is still checked.
 */
int
cfg_get_object(const cJSON *v, unsigned char **repeats, struct cfg_err *err)
{
	*repeats = NULL;
	if (!cJSON_IsObject(v))
		return cfg_expected(err, "an object", v);
	*repeats = cfg_repeats(v, err);
	return 0;
}

/*
 * The index of item's key in keys, or -1 with "unknown key" and either the
 * nearest known key or, when none is near, the whole list.
 */
int
cfg_key_index(const cJSON *item, const char *const *keys, size_t nkeys,
    struct cfg_err *err)
{
	const char *key = item->string ? item->string : "", *near;
	char list[256];
	size_t i, off = 0;

	for (i = 0; i < nkeys; i++)
		if (strcmp(key, keys[i]) == 0)
			return (int)i;
	/* Past the messages kept, only the count matters. */
	if (cfg_err_full(err))
		return cfg_errf(err, "unknown key");
	if ((near = cfg_suggest(key, keys, nkeys)) != NULL)
		return cfg_errf(err,
		    "unknown key \"%.200s\"; did you mean \"%s\"?", key, near);
	list[0] = '\0';
	for (i = 0; i < nkeys && off < sizeof(list); i++)
		off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s",
		    i ? ", " : "", keys[i]);
	return cfg_errf(
	    err, "unknown key \"%.200s\" (known keys: %s)", key, list);
}

static int
cfg_dup(const char *s, char **out, struct cfg_err *err)
{
	char *dup;

	if ((dup = strdup(s)) == NULL)
		return cfg_errf(err, "out of memory");
	free(*out);
	*out = dup;
	return 0;
}

/* A non-empty string, copied to *out; null gives NULL when nullable. */
int
cfg_get_string(const cJSON *v, bool nullable, char **out, struct cfg_err *err)
{
	if (nullable && cJSON_IsNull(v)) {
		free(*out);
		*out = NULL;
		return 0;
	}
	if (!cJSON_IsString(v) || v->valuestring[0] == '\0')
		return cfg_expected(err,
		    nullable ? "a non-empty string or null"
		             : "a non-empty string",
		    v);
	return cfg_dup(v->valuestring, out, err);
}

/* An array of non-empty strings, replacing *out. */
int
cfg_get_strv(const cJSON *v, struct cfg_strv *out, struct cfg_err *err)
{
	const cJSON *it;
	size_t i = 0, mark;

	if (!cJSON_IsArray(v))
		return cfg_expected(err, "an array of strings", v);
	cfg_strv_free(out);
	cJSON_ArrayForEach(it, v)
	{
		mark = cfg_path_index(err, i++);
		if (!cJSON_IsString(it) || it->valuestring[0] == '\0')
			return cfg_expected(err, "a non-empty string", it);
		if (cfg_strv_push(out, it->valuestring) < 0)
			return cfg_errf(err, "out of memory");
		cfg_path_pop(err, mark);
	}
	return 0;
}

int
cfg_get_bool(const cJSON *v, bool *out, struct cfg_err *err)
{
	if (!cJSON_IsBool(v))
		return cfg_expected(err, "true or false", v);
	*out = cJSON_IsTrue(v);
	return 0;
}

/* A duration: finite, >= 0, within CFG_MAX_SECONDS. */
int
cfg_get_seconds(const cJSON *v, double *out, struct cfg_err *err)
{
	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) ||
	    v->valuedouble < 0)
		return cfg_expected(err, "a number of seconds >= 0", v);
	if (v->valuedouble > CFG_MAX_SECONDS)
		return cfg_expected(
		    err, "a number of seconds <= 1000000000", v);
	*out = v->valuedouble;
	return 0;
}

/*
 * serve.hosts: names a Host header may carry ("dev.example", "*.example")
 * or "*". Host syntax only (RFC 3986 reg-name), no port: the port is
 * never compared.
 */
int
cfg_get_hosts(const cJSON *v, struct cfg_strv *out, struct cfg_err *err)
{
	if (cfg_get_strv(v, out, err) < 0)
		return -1;
	for (size_t i = 0; i < out->n; i++) {
		const char *h = out->v[i];
		if (strcmp(h, "*") == 0)
			continue;
		if (strncmp(h, "*.", 2) == 0)
			h += 2;
		if (h[0] == '\0' ||
		    strspn(h,
		        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		        "0123456789-._~") != strlen(h)) {
			cfg_path_index(err, i);
			return cfg_errf(err,
			    "expected a host name (\"dev.example\", "
			    "\"*.example\") or \"*\", got \"%s\"",
			    out->v[i]);
		}
	}
	return 0;
}

/* serve.hold_during_build: seconds > 0, true (the default cap), or false. */
int
cfg_get_hold(const cJSON *v, double *out, struct cfg_err *err)
{
	if (cJSON_IsBool(v)) {
		*out = cJSON_IsTrue(v) ? CFG_HOLD_DEFAULT : 0;
		return 0;
	}
	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) ||
	    v->valuedouble <= 0 || v->valuedouble > CFG_MAX_SECONDS)
		return cfg_expected(
		    err, "a number of seconds > 0, true or false", v);
	*out = v->valuedouble;
	return 0;
}

/* One of names (a string); *out is its index. Suggests the nearest. */
int
cfg_get_enum(const cJSON *v, const char *const *names, size_t n, int *out,
    struct cfg_err *err)
{
	char what[160], got[CFG_DESC];
	const char *near = NULL;
	size_t i, off = 0;

	if (cJSON_IsString(v)) {
		for (i = 0; i < n; i++) {
			if (strcmp(v->valuestring, names[i]) == 0) {
				*out = (int)i;
				return 0;
			}
		}
		near = cfg_suggest(v->valuestring, names, n);
	}
	for (i = 0; i < n && off < sizeof(what); i++)
		off +=
		    (size_t)snprintf(what + off, sizeof(what) - off, "%s\"%s\"",
		        i == 0           ? ""
		            : i + 1 == n ? " or "
		                         : ", ",
		        names[i]);
	cfg_json_desc(v, got, sizeof(got));
	if (near != NULL)
		return cfg_errf(err,
		    "expected %s, got %s; did you mean \"%s\"?", what, got,
		    near);
	return cfg_errf(err, "expected %s, got %s", what, got);
}

/* "SIGTERM", "TERM", "15" or 15. */
int
cfg_get_signal(const cJSON *v, int *out, struct cfg_err *err)
{
	int sig = -1;
	double d;

	if (cJSON_IsString(v)) {
		sig = cfg_signal_from_name(v->valuestring);
	} else if (cJSON_IsNumber(v)) {
		d = v->valuedouble;
		/* Range first, so the cast is defined; no libm needed. */
		if (d >= 1 && d <= 64 && d == (double)(int)d)
			sig = (int)d;
	}
	if (sig < 0)
		return cfg_expected(err,
		    "a signal name like \"SIGTERM\" or a number from 1 to 64",
		    v);
	*out = sig;
	return 0;
}

/* A listen address "HOST:PORT" that cfg_split_hostport accepts. */
int
cfg_get_addr(const cJSON *v, bool nullable, char **out, struct cfg_err *err)
{
	char host[64];
	unsigned port;

	if (nullable && cJSON_IsNull(v)) {
		free(*out);
		*out = NULL;
		return 0;
	}
	if (!cJSON_IsString(v) ||
	    cfg_split_hostport(v->valuestring, host, sizeof(host), &port) < 0)
		return cfg_expected(err,
		    "\"HOST:PORT\" with an IPv4 address, localhost or [IPv6] "
		    "and a port from 0 to 65535",
		    v);
	return cfg_dup(v->valuestring, out, err);
}

/* A whole number from 0 to max, read from valuedouble (valueint saturates). */
int
cfg_get_uint(const cJSON *v, unsigned max, unsigned *out, struct cfg_err *err)
{
	double d = cJSON_IsNumber(v) ? v->valuedouble : -1;
	char what[64];

	/* Range first, so the cast is defined. */
	if (!(d >= 0 && d <= max) || d != (double)(unsigned)d) {
		snprintf(
		    what, sizeof(what), "a whole number from 0 to %u", max);
		return cfg_expected(err, what, v);
	}
	*out = (unsigned)d;
	return 0;
}
