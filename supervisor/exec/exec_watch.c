/* SPDX-License-Identifier: ISC */
/*
 * supervisor/exec/exec_watch.c
 * `tend exec --watch PATH`: the recursive watcher (watch.c, with tend's
 * default ignores and the .gitignore files it meets), the --watch paths
 * as globs (a plain path means its whole tree), and the debounce of
 * dev/changes.c: 50 ms of quiet, at most 1 s after the first event, so an
 * editor's atomic save or a git checkout is one rerun.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <ev.h>

#include "exec_priv.h"
#include "glob.h"
#include "ignore.h"
#include "log.h"
#include "transient.h"
#include "watch.h"

static void
arm(struct wrap *x)
{
	watch_debounce(x->watch, &x->debounce, &x->debounce_first,
	    WRAP_DEBOUNCE, WRAP_DEBOUNCE_MAX);
}

static void
on_changed(void *arg, const char *path, bool is_dir)
{
	struct wrap *x = arg;

	if (x->exiting || x->told)
		return;
	/* A directory moved or deleted: what was in it changed too. */
	for (size_t i = 0; i < x->o->nwatch; i++)
		if (is_dir ? glob_match_inside(x->patterns[i], path)
		           : glob_match(x->patterns[i], path)) {
			pathset_add(&x->changes, path);
			arm(x);
			return;
		}
}

static void
on_overflow(void *arg)
{
	struct wrap *x = arg;

	x->overflowed = true;
	arm(x);
}

static void
on_debounce(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct wrap *x =
	    (struct wrap *)((char *)w - offsetof(struct wrap, debounce));

	(void)loop;
	(void)revents;
	/* An atomic save's temporary, renamed away: no change. */
	pathset_remove_if(&x->changes, watch_transient_gone);
	/* Lost events (x->overflowed): what changed is unknown, so rerun. */
	if (x->overflowed || !pathset_empty(&x->changes))
		wrap_changed(x);
}

int
wrap_watch_start(struct wrap *x)
{
	struct watch_ops ops = {on_changed, on_overflow, x, log_warnx};
	char clean[PATH_MAX], base[PATH_MAX];
	struct ignore *ig;

	ev_set_cb(&x->debounce, on_debounce);
	x->patterns = calloc(x->o->nwatch, sizeof(*x->patterns));
	if (x->patterns == NULL)
		fatal("calloc");
	if ((ig = ignore_new()) == NULL || ignore_add_defaults(ig) == -1)
		fatal("ignore");
	if ((x->watch = watch_new(x->loop, ig, &ops)) == NULL) {
		ignore_free(ig);
		return -1;
	}
	watch_force_poll(x->watch, x->o->poll_ms, "--poll");
	for (size_t i = 0; i < x->o->nwatch; i++) {
		glob_clean(x->o->watch[i], clean, sizeof(clean));
		if ((x->patterns[i] = strdup(clean)) == NULL)
			fatal("strdup");
		if (watch_pattern_dir(clean, base, sizeof(base)) == -1) {
			log_warnx("--watch %s: path too long", x->o->watch[i]);
			return -1;
		}
		if (watch_add_tree(x->watch, base) == -1)
			return -1;
	}
	log_warnx("watching %u director%s", watch_count(x->watch),
	    watch_count(x->watch) == 1 ? "y" : "ies");
	return 0;
}

void
wrap_watch_stop(struct wrap *x)
{
	if (x->patterns == NULL)
		return;
	ev_timer_stop(x->loop, &x->debounce);
	watch_free(x->watch);
	x->watch = NULL;
	for (size_t i = 0; i < x->o->nwatch; i++)
		free(x->patterns[i]);
	free(x->patterns);
	x->patterns = NULL;
	pathset_clear(&x->changes);
}
