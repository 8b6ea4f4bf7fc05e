/* SPDX-License-Identifier: ISC */
/*
 * tests/unit/test_worker_http_drain.c
 * Graceful stop of the HTTP server, end to end: the child drains on
 * SIGUSR1 (wrk_http_drain), cuts on SIGUSR2, and exits 0 from
 * ops->drained. What was asked before the drain is answered in full;
 * what is idle is closed; what never ends is cut at the deadline.
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "test_worker_http_harness.h"

static struct srv S;

static void
cleanup(void)
{
	srv_cleanup(&S);
}

TestSuite(http_drain, .fini = cleanup, .timeout = 60);

#define HOST "Host: t\r\n"

static void
nap(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static void
assert_exits_cleanly(double secs)
{
	int status = srv_wait(&S, secs);
	bool clean =
	    status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0;

	cr_assert(status != -1, "the server did not exit after draining");
	cr_assert(clean, "server exit status %#x", status);
}

static bool
still_running(void)
{
	int status;

	return waitpid(S.pid, &status, WNOHANG) == 0;
}

/* Reads the body of a big download in small sips, checking each byte. */
static size_t
sip(struct cli *c, size_t got, size_t until, size_t step, long ms)
{
	unsigned char buf[65536];
	size_t i, want;
	ssize_t n;

	while (got < until) {
		want = until - got < step ? until - got : step;
		n = recv(c->fd, buf, want, 0);
		if (n < 0 && errno == EINTR)
			continue;
		cr_assert(n > 0, "download ended at %zu: %s", got,
		    n == 0 ? "EOF" : strerror(errno));
		for (i = 0; i < (size_t)n; i++)
			if (buf[i] != srv_pattern(got + i))
				break;
		cr_assert(eq(sz, i, (size_t)n), "byte %zu differs", got + i);
		got += (size_t)n;
		if (ms > 0)
			nap(ms);
	}
	return got;
}

static size_t
download_head(struct cli *c, const char *path)
{
	char req[128], *end;
	size_t hl, i;

	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\n" HOST "\r\n", path);
	cli_send(c, req);
	cr_assert(cli_wait_for(c, "\r\n\r\n"));
	cr_assert(strncmp(c->buf, "HTTP/1.1 200 ", 13) == 0);
	end = memmem(c->buf, c->len, "\r\n\r\n", 4);
	hl = (size_t)(end - c->buf) + 4;
	for (i = hl; i < c->len; i++)
		cr_assert(eq(u8, (uint8_t)c->buf[i], srv_pattern(i - hl)));
	return c->len - hl;
}

Test(http_drain, a_slow_download_completes_across_a_drain)
{
	const size_t size = 8u << 20;
	uint64_t req, conns, cut;
	struct cli c;
	size_t got;

	srv_start(&S, NULL);
	srv_make_file(&S, "huge.bin", size);
	cli_open(&c, &S, 16384);
	got = download_head(&c, "/huge.bin");
	got = sip(&c, got, 256 * 1024, 16384, 2);
	kill(S.pid, SIGUSR1);
	nap(100);
	cr_assert(still_running(), "the server left before the download ended");
	got = sip(&c, got, size, 65536, 1);
	cr_assert(eq(sz, got, size));
	cr_assert(cli_eof(&c, 5.0), "no EOF after the last response");
	cli_close(&c);
	assert_exits_cleanly(10);
	srv_stats(&S, &req, &conns, &cut);
	cr_assert(eq(u64, req, 1));
	cr_assert(eq(u64, cut, 0));
}

/* A client that got one answer and keeps its connection, idle. */
static void
open_idle_client(struct cli *c)
{
	struct resp r;

	cli_open(c, &S, 0);
	cli_send(c, "GET /hello.txt HTTP/1.1\r\n" HOST "\r\n");
	cr_assert(cli_resp(c, &r, false) == 0);
	cr_assert(not(r.closed));
	resp_free(&r);
}

Test(http_drain, an_idle_keep_alive_connection_is_closed)
{
	struct cli c;

	srv_start(&S, NULL);
	open_idle_client(&c);
	kill(S.pid, SIGUSR1);
	cr_assert(cli_eof(&c, 5.0), "idle connection left open by the drain");
	cli_close(&c);
	assert_exits_cleanly(5);
}

Test(http_drain, a_request_sent_just_before_the_drain_is_answered)
{
	enum { N = 20 };
	uint64_t req, conns, cut;
	struct cli c[N];
	struct resp r;
	int i;

	srv_start(&S, NULL);
	/* One connection already served once, so it sits idle in the loop. */
	cli_open(&c[0], &S, 0);
	cli_send(&c[0], "GET /sub/page.css HTTP/1.1\r\n" HOST "\r\n");
	cr_assert(cli_resp(&c[0], &r, false) == 0);
	resp_free(&r);
	for (i = 1; i < N; i++)
		cli_open(&c[i], &S, 0);
	for (i = 0; i < N; i++)
		cli_send(&c[i], "GET /hello.txt HTTP/1.1\r\n" HOST "\r\n");
	kill(S.pid, SIGUSR1);
	for (i = 0; i < N; i++) {
		cr_assert(cli_resp(&c[i], &r, false) == 0, "client %d", i);
		cr_assert(eq(int, r.status, 200));
		cr_assert(eq(str, r.body, "hello, world\n"));
		resp_free(&r);
		/*
		 * No assertion on "Connection: close": the child may have
		 * answered before the signal reached it. It closes anyway.
		 */
		cr_assert(cli_eof(&c[i], 5.0), "client %d left open", i);
		cli_close(&c[i]);
	}
	assert_exits_cleanly(5);
	srv_stats(&S, &req, &conns, &cut);
	cr_assert(eq(u64, req, N + 1));
	cr_assert(eq(u64, conns, N));
	cr_assert(eq(u64, cut, 0));
}

Test(http_drain, a_request_half_sent_at_the_drain_is_answered_when_complete)
{
	struct resp r;
	struct cli c;

	srv_start(&S, NULL);
	cli_open(&c, &S, 0);
	cli_send(&c, "GET /hello.txt HTTP/1.1\r\n");
	nap(50);
	kill(S.pid, SIGUSR1);
	nap(100);
	cli_send(&c, HOST "\r\n");
	cr_assert(cli_resp(&c, &r, false) == 0);
	cr_assert(eq(int, r.status, 200));
	cr_assert(eq(str, r.body, "hello, world\n"));
	cr_assert(r.closed);
	resp_free(&r);
	cli_close(&c);
	assert_exits_cleanly(5);
}

Test(http_drain, event_stream_clients_are_told_and_closed)
{
	struct cli c;

	srv_start(&S, NULL);
	cli_open(&c, &S, 0);
	cli_send(&c, "GET /__tend/events HTTP/1.1\r\n" HOST "\r\n");
	cr_assert(cli_wait_for(&c, ": tend\n\n"));
	kill(S.pid, SIGUSR1);
	cr_assert(cli_wait_for(&c, ": tend\n\nevent: shutdown\ndata: {}\n\n"));
	cr_assert(cli_eof(&c, 5.0));
	cli_close(&c);
	assert_exits_cleanly(5);
}

Test(http_drain, a_server_with_no_connections_exits_at_once)
{
	uint64_t req, conns, cut;

	srv_start(&S, NULL);
	kill(S.pid, SIGUSR1);
	assert_exits_cleanly(2);
	srv_stats(&S, &req, &conns, &cut);
	cr_assert(eq(u64, req, 0));
	cr_assert(eq(u64, conns, 0));
}

Test(http_drain, a_client_that_stops_reading_is_cut_at_the_deadline)
{
	struct srv_opts o = {.drain_deadline = 0.5};
	uint64_t req, conns, cut;
	struct cli c;

	srv_start(&S, &o);
	srv_make_file(&S, "huge.bin", 8u << 20);
	cli_open(&c, &S, 16384);
	download_head(&c, "/huge.bin");
	kill(S.pid, SIGUSR1);
	nap(200);
	cr_assert(still_running());
	assert_exits_cleanly(5);
	cli_close(&c);
	srv_stats(&S, &req, &conns, &cut);
	cr_assert(eq(u64, req, 0));
	cr_assert(eq(u64, cut, 1));
}

Test(http_drain, a_cut_after_the_drain_ends_it_without_waiting)
{
	struct srv_opts o = {.drain_deadline = 30};
	uint64_t req, conns, cut;
	struct cli c;

	srv_start(&S, &o);
	srv_make_file(&S, "huge.bin", 8u << 20);
	cli_open(&c, &S, 16384);
	download_head(&c, "/huge.bin");
	kill(S.pid, SIGUSR1);
	nap(100);
	cr_assert(still_running());
	kill(S.pid, SIGUSR2);
	assert_exits_cleanly(3);
	cli_close(&c);
	srv_stats(&S, &req, &conns, &cut);
	cr_assert(eq(u64, cut, 1));
}

/*
 * A handoff (a reload gave the listener to a new worker): an idle
 * keep-alive client may already be sending its next request, so the
 * connection stays open for it and the answer says "Connection: close".
 */
Test(http_drain, a_handoff_answers_the_next_request_of_an_idle_client)
{
	uint64_t req, conns, cut;
	struct resp r;
	struct cli c;

	srv_start(&S, NULL);
	open_idle_client(&c);
	srv_ctl(&S, CTL_HANDOFF);
	nap(100);
	cr_assert(still_running(), "the handoff closed an idle client");
	cli_send(&c, "GET /hello.txt HTTP/1.1\r\n" HOST "\r\n");
	cr_assert(cli_resp(&c, &r, false) == 0);
	cr_assert(eq(int, r.status, 200));
	cr_assert(eq(str, r.body, "hello, world\n"));
	cr_assert(r.closed, "no Connection: close in a handoff");
	resp_free(&r);
	cr_assert(cli_eof(&c, 5.0));
	cli_close(&c);
	assert_exits_cleanly(5);
	srv_stats(&S, &req, &conns, &cut);
	cr_assert(eq(u64, req, 2));
	cr_assert(eq(u64, cut, 0));
}

Test(http_drain, a_handoff_ends_event_streams_without_a_shutdown_event)
{
	struct cli c;

	srv_start(&S, NULL);
	cli_open(&c, &S, 0);
	cli_send(&c, "GET /__tend/events HTTP/1.1\r\n" HOST "\r\n");
	cr_assert(cli_wait_for(&c, ": tend\n\n"));
	srv_ctl(&S, CTL_HANDOFF);
	cr_assert(not(cli_wait_for(&c, "event: shutdown")),
	    "a handoff told the page that tend stopped");
	cr_assert(cli_eof(&c, 5.0));
	cli_close(&c);
	assert_exits_cleanly(5);
}

/* A stop during a handoff (Ctrl-C during a reload) closes idle clients. */
Test(http_drain, a_stop_during_a_handoff_closes_idle_clients_at_once)
{
	struct cli c;

	srv_start(&S, NULL);
	open_idle_client(&c);
	srv_ctl(&S, CTL_HANDOFF);
	nap(50);
	cr_assert(still_running());
	kill(S.pid, SIGUSR1);
	cr_assert(cli_eof(&c, 2.0), "an idle client outlived the stop");
	cli_close(&c);
	assert_exits_cleanly(2);
}

/* An idle client that sends nothing more is closed at the deadline. */
Test(http_drain, a_handoff_closes_a_silent_client_at_the_deadline)
{
	struct srv_opts o = {.drain_deadline = 0.3};
	uint64_t req, conns, cut;
	struct cli c;

	srv_start(&S, &o);
	open_idle_client(&c);
	srv_ctl(&S, CTL_HANDOFF);
	cr_assert(cli_eof(&c, 3.0));
	cli_close(&c);
	assert_exits_cleanly(3);
	srv_stats(&S, &req, &conns, &cut);
	cr_assert(eq(u64, cut, 0), "an idle client counted as cut");
}
