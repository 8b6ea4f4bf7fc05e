/* SPDX-License-Identifier: ISC */
/*
 * supervisor/dev/reload.c
 * The job table rebuilt by a reload (SIGHUP). A valid
 * new tend.json is applied once no task runs, and nothing new starts
 * meanwhile. Then the services it changes or removes are stopped, in
 * reverse dependency order (sup/order.c), and once they ended the table is
 * swapped: a job whose own configuration did not change keeps its struct
 * (a running service its pid, watchers and readiness, untouched; a task
 * its last result), new and changed jobs get fresh ones. New and changed
 * tasks run once, as at start-up; new and changed services start; runs
 * that were queued stay queued, and one that cannot (its job was removed)
 * is named.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ev.h>

#include "log.h"
#include "dev.h"

/* Still the same job under next: same name, same configuration. */
static bool
unchanged(const struct job *j, const struct cfg *next)
{
	const struct cfg_job *c = cfg_find_job(next, j->j_cfg->j_name);

	return c != NULL && !j->j_stop_wanted && cfg_job_equal(c, j->j_cfg);
}

/* The services next changes or removes are to stop (order.c). */
static void
mark_replaced(struct sup *s, const struct cfg *next)
{
	for (size_t i = 0; i < s->njobs; i++) {
		struct job *j = s->jobs[i];
		if (j->j_cfg->j_kind != JOB_SERVICE || unchanged(j, next))
			continue;
		job_restart_cancel(j);
		j->j_stop_wanted = true;
	}
}

/* Append "name" to a comma-separated list in buf. */
static void
list_add(char *buf, size_t size, const char *name)
{
	size_t len = strlen(buf);

	snprintf(buf + len, len < size ? size - len : 0, "%s\"%s\"",
	    len ? ", " : "", name);
}

/*
 * Old jobs that the new table keeps, by position in old; the others are
 * freed once nothing points at them any more.
 */
static void
build_table(struct dev *d, struct job **old, size_t oldn, bool *kept,
    bool *fresh, char *changed, char *added, size_t size)
{
	struct sup *s = &d->sup;

	s->njobs = s->cfg.c_njobs;
	if ((s->jobs = calloc(s->njobs ? s->njobs : 1, sizeof(*s->jobs))) ==
	    NULL)
		fatal("reload");
	queue_alloc(d);
	for (size_t i = 0; i < s->njobs; i++) {
		const struct cfg_job *c = &s->cfg.c_jobs[i];
		struct job *j = NULL;
		bool known = false;

		for (size_t k = 0; k < oldn && j == NULL && !known; k++) {
			if (strcmp(old[k]->j_cfg->j_name, c->j_name) != 0)
				continue;
			known = true;
			if (!old[k]->j_stop_wanted &&
			    cfg_job_equal(old[k]->j_cfg, c)) {
				j = old[k];
				kept[k] = true;
			}
		}
		if (j != NULL) {
			j->j_cfg = c; /* equal to the one being freed */
			j->j_idx = i;
		} else {
			j = sup_job_new(s, c, i);
			fresh[i] = true;
			list_add(known ? changed : added, size, c->j_name);
		}
		s->jobs[i] = j;
	}
	for (size_t i = 0; i < s->njobs; i++)
		sup_resolve_deps(s, s->jobs[i]);
}

/* Runs queued before the reload stay queued, when their job stays. */
static void
carry_queue(struct dev *d, struct job **old, const size_t *oldq, size_t oldnq,
    const bool *kept)
{
	for (size_t q = 0; q < oldnq; q++) {
		struct job *j = old[oldq[q]];
		if (kept[oldq[q]])
			d->queue[d->nqueue++] = j->j_idx;
		else if (cfg_find_job(&d->sup.cfg, j->j_cfg->j_name) == NULL)
			log_info("dropping the queued run of \"%s\": it is no "
			         "longer in %s",
			    j->j_cfg->j_name, d->sup.cfg_file);
		/* A changed job runs with its new configuration anyway. */
	}
}

static void
swap(struct dev *d)
{
	struct sup *s = &d->sup;
	struct cfg old_cfg = s->cfg;
	struct job **old = s->jobs;
	size_t *oldq = d->queue, oldn = s->njobs, oldnq = d->nqueue;
	char changed[512] = "", added[512] = "", removed[512] = "";
	bool *kept = calloc(oldn ? oldn : 1, sizeof(*kept));
	bool *fresh = calloc(d->pending_cfg->c_njobs + 1, sizeof(*fresh));
	size_t nkept = 0;

	if (kept == NULL || fresh == NULL)
		fatal("reload");
	/* The jobs that know the batch's outcome may be about to go. */
	queue_end_batch(d);
	s->cfg = *d->pending_cfg;
	free(d->pending_cfg);
	d->pending_cfg = NULL;
	build_table(d, old, oldn, kept, fresh, changed, added, sizeof(added));
	carry_queue(d, old, oldq, oldnq, kept);
	for (size_t k = 0; k < oldn; k++) {
		if (kept[k]) {
			nkept++;
			continue;
		}
		if (cfg_find_job(&s->cfg, old[k]->j_cfg->j_name) == NULL)
			list_add(
			    removed, sizeof(removed), old[k]->j_cfg->j_name);
		/* A parked job waited for this one: its new self decides. */
		for (size_t i = 0; i < s->njobs; i++)
			if (s->jobs[i]->j_blocker == old[k])
				s->jobs[i]->j_blocker = NULL;
		sup_job_free(old[k]);
	}
	free(old);
	free(oldq);
	free(kept);
	cfg_free(&old_cfg);

	changes_stop(d);
	if (changes_start(d) == -1)
		log_warnx("reload: file watching is off");
	if (d->serve)
		worker_reconfigure(d);
	/* After the worker was told: what the line promises is on its way. */
	log_info("configuration reloaded from %s:%s%s%s%s%s%s %zu unchanged",
	    s->cfg_file, changed[0] ? " changed " : "", changed,
	    added[0] ? " added " : "", added, removed[0] ? " removed " : "",
	    removed, nkept);
	for (size_t i = 0; i < s->njobs; i++) {
		struct job *j = s->jobs[i];
		if (!fresh[i])
			continue;
		if (j->j_cfg->j_kind == JOB_TASK)
			queue_trigger_job(d, j);
		else
			queue_service(d, j);
	}
	free(fresh);
	queue_next(s);
}

void
reload_apply_pending(struct dev *d)
{
	struct sup *s = &d->sup;

	if (d->pending_cfg == NULL || sup_stopping(s) || sup_task_running(s))
		return;
	mark_replaced(s, d->pending_cfg);
	if (order_stopping(s)) {
		order_advance(s);
		return; /* again from queue_job_ended when one ends */
	}
	swap(d);
}

void
reload_hangup(struct sup *s)
{
	static struct cfg_err err; /* 16 KiB, one reload at a time */
	struct dev *d = dev_of(s);
	struct cfg next;
	char msg[1024];

	if (s->cfg_file == NULL) {
		log_info("SIGHUP: no config file to reload (started from the "
		         "command line)");
		return;
	}
	if (cfg_load_file(s->cfg_file, &next, &err) == -1) {
		for (size_t i = 0; i < cfg_err_nlines(&err); i++) {
			cfg_err_line(&err, i, msg, sizeof(msg));
			log_warnx("%s", msg);
		}
		log_warnx("keeping the running configuration");
		return;
	}
	if (next.c_serve.s_enabled != d->serve ||
	    strcmp(next.c_serve.s_http, s->cfg.c_serve.s_http) != 0 ||
	    (next.c_serve.s_udp == NULL) != (s->cfg.c_serve.s_udp == NULL) ||
	    (next.c_serve.s_udp && s->cfg.c_serve.s_udp &&
	        strcmp(next.c_serve.s_udp, s->cfg.c_serve.s_udp) != 0)) {
		log_warnx("reload: serve addresses changed; they take effect "
		          "when tend restarts");
		next.c_serve.s_enabled = d->serve;
	}
	if (d->pending_cfg != NULL) {
		cfg_free(d->pending_cfg);
		free(d->pending_cfg);
	}
	if ((d->pending_cfg = malloc(sizeof(*d->pending_cfg))) == NULL) {
		cfg_free(&next);
		log_warn("reload");
		return;
	}
	*d->pending_cfg = next;
	if (sup_task_running(s))
		log_info("reload waits for the running tasks to end");
	reload_apply_pending(d);
}
