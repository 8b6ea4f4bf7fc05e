/* SPDX-License-Identifier: ISC */
/*
 * supervisor/exec/exec.h
 * `tend exec`: one command, supervised as a correct wrapper and init.
 */
#ifndef TEND_EXEC_H
#define TEND_EXEC_H

#include <stdbool.h>
#include <stddef.h>

enum exec_busy { EXEC_RESTART, EXEC_QUEUE };

struct exec_opts {
	char **argv; /* the command, NULL-terminated (not owned) */
	char **watch; /* --watch paths (not owned) */
	size_t nwatch;
	enum exec_busy on_change; /* --restart (default) or --queue */
	int stop_signal; /* --stop-signal, default SIGTERM */
	double stop_timeout; /* --stop-timeout, default 5 */
	bool restart_on_failure;
	/*
	 * --restart-limit: failures in a row, each within 10 s of starting,
	 * before tend gives up; as a service's restart_limit (default 5,
	 * 0: never give up).
	 */
	unsigned restart_limit;
	bool clear; /* --clear: clear the screen before each run */
	unsigned poll_ms; /* --poll: poll every --watch tree; 0: inotify */
};

#define EXEC_RESTART_LIMIT 5 /* config's CFG_RESTART_LIMIT */
#define EXEC_RESTART_LIMIT_MAX 1000 /* config's CFG_MAX_RESTART_LIMIT */

/*
 * Run o->argv until it ends (or, with --watch, until interrupted).
 * Returns the exit code to pass through (128+N for death by signal N);
 * may instead re-raise a signal tend itself was stopped by.
 */
int exec_run(const struct exec_opts *o);

#endif
