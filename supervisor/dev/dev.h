/* SPDX-License-Identifier: ISC */
/*
 * supervisor/dev/dev.h
 * Dev mode: plain `tend` and `tend serve`. Jobs run when their files
 * change (a queue, one task at a time, services beside them); a batch of
 * builds ends in one browser reload; SIGHUP reloads tend.json; and, when
 * serving, a worker process answers HTTP and UDP on sockets owned here.
 * struct dev extends struct sup (sup/) with what only this mode has.
 */
#ifndef TEND_DEV_H
#define TEND_DEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <ev.h>

#include "ipc.h"
#include "pathset.h"
#include "sup.h"

struct dev;

enum worker_state { WP_STARTING, WP_READY, WP_RETIRING };

/* The worker process, as the supervisor sees it. */
struct worker {
	struct dev *w_dev;
	enum worker_state w_state;
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
	struct worker *w_next; /* the next retiring worker */
	char *w_args; /* its command line, to tell if a reload changes it */
	size_t w_args_len;
};

struct dev {
	struct sup sup; /* first: a struct sup * of dev mode is a struct dev */
	bool serve; /* HTTP/UDP worker wanted */
	struct cfg *pending_cfg; /* reload waiting for the jobs to idle */

	size_t *queue; /* job indices waiting to run, FIFO */
	size_t nqueue;
	bool batch_active; /* tasks ran since the last RELOAD */

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

	struct worker *worker; /* current, or NULL */
	struct worker *retiring; /* draining after reloads (w_next), or NULL */
	unsigned worker_fails; /* crashes before READY, in a row */
	unsigned drain_attempts; /* workers started to drain after a crash */
	bool worker_drained; /* it stopped on its own interrupt, after BYE */
	double worker_backoff;
	ev_timer worker_restart;

	struct watch *watch; /* NULL when nothing is watched */
	struct watch *old_watch; /* replaced by a reload, closed later */
	char root_clean[4096]; /* serve.root, cleaned, as events name it */
	ev_timer debounce;
	ev_tstamp debounce_first;
	bool overflowed; /* events were lost: rebuild everything */
	struct pathset out_batch; /* root changes during the running builds */
	struct pathset out_direct; /* root changes with no build running */
};

/* mode.c: the mode's entry, and its table for sup/ */
int dev_run(struct dev *d); /* d->sup.cfg set; returns as sup_run */

static inline struct dev *
dev_of(struct sup *s)
{
	return (struct dev *)s;
}

/* queue.c: what runs next */
void queue_alloc(struct dev *d); /* for d->sup.njobs */
void queue_free(struct dev *d);
void queue_trigger(struct dev *d, const char *name, const char *source);
void queue_trigger_job(struct dev *d, struct job *j);
void queue_service(struct dev *d, struct job *j);
void queue_start_job(struct sup *s, struct job *j); /* struct sup_mode */
void queue_next(struct sup *s); /* struct sup_mode */
void queue_job_ended(struct sup *s, struct job *j); /* struct sup_mode */
void queue_job_ready(struct sup *s, struct job *j); /* struct sup_mode */
void queue_end_batch(struct dev *d); /* one reload for a finished batch */
void queue_drop(struct dev *d);
bool queue_tasks_busy(const struct dev *d); /* queued or running */

/* changes.c: file watching, debounce, reload batches */
int changes_start(struct dev *d);
void changes_quiesce(struct dev *d); /* a stop began: no more events */
void changes_stop(struct dev *d);
void changes_free(struct dev *d); /* at exit */
void changes_job_ending(struct sup *s, struct job *j); /* struct sup_mode */
void changes_send_reload(struct dev *d, struct pathset *out);

/* reload.c: SIGHUP */
void reload_hangup(struct sup *s); /* struct sup_mode */
void reload_apply_pending(struct dev *d);

/* worker.c: the worker process */
int worker_start(struct dev *d);
void worker_send(struct worker *w, const struct ipc_msg *m);
void worker_stop(struct worker *w, enum ipc_stop_level level);
void worker_kill(struct worker *w);
/* Every retiring worker: raise its stop level, or kill it. */
void worker_stop_retiring(struct dev *d, enum ipc_stop_level level);
void worker_kill_retiring(struct dev *d);
void worker_reconfigure(struct dev *d); /* after a reload */

/* worker_news.c: what the worker is told about the jobs */
void news_job_started(struct dev *d, const struct job *j);
/* j ended; more: another task starts at once (hold on). */
void news_job_finished(struct dev *d, const struct job *j, bool more);
/* j's run is ready (its probe passed, or a service without one started). */
void news_job_ready(struct dev *d, const struct job *j);
void news_jobs(struct dev *d, struct worker *w);
void news_replay(struct dev *d, struct worker *w);

/* worker_args.c: the worker's command line */
char **wargs_build(struct dev *d); /* NULL: out of memory */
void wargs_free(char **argv);
char *wargs_key(char *const *argv, size_t *lenp); /* to compare two */

#endif
