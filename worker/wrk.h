/* SPDX-License-Identifier: ISC */
/*
 * worker/wrk.h
 * The worker's state, shared by its files (not by the supervisor).
 */
#ifndef TEND_WRK_H
#define TEND_WRK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <ev.h>

#include "http.h"
#include "ipc.h"
#include "udp.h"

struct wrk_job {
	char name[IPC_NAME_MAX];
	bool service;
	bool listed; /* in the supervisor's current configuration */
	bool running;
	pid_t pgid; /* while running: its process group */
	unsigned runs;
	int last_status; /* -1: never finished */
	uint32_t last_ms;
	double last_end; /* wall clock */
	/* A service (jobgate.c): */
	bool ready; /* this run is ready (JOB_READY) */
	bool was_ready; /* a run of it was: a later one is a comeback */
	bool ended; /* a run of it ended */
	bool restarting; /* ended, and starts again (BUILD_FINISHED's more) */
	char tail[IPC_TAIL_MAX]; /* its last run's last output */
};

struct wrk_build {
	char job[IPC_NAME_MAX];
	bool ok;
	int status;
	uint32_t duration_ms;
	double end;
	char tail[IPC_TAIL_MAX];
};

struct wrk {
	struct ev_loop *loop;
	const char *root;
	const char *http_addr;
	const char *udp_addr; /* NULL when off */
	const char *udp_log;
	double drain_timeout;
	bool livereload;
	bool hold; /* serve.hold_during_build */
	double hold_timeout; /* its cap, s; 0: the default */
	char **hosts, **deny, **allow; /* serve.hosts, deny, allow */
	size_t nhosts, ndeny, nallow;
	bool status_any; /* serve.status "any" */
	struct wrk_http_route *routes; /* serve.proxy */
	size_t nroutes;
	pid_t parent;

	int ipc_fd;
	int http_fd;
	int udp_fd;
	ev_io ipc_rio;
	ev_io ipc_wio;
	struct ipc_rbuf *rb;
	struct ipc_wbuf wb;
	bool ipc_gone; /* EOF: the supervisor died */
	bool synced; /* the supervisor's replay ended (its first PING) */

	struct wrk_http *http;
	struct wrk_udp *udp;

	struct wrk_job *jobs;
	size_t njobs;
	struct wrk_build last_build;
	bool have_build;

	ev_signal sig_int, sig_term;
	int stop_level; /* 0 running, else an enum ipc_stop_level */
	int stop_signo; /* what started the stop; 0: STOP message, EOF */
	bool drain_begun; /* the HTTP drain started (a stop may wait for
	                     the build first: held requests get its end) */
	bool http_drained;
	bool bye_sent;
};

/* routes.c: "--proxy PREFIX=ADDR[@JOB]"; arg is cut and kept. */
int wrk_route_parse(char *arg, struct wrk_http_route *r);

/* link.c: the socketpair to the supervisor */
void wrk_link_start(struct wrk *w);
void wrk_link_send(struct wrk *w, const struct ipc_msg *m);
void wrk_link_trigger(struct wrk *w, const char *job, const char *source);
void wrk_link_poll(struct wrk *w); /* read what the supervisor sent */

/* jobgate.c: the services behind proxy routes */
enum wrk_gate wrk_gate(void *arg, const char *job, struct wrk_gate_view *v);
void wrk_gate_started(struct wrk *w, struct wrk_job *j);
void wrk_gate_finished(
    struct wrk *w, struct wrk_job *j, const struct ipc_msg *m);
void wrk_gate_ready(struct wrk *w, const char *job);

/* stop.c */
void wrk_stop(struct wrk *w, int level, int signo);
void wrk_stop_build_over(struct wrk *w); /* the hold ended */
void wrk_http_drained_cb(void *arg);

/* status.c */
char *wrk_status_json(void *arg);
struct wrk_job *wrk_job_find(struct wrk *w, const char *name);
struct wrk_job *wrk_job_announce(struct wrk *w, const char *name, bool service);
void wrk_jobs_unlist(struct wrk *w);

#endif
