/* SPDX-License-Identifier: ISC */
/*
 * supervisor/jobs/ready.h
 * Readiness probes: has a job that was just spawned become ready for the
 * jobs that come after it? One probe per job (its "ready" object), run on
 * the supervisor's libev loop, never blocking: tcp and http in
 * ready_net.c, notify in ready_notify.c, the rest and the life cycle in
 * ready.c. The state lives in struct job as j_probe; all zero is "idle".
 */
#ifndef TEND_READY_H
#define TEND_READY_H

#include <sys/socket.h>
#include <sys/un.h>

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

#include <ev.h>

struct job;

/*
 * What the probe concluded. why: "tcp 127.0.0.1:5432 accepts", "not ready
 * after 30 s (last try: ...)"; valid during the call only. Always called
 * from a libev callback of the probe, never from inside ready_prepare,
 * ready_start or ready_line, so it may start, stop or free anything,
 * including calling ready_stop(j).
 */
typedef void (*ready_fn)(struct job *j, bool ok, const char *why);

/*
 * Environment entry to add to the job's environment before it is spawned
 * (READY_NOTIFY: creates the socket now and returns "NOTIFY_SOCKET=/path"),
 * or NULL. Owned by the probe state, valid until ready_stop or the next
 * ready_prepare. Also clears what a previous run left (as ready_stop).
 * If the socket cannot be made it returns NULL and ready_start reports why.
 */
const char *ready_prepare(struct job *j);
/*
 * Start probing right after the job was spawned. Calls fn exactly once
 * (always later, from the loop), unless ready_stop is called first.
 * READY_NONE: returns without calling fn.
 */
void ready_start(struct job *j, ready_fn fn);
/* Feed one complete output line (without '\n') of the job: the READY_LOG
 * probe matches it. Cheap no-op otherwise. */
void ready_line(struct job *j, const char *line, size_t len);
/* Stop probing and free everything (the job exited or tend stops).
 * Idempotent; safe if never started (a zeroed struct job). */
void ready_stop(struct job *j);

/* Longest socket path, with its NUL (sockaddr_un.sun_path). */
#define READY_SUN_MAX sizeof(((struct sockaddr_un *)NULL)->sun_path)

enum ready_phase {
	RP_IDLE, /* not started, or the result was delivered */
	RP_WAIT, /* between attempts */
	RP_CONNECT, /* tcp/http: connect in progress */
	RP_SEND, /* http: request being written */
	RP_RECV, /* http: waiting for the status line */
	RP_DONE, /* concluded; rp_result delivers it */
};

struct ready_probe {
	ready_fn rp_fn;
	enum ready_phase rp_phase;
	bool rp_started; /* ready_start ran; reset by stop or delivery */
	bool rp_ok;
	char rp_why[256]; /* the result, or why the last try failed */
	ev_timer rp_deadline; /* r_timeout */
	ev_timer rp_tick; /* next attempt, or the attempt's own limit */
	ev_timer rp_result; /* 0 s: hands the result to rp_fn from the loop */

	/* tcp, http (ready_net.c) */
	bool rp_has_fd;
	ev_io rp_io; /* its fd is the attempt's socket */
	struct sockaddr_storage rp_addr[2]; /* localhost: 127.0.0.1, ::1 */
	socklen_t rp_addrlen[2];
	unsigned rp_naddr, rp_cur; /* rp_cur: the address tried next */
	char *rp_req; /* "GET /path HTTP/1.0\r\n..." */
	size_t rp_req_len, rp_req_off;
	char rp_resp[64]; /* enough for "HTTP/1.1 200 OK\r\n" */
	size_t rp_resp_len;

	char *rp_path; /* file: target joined to the job's cwd */
	regex_t rp_re; /* log */
	bool rp_has_re;

	/* notify (ready_notify.c): a private dir holding one socket */
	bool rp_has_nfd;
	bool rp_prepare_failed; /* rp_why says why */
	ev_io rp_nio;
	char rp_dir[READY_SUN_MAX];
	char rp_env[sizeof("NOTIFY_SOCKET=") + READY_SUN_MAX];
};

/*
 * Shared by ready*.c only. ready_done concludes (once; later calls are
 * ignored); ready_tick (re)arms rp_tick, whose expiry means "next try".
 */
void ready_done(struct job *j, bool ok, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void ready_tick(struct job *j, double after, double repeat);
int ready_net_start(struct job *j); /* -1: concluded already */
void ready_net_attempt(struct job *j);
void ready_net_close(struct job *j);
int ready_notify_open(struct job *j);
void ready_notify_start(struct job *j);
void ready_notify_close(struct job *j);

#endif
