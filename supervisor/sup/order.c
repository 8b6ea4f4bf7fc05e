/* SPDX-License-Identifier: ISC */
/*
 * supervisor/sup/order.c
 * Services stop after the work that needs them, as docker compose and
 * process-compose stop in reverse dependency order: a service marked to
 * stop (j_stop_wanted: every one at a stop, the changed and removed ones
 * at a reload) gets its stop signal only once no running job that
 * depends on it, directly or not, is left, and, at a stop, once the
 * worker has drained (a request in flight may need the service behind
 * it). Services that wait for nothing stop together. Each gets its
 * signal once (job_signal); the 2nd Ctrl-C hurries: all at once.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "sup.h"

/* Does k need v, directly or through other jobs? seen: njobs flags. */
static bool
needs(const struct job *k, const struct job *v, bool *seen)
{
	if (seen[k->j_idx])
		return false;
	seen[k->j_idx] = true;
	for (size_t i = 0; i < k->j_ndeps; i++)
		if (k->j_deps[i] == v || needs(k->j_deps[i], v, seen))
			return true;
	return false;
}

/* A job that still works and may use v: a task, or a service also stopping. */
static bool
blocks(const struct job *k, const struct job *v, bool *seen, size_t n)
{
	if (k == v || !job_running(k) ||
	    (k->j_cfg->j_kind == JOB_SERVICE && !k->j_stop_wanted))
		return false;
	memset(seen, 0, n * sizeof(*seen));
	return needs(k, v, seen);
}

/* At a stop, the mode's own process (dev's worker) drains first. */
static bool
worker_alive(const struct sup *s)
{
	return sup_stopping(s) && s->mode->busy(s);
}

/* A service that is to stop and has not been sent its signal yet. */
static bool
due(const struct job *v)
{
	return v->j_cfg->j_kind == JOB_SERVICE && v->j_stop_wanted &&
	    job_running(v) && !v->j_stopping;
}

/* v still waits: for a job that needs it, or for the worker's drain. */
static bool
waits(const struct sup *s, const struct job *v, bool *seen)
{
	if (worker_alive(s))
		return true;
	for (size_t i = 0; i < s->njobs; i++)
		if (blocks(s->jobs[i], v, seen, s->njobs))
			return true;
	return false;
}

/*
 * Name what v waits for into buf ("\"seed\", the worker"); returns
 * whether it waits at all.
 */
static bool
waits_for(const struct sup *s, const struct job *v, bool *seen, char *buf,
    size_t size)
{
	size_t len = 0, named = 0, more = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < s->njobs; i++) {
		const struct job *k = s->jobs[i];
		if (!blocks(k, v, seen, s->njobs))
			continue;
		if (named == 3) {
			more++;
			continue;
		}
		len += (size_t)snprintf(buf + len, len < size ? size - len : 0,
		    "%s\"%s\"", named ? ", " : "", k->j_cfg->j_name);
		named++;
	}
	if (more > 0)
		len += (size_t)snprintf(buf + len, len < size ? size - len : 0,
		    " and %zu more", more);
	if (worker_alive(s)) {
		len += (size_t)snprintf(buf + len, len < size ? size - len : 0,
		    "%sthe worker's drain", named ? ", " : "");
		named++;
	}
	return named > 0;
}

static void
stop_one(struct job *v)
{
	log_info("stopping service \"%s\" (%s)", v->j_cfg->j_name,
	    cfg_signal_name(v->j_cfg->j_stop_signal));
	job_signal(v, v->j_cfg->j_stop_signal, true);
}

void
order_advance(struct sup *s)
{
	bool *seen = calloc(s->njobs ? s->njobs : 1, sizeof(*seen));

	for (size_t i = 0; i < s->njobs; i++) {
		struct job *v = s->jobs[i];
		/* Out of memory: stopping out of order beats never stopping. */
		if (due(v) && (seen == NULL || !waits(s, v, seen)))
			stop_one(v);
	}
	free(seen);
}

void
order_hurry(struct sup *s)
{
	for (size_t i = 0; i < s->njobs; i++)
		if (due(s->jobs[i]))
			stop_one(s->jobs[i]);
}

bool
order_stopping(const struct sup *s)
{
	for (size_t i = 0; i < s->njobs; i++) {
		const struct job *v = s->jobs[i];
		if (v->j_cfg->j_kind == JOB_SERVICE && v->j_stop_wanted &&
		    job_running(v))
			return true;
	}
	return false;
}

/*
 * One line for the plan: `stopping "cache", then "db" (waiting for
 * "seed")`, before any signal goes out, so a user sees why a service is
 * still up.
 */
void
order_announce(struct sup *s)
{
	bool *seen = calloc(s->njobs ? s->njobs : 1, sizeof(*seen));
	char line[1024], why[256];
	size_t now = 0, later = 0, len;

	if (seen == NULL)
		return;
	len = (size_t)snprintf(line, sizeof(line), "stopping");
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < s->njobs; i++) {
			const struct job *v = s->jobs[i];
			if (!due(v))
				continue;
			bool waits = waits_for(s, v, seen, why, sizeof(why));
			if (waits != (pass == 1))
				continue;
			if (pass == 0)
				len += (size_t)snprintf(line + len,
				    len < sizeof(line) ? sizeof(line) - len : 0,
				    "%s \"%s\"", now++ ? "," : "",
				    v->j_cfg->j_name);
			else
				len += (size_t)snprintf(line + len,
				    len < sizeof(line) ? sizeof(line) - len : 0,
				    "%s \"%s\" (waiting for %s)",
				    later++   ? ","
				        : now ? ", then"
				              : "",
				    v->j_cfg->j_name, why);
		}
	}
	free(seen);
	if (later > 0)
		log_info("%s", line);
}
