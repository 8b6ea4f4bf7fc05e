/* SPDX-License-Identifier: ISC */
/*
 * tests/unit/test_worker_http_hold.c
 * Holding requests during a build, end to end: the child holds and
 * releases on the control socket (srv_ctl). A held request gets nothing
 * until the release, then the finished build; hold_timeout ends it with
 * 503 and Retry-After (never a half-built file); the drain and a cut end
 * a hold too; control endpoints never wait.
 */
#include <sys/wait.h>

#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "test_worker_http_harness.h"

#define HOST "Host: t\r\n"
#define GET_HELLO "GET /hello.txt HTTP/1.1\r\n" HOST "\r\n"

static struct srv S;

static void
cleanup(void)
{
	srv_cleanup(&S);
}

TestSuite(http_hold, .fini = cleanup, .timeout = 60);

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Nothing at all arrives on c for ms milliseconds. */
static void
assert_silent(struct cli *c, int ms)
{
	struct pollfd pfd = {.fd = c->fd, .events = POLLIN};

	cr_assert(eq(int, poll(&pfd, 1, ms), 0),
	    "a held request got an answer (or EOF) within %d ms", ms);
}

static void
assert_hello(struct cli *c)
{
	struct resp r;

	cr_assert(cli_resp(c, &r, false) == 0, "no answer after the hold");
	cr_assert(eq(int, r.status, 200));
	cr_assert(eq(str, r.body, "hello, world\n"));
	resp_free(&r);
}

Test(http_hold, a_request_during_a_hold_is_answered_at_the_release)
{
	struct cli c;

	srv_start(&S, NULL);
	srv_ctl(&S, CTL_HOLD);
	cli_open(&c, &S, 0);
	cli_send(&c, GET_HELLO);
	assert_silent(&c, 300);
	srv_ctl(&S, CTL_RELEASE);
	assert_hello(&c);
	/* Released, the connection serves the next request at once. */
	cli_send(&c, GET_HELLO);
	assert_hello(&c);
	cli_close(&c);
	srv_stop(&S);
}

Test(http_hold, a_held_request_gets_what_the_build_wrote)
{
	struct resp r;
	struct cli c;

	srv_start(&S, NULL);
	srv_ctl(&S, CTL_HOLD);
	cli_open(&c, &S, 0);
	cli_send(&c, "GET /new.txt HTTP/1.1\r\n" HOST "\r\n");
	assert_silent(&c, 100);
	srv_write(&S, "new.txt", "built\n");
	srv_ctl(&S, CTL_RELEASE);
	cr_assert(cli_resp(&c, &r, false) == 0);
	cr_assert(eq(int, r.status, 200), "not 404: the file exists now");
	cr_assert(eq(str, r.body, "built\n"));
	resp_free(&r);
	cli_close(&c);
	srv_stop(&S);
}

Test(http_hold, held_requests_are_answered_in_order_with_their_pipeline)
{
	struct cli a, b;
	struct resp r;

	srv_start(&S, NULL);
	srv_ctl(&S, CTL_HOLD);
	cli_open(&a, &S, 0);
	cli_open(&b, &S, 0);
	cli_send(&a,
	    "GET /hello.txt HTTP/1.1\r\n" HOST "\r\n"
	    "GET /sub/page.css HTTP/1.1\r\n" HOST "\r\n");
	cli_send(&b, GET_HELLO);
	assert_silent(&a, 100);
	assert_silent(&b, 1);
	srv_ctl(&S, CTL_RELEASE);
	assert_hello(&a);
	cr_assert(cli_resp(&a, &r, false) == 0);
	cr_assert(eq(str, r.body, "p{}\n"));
	resp_free(&r);
	assert_hello(&b);
	cli_close(&a);
	cli_close(&b);
	srv_stop(&S);
}

Test(http_hold, a_held_request_gets_503_with_retry_after_at_hold_timeout)
{
	struct srv_opts o = {.hold_timeout = 0.3};
	double t0, waited;
	struct resp r;
	struct cli c;

	srv_start(&S, &o);
	srv_ctl(&S, CTL_HOLD);
	cli_open(&c, &S, 0);
	t0 = now();
	cli_send(&c, GET_HELLO);
	assert_silent(&c, 150);
	cr_assert(cli_resp(&c, &r, false) == 0, "no answer after the hold");
	waited = now() - t0;
	cr_assert(eq(int, r.status, 503));
	cr_assert(
	    strstr(r.head, "\r\nRetry-After: 1\r\n") != NULL, "%s", r.head);
	cr_assert(strstr(r.body, "hello") == NULL);
	resp_free(&r);
	cr_assert(
	    waited >= 0.25 && waited < 3.0, "answered after %.3f s", waited);
	/* The connection is still good for the next request. */
	srv_ctl(&S, CTL_RELEASE);
	cli_send(&c, GET_HELLO);
	assert_hello(&c);
	cli_close(&c);
	srv_ctl(&S, CTL_RELEASE);
	srv_stop(&S);
}

Test(http_hold, the_drain_answers_every_held_request)
{
	enum { N = 3 };
	uint64_t req, conns, cut;
	struct cli c[N];
	struct resp r;
	int i, status;

	srv_start(&S, NULL);
	srv_ctl(&S, CTL_HOLD);
	for (i = 0; i < N; i++) {
		cli_open(&c[i], &S, 0);
		cli_send(&c[i], GET_HELLO);
	}
	assert_silent(&c[0], 200);
	kill(S.pid, SIGUSR1);
	for (i = 0; i < N; i++) {
		cr_assert(cli_resp(&c[i], &r, false) == 0, "client %d", i);
		cr_assert(eq(int, r.status, 200));
		cr_assert(eq(str, r.body, "hello, world\n"));
		cr_assert(r.closed, "client %d: no Connection: close", i);
		resp_free(&r);
		cr_assert(cli_eof(&c[i], 5.0));
		cli_close(&c[i]);
	}
	status = srv_wait(&S, 5);
	cr_assert(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "server exit status %#x", status);
	srv_stats(&S, &req, &conns, &cut);
	cr_assert(eq(u64, req, N));
	cr_assert(eq(u64, cut, 0));
}

Test(http_hold, control_endpoints_are_never_held)
{
	struct resp r;
	struct cli c;

	srv_start(&S, NULL);
	srv_ctl(&S, CTL_HOLD);
	fetch(&S, "GET /__tend/livereload.js HTTP/1.1\r\n" HOST "\r\n", &r);
	cr_assert(eq(int, r.status, 200));
	resp_free(&r);
	fetch(&S, "GET /__tend/status HTTP/1.1\r\n" HOST "\r\n", &r);
	cr_assert(eq(int, r.status, 200));
	resp_free(&r);
	cli_open(&c, &S, 0);
	cli_send(&c, "GET /__tend/events HTTP/1.1\r\n" HOST "\r\n");
	cr_assert(cli_wait_for(&c, "\r\n\r\n: tend\n\n"));
	cli_close(&c);
	/* Neither are requests we refuse anyway. */
	fetch(&S, "POST /hello.txt HTTP/1.1\r\n" HOST "\r\n", &r);
	cr_assert(eq(int, r.status, 405));
	resp_free(&r);
	srv_ctl(&S, CTL_RELEASE);
	srv_stop(&S);
}

Test(http_hold, hold_and_release_are_idempotent)
{
	struct cli c;

	srv_start(&S, NULL);
	srv_ctl(&S, CTL_RELEASE);
	srv_ctl(&S, CTL_HOLD);
	srv_ctl(&S, CTL_HOLD);
	cli_open(&c, &S, 0);
	cli_send(&c, GET_HELLO);
	assert_silent(&c, 100);
	srv_ctl(&S, CTL_RELEASE);
	assert_hello(&c);
	srv_ctl(&S, CTL_RELEASE);
	cli_send(&c, GET_HELLO);
	assert_hello(&c);
	cli_close(&c);
	srv_stop(&S);
}

/* A cut (2nd Ctrl-C, drain deadline) answers 503, never a reset. */
Test(http_hold, a_cut_answers_held_requests_503_then_closes)
{
	uint64_t req, conns, cut;
	struct resp r;
	struct cli c;

	srv_start(&S, NULL);
	srv_ctl(&S, CTL_HOLD);
	cli_open(&c, &S, 0);
	cli_send(&c, GET_HELLO);
	assert_silent(&c, 100);
	kill(S.pid, SIGUSR2);
	cr_assert(cli_resp(&c, &r, false) == 0, "no answer at the cut");
	cr_assert(eq(int, r.status, 503));
	cr_assert(strstr(r.head, "Retry-After: 1") != NULL, "%s", r.head);
	resp_free(&r);
	cr_assert(cli_eof(&c, 5.0), "a held connection survived the cut");
	cli_close(&c);
	srv_stop(&S);
	srv_stats(&S, &req, &conns, &cut);
	cr_assert(eq(u64, req, 1));
	cr_assert(eq(u64, cut, 0));
}

Test(http_hold, a_client_that_leaves_while_held_costs_nothing)
{
	struct cli c;

	srv_start(&S, NULL);
	srv_ctl(&S, CTL_HOLD);
	cli_open(&c, &S, 0);
	cli_send(&c, GET_HELLO);
	assert_silent(&c, 50);
	cli_close(&c);
	srv_ctl(&S, CTL_RELEASE);
	cli_open(&c, &S, 0);
	cli_send(&c, GET_HELLO);
	assert_hello(&c);
	cli_close(&c);
	/* srv_stop checks the exit status: no crash, and no leak under ASan. */
	srv_stop(&S);
}
