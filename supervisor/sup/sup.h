/* SPDX-License-Identifier: ISC */
/*
 * supervisor/sup/sup.h
 * The life that `tend` (dev/) and `tend run` (run/) share: one libev loop,
 * the job table, the guard, the signals, the stop machine and its
 * actions, the order services stop in, and the final sweep. A mode plugs
 * in through struct sup_mode, chosen once at start; sup/ knows no mode.
 */
#ifndef TEND_SUP_H
#define TEND_SUP_H

#include <stdbool.h>
#include <stddef.h>

#include <ev.h>

#include "config.h"
#include "guard.h"
#include "job.h"
#include "stop.h"

struct sup;
struct cJSON;
struct control;

/*
 * What a mode does at each point of the shared life. Every entry is
 * called from the loop; the stop entries run inside the step that
 * sup/actions.c performs, after its own part.
 */
struct sup_mode {
	const char *name; /* in `tend status`: "dev" or "run" */
	/* After the job table is made, before any child exists: open what
	 * the mode needs. Non-zero: exit with it at once. */
	int (*prepare)(struct sup *s);
	/* Start the first jobs (the guard and the signals are in place). */
	void (*start)(struct sup *s);
	/* Start a run of j (a queued job, or a service's restart). */
	void (*start_job)(struct sup *s, struct job *j);
	/* Start what can start now: something ended or became ready. */
	void (*next)(struct sup *s);
	/* A run of j ended; sup/ has applied the restart policy and the
	 * dependency state. */
	void (*job_ended)(struct sup *s, struct job *j);
	/* j's run is ready: its probe passed (may be NULL). */
	void (*job_ready)(struct sup *s, struct job *j);
	/* Just before job_ended (may be NULL): see struct job_ops. */
	void (*job_ending)(struct sup *s, struct job *j);
	/* The stop's steps: 1st (nothing new starts), 2nd (hurry), 3rd
	 * (everything is SIGKILLed; no job end will be seen). */
	void (*finish)(struct sup *s);
	void (*abort)(struct sup *s);
	void (*kill)(struct sup *s);
	/* A process of the mode's own (the worker) has not ended yet: the
	 * services wait for it, and tend for them both. */
	bool (*busy)(const struct sup *s);
	void (*hangup)(struct sup *s); /* SIGHUP */
	void (*trigger)(struct sup *s, const char *source); /* SIGUSR1 */
	/* tend start, restart or build from another terminal: run j (NULL:
	 * every task) as the mode runs it. NULL, or why it does not. */
	const char *(*request)(
	    struct sup *s, struct job *j, const char *source);
	/* Add the mode's part to `tend status` (may be NULL). */
	void (*status)(struct sup *s, struct cJSON *root);
	/* After the loop: say what happened, free the mode's state. */
	void (*end)(struct sup *s);
};

struct sup {
	const struct sup_mode *mode;
	struct ev_loop *loop;
	struct cfg cfg;
	const char *cfg_file; /* NULL: built from the command line */

	struct job **jobs; /* parallel to cfg.c_jobs; a reload keeps the
	                      unchanged ones (the same struct, pid, watchers) */
	size_t njobs;

	struct guard guard; /* kills the jobs' groups if tend is SIGKILLed */
	struct job_env job_env; /* what the jobs get: loop, guard, callbacks */
	struct stop stop;
	ev_signal sig_int, sig_term, sig_quit, sig_hup, sig_usr1;
	ev_timer grace;
	ev_timer sweep; /* final sweep of left-over descendants */
	int sweep_rounds;
	bool exiting;
	int exit_code;
	bool color;
	bool timestamps; /* --timestamps (or output.timestamps) */
	struct control *control; /* tend status and friends; NULL: none */
};

/* sup.c: the life */
int sup_run(struct sup *s); /* returns the exit code, or re-raises */

/* actions.c: the stop machine's actions, the idle check, the sweep */
void sup_stop_event(struct sup *s, enum stop_event ev, int signo);
/* tend itself failed (its worker will not start): stop as at SIGTERM,
 * then exit with code, re-raising nothing. */
void sup_fail(struct sup *s, int code);
void sup_check_idle(struct sup *s);
bool sup_stopping(const struct sup *s); /* past the 1st step's start */
bool sup_hurried(const struct sup *s); /* at the 2nd step or later */

/* order.c: services stop after what depends on them */
void order_announce(struct sup *s); /* say what waits for what */
void order_advance(struct sup *s); /* signal the services now due */
void order_hurry(struct sup *s); /* 2nd Ctrl-C: every one now */
bool order_stopping(const struct sup *s); /* one is still ending */

/* table.c: the job table, and what the jobs report */
void sup_table_init(struct sup *s); /* job_env; before any table */
struct job *sup_job_new(struct sup *s, const struct cfg_job *c, size_t idx);
void sup_job_free(struct job *j);
void sup_resolve_deps(struct sup *s, struct job *j);
int sup_jobs_make(struct sup *s); /* from s->cfg, at start-up */
void sup_jobs_free(struct sup *s);
struct job *sup_find(struct sup *s, const char *name);
size_t sup_running(const struct sup *s);
bool sup_task_running(const struct sup *s);

#endif
