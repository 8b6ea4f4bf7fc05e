/* SPDX-License-Identifier: ISC */
/*
 * config/load_ready.c
 * A job's "ready" object: which probe says the job is ready for its
 * dependants ("tcp", "http", "file", "log" or "notify", exactly one) and
 * how long and how often to try. The same target checks serve the loader
 * and cfg_validate, so a file and the command line get the same messages.
 * Probing itself is the supervisor's (supervisor/ready.c).
 */
#include <sys/types.h>

#include <limits.h>
#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "cfg_int.h"

const char *const cfg_ready_names[6] = {
    "none", "tcp", "http", "file", "log", "notify"};

/* Keys of a "ready" object; the probes first, in enum cfg_ready_kind order. */
enum { RK_TCP, RK_HTTP, RK_FILE, RK_LOG, RK_NOTIFY, RK_TIMEOUT, RK_INTERVAL };
static const char *const cfg_ready_keys[] = {
    "tcp", "http", "file", "log", "notify", "timeout", "interval"};

#define CFG_PROBES "\"tcp\", \"http\", \"file\", \"log\", \"notify\""

/* A connect needs a real port: 0 only makes sense when listening. */
static int
cfg_check_tcp(const char *s, struct cfg_err *err)
{
	char host[64];
	unsigned port;

	if (cfg_split_hostport(s, host, sizeof(host), &port) < 0 || port == 0)
		return cfg_errf(err,
		    "expected \"HOST:PORT\" with an IPv4 address, localhost "
		    "or [IPv6] and a port from 1 to 65535, got \"%.80s\"",
		    s);
	return 0;
}

/*
 * "http://HOST[:PORT][/PATH]". HOST is what cfg_split_hostport accepts,
 * because the probe never resolves names (a DNS lookup would block the
 * loop). cfg_split_http_url splits it, here and in the probe.
 */
static int
cfg_check_http(const char *url, struct cfg_err *err)
{
	char auth[80], host[64];
	const char *p, *path;
	unsigned port;

	if (strncasecmp(url, "https://", 8) == 0)
		return cfg_errf(err,
		    "https is not supported (the probe speaks plain "
		    "HTTP/1.0); use an http:// URL, got \"%.80s\"",
		    url);
	if (strncmp(url, "http://", 7) != 0)
		return cfg_errf(err,
		    "expected a URL \"http://HOST[:PORT][/PATH]\", got "
		    "\"%.80s\"",
		    url);
	/* The URL goes into a request line: no spaces, no CR or LF. */
	for (p = url; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return cfg_errf(err,
			    "expected a URL without spaces or control "
			    "characters, got \"%.80s\"",
			    url);
	if (cfg_split_http_url(url, auth, sizeof(auth), host, sizeof(host),
	        &port, &path) == 0 &&
	    port != 0)
		return 0;
	return cfg_errf(err,
	    "expected \"http://HOST[:PORT][/PATH]\" with an IPv4 address, "
	    "localhost or [IPv6] as HOST and a port from 1 to 65535, got "
	    "\"%.80s\"",
	    url);
}

#define CFG_LOG_RE_MAX 256

/*
 * A repetition applied to a repetition ("a++", "a*{2}") is undefined in
 * POSIX EREs, and glibc's regcomp answers a run of them with memory that
 * grows exponentially (found by fuzz/fuzz_config.c). Nobody needs one.
 */
static bool
cfg_stacked_repetition(const char *re)
{
	bool after_rep = false;

	for (const char *p = re; *p != '\0'; p++) {
		if (*p == '\\' && p[1] != '\0') {
			p++;
			after_rep = false;
			continue;
		}
		bool rep = *p == '*' || *p == '+' || *p == '?' || *p == '{';
		if (rep && after_rep)
			return true;
		if (*p == '{') {
			while (*p != '\0' && *p != '}')
				p++;
			if (*p == '\0')
				return false; /* regcomp reports it */
		}
		after_rep = rep;
	}
	return false;
}

#define CFG_LOG_RE_COST 4096

/*
 * glibc's regcomp copies a bounded repetition's operand once per count
 * ("(a{1,200}){1,200}" is 40,000 copies), so estimate the copies and
 * refuse a pattern that would cost more than CFG_LOG_RE_COST: the size of
 * each group times the largest count of the repetitions applied to it.
 */
static unsigned long
cfg_regex_cost(const char *re)
{
	unsigned long stack[32], cur = 0, last = 1, total;
	int depth = 0;

	for (const char *p = re; *p != '\0'; p++) {
		unsigned long n = 1, m;
		switch (*p) {
		case '\\':
			if (p[1] != '\0')
				p++;
			last = 1;
			cur += 1;
			break;
		case '(':
			if (depth == 32)
				return ULONG_MAX;
			stack[depth++] = cur;
			cur = 0;
			break;
		case ')':
			if (depth == 0)
				return cur; /* regcomp reports it */
			last = cur ? cur : 1;
			cur = stack[--depth] + last;
			break;
		case '+':
			n = 2; /* E+ is E E* */
			/* FALLTHROUGH */
		case '*':
		case '?':
			cur += last * (n - 1);
			break;
		case '{':
			m = strtoul(p + 1, (char **)&p, 10);
			if (*p == ',' && p[1] != '}')
				m = strtoul(p + 1, (char **)&p, 10);
			else if (*p == ',')
				m += 1, p++;
			if (m > CFG_LOG_RE_COST)
				return ULONG_MAX;
			if (m > 0)
				cur += last * (m - 1);
			if (cur > CFG_LOG_RE_COST)
				return cur;
			if (*p != '}')
				return cur; /* regcomp reports it */
			break;
		case '[':
			/* A bracket expression is one atom; "[]...]" and
			 * "[^]...]" */
			p++;
			if (*p == '^')
				p++;
			if (*p == ']')
				p++;
			while (*p != '\0' && *p != ']')
				p++;
			if (*p == '\0')
				return cur;
			last = 1;
			cur += 1;
			break;
		default:
			last = 1;
			cur += 1;
			break;
		}
		if (cur > CFG_LOG_RE_COST)
			return cur;
	}
	total = cur;
	while (depth > 0)
		total += stack[--depth];
	return total;
}

/* Compiled here only to be checked; the supervisor compiles its own. */
static int
cfg_check_log(const char *re, struct cfg_err *err)
{
	char why[128];
	regex_t rx;
	int rc;

	if (strlen(re) > CFG_LOG_RE_MAX)
		return cfg_errf(err,
		    "expected a regular expression of at most %d bytes, got "
		    "%zu",
		    CFG_LOG_RE_MAX, strlen(re));
	if (cfg_stacked_repetition(re))
		return cfg_errf(err,
		    "invalid regular expression \"%.80s\": a repetition "
		    "operator follows another",
		    re);
	if (cfg_regex_cost(re) > CFG_LOG_RE_COST)
		return cfg_errf(err,
		    "invalid regular expression \"%.80s\": its repetitions "
		    "are too large (the pattern would expand to over %d "
		    "parts)",
		    re, CFG_LOG_RE_COST);
	if ((rc = regcomp(&rx, re, REG_EXTENDED | REG_NOSUB)) != 0) {
		regerror(rc, &rx, why, sizeof(why));
		return cfg_errf(
		    err, "invalid regular expression \"%.80s\": %s", re, why);
	}
	regfree(&rx);
	return 0;
}

/* The target of a probe that has one, at the current path. */
static int
cfg_check_target(enum cfg_ready_kind kind, const char *s, struct cfg_err *err)
{
	if (s == NULL || s[0] == '\0')
		return cfg_errf(err, "expected a non-empty string");
	switch (kind) {
	case READY_TCP:
		return cfg_check_tcp(s, err);
	case READY_HTTP:
		return cfg_check_http(s, err);
	case READY_LOG:
		return cfg_check_log(s, err);
	default:
		return 0;
	}
}

/* Probe timing must move forward: 0 would time out at once or spin. */
static int
cfg_check_positive(double d, struct cfg_err *err)
{
	if (d > 0 && d <= CFG_MAX_SECONDS)
		return 0;
	return cfg_errf(err,
	    "expected a number of seconds > 0 and <= 1000000000, got %g", d);
}

static int
cfg_load_probe(
    const cJSON *v, enum cfg_ready_kind kind, char **out, struct cfg_err *err)
{
	char got[80];

	if (kind == READY_NOTIFY) {
		if (cJSON_IsTrue(v))
			return 0;
		cfg_json_desc(v, got, sizeof(got));
		return cfg_errf(err, "expected true, got %s", got);
	}
	if (!cJSON_IsString(v)) {
		cfg_json_desc(v, got, sizeof(got));
		return cfg_errf(
		    err, "expected a non-empty string, got %s", got);
	}
	if (cfg_check_target(kind, v->valuestring, err) < 0)
		return -1;
	free(*out);
	if ((*out = strdup(v->valuestring)) == NULL)
		return cfg_errf(err, "out of memory");
	return 0;
}

/* Not cfg_get_seconds: its "expected >= 0" would mislead about 0. */
static int
cfg_load_timing(const cJSON *v, double *out, struct cfg_err *err)
{
	char got[80];

	if (!cJSON_IsNumber(v) ||
	    !(v->valuedouble > 0 && v->valuedouble <= CFG_MAX_SECONDS)) {
		cfg_json_desc(v, got, sizeof(got));
		return cfg_errf(err,
		    "expected a number of seconds > 0 and <= 1000000000, got "
		    "%s",
		    got);
	}
	*out = v->valuedouble;
	return 0;
}

/*
 * err->e_at ends in "ready". null is "no probe", which is also how
 * cfg_to_json prints READY_NONE. Everything read lands in r at once, so
 * that cfg_free releases it when a later key is wrong. Each wrong member
 * is a mistake of its own.
 */
int
cfg_load_ready(const cJSON *v, struct cfg_ready *r, struct cfg_err *err)
{
	const char *probe = NULL;
	bool misspelt = false;
	unsigned char *rep;
	const cJSON *it;
	char got[80];
	size_t mark, i = 0;
	int key, rc = 0;

	if (cJSON_IsNull(v)) {
		free(r->r_target);
		r->r_target = NULL;
		r->r_kind = READY_NONE;
		return 0;
	}
	if (!cJSON_IsObject(v)) {
		cfg_json_desc(v, got, sizeof(got));
		return cfg_errf(err,
		    "expected an object with one of " CFG_PROBES
		    ", or null, got %s",
		    got);
	}
	if (cfg_get_object(v, &rep, err) < 0)
		return -1;
	cJSON_ArrayForEach(it, v)
	{
		if (cfg_repeat(rep, i++))
			continue;
		if ((key = cfg_key_index(it, cfg_ready_keys,
		         CFG_NELEM(cfg_ready_keys), err)) < 0) {
			const char *near = cfg_suggest(it->string,
			    cfg_ready_keys, CFG_NELEM(cfg_ready_keys));
			/* "tpc": the hint is the message; no "got none". */
			for (int k = RK_TCP; k <= RK_NOTIFY; k++)
				misspelt |= near == cfg_ready_keys[k];
			rc = -1;
			continue;
		}
		/* A second probe is reported where both are visible. */
		if (key <= RK_NOTIFY && probe != NULL) {
			rc = cfg_errf(err,
			    "expected exactly one of " CFG_PROBES
			    ", got both \"%s\" and \"%s\"",
			    probe, it->string);
			continue;
		}
		mark = cfg_path_push(err, it->string);
		if (key == RK_TIMEOUT) {
			if (cfg_load_timing(it, &r->r_timeout, err) < 0)
				rc = -1;
		} else if (key == RK_INTERVAL) {
			if (cfg_load_timing(it, &r->r_interval, err) < 0)
				rc = -1;
		} else {
			probe = it->string;
			r->r_kind = (enum cfg_ready_kind)(key + READY_TCP);
			if (cfg_load_probe(it, r->r_kind, &r->r_target, err) <
			    0)
				rc = -1;
		}
		cfg_path_pop(err, mark);
	}
	free(rep);
	if (probe == NULL && !misspelt)
		rc = cfg_errf(
		    err, "expected exactly one of " CFG_PROBES ", got none");
	return rc;
}

/*
 * The same rules for a struct built in code; err->e_at is "jobs.NAME".
 * Each wrong value is a mistake of its own.
 */
int
cfg_check_ready(const struct cfg_ready *r, struct cfg_err *err)
{
	size_t mark, inner;
	int rc = 0;

	if (r->r_kind == READY_NONE)
		return 0;
	mark = cfg_path_push(err, "ready");
	if ((int)r->r_kind < 0 || r->r_kind > READY_NOTIFY) {
		rc = cfg_errf(err,
		    "expected exactly one of " CFG_PROBES ", got kind %d",
		    (int)r->r_kind);
	} else if (r->r_kind != READY_NOTIFY) {
		inner = cfg_path_push(err, cfg_ready_names[r->r_kind]);
		if (cfg_check_target(r->r_kind, r->r_target, err) < 0)
			rc = -1;
		cfg_path_pop(err, inner);
	}
	inner = cfg_path_push(err, "timeout");
	if (cfg_check_positive(r->r_timeout, err) < 0)
		rc = -1;
	cfg_path_pop(err, inner);
	inner = cfg_path_push(err, "interval");
	if (cfg_check_positive(r->r_interval, err) < 0)
		rc = -1;
	cfg_path_pop(err, inner);
	cfg_path_pop(err, mark);
	return rc;
}
