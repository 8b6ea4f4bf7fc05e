/* SPDX-License-Identifier: ISC */
/*
 * config/validate.c
 * Checks on a whole struct cfg, however it was built: addresses, ranges,
 * job names, a job's cwd, duplicates, "after" references, dependency
 * cycles and the services serve.proxy names. The loader checks each value where
 * it reads it (with the same functions where they are shared) and ends with the
 * checks that span jobs, so a config from a file and one from the command line
 * are held to the same rules and the same error paths. Every mistake is
 * reported.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg_int.h"

/* Jobs sorted by name, so that references resolve in O(log n). */
struct cfg_name {
	const char *name;
	size_t idx;
};

struct cfg_graph {
	const struct cfg *c;
	struct cfg_name *byname;
};

static int
cfg_namecmp(const void *a, const void *b)
{
	const struct cfg_name *x = a, *y = b;
	int r = strcmp(x->name, y->name);

	/* Ties in file order, so the second of a duplicate is reported. */
	if (r == 0)
		return x->idx < y->idx ? -1 : x->idx > y->idx;
	return r;
}

static int
cfg_namefind(const void *key, const void *elem)
{
	return strcmp(key, ((const struct cfg_name *)elem)->name);
}

/* Index of the job called name, or -1. */
static long
cfg_lookup(const struct cfg_graph *g, const char *name)
{
	const struct cfg_name *hit;

	hit = bsearch(
	    name, g->byname, g->c->c_njobs, sizeof(*g->byname), cfg_namefind);
	return hit ? (long)hit->idx : -1;
}

static void
cfg_check_addr(
    const char *addr, const char *path, bool nullable, struct cfg_err *err)
{
	char host[64];
	unsigned port;

	if (addr == NULL && nullable)
		return;
	cfg_path_set(err, path);
	if (addr == NULL)
		cfg_errf(err, "missing address");
	else if (cfg_split_hostport(addr, host, sizeof(host), &port) < 0)
		cfg_errf(err,
		    "expected \"HOST:PORT\" with an IPv4 address, localhost or "
		    "[IPv6] and a port from 0 to 65535, got \"%.80s\"",
		    addr);
}

/* At the current path; written so that NaN fails too. */
static int
cfg_check_seconds(double d, struct cfg_err *err)
{
	if (d >= 0 && d <= CFG_MAX_SECONDS)
		return 0;
	return cfg_errf(err, "expected a number of seconds >= 0, got %g", d);
}

static void
cfg_check_top(const struct cfg *c, struct cfg_err *err)
{
	const struct cfg_serve *s = &c->c_serve;

	if (s->s_root == NULL || s->s_root[0] == '\0') {
		cfg_path_set(err, "serve.root");
		cfg_errf(err, "expected a non-empty string");
	}
	cfg_check_addr(s->s_http, "serve.http", false, err);
	cfg_check_addr(s->s_udp, "serve.udp", true, err);
	/* Records only come in on the UDP port: a log without it is a typo. */
	if (s->s_udp_log != NULL && s->s_udp == NULL) {
		cfg_path_set(err, "serve.udp_log");
		cfg_errf(
		    err, "needs serve.udp (the port whose records it logs)");
	}
	cfg_path_set(err, "serve.drain_timeout");
	cfg_check_seconds(s->s_drain_timeout, err);
	for (size_t i = 0; i < s->s_nproxy; i++) {
		const struct cfg_proxy *p = &s->s_proxy[i];
		bool twice = false;

		cfg_path_set(err, "serve.proxy");
		cfg_path_push(err, p->p_prefix != NULL ? p->p_prefix : "");
		for (size_t k = 0; k < i && !twice; k++)
			twice = p->p_prefix != NULL &&
			    strcmp(s->s_proxy[k].p_prefix, p->p_prefix) == 0;
		if (twice)
			cfg_errf(err, "\"%.80s\" is listed twice", p->p_prefix);
		cfg_check_proxy_prefix(p->p_prefix, err);
		cfg_check_upstream(p->p_to, err);
	}
	cfg_path_set(err, "shutdown.grace");
	cfg_check_seconds(c->c_grace, err);
	if (c->c_debounce_ms > CFG_MAX_DEBOUNCE_MS) {
		cfg_path_set(err, "watch.debounce_ms");
		cfg_errf(err,
		    "expected a whole number of milliseconds from 0 to %d, "
		    "got %u",
		    CFG_MAX_DEBOUNCE_MS, c->c_debounce_ms);
	}
	/* 0 is the default (not forced); --poll is checked by the CLI too. */
	if (c->c_poll_ms != 0 &&
	    (c->c_poll_ms < CFG_MIN_POLL_MS ||
	        c->c_poll_ms > CFG_MAX_POLL_MS)) {
		cfg_path_set(err, "watch.poll_ms");
		cfg_errf(err,
		    "expected a whole number of milliseconds from %d to %d, "
		    "got %u",
		    CFG_MIN_POLL_MS, CFG_MAX_POLL_MS, c->c_poll_ms);
	}
	cfg_path_set(err, "");
}

/*
 * A job's working directory, resolved as the job's chdir will resolve it:
 * relative to tend's own working directory. Checked when the config is
 * read, so that a typo is a config mistake and not a job that cannot
 * start ("cannot start /bin/sh: No such file or directory").
 */
int
cfg_check_cwd(const char *cwd, struct cfg_err *err)
{
	struct stat st;

	if (cwd == NULL)
		return 0;
	if (stat(cwd, &st) == -1)
		return cfg_errf(err,
		    "expected an existing directory (relative to where tend "
		    "runs), got \"%.200s\": %s",
		    cwd, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return cfg_errf(err,
		    "expected a directory, got \"%.200s\", which is not one",
		    cwd);
	if (access(cwd, X_OK) == -1)
		return cfg_errf(err,
		    "expected a directory tend may enter, got \"%.200s\": %s",
		    cwd, strerror(errno));
	return 0;
}

/* Checks of one job on its own; err->e_at is "jobs.NAME". */
static void
cfg_check_job(const struct cfg_job *j, struct cfg_err *err)
{
	size_t mark;

	mark = cfg_path_push(err, "cmd");
	if (j->j_argv.n == 0 || j->j_argv.v[0][0] == '\0')
		cfg_errf(err, "expected a non-empty command");
	else if (j->j_shell && j->j_argv.n != 3)
		cfg_errf(err, "expected sh -c CMD for a shell command");
	cfg_path_pop(err, mark);

	mark = cfg_path_push(err, "cwd");
	cfg_check_cwd(j->j_cwd, err);
	cfg_path_pop(err, mark);

	mark = cfg_path_push(err, "stop_signal");
	if (j->j_stop_signal < 1 || j->j_stop_signal > 64)
		cfg_errf(err, "expected a signal number from 1 to 64, got %d",
		    j->j_stop_signal);
	cfg_path_pop(err, mark);

	mark = cfg_path_push(err, "restart");
	if (j->j_kind == JOB_TASK && j->j_restart != RESTART_NEVER)
		cfg_errf(err,
		    "expected \"never\" for a task (only a \"service\" "
		    "restarts), got \"%s\"",
		    cfg_restart_names[j->j_restart]);
	cfg_path_pop(err, mark);

	mark = cfg_path_push(err, "stop_timeout");
	cfg_check_seconds(j->j_stop_timeout, err);
	cfg_path_pop(err, mark);

	mark = cfg_path_push(err, "timeout");
	cfg_check_seconds(j->j_timeout, err);
	cfg_path_pop(err, mark);

	mark = cfg_path_push(err, "restart_limit");
	if (j->j_restart_limit > CFG_MAX_RESTART_LIMIT)
		cfg_errf(err, "expected a whole number from 0 to %d, got %u",
		    CFG_MAX_RESTART_LIMIT, j->j_restart_limit);
	cfg_path_pop(err, mark);
	cfg_check_ready(&j->j_ready, err);
}

/* "after": every name known, not the job itself, not twice. */
static void
cfg_check_after(const struct cfg_graph *g, size_t ji, struct cfg_err *err)
{
	const struct cfg_job *j = &g->c->c_jobs[ji];
	const char **names, *near;
	size_t k, m, mark, i;

	for (k = 0; k < j->j_after.n; k++) {
		const char *dep = j->j_after.v[k];
		bool twice = false;

		mark = cfg_path_push(err, "after");
		cfg_path_index(err, k);
		for (m = 0; m < k && !twice; m++)
			twice = strcmp(j->j_after.v[m], dep) == 0;
		if (strcmp(dep, j->j_name) == 0) {
			cfg_errf(err, "a job cannot come after itself (\"%s\")",
			    dep);
		} else if (twice) {
			cfg_errf(err, "\"%.80s\" is listed twice", dep);
		} else if (cfg_lookup(g, dep) < 0) {
			names = cfg_err_full(err)
			    ? NULL
			    : calloc(g->c->c_njobs + 1, sizeof(*names));
			near = NULL;
			if (names != NULL) {
				for (i = 0; i < g->c->c_njobs; i++)
					names[i] = g->c->c_jobs[i].j_name;
				near = cfg_suggest(dep, names, g->c->c_njobs);
			}
			if (near != NULL)
				cfg_errf(err,
				    "unknown job \"%.80s\"; did you mean "
				    "\"%s\"?",
				    dep, near);
			else
				cfg_errf(err, "unknown job \"%.80s\"", dep);
			free(names);
		}
		cfg_path_pop(err, mark);
	}
}

/* "dependency cycle: a -> b -> a", from stk[k] (= v) to the top. */
static void
cfg_report_cycle(const struct cfg *c, const size_t *stk, size_t k, size_t top,
    size_t v, struct cfg_err *err)
{
	char msg[sizeof(err->e_msg)];
	size_t off;

	off = (size_t)snprintf(msg, sizeof(msg), "dependency cycle: ");
	for (; k < top && off < sizeof(msg); k++)
		off += (size_t)snprintf(msg + off, sizeof(msg) - off, "%s -> ",
		    c->c_jobs[stk[k]].j_name);
	if (off < sizeof(msg))
		snprintf(
		    msg + off, sizeof(msg) - off, "%s", c->c_jobs[v].j_name);
	cfg_path_set(err, "jobs");
	cfg_err_add(err, 0, 0, msg);
}

/*
 * Depth-first search with an explicit stack (a 1 MiB file can hold a
 * chain deep enough to worry a C stack). The stack is the current path,
 * so a grey target closes a cycle that runs from it to the top. Each
 * cycle closed is reported, and the search goes on.
 */
static void
cfg_check_cycles(const struct cfg_graph *g, struct cfg_err *err)
{
	const struct cfg *c = g->c;
	size_t n = c->c_njobs, start, top, k;
	size_t *stk = NULL, *edge = NULL;
	unsigned char *color = NULL;

	if (n == 0)
		return;
	stk = calloc(n, sizeof(*stk));
	edge = calloc(n, sizeof(*edge));
	color = calloc(n, 1);
	if (stk == NULL || edge == NULL || color == NULL) {
		cfg_errf(err, "out of memory");
		goto out;
	}
	for (start = 0; start < n; start++) {
		if (color[start] != 0)
			continue;
		top = 0;
		stk[top++] = start;
		color[start] = 1;
		edge[start] = 0;
		while (top > 0) {
			size_t u = stk[top - 1];
			const struct cfg_job *j = &c->c_jobs[u];
			long v;

			if (edge[u] == j->j_after.n) {
				color[u] = 2;
				top--;
				continue;
			}
			v = cfg_lookup(g, j->j_after.v[edge[u]++]);
			/* After itself: cfg_check_after said so already. */
			if (v < 0 || color[v] == 2 || (size_t)v == u)
				continue;
			if (color[v] == 0) {
				color[v] = 1;
				edge[v] = 0;
				stk[top++] = (size_t)v;
				continue;
			}
			/* Grey: v is on the stack; the cycle is v .. u -> v. */
			for (k = 0; stk[k] != (size_t)v; k++)
				;
			cfg_report_cycle(c, stk, k, top, (size_t)v, err);
		}
	}
out:
	free(stk);
	free(edge);
	free(color);
}

/*
 * serve.proxy's "job" names the service behind the prefix: a job of the
 * file, and a service (a task is not behind anything).
 */
static void
cfg_check_proxy_jobs(const struct cfg *c, struct cfg_err *err)
{
	const struct cfg_job *j;
	const char **names, *near;

	for (size_t i = 0; i < c->c_serve.s_nproxy; i++) {
		const struct cfg_proxy *p = &c->c_serve.s_proxy[i];

		if (p->p_job == NULL)
			continue;
		cfg_path_set(err, "serve.proxy");
		cfg_path_push(err, p->p_prefix);
		cfg_path_push(err, "job");
		if ((j = cfg_find_job(c, p->p_job)) != NULL) {
			if (j->j_kind != JOB_SERVICE)
				cfg_errf(err,
				    "\"%s\" is a task; a proxy's job is the "
				    "service behind it (\"kind\": \"service\")",
				    p->p_job);
			continue;
		}
		names = cfg_err_full(err)
		    ? NULL
		    : calloc(c->c_njobs + 1, sizeof(*names));
		near = NULL;
		if (names != NULL) {
			for (size_t k = 0; k < c->c_njobs; k++)
				names[k] = c->c_jobs[k].j_name;
			near = cfg_suggest(p->p_job, names, c->c_njobs);
		}
		if (near != NULL)
			cfg_errf(err,
			    "unknown job \"%.80s\"; did you mean \"%s\"?",
			    p->p_job, near);
		else
			cfg_errf(err, "unknown job \"%.80s\"", p->p_job);
		free(names);
	}
	cfg_path_set(err, "");
}

void
cfg_validate_into(const struct cfg *c, bool fields, struct cfg_err *err)
{
	struct cfg_graph g = {c, NULL};
	size_t i, mark;

	cfg_path_set(err, "");
	if (fields)
		cfg_check_top(c, err);
	cfg_check_proxy_jobs(c, err);
	if (c->c_njobs == 0)
		return;
	if ((g.byname = calloc(c->c_njobs, sizeof(*g.byname))) == NULL) {
		cfg_errf(err, "out of memory");
		return;
	}

	cfg_path_set(err, "jobs");
	for (i = 0; i < c->c_njobs; i++) {
		const char *name = c->c_jobs[i].j_name;

		/* The loader reported a wrong name where it read it. */
		if (fields && !cfg_job_name_ok(name))
			cfg_errf(err,
			    "invalid job name \"%.80s\": expected 1 to %d "
			    "letters, digits, '_', '.' or '-'",
			    name ? name : "", CFG_MAX_JOB_NAME);
		g.byname[i].name = name ? name : "";
		g.byname[i].idx = i;
	}
	qsort(g.byname, c->c_njobs, sizeof(*g.byname), cfg_namecmp);
	for (i = 1; i < c->c_njobs; i++)
		if (strcmp(g.byname[i - 1].name, g.byname[i].name) == 0)
			cfg_errf(err, "duplicate job \"%s\"", g.byname[i].name);
	for (i = 0; i < c->c_njobs; i++) {
		const char *name = c->c_jobs[i].j_name;

		mark = cfg_path_push(err, name ? name : "");
		if (fields)
			cfg_check_job(&c->c_jobs[i], err);
		cfg_check_after(&g, i, err);
		cfg_path_pop(err, mark);
	}
	cfg_check_cycles(&g, err);
	cfg_path_set(err, "");
	free(g.byname);
}

int
cfg_validate(const struct cfg *c, struct cfg_err *err)
{
	cfg_err_clear(err, c->c_file ? c->c_file : "command line");
	cfg_validate_into(c, true, err);
	return err->e_count > 0 ? -1 : 0;
}
