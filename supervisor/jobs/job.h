/* SPDX-License-Identifier: ISC */
/*
 * supervisor/jobs/job.h
 * A job and its runs: spawned in its own process group with its stdout and
 * stderr on pipes, followed until all have ended, stopped with one signal each,
 * its output prefixed and kept as a tail, its readiness probed, and what
 * its dependants see of it. The owner (the scheduler of a mode) gives a
 * struct job_env and hears back through struct job_ops: jobs/ knows no
 * scheduler, no worker and no stop machine.
 */
#ifndef TEND_JOB_H
#define TEND_JOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <ev.h>

#include "backoff.h"
#include "config.h"
#include "guard.h"
#include "output.h"
#include "pathset.h"
#include "ready.h"

struct job;

/* What a job's owner hears from it, always from the loop. */
struct job_ops {
	/* The run ended: main process reaped and output at EOF. */
	void (*ended)(void *owner, struct job *j);
	/* Its "ready" probe concluded (ready.h). */
	void (*ready)(void *owner, struct job *j, bool ok, const char *why);
	/* Just before ended: the run's last writes may have caused file
	 * events the owner wants counted as this run's. */
	void (*ending)(void *owner, struct job *j);
	/* A service's restart delay is over (restart.c): start it again. */
	void (*restart)(void *owner, struct job *j);
	/* A whole line of its output, as shown (may be NULL). */
	void (*line)(void *owner, struct job *j, const char *line, size_t len);
};

/* What a job needs from its owner; outlives every job that points at it. */
struct job_env {
	struct ev_loop *loop;
	struct guard *guard; /* told each run's process group */
	bool color; /* prefix output lines in colour */
	bool builds; /* tasks are called builds: they write a served site */
	const struct job_ops *ops;
	void *owner;
};

enum job_state {
	JS_IDLE, /* never ran, or finished */
	JS_RUNNING, /* main process alive, or its output not yet at EOF */
	JS_BACKOFF, /* service waiting to be restarted */
};

/*
 * A job's state as its dependants see it (deps.c). In `tend run` it is
 * also the job's line in the summary; in dev mode it is the last run's.
 */
enum run_state {
	RUN_NONE, /* not asked for (tend run), never queued (serve) */
	RUN_PENDING, /* waits for its dependencies or a -j slot */
	RUN_RUNNING,
	RUN_OK,
	RUN_FAILED,
	RUN_SKIPPED, /* tend run: a dependency failed, or tend stopped first;
	                dev: waits for a failed dependency to succeed */
	RUN_INTERRUPTED, /* ended by tend's abort (2nd Ctrl-C) */
	RUN_KILLED, /* SIGKILLed by tend's abort or its 3rd Ctrl-C */
};

struct job {
	const struct job_env *j_env; /* its owner's loop, guard, callbacks */
	const struct cfg_job *j_cfg;
	size_t j_idx; /* its place in its owner's table, and in cfg.c_jobs */
	enum job_state j_state;
	pid_t j_pid; /* main process, 0 once reaped */
	pid_t j_pgid; /* its process group, 0 when none is left */
	int j_wstatus;
	bool j_exited; /* main process reaped */
	bool j_eof; /* both output pipes at EOF */
	bool j_stopping; /* stop signal sent; a service is not restarted */
	/*
	 * Signals tend sent this run's group to stop it, one bit each: no
	 * process gets the same one twice (many take a second SIGTERM as
	 * "quit now, skip cleanup").
	 */
	uint64_t j_sigsent;
	bool j_interrupted; /* the 2nd Ctrl-C (or SIGTERM's grace) cut it */
	bool
	    j_stop_wanted; /* stop it once its dependants ended (sup/order.c) */
	bool j_queued; /* in the run queue */
	bool j_rerun; /* run again when this run ends (on_busy) */
	bool j_restarting; /* on_busy restart signalled this run */
	bool j_last_cut; /* the last run that ended was cut for a restart */
	/* The last run that was not cut: what a new worker is told. */
	int j_shown_status; /* -1: none yet */
	uint32_t j_shown_ms;
	double j_shown_end;
	bool j_in_batch; /* a task that ran since the last RELOAD */
	bool j_timed_out; /* ran past its timeout */
	ev_child j_child;
	ev_io j_out; /* its stdout; data: the job */
	ev_io j_err; /* its stderr, a pipe of its own */
	ev_timer j_timeout; /* job.timeout */
	ev_timer j_kill; /* SIGKILL after stop_timeout */
	ev_timer j_straggler; /* output still open after main exit */
	ev_timer j_backoff; /* service restart delay */
	ev_tstamp j_started;
	struct backoff j_backoff_policy; /* its delay and fast failures */
	unsigned j_runs;
	struct output j_output;
	struct pathset j_changes; /* changed paths for the next run */
	struct ready_probe j_probe; /* ready.c: its "ready" probe */
	enum run_state j_run;
	struct job **j_deps; /* j_cfg->j_after, resolved once */
	size_t j_ndeps;
	const struct job *j_blocker; /* dev: the failed job it waits for */
	bool j_ready; /* its "ready" probe succeeded during this run */
	int j_last_status; /* exit code or 128+N; -1 before the first run */
	uint32_t j_last_ms;
	ev_tstamp j_last_end; /* when that run ended */
};

/* job.c */
void job_init(
    const struct job_env *env, struct job *j, const struct cfg_job *cfg);
int job_start(struct job *j);
/* Stop signal: sent once per run whatever the callers, SIGCONT after it. */
void job_signal(struct job *j, int signo, bool arm_kill);
void job_notify(struct job *j, int signo); /* on_busy "signal": every time */
void job_kill_now(struct job *j);
void job_release(struct job *j); /* stop watchers, close fds */
bool job_running(const struct job *j);
const char *job_kind_word(const struct job *j);

/* restart.c: a service's restart policy */
void job_restart_init(struct job *j); /* by job_init */
void job_restart_reset(struct job *j); /* a fresh start: shortest delay */
void job_restart_cancel(struct job *j); /* a pending restart is off */
/* Its run ended: arm the restart its policy asks for, if any; stopping:
 * tend is stopping, so none. */
void job_service_ended(struct job *j, bool stopping);

/* deps.c: dependencies, as both schedulers see them */
/* It ran and did not succeed, or never will. */
bool deps_unsuccessful(enum run_state st);
/* 1: every dependency is there (a task succeeded or its probe passed; a
 * service runs, and is ready if it has a probe); 0: wait; -1: *culprit
 * failed or was skipped. */
int deps_state(const struct job *j, const struct job **culprit);
/* j_run from how its run ended; stopping: tend stopped it at the end. */
void deps_job_ended(struct job *j, bool stopping);

#endif
