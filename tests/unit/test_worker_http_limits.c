/* SPDX-License-Identifier: ISC */
/*
 * tests/unit/test_worker_http_limits.c
 * End to end, like test_worker_http_serve.c: protocol versions,
 * keep-alive, pipelining, limits, malformed requests, every way out of the
 * root we could think of, and big files.
 */
#include <sys/stat.h>

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
stop_server(void)
{
	srv_cleanup(&S);
}

TestSuite(http_limits, .fini = stop_server, .timeout = 60);

#define HOST "Host: t\r\n"

Test(http_limits, versions_other_than_1_0_and_1_1_are_505)
{
	srv_start(&S, NULL);
	srv_assert_status(&S, "GET / HTTP/2.0\r\n" HOST "\r\n", 505, NULL);
	srv_assert_status(&S, "GET / HTTP/1.2\r\n" HOST "\r\n", 505, NULL);
	srv_assert_status(&S, "GET / HTTP/0.9\r\n\r\n", 505, NULL);
	srv_stop(&S);
}

Test(http_limits, http_1_0_closes_unless_asked_to_keep_alive)
{
	struct resp r;
	struct cli c;

	srv_start(&S, NULL);
	cli_open(&c, &S, 0);
	cli_send(&c, "GET /hello.txt HTTP/1.0\r\n\r\n");
	cr_assert(cli_resp(&c, &r, false) == 0);
	cr_assert(r.closed);
	resp_free(&r);
	cr_assert(cli_eof(&c, 2.0));
	cli_close(&c);

	cli_open(&c, &S, 0);
	cli_send(
	    &c, "GET /hello.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
	cr_assert(cli_resp(&c, &r, false) == 0);
	srv_assert_hdr(&r, "Connection", "keep-alive");
	resp_free(&r);
	cli_send(&c, "GET /hello.txt HTTP/1.0\r\n\r\n");
	cr_assert(cli_resp(&c, &r, false) == 0);
	cr_assert(eq(str, r.body, "hello, world\n"));
	resp_free(&r);
	cli_close(&c);
	srv_stop(&S);
}

Test(http_limits, an_overlong_url_is_414_and_overlong_headers_are_431)
{
	char *req = malloc(20000);
	struct resp r;
	struct cli c;

	srv_start(&S, NULL);
	strcpy(req, "GET /");
	memset(req + 5, 'a', 5000);
	strcpy(req + 5005, " HTTP/1.1\r\n" HOST "\r\n");
	fetch(&S, req, &r);
	cr_assert(eq(int, r.status, 414));
	cr_assert(r.closed);
	resp_free(&r);

	strcpy(req, "GET / HTTP/1.1\r\n" HOST "X-Big: ");
	memset(req + strlen(req), 'b', 12000);
	strcpy(req + 16 + 9 + 7 + 12000, "\r\n\r\n");
	cli_open(&c, &S, 0);
	cli_send(&c, req);
	cr_assert(cli_resp(&c, &r, false) == 0);
	cr_assert(eq(int, r.status, 431));
	cr_assert(r.closed);
	resp_free(&r);
	cr_assert(cli_eof(&c, 3.0));
	cli_close(&c);
	free(req);
	srv_stop(&S);
}

Test(http_limits, many_small_headers_over_the_limit_are_431)
{
	char *req = malloc(20000);
	struct resp r;
	size_t n;
	int i;

	srv_start(&S, NULL);
	n = (size_t)sprintf(req, "GET / HTTP/1.1\r\n" HOST);
	for (i = 0; i < 1000; i++)
		n += (size_t)sprintf(req + n, "X-H%d: v\r\n", i);
	strcpy(req + n, "\r\n");
	fetch(&S, req, &r);
	cr_assert(eq(int, r.status, 431));
	resp_free(&r);
	free(req);
	srv_stop(&S);
}

Test(http_limits, malformed_requests_are_400_and_close)
{
	struct resp r;

	srv_start(&S, NULL);
	fetch(&S, "GET / HTTP/1.1\r\nBad Header\r\n\r\n", &r);
	cr_assert(eq(int, r.status, 400));
	cr_assert(r.closed);
	resp_free(&r);
	srv_assert_status(&S, "GET / XTTP/1.1\r\n" HOST "\r\n", 400, NULL);
	srv_assert_status(&S, "GET /a b HTTP/1.1\r\n" HOST "\r\n", 400, NULL);
	srv_assert_status(
	    &S, "GET relative HTTP/1.1\r\n" HOST "\r\n", 400, NULL);
	srv_stop(&S);
}

Test(http_limits, host_is_required_once_in_http_1_1)
{
	struct resp r;

	srv_start(&S, NULL);
	/* RFC 9112 3.2: none in HTTP/1.1, or more than one, is a 400. */
	fetch(&S, "GET /hello.txt HTTP/1.1\r\n\r\n", &r);
	cr_assert(eq(int, r.status, 400));
	cr_assert(r.closed);
	resp_free(&r);
	srv_assert_status(&S,
	    "GET /hello.txt HTTP/1.1\r\nConnection: close\r\n\r\n", 400, NULL);
	srv_assert_status(&S,
	    "GET /hello.txt HTTP/1.1\r\nHost: a\r\nHOST: b\r\n\r\n", 400, NULL);
	srv_assert_status(&S,
	    "GET /hello.txt HTTP/1.0\r\nHost: a\r\n"
	    "Host: b\r\n\r\n",
	    400, NULL);
	/* Case does not matter; an empty value is a Host too (RFC 9112). */
	srv_assert_status(
	    &S, "GET /hello.txt HTTP/1.1\r\nhOsT: t\r\n\r\n", 200, NULL);
	srv_assert_status(
	    &S, "GET /hello.txt HTTP/1.1\r\nHost:\r\n\r\n", 200, NULL);
	/* HTTP/1.0 clients may leave it out. */
	srv_assert_status(&S, "GET /hello.txt HTTP/1.0\r\n\r\n", 200, NULL);
	srv_stop(&S);
}

Test(http_limits, no_path_leads_out_of_the_root)
{
	static const char *const paths[] = {
	    "/../secret",
	    "/%2e%2e/secret",
	    "/%2E%2E/secret",
	    "/%252e%252e/secret",
	    "/..%2fsecret",
	    "/%2e%2e%2fsecret",
	    "/.%2e/secret",
	    "/a/../../secret",
	    "/sub/../../secret",
	    "/secret%00.html",
	    "/..%00/secret",
	    "//etc/passwd",
	    "/link-out",
	    "/link-abs",
	    "/link-up/secret",
	    "/link-proc/etc/passwd",
	    "/..\\secret",
	    "/%5c../secret",
	    "http://t/../secret",
	    "/./../secret",
	    "/%c0%ae%c0%ae/secret",
	};
	char req[256];
	struct resp r;
	size_t i;

	srv_start(&S, NULL);
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\n" HOST "\r\n",
		    paths[i]);
		fetch(&S, req, &r);
		cr_assert(r.status >= 300, "%s gave %d", paths[i], r.status);
		cr_assert(strstr(r.head, SECRET) == NULL, "%s", paths[i]);
		cr_assert(strstr(r.body, SECRET) == NULL, "%s", paths[i]);
		resp_free(&r);
	}
	srv_assert_status(
	    &S, "GET /link-out HTTP/1.1\r\n" HOST "\r\n", 403, NULL);
	srv_assert_status(
	    &S, "GET /link-abs HTTP/1.1\r\n" HOST "\r\n", 403, NULL);
	srv_assert_status(
	    &S, "GET //etc/passwd HTTP/1.1\r\n" HOST "\r\n", 404, NULL);
	srv_stop(&S);
}

Test(http_limits, symlinks_inside_the_root_are_followed)
{
	srv_start(&S, NULL);
	srv_assert_status(
	    &S, "GET /link-in HTTP/1.1\r\n" HOST "\r\n", 200, "hello, world\n");
	srv_stop(&S);
}

Test(http_limits, a_fifo_is_refused_without_blocking_the_server)
{
	srv_start(&S, NULL);
	srv_assert_status(&S, "GET /fifo HTTP/1.1\r\n" HOST "\r\n", 403, NULL);
	srv_assert_status(&S, "GET /hello.txt HTTP/1.1\r\n" HOST "\r\n", 200,
	    "hello, world\n");
	srv_stop(&S);
}

static void
assert_pattern(const struct resp *r, size_t from, size_t len)
{
	size_t i;

	cr_assert(eq(sz, r->body_len, len));
	for (i = 0; i < len; i++)
		if ((unsigned char)r->body[i] != srv_pattern(from + i))
			break;
	cr_assert(eq(sz, i, len), "the body differs at byte %zu", from + i);
}

Test(http_limits, a_4_mib_file_arrives_complete_and_exact)
{
	struct resp r;

	srv_start(&S, NULL);
	srv_make_file(&S, "big.bin", 4u << 20);
	fetch(&S, "GET /big.bin HTTP/1.1\r\n" HOST "\r\n", &r);
	cr_assert(eq(int, r.status, 200));
	srv_assert_hdr(&r, "Content-Type", "application/octet-stream");
	srv_assert_hdr(&r, "Content-Length", "4194304");
	assert_pattern(&r, 0, 4u << 20);
	resp_free(&r);
	fetch(&S,
	    "GET /big.bin HTTP/1.1\r\n" HOST
	    "Range: bytes=1000001-3000000\r\n\r\n",
	    &r);
	cr_assert(eq(int, r.status, 206));
	srv_assert_hdr(&r, "Content-Range", "bytes 1000001-3000000/4194304");
	assert_pattern(&r, 1000001, 2000000);
	resp_free(&r);
	srv_stop(&S);
}

Test(http_limits, a_small_request_body_is_skipped_and_a_large_one_is_413)
{
	struct resp r;
	struct cli c;

	srv_start(&S, NULL);
	cli_open(&c, &S, 0);
	cli_send(&c,
	    "GET /hello.txt HTTP/1.1\r\n" HOST "Content-Length: 5\r\n"
	    "\r\nabcdeGET /sub/page.css HTTP/1.1\r\n" HOST "\r\n");
	cr_assert(cli_resp(&c, &r, false) == 0);
	cr_assert(eq(str, r.body, "hello, world\n"));
	resp_free(&r);
	cr_assert(cli_resp(&c, &r, false) == 0);
	cr_assert(eq(str, r.body, "p{}\n"));
	resp_free(&r);
	cli_close(&c);
	fetch(&S,
	    "GET /hello.txt HTTP/1.1\r\n" HOST
	    "Content-Length: 1000000\r\n\r\n",
	    &r);
	cr_assert(eq(int, r.status, 413));
	cr_assert(r.closed);
	resp_free(&r);
	srv_stop(&S);
}

Test(http_limits, status_and_build_control_endpoints_answer)
{
	struct resp r;

	srv_start(&S, NULL);
	fetch(&S, "GET /__tend/status HTTP/1.1\r\n" HOST "\r\n", &r);
	cr_assert(eq(int, r.status, 200));
	cr_assert(eq(str, r.body, "{\"ok\":true}"));
	srv_assert_hdr(&r, "Content-Type", "application/json");
	srv_assert_hdr(&r, "Cache-Control", "no-store");
	resp_free(&r);
	fetch(&S,
	    "POST /__tend/build?job=site HTTP/1.1\r\n" HOST
	    "Content-Length: 0\r\n\r\n",
	    &r);
	cr_assert(eq(int, r.status, 202));
	cr_assert(eq(str, r.body, "{\"requested\":\"site\"}"));
	resp_free(&r);
	srv_assert_status(&S, "POST /__tend/build HTTP/1.1\r\n" HOST "\r\n",
	    202, "{\"requested\":\"\"}");
	srv_assert_status(&S,
	    "POST /__tend/build?job=nope HTTP/1.1\r\n" HOST "\r\n", 404,
	    "{\"error\":\"unknown job\"}");
	srv_assert_status(&S,
	    "POST /__tend/build?job=%zz HTTP/1.1\r\n" HOST "\r\n", 400, NULL);
	fetch(&S, "GET /__tend/build HTTP/1.1\r\n" HOST "\r\n", &r);
	cr_assert(eq(int, r.status, 405));
	srv_assert_hdr(&r, "Allow", "POST");
	resp_free(&r);
	srv_assert_status(
	    &S, "GET /__tend/nothing HTTP/1.1\r\n" HOST "\r\n", 404, NULL);
	srv_assert_status(
	    &S, "POST /__tend/status HTTP/1.1\r\n" HOST "\r\n", 405, NULL);
	srv_stop(&S);
}

Test(http_limits, event_stream_clients_receive_broadcasts)
{
	char want[256];
	struct resp r;
	struct cli c, d;

	srv_start(&S, NULL);
	cli_open(&c, &S, 0);
	cli_open(&d, &S, 0);
	cli_send(&c, "GET /__tend/events HTTP/1.1\r\n" HOST "\r\n");
	cli_send(&d, "GET /__tend/events HTTP/1.1\r\n" HOST "\r\n");
	cr_assert(cli_wait_for(&c, "\r\n\r\n: tend\n\n"));
	cr_assert(cli_wait_for(&d, "\r\n\r\n: tend\n\n"));
	cr_assert(memmem(c.buf, c.len, "Content-Type: text/event-stream\r\n",
	              33) != NULL);
	cr_assert(
	    memmem(c.buf, c.len, "Cache-Control: no-cache\r\n", 25) != NULL);
	cr_assert(memmem(c.buf, c.len, "Content-Length", 14) == NULL);
	/* The stub's trigger_build broadcasts "build" with the job. */
	fetch(&S, "POST /__tend/build?job=site HTTP/1.1\r\n" HOST "\r\n", &r);
	cr_assert(eq(int, r.status, 202));
	resp_free(&r);
	snprintf(want, sizeof(want),
	    "event: build\ndata: {\"job\":\"site\","
	    "\"peer\":\"127.0.0.1:");
	cr_assert(cli_wait_for(&c, want));
	cr_assert(cli_wait_for(&d, want));
	cr_assert(cli_wait_for(&c, "\"}\n\n"));
	cli_close(&c);
	cli_close(&d);
	srv_stop(&S);
}

Test(http_limits, spa_mode_serves_the_index_for_unknown_routes_only)
{
	struct srv_opts o = {.spa = true};

	srv_start(&S, &o);
	srv_assert_status(&S, "GET /app/users/42 HTTP/1.1\r\n" HOST "\r\n", 200,
	    "<!doctype html><p>home</p>\n");
	srv_assert_status(
	    &S, "GET /missing.js HTTP/1.1\r\n" HOST "\r\n", 404, NULL);
	srv_assert_status(&S, "GET /hello.txt HTTP/1.1\r\n" HOST "\r\n", 200,
	    "hello, world\n");
	srv_stop(&S);
}

Test(http_limits, a_slow_head_gets_408_and_an_idle_connection_is_closed)
{
	struct srv_opts o = {.header_timeout = 0.3, .keepalive_timeout = 0.3};
	struct resp r;
	struct cli c;
	size_t len;
	bool eof;
	char *all;

	srv_start(&S, &o);
	cli_open(&c, &S, 0);
	cli_send(&c, "GET /hello.txt HTTP/1.1\r\n");
	cr_assert(cli_resp(&c, &r, false) == 0);
	cr_assert(eq(int, r.status, 408));
	cr_assert(r.closed);
	resp_free(&r);
	cli_close(&c);

	/* Nothing sent at all: closed without a word. */
	cli_open(&c, &S, 0);
	all = cli_read_all(&c, &len, &eof);
	cr_assert(eof);
	cr_assert(eq(sz, len, 0));
	free(all);
	cli_close(&c);

	cli_open(&c, &S, 0);
	cli_send(&c, "GET /hello.txt HTTP/1.1\r\n" HOST "\r\n");
	cr_assert(cli_resp(&c, &r, false) == 0);
	resp_free(&r);
	cr_assert(cli_eof(&c, 3.0), "idle keep-alive connection not closed");
	cli_close(&c);
	srv_stop(&S);
}

/* utime + stime of the server child, in clock ticks. */
static long
child_cpu(void)
{
	char path[64], buf[1024], *p;
	unsigned long ut = 0, st = 0;
	FILE *f;
	int i;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)S.pid);
	f = fopen(path, "r");
	cr_assert(f != NULL);
	cr_assert(fgets(buf, sizeof(buf), f) != NULL);
	fclose(f);
	/* Fields after the command name, which ends at the last ')'. */
	p = strrchr(buf, ')');
	for (i = 0; i < 11 && p != NULL; i++)
		p = strchr(p + 1, ' ');
	cr_assert(p != NULL && sscanf(p, " %lu %lu", &ut, &st) == 2);
	return (long)(ut + st);
}

Test(http_limits, running_out_of_fds_neither_spins_nor_hangs)
{
	enum { N = 24 };
	struct srv_opts o = {.spare_fds = 24};
	struct timespec t0, t1;
	int i, ok = 0, busy = 0;
	struct cli c[N];
	struct resp r;
	long cpu;
	double wall, busy_secs;

	/* valgrind keeps fds of its own under the limit this test sets. */
	if (getenv("TEND_UNDER_VALGRIND") != NULL)
		cr_skip_test("fd exhaustion is not measurable under valgrind");

	srv_start(&S, &o);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	cpu = child_cpu();
	for (i = 0; i < N; i++) {
		cli_open(&c[i], &S, 0);
		cli_send(&c[i], "GET /hello.txt HTTP/1.1\r\n" HOST "\r\n");
	}
	/* Served, or refused with 503: never left hanging. */
	for (i = 0; i < N; i++) {
		cr_assert(cli_resp(&c[i], &r, false) == 0, "client %d", i);
		cr_assert(r.status == 200 || r.status == 503, "client %d: %d",
		    i, r.status);
		ok += r.status == 200;
		busy += r.status == 503;
		resp_free(&r);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	wall = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	cpu = child_cpu() - cpu;
	cr_assert(ok > 0 && busy > 0, "ok %d busy %d", ok, busy);
	/* Spinning on a readable listener would burn the whole wall time. */
	busy_secs = (double)cpu / (double)sysconf(_SC_CLK_TCK);
	cr_assert(busy_secs < 0.5 * wall + 0.1, "cpu %.2fs in %.2fs", busy_secs,
	    wall);
	for (i = 0; i < N; i++)
		cli_close(&c[i]);
	srv_nap_ms(300);
	srv_assert_status(&S, "GET /hello.txt HTTP/1.1\r\n" HOST "\r\n", 200,
	    "hello, world\n");
	srv_stop(&S);
}
