/* SPDX-License-Identifier: ISC */
/*
 * supervisor/sup.h
 * The supervisor's state, shared by its files: the jobs, the worker
 * process, the listening sockets and the stop machine. One instance per
 * process, driven by one libev loop.
 */
#ifndef TEND_SUP_H
#define TEND_SUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <ev.h>

#include "config.h"
#include "fd.h"
#include "listen.h"
#include "guard.h"
#include "ipc.h"
#include "job.h"
#include "stop.h"
#include "sweep.h"

struct sup;

enum wproc_state { WP_STARTING, WP_READY, WP_RETIRING };

struct wproc {
	struct sup *w_sup;
	enum wproc_state w_state;
	pid_t w_pid;
	int w_fd;
	ev_io w_rio;
	ev_io w_wio;
	ev_child w_child;
	ev_timer w_ping;
	struct ipc_rbuf *w_rb;
	struct ipc_wbuf w_wb;
	bool w_bye;
	uint32_t w_bye_signo;
	uint32_t w_ping_seq;
	uint32_t w_pong_seq;
	ev_tstamp w_started;
	struct wproc *w_next; /* the next retiring worker */
	char *w_args; /* its command line, to tell if a reload changes it */
	size_t w_args_len;
};

struct sup {
	struct ev_loop *loop;
	struct cfg cfg;
	struct cfg *pending_cfg; /* reload waiting for the jobs to idle */
	const char *cfg_file; /* NULL: built from the command line */
	bool serve; /* HTTP/UDP worker wanted */
	bool run_mode; /* tend run: to completion, then a summary */
	unsigned run_parallel; /* -j; 0: the number of CPUs */
	bool run_keep_going;
	char **run_targets; /* job names given on the command line */
	size_t run_ntargets;

	struct job **jobs; /* parallel to cfg.c_jobs; a reload keeps the
	                      unchanged ones (the same struct, pid, watchers) */
	size_t njobs;
	size_t *queue; /* job indices waiting to run, FIFO */
	size_t nqueue;

	int http_fd; /* listening sockets, owned here; -1 when off */
	int udp_fd;
	char http_addr[IPC_NAME_MAX];
	char udp_addr[IPC_NAME_MAX];

	/*
	 * The last task's BUILD_FINISHED and when it was sent: what the
	 * status page shows as last_build, replayed to every new worker.
	 */
	struct ipc_msg last_build;
	ev_tstamp last_build_at;
	bool have_last_build;

	struct wproc *worker; /* current, or NULL */
	struct wproc *retiring; /* draining after reloads (w_next), or NULL */
	unsigned worker_fails; /* crashes before READY, in a row */
	unsigned drain_attempts; /* workers started to drain after a crash */
	bool worker_drained; /* it stopped on its own interrupt, after BYE */
	double worker_backoff;
	ev_timer worker_restart;

	struct guard guard; /* kills the jobs' groups if tend is SIGKILLed */
	struct job_env job_env; /* what the jobs get: loop, guard, callbacks */
	struct stop stop;
	ev_signal sig_int, sig_term, sig_quit, sig_hup, sig_usr1;
	ev_timer grace;
	ev_timer sweep; /* final sweep of left-over descendants */
	int sweep_rounds;

	struct watch *watch; /* NULL when nothing is watched */
	struct watch *old_watch; /* replaced by a reload, closed later */
	char root_clean[4096]; /* serve.root, cleaned, as events name it */
	ev_timer debounce;
	ev_tstamp debounce_first;
	bool overflowed; /* events were lost: rebuild everything */
	struct pathset out_batch; /* root changes during the running builds */
	struct pathset out_direct; /* root changes with no build running */
	bool batch_active; /* tasks ran since the last RELOAD */
	bool exiting;
	int exit_code;
	bool color;
};

/* sup.c */
int sup_run(struct sup *s); /* returns the exit code, or re-raises */
void sup_check_idle(struct sup *s);
void sup_stop_event(struct sup *s, enum stop_event ev, int signo);

/* reload.c: the job table, and SIGHUP */
int sup_jobs_make(struct sup *s); /* from s->cfg, at start-up */
void sup_jobs_free(struct sup *s);
int sup_reload(struct sup *s);
void sup_apply_pending_reload(struct sup *s);

/* order.c: services stop after what depends on them */
void order_announce(struct sup *s); /* say what waits for what */
void order_advance(struct sup *s); /* signal the services now due */
void order_hurry(struct sup *s); /* 2nd Ctrl-C: every one now */
bool order_stopping(const struct sup *s); /* one is still ending */

/* sched.c */
void sched_trigger(struct sup *s, const char *name, const char *source);
void sched_next(struct sup *s);
void sched_end_batch(struct sup *s); /* one reload for a finished batch */
void sched_drop_queue(struct sup *s);
void sched_start_services(struct sup *s);
void sched_queue_service(struct sup *s, struct job *j);
void sched_start_service(struct sup *s, struct job *j);
size_t sched_running(const struct sup *s);
bool sched_task_running(const struct sup *s);
struct job *sched_find(struct sup *s, const char *name);

void sched_trigger_job(struct sup *s, struct job *j);
/* struct job_ops: the jobs report to the scheduler (owner: struct sup) */
void sched_job_ready(void *owner, struct job *j, bool ok, const char *why);
void sched_job_done(void *owner, struct job *j);

/* run.c: tend run */
int run_select(struct sup *s);
void run_next(struct sup *s);
void run_job_done(struct sup *s, struct job *j);
void run_skip_pending(struct sup *s);
void run_killed(struct sup *s); /* the 3rd Ctrl-C SIGKILLed the running */
void run_summary(const struct sup *s);

/* changes.c: file watching, debounce, reload batches */
int changes_start(struct sup *s);
void changes_quiesce(struct sup *s); /* a stop began: no more events */
void changes_stop(struct sup *s);
void changes_free(struct sup *s); /* at exit */
void changes_job_ending(void *owner, struct job *j); /* struct job_ops */
bool changes_tasks_busy(const struct sup *s);
void changes_send_reload(struct sup *s, struct pathset *out);

/* wproc.c */
int wproc_start(struct sup *s);
void wproc_send(struct wproc *w, const struct ipc_msg *m);
void wproc_broadcast(struct sup *s, const struct ipc_msg *m);
/* Tell the worker j ended; more: another task starts at once (hold on). */
void wproc_job_finished(struct sup *s, const struct job *j, bool more);
void wproc_stop(struct wproc *w, enum ipc_stop_level level);
void wproc_kill(struct wproc *w);
/* Every retiring worker: raise its stop level, or kill it. */
void wproc_stop_retiring(struct sup *s, enum ipc_stop_level level);
void wproc_kill_retiring(struct sup *s);
void wproc_reconfigure(struct sup *s); /* after a reload */

/* wnews.c: what the worker is told about the jobs */
void wproc_announce_jobs(struct sup *s, struct wproc *w);
void wproc_restore_state(struct sup *s, struct wproc *w);

/* wargs.c: the worker's command line */
char **wargs_build(struct sup *s); /* NULL: out of memory */
void wargs_free(char **argv);
char *wargs_key(char *const *argv, size_t *lenp); /* to compare two */

#endif
