/* SPDX-License-Identifier: ISC */
/*
 * supervisor/sup.c
 * The supervisor's life: set up (subreaper, sockets, worker, jobs), turn
 * signals into events for the stop machine, perform its actions, reload
 * the config on SIGHUP, and at the end sweep every left-over descendant
 * and exit, re-raising the signal that stopped us.
 */
#include <linux/close_range.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ev.h>

#include "log.h"
#include "sup.h"

#define SWEEP_POLL 0.01 /* s between looks at our children */
#define SWEEP_TERM_FOR 1.0 /* s of SIGTERM before SIGKILL */

static void
close_listeners(struct sup *s)
{
	if (s->http_fd >= 0)
		close(s->http_fd);
	if (s->udp_fd >= 0)
		close(s->udp_fd);
	s->http_fd = s->udp_fd = -1;
}

static void
announce_finish(struct sup *s)
{
	bool any = false;

	for (size_t i = 0; i < s->njobs; i++) {
		struct job *j = s->jobs[i];
		if (job_running(j) && j->j_cfg->j_kind == JOB_TASK) {
			log_info("finishing %s \"%s\" (Ctrl-C again to "
			         "interrupt it)",
			    job_kind_word(j), j->j_cfg->j_name);
			any = true;
		}
	}
	if (!any)
		log_info("stopping (Ctrl-C again to hurry)");
}

/*
 * The 1st step: nothing new starts, running tasks finish, the worker
 * answers what it accepted (held requests once the build is done), and
 * services stop after all that, in reverse dependency order (order.c).
 */
static void
do_finish(struct sup *s)
{
	/* The normal end of `tend run` is not a stop to announce. */
	if (s->stop.signo != 0 || !s->run_mode)
		announce_finish(s);
	sched_drop_queue(s);
	changes_quiesce(s);
	if (s->pending_cfg != NULL) {
		log_info("not reloading the configuration: tend is stopping");
		cfg_free(s->pending_cfg);
		free(s->pending_cfg);
		s->pending_cfg = NULL;
	}
	ev_timer_stop(s->loop, &s->worker_restart);
	/*
	 * No worker alive (a restart was pending): what the kernel queued on
	 * the sockets would be lost with them. Start one just to drain. Not
	 * when the worker stopped on its own interrupt first (the same
	 * Ctrl-C, seen by it before us): it drained them before its BYE.
	 */
	if (s->serve && s->worker == NULL && !s->worker_drained &&
	    s->http_fd >= 0) {
		log_info("starting a worker to answer what is queued");
		wproc_start(s);
	}
	wproc_stop(s->worker, STOP_GRACEFUL);
	wproc_stop_retiring(s, STOP_GRACEFUL);
	/*
	 * Our copies of the sockets stay open until we exit: if the worker
	 * dies while draining (or had just died when the Ctrl-C came), a new
	 * one must still find what the kernel queued (wproc.c).
	 */
	for (size_t i = 0; i < s->njobs; i++) {
		struct job *j = s->jobs[i];
		if (j->j_cfg->j_kind != JOB_SERVICE)
			continue;
		if (ev_is_active(&j->j_backoff)) {
			ev_timer_stop(s->loop, &j->j_backoff);
			j->j_state = JS_IDLE;
		}
		j->j_stop_wanted = true;
	}
	order_announce(s);
	order_advance(s);
}

/*
 * The 2nd step hurries: tasks get SIGINT (once), services not yet sent
 * their stop signal get it now, whatever waits for them; the worker cuts.
 * Nothing is sent a signal it already had: the stop_timeout timers armed
 * with the first one end in SIGKILL.
 */
static void
do_abort(struct sup *s)
{
	for (size_t i = 0; i < s->njobs; i++) {
		struct job *j = s->jobs[i];
		if (!job_running(j) || j->j_cfg->j_kind != JOB_TASK)
			continue;
		log_info("interrupting %s \"%s\" (Ctrl-C again to kill)",
		    job_kind_word(j), j->j_cfg->j_name);
		j->j_interrupted = true;
		job_signal(j, SIGINT, true);
	}
	order_hurry(s);
	wproc_stop(s->worker, STOP_CUT);
	wproc_stop_retiring(s, STOP_CUT);
}

static void
do_kill(struct sup *s)
{
	log_info("killing everything");
	for (size_t i = 0; i < s->njobs; i++)
		job_kill_now(s->jobs[i]);
	/* Their ends are never reaped: the loop stops here. */
	if (s->run_mode)
		run_killed(s);
	wproc_kill(s->worker);
	wproc_kill_retiring(s);
	sweep_children(SIGKILL);
}

void
sup_stop_event(struct sup *s, enum stop_event ev, int signo)
{
	unsigned act = stop_step(&s->stop, ev, signo);

	if (act & SA_FINISH)
		do_finish(s);
	if (act & SA_ARM_GRACE) {
		ev_timer_set(&s->grace, s->cfg.c_grace, 0.);
		ev_timer_start(s->loop, &s->grace);
	}
	if (act & SA_ABORT)
		do_abort(s);
	if (act & SA_KILL)
		do_kill(s);
	if (act & SA_EXIT) {
		s->exiting = true;
		ev_break(s->loop, EVBREAK_ALL);
	}
	if (act & SA_FINISH)
		sup_check_idle(s);
}

static void
on_sweep(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct sup *s = (struct sup *)((char *)w - offsetof(struct sup, sweep));

	(void)revents;
	s->sweep_rounds++;
	int signo =
	    s->sweep_rounds * SWEEP_POLL >= SWEEP_TERM_FOR ? SIGKILL : 0;
	if (sweep_children(signo) == 0) {
		ev_timer_stop(loop, w);
		sup_stop_event(s, SE_SUPERVISOR_IDLE, 0);
	}
}

void
sup_check_idle(struct sup *s)
{
	size_t left;

	if (s->stop.st != ST_RUNNING && !s->exiting)
		order_advance(s); /* what the services waited for may be over */
	if (s->stop.st == ST_RUNNING || s->exiting || ev_is_active(&s->sweep) ||
	    sched_running(s) > 0 || s->worker != NULL || s->retiring != NULL)
		return;
	/*
	 * Jobs and worker are done. What is left are orphans the jobs made
	 * (we are their subreaper): ask them to go, then insist.
	 */
	left = sweep_children(SIGTERM);
	if (left == 0) {
		sup_stop_event(s, SE_SUPERVISOR_IDLE, 0);
		return;
	}
	log_info(
	    "stopping %zu left-over process%s", left, left == 1 ? "" : "es");
	sweep_children(SIGCONT);
	s->sweep_rounds = 0;
	ev_timer_set(&s->sweep, SWEEP_POLL, SWEEP_POLL);
	ev_timer_start(s->loop, &s->sweep);
}

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
		sup_reload(s);
		break;
	case SIGUSR1:
		sched_trigger(s, NULL, "SIGUSR1");
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

static bool
has_tasks(const struct sup *s)
{
	for (size_t i = 0; i < s->njobs; i++)
		if (s->jobs[i]->j_cfg->j_kind == JOB_TASK)
			return true;
	return false;
}

static void
watch_signal(struct sup *s, ev_signal *w, int signo)
{
	ev_signal_init(w, on_signal, signo);
	w->data = s;
	ev_signal_start(s->loop, w);
}

static int
ensure_root(const char *root)
{
	struct stat st;

	if (stat(root, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return 0;
		log_warnx("serve.root: %s is not a directory", root);
		return -1;
	}
	if (errno != ENOENT || mkdir(root, 0777) == -1) {
		log_warn("serve.root: %s", root);
		return -1;
	}
	/* A build usually writes it; serving an empty tree until then is fine.
	 */
	log_info("created %s (it did not exist)", root);
	return 0;
}

static int
open_listeners(struct sup *s)
{
	const struct cfg_serve *sv = &s->cfg.c_serve;

	s->http_fd = listen_tcp(sv->s_http, s->http_addr, sizeof(s->http_addr));
	if (s->http_fd < 0)
		return -1;
	if (sv->s_udp != NULL) {
		s->udp_fd =
		    listen_udp(sv->s_udp, s->udp_addr, sizeof(s->udp_addr));
		if (s->udp_fd < 0)
			return -1;
	}
	return 0;
}

/* no-color.org: "when present and not an empty string". */
static bool
no_color(void)
{
	const char *v = getenv("NO_COLOR");

	return v != NULL && v[0] != '\0';
}

/*
 * Take ownership of cfg (moved into the supervisor), run until stopped.
 * Returns the exit code; after a signal-initiated stop it does not return.
 */
int
sup_run(struct sup *s)
{
	int code;

	s->http_fd = s->udp_fd = -1;
	s->worker_backoff = 0.05;
	s->color = output_color(isatty(STDOUT_FILENO) && !no_color());
	stop_init(&s->stop);
	if (!(s->loop = ev_default_loop(EVFLAG_AUTO)))
		fatalx("could not initialise libev, bad $LIBEV_FLAGS in "
		       "environment?");
	/* Orphans of our jobs become our children: reaped, and stopped. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) == -1)
		log_warn("prctl(PR_SET_CHILD_SUBREAPER)");
	signal(SIGPIPE, SIG_IGN);
	/*
	 * Whatever fds our caller leaked to us (a shell's, an IDE's) must not
	 * reach the jobs: they get 0, 1 and 2, nothing else.
	 */
	if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) == -1)
		log_warn("close_range(CLOSE_RANGE_CLOEXEC)");
	ev_init(&s->grace, on_grace);
	ev_init(&s->sweep, on_sweep);
	ev_init(&s->worker_restart, NULL);

	if (s->serve) {
		if (ensure_root(s->cfg.c_serve.s_root) == -1)
			return 2;
		if (open_listeners(s) == -1) {
			close_listeners(s);
			return 1;
		}
	}
	if (sup_jobs_make(s) == -1)
		fatal("jobs");
	if (s->run_mode && run_select(s) == -1)
		return 2;
	/* Before any child exists: a watch limit error starts nothing. */
	if (!s->run_mode && changes_start(s) == -1) {
		close_listeners(s);
		return 1;
	}
	watch_signal(s, &s->sig_int, SIGINT);
	watch_signal(s, &s->sig_term, SIGTERM);
	watch_signal(s, &s->sig_quit, SIGQUIT);
	watch_signal(s, &s->sig_hup, SIGHUP);
	watch_signal(s, &s->sig_usr1, SIGUSR1);

	guard_start(&s->guard, s->loop, 0); /* before the first job */
	if (s->serve) {
		log_info("serving %s at http://%s/", s->cfg.c_serve.s_root,
		    s->http_addr);
		if (s->udp_fd >= 0)
			log_info("udp events on %s", s->udp_addr);
	}
	if (s->run_mode)
		run_next(s);
	else {
		/* Queued, then started in dependency order by sched_next. */
		sched_start_services(s);
		if (has_tasks(s))
			sched_trigger(s, NULL, "start-up");
		else {
			sched_next(s);
			sup_check_idle(s);
		}
	}
	/*
	 * The worker after the first build started: its replay then says a
	 * build runs before its sync (wnews.c), so a Ctrl-C in its first loop
	 * turn finds it holding, never between the two.
	 */
	if (s->serve && wproc_start(s) == -1) {
		/* The jobs run already: stop them as at SIGTERM, exit 1. */
		s->exit_code = 1;
		sup_stop_event(s, SE_TERM, 0);
		s->stop.signo = 0;
	}

	ev_run(s->loop, 0);

	if (s->run_mode)
		run_summary(s);
	guard_stop(&s->guard);
	changes_free(s);
	close_listeners(s);
	sup_jobs_free(s);
	cfg_free(&s->cfg);
	code = s->exit_code;
	if (s->stop.signo != 0)
		die_of_signal(s->stop.signo);
	return code;
}
