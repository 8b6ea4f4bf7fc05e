/* SPDX-License-Identifier: ISC */
/*
 * supervisor/exec/exec_tty.c
 * `tend exec` and the terminal. Without --watch, when tend is in the
 * terminal's foreground, the command's process group is made the
 * foreground right after spawn: it reads the terminal and gets Ctrl-C and
 * Ctrl-Z from the kernel, as if tend were not there. Job control is
 * mirrored: when the command stops, tend takes the terminal back and stops
 * itself, so the shell sees the job stop; on SIGCONT (`fg`) the command
 * gets the terminal and SIGCONT. The modes tend found are restored, and
 * the foreground given back, whenever a run ends and on every exit path.
 * As PID 1 of a pid namespace, tend's group may have no number there: the
 * command still gets the foreground, but it cannot be given back (below).
 *
 * With --watch the foreground stays with tend, which must see Ctrl-C to
 * control restarts; the command still inherits stdin, but reading it from
 * the background stops it (SIGTTIN), which tend reports once.
 */
#include <sys/types.h>

#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>

#include "exec_priv.h"
#include "log.h"

static struct wrap_tty *restore_at_exit; /* for exit() from fatal() */

/*
 * Is tend's process group the terminal's foreground? As PID 1 of a pid
 * namespace whose creator kept the terminal (unshare --fork), our group
 * is not visible here and getpgrp() and tcgetpgrp() both say 0. Then ask
 * the terminal itself: SIGTTIN being ignored, a read from a background
 * group fails with EIO before anything is read, and a read of 0 bytes
 * from the foreground returns 0 at once (n_tty checks job control first).
 */
static bool
foreground(void)
{
	pid_t pg = getpgrp();
	char c;

	if (pg > 0)
		return tcgetpgrp(STDIN_FILENO) == pg;
	return read(STDIN_FILENO, &c, 0) == 0;
}

/*
 * The terminal is tend's to touch: its group is the foreground, or the
 * foreground is still the group of a run that tend could not take it
 * back from (see give_back).
 */
static bool
ours(const struct wrap_tty *t)
{
	return foreground() ||
	    (t->t_left > 0 && tcgetpgrp(STDIN_FILENO) == t->t_left);
}

static void
restore_modes(struct wrap_tty *t)
{
	if (t->t_saved_ok && ours(t) &&
	    tcsetattr(STDIN_FILENO, TCSANOW, &t->t_saved) == -1)
		log_warn("tcsetattr");
}

/*
 * The foreground goes back from the run's group to tend's. A group that
 * is not visible here (PID 1, above) cannot be named to tcsetpgrp: the
 * terminal then stays with the ended run's empty group, where only tend
 * (t_left) or the process that started tend's namespace, a shell taking
 * back its finished job, will touch it.
 */
static void
give_back(struct wrap_tty *t)
{
	pid_t given = t->t_given;

	if (given <= 0)
		return;
	t->t_given = 0;
	/* If a shell took it meanwhile (we were put in the background), it
	 * is the shell's. */
	if (tcgetpgrp(STDIN_FILENO) != given)
		return;
	if (getpgrp() == 0)
		t->t_left = given;
	else if (tcsetpgrp(STDIN_FILENO, getpgrp()) == -1)
		log_warn("tcsetpgrp");
	/* A command that died in raw mode must not leave the terminal so. */
	restore_modes(t);
}

static void
at_exit(void)
{
	if (restore_at_exit == NULL)
		return;
	give_back(restore_at_exit);
	restore_modes(restore_at_exit);
}

void
wrap_tty_init(struct wrap *x)
{
	struct wrap_tty *t = &x->tty;

	/*
	 * tini's note: a process in a background group that calls tcsetpgrp
	 * (giving the terminal back) or tcsetattr gets SIGTTOU, which stops
	 * it. tend does both from the background on purpose, and writes its
	 * messages there too (TOSTOP): ignore it, and SIGTTIN (tend never
	 * reads the terminal). The command gets default dispositions back
	 * (POSIX_SPAWN_SETSIGDEF).
	 */
	signal(SIGTTOU, SIG_IGN);
	signal(SIGTTIN, SIG_IGN);
	t->t_isatty = isatty(STDIN_FILENO);
	if (!t->t_isatty)
		return;
	t->t_saved_ok = tcgetattr(STDIN_FILENO, &t->t_saved) == 0;
	t->t_handover = !x->watching;
	/* The kernel does not stop a pid namespace's init. */
	t->t_may_stop = !x->pid1;
	restore_at_exit = t;
	atexit(at_exit);
}

void
wrap_tty_give(struct wrap *x)
{
	struct wrap_tty *t = &x->tty;

	/* Only when the terminal is ours to give: never steal it from bg. */
	if (!t->t_handover || x->pid <= 0 || !ours(t))
		return;
	if (tcsetpgrp(STDIN_FILENO, x->pgid) == -1) {
		log_warn("tcsetpgrp");
		return;
	}
	t->t_given = x->pgid;
	t->t_left = 0;
	x->had_tty = true;
}

void
wrap_tty_take(struct wrap *x)
{
	give_back(&x->tty);
}

void
wrap_tty_stop_self(struct wrap *x)
{
	if (!x->tty.t_may_stop || !x->tty.t_isatty)
		return;
	/*
	 * SIGSTOP, not SIGTSTP: the kernel drops a default SIGTSTP sent to
	 * an orphaned process group, and a shell must see this stop. The
	 * loop resumes here; libev then runs our SIGCONT callback.
	 */
	kill(getpid(), SIGSTOP);
}

void
wrap_tty_child_stopped(struct wrap *x, int signo)
{
	struct wrap_tty *t = &x->tty;

	if ((signo == SIGTTIN || signo == SIGTTOU) && t->t_given > 0 &&
	    tcgetpgrp(STDIN_FILENO) == t->t_given) {
		/*
		 * It touched the terminal between its spawn and our
		 * tcsetpgrp (there is no hook in the child to do it before
		 * exec, as tini's fork can). It owns the terminal now.
		 */
		wrap_forward(x, SIGCONT);
		return;
	}
	if ((x->watching || !t->t_may_stop) &&
	    (signo == SIGTTIN || signo == SIGTTOU)) {
		if (!t->t_warned_bg)
			log_warnx("%s is stopped: it used the terminal, which "
			          "%s",
			    x->cmd,
			    x->watching ? "stays with tend under --watch"
			                : "is not in tend's foreground");
		t->t_warned_bg = true;
		return;
	}
	if (!t->t_isatty)
		return;
	if (!t->t_may_stop) {
		/* A shell outside the namespace may still stop and go on
		 * with the whole job; we cannot, so say how to go on. */
		if (!t->t_warned_stop)
			log_warnx("%s is stopped (%s); as PID 1 tend cannot "
			          "stop with it: send it SIGCONT to go on",
			    x->cmd, wrap_signame(signo));
		t->t_warned_stop = true;
		return;
	}
	/* As a shell does for a job: keep its modes for `fg`, restore ours. */
	if (t->t_given > 0 && tcgetpgrp(STDIN_FILENO) == t->t_given)
		t->t_child_ok = tcgetattr(STDIN_FILENO, &t->t_child) == 0;
	wrap_tty_take(x);
	wrap_tty_stop_self(x);
}

void
wrap_tty_continued(struct wrap *x)
{
	struct wrap_tty *t = &x->tty;

	if (t->t_given > 0 || !x->active || x->pid <= 0)
		return;
	/* `bg` continues us in the background: the terminal is not ours. */
	if (!t->t_handover || !ours(t))
		return;
	if (t->t_child_ok &&
	    tcsetattr(STDIN_FILENO, TCSANOW, &t->t_child) == -1)
		log_warn("tcsetattr");
	t->t_child_ok = false;
	wrap_tty_give(x);
}

void
wrap_tty_restore(struct wrap *x)
{
	wrap_tty_take(x);
	restore_modes(&x->tty);
	restore_at_exit = NULL;
}
