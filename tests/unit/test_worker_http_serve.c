/* SPDX-License-Identifier: ISC */
/*
 * tests/unit/test_worker_http_serve.c
 * End to end: a real wrk_http server in a child process, a plain socket
 * client, exact bytes. Files, validators, ranges, keep-alive, pipelining,
 * limits, errors and every way out of the root we could think of.
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

TestSuite(http_serve, .fini = stop_server, .timeout = 60);

#define HOST "Host: t\r\n"

static void
nap_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static void
assert_hdr(const struct resp *r, const char *name, const char *want)
{
	const char *v = resp_hdr(r, name);

	cr_assert(v != NULL, "no %s header in\n%s", name, r->head);
	cr_assert(eq(str, (char *)v, (char *)want), "header %s in\n%s", name,
	    r->head);
}

static void
assert_status(const char *req, int status, const char *body)
{
	struct resp r;

	fetch(&S, req, &r);
	cr_assert(eq(int, r.status, status), "%s\n->\n%s", req, r.head);
	if (body != NULL)
		cr_assert(eq(str, r.body, (char *)body), "body of %s", req);
	resp_free(&r);
}

Test(http_serve, a_file_is_served_with_its_length_type_and_validators)
{
	char etag[80], lm[160];
	struct stat st;
	struct resp r;

	srv_start(&S, NULL);
	fetch(&S, "GET /hello.txt HTTP/1.1\r\n" HOST "\r\n", &r);
	cr_assert(eq(int, r.status, 200));
	cr_assert(eq(str, r.body, "hello, world\n"));
	assert_hdr(&r, "Content-Length", "13");
	assert_hdr(&r, "Content-Type", "text/plain; charset=utf-8");
	assert_hdr(&r, "Server", "tend");
	assert_hdr(&r, "Accept-Ranges", "bytes");
	cr_assert(resp_hdr(&r, "Date") != NULL);
	cr_assert(resp_hdr(&r, "Connection") == NULL);
	snprintf(lm, sizeof(lm), "%s/hello.txt", S.root);
	cr_assert(stat(lm, &st) == 0);
	snprintf(etag, sizeof(etag), "\"%llx-%lx-%llx\"",
	    (unsigned long long)st.st_mtim.tv_sec,
	    (unsigned long)st.st_mtim.tv_nsec, (unsigned long long)st.st_size);
	assert_hdr(&r, "ETag", etag);
	strftime(lm, sizeof(lm), "%a, %d %b %Y %H:%M:%S GMT",
	    gmtime(&st.st_mtim.tv_sec));
	assert_hdr(&r, "Last-Modified", lm);
	resp_free(&r);
	srv_stop(&S);
}

Test(http_serve, head_sends_the_headers_and_no_body)
{
	struct resp r;
	struct cli c;

	srv_start(&S, NULL);
	cli_open(&c, &S, 0);
	/* If HEAD had a body, it would stand where the second answer is. */
	cli_send(&c,
	    "HEAD /hello.txt HTTP/1.1\r\n" HOST "\r\n"
	    "GET /sub/page.css HTTP/1.1\r\n" HOST "\r\n");
	cr_assert(cli_resp(&c, &r, true) == 0);
	cr_assert(eq(int, r.status, 200));
	assert_hdr(&r, "Content-Length", "13");
	resp_free(&r);
	cr_assert(cli_resp(&c, &r, false) == 0);
	cr_assert(eq(str, r.body, "p{}\n"));
	assert_hdr(&r, "Content-Type", "text/css; charset=utf-8");
	resp_free(&r);
	cli_close(&c);
	srv_stop(&S);
}

Test(http_serve, a_matching_etag_gives_304_and_another_gives_200)
{
	char etag[128], req[512];
	struct resp r;

	srv_start(&S, NULL);
	fetch(&S, "GET /hello.txt HTTP/1.1\r\n" HOST "\r\n", &r);
	snprintf(etag, sizeof(etag), "%s", resp_hdr(&r, "ETag"));
	resp_free(&r);

	snprintf(req, sizeof(req),
	    "GET /hello.txt HTTP/1.1\r\n" HOST "If-None-Match: \"x\", W/%s\r\n"
	    "\r\n",
	    etag);
	fetch(&S, req, &r);
	cr_assert(eq(int, r.status, 304));
	assert_hdr(&r, "ETag", etag);
	cr_assert(resp_hdr(&r, "Content-Length") == NULL);
	resp_free(&r);

	assert_status("GET /hello.txt HTTP/1.1\r\n" HOST
	              "If-None-Match: \"nope\"\r\n\r\n",
	    200, "hello, world\n");
	assert_status("GET /hello.txt HTTP/1.1\r\n" HOST
	              "If-None-Match: *\r\n\r\n",
	    304, "");
	srv_stop(&S);
}

Test(http_serve, if_modified_since_the_mtime_gives_304)
{
	char lm[64], req[512];
	struct resp r;

	srv_start(&S, NULL);
	fetch(&S, "GET /hello.txt HTTP/1.1\r\n" HOST "\r\n", &r);
	snprintf(lm, sizeof(lm), "%s", resp_hdr(&r, "Last-Modified"));
	resp_free(&r);
	snprintf(req, sizeof(req),
	    "GET /hello.txt HTTP/1.1\r\n" HOST "If-Modified-Since: %s\r\n\r\n",
	    lm);
	assert_status(req, 304, "");
	assert_status("GET /hello.txt HTTP/1.1\r\n" HOST "If-Modified-Since: "
	              "Thu, 01 Jan 1970 00:00:01 GMT\r\n\r\n",
	    200, "hello, world\n");
	/* If-None-Match decides alone when both are sent. */
	snprintf(req, sizeof(req),
	    "GET /hello.txt HTTP/1.1\r\n" HOST "If-Modified-Since: %s\r\n"
	    "If-None-Match: \"other\"\r\n\r\n",
	    lm);
	assert_status(req, 200, "hello, world\n");
	srv_stop(&S);
}

Test(http_serve, byte_ranges_give_206_with_content_range)
{
	struct resp r;

	srv_start(&S, NULL);
	fetch(&S, "GET /hello.txt HTTP/1.1\r\n" HOST "Range: bytes=0-4\r\n\r\n",
	    &r);
	cr_assert(eq(int, r.status, 206));
	cr_assert(eq(str, r.body, "hello"));
	assert_hdr(&r, "Content-Range", "bytes 0-4/13");
	assert_hdr(&r, "Content-Length", "5");
	resp_free(&r);
	fetch(&S, "GET /hello.txt HTTP/1.1\r\n" HOST "Range: bytes=7-\r\n\r\n",
	    &r);
	cr_assert(eq(int, r.status, 206));
	cr_assert(eq(str, r.body, "world\n"));
	assert_hdr(&r, "Content-Range", "bytes 7-12/13");
	resp_free(&r);
	fetch(&S, "GET /hello.txt HTTP/1.1\r\n" HOST "Range: bytes=-6\r\n\r\n",
	    &r);
	cr_assert(eq(int, r.status, 206));
	cr_assert(eq(str, r.body, "world\n"));
	resp_free(&r);
	srv_stop(&S);
}

Test(http_serve, an_unsatisfiable_range_gives_416_with_the_size)
{
	struct resp r;

	srv_start(&S, NULL);
	fetch(&S, "GET /hello.txt HTTP/1.1\r\n" HOST "Range: bytes=13-\r\n\r\n",
	    &r);
	cr_assert(eq(int, r.status, 416));
	assert_hdr(&r, "Content-Range", "bytes */13");
	resp_free(&r);
	srv_stop(&S);
}

Test(http_serve, several_ranges_or_a_stale_if_range_give_the_whole_file)
{
	srv_start(&S, NULL);
	assert_status("GET /hello.txt HTTP/1.1\r\n" HOST
	              "Range: bytes=0-1,3-4\r\n\r\n",
	    200, "hello, world\n");
	assert_status("GET /hello.txt HTTP/1.1\r\n" HOST
	              "Range: bytes=0-1\r\nIf-Range: \"old\"\r\n\r\n",
	    200, "hello, world\n");
	assert_status("GET /hello.txt HTTP/1.1\r\n" HOST
	              "Range: lines=0-1\r\n\r\n",
	    200, "hello, world\n");
	srv_stop(&S);
}

Test(http_serve, keep_alive_serves_two_requests_on_one_connection)
{
	uint64_t req, conns, cut;
	struct resp r;
	struct cli c;

	srv_start(&S, NULL);
	cli_open(&c, &S, 0);
	cli_send(&c, "GET /hello.txt HTTP/1.1\r\n" HOST "\r\n");
	cr_assert(cli_resp(&c, &r, false) == 0);
	cr_assert(eq(str, r.body, "hello, world\n"));
	cr_assert(not(r.closed));
	resp_free(&r);
	cli_send(&c, "GET /sub/ HTTP/1.1\r\n" HOST "\r\n");
	cr_assert(cli_resp(&c, &r, false) == 0);
	cr_assert(eq(str, r.body, "<p>sub</p>\n"));
	resp_free(&r);
	cli_close(&c);
	srv_stop(&S);
	srv_stats(&S, &req, &conns, &cut);
	cr_assert(eq(u64, req, 2));
	cr_assert(eq(u64, conns, 1));
	cr_assert(eq(u64, cut, 0));
}

Test(http_serve, pipelined_requests_are_answered_in_order)
{
	static const char *const want[] = {
	    "hello, world\n", "p{}\n", "<!doctype html><p>home</p>\n"};
	struct resp r;
	struct cli c;
	int i;

	srv_start(&S, NULL);
	cli_open(&c, &S, 0);
	cli_send(&c,
	    "GET /hello.txt HTTP/1.1\r\n" HOST "\r\n"
	    "GET /sub/page.css HTTP/1.1\r\n" HOST "\r\n"
	    "GET / HTTP/1.1\r\n" HOST "Connection: close\r\n\r\n");
	for (i = 0; i < 3; i++) {
		cr_assert(cli_resp(&c, &r, false) == 0, "response %d", i);
		cr_assert(eq(int, r.status, 200));
		cr_assert(eq(str, r.body, (char *)want[i]), "response %d", i);
		cr_assert(eq(int, r.closed, i == 2));
		resp_free(&r);
	}
	cr_assert(cli_eof(&c, 2.0));
	cli_close(&c);
	srv_stop(&S);
}

Test(http_serve, a_long_pipeline_larger_than_the_read_buffer_is_answered)
{
	static const char one[] = "GET /hello.txt HTTP/1.1\r\n" HOST "\r\n";
	enum { N = 1000 };
	char *all = malloc(N * (sizeof(one) - 1) + 1);
	struct resp r;
	struct cli c;
	int i;

	srv_start(&S, NULL);
	for (i = 0; i < N; i++)
		memcpy(all + i * (sizeof(one) - 1), one, sizeof(one) - 1);
	cli_open(&c, &S, 0);
	cli_sendn(&c, all, N * (sizeof(one) - 1));
	free(all);
	for (i = 0; i < N; i++) {
		cr_assert(cli_resp(&c, &r, false) == 0, "response %d", i);
		cr_assert(eq(str, r.body, "hello, world\n"), "response %d", i);
		resp_free(&r);
	}
	cli_close(&c);
	srv_stop(&S);
}

Test(http_serve, a_directory_without_its_slash_is_redirected)
{
	struct resp r;

	srv_start(&S, NULL);
	fetch(&S, "GET /sub HTTP/1.1\r\n" HOST "\r\n", &r);
	cr_assert(eq(int, r.status, 301));
	assert_hdr(&r, "Location", "/sub/");
	resp_free(&r);
	fetch(&S, "GET /a%20b HTTP/1.1\r\n" HOST "\r\n", &r);
	cr_assert(eq(int, r.status, 301));
	assert_hdr(&r, "Location", "/a%20b/");
	resp_free(&r);
	/* Never a protocol-relative "//host" Location. */
	fetch(&S, "GET //sub HTTP/1.1\r\n" HOST "\r\n", &r);
	cr_assert(eq(int, r.status, 301));
	assert_hdr(&r, "Location", "/sub/");
	resp_free(&r);
	srv_stop(&S);
}

Test(http_serve, a_directory_with_its_slash_serves_its_index)
{
	struct resp r;

	srv_start(&S, NULL);
	fetch(&S, "GET / HTTP/1.1\r\n" HOST "\r\n", &r);
	cr_assert(eq(int, r.status, 200));
	cr_assert(eq(str, r.body, "<!doctype html><p>home</p>\n"));
	assert_hdr(&r, "Content-Type", "text/html; charset=utf-8");
	resp_free(&r);
	assert_status(
	    "GET /sub/ HTTP/1.1\r\n" HOST "\r\n", 200, "<p>sub</p>\n");
	assert_status(
	    "GET /a%20b/ HTTP/1.1\r\n" HOST "\r\n", 200, "<p>space</p>\n");
	assert_status("GET /empty/ HTTP/1.1\r\n" HOST "\r\n", 404, NULL);
	srv_stop(&S);
}

Test(http_serve, missing_files_are_404_with_a_small_html_body)
{
	struct resp r;

	srv_start(&S, NULL);
	fetch(&S, "GET /nope.html HTTP/1.1\r\n" HOST "\r\n", &r);
	cr_assert(eq(int, r.status, 404));
	assert_hdr(&r, "Content-Type", "text/html; charset=utf-8");
	cr_assert(strstr(r.body, "404 Not Found") != NULL);
	cr_assert(r.body_len > 0);
	resp_free(&r);
	assert_status("GET /hello.txt/ HTTP/1.1\r\n" HOST "\r\n", 404, NULL);
	assert_status("GET /zero.txt HTTP/1.1\r\n" HOST "\r\n", 200, "");
	srv_stop(&S);
}

Test(http_serve, methods_other_than_get_and_head_are_405)
{
	struct resp r;

	srv_start(&S, NULL);
	fetch(&S,
	    "PUT /hello.txt HTTP/1.1\r\n" HOST "Content-Length: 2\r\n\r\nhi",
	    &r);
	cr_assert(eq(int, r.status, 405));
	assert_hdr(&r, "Allow", "GET, HEAD");
	resp_free(&r);
	assert_status("POST /hello.txt HTTP/1.1\r\n" HOST "\r\n", 405, NULL);
	assert_status("DELETE /hello.txt HTTP/1.1\r\n" HOST "\r\n", 405, NULL);
	assert_status("OPTIONS * HTTP/1.1\r\n" HOST "\r\n", 400, NULL);
	assert_status("BREW /pot HTTP/1.1\r\n" HOST "\r\n", 501, NULL);
	srv_stop(&S);
}

Test(http_serve, versions_other_than_1_0_and_1_1_are_505)
{
	srv_start(&S, NULL);
	assert_status("GET / HTTP/2.0\r\n" HOST "\r\n", 505, NULL);
	assert_status("GET / HTTP/1.2\r\n" HOST "\r\n", 505, NULL);
	assert_status("GET / HTTP/0.9\r\n\r\n", 505, NULL);
	srv_stop(&S);
}

Test(http_serve, http_1_0_closes_unless_asked_to_keep_alive)
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
	assert_hdr(&r, "Connection", "keep-alive");
	resp_free(&r);
	cli_send(&c, "GET /hello.txt HTTP/1.0\r\n\r\n");
	cr_assert(cli_resp(&c, &r, false) == 0);
	cr_assert(eq(str, r.body, "hello, world\n"));
	resp_free(&r);
	cli_close(&c);
	srv_stop(&S);
}

Test(http_serve, an_overlong_url_is_414_and_overlong_headers_are_431)
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

Test(http_serve, many_small_headers_over_the_limit_are_431)
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

Test(http_serve, malformed_requests_are_400_and_close)
{
	struct resp r;

	srv_start(&S, NULL);
	fetch(&S, "GET / HTTP/1.1\r\nBad Header\r\n\r\n", &r);
	cr_assert(eq(int, r.status, 400));
	cr_assert(r.closed);
	resp_free(&r);
	assert_status("GET / XTTP/1.1\r\n" HOST "\r\n", 400, NULL);
	assert_status("GET /a b HTTP/1.1\r\n" HOST "\r\n", 400, NULL);
	assert_status("GET relative HTTP/1.1\r\n" HOST "\r\n", 400, NULL);
	srv_stop(&S);
}

Test(http_serve, no_path_leads_out_of_the_root)
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
	assert_status("GET /link-out HTTP/1.1\r\n" HOST "\r\n", 403, NULL);
	assert_status("GET /link-abs HTTP/1.1\r\n" HOST "\r\n", 403, NULL);
	assert_status("GET //etc/passwd HTTP/1.1\r\n" HOST "\r\n", 404, NULL);
	srv_stop(&S);
}

Test(http_serve, symlinks_inside_the_root_are_followed)
{
	srv_start(&S, NULL);
	assert_status(
	    "GET /link-in HTTP/1.1\r\n" HOST "\r\n", 200, "hello, world\n");
	srv_stop(&S);
}

Test(http_serve, a_fifo_is_refused_without_blocking_the_server)
{
	srv_start(&S, NULL);
	assert_status("GET /fifo HTTP/1.1\r\n" HOST "\r\n", 403, NULL);
	assert_status(
	    "GET /hello.txt HTTP/1.1\r\n" HOST "\r\n", 200, "hello, world\n");
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

Test(http_serve, a_4_mib_file_arrives_complete_and_exact)
{
	struct resp r;

	srv_start(&S, NULL);
	srv_make_file(&S, "big.bin", 4u << 20);
	fetch(&S, "GET /big.bin HTTP/1.1\r\n" HOST "\r\n", &r);
	cr_assert(eq(int, r.status, 200));
	assert_hdr(&r, "Content-Type", "application/octet-stream");
	assert_hdr(&r, "Content-Length", "4194304");
	assert_pattern(&r, 0, 4u << 20);
	resp_free(&r);
	fetch(&S,
	    "GET /big.bin HTTP/1.1\r\n" HOST
	    "Range: bytes=1000001-3000000\r\n\r\n",
	    &r);
	cr_assert(eq(int, r.status, 206));
	assert_hdr(&r, "Content-Range", "bytes 1000001-3000000/4194304");
	assert_pattern(&r, 1000001, 2000000);
	resp_free(&r);
	srv_stop(&S);
}

Test(http_serve, a_small_request_body_is_skipped_and_a_large_one_is_413)
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

Test(http_serve, status_and_build_control_endpoints_answer)
{
	struct resp r;

	srv_start(&S, NULL);
	fetch(&S, "GET /__tend/status HTTP/1.1\r\n" HOST "\r\n", &r);
	cr_assert(eq(int, r.status, 200));
	cr_assert(eq(str, r.body, "{\"ok\":true}"));
	assert_hdr(&r, "Content-Type", "application/json");
	assert_hdr(&r, "Cache-Control", "no-store");
	resp_free(&r);
	fetch(&S,
	    "POST /__tend/build?job=site HTTP/1.1\r\n" HOST
	    "Content-Length: 0\r\n\r\n",
	    &r);
	cr_assert(eq(int, r.status, 202));
	cr_assert(eq(str, r.body, "{\"requested\":\"site\"}"));
	resp_free(&r);
	assert_status("POST /__tend/build HTTP/1.1\r\n" HOST "\r\n", 202,
	    "{\"requested\":\"\"}");
	assert_status("POST /__tend/build?job=nope HTTP/1.1\r\n" HOST "\r\n",
	    404, "{\"error\":\"unknown job\"}");
	assert_status(
	    "POST /__tend/build?job=%zz HTTP/1.1\r\n" HOST "\r\n", 400, NULL);
	fetch(&S, "GET /__tend/build HTTP/1.1\r\n" HOST "\r\n", &r);
	cr_assert(eq(int, r.status, 405));
	assert_hdr(&r, "Allow", "POST");
	resp_free(&r);
	assert_status(
	    "GET /__tend/nothing HTTP/1.1\r\n" HOST "\r\n", 404, NULL);
	assert_status(
	    "POST /__tend/status HTTP/1.1\r\n" HOST "\r\n", 405, NULL);
	srv_stop(&S);
}

Test(http_serve, event_stream_clients_receive_broadcasts)
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

Test(http_serve, spa_mode_serves_the_index_for_unknown_routes_only)
{
	struct srv_opts o = {.spa = true};

	srv_start(&S, &o);
	assert_status("GET /app/users/42 HTTP/1.1\r\n" HOST "\r\n", 200,
	    "<!doctype html><p>home</p>\n");
	assert_status("GET /missing.js HTTP/1.1\r\n" HOST "\r\n", 404, NULL);
	assert_status(
	    "GET /hello.txt HTTP/1.1\r\n" HOST "\r\n", 200, "hello, world\n");
	srv_stop(&S);
}

Test(http_serve, a_slow_head_gets_408_and_an_idle_connection_is_closed)
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

Test(http_serve, running_out_of_fds_neither_spins_nor_hangs)
{
	enum { N = 24 };
	struct srv_opts o = {.spare_fds = 24};
	struct timespec t0, t1;
	int i, ok = 0, busy = 0;
	struct cli c[N];
	struct resp r;
	long cpu;
	double wall, busy_secs;

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
	nap_ms(300);
	assert_status(
	    "GET /hello.txt HTTP/1.1\r\n" HOST "\r\n", 200, "hello, world\n");
	srv_stop(&S);
}
