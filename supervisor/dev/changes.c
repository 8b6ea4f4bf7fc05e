/* SPDX-License-Identifier: ISC */
/*
 * supervisor/dev/changes.c
 * From file events to builds and browser reloads. A changed path goes to
 * every job whose `watch` matches it. The served root is the build's
 * output, so its changes start a build only for a pattern that names
 * sources kept inside it (root_takes). Its changes are collected and,
 * once the builds in flight have all succeeded, sent to the worker as one
 * RELOAD (with no build, they are sent after the debounce: live-server
 * style). Events are debounced: a burst (an editor's atomic save, a git
 * checkout) waits for debounce_ms of quiet, at most DEBOUNCE_MAX_WAIT.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ev.h>

#include "dev.h"
#include "glob.h"
#include "log.h"
#include "matches.h"
#include "transient.h"
#include "watch.h"

#define DEBOUNCE_MAX_WAIT 1.0 /* s: a file written forever still builds */

static bool
under(const char *path, const char *dir, const char **rel)
{
	size_t n = strlen(dir);

	/* "." holds every relative path, and is "" to itself. */
	if (strcmp(dir, ".") == 0) {
		*rel = strcmp(path, ".") == 0 ? "" : path;
		return path[0] != '/';
	}
	if (strncmp(path, dir, n) != 0 || (path[n] != '/' && path[n] != '\0'))
		return false;
	*rel = path[n] == '/' ? path + n + 1 : path + n;
	return true;
}

/* The job's pattern, made relative to tend's cwd like the event paths. */
static void
full_pattern(
    const struct cfg_job *c, const char *pattern, char *out, size_t size)
{
	char joined[PATH_MAX];

	if (c->j_cwd == NULL || pattern[0] == '/')
		snprintf(joined, sizeof(joined), "%s", pattern);
	else
		snprintf(joined, sizeof(joined), "%s/%s", c->j_cwd, pattern);
	glob_clean(joined, out, size);
}

/*
 * May the watch pattern pat take a change under the served root? The
 * root is what builds write, so a build must not trigger itself: a
 * pattern whose tree holds the root (--watch . with root public) never
 * takes it. A pattern whose base lies inside the root names sources the
 * user keeps in the served tree (root ".", the CLI default, with --watch
 * src): it takes them, as elsewhere. A pattern based at the root itself
 * (root "." with --watch . or '*.md') takes them only while no task runs:
 * what is written during a build, and read when it ends, is its output.
 */
static bool
root_takes(const struct dev *d, const char *pat, bool busy)
{
	char base[PATH_MAX];
	const char *rel;

	if (glob_base(pat, base, sizeof(base)) == -1)
		return false;
	if (strcmp(base, d->root_clean) == 0)
		return !busy;
	return under(base, d->root_clean, &rel);
}

/*
 * in_root: path is under the served root. A directory (moved in, moved
 * out or deleted) is wanted when the pattern could match inside it.
 */
static bool
job_wants(const struct dev *d, const struct job *j, const char *path,
    bool is_dir, bool in_root, bool busy)
{
	const struct cfg_job *c = j->j_cfg;
	char pat[PATH_MAX];
	bool hit = false;

	for (size_t i = 0; i < c->j_watch.n && !hit; i++) {
		full_pattern(c, c->j_watch.v[i], pat, sizeof(pat));
		if (in_root && !root_takes(d, pat, busy))
			continue;
		hit = is_dir ? glob_match_inside(pat, path)
		             : glob_match(pat, path);
	}
	for (size_t i = 0; i < c->j_ignore.n && hit; i++) {
		const char *ig = c->j_ignore.v[i], *base = strrchr(path, '/');
		/* As in .gitignore: a pattern without '/' names a file
		 * anywhere. */
		if (strchr(ig, '/') == NULL)
			hit = !glob_match(ig, base ? base + 1 : path);
		else {
			full_pattern(c, ig, pat, sizeof(pat));
			hit = !glob_match(pat, path);
		}
	}
	return hit;
}

static void
arm(struct dev *d)
{
	watch_debounce(d->watch, &d->debounce, &d->debounce_first,
	    d->sup.cfg.c_debounce_ms / 1000.0, DEBOUNCE_MAX_WAIT);
}

static void
on_changed(void *arg, const char *path, bool is_dir)
{
	struct dev *d = arg;
	struct sup *s = &d->sup;
	const char *rel = "";
	bool any = false, busy, in_root;

	if (sup_stopping(s))
		return;
	busy = queue_tasks_busy(d);
	in_root = d->serve && under(path, d->root_clean, &rel);
	if (in_root && rel[0] == '\0')
		return; /* the root itself moved away */
	if (in_root) {
		if (busy)
			pathset_add(&d->out_batch, rel);
		else {
			pathset_add(&d->out_direct, rel);
			arm(d);
		}
	}
	for (size_t i = 0; i < s->njobs; i++) {
		struct job *j = s->jobs[i];
		if (job_wants(d, j, path, is_dir, in_root, busy)) {
			pathset_add(&j->j_changes, path);
			any = true;
		}
	}
	if (any)
		arm(d);
}

static void
on_overflow(void *arg)
{
	struct dev *d = arg;

	d->overflowed = true;
	arm(d);
}

/* Send the worker one RELOAD with what changed under the root. */
void
changes_send_reload(struct dev *d, struct pathset *out)
{
	struct ipc_msg m;

	memset(&m, 0, sizeof(m));
	m.type = MSG_RELOAD;
	/* Too many to list: an empty list means "reload everything". */
	if (out->dropped == 0)
		pathset_join(
		    out, "\n", m.u.reload.paths, sizeof(m.u.reload.paths));
	if (strlen(m.u.reload.paths) + 512 > sizeof(m.u.reload.paths))
		m.u.reload.paths[0] = '\0';
	worker_send(d->worker, &m);
	pathset_clear(out);
}

static void
on_debounce(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct dev *d =
	    (struct dev *)((char *)w - offsetof(struct dev, debounce));
	struct sup *s = &d->sup;
	char summary[512];

	(void)loop;
	(void)revents;
	if (sup_stopping(s))
		return;
	if (d->overflowed) {
		bool tasks = false;
		d->overflowed = false;
		for (size_t i = 0; i < s->njobs; i++) {
			pathset_clear(&s->jobs[i]->j_changes);
			tasks = tasks || s->jobs[i]->j_cfg->j_kind == JOB_TASK;
		}
		/* What changed under the root is unknown: reload it all. */
		if (d->serve)
			pathset_add_unknown(&d->out_direct);
		if (tasks)
			queue_trigger(
			    d, NULL, "the file watcher (events were lost)");
	}
	for (size_t i = 0; i < s->njobs; i++) {
		struct job *j = s->jobs[i];
		/* An atomic save's temporary, renamed away: no change. */
		pathset_remove_if(&j->j_changes, watch_transient_gone);
		if (pathset_empty(&j->j_changes))
			continue;
		pathset_summary(&j->j_changes, summary, sizeof(summary));
		log_info("changed: %s", summary);
		queue_trigger_job(d, j);
	}
	queue_next(s);
	if (!pathset_empty(&d->out_direct)) {
		if (queue_tasks_busy(d))
			pathset_merge(&d->out_batch, &d->out_direct);
		else
			changes_send_reload(d, &d->out_direct);
	}
}

/* The trees to watch: each job's pattern bases, and the served root. */
int
changes_start(struct dev *d)
{
	struct sup *s = &d->sup;
	struct watch_ops ops = {on_changed, on_overflow, d, log_info};
	struct ignore *ig;
	char pat[PATH_MAX], base[PATH_MAX];
	bool want = d->serve && s->cfg.c_serve.s_livereload;

	glob_clean(s->cfg.c_serve.s_root, d->root_clean, sizeof(d->root_clean));
	ev_init(&d->debounce, on_debounce);
	for (size_t i = 0; i < s->njobs; i++)
		want = want || s->jobs[i]->j_cfg->j_watch.n > 0;
	if (!want)
		return 0;
	if ((ig = ignore_new()) == NULL || ignore_add_defaults(ig) == -1)
		return -1;
	for (size_t i = 0; i < s->cfg.c_ignore.n; i++)
		ignore_add(ig, "", s->cfg.c_ignore.v[i]);
	if ((d->watch = watch_new(s->loop, ig, &ops)) == NULL) {
		ignore_free(ig);
		return -1;
	}
	/* tend serve has no file: its setting is --poll. */
	watch_force_poll(d->watch, s->cfg.c_poll_ms,
	    s->cfg.c_file != NULL ? "watch.poll_ms" : "--poll");
	for (size_t i = 0; i < s->njobs; i++) {
		const struct cfg_job *c = s->jobs[i]->j_cfg;
		for (size_t k = 0; k < c->j_watch.n; k++) {
			full_pattern(c, c->j_watch.v[k], pat, sizeof(pat));
			if (!watch_pattern_matches(pat))
				log_warnx("jobs.%s.watch: \"%s\" matches no "
				          "file (yet)",
				    c->j_name, c->j_watch.v[k]);
			if (watch_pattern_dir(pat, base, sizeof(base)) == -1 ||
			    watch_add_tree(d->watch, base) == -1)
				return -1;
		}
	}
	if (d->serve && s->cfg.c_serve.s_livereload &&
	    watch_add_tree(d->watch, d->root_clean) == -1)
		return -1;
	log_info("watching %u director%s", watch_count(d->watch),
	    watch_count(d->watch) == 1 ? "y" : "ies");
	return 0;
}

/*
 * A run is about to end (struct sup_mode): take the events its last
 * writes queued before deciding anything, so they count as its output.
 */
void
changes_job_ending(struct sup *s, struct job *j)
{
	struct dev *d = dev_of(s);

	(void)j;
	if (d->watch != NULL)
		watch_poll(d->watch);
}

/* A stop began: nothing new will be built, so stop watching now. */
void
changes_quiesce(struct dev *d)
{
	ev_timer_stop(d->sup.loop, &d->debounce);
	watch_quiesce(d->watch);
}

/*
 * Stop watching. A reload starts a new watcher at once; the old one is
 * quiesced and closed at the next stop, once the kernel has freed its
 * marks, because closing it now would block the loop for a grace period.
 */
void
changes_stop(struct dev *d)
{
	ev_timer_stop(d->sup.loop, &d->debounce);
	watch_quiesce(d->watch);
	watch_free(d->old_watch);
	d->old_watch = d->watch;
	d->watch = NULL;
	pathset_clear(&d->out_batch);
	pathset_clear(&d->out_direct);
}

/* At exit: changes_quiesce ran at the stop's first step. */
void
changes_free(struct dev *d)
{
	changes_stop(d);
	watch_free(d->old_watch);
	d->old_watch = NULL;
}
