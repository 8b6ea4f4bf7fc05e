/* SPDX-License-Identifier: ISC */
/*
 * supervisor/jobs/ready.c
 * The life cycle of a job's readiness probe: prepare, start, conclude
 * once, hand the result to the caller from the loop, stop. Also the
 * deadline, and the two probes that need no socket: a file that appears
 * (stat every r_interval) and an output line that matches (ready_line).
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ev.h>

#include "job.h"
#include "ready.h"

/* output.c cuts longer lines into pieces of OUTPUT_LINE_MAX. */
#define READY_LINE_MAX OUTPUT_LINE_MAX

#define JOB_OF(w, member) \
	((struct job *)((char *)w - offsetof(struct job, j_probe.member)))

static struct ev_loop *
ready_loop(const struct job *j)
{
	return j->j_env != NULL ? j->j_env->loop : NULL;
}

/* (Re)arm the tick: the next attempt, or the current attempt's limit. */
void
ready_tick(struct job *j, double after, double repeat)
{
	struct ev_loop *loop = ready_loop(j);

	ev_timer_stop(loop, &j->j_probe.rp_tick);
	ev_timer_set(&j->j_probe.rp_tick, after, repeat);
	ev_timer_start(loop, &j->j_probe.rp_tick);
}

/*
 * Everything a running probe holds, except the result timer. keep_notify:
 * the socket made by ready_prepare for the run that is starting now.
 */
static void
ready_release(struct job *j, bool keep_notify)
{
	struct ready_probe *p = &j->j_probe;
	struct ev_loop *loop = ready_loop(j);

	/* Stopping a zeroed watcher is a no-op in libev. */
	if (loop != NULL) {
		ev_timer_stop(loop, &p->rp_deadline);
		ev_timer_stop(loop, &p->rp_tick);
	}
	ready_net_close(j);
	free(p->rp_req);
	p->rp_req = NULL;
	free(p->rp_path);
	p->rp_path = NULL;
	if (p->rp_has_re) {
		regfree(&p->rp_re);
		p->rp_has_re = false;
	}
	if (!keep_notify)
		ready_notify_close(j);
}

static void
on_result(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct job *j = JOB_OF(w, rp_result);
	struct ready_probe *p = &j->j_probe;
	char why[sizeof(p->rp_why)];
	ready_fn fn = p->rp_fn;

	(void)revents;
	ev_timer_stop(loop, w);
	/* fn may call ready_stop or ready_start: leave nothing to trip on. */
	memcpy(why, p->rp_why, sizeof(why));
	p->rp_fn = NULL;
	p->rp_started = false;
	p->rp_phase = RP_IDLE;
	if (fn != NULL)
		fn(j, p->rp_ok, why);
}

/*
 * The probe's conclusion. Resources go at once (a notify socket closes,
 * so a later sd_notify gets ECONNREFUSED instead of filling a queue no
 * one reads); the result reaches fn from the loop, so that callers of
 * ready_line or ready_start never see fn run inside their own call.
 */
void
ready_done(struct job *j, bool ok, const char *fmt, ...)
{
	struct ready_probe *p = &j->j_probe;
	char why[sizeof(p->rp_why)];
	va_list ap;

	if (!p->rp_started || p->rp_phase == RP_DONE)
		return;
	/* Formatted aside first: an argument may be p->rp_why itself. */
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	ready_release(j, false);
	memcpy(p->rp_why, why, sizeof(why));
	p->rp_ok = ok;
	p->rp_phase = RP_DONE;
	ev_timer_set(&p->rp_result, 0., 0.);
	ev_timer_start(ready_loop(j), &p->rp_result);
}

static void
on_deadline(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct job *j = JOB_OF(w, rp_deadline);
	struct ready_probe *p = &j->j_probe;
	double t = j->j_cfg->j_ready.r_timeout;

	(void)loop;
	(void)revents;
	if (p->rp_why[0] != '\0')
		ready_done(j, false, "not ready after %g s: %s", t, p->rp_why);
	else
		ready_done(j, false, "not ready after %g s", t);
}

static void
ready_file_check(struct job *j)
{
	struct ready_probe *p = &j->j_probe;
	const char *target = j->j_cfg->j_ready.r_target;
	struct stat st;

	if (stat(p->rp_path, &st) == 0)
		ready_done(j, true, "file %s exists", target);
	else
		snprintf(p->rp_why, sizeof(p->rp_why), "file %s: %s", target,
		    strerror(errno));
}

static void
on_tick(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct job *j = JOB_OF(w, rp_tick);

	(void)loop;
	(void)revents;
	if (j->j_cfg->j_ready.r_kind == READY_FILE)
		ready_file_check(j);
	else
		ready_net_attempt(j);
}

/* Relative to the job's cwd, as the job itself would name the file. */
static int
ready_file_start(struct job *j)
{
	const char *t = j->j_cfg->j_ready.r_target, *cwd = j->j_cfg->j_cwd;
	struct ready_probe *p = &j->j_probe;

	if (t[0] == '/' || cwd == NULL)
		p->rp_path = strdup(t);
	else if (asprintf(&p->rp_path, "%s/%s", cwd, t) < 0)
		p->rp_path = NULL;
	if (p->rp_path == NULL) {
		ready_done(j, false, "file %s: out of memory", t);
		return -1;
	}
	return 0;
}

static void
ready_log_start(struct job *j)
{
	const char *re = j->j_cfg->j_ready.r_target;
	struct ready_probe *p = &j->j_probe;
	char why[128];
	int rc;

	/* config/ checked it; a failure here is only out of memory. */
	rc = regcomp(&p->rp_re, re, REG_EXTENDED | REG_NOSUB);
	if (rc != 0) {
		regerror(rc, &p->rp_re, why, sizeof(why));
		ready_done(j, false, "log pattern \"%s\": %s", re, why);
		return;
	}
	p->rp_has_re = true;
}

const char *
ready_prepare(struct job *j)
{
	struct ready_probe *p = &j->j_probe;

	ready_stop(j);
	if (j->j_cfg->j_ready.r_kind != READY_NOTIFY)
		return NULL;
	if (ready_notify_open(j) < 0) {
		p->rp_prepare_failed = true; /* ready_start reports it */
		return NULL;
	}
	return p->rp_env;
}

void
ready_start(struct job *j, ready_fn fn)
{
	const struct cfg_ready *r = &j->j_cfg->j_ready;
	struct ready_probe *p = &j->j_probe;
	struct ev_loop *loop = ready_loop(j);

	if (r->r_kind == READY_NONE)
		return;
	/* Whatever an earlier start left; the notify socket is this run's. */
	ready_release(j, true);
	ev_timer_stop(loop, &p->rp_result);
	p->rp_fn = fn;
	p->rp_started = true;
	p->rp_phase = RP_WAIT;
	p->rp_ok = false;
	if (!p->rp_prepare_failed)
		p->rp_why[0] = '\0';
	ev_init(&p->rp_deadline, on_deadline);
	ev_init(&p->rp_tick, on_tick);
	ev_init(&p->rp_result, on_result);
	ev_timer_set(&p->rp_deadline, r->r_timeout, 0.);
	ev_timer_start(loop, &p->rp_deadline);

	switch (r->r_kind) {
	case READY_TCP:
	case READY_HTTP:
		/* First attempt from the loop, not inside the caller. */
		if (ready_net_start(j) == 0)
			ready_tick(j, 0., 0.);
		break;
	case READY_FILE:
		if (ready_file_start(j) == 0)
			ready_tick(j, 0., r->r_interval);
		break;
	case READY_LOG:
		ready_log_start(j);
		break;
	case READY_NOTIFY:
		if (p->rp_has_nfd)
			ready_notify_start(j);
		else if (p->rp_prepare_failed)
			ready_done(j, false, "%s", p->rp_why);
		else
			ready_done(j, false,
			    "no notify socket (ready_prepare was not called)");
		break;
	case READY_NONE:
		break;
	}
}

/* Index of the last byte of the escape sequence that starts at line[i]. */
static size_t
ready_skip_escape(const char *line, size_t len, size_t i)
{
	if (i + 1 >= len)
		return i;
	if (line[i + 1] != '[')
		return i + 1;
	/* CSI: parameters, then one final byte from '@' to '~'. */
	for (i += 2; i < len; i++)
		if (line[i] >= '@' && line[i] <= '~')
			return i;
	return len - 1;
}

/*
 * A pattern is written against the text a person sees: colours (many
 * dev servers force them) and a CRLF's '\r' are left out before matching.
 */
void
ready_line(struct job *j, const char *line, size_t len)
{
	struct ready_probe *p = &j->j_probe;
	char buf[READY_LINE_MAX + 1];
	size_t i, n = 0;

	if (!p->rp_has_re || p->rp_phase == RP_DONE)
		return;
	for (i = 0; i < len && n < READY_LINE_MAX; i++) {
		if (line[i] == '\033')
			i = ready_skip_escape(line, len, i);
		else if (line[i] != '\r' && line[i] != '\0')
			buf[n++] = line[i];
	}
	buf[n] = '\0';
	if (regexec(&p->rp_re, buf, 0, NULL, 0) == 0)
		ready_done(j, true, "log line matches \"%s\"",
		    j->j_cfg->j_ready.r_target);
}

void
ready_stop(struct job *j)
{
	struct ready_probe *p = &j->j_probe;
	struct ev_loop *loop = ready_loop(j);

	ready_release(j, false);
	if (loop != NULL)
		ev_timer_stop(loop, &p->rp_result);
	p->rp_fn = NULL;
	p->rp_started = false;
	p->rp_phase = RP_IDLE;
	p->rp_prepare_failed = false;
	p->rp_why[0] = '\0';
	p->rp_env[0] = '\0';
}
