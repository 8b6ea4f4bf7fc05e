/* SPDX-License-Identifier: ISC */
/*
 * tests/unit/test_supervisor_ready_net.c
 * The tcp and http readiness probes against real loopback sockets: ready
 * when a listener appears or the server answers 2xx, and not before; on a
 * timeout the last refusal or status is the reason.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ev.h>

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "test_supervisor_ready_harness.h"

TestSuite(ready_net, .init = rt_setup, .fini = rt_teardown, .timeout = 20);

/* --- a test HTTP server on the same loop --- */

static struct {
	ev_io lio, cio;
	int status[4]; /* answers in order; the last repeats */
	int nstatus, nreq;
	char first[512]; /* the first request, as received */
} srv;

static void
on_srv_conn(struct ev_loop *loop, ev_io *w, int revents)
{
	char buf[512], resp[128];
	ssize_t n;
	int st;

	(void)revents;
	n = read(w->fd, buf, sizeof(buf) - 1);
	if (n > 0) {
		buf[n] = '\0';
		if (srv.nreq == 0)
			memcpy(srv.first, buf, (size_t)n + 1);
		st = srv.status[srv.nreq < srv.nstatus ? srv.nreq
		                                       : srv.nstatus - 1];
		srv.nreq++;
		snprintf(resp, sizeof(resp),
		    "HTTP/1.0 %d Whatever\r\nContent-Length: 0\r\n\r\n", st);
		if (write(w->fd, resp, strlen(resp)) < 0)
			perror("test server write");
	}
	ev_io_stop(loop, w);
	close(w->fd);
}

static void
on_srv_accept(struct ev_loop *loop, ev_io *w, int revents)
{
	int fd = accept4(w->fd, NULL, NULL, SOCK_CLOEXEC);

	(void)revents;
	if (fd < 0)
		return;
	if (ev_is_active(&srv.cio)) {
		ev_io_stop(loop, &srv.cio);
		close(srv.cio.fd);
	}
	ev_io_init(&srv.cio, on_srv_conn, fd, EV_READ);
	ev_io_start(loop, &srv.cio);
}

/* Listen on 127.0.0.1 with these answers; returns the port. */
static int
http_server(const int *status, int n)
{
	int port, fd = rt_bound_socket(AF_INET, &port);

	cr_assert(ge(int, fd, 0));
	cr_assert(eq(int, listen(fd, 8), 0));
	memset(&srv, 0, sizeof(srv));
	memcpy(srv.status, status, (size_t)n * sizeof(*status));
	srv.nstatus = n;
	ev_io_init(&srv.lio, on_srv_accept, fd, EV_READ);
	ev_io_start(rt_env.loop, &srv.lio);
	return port;
}

/* --- tcp --- */

static int late_fd = -1;

static void
on_listen_late(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
	cr_assert(eq(int, listen(late_fd, 8), 0));
}

Test(ready_net, tcp_is_ready_once_a_listener_appears)
{
	ev_timer later;
	char target[64], want[80];
	int port;
	double took;

	late_fd = rt_bound_socket(AF_INET, &port);
	cr_assert(ge(int, late_fd, 0));
	snprintf(target, sizeof(target), "127.0.0.1:%d", port);
	rt_probe(READY_TCP, target);
	ev_timer_init(&later, on_listen_late, 0.2, 0.);
	ev_timer_start(rt_env.loop, &later);
	ready_start(&rt_job, rt_on_ready);
	cr_assert(eq(int, rt_got.calls, 0), "called back inside ready_start");
	took = rt_run_for(3);
	snprintf(want, sizeof(want), "tcp %s accepts", target);
	rt_assert_ready(want);
	cr_assert(
	    ge(dbl, took, 0.15), "ready after %.3f s, before listen()", took);
	close(late_fd);
}

Test(ready_net, tcp_localhost_also_tries_ipv6_loopback)
{
	char target[64];
	int port, fd = rt_bound_socket(AF_INET6, &port);

	if (fd < 0)
		cr_skip_test("no IPv6 loopback here");
	cr_assert(eq(int, listen(fd, 8), 0));
	snprintf(target, sizeof(target), "localhost:%d", port);
	rt_probe(READY_TCP, target);
	ready_start(&rt_job, rt_on_ready);
	rt_run_for(3);
	rt_assert_ready("accepts");
	close(fd);
}

Test(ready_net, tcp_that_never_listens_times_out_with_the_reason)
{
	char target[64];
	int port, fd = rt_bound_socket(AF_INET, &port);
	double took;

	snprintf(target, sizeof(target), "127.0.0.1:%d", port);
	rt_probe(READY_TCP, target);
	rt_cfg.j_ready.r_timeout = 0.3;
	ready_start(&rt_job, rt_on_ready);
	took = rt_run_for(3);
	rt_assert_not_ready("not ready after 0.3 s: ");
	cr_assert(
	    strstr(rt_got.why, "Connection refused") != NULL, "%s", rt_got.why);
	/* Not a timing test: the timeout is honoured, not skipped (libev
	 * timed it from its loop time, a little before took began). */
	cr_assert(ge(dbl, took, 0.25));
	cr_assert(lt(dbl, took, 1.5));
	close(fd);
}

/* --- http --- */

Test(ready_net, http_500_is_retried_until_200)
{
	static const int answers[] = {500, 200};
	char target[96], host[64], req[160];
	int port = http_server(answers, 2);

	snprintf(target, sizeof(target), "http://127.0.0.1:%d/health", port);
	rt_probe(READY_HTTP, target);
	ready_start(&rt_job, rt_on_ready);
	rt_run_for(3);
	rt_assert_ready("/health answered 200");
	cr_assert(eq(int, srv.nreq, 2));
	snprintf(host, sizeof(host), "127.0.0.1:%d", port);
	snprintf(
	    req, sizeof(req), "GET /health HTTP/1.0\r\nHost: %s\r\n\r\n", host);
	cr_assert(eq(str, srv.first, req));
}

Test(ready_net, http_without_a_path_asks_for_slash)
{
	static const int answers[] = {204};
	char target[96];
	int port = http_server(answers, 1);

	snprintf(target, sizeof(target), "http://127.0.0.1:%d", port);
	rt_probe(READY_HTTP, target);
	ready_start(&rt_job, rt_on_ready);
	rt_run_for(3);
	rt_assert_ready("answered 204");
	cr_assert(
	    strncmp(srv.first, "GET / HTTP/1.0\r\n", 16) == 0, "%s", srv.first);
}

Test(ready_net, http_that_keeps_failing_times_out_with_the_status)
{
	static const int answers[] = {500};
	char target[96];
	int port = http_server(answers, 1);

	snprintf(target, sizeof(target), "http://127.0.0.1:%d/", port);
	rt_probe(READY_HTTP, target);
	rt_cfg.j_ready.r_timeout = 0.4;
	ready_start(&rt_job, rt_on_ready);
	rt_run_for(3);
	rt_assert_not_ready("not ready after 0.4 s: ");
	cr_assert(strstr(rt_got.why, "answered 500") != NULL, "%s", rt_got.why);
	cr_assert(ge(int, srv.nreq, 2), "tried only %d times", srv.nreq);
}
