/* SPDX-License-Identifier: ISC */
/*
 * tests/integration/test_proxy.c
 * serve.proxy through the real tend, with tests/tools/tbackend as the
 * service behind /api: the longest prefix wins and the path is passed
 * unchanged, X-Forwarded-* are set and hop-by-hop headers dropped, POST
 * bodies are echoed, big bodies stream both ways without the worker
 * holding them, chunked bodies are re-framed, SSE events arrive one by
 * one, a server that is down is a 502 naming it, and HTML gets the
 * live-reload tag. test_proxy2.c has the WebSocket, the guards, Ctrl-C
 * and reloads.
 */
#include <sys/socket.h>

#include <poll.h>

#include "common.h"
#include "proxy_util.h"

TestSuite(proxy, .init = it_setup, .fini = it_teardown, .timeout = 60);

static void
stop_and_check(void)
{
	it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	expect_no_process_left();
}

Test(proxy, longest_prefix_wins_and_the_path_is_passed_unchanged)
{
	char extra[128], *resp;
	size_t len;
	int down = free_port();

	snprintf(
	    extra, sizeof(extra), ", \"/api/down\": \"127.0.0.1:%d\"", down);
	px_start(extra, "");
	resp = px_get("/api/head?x=1&y=%2F", &len);
	cr_assert(http_status(resp) == 200, "%s", resp);
	cr_assert(
	    strstr(resp, "\r\n\r\nGET /api/head?x=1&y=%2F HTTP/1.1\n") != NULL,
	    "%s", resp);
	free(resp);
	/* /api/down is longer than /api: its server, which is not there. */
	resp = px_get("/api/down/x", &len);
	cr_assert(http_status(resp) == 502, "%s", resp);
	free(resp);
	/* Whole segments: /apix is no /api path; files answer it. */
	resp = px_get("/apix", &len);
	cr_assert(http_status(resp) == 404, "%s", resp);
	free(resp);
	expect_served(px_port, 5000);
	cr_assert(backend_lines("done GET /api/head") == 1);
	cr_assert(backend_lines("done GET /apix") == 0);
	stop_and_check();
}

Test(proxy, forwarded_headers_are_set_and_hop_by_hop_ones_dropped)
{
	char req[512], want[128], *resp;
	size_t len;

	px_start("", "");
	snprintf(req, sizeof(req),
	    "GET /api/head HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
	    "X-Forwarded-For: 10.1.2.3\r\nKeep-Alive: timeout=5\r\n"
	    "X-Private: 1\r\nX-Kept: yes\r\n"
	    "Connection: close, X-Private\r\n\r\n",
	    px_port);
	resp = px_exchange(req, &len);
	cr_assert(http_status(resp) == 200, "%s", resp);
	cr_assert(
	    strstr(resp, "X-Forwarded-For: 10.1.2.3, 127.0.0.1\n") != NULL,
	    "%s", resp);
	cr_assert(
	    strstr(resp, "X-Forwarded-Proto: http\n") != NULL, "%s", resp);
	snprintf(
	    want, sizeof(want), "X-Forwarded-Host: 127.0.0.1:%d\n", px_port);
	cr_assert(strstr(resp, want) != NULL, "%s", resp);
	snprintf(want, sizeof(want), "Host: 127.0.0.1:%d\n", px_port);
	cr_assert(strstr(resp, want) != NULL, "%s", resp);
	cr_assert(strstr(resp, "X-Kept: yes\n") != NULL, "%s", resp);
	cr_assert(strstr(resp, "X-Private") == NULL, "%s", resp);
	cr_assert(strstr(resp, "Keep-Alive") == NULL, "%s", resp);
	cr_assert(strstr(strstr(resp, "\r\n\r\n"), "\nConnection:") == NULL,
	    "%s", resp);
	/* The answer says the client's connection ends, as it asked. */
	cr_assert(strstr(resp, "Connection: close\r\n") != NULL, "%s", resp);
	free(resp);
	stop_and_check();
}

Test(proxy, a_post_is_echoed_and_connections_to_the_server_are_reused)
{
	char req[512];
	bool closed;
	int fd;

	px_start("", "");
	fd = tcp_connect(px_port, 0);
	cr_assert(fd >= 0);
	for (int i = 0; i < 20; i++) {
		char buf[4096], body[64];
		ssize_t n;
		size_t got = 0;
		int blen = snprintf(body, sizeof(body), "post number %d", i);

		snprintf(req, sizeof(req),
		    "POST /api/echo HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
		    "Content-Length: %d\r\n\r\n%s",
		    px_port, blen, body);
		cr_assert(send(fd, req, strlen(req), 0) > 0);
		while (got < sizeof(buf) - 1 &&
		    (strstr(buf, "\r\n\r\n") == NULL ||
		        strstr(strstr(buf, "\r\n\r\n"), body) == NULL)) {
			n = recv(fd, buf + got, sizeof(buf) - 1 - got, 0);
			cr_assert(n > 0, "answer %d cut short", i);
			got += (size_t)n;
			buf[got] = '\0';
		}
		cr_assert(http_status(buf) == 200, "%s", buf);
	}
	/* The same connection served all (the client's keep-alive)... */
	cr_assert(http_get_on(fd, "/index.html", &closed) == 200 && !closed);
	close(fd);
	/* ...and tend's connections to the server were kept too. */
	cr_assert(backend_lines("done POST /api/echo") == 20);
	cr_assert(backend_lines("accepted") <= 2, "%zu connections",
	    backend_lines("accepted"));
	stop_and_check();
}

static long
worker_rss_kib(void)
{
	char path[64], line[256];
	long kib = -1;
	FILE *f;

	snprintf(
	    path, sizeof(path), "/proc/%d/status", (int)tp_worker_pid(&tp, 0));
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %ld", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

/* 64 MiB down to a client that stops reading: the worker holds little. */
Test(proxy, a_big_answer_streams_with_backpressure)
{
	const long long total = 64LL << 20;
	char req[256], buf[65536];
	long long body = 0, seen = 0;
	long rss0, rss;
	bool in_body = false;
	ssize_t n;
	int fd;

	px_start("", "");
	rss0 = worker_rss_kib();
	fd = tcp_connect(px_port, 65536);
	snprintf(req, sizeof(req),
	    "GET /api/big?bytes=%lld HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
	    "Connection: close\r\n\r\n",
	    total, px_port);
	cr_assert(send(fd, req, strlen(req), 0) > 0);
	while (body < total) {
		char *p = buf;
		if ((n = recv(fd, buf, sizeof(buf), 0)) <= 0)
			break;
		if (!in_body) {
			char *e = memmem(buf, (size_t)n, "\r\n\r\n", 4);
			cr_assert(e != NULL && http_status(buf) == 200);
			cr_assert(strstr(buf, "Content-Length: 67108864\r\n"));
			p = e + 4;
			n -= p - buf;
			in_body = true;
		}
		for (ssize_t i = 0; i < n; i++)
			cr_assert(p[i] == (char)('a' + (body + i) % 26),
			    "byte %lld", body + i);
		body += n;
		if (body > (4 << 20) && seen == 0) {
			/* Stop reading: everything in flight piles up. */
			tp_pump(&tp, 700);
			rss = worker_rss_kib();
			cr_assert(rss - rss0 < 4096,
			    "the worker grew from %ld to %ld KiB", rss0, rss);
			seen = body;
		}
	}
	close(fd);
	cr_assert(body == total, "%lld of %lld bytes", body, total);
	stop_and_check();
}

/* A big upload echoed back, sent and read at once (poll). */
static void
echo_both_ways(const char *framing, bool chunked)
{
	const size_t total = 8u << 20;
	char *data = malloc(total), head[256], buf[65536];
	size_t sent = 0, hlen, rlen = 0, cap = total + total / 4 + 65536;
	char *resp = malloc(cap);
	int fd;

	for (size_t i = 0; i < total; i++)
		data[i] = (char)(i * 7 + i / 4096);
	fd = tcp_connect(px_port, 0);
	hlen = (size_t)snprintf(head, sizeof(head),
	    "POST /api/echo HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n%s\r\n", px_port,
	    framing);
	cr_assert(send(fd, head, hlen, 0) == (ssize_t)hlen);
	while (rlen < cap) {
		struct pollfd pf = {
		    fd, POLLIN | (sent < total ? POLLOUT : 0), 0};
		cr_assert(poll(&pf, 1, 10000) > 0, "stalled");
		if ((pf.revents & POLLOUT) && sent < total) {
			size_t n = total - sent < 32768 ? total - sent : 32768;
			char frame[32768 + 32];
			size_t fl = 0;
			if (chunked)
				fl = (size_t)snprintf(frame, 32, "%zx\r\n", n);
			memcpy(frame + fl, data + sent, n);
			fl += n;
			if (chunked) {
				memcpy(frame + fl, "\r\n", 2);
				fl += 2;
				if (sent + n == total) {
					memcpy(frame + fl, "0\r\n\r\n", 5);
					fl += 5;
				}
			}
			cr_assert(send(fd, frame, fl, 0) == (ssize_t)fl);
			sent += n;
		}
		if (pf.revents & POLLIN) {
			ssize_t n = recv(fd, buf, sizeof(buf), 0);
			char *e;
			if (n <= 0 || rlen + (size_t)n > cap)
				break;
			memcpy(resp + rlen, buf, (size_t)n);
			rlen += (size_t)n;
			e = memmem(resp, rlen, "\r\n\r\n", 4);
			if (e == NULL)
				continue;
			if (!chunked && rlen - (size_t)(e + 4 - resp) >= total)
				break;
			if (chunked && rlen > 7 &&
			    memcmp(resp + rlen - 7, "\r\n0\r\n\r\n", 7) == 0)
				break;
		}
	}
	close(fd);
	{
		size_t blen;
		const char *b = http_body(resp, rlen, &blen);
		char *got = chunked ? dechunk(b, blen, &blen) : NULL;
		cr_assert(http_status(resp) == 200);
		cr_assert(blen == total, "%zu of %zu bytes back", blen, total);
		cr_assert(memcmp(got != NULL ? got : b, data, total) == 0);
		free(got);
	}
	free(resp);
	free(data);
}

Test(proxy, a_big_upload_is_echoed_as_it_streams)
{
	px_start("", "");
	echo_both_ways("Content-Length: 8388608\r\n", false);
	stop_and_check();
}

Test(proxy, chunked_bodies_are_passed_both_ways)
{
	char *resp, *body;
	size_t len, blen;
	const char *b;
	size_t at = 0;

	px_start("", "");
	echo_both_ways("Transfer-Encoding: chunked\r\n", true);
	resp = px_get("/api/chunked?n=60", &len);
	cr_assert(http_status(resp) == 200, "%s", resp);
	cr_assert(strstr(resp, "Transfer-Encoding: chunked\r\n") != NULL);
	b = http_body(resp, len, &blen);
	body = dechunk(b, blen, &blen);
	for (long i = 0; i < 60; i++)
		at += 1 + (size_t)(i * 997) % 4000;
	cr_assert(blen == at, "%zu bytes, wanted %zu", blen, at);
	for (size_t i = 0; i < blen; i++)
		cr_assert(body[i] == (char)('a' + i % 26));
	free(body);
	free(resp);
	stop_and_check();
}

Test(proxy, server_sent_events_arrive_one_by_one)
{
	char req[256], buf[4096] = "";
	long t0, at[4] = {0};
	int fd;

	px_start("", "");
	fd = tcp_connect(px_port, 0);
	snprintf(req, sizeof(req),
	    "GET /api/sse?n=3&ms=500 HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n",
	    px_port);
	t0 = now_ms();
	cr_assert(send(fd, req, strlen(req), 0) > 0);
	for (int i = 1; i <= 3; i++) {
		char want[32];
		snprintf(want, sizeof(want), "data: event %d\n\n", i);
		cr_assert(sse_wait(fd, buf, sizeof(buf), want, 1, 5000),
		    "no event %d: %s", i, buf);
		at[i] = now_ms() - t0;
	}
	close(fd);
	cr_assert(strstr(buf, "text/event-stream") != NULL, "%s", buf);
	/* Each as the server sent it, 500 ms apart: nothing gathered. */
	cr_assert(at[1] < 400 && at[2] - at[1] > 300 && at[3] - at[2] > 300,
	    "events at %ld, %ld, %ld ms", at[1], at[2], at[3]);
	stop_and_check();
}

Test(proxy, a_server_that_is_down_is_a_502_naming_it)
{
	char extra[128], want[64], *resp;
	size_t len;
	int down = free_port();

	snprintf(extra, sizeof(extra), ", \"/gone\": \"127.0.0.1:%d\"", down);
	px_start(extra, "");
	for (int i = 0; i < 3; i++) {
		resp = px_get("/gone/x", &len);
		cr_assert(http_status(resp) == 502, "%s", resp);
		snprintf(want, sizeof(want), "<b>127.0.0.1:%d</b>", down);
		cr_assert(strstr(resp, want) != NULL, "%s", resp);
		cr_assert(
		    strstr(resp, "Connection refused") != NULL, "%s", resp);
		free(resp);
	}
	/* Said once, not for every request. */
	snprintf(want, sizeof(want), "proxy /gone -> 127.0.0.1:%d", down);
	cr_assert(tp_wait_for(&tp, want, 2000), "output:\n%s", tp.out);
	tp_pump(&tp, 200);
	cr_assert(tp_count(&tp, want) == 1, "output:\n%s", tp.out);
	/* The route with a job names it too. */
	resp = px_get("/api/head", &len);
	cr_assert(http_status(resp) == 200);
	free(resp);
	stop_and_check();
}

Test(proxy, html_from_the_server_gets_the_live_reload_tag)
{
	static const char tag[] =
	    "<script src=\"/__tend/livereload.js\"></script></body>";
	char *resp;
	const char *b, *cl;
	size_t len, blen;

	px_start("", "");
	resp = px_get("/api/page", &len);
	cr_assert(http_status(resp) == 200, "%s", resp);
	b = http_body(resp, len, &blen);
	cr_assert(strstr(b, tag) != NULL, "%s", resp);
	cr_assert((cl = strstr(resp, "Content-Length: ")) != NULL);
	cr_assert((size_t)atol(cl + 16) == blen, "%s", resp);
	cr_assert(strstr(resp, "ETag: W/\"p1\"\r\n") != NULL, "%s", resp);
	free(resp);
	/* Not HTML: untouched. */
	resp = px_get("/api/head", &len);
	cr_assert(strstr(resp, "livereload") == NULL, "%s", resp);
	free(resp);
	stop_and_check();
}
