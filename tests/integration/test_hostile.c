/* SPDX-License-Identifier: ISC */
/*
 * tests/integration/test_hostile.c
 * Hostile HTTP clients, each while a normal client is still served:
 * slowloris, 2,000 idle keep-alive connections (within tend's fd limit,
 * and over a limit of 1024), 50 pipelined requests in one write, and
 * malformed requests (header too large, URL too long, unknown methods,
 * bad versions, garbage), each with its status or a close, never a crash.
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>

#include "common.h"

TestSuite(hostile, .init = it_setup, .fini = it_teardown, .timeout = 90);

static const char *const serve_args[] = {
    "serve", "public", "--http", "127.0.0.1:0", NULL};

/* Our own fd limit up to want (tend inherits it); false if impossible. */
static bool
raise_nofile(rlim_t want)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return false;
	if (rl.rlim_cur >= want)
		return true;
	rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
	return setrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur >= want;
}

/*
 * What one slow connection has seen so far: 1 once tend answered it with
 * 408 or closed it, 0 while it is open, -1 for any other answer.
 */
static int
slow_conn_state(int fd)
{
	char buf[256];
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);

	if (n > 0) {
		buf[n] = '\0';
		return http_status(buf) == 408 ? 1 : -1;
	}
	if (n == 0 || errno == ECONNRESET)
		return 1;
	return 0;
}

/*
 * Slowloris as the attack is done: every connection sends one byte of its
 * head per second and never finishes it. tend gives a head 10 s
 * (header_timeout), so after 12 s every slow connection must have had a
 * 408 or a close, while a normal client was served all along.
 */
Test(hostile, slowloris_is_cut_at_the_header_timeout_and_never_starves)
{
	enum { N = 200, SECONDS = 13 };
	static const char head[] =
	    "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";
	int fds[N], state[N] = {0}, port, cut = 0, other = 0;
	long worst = 0, served = 0;

	it_start(serve_args, true);
	port = tp_http_port(&tp);
	for (int i = 0; i < N; i++) {
		fds[i] = tcp_connect(port, 0);
		cr_assert(fds[i] >= 0, "connect %d", i);
	}
	for (int step = 0; step < SECONDS; step++) {
		long t0 = now_ms(), lat;
		for (int i = 0; i < N; i++) {
			char c =
			    step < (int)sizeof(head) - 1 ? head[step] : 'a';
			if (state[i] == 0)
				state[i] = slow_conn_state(fds[i]);
			if (state[i] == 0)
				send(
				    fds[i], &c, 1, MSG_NOSIGNAL | MSG_DONTWAIT);
		}
		lat = expect_served(port, 1000);
		worst = lat > worst ? lat : worst;
		served++;
		while (now_ms() - t0 < 1000)
			tp_pump(&tp, (int)(1000 - (now_ms() - t0)));
	}
	for (int i = 0; i < N; i++) {
		if (state[i] == 0)
			state[i] = slow_conn_state(fds[i]);
		cut += state[i] == 1;
		other += state[i] == -1;
		close(fds[i]);
	}
	cr_log_info("slowloris x%d, a byte a second for %d s: %d cut by tend "
	            "(408 or close); %ld normal GETs meanwhile, worst %ld ms",
	    N, SECONDS, cut, served, worst);
	cr_assert(other == 0, "%d slow connections got another answer", other);
	cr_assert(cut == N,
	    "only %d of %d slow connections were cut after "
	    "%d s",
	    cut, N, SECONDS);
	expect_served(port, 1000);
	it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	expect_no_process_left();
}

Test(hostile, two_thousand_idle_keepalive_connections_are_all_kept)
{
	enum { N = 2000 };
	static int fds[N];
	int port, ok = 0;
	long lat;

	if (!raise_nofile(N + 256))
		cr_skip_test("RLIMIT_NOFILE cannot be raised to %d", N + 256);
	it_start(serve_args, true);
	port = tp_http_port(&tp);
	for (int i = 0; i < N; i++) {
		fds[i] = tcp_connect(port, 0);
		cr_assert(fds[i] >= 0, "connect %d: %s", i, strerror(errno));
		if (i % 200 == 0)
			tp_pump(&tp, 0);
	}
	tp_pump(&tp, 200);
	lat = expect_served(port, 1000);
	cr_log_info("2000 idle connections open: normal GET in %ld ms", lat);
	/* Every one of them was accepted and kept alive: each is served. */
	for (int i = 0; i < N; i++)
		ok += http_get_on(fds[i], "/", NULL) == 200;
	cr_assert(ok == N, "%d of %d idle connections served", ok, N);
	for (int i = 0; i < N; i++)
		close(fds[i]);
	expect_served(port, 1000);
	it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	expect_no_process_left();
}

/* tend under a pty with RLIMIT_NOFILE set before exec, worker ready. */
static void
start_with_nofile(const char *const *args, rlim_t nofile)
{
	tp_start_nofile(&tp, dir, args, (unsigned long)nofile);
	cr_assert(tp_wait_for(&tp, "worker ready", 10000),
	    "worker not ready; output:\n%s", tp.out);
}

Test(hostile, two_thousand_over_a_1024_fd_limit_degrade_gracefully)
{
	enum { N = 2000 };
	static int fds[N];
	struct sockaddr_in sin = {.sin_family = AF_INET};
	int port, refused = 0, closed = 0, waiting = 0;
	pid_t worker;
	long lat;

	if (!raise_nofile(N + 256))
		cr_skip_test("RLIMIT_NOFILE cannot be raised to %d", N + 256);
	start_with_nofile(serve_args, 1024);
	port = tp_http_port(&tp);
	worker = tp_worker_pid(&tp, 0);
	sin.sin_port = htons((unsigned short)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* Nonblocking: past the backlog, connects wait for SYN retries. */
	for (int i = 0; i < N; i++) {
		fds[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		cr_assert(fds[i] >= 0);
		connect(fds[i], (struct sockaddr *)&sin, sizeof(sin));
		if (i % 200 == 0)
			tp_pump(&tp, 0);
	}
	tp_pump(&tp, 1500);
	cr_assert(pid_alive(worker), "the worker died; output:\n%s", tp.out);
	for (int i = 0; i < N; i++) {
		char buf[64];
		ssize_t n = recv(fds[i], buf, sizeof(buf) - 1, MSG_DONTWAIT);
		if (n > 0) {
			buf[n] = '\0';
			cr_assert(http_status(buf) == 503, "unasked: %s", buf);
			refused++;
		} else if (n == 0 || errno == ECONNRESET)
			closed++;
		else
			waiting++;
	}
	cr_log_info("2000 connections, fd limit 1024: %d refused with 503, "
	            "%d closed, %d open or queued after 1.5 s",
	    refused, closed, waiting);
	cr_assert(refused + closed > 0, "no connection was refused");
	for (int i = 0; i < N; i++)
		close(fds[i]);
	lat = expect_served(port, 5000);
	cr_log_info("normal GET after they closed: %ld ms", lat);
	cr_assert(strstr(tp.out, "restarting") == NULL, "%s", tp.out);
	it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	expect_no_process_left();
}

Test(hostile, fifty_pipelined_requests_get_fifty_responses_in_order)
{
	enum { N = 50 };
	char name[64], body[64], *req = malloc(N * 128), *resp, *p;
	size_t off = 0, len;
	int port, got = 0;

	for (int i = 0; i < N; i++) {
		snprintf(name, sizeof(name), "public/p%d.txt", i);
		snprintf(body, sizeof(body), "pipelined %d\n", i);
		tmp_write(dir, name, body);
		off += (size_t)snprintf(req + off, 128,
		    "GET /p%d.txt HTTP/1.1\r\nHost: 127.0.0.1\r\n%s\r\n", i,
		    i == N - 1 ? "Connection: close\r\n" : "");
	}
	it_start(serve_args, true);
	port = tp_http_port(&tp);
	resp = http_exchange(port, req, &len, 5000); /* one send() */
	for (p = resp; got < N && p < resp + len; got++) {
		char *end = strstr(p, "\r\n\r\n");
		const char *cl;
		cr_assert(end != NULL, "response %d has no head", got);
		*end = '\0';
		cr_assert(http_status(p) == 200, "response %d: %s", got, p);
		cl = strstr(p, "Content-Length: ");
		cr_assert(cl != NULL);
		snprintf(body, sizeof(body), "pipelined %d\n", got);
		cr_assert((size_t)atol(cl + 16) == strlen(body));
		cr_assert(strncmp(end + 4, body, strlen(body)) == 0,
		    "response %d is out of order: %.14s", got, end + 4);
		p = end + 4 + strlen(body);
	}
	cr_assert(got == N && p == resp + len, "%d responses, %zu bytes left",
	    got, (size_t)(resp + len - p));
	free(resp);
	free(req);
	expect_served(port, 1000);
	it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	expect_no_process_left();
}

/* Send raw bytes; the status of the answer (-1: closed without one). */
static int
hostile_status(int port, const char *what, const char *req, size_t reqlen)
{
	int fd = tcp_connect(port, 0), status;
	char buf[4096], *end;
	size_t n = 0;
	long t0 = now_ms();

	cr_assert(fd >= 0);
	send(fd, req, reqlen, MSG_NOSIGNAL);
	for (;;) { /* to a whole response (it may keep the connection) */
		ssize_t got = recv(fd, buf + n, sizeof(buf) - 1 - n, 0);
		if (got <= 0 || (n += (size_t)got) == sizeof(buf) - 1)
			break;
		buf[n] = '\0';
		if ((end = strstr(buf, "\r\n\r\n")) != NULL) {
			const char *cl = strstr(buf, "Content-Length: ");
			if (n >= (size_t)(end + 4 - buf) +
			        (cl ? (size_t)atol(cl + 16) : 0))
				break;
		}
	}
	close(fd);
	buf[n] = '\0';
	status = http_status(buf);
	cr_log_info("%-28s -> %d (%ld ms)", what, status, now_ms() - t0);
	return status;
}

#define EXPECT_ONE_OF(st, a, b, c) \
	cr_expect((st) == (a) || (st) == (b) || (st) == (c), \
	    "got %d, expected %d, %d or %d", (st), (a), (b), (c))

Test(hostile, malformed_requests_get_their_status_and_never_hurt_others)
{
	static const struct {
		const char *what, *req;
		int a, b, c; /* acceptable statuses; -1 is a close */
		size_t len; /* 0: strlen(req) */
	} cases[] = {
	    {"method FOO", "FOO / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 501,
	        405, 501, 0},
	    {"method BREW", "BREW / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 501,
	        405, 501, 0},
	    {"method get (lowercase)",
	        "get / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 501, 405, 400, 0},
	    {"method DELETE", "DELETE / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
	        405, 501, 405, 0},
	    {"method PUT",
	        "PUT / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n",
	        405, 501, 405, 0},
	    {"version HTTP/2.0", "GET / HTTP/2.0\r\nHost: 127.0.0.1\r\n\r\n",
	        505, 400, -1, 0},
	    {"version HTTP/0.9", "GET / HTTP/0.9\r\nHost: 127.0.0.1\r\n\r\n",
	        505, 400, -1, 0},
	    {"version HTTP/1.9", "GET / HTTP/1.9\r\nHost: 127.0.0.1\r\n\r\n",
	        505, 400, -1, 0},
	    {"HTTP/0.9 simple request", "GET /\r\n\r\n", 400, 505, -1, 0},
	    {"TLS hello", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 400,
	        501, -1, 11},
	    {"NUL in the request line", "GET /\0x HTTP/1.1\r\n\r\n", 400, 404,
	        -1, 20},
	};
	int port, keep, st;
	size_t big = 16 * 1024;
	char *req = malloc(big + 256);
	pid_t worker;

	it_start(serve_args, true);
	port = tp_http_port(&tp);
	worker = tp_worker_pid(&tp, 0);
	keep = tcp_connect(port, 0); /* a normal client, all along */
	cr_assert(http_get_on(keep, "/", NULL) == 200);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = cases[i].len ? cases[i].len : strlen(cases[i].req);
		st = hostile_status(port, cases[i].what, cases[i].req, len);
		EXPECT_ONE_OF(st, cases[i].a, cases[i].b, cases[i].c);
		cr_assert(http_get_on(keep, "/", NULL) == 200, "after %s",
		    cases[i].what);
	}
	/* A 16 KiB header: 431. */
	int n =
	    snprintf(req, 256, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ");
	memset(req + n, 'a', big);
	memcpy(req + n + big, "\r\n\r\n", 5);
	st = hostile_status(port, "16 KiB header", req, strlen(req));
	cr_expect(st == 431, "a 16 KiB header got %d", st);
	cr_assert(http_get_on(keep, "/", NULL) == 200);
	/* 300 headers of 60 bytes: 431 as well. */
	n = snprintf(req, 256, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n");
	for (int i = 0; i < 300 && (size_t)n + 64 < big; i++)
		n += snprintf(req + n, 64, "X-H%d: %050d\r\n", i, i);
	n += snprintf(req + n, 8, "\r\n");
	st = hostile_status(port, "300 headers", req, (size_t)n);
	cr_expect(st == 431, "300 headers got %d", st);
	cr_assert(http_get_on(keep, "/", NULL) == 200);
	/* A 5000-byte URL (the limit is 4 KiB): 414. */
	n = snprintf(req, 8, "GET /");
	memset(req + n, 'u', 5000);
	n += 5000;
	n += snprintf(req + n, 64, " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
	st = hostile_status(port, "5000-byte URL", req, (size_t)n);
	cr_expect(st == 414, "a 5000-byte URL got %d", st);
	cr_assert(http_get_on(keep, "/", NULL) == 200);
	close(keep);
	free(req);
	expect_served(port, 1000);
	cr_assert(pid_alive(worker) && tp_worker_pid(&tp, 1) == -1,
	    "the worker crashed; output:\n%s", tp.out);
	it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	expect_no_process_left();
}

/*
 * Debian's libhttp-parser is built without HTTP_PARSER_STRICT, which skips
 * the checks of the letters of "HTTP" in the request line (and more):
 * "HTXP/1.1" and "HTTX/1.1" are taken for "HTTP/1.1" and answered 200.
 */
Test(hostile, a_garbled_protocol_name_is_refused)
{
	static const char *const reqs[] = {
	    "GET / HTXP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
	    "GET / XTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
	    "GET / HTTX/1.1\r\nHost: 127.0.0.1\r\n\r\n",
	};
	int port, st;

	it_start(serve_args, true);
	port = tp_http_port(&tp);
	for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		char what[16];
		snprintf(what, sizeof(what), "%.14s", reqs[i]);
		st = hostile_status(port, what, reqs[i], strlen(reqs[i]));
		cr_expect(st == 400 || st == 505 || st == -1,
		    "%s got %d, expected 400, 505 or a close", what, st);
	}
	expect_served(port, 1000);
	it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	expect_no_process_left();
}
