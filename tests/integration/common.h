/* SPDX-License-Identifier: ISC */
/*
 * tests/integration/common.h
 * The fixture every integration test shares: a private directory with a
 * served root, tend under a pty, and the checks a person would make at
 * the end (exit status, nothing left running).
 */
#ifndef TEND_IT_COMMON_H
#define TEND_IT_COMMON_H

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "support.h"

extern struct tp tp;
extern char dir[64];

void it_setup(void);
void it_teardown(void);

/* Start `tend ARGS...` in dir; wait until the worker is ready if serving. */
void it_start(const char *const *args, bool wait_ready);

/*
 * Under `make test-sanitize` both processes of tend print ASan, LSan and
 * UBSan findings to the terminal: any is a failure.
 */
void it_expect_no_sanitizer_report(void);

/* Wait (reading tend's output) until name exists in dir; 10 s, then fail. */
void it_wait_file(const char *name);

/*
 * Run `tend ARGS...` (a control command) in dir to its end or timeout_ms
 * (then SIGKILL), its stdout and stderr into out. Returns its exit code.
 */
int it_command(const char *const *args, char *out, size_t size, int timeout_ms);

/* Type Ctrl-C n times, 150 ms apart. */
void it_ctrl_c(int n);

/* GET / (Connection: close) answered 200 "hello"; returns the latency. */
long expect_served(int port, int timeout_ms);

/* Lines of file name (in dir) that start with prefix. */
size_t lines_with(const char *name, const char *prefix);
/* Wait until name has want "run" lines, then a little longer: no more. */
void expect_runs(const char *name, size_t want);

/* Live reload as a page sees it: GET /__tend/events on a new connection. */
int sse_open(int port);
/* Append what the stream sends within ms to buf (NUL-terminated). */
void sse_read(int fd, char *buf, size_t size, int ms);
/* The same, until buf holds needle n times; false on timeout. */
bool sse_wait(int fd, char *buf, size_t size, const char *needle, size_t n,
    int timeout_ms);
size_t count_in(const char *hay, const char *needle);

#define expect_exit_by_signal(sig) \
	do { \
		cr_assert(tp_wait_exit(&tp, 20000), \
		    "tend did not exit; output:\n%s", tp.out); \
		cr_assert( \
		    WIFSIGNALED(tp.status) && WTERMSIG(tp.status) == (sig), \
		    "expected death by signal %d, status 0x%x; output:\n%s", \
		    (sig), tp.status, tp.out); \
	} while (0)

#define expect_no_process_left() \
	do { \
		size_t left_ = session_wait_empty(tp.pid, 3000); \
		cr_assert(left_ == 0, \
		    "%zu process(es) of tend's session are still running", \
		    left_); \
		it_expect_no_sanitizer_report(); \
	} while (0)

#endif
