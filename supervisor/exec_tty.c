/* SPDX-License-Identifier: ISC */
/*
 * supervisor/exec_tty.c
 * `tend exec` and the terminal. Without --watch, when tend is in the
 * terminal's foreground, the command's process group is made the
 * foreground right after spawn: it reads the terminal and gets Ctrl-C and
 * Ctrl-Z from the kernel, as if tend were not there. Job control is
 * mirrored: when the command stops, tend takes the terminal back and stops
 * itself, so the shell sees the job stop; on SIGCONT (`fg`) the command
 * gets the terminal and SIGCONT. The modes tend found are restored, and
 * the foreground given back, whenever a run ends and on every exit path.
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

static struct xc_tty *restore_at_exit; /* for exit() from fatal() */

static bool
foreground(void)
{
	pid_t pg = getpgrp();

	/*
	 * In a pid namespace whose creator kept the terminal (unshare
	 * --fork), our group is not visible here and both calls say 0.
	 */
	return pg > 0 && tcgetpgrp(STDIN_FILENO) == pg;
}

static void
restore_modes(struct xc_tty *t)
{
	if (t->t_saved_ok && foreground() &&
	    tcsetattr(STDIN_FILENO, TCSANOW, &t->t_saved) == -1)
		log_warn("tcsetattr");
}

static void
at_exit(void)
{
	if (restore_at_exit != NULL && restore_at_exit->t_given > 0 &&
	    tcgetpgrp(STDIN_FILENO) == restore_at_exit->t_given)
		tcsetpgrp(STDIN_FILENO, getpgrp());
	if (restore_at_exit != NULL)
		restore_modes(restore_at_exit);
}

void
xc_tty_init(struct xc *x)
{
	struct xc_tty *t = &x->tty;

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
	t->t_handover = !x->watching && getpgrp() > 0;
	/* The kernel does not stop a pid namespace's init. */
	t->t_may_stop = !x->pid1;
	restore_at_exit = t;
	atexit(at_exit);
}

void
xc_tty_give(struct xc *x)
{
	struct xc_tty *t = &x->tty;

	/* Only when the terminal is ours to give: never steal it from bg. */
	if (!t->t_handover || x->pid <= 0 || !foreground())
		return;
	if (tcsetpgrp(STDIN_FILENO, x->pgid) == -1) {
		log_warn("tcsetpgrp");
		return;
	}
	t->t_given = x->pgid;
	x->had_tty = true;
}

void
xc_tty_take(struct xc *x)
{
	struct xc_tty *t = &x->tty;
	pid_t given = t->t_given;

	if (given <= 0)
		return;
	t->t_given = 0;
	/* If a shell took it meanwhile (we were put in the background), it
	 * is the shell's. */
	if (tcgetpgrp(STDIN_FILENO) != given)
		return;
	if (tcsetpgrp(STDIN_FILENO, getpgrp()) == -1)
		log_warn("tcsetpgrp");
	/* A command that died in raw mode must not leave the terminal so. */
	restore_modes(t);
}

void
xc_tty_stop_self(struct xc *x)
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
xc_tty_child_stopped(struct xc *x, int signo)
{
	struct xc_tty *t = &x->tty;

	if ((signo == SIGTTIN || signo == SIGTTOU) && t->t_given > 0 &&
	    tcgetpgrp(STDIN_FILENO) == t->t_given) {
		/*
		 * It touched the terminal between its spawn and our
		 * tcsetpgrp (there is no hook in the child to do it before
		 * exec, as tini's fork can). It owns the terminal now.
		 */
		xc_forward(x, SIGCONT);
		return;
	}
	if (x->watching && (signo == SIGTTIN || signo == SIGTTOU)) {
		if (!t->t_warned_bg)
			log_warnx("%s is stopped: it used the terminal, which "
			          "stays with tend under --watch",
			    x->cmd);
		t->t_warned_bg = true;
		return;
	}
	if (!t->t_may_stop || !t->t_isatty)
		return;
	/* As a shell does for a job: keep its modes for `fg`, restore ours. */
	if (t->t_given > 0 && tcgetpgrp(STDIN_FILENO) == t->t_given)
		t->t_child_ok = tcgetattr(STDIN_FILENO, &t->t_child) == 0;
	xc_tty_take(x);
	xc_tty_stop_self(x);
}

void
xc_tty_continued(struct xc *x)
{
	struct xc_tty *t = &x->tty;

	if (t->t_given > 0 || !x->active || x->pid <= 0)
		return;
	/* `bg` continues us in the background: the terminal is not ours. */
	if (!t->t_handover || !foreground())
		return;
	if (t->t_child_ok &&
	    tcsetattr(STDIN_FILENO, TCSANOW, &t->t_child) == -1)
		log_warn("tcsetattr");
	t->t_child_ok = false;
	xc_tty_give(x);
}

void
xc_tty_restore(struct xc *x)
{
	xc_tty_take(x);
	restore_modes(&x->tty);
	restore_at_exit = NULL;
}
