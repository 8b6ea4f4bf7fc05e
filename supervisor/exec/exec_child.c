/* SPDX-License-Identifier: ISC */
/*
 * supervisor/exec/exec_child.c
 * One run of `tend exec`'s command, from spawn until its last process is
 * gone. A run is its main process, the process group it leads, and the
 * orphans it leaves (reparented to tend, the subreaper). When the main
 * process ends, whatever is left of the run gets the stop signal and
 * SIGCONT, then SIGKILL after stop_timeout: no process outlives its run,
 * so none outlives tend. Only then does the run count as ended.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ev.h>

#include "exec_priv.h"
#include "log.h"
#include "spawn_req.h"

#define SWEEP_POLL 0.01 /* s between "anyone left?" checks */
#define SWEEP_KILL_ROUNDS 200 /* 2 s after SIGKILL we stop waiting */

static void on_child(struct ev_loop *, ev_child *, int);
static void on_deadline(struct ev_loop *, ev_timer *, int);
static void on_sweep(struct ev_loop *, ev_timer *, int);

void
wrap_child_init(struct wrap *x)
{
	ev_init(&x->deadline, on_deadline);
	ev_init(&x->sweep, on_sweep);
}

void
wrap_child_fini(struct wrap *x)
{
	ev_child_stop(x->loop, &x->child);
	ev_timer_stop(x->loop, &x->deadline);
	ev_timer_stop(x->loop, &x->sweep);
}

/* The group leader's pid is also the group id; ESRCH is "no one left". */
static void
group_kill(struct wrap *x, int signo)
{
	if (x->pgid > 0 && kill(-x->pgid, signo) == -1 && errno != ESRCH)
		log_warn("kill(-%d, %s)", (int)x->pgid, wrap_signame(signo));
}

void
wrap_forward(struct wrap *x, int signo)
{
	if (x->active)
		group_kill(x, signo);
}

/*
 * What is left of the run once its main process is gone: our children
 * (every orphan is reparented to us; zombies are reaped by libev as soon
 * as it sees SIGCHLD) and members of its group whose parent is alive.
 */
static size_t
leftovers(struct wrap *x)
{
	size_t n = sweep_children(0);

	/* Most are both; count the group only when no child is left. */
	if (n == 0 && x->pgid > 0 && kill(-x->pgid, 0) == 0)
		n = 1;
	return n;
}

static void
arm_deadline(struct wrap *x)
{
	ev_timer_stop(x->loop, &x->deadline);
	ev_timer_set(&x->deadline, x->o->stop_timeout, 0.);
	ev_timer_start(x->loop, &x->deadline);
}

/* The stop signal, and SIGCONT: a stopped process would never see it. */
static void
stop_group(struct wrap *x)
{
	int sig = x->o->stop_signal;

	group_kill(x, sig);
	if (sig != SIGCONT && sig != SIGKILL)
		group_kill(x, SIGCONT);
}

static void
stop_children(struct wrap *x)
{
	int sig = x->o->stop_signal;

	sweep_children(sig);
	if (sig != SIGCONT && sig != SIGKILL)
		sweep_children(SIGCONT);
}

int
wrap_start(struct wrap *x)
{
	static const char clear[] = "\033[H\033[2J\033[3J";
	struct spawn_req r;
	pid_t pid;

	if (x->o->clear)
		log_write_all(STDOUT_FILENO, clear, sizeof(clear) - 1);
	spawn_req_init(&r);
	r.argv = x->o->argv;
	r.search = true;
	r.own_group = true;
	r.die_with_parent = true; /* a kill -9 of tend takes it along */
	/* The command is interactive: it gets our stdin, not /dev/null. */
	r.stdin_fd = STDIN_FILENO;
	ev_now_update(x->loop);
	/* Before the spawn: one that fails is a failure within 10 s too. */
	x->started = ev_now(x->loop);
	if ((pid = spawn_start(&r)) == -1) {
		log_warn("%s", x->o->argv[0]);
		/* The shell's codes: 127 not found, 126 found, not runnable. */
		x->wstatus = W_EXITCODE(errno == ENOENT ? 127 : 126, 0);
		return -1;
	}
	x->runs++;
	x->active = true;
	x->pid = x->pgid = pid;
	guard_watch(&x->guard, pid);
	x->wstatus = 0;
	x->stop_sent = x->kill_sent = false;
	x->had_tty = false;
	/* Straight after spawn (ev.pod); 1: report stops too (Ctrl-Z). */
	ev_child_init(&x->child, on_child, pid, 1);
	ev_child_start(x->loop, &x->child);
	wrap_tty_give(x);
	return 0;
}

void
wrap_stop(struct wrap *x)
{
	if (!x->active || x->stop_sent)
		return;
	x->stop_sent = true;
	log_warnx("stopping %s (%s)", x->cmd, wrap_signame(x->o->stop_signal));
	/* The main process is alive (or stop_sent would be set already). */
	stop_group(x);
	arm_deadline(x);
}

void
wrap_kill(struct wrap *x)
{
	if (!x->active)
		return;
	x->stop_sent = x->kill_sent = true;
	x->kill_polls = 0;
	ev_timer_stop(x->loop, &x->deadline);
	group_kill(x, SIGKILL);
	sweep_children(SIGKILL);
}

static void
run_over(struct wrap *x)
{
	ev_timer_stop(x->loop, &x->deadline);
	ev_timer_stop(x->loop, &x->sweep);
	x->active = false;
	guard_forget(&x->guard, x->pgid);
	x->pgid = 0;
	wrap_run_ended(x);
}

static void
main_exited(struct wrap *x, int status)
{
	size_t left;

	ev_child_stop(x->loop, &x->child);
	x->pid = 0;
	x->wstatus = status;
	/* At once, so that the next Ctrl-C reaches tend, not an empty group. */
	wrap_tty_take(x);
	if ((left = leftovers(x)) == 0) {
		run_over(x);
		return;
	}
	if (!x->stop_sent) {
		log_warnx("stopping %zu left-over process%s of %s (%s)", left,
		    left == 1 ? "" : "es", x->cmd,
		    wrap_signame(x->o->stop_signal));
		stop_group(x);
		arm_deadline(x);
	}
	/*
	 * Orphans that left the group (setsid) are only reachable as our
	 * children. XXX: after a stop the group already had the signal, so
	 * an orphan still in it gets it twice; and orphans of orphans that
	 * appear later get no stop signal, only the SIGKILL at the deadline.
	 */
	if (!x->kill_sent)
		stop_children(x);
	x->stop_sent = true;
	ev_timer_set(&x->sweep, SWEEP_POLL, SWEEP_POLL);
	ev_timer_start(x->loop, &x->sweep);
}

static void
on_child(struct ev_loop *loop, ev_child *w, int revents)
{
	struct wrap *x =
	    (struct wrap *)((char *)w - offsetof(struct wrap, child));

	(void)loop;
	(void)revents;
	if (WIFSTOPPED(w->rstatus)) {
		wrap_tty_child_stopped(x, WSTOPSIG(w->rstatus));
		return;
	}
	if (WIFCONTINUED(w->rstatus))
		return;
	main_exited(x, w->rstatus);
}

static void
on_deadline(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct wrap *x =
	    (struct wrap *)((char *)w - offsetof(struct wrap, deadline));

	(void)loop;
	(void)revents;
	if (x->pid > 0)
		log_warnx("%s still running after %g s; SIGKILL", x->cmd,
		    x->o->stop_timeout);
	else
		log_warnx("%zu left-over process(es) of %s still running "
		          "after %g s; SIGKILL",
		    leftovers(x), x->cmd, x->o->stop_timeout);
	wrap_kill(x);
}

static void
on_sweep(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct wrap *x =
	    (struct wrap *)((char *)w - offsetof(struct wrap, sweep));
	size_t left;

	(void)loop;
	(void)revents;
	if ((left = leftovers(x)) == 0) {
		run_over(x);
		return;
	}
	if (!x->kill_sent)
		return;
	/* Orphans of the processes just killed are our children now. */
	group_kill(x, SIGKILL);
	sweep_children(SIGKILL);
	if (++x->kill_polls >= SWEEP_KILL_ROUNDS) {
		/* Stuck in the kernel (D state): waiting longer won't help. */
		log_warnx("%zu process(es) of %s survived SIGKILL; giving up "
		          "on them",
		    left, x->cmd);
		run_over(x);
	}
}
