/* SPDX-License-Identifier: ISC */
/*
 * tests/integration/test_proxy2.c
 * serve.proxy, the rest: a WebSocket echoed through the tunnel, the Host
 * allowlist and the cross-site rule guarding the server behind tend (a
 * refused request never reaches it), Ctrl-C during a slow proxied
 * request (answered whole, then the service stops, then tend exits), a
 * reload that changes the routes, and tend serve --proxy.
 */
#include <sys/socket.h>

#include <fcntl.h>

#include "common.h"
#include "proxy_util.h"

TestSuite(proxy2, .init = it_setup, .fini = it_teardown, .timeout = 60);

static void
stop_and_check(void)
{
	it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	expect_no_process_left();
}

/* The handshake through tend; fd is open on the tunnel after it. */
static int
ws_open(const char *origin, char *resp, size_t size)
{
	char req[512];
	size_t n = 0;
	ssize_t got;
	int fd = tcp_connect(px_port, 0);

	cr_assert(fd >= 0);
	snprintf(req, sizeof(req),
	    "GET /api/ws HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	    "Sec-WebSocket-Version: 13\r\nOrigin: %s\r\n\r\n",
	    px_port, origin);
	cr_assert(send(fd, req, strlen(req), 0) > 0);
	/* Byte by byte: the frames after the head are the tunnel's. */
	while (n < size - 1 && (n < 4 || memcmp(resp + n - 4, "\r\n\r\n", 4))) {
		if ((got = recv(fd, resp + n, 1, 0)) <= 0)
			break;
		n++;
	}
	resp[n] = '\0';
	return fd;
}

Test(proxy2, a_websocket_is_echoed_through_the_tunnel)
{
	static char big[70000], back[70000];
	unsigned char frame[70100];
	char resp[2048], origin[64];
	size_t fl;
	long n;
	int fd, op;

	px_start("", "");
	snprintf(origin, sizeof(origin), "http://127.0.0.1:%d", px_port);
	fd = ws_open(origin, resp, sizeof(resp));
	cr_assert(http_status(resp) == 101, "%s", resp);
	/* RFC 6455's own example key and its accept value. */
	cr_assert(strstr(resp,
	              "Sec-WebSocket-Accept: "
	              "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n") != NULL,
	    "%s", resp);
	cr_assert(strstr(resp, "Upgrade: websocket\r\n") != NULL, "%s", resp);
	fl = ws_frame(1, "hello", 5, frame);
	cr_assert(send(fd, frame, fl, 0) == (ssize_t)fl);
	n = ws_read(fd, &op, back, sizeof(back));
	cr_assert(n == 5 && op == 1 && memcmp(back, "hello", 5) == 0);
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)(i % 251);
	fl = ws_frame(2, big, sizeof(big), frame);
	cr_assert(send(fd, frame, fl, 0) == (ssize_t)fl);
	n = ws_read(fd, &op, back, sizeof(back));
	cr_assert(n == (long)sizeof(big) && op == 2 &&
	    memcmp(back, big, sizeof(big)) == 0);
	/* Close: answered, then both ends close. */
	fl = ws_frame(8, "\x03\xe8", 2, frame);
	cr_assert(send(fd, frame, fl, 0) == (ssize_t)fl);
	n = ws_read(fd, &op, back, sizeof(back));
	cr_assert(n == 2 && op == 8);
	cr_assert(recv(fd, back, 1, 0) == 0, "the tunnel stayed open");
	close(fd);
	stop_and_check();
}

Test(proxy2, the_host_allowlist_guards_proxied_paths)
{
	char req[256], *resp;
	size_t len;

	px_start("", "");
	snprintf(req, sizeof(req),
	    "GET /api/head HTTP/1.1\r\nHost: rebind.example:%d\r\n"
	    "Connection: close\r\n\r\n",
	    px_port);
	resp = px_exchange(req, &len);
	cr_assert(http_status(resp) == 403, "%s", resp);
	cr_assert(strstr(resp, "rebind.example") != NULL, "%s", resp);
	free(resp);
	snprintf(req, sizeof(req),
	    "GET /api/head HTTP/1.1\r\nHost: localhost:%d\r\n"
	    "Connection: close\r\n\r\n",
	    px_port);
	resp = px_exchange(req, &len);
	cr_assert(http_status(resp) == 200, "%s", resp);
	free(resp);
	/* Only the allowed one reached the server. */
	cr_assert(backend_lines("done GET /api/head") == 1);
	stop_and_check();
}

static int
post(const char *extra)
{
	char req[512], *resp;
	size_t len;
	int st;

	snprintf(req, sizeof(req),
	    "POST /api/echo HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n%s"
	    "Content-Length: 2\r\nConnection: close\r\n\r\nhi",
	    px_port, extra);
	resp = px_exchange(req, &len);
	st = http_status(resp);
	free(resp);
	return st;
}

Test(proxy2, another_sites_pages_cannot_post_or_open_a_websocket)
{
	char same[128], resp[2048];
	size_t len;
	char *r;
	int fd;

	px_start("", "");
	cr_assert(post("Origin: http://evil.example\r\n") == 403);
	cr_assert(post("Sec-Fetch-Site: cross-site\r\n") == 403);
	cr_assert(post("Sec-Fetch-Site: same-site\r\n") == 403);
	cr_assert(backend_lines("done POST") == 0);
	fd = ws_open("http://evil.example", resp, sizeof(resp));
	cr_assert(http_status(resp) == 403, "%s", resp);
	close(fd);
	cr_assert(backend_lines("done GET /api/ws") == 0);
	/* tend's own pages, and clients that are no browser, may. */
	snprintf(same, sizeof(same),
	    "Origin: http://127.0.0.1:%d\r\nSec-Fetch-Site: same-origin\r\n",
	    px_port);
	cr_assert(post(same) == 200);
	cr_assert(post("") == 200);
	/* A read from anywhere passes. */
	r = px_exchange(
	    "GET /api/head HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	    "Sec-Fetch-Site: cross-site\r\nConnection: close\r\n\r\n",
	    &len);
	cr_assert(http_status(r) == 200, "%s", r);
	free(r);
	cr_assert(backend_lines("done POST") == 2);
	stop_and_check();
}

/* Line number (0-based) of the first line starting with prefix, or -1. */
static long
line_of(const char *text, const char *prefix)
{
	long n = 0;

	for (const char *p = text; p != NULL && *p != '\0'; n++) {
		if (strncmp(p, prefix, strlen(prefix)) == 0)
			return n;
		p = strchr(p, '\n');
		p = p != NULL ? p + 1 : NULL;
	}
	return -1;
}

Test(proxy2, ctrl_c_lets_a_slow_proxied_request_finish_before_the_service_stops)
{
	char req[256], buf[1024] = "";
	size_t n = 0, len;
	ssize_t got;
	char *log;
	int fd;

	px_start("", "");
	fd = tcp_connect(px_port, 0);
	snprintf(req, sizeof(req),
	    "GET /api/slow?ms=1500 HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n",
	    px_port);
	cr_assert(send(fd, req, strlen(req), 0) > 0);
	tp_pump(&tp, 300);
	it_ctrl_c(1);
	while (n < sizeof(buf) - 1 &&
	    (got = recv(fd, buf + n, sizeof(buf) - 1 - n, 0)) > 0) {
		n += (size_t)got;
		buf[n] = '\0';
		if (strstr(buf, "slow done\n") != NULL)
			break;
	}
	cr_assert(http_status(buf) == 200 && strstr(buf, "slow done\n"),
	    "answer: %s\noutput:\n%s", buf, tp.out);
	/* Draining: the connection ends after its answer. */
	cr_assert(strstr(buf, "Connection: close\r\n") != NULL, "%s", buf);
	close(fd);
	expect_exit_by_signal(SIGINT);
	expect_no_process_left();
	log = tmp_read(dir, "backend.log", &len);
	cr_assert(log != NULL);
	cr_assert(line_of(log, "done GET /api/slow") >= 0 &&
	        line_of(log, "signal 15") > line_of(log, "done GET /api/slow"),
	    "backend.log:\n%s\noutput:\n%s", log, tp.out);
	free(log);
}

/*
 * An event stream never ends by itself: at Ctrl-C it is ended (its last
 * chunk) at once, not waited for until serve.drain_timeout.
 */
Test(proxy2, ctrl_c_ends_a_proxied_event_stream_at_once)
{
	char req[256], buf[8192] = "";
	long t0;
	int fd;

	px_start("", ", \"drain_timeout\": 20");
	fd = tcp_connect(px_port, 0);
	snprintf(req, sizeof(req),
	    "GET /api/sse?n=1000&ms=100 HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n",
	    px_port);
	cr_assert(send(fd, req, strlen(req), 0) > 0);
	cr_assert(sse_wait(fd, buf, sizeof(buf), "data: event 2\n", 1, 5000),
	    "%s", buf);
	t0 = now_ms();
	it_ctrl_c(1);
	cr_assert(sse_wait(fd, buf, sizeof(buf), "\r\n0\r\n\r\n", 1, 5000),
	    "the stream did not end: %s", buf);
	close(fd);
	expect_exit_by_signal(SIGINT);
	cr_assert(now_ms() - t0 < 3000, "%ld ms", now_ms() - t0);
	expect_no_process_left();
}

/* A client that shuts its side down after the request still gets it. */
Test(proxy2, a_half_closed_client_gets_its_answer)
{
	char req[256], buf[1024];
	size_t n = 0;
	ssize_t got;
	int fd;

	px_start("", "");
	fd = tcp_connect(px_port, 0);
	snprintf(req, sizeof(req),
	    "GET /api/slow?ms=300 HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n",
	    px_port);
	cr_assert(send(fd, req, strlen(req), 0) > 0);
	shutdown(fd, SHUT_WR);
	while (n < sizeof(buf) - 1 &&
	    (got = recv(fd, buf + n, sizeof(buf) - 1 - n, 0)) > 0)
		n += (size_t)got;
	buf[n] = '\0';
	close(fd);
	cr_assert(
	    http_status(buf) == 200 && strstr(buf, "slow done\n"), "%s", buf);
	stop_and_check();
}

Test(proxy2, a_reload_that_changes_the_routes_restarts_the_worker)
{
	char *resp, *cfg, *at;
	size_t len;

	px_start("", "");
	resp = px_get("/other/head", &len);
	cr_assert(http_status(resp) == 404, "%s", resp);
	free(resp);
	cfg = tmp_read(dir, "tend.json", &len);
	at = strstr(cfg, "\"job\": \"api\" }");
	cr_assert(at != NULL);
	at += strlen("\"job\": \"api\" }");
	{
		char next[4096];
		snprintf(next, sizeof(next),
		    "%.*s, \"/other\": \"127.0.0.1:%d\"%s", (int)(at - cfg),
		    cfg, px_bport, at);
		tmp_write(dir, "tend.json", next);
	}
	free(cfg);
	kill(tp.pid, SIGHUP);
	for (long t0 = now_ms();
	     tp_worker_pid(&tp, 1) < 0 && now_ms() - t0 < 5000;)
		tp_pump(&tp, 20);
	cr_assert(tp_worker_pid(&tp, 1) > 0, "output:\n%s", tp.out);
	resp = px_get("/other/head", &len);
	cr_assert(http_status(resp) == 200, "%s", resp);
	cr_assert(
	    strstr(resp, "GET /other/head HTTP/1.1\n") != NULL, "%s", resp);
	free(resp);
	/* The service behind was not touched. */
	cr_assert(tp_count(&tp, "service \"api\" started") == 1, "output:\n%s",
	    tp.out);
	stop_and_check();
}

Test(proxy2, tend_serve_takes_proxy_on_its_command_line)
{
	char route[64], port[16], out[2048], *resp;
	const char *args[] = {
	    "serve", "public", "--http", "127.0.0.1:0", "--proxy", route, NULL};
	const char *bad[] = {"serve", "--proxy", "api", NULL};
	const char *zero[] = {"serve", "--proxy", "/api=127.0.0.1:0", NULL};
	size_t len;
	pid_t b;

	cr_assert(it_command(bad, out, sizeof(out), 5000) == 2);
	cr_assert(strstr(out, "--proxy: expected PREFIX=HOST:PORT") != NULL,
	    "%s", out);
	cr_assert(it_command(zero, out, sizeof(out), 5000) == 2);
	cr_assert(strstr(out, "serve.proxy./api") != NULL, "%s", out);

	px_bport = free_port();
	snprintf(port, sizeof(port), "%d", px_bport);
	if ((b = fork()) == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 1);
		execl(TBACKEND_BIN, "tbackend", "--port", port, (char *)NULL);
		_exit(127);
	}
	snprintf(route, sizeof(route), "/api=127.0.0.1:%d", px_bport);
	it_start(args, true);
	px_port = tp_http_port(&tp);
	for (long t0 = now_ms(); now_ms() - t0 < 5000; tp_pump(&tp, 20)) {
		resp = px_get("/api/head", &len);
		if (http_status(resp) == 200)
			break;
		free(resp);
		resp = NULL;
	}
	cr_assert(resp != NULL && strstr(resp, "GET /api/head HTTP/1.1\n"),
	    "output:\n%s", tp.out);
	free(resp);
	kill(b, SIGTERM);
	waitpid(b, NULL, 0);
	stop_and_check();
}
