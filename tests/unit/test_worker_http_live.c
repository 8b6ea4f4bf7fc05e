/* SPDX-License-Identifier: ISC */
/*
 * tests/unit/test_worker_http_live.c
 * Live reload, end to end: the script tag injected into HTML (where, its
 * length, HEAD, ETag and 304, Range ignored, big pages and other types
 * untouched), the client served at /__tend/livereload.js, and event data
 * with line breaks framed as several data: lines.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "test_worker_http_harness.h"

#define HOST "Host: t\r\n"
#define TAG "<script src=\"/__tend/livereload.js\"></script>"

static struct srv S;

static void
cleanup(void)
{
	srv_cleanup(&S);
}

TestSuite(http_live, .fini = cleanup, .timeout = 60);

static void
start(bool livereload)
{
	struct srv_opts o = {.livereload = livereload};

	srv_start(&S, &o);
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
get(const char *path, struct resp *r)
{
	char req[512];

	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\n" HOST "\r\n", path);
	fetch(&S, req, r);
}

/* GET path gives 200 with exactly body, and a Content-Length to match. */
static void
assert_page(const char *path, const char *body)
{
	char len[32];
	struct resp r;

	get(path, &r);
	cr_assert(eq(int, r.status, 200), "GET %s:\n%s", path, r.head);
	cr_assert(eq(str, r.body, (char *)body), "body of %s", path);
	snprintf(len, sizeof(len), "%zu", strlen(body));
	assert_hdr(&r, "Content-Length", len);
	resp_free(&r);
}

/* The ETag the server gives a file without injection. */
static void
raw_etag(const char *name, char *out, size_t sz)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", S.root, name);
	cr_assert(stat(path, &st) == 0);
	snprintf(out, sz, "\"%llx-%lx-%llx\"",
	    (unsigned long long)st.st_mtim.tv_sec,
	    (unsigned long)st.st_mtim.tv_nsec, (unsigned long long)st.st_size);
}

Test(http_live, the_script_goes_right_before_the_last_closing_body_tag)
{
	struct resp r;

	start(true);
	srv_write(&S, "page.html",
	    "<html><body><p>x</p></body>\n<p>late</p></body>\n</html>\n");
	assert_page("/page.html",
	    "<html><body><p>x</p></body>\n<p>late</p>" TAG "</body>\n"
	    "</html>\n");
	get("/page.html", &r);
	assert_hdr(&r, "Content-Type", "text/html; charset=utf-8");
	assert_hdr(&r, "Cache-Control", "no-cache");
	resp_free(&r);
	srv_stop(&S);
}

Test(http_live, a_page_without_a_closing_body_tag_gets_the_script_at_the_end)
{
	start(true);
	/* The tree's index.html has no </body>; "/" serves it. */
	assert_page("/", "<!doctype html><p>home</p>\n" TAG);
	assert_page("/sub/", "<p>sub</p>\n" TAG);
	srv_write(&S, "empty.html", "");
	assert_page("/empty.html", TAG);
	srv_write(&S, "almost.htm", "<p></body</p>");
	assert_page("/almost.htm", "<p></body</p>" TAG);
	srv_stop(&S);
}

Test(http_live, the_closing_body_tag_is_found_in_any_case)
{
	start(true);
	srv_write(&S, "upper.html", "<BODY>x</BODY>\n</HTML>\n");
	assert_page("/upper.html", "<BODY>x" TAG "</BODY>\n</HTML>\n");
	srv_write(&S, "mixed.html", "<p>a</Body></bOdY >");
	assert_page("/mixed.html", "<p>a" TAG "</Body></bOdY >");
	srv_stop(&S);
}

Test(http_live, head_gives_the_headers_get_would_send)
{
	struct resp g, h;
	struct cli c;

	start(true);
	cli_open(&c, &S, 0);
	/* HEAD's Content-Length must not let a body sneak in: GET follows. */
	cli_send(&c,
	    "HEAD / HTTP/1.1\r\n" HOST "\r\n"
	    "GET / HTTP/1.1\r\n" HOST "\r\n");
	cr_assert(cli_resp(&c, &h, true) == 0);
	cr_assert(cli_resp(&c, &g, false) == 0);
	cr_assert(eq(int, h.status, 200));
	cr_assert(eq(str, g.body, "<!doctype html><p>home</p>\n" TAG));
	cr_assert(eq(str, (char *)resp_hdr(&g, "Content-Length"),
	    (char *)resp_hdr(&h, "Content-Length")));
	cr_assert(eq(
	    str, (char *)resp_hdr(&g, "ETag"), (char *)resp_hdr(&h, "ETag")));
	assert_hdr(&h, "Accept-Ranges", "none");
	resp_free(&g);
	resp_free(&h);
	cli_close(&c);
	srv_stop(&S);
}

Test(http_live, the_injected_page_has_its_own_etag_and_revalidates_with_304)
{
	char raw[80], lr[96], req[512];
	struct resp r;

	start(true);
	raw_etag("index.html", raw, sizeof(raw));
	snprintf(lr, sizeof(lr), "%.*s-lr\"", (int)strlen(raw) - 1, raw);
	get("/index.html", &r);
	assert_hdr(&r, "ETag", lr);
	resp_free(&r);

	snprintf(req, sizeof(req),
	    "GET /index.html HTTP/1.1\r\n" HOST "If-None-Match: %s\r\n\r\n",
	    lr);
	fetch(&S, req, &r);
	cr_assert(eq(int, r.status, 304));
	assert_hdr(&r, "ETag", lr);
	cr_assert(resp_hdr(&r, "Content-Length") == NULL);
	resp_free(&r);

	/* What a cache kept from a run without live reload is not it. */
	snprintf(req, sizeof(req),
	    "GET /index.html HTTP/1.1\r\n" HOST "If-None-Match: %s\r\n\r\n",
	    raw);
	fetch(&S, req, &r);
	cr_assert(eq(int, r.status, 200));
	cr_assert(eq(str, r.body, "<!doctype html><p>home</p>\n" TAG));
	resp_free(&r);
	srv_stop(&S);
}

Test(http_live, a_range_on_an_injected_page_is_ignored)
{
	struct resp r;

	start(true);
	fetch(&S,
	    "GET /index.html HTTP/1.1\r\n" HOST "Range: bytes=0-4\r\n\r\n", &r);
	cr_assert(eq(int, r.status, 200));
	cr_assert(eq(str, r.body, "<!doctype html><p>home</p>\n" TAG));
	cr_assert(resp_hdr(&r, "Content-Range") == NULL);
	resp_free(&r);
	fetch(&S,
	    "GET /index.html HTTP/1.1\r\n" HOST "Range: bytes=9999-\r\n\r\n",
	    &r);
	cr_assert(eq(int, r.status, 200), "no 416 for a range we ignore");
	resp_free(&r);
	srv_stop(&S);
}

static void
assert_pattern(const struct resp *r, size_t len)
{
	size_t i;

	cr_assert(eq(sz, r->body_len, len));
	for (i = 0; i < len; i++)
		if ((unsigned char)r->body[i] != srv_pattern(i))
			break;
	cr_assert(eq(sz, i, len), "the body differs at byte %zu", i);
}

Test(http_live, stylesheets_and_other_files_are_sent_untouched)
{
	char etag[80];
	struct resp r;

	start(true);
	/* Over WRK_SMALL_FILE: the sendfile path. */
	srv_make_file(&S, "big.css", 100 * 1024);
	get("/big.css", &r);
	cr_assert(eq(int, r.status, 200));
	assert_hdr(&r, "Content-Type", "text/css; charset=utf-8");
	assert_hdr(&r, "Content-Length", "102400");
	assert_hdr(&r, "Accept-Ranges", "bytes");
	raw_etag("big.css", etag, sizeof(etag));
	assert_hdr(&r, "ETag", etag);
	assert_pattern(&r, 100 * 1024);
	resp_free(&r);
	fetch(&S, "GET /big.css HTTP/1.1\r\n" HOST "Range: bytes=0-9\r\n\r\n",
	    &r);
	cr_assert(eq(int, r.status, 206));
	resp_free(&r);
	assert_page("/sub/page.css", "p{}\n");
	assert_page("/hello.txt", "hello, world\n");
	srv_stop(&S);
}

Test(http_live, html_over_8_mib_is_sent_unmodified)
{
	const size_t size = (8u << 20) + 1;
	char etag[80];
	struct resp r;

	start(true);
	srv_make_file(&S, "huge.html", size);
	get("/huge.html", &r);
	cr_assert(eq(int, r.status, 200));
	raw_etag("huge.html", etag, sizeof(etag));
	assert_hdr(&r, "ETag", etag);
	assert_pattern(&r, size);
	resp_free(&r);
	srv_stop(&S);
}

Test(http_live, without_livereload_html_is_sent_as_it_is)
{
	char etag[80];
	struct resp r;

	start(false);
	assert_page("/", "<!doctype html><p>home</p>\n");
	srv_write(&S, "page.html", "<body>x</body>");
	assert_page("/page.html", "<body>x</body>");
	get("/index.html", &r);
	raw_etag("index.html", etag, sizeof(etag));
	assert_hdr(&r, "ETag", etag);
	resp_free(&r);
	srv_stop(&S);
}

Test(http_live, an_injected_response_keeps_the_connection_in_step)
{
	struct resp r;
	struct cli c;

	start(true);
	cli_open(&c, &S, 0);
	cli_send(&c,
	    "GET / HTTP/1.1\r\n" HOST "\r\n"
	    "GET /hello.txt HTTP/1.1\r\n" HOST "\r\n");
	cr_assert(cli_resp(&c, &r, false) == 0);
	cr_assert(eq(str, r.body, "<!doctype html><p>home</p>\n" TAG));
	cr_assert(not(r.closed));
	resp_free(&r);
	cr_assert(cli_resp(&c, &r, false) == 0);
	cr_assert(eq(str, r.body, "hello, world\n"));
	resp_free(&r);
	cli_close(&c);
	srv_stop(&S);
}

Test(http_live, the_client_script_is_served_as_javascript)
{
	struct resp r;

	start(false);
	get("/__tend/livereload.js", &r);
	cr_assert(eq(int, r.status, 200));
	assert_hdr(&r, "Content-Type", "text/javascript; charset=utf-8");
	assert_hdr(&r, "Cache-Control", "no-cache");
	cr_assert(strstr(r.body, "new EventSource('/__tend/events')") != NULL);
	cr_assert(strstr(r.body, "window.__tend") != NULL);
	cr_assert(strstr(r.body, "innerHTML =") == NULL);
	cr_assert(eq(sz, strlen(r.body), r.body_len), "a NUL in the script");
	resp_free(&r);
	fetch(&S, "POST /__tend/livereload.js HTTP/1.1\r\n" HOST "\r\n", &r);
	cr_assert(eq(int, r.status, 405));
	resp_free(&r);
	srv_stop(&S);
}

Test(http_live, event_data_with_line_breaks_becomes_several_data_lines)
{
	struct cli c;

	start(true);
	cli_open(&c, &S, 0);
	cli_send(&c, "GET /__tend/events HTTP/1.1\r\n" HOST "\r\n");
	cr_assert(cli_wait_for(&c, "\r\n\r\n: tend\n\n"));
	/* The child broadcasts "note" with data "one\ntwo\r\nthree". */
	srv_ctl(&S, CTL_NOTE);
	cr_assert(cli_wait_for(&c,
	    ": tend\n\nevent: note\ndata: one\ndata: two\ndata: three\n\n"));
	cli_close(&c);
	srv_stop(&S);
}
