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
#include "output.h"
#include "pathset.h"
#include "ready.h"
#include "stop.h"
#include "sweep.h"

struct sup;

enum job_state {
	JS_IDLE, /* never ran, or finished */
	JS_RUNNING, /* main process alive, or its output not yet at EOF */
	JS_BACKOFF, /* service waiting to be restarted */
};

/*
 * A job's state as its dependants see it (deps.c). In `tend run` it is
 * also the job's line in the summary; in serve mode it is the last run's.
 */
enum run_state {
	RUN_NONE, /* not asked for (tend run), never queued (serve) */
	RUN_PENDING, /* waits for its dependencies or a -j slot */
	RUN_RUNNING,
	RUN_OK,
	RUN_FAILED,
	RUN_SKIPPED, /* tend run: a dependency failed, or tend stopped first;
	                serve: waits for a failed dependency to succeed */
	RUN_INTERRUPTED, /* ended by tend's abort (2nd Ctrl-C) */
	RUN_KILLED, /* SIGKILLed by tend's abort or its 3rd Ctrl-C */
};

struct job {
	struct sup *j_sup;
	const struct cfg_job *j_cfg;
	size_t j_idx; /* its place in s->jobs, and in cfg.c_jobs */
	enum job_state j_state;
	pid_t j_pid; /* main process, 0 once reaped */
	pid_t j_pgid; /* its process group, 0 when none is left */
	int j_wstatus;
	bool j_exited; /* main process reaped */
	bool j_eof; /* output pipe at EOF */
	bool j_stopping; /* stop signal sent; a service is not restarted */
	/*
	 * Signals tend sent this run's group to stop it, one bit each: no
	 * process gets the same one twice (many take a second SIGTERM as
	 * "quit now, skip cleanup").
	 */
	uint64_t j_sigsent;
	bool j_interrupted; /* the 2nd Ctrl-C (or SIGTERM's grace) cut it */
	bool j_stop_wanted; /* stop it once its dependants ended (order.c) */
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
	ev_io j_out;
	ev_timer j_timeout; /* job.timeout */
	ev_timer j_kill; /* SIGKILL after stop_timeout */
	ev_timer j_straggler; /* output still open after main exit */
	ev_timer j_backoff; /* service restart delay */
	ev_tstamp j_started;
	double j_backoff_s;
	unsigned j_fast_fails; /* failures within STABLE_AFTER, in a row */
	unsigned j_runs;
	struct output j_output;
	struct pathset j_changes; /* changed paths for the next run */
	struct ready_probe j_probe; /* ready.c: its "ready" probe */
	enum run_state j_run;
	struct job **j_deps; /* j_cfg->j_after, resolved once */
	size_t j_ndeps;
	const struct job *j_blocker; /* serve: the failed job it waits for */
	bool j_ready; /* its "ready" probe succeeded during this run */
	int j_last_status; /* exit code or 128+N; -1 before the first run */
	uint32_t j_last_ms;
	ev_tstamp j_last_end; /* when that run ended */
};

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

/* job.c */
void job_init(struct sup *s, struct job *j, const struct cfg_job *cfg);
int job_start(struct job *j);
/* Stop signal: sent once per run whatever the callers, SIGCONT after it. */
void job_signal(struct job *j, int signo, bool arm_kill);
void job_notify(struct job *j, int signo); /* on_busy "signal": every time */
void job_kill_now(struct job *j);
void job_release(struct job *j); /* stop watchers, close fds */
bool job_running(const struct job *j);
const char *job_kind_word(const struct job *j);

/* sched.c */
void sched_trigger(struct sup *s, const char *name, const char *source);
void sched_next(struct sup *s);
void sched_end_batch(struct sup *s); /* one reload for a finished batch */
void sched_job_done(struct sup *s, struct job *j);
void sched_drop_queue(struct sup *s);
void sched_start_services(struct sup *s);
void sched_queue_service(struct sup *s, struct job *j);
void sched_start_service(struct sup *s, struct job *j);
size_t sched_running(const struct sup *s);
struct job *sched_find(struct sup *s, const char *name);

void sched_trigger_job(struct sup *s, struct job *j);
void sched_job_ready(struct job *j, bool ok, const char *why);

/* deps.c: dependencies, shared by sched.c and run.c */
/* 1: every dependency is there (a task succeeded or its probe passed; a
 * service runs, and is ready if it has a probe); 0: wait; -1: *culprit
 * failed or was skipped. */
/* It ran and did not succeed, or never will. */
bool deps_unsuccessful(enum run_state st);
int deps_state(const struct job *j, const struct job **culprit);
void deps_job_ended(struct job *j); /* j_run from how its run ended */

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
void changes_poll(struct sup *s);
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
