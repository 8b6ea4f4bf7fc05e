/* SPDX-License-Identifier: ISC */
/*
 * tests/support/support.h
 * Helpers for tests that drive the real tend binary the way a person
 * does: under a pseudo-terminal, typing Ctrl-C, talking to it over real
 * sockets on 127.0.0.1, and checking that no process is left behind.
 */
#ifndef TEND_TEST_SUPPORT_H
#define TEND_TEST_SUPPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define TP_OUT_MAX (4 * 1024 * 1024)

/* A tend process under a pty. Its pid is also its session id. */
struct tp {
	pid_t pid;
	int master;
	char *out; /* everything it printed, NUL-terminated */
	size_t len;
	bool exited;
	int status;
};

/*
 * Start TEND_BIN with args (NULL-terminated, without argv[0]) in cwd.
 * The child dies with the test (PR_SET_PDEATHSIG).
 */
void tp_start(struct tp *tp, const char *cwd, const char *const *args);
/*
 * NO_COLOR as the next tp_start gives it to tend: "1" (plain output to
 * match), or what a test sets; NULL leaves it out of the environment.
 */
extern const char *tp_no_color;
/* FORCE_COLOR the same way; NULL (the default) leaves it out. */
extern const char *tp_force_color;
/* The same with RLIMIT_NOFILE set to nofile in the child (0: unchanged). */
void tp_start_nofile(struct tp *tp, const char *cwd, const char *const *args,
    unsigned long nofile);
/* Read what the pty has, for up to ms milliseconds. */
void tp_pump(struct tp *tp, int ms);
/* Wait until the output contains needle. */
bool tp_wait_for(struct tp *tp, const char *needle, int timeout_ms);
/* Count occurrences of needle in the output. */
size_t tp_count(const struct tp *tp, const char *needle);
void tp_type(struct tp *tp, const char *keys);
/* Wait for exit (pumping output). False on timeout. */
bool tp_wait_exit(struct tp *tp, int timeout_ms);
/* The port of "http://127.0.0.1:PORT/" or "udp events on 127.0.0.1:PORT". */
int tp_http_port(struct tp *tp);
int tp_udp_port(struct tp *tp);
/* The pid in the n-th (0-based) "worker ready (pid N)" line, or -1. */
pid_t tp_worker_pid(struct tp *tp, int n);
/* SIGKILL whatever is left of its session; reap tend. */
void tp_cleanup(struct tp *tp);
/* Processes in session sid still alive (zombies excluded). */
size_t session_count(pid_t sid);
/* Wait up to timeout_ms for the session to be empty; returns count left. */
size_t session_wait_empty(pid_t sid, int timeout_ms);
bool pid_alive(pid_t pid); /* exists and is not a zombie */
/*
 * Field n (1-based, from 3) of /proc/PID/stat as a number; field 3, the
 * state, as its letter. -1 when the process is gone.
 */
long long proc_stat_field(pid_t pid, int field);

/* A fresh directory under /tmp; removed by tmp_remove. */
void tmp_make(char *dir, size_t size);
void tmp_remove(const char *dir);
void tmp_write(const char *dir, const char *name, const char *content);
void tmp_write_bytes(
    const char *dir, const char *name, const void *buf, size_t len);
bool tmp_exists(const char *dir, const char *name);
char *tmp_read(const char *dir, const char *name, size_t *len); /* free() */

/* A blocking TCP connection to 127.0.0.1:port with a receive timeout. */
int tcp_connect(int port, int rcvbuf);
/*
 * Send req, read until the peer closes or timeout_ms passes. Returns the
 * malloc'd bytes (NUL-terminated), length in *len.
 */
char *http_exchange(int port, const char *req, size_t *len, int timeout_ms);
/* Status code of a response, or -1. */
int http_status(const char *resp);
/*
 * GET path on an open keep-alive connection and read the whole response
 * (small bodies only). Returns its status, or -1 (EOF, error, too big);
 * *closed says whether it announced "Connection: close" (closed may be
 * NULL).
 */
int http_get_on(int fd, const char *path, bool *closed);
const char *http_body(const char *resp, size_t len, size_t *body_len);

/* An unconnected UDP socket; send a datagram to 127.0.0.1:port. */
int udp_socket(void);
int udp_send(int fd, int port, const char *msg);
/* Wait up to timeout_ms for a datagram; returns its length or -1. */
int udp_recv(int fd, char *buf, size_t size, int timeout_ms);

long now_ms(void);

#endif
