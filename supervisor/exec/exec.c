/* SPDX-License-Identifier: ISC */
/*
 * supervisor/exec/exec.c
 * `tend exec`: set up (subreaper, signals, terminal, watcher), start the
 * command, run the loop, and decide what each end of a run leads to:
 * a rerun (a change), a restart after a failure (backoff), waiting for
 * changes (--watch), or tend's exit with the command's status.
 *
 * Exit status. The command's exit code passes through. If it died of
 * signal N, tend exits 128+N (the shell's convention, and tini's) rather
 * than dying of N itself: re-raising SIGSEGV or SIGABRT would dump a core
 * of tend, which did nothing wrong. Two exceptions re-raise, so a calling
 * shell sees a clean interrupt ("wait and cooperative exit"):
 *   - tend was told to stop by SIGINT, SIGTERM or SIGHUP and the command
 *     died of that signal, of the stop signal tend sent for it, or of the
 *     SIGKILL that followed; with --watch, tend told to stop always dies
 *     of that signal (the command's status is not the point there);
 *   - the command held the terminal and died of SIGINT: the user typed
 *     Ctrl-C, which the kernel sent to the command alone.
 * A command that cannot be started: 127 (not found) or 126. As PID 1 a
 * re-raised signal is ignored by the kernel; tend then exits 128+N.
 */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ev.h>

#include "config.h"
#include "exec_priv.h"
#include "log.h"
#include "start.h"

const char *
wrap_signame(int signo)
{
	static char buf[32];
	const char *name = cfg_signal_name(signo);

	if (name != NULL)
		return name;
	snprintf(buf, sizeof(buf), "signal %d", signo);
	return buf;
}

/* The command as typed, shortened for one-line messages. */
static void
format_cmd(char *const *argv, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; argv[i] != NULL && n < size; i++) {
		bool quote = argv[i][0] == '\0' || strpbrk(argv[i], " \t\n");
		int w = snprintf(buf + n, size - n, "%s%s%s%s", i ? " " : "",
		    quote ? "'" : "", argv[i], quote ? "'" : "");
		n += w < 0 ? 0 : (size_t)w;
	}
	if (n >= size && size > 4)
		strcpy(buf + size - 4, "...");
}

void
wrap_finish(struct wrap *x, int code, int signo)
{
	x->exit_code = code;
	x->exit_signo = signo;
	x->done = true;
	ev_break(x->loop, EVBREAK_ALL);
}

static void
describe(int status, char *buf, size_t size)
{
	if (WIFEXITED(status))
		snprintf(
		    buf, size, "exited with status %d", WEXITSTATUS(status));
	else
		snprintf(buf, size, "was killed by %s",
		    wrap_signame(WTERMSIG(status)));
}

/* See the top of this file. */
static void
finish_with_status(struct wrap *x)
{
	int st = x->wstatus, sig;

	if (x->watching && x->told) {
		wrap_finish(x, 128 + x->told, x->told);
		return;
	}
	if (WIFEXITED(st)) {
		wrap_finish(x, WEXITSTATUS(st), 0);
		return;
	}
	sig = WTERMSIG(st);
	if (x->told &&
	    (sig == x->told ||
	        (x->stop_sent && (sig == x->o->stop_signal || sig == SIGKILL))))
		wrap_finish(x, 128 + x->told, x->told);
	else if (sig == SIGINT && x->had_tty)
		wrap_finish(x, 128 + SIGINT, SIGINT);
	else
		wrap_finish(x, 128 + sig, 0);
}

static void
start(struct wrap *x)
{
	static char changed[16 + PATHSET_MAX * 256];
	char summary[512];

	if (x->overflowed) {
		snprintf(summary, sizeof(summary), "events were lost");
		unsetenv("TEND_CHANGED");
	} else if (!pathset_empty(&x->changes)) {
		pathset_summary(&x->changes, summary, sizeof(summary));
		/* As `tend run` jobs get it: the paths, one per line. */
		pathset_join(&x->changes, "\n", changed, sizeof(changed));
		setenv("TEND_CHANGED", changed, 1);
	} else {
		summary[0] = '\0';
		/* Not started by a change: none of the last run's paths. */
		if (x->watching)
			unsetenv("TEND_CHANGED");
	}
	if (summary[0] != '\0')
		log_warnx("running %s (changed: %s)", x->cmd, summary);
	else if (x->watching || x->runs > 0)
		log_warnx("running %s", x->cmd);
	/* Started by a change: a new try, not the next of a crash loop. */
	if (x->rerun || x->overflowed || !pathset_empty(&x->changes))
		x->backoff_policy.fast_fails = 0;
	x->overflowed = false;
	pathset_clear(&x->changes);
	x->rerun = false;
	if (wrap_start(x) == 0)
		return;
	/* A typo in the command is not worth retrying forever. */
	if (!x->watching && x->runs == 0)
		wrap_finish(x, WEXITSTATUS(x->wstatus), 0);
	else
		wrap_run_ended(x);
}

static void
on_backoff(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct wrap *x =
	    (struct wrap *)((char *)w - offsetof(struct wrap, backoff));

	(void)loop;
	(void)revents;
	start(x);
}

/*
 * After a failure: restart with a backoff, or, after --restart-limit fast
 * failures in a row, give up as a service does (proc/backoff.c): false.
 */
static bool
restart_later(struct wrap *x, const char *how)
{
	/* A command that never started has no run time to count. */
	ev_tstamp up = x->runs > 0 ? ev_now(x->loop) - x->started : 0;
	double delay = backoff_after(
	    &x->backoff_policy, up, true, false, x->o->restart_limit);

	if (delay < 0) {
		log_warnx("%s %s; %u failures in a row within %g s of "
		          "starting: giving up (--restart-limit %u)",
		    x->cmd, how, x->backoff_policy.fast_fails, BACKOFF_STABLE,
		    x->o->restart_limit);
		return false;
	}
	log_warnx("%s %s; restarting in %g s", x->cmd, how, delay);
	ev_timer_set(&x->backoff, delay, 0.);
	ev_timer_start(x->loop, &x->backoff);
	return true;
}

void
wrap_run_ended(struct wrap *x)
{
	int st = x->wstatus;
	bool failed = !WIFEXITED(st) || WEXITSTATUS(st) != 0;
	/* Ctrl-C at the command's terminal: the user wants it to end. */
	bool interrupted = (WIFSIGNALED(st) && WTERMSIG(st) == SIGINT) ||
	    (WIFEXITED(st) && WEXITSTATUS(st) == 128 + SIGINT);
	char how[64];

	if (x->exiting || x->told || (!x->watching && !failed)) {
		finish_with_status(x);
		return;
	}
	if (x->rerun) {
		start(x);
		return;
	}
	describe(st, how, sizeof(how));
	if (x->o->restart_on_failure && failed && !x->stop_sent &&
	    !interrupted) {
		if (restart_later(x, how))
			return;
		/* Given up: the last status, or the next change. */
		if (!x->watching)
			finish_with_status(x);
		else
			log_warnx("waiting for changes");
		return;
	}
	if (!x->watching)
		finish_with_status(x);
	else
		log_warnx("%s %s; waiting for changes", x->cmd, how);
}

void
wrap_changed(struct wrap *x)
{
	if (x->exiting || x->told)
		return;
	if (!x->active) {
		ev_timer_stop(x->loop, &x->backoff);
		start(x);
		return;
	}
	if (x->o->on_change == EXEC_QUEUE) {
		if (!x->rerun)
			log_warnx(
			    "changed; %s will rerun when it ends", x->cmd);
		x->rerun = true;
		return;
	}
	/* --restart: the changes keep gathering until the run is gone. */
	x->rerun = true;
	wrap_stop(x);
}

/*
 * A closed 0, 1 or 2 would be taken by our own next fd (the epoll fd, the
 * inotify fd) and handed to the command as its stdin: fill it first.
 */
static void
open_std_fds(void)
{
	for (int fd = 0; fd <= 2; fd++)
		if (fcntl(fd, F_GETFD) == -1 && errno == EBADF &&
		    open("/dev/null", O_RDWR) != fd)
			fatal("/dev/null");
}

int
exec_run(const struct exec_opts *o)
{
	static struct wrap x; /* the atexit terminal restore points into it */

	open_std_fds();
	x.o = o;
	x.watching = o->nwatch > 0;
	x.pid1 = getpid() == 1;
	backoff_reset(&x.backoff_policy);
	format_cmd(o->argv, x.cmd, sizeof(x.cmd));
	x.loop = proc_start();
	ev_init(&x.backoff, on_backoff);
	ev_init(&x.debounce, NULL);
	wrap_child_init(&x);
	wrap_tty_init(&x);
	/* Before the first child: a signal must never find the default. */
	wrap_signals_start(&x);
	if (x.watching && wrap_watch_start(&x) == -1) {
		x.exit_code = 1;
		goto out;
	}
	/*
	 * The guard only matters to a command that lives: `tend exec --
	 * true` in a script loop must not pay a fork for it (0.3 ms here).
	 */
	guard_start(&x.guard, x.loop, WRAP_GUARD_AFTER);
	start(&x);
	/* ev_run forgets an ev_break made before it (a spawn failure). */
	if (!x.done)
		ev_run(x.loop, 0);
out:
	wrap_signals_stop(&x);
	wrap_child_fini(&x);
	ev_timer_stop(x.loop, &x.backoff);
	wrap_watch_stop(&x);
	pathset_clear(&x.changes);
	wrap_tty_restore(&x);
	guard_stop(&x.guard);
	if (x.exit_signo != 0)
		die_of_signal(x.exit_signo);
	return x.exit_code;
}
