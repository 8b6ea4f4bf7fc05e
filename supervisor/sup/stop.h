/* SPDX-License-Identifier: ISC */
/*
 * supervisor/sup/stop.h
 * The stop policy as a pure function of (state, event) -> actions: one
 * switch per event in stop.c, the table in docs/ARCHITECTURE.md
 * ("Stopping"). No processes, no I/O: actions.c performs the actions,
 * and the unit tests drive it without a process.
 */
#ifndef TEND_STOP_H
#define TEND_STOP_H

#include <stdbool.h>

enum stop_state {
	ST_RUNNING, /* serving, building on demand */
	ST_FINISHING, /* 1st interrupt: running tasks finish, nothing new */
	ST_ABORTING, /* 2nd: tasks got SIGINT, SIGKILL after stop_timeout */
	ST_KILLING, /* 3rd: everything got SIGKILL, exit now */
};

enum stop_event {
	SE_INT, /* SIGINT (a Ctrl-C press) */
	SE_TERM, /* SIGTERM */
	SE_QUIT, /* SIGQUIT: no grace at all */
	SE_GRACE_EXPIRED, /* shutdown.grace ran out after SIGTERM */
	SE_WORKER_STOPPED, /* the worker stopped on its own interrupt */
	SE_SUPERVISOR_IDLE, /* no job runs and no worker is left */
	SE_DONE, /* tend run: every job ran; stop services and exit */
	SE_FAIL, /* tend failed (its worker cannot start): as SE_TERM, but
	            nothing to re-raise; the exit code says it */
};

/* Actions, a bit set: the caller performs them in this order. */
enum stop_action {
	SA_NONE = 0,
	SA_FINISH = 1 << 0, /* stop scheduling, drop queued runs, stop
	                       services, tell the worker STOP graceful */
	SA_ARM_GRACE = 1 << 1, /* start the shutdown.grace timer */
	SA_ABORT = 1 << 2, /* SIGINT to running tasks' groups, arm
	                      their SIGKILL timers; worker STOP cut */
	SA_KILL = 1 << 3, /* SIGKILL every child and group */
	SA_EXIT = 1 << 4, /* leave the loop and exit */
	SA_SAME_PRESS = 1 << 5, /* informational: this SIGINT is the press
	                           the worker already reported */
};

struct stop {
	enum stop_state st;
	int signo; /* signal to re-raise at exit; 0: exit normally */
	bool grace_armed; /* SA_ARM_GRACE already issued */
	/*
	 * The worker reported an interrupt before our own SIGINT arrived
	 * (both are sent by one Ctrl-C, in either order). The next SIGINT
	 * is then that same press, not a second one.
	 */
	bool worker_first;
};

void stop_init(struct stop *s);

/*
 * Advance s by ev; signo is the signal behind SE_WORKER_STOPPED (0 when
 * none). Returns the actions to perform.
 */
unsigned stop_step(struct stop *s, enum stop_event ev, int signo);

#endif
