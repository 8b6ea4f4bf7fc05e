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

Test(http_serve, a_file_is_served_with_its_length_type_and_validators)
{
	char etag[80], lm[160];
	struct stat st;
	struct resp r;

	srv_start(&S, NULL);
	fetch(&S, "GET /hello.txt HTTP/1.1\r\n" HOST "\r\n", &r);
	cr_assert(eq(int, r.status, 200));
	cr_assert(eq(str, r.body, "hello, world\n"));
	srv_assert_hdr(&r, "Content-Length", "13");
	srv_assert_hdr(&r, "Content-Type", "text/plain; charset=utf-8");
	srv_assert_hdr(&r, "Server", "tend");
	srv_assert_hdr(&r, "Accept-Ranges", "bytes");
	cr_assert(resp_hdr(&r, "Date") != NULL);
	cr_assert(resp_hdr(&r, "Connection") == NULL);
	snprintf(lm, sizeof(lm), "%s/hello.txt", S.root);
	cr_assert(stat(lm, &st) == 0);
	snprintf(etag, sizeof(etag), "\"%llx-%lx-%llx\"",
	    (unsigned long long)st.st_mtim.tv_sec,
	    (unsigned long)st.st_mtim.tv_nsec, (unsigned long long)st.st_size);
	srv_assert_hdr(&r, "ETag", etag);
	strftime(lm, sizeof(lm), "%a, %d %b %Y %H:%M:%S GMT",
	    gmtime(&st.st_mtim.tv_sec));
	srv_assert_hdr(&r, "Last-Modified", lm);
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
	srv_assert_hdr(&r, "Content-Length", "13");
	resp_free(&r);
	cr_assert(cli_resp(&c, &r, false) == 0);
	cr_assert(eq(str, r.body, "p{}\n"));
	srv_assert_hdr(&r, "Content-Type", "text/css; charset=utf-8");
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
	srv_assert_hdr(&r, "ETag", etag);
	cr_assert(resp_hdr(&r, "Content-Length") == NULL);
	resp_free(&r);

	srv_assert_status(&S,
	    "GET /hello.txt HTTP/1.1\r\n" HOST
	    "If-None-Match: \"nope\"\r\n\r\n",
	    200, "hello, world\n");
	srv_assert_status(&S,
	    "GET /hello.txt HTTP/1.1\r\n" HOST "If-None-Match: *\r\n\r\n", 304,
	    "");
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
	srv_assert_status(&S, req, 304, "");
	srv_assert_status(&S,
	    "GET /hello.txt HTTP/1.1\r\n" HOST "If-Modified-Since: "
	    "Thu, 01 Jan 1970 00:00:01 GMT\r\n\r\n",
	    200, "hello, world\n");
	/* If-None-Match decides alone when both are sent. */
	snprintf(req, sizeof(req),
	    "GET /hello.txt HTTP/1.1\r\n" HOST "If-Modified-Since: %s\r\n"
	    "If-None-Match: \"other\"\r\n\r\n",
	    lm);
	srv_assert_status(&S, req, 200, "hello, world\n");
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
	srv_assert_hdr(&r, "Content-Range", "bytes 0-4/13");
	srv_assert_hdr(&r, "Content-Length", "5");
	resp_free(&r);
	fetch(&S, "GET /hello.txt HTTP/1.1\r\n" HOST "Range: bytes=7-\r\n\r\n",
	    &r);
	cr_assert(eq(int, r.status, 206));
	cr_assert(eq(str, r.body, "world\n"));
	srv_assert_hdr(&r, "Content-Range", "bytes 7-12/13");
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
	srv_assert_hdr(&r, "Content-Range", "bytes */13");
	resp_free(&r);
	srv_stop(&S);
}

Test(http_serve, several_ranges_or_a_stale_if_range_give_the_whole_file)
{
	srv_start(&S, NULL);
	srv_assert_status(&S,
	    "GET /hello.txt HTTP/1.1\r\n" HOST "Range: bytes=0-1,3-4\r\n\r\n",
	    200, "hello, world\n");
	srv_assert_status(&S,
	    "GET /hello.txt HTTP/1.1\r\n" HOST
	    "Range: bytes=0-1\r\nIf-Range: \"old\"\r\n\r\n",
	    200, "hello, world\n");
	srv_assert_status(&S,
	    "GET /hello.txt HTTP/1.1\r\n" HOST "Range: lines=0-1\r\n\r\n", 200,
	    "hello, world\n");
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
	srv_assert_hdr(&r, "Location", "/sub/");
	resp_free(&r);
	fetch(&S, "GET /a%20b HTTP/1.1\r\n" HOST "\r\n", &r);
	cr_assert(eq(int, r.status, 301));
	srv_assert_hdr(&r, "Location", "/a%20b/");
	resp_free(&r);
	/* Never a protocol-relative "//host" Location. */
	fetch(&S, "GET //sub HTTP/1.1\r\n" HOST "\r\n", &r);
	cr_assert(eq(int, r.status, 301));
	srv_assert_hdr(&r, "Location", "/sub/");
	resp_free(&r);
	srv_stop(&S);
}

Test(http_serve, a_redirect_keeps_the_query)
{
	struct resp r;

	srv_start(&S, NULL);
	fetch(&S, "GET /sub?x=1 HTTP/1.1\r\n" HOST "\r\n", &r);
	cr_assert(eq(int, r.status, 301));
	srv_assert_hdr(&r, "Location", "/sub/?x=1");
	resp_free(&r);
	/* As sent, escapes and all; the fragment never reaches a server. */
	fetch(&S, "GET /a%20b?q=a%20b&p=/x?y HTTP/1.1\r\n" HOST "\r\n", &r);
	cr_assert(eq(int, r.status, 301));
	srv_assert_hdr(&r, "Location", "/a%20b/?q=a%20b&p=/x?y");
	resp_free(&r);
	/* A byte that is no query character is escaped, never passed on. */
	fetch(&S, "GET /sub?x=\"\x80 HTTP/1.1\r\n" HOST "\r\n", &r);
	cr_assert(eq(int, r.status, 301));
	srv_assert_hdr(&r, "Location", "/sub/?x=%22%80");
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
	srv_assert_hdr(&r, "Content-Type", "text/html; charset=utf-8");
	resp_free(&r);
	srv_assert_status(
	    &S, "GET /sub/ HTTP/1.1\r\n" HOST "\r\n", 200, "<p>sub</p>\n");
	srv_assert_status(
	    &S, "GET /a%20b/ HTTP/1.1\r\n" HOST "\r\n", 200, "<p>space</p>\n");
	srv_assert_status(
	    &S, "GET /empty/ HTTP/1.1\r\n" HOST "\r\n", 404, NULL);
	srv_stop(&S);
}

Test(http_serve, missing_files_are_404_with_a_small_html_body)
{
	struct resp r;

	srv_start(&S, NULL);
	fetch(&S, "GET /nope.html HTTP/1.1\r\n" HOST "\r\n", &r);
	cr_assert(eq(int, r.status, 404));
	srv_assert_hdr(&r, "Content-Type", "text/html; charset=utf-8");
	cr_assert(strstr(r.body, "404 Not Found") != NULL);
	cr_assert(r.body_len > 0);
	resp_free(&r);
	srv_assert_status(
	    &S, "GET /hello.txt/ HTTP/1.1\r\n" HOST "\r\n", 404, NULL);
	srv_assert_status(
	    &S, "GET /zero.txt HTTP/1.1\r\n" HOST "\r\n", 200, "");
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
	srv_assert_hdr(&r, "Allow", "GET, HEAD");
	resp_free(&r);
	srv_assert_status(
	    &S, "POST /hello.txt HTTP/1.1\r\n" HOST "\r\n", 405, NULL);
	srv_assert_status(
	    &S, "DELETE /hello.txt HTTP/1.1\r\n" HOST "\r\n", 405, NULL);
	srv_assert_status(&S, "OPTIONS * HTTP/1.1\r\n" HOST "\r\n", 400, NULL);
	srv_assert_status(&S, "BREW /pot HTTP/1.1\r\n" HOST "\r\n", 501, NULL);
	srv_stop(&S);
}
