/* SPDX-License-Identifier: ISC */
/*
 * supervisor/exec/exec_priv.h
 * The state `tend exec` shares between its files: the run (main process,
 * process group, stop and sweep timers), what happens when it ends, the
 * terminal, the watcher and the signal watchers. One instance, static,
 * driven by the default libev loop.
 */
#ifndef TEND_EXEC_PRIV_H
#define TEND_EXEC_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <termios.h>

#include <ev.h>

#include "backoff.h"
#include "exec.h"
#include "guard.h"
#include "pathset.h"
#include "sweep.h"

#define WRAP_NSIG 9 /* the forwarded signals, see exec_signals.c */
#define WRAP_DEBOUNCE 0.05 /* s of quiet after a change, as dev/changes.c */
#define WRAP_DEBOUNCE_MAX 1.0 /* s: a file written forever still reruns */
#define WRAP_GUARD_AFTER 0.1 /* s: a command this old gets a guard */

struct watch;

struct wrap_tty {
	bool t_isatty; /* stdin is a terminal */
	bool t_handover; /* may give the foreground to the child */
	bool t_may_stop; /* job control: tend stops when the child does */
	bool t_saved_ok;
	struct termios t_saved; /* the modes tend found: restored at exit */
	bool t_child_ok;
	struct termios t_child; /* the child's modes when it stopped */
	pid_t t_given; /* the group we made the foreground, 0 if none */
	pid_t t_left; /* an ended run's group left in the foreground */
	bool t_warned_bg; /* said once that a child hit SIGTTIN */
	bool t_warned_stop; /* said once that PID 1 cannot stop with it */
};

/* The command tend exec wraps, and everything about wrapping it. */
struct wrap {
	struct ev_loop *loop;
	const struct exec_opts *o;
	char cmd[160]; /* the command, for messages */
	bool watching; /* --watch: tend outlives runs */
	bool pid1;
	struct guard guard; /* kills the run's group if tend is SIGKILLed */

	/* The current run: from spawn until its last process is gone. */
	bool active;
	pid_t pid; /* main process; 0 once reaped */
	pid_t pgid; /* its process group (== first pid) */
	int wstatus; /* how the main process ended */
	bool had_tty; /* it was given the terminal's foreground */
	bool stop_sent; /* tend asked this run to stop */
	bool kill_sent; /* and then SIGKILLed it */
	unsigned kill_polls; /* sweep rounds since SIGKILL */
	unsigned runs;
	ev_tstamp started;
	ev_child child;
	ev_timer deadline; /* SIGKILL after stop_timeout */
	ev_timer sweep; /* every 10 ms: are the leftovers gone? */

	/* What happens when the run ends. */
	bool rerun; /* a change: start again (--restart, --queue) */
	int told; /* INT, TERM or HUP sent to tend, 0 if none */
	unsigned stop_asks; /* stop requests; the second insists */
	bool exiting; /* leave the loop when the run ends */
	bool done; /* wrap_finish was called (perhaps before ev_run) */
	int exit_code; /* what exec_run returns */
	int exit_signo; /* or the signal it re-raises, 0 */
	struct backoff backoff_policy; /* the delay, the fast failures */
	ev_timer backoff;

	/* --watch */
	struct watch *watch;
	char **patterns; /* the --watch paths, cleaned */
	bool overflowed; /* the kernel dropped events */
	struct pathset changes; /* since the last start */
	ev_timer debounce;
	ev_tstamp debounce_first;

	struct wrap_tty tty;
	ev_signal sigs[WRAP_NSIG];
};

/* exec.c: decisions. */
void wrap_run_ended(struct wrap *x); /* the run's last process is gone */
void wrap_changed(struct wrap *x); /* debounced --watch changes */
void wrap_finish(struct wrap *x, int code, int signo); /* leave the loop */
const char *wrap_signame(int signo);

/* exec_child.c: one run. */
int wrap_start(struct wrap *x); /* 0, or -1: the spawn failed (logged) */
void wrap_stop(struct wrap *x); /* stop signal + SIGCONT; no-op if sent */
void wrap_kill(struct wrap *x); /* SIGKILL the whole run now */
void wrap_forward(struct wrap *x, int signo); /* to the run's group */
void wrap_child_init(struct wrap *x);
void wrap_child_fini(struct wrap *x);

/* exec_signals.c */
void wrap_signals_start(struct wrap *x);
void wrap_signals_stop(struct wrap *x);

/* exec_tty.c */
void wrap_tty_init(struct wrap *x);
void wrap_tty_give(struct wrap *x); /* the run's group becomes foreground */
void wrap_tty_take(struct wrap *x); /* tend's group again, modes restored */
void wrap_tty_child_stopped(struct wrap *x, int signo);
void wrap_tty_continued(struct wrap *x); /* tend got SIGCONT */
void wrap_tty_stop_self(struct wrap *x); /* job control: stop like the child */
void wrap_tty_restore(struct wrap *x); /* every exit path */

/* exec_watch.c */
int wrap_watch_start(struct wrap *x); /* 0, or -1 after saying why */
void wrap_watch_stop(struct wrap *x);

#endif
