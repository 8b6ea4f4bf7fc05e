/* SPDX-License-Identifier: ISC */
/*
 * supervisor/sup/sup.c
 * The supervisor's life, whatever the mode: set up the process (subreaper,
 * SIGPIPE, fds the jobs must not inherit, the guard), make the job table,
 * let the mode start, turn signals into events for the stop machine, run
 * the loop, and at the end let the mode report and exit, re-raising the
 * signal that stopped us.
 */
#include <linux/close_range.h>

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <ev.h>

#include "control.h"
#include "log.h"
#include "start.h"
#include "sup.h"
#include "sweep.h"

static void
on_signal(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct sup *s = w->data;

	(void)loop;
	(void)revents;
	switch (w->signum) {
	case SIGINT:
		sup_stop_event(s, SE_INT, 0);
		break;
	case SIGTERM:
		sup_stop_event(s, SE_TERM, 0);
		break;
	case SIGQUIT:
		sup_stop_event(s, SE_QUIT, 0);
		break;
	case SIGHUP:
		if (!sup_stopping(s))
			s->mode->hangup(s);
		break;
	case SIGUSR1:
		s->mode->trigger(s, "SIGUSR1");
		break;
	}
}

static void
on_grace(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct sup *s = (struct sup *)((char *)w - offsetof(struct sup, grace));

	(void)loop;
	(void)revents;
	log_info("shutdown.grace of %g s is over; escalating", s->cfg.c_grace);
	sup_stop_event(s, SE_GRACE_EXPIRED, 0);
}

static void
watch_signal(struct sup *s, ev_signal *w, int signo)
{
	ev_signal_init(w, on_signal, signo);
	w->data = s;
	ev_signal_start(s->loop, w);
}

/*
 * Own s->cfg, run s->mode until stopped. Returns the exit code; after a
 * signal-initiated stop it does not return.
 */
int
sup_run(struct sup *s)
{
	int code;

	s->color = output_color(isatty(STDOUT_FILENO));
	output_term_init(s->timestamps || s->cfg.c_timestamps);
	stop_init(&s->stop);
	s->loop = proc_start();
	/*
	 * Whatever fds our caller leaked to us (a shell's, an IDE's) must not
	 * reach the jobs: they get 0, 1 and 2, nothing else.
	 */
	if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) == -1)
		log_warn("close_range(CLOSE_RANGE_CLOEXEC)");
	ev_init(&s->grace, on_grace);
	sup_table_init(s);
	sup_jobs_make(s);
	/* Sockets and watches before any child exists: an error starts
	 * nothing. */
	if ((code = s->mode->prepare(s)) != 0)
		return code;
	watch_signal(s, &s->sig_int, SIGINT);
	watch_signal(s, &s->sig_term, SIGTERM);
	watch_signal(s, &s->sig_quit, SIGQUIT);
	watch_signal(s, &s->sig_hup, SIGHUP);
	watch_signal(s, &s->sig_usr1, SIGUSR1);
	guard_start(&s->guard, s->loop, 0); /* before the first job */
	control_open(s);
	s->mode->start(s);

	ev_run(s->loop, 0);

	control_close(s);
	s->mode->end(s);
	guard_stop(&s->guard);
	sup_jobs_free(s);
	cfg_free(&s->cfg);
	code = s->exit_code;
	if (s->stop.signo != 0)
		die_of_signal(s->stop.signo);
	return code;
}
