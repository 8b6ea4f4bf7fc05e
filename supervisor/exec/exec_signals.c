/* SPDX-License-Identifier: ISC */
/*
 * supervisor/exec/exec_signals.c
 * What each signal tend receives means under `tend exec`: the forwarding
 * table. Every signal here is an ev_signal watcher, so it is handled in
 * the loop, never in a handler; being handled also matters as PID 1, where
 * the kernel drops signals whose disposition is the default.
 *
 * Without --watch tend is a transparent wrapper: a signal is passed to the
 * command's process group as it is, except SIGTERM, which means "tend is
 * being terminated": the command gets the stop signal and SIGCONT, and
 * SIGKILL after stop_timeout (a second SIGTERM: at once). After SIGINT,
 * SIGTERM or SIGHUP the run's end is final, even with
 * --restart-on-failure. With --watch, SIGINT, SIGTERM and SIGHUP stop the
 * command the same way and then tend (a second one: SIGKILL now); the
 * others are passed on. With no run, they end tend at once.
 */
#include <signal.h>
#include <stddef.h>

#include <ev.h>

#include "exec_priv.h"
#include "log.h"
#include "watch.h"

static const int forwarded[WRAP_NSIG] = {
    SIGINT,
    SIGTERM,
    SIGHUP,
    SIGQUIT,
    SIGUSR1,
    SIGUSR2,
    SIGWINCH,
    SIGCONT, /* job control: see exec_tty.c */
    SIGTSTP,
};

/* A request to end: remember the first one, for the exit status. */
static void
told_to_stop(struct wrap *x, int signo)
{
	if (x->told == 0)
		x->told = signo;
	x->rerun = false;
	ev_timer_stop(x->loop, &x->backoff);
	ev_timer_stop(x->loop, &x->debounce);
	/* Nothing will rerun; freeing the marks now makes the exit quick. */
	watch_quiesce(x->watch);
	if (!x->active)
		wrap_finish(x, 128 + signo, signo);
}

static void
on_stop_request(struct wrap *x, int signo)
{
	told_to_stop(x, signo);
	if (!x->active)
		return;
	if (x->watching || signo == SIGTERM || x->pid <= 0) {
		x->exiting = true;
		if (++x->stop_asks >= 2 && !x->kill_sent) {
			/* redis: "You insist..." */
			log_warnx("%s again: SIGKILL", wrap_signame(signo));
			wrap_kill(x);
		} else
			wrap_stop(x);
		return;
	}
	/* The wrapper's SIGINT and SIGHUP: the command decides. */
	wrap_forward(x, signo);
}

static void
on_signal(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct wrap *x = w->data;
	int signo = w->signum;

	(void)loop;
	(void)revents;
	switch (signo) {
	case SIGINT:
	case SIGTERM:
	case SIGHUP:
		on_stop_request(x, signo);
		break;
	case SIGCONT:
		/* `fg` after we stopped with the command: it goes on too. */
		wrap_tty_continued(x);
		wrap_forward(x, SIGCONT);
		break;
	case SIGTSTP:
		/* Its stop (reported by ev_child) then stops us. */
		if (x->active && x->pid > 0)
			wrap_forward(x, SIGTSTP);
		else
			wrap_tty_stop_self(x);
		break;
	case SIGQUIT:
		/* No core of tend for a Ctrl-\ with nothing running. */
		if (!x->active)
			wrap_finish(x, 128 + SIGQUIT, 0);
		else
			wrap_forward(x, signo);
		break;
	default:
		wrap_forward(x, signo);
		break;
	}
}

void
wrap_signals_start(struct wrap *x)
{
	for (size_t i = 0; i < WRAP_NSIG; i++) {
		ev_signal_init(&x->sigs[i], on_signal, forwarded[i]);
		x->sigs[i].data = x;
		ev_signal_start(x->loop, &x->sigs[i]);
	}
}

void
wrap_signals_stop(struct wrap *x)
{
	for (size_t i = 0; i < WRAP_NSIG; i++)
		ev_signal_stop(x->loop, &x->sigs[i]);
}
