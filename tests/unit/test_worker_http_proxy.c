/* SPDX-License-Identifier: ISC */
/*
 * tests/unit/test_worker_http_proxy.c
 * The proxy (worker/http_proxy*.c, http_upstream.c) end to end, with the
 * test itself as the server behind /api, so it can answer in pieces, at
 * the wrong moment or not at all: the live-reload tag placed across
 * reads, interim 1xx answers dropped, a 304 whose Content-Length is no
 * body, the retry on a kept connection (not for a POST), a head too big,
 * an answer cut short, an answer without a length (chunks for HTTP/1.1,
 * the close for 1.0), and a drain that waits for a proxied answer. And
 * the route match, a pure function.
 */
#include <sys/socket.h>
#include <sys/time.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "http_priv.h"
#include "test_worker_http_harness.h"

static struct srv S;
static int up = -1; /* the test's listener: the server behind /api */
static struct wrk_http_route route = {.prefix = "/api", .to = "test"};

static void
cleanup(void)
{
	srv_cleanup(&S);
	if (up >= 0)
		close(up);
	up = -1;
}

TestSuite(http_proxy, .fini = cleanup, .timeout = 30);

static void
start(bool livereload)
{
	struct srv_opts o = {0};
	struct sockaddr_in *sin = (void *)&route.addr[0];
	socklen_t sl = sizeof(*sin);

	up = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert(up >= 0 && bind(up, (void *)sin, sl) == 0 &&
	    listen(up, 8) == 0 && getsockname(up, (void *)sin, &sl) == 0);
	route.addrlen[0] = sl;
	route.naddr = 1;
	o.routes = &route;
	o.nroutes = 1;
	o.livereload = livereload;
	srv_start(&S, &o);
}

static int
up_accept(void)
{
	struct timeval tv = {5, 0};
	int fd = accept4(up, NULL, NULL, SOCK_CLOEXEC);

	cr_assert(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

/* A request head (and a body of its Content-Length) from the proxy. */
static void
up_read(int fd, char *buf, size_t size)
{
	size_t n = 0, want = 0;
	char *end = NULL, *cl;
	ssize_t got;

	while (n < size - 1 && (end == NULL || n < want)) {
		got = recv(fd, buf + n, size - 1 - n, 0);
		cr_assert(got > 0, "the proxy sent no whole request: %.*s",
		    (int)n, buf);
		n += (size_t)got;
		buf[n] = '\0';
		if (end == NULL && (end = strstr(buf, "\r\n\r\n")) != NULL) {
			cl = strcasestr(buf, "Content-Length: ");
			want = (size_t)(end + 4 - buf) +
			    (cl != NULL && cl < end ? strtoul(cl + 16, NULL, 10)
			                            : 0);
		}
	}
}

static void
up_send(int fd, const char *s)
{
	cr_assert(send(fd, s, strlen(s), MSG_NOSIGNAL) == (ssize_t)strlen(s));
}

Test(http_proxy, the_route_is_the_longest_prefix_by_whole_segments)
{
	static const struct wrk_http_route r[] = {
	    {.prefix = "/api"}, {.prefix = "/api/v2"}, {.prefix = "/s/"}};

#define M(p) wrk_proxy_match(r, 3, p, strlen(p))
	cr_assert(eq(long, M("/api"), 0));
	cr_assert(eq(long, M("/api/x"), 0));
	cr_assert(eq(long, M("/api/v2"), 1));
	cr_assert(eq(long, M("/api/v2/x"), 1));
	cr_assert(eq(long, M("/api/v20"), 0));
	cr_assert(eq(long, M("/apix"), -1));
	cr_assert(eq(long, M("/ap"), -1));
	cr_assert(eq(long, M("/s/x"), 2));
	cr_assert(eq(long, M("/s"), -1));
	cr_assert(eq(long, M("/"), -1));
#undef M
	{
		static const struct wrk_http_route all[] = {{.prefix = "/"}};
		cr_assert(eq(long, wrk_proxy_match(all, 1, "/x/y", 4), 0));
		cr_assert(eq(
		    long, wrk_proxy_match(all, 1, "/__tend/events", 14), -1));
	}
}

Test(http_proxy, html_gets_the_tag_before_its_last_body_across_reads)
{
	static const char page[] =
	    "<html><body><p>a</body><p>b</BODY>\n</html>\n";
	char head[256], req[4096];
	struct resp r;
	struct cli c;
	int fd;

	start(true);
	cli_open(&c, &S, 0);
	cli_send(&c, "GET /api/page HTTP/1.1\r\nHost: t\r\n\r\n");
	fd = up_accept();
	up_read(fd, req, sizeof(req));
	snprintf(head, sizeof(head),
	    "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
	    "Content-Length: %zu\r\nETag: \"e1\"\r\n\r\n",
	    sizeof(page) - 1);
	up_send(fd, head);
	/* Split inside both tags: "</bo" | "dy>", "</BO" | "DY>". */
	up_send(fd, "<html><body><p>a</bo");
	srv_nap_ms(50);
	up_send(fd, "dy><p>b</BO");
	srv_nap_ms(50);
	up_send(fd, "DY>\n</html>\n");
	cr_assert(eq(int, cli_resp(&c, &r, false), 0));
	cr_assert(eq(int, r.status, 200));
	cr_assert(eq(str, r.body,
	    "<html><body><p>a</body><p>b" WRK_LR_TAG "</BODY>\n</html>\n"));
	srv_assert_hdr(&r, "ETag", "W/\"e1\"");
	resp_free(&r);
	/* Chunked from the server, chunks to the client; no </body>. */
	cli_send(&c, "GET /api/frag HTTP/1.1\r\nHost: t\r\n\r\n");
	up_read(fd, req, sizeof(req));
	up_send(fd,
	    "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n5\r\n<p>hi\r\n0\r\n\r\n");
	cr_assert(cli_wait_for(&c, "\r\n0\r\n\r\n"));
	cr_assert(memmem(c.buf, c.len, "5\r\n<p>hi\r\n", 10) != NULL);
	cr_assert(memmem(c.buf, c.len, WRK_LR_TAG, WRK_LR_TAG_LEN) != NULL);
	close(fd);
	cli_close(&c);
}

Test(http_proxy, interim_answers_are_dropped_and_a_304_has_no_body)
{
	char req[4096];
	struct resp r;
	struct cli c;
	int fd;

	start(false);
	cli_open(&c, &S, 0);
	cli_send(&c, "GET /api/a HTTP/1.1\r\nHost: t\r\n\r\n");
	fd = up_accept();
	up_read(fd, req, sizeof(req));
	up_send(fd,
	    "HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n"
	    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
	cr_assert(eq(int, cli_resp(&c, &r, false), 0));
	cr_assert(eq(int, r.status, 200));
	cr_assert(eq(str, r.body, "ok"));
	resp_free(&r);
	/* The same connection to the server serves the next two. */
	cli_send(&c, "GET /api/b HTTP/1.1\r\nHost: t\r\n\r\n");
	up_read(fd, req, sizeof(req));
	cr_assert(strstr(req, "GET /api/b HTTP/1.1\r\n") != NULL, "%s", req);
	up_send(fd,
	    "HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n"
	    "ETag: \"x\"\r\n\r\n");
	cr_assert(eq(int, cli_resp(&c, &r, true), 0));
	cr_assert(eq(int, r.status, 304));
	resp_free(&r);
	cli_send(&c, "GET /api/c HTTP/1.1\r\nHost: t\r\n\r\n");
	up_read(fd, req, sizeof(req));
	up_send(fd, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nyes");
	cr_assert(eq(int, cli_resp(&c, &r, false), 0));
	cr_assert(eq(str, r.body, "yes"));
	resp_free(&r);
	close(fd);
	cli_close(&c);
}

Test(http_proxy, a_kept_connection_that_fails_unanswered_is_retried_not_a_post)
{
	char req[4096];
	struct resp r;
	struct cli c;
	int a, b;

	start(false);
	cli_open(&c, &S, 0);
	cli_send(&c, "GET /api/1 HTTP/1.1\r\nHost: t\r\n\r\n");
	a = up_accept();
	up_read(a, req, sizeof(req));
	up_send(a, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n1");
	cr_assert(eq(int, cli_resp(&c, &r, false), 0));
	resp_free(&r);
	/* The kept connection dies with the request on it: sent again. */
	cli_send(&c, "GET /api/2 HTTP/1.1\r\nHost: t\r\n\r\n");
	up_read(a, req, sizeof(req));
	close(a);
	b = up_accept();
	up_read(b, req, sizeof(req));
	cr_assert(strstr(req, "GET /api/2 HTTP/1.1\r\n") != NULL, "%s", req);
	up_send(b, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n2");
	cr_assert(eq(int, cli_resp(&c, &r, false), 0));
	cr_assert(eq(str, r.body, "2"));
	resp_free(&r);
	/* A POST that left is not sent twice: 502. */
	cli_send(&c,
	    "POST /api/3 HTTP/1.1\r\nHost: t\r\n"
	    "Content-Length: 2\r\n\r\nhi");
	up_read(b, req, sizeof(req));
	close(b);
	cr_assert(eq(int, cli_resp(&c, &r, false), 0));
	cr_assert(eq(int, r.status, 502));
	cr_assert(strstr(r.body, "without an answer") != NULL, "%s", r.body);
	resp_free(&r);
	cli_close(&c);
}

Test(http_proxy, a_head_too_big_is_a_502_and_an_answer_cut_short_is_cut)
{
	char req[4096], *big = malloc(70000), *all;
	struct resp r;
	struct cli c;
	size_t len;
	bool eof;
	int fd;

	start(false);
	cli_open(&c, &S, 0);
	cli_send(&c, "GET /api/big HTTP/1.1\r\nHost: t\r\n\r\n");
	fd = up_accept();
	up_read(fd, req, sizeof(req));
	memset(big, 'x', 69999);
	big[69999] = '\0';
	up_send(fd, "HTTP/1.1 200 OK\r\nX-Big: ");
	up_send(fd, big);
	free(big);
	cr_assert(eq(int, cli_resp(&c, &r, false), 0));
	cr_assert(eq(int, r.status, 502));
	cr_assert(strstr(r.body, "over 64 KiB") != NULL, "%s", r.body);
	resp_free(&r);
	close(fd);
	cli_close(&c);
	/* The head went on, the body stops at 10 of 100: the client sees EOF.
	 */
	cli_open(&c, &S, 0);
	cli_send(&c, "GET /api/short HTTP/1.1\r\nHost: t\r\n\r\n");
	fd = up_accept();
	up_read(fd, req, sizeof(req));
	up_send(fd, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789");
	srv_nap_ms(100);
	close(fd);
	all = cli_read_all(&c, &len, &eof);
	cr_assert(eof && strstr(all, "\r\n\r\n0123456789") != NULL &&
	        len == (size_t)(strstr(all, "\r\n\r\n") + 14 - all),
	    "%s", all);
	free(all);
	cli_close(&c);
}

Test(http_proxy, an_answer_without_a_length_is_chunked_or_ends_at_the_close)
{
	char req[4096], *all;
	struct cli c;
	size_t len;
	bool eof;
	int fd;

	start(false);
	cli_open(&c, &S, 0);
	cli_send(&c, "GET /api/x HTTP/1.1\r\nHost: t\r\n\r\n");
	fd = up_accept();
	up_read(fd, req, sizeof(req));
	up_send(fd, "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nabc");
	close(fd);
	cr_assert(cli_wait_for(&c, "\r\n0\r\n\r\n"));
	cr_assert(
	    memmem(c.buf, c.len, "Transfer-Encoding: chunked\r\n", 28) != NULL);
	cr_assert(
	    memmem(c.buf, c.len, "\r\n\r\n3\r\nabc\r\n0\r\n\r\n", 17) != NULL);
	cli_close(&c);
	cli_open(&c, &S, 0);
	cli_send(&c, "GET /api/y HTTP/1.0\r\n\r\n");
	fd = up_accept();
	up_read(fd, req, sizeof(req));
	cr_assert(strstr(req, "GET /api/y HTTP/1.1\r\n") != NULL, "%s", req);
	up_send(fd,
	    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "3\r\ndef\r\n0\r\n\r\n");
	all = cli_read_all(&c, &len, &eof);
	cr_assert(
	    eof && strstr(all, "Connection: close\r\n") != NULL, "%s", all);
	cr_assert(
	    len > 7 && strcmp(all + len - 7, "\r\n\r\ndef") == 0, "%s", all);
	free(all);
	close(fd);
	cli_close(&c);
}

Test(http_proxy, a_drain_waits_for_a_proxied_answer)
{
	char req[4096];
	uint64_t n, conns, cut;
	struct resp r;
	struct cli c;
	int fd;

	start(false);
	cli_open(&c, &S, 0);
	cli_send(&c, "GET /api/slow HTTP/1.1\r\nHost: t\r\n\r\n");
	fd = up_accept();
	up_read(fd, req, sizeof(req));
	kill(S.pid, SIGUSR1); /* the drain */
	srv_nap_ms(300);
	up_send(fd, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nlate");
	cr_assert(eq(int, cli_resp(&c, &r, false), 0));
	cr_assert(eq(str, r.body, "late"));
	cr_assert(r.closed);
	resp_free(&r);
	cr_assert(eq(int, srv_wait(&S, 5), 0));
	srv_stats(&S, &n, &conns, &cut);
	cr_assert(eq(u64, n, 1));
	cr_assert(eq(u64, cut, 0));
	close(fd);
	cli_close(&c);
}

/*
 * The pool after a burst: 12 answers end together, 8 connections stay
 * idle, the 4 least recently used close after the grace, and all of
 * them after the idle time.
 */
Test(http_proxy, the_pool_keeps_eight_after_a_burst_then_none)
{
	struct cli c[12];
	struct resp r;
	char req[4096], b;
	int fd[12], closed;

	start(false);
	for (int i = 0; i < 12; i++) {
		cli_open(&c[i], &S, 0);
		cli_send(&c[i], "GET /api/x HTTP/1.1\r\nHost: t\r\n\r\n");
	}
	for (int i = 0; i < 12; i++) {
		fd[i] = up_accept();
		up_read(fd[i], req, sizeof(req));
	}
	for (int i = 0; i < 12; i++)
		up_send(fd[i], "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx");
	for (int i = 0; i < 12; i++) {
		cr_assert(eq(int, cli_resp(&c[i], &r, false), 0));
		resp_free(&r);
	}
	srv_nap_ms(400);
	closed = 0;
	for (int i = 0; i < 12; i++)
		closed += recv(fd[i], &b, 1, MSG_DONTWAIT) == 0;
	cr_assert(eq(int, closed, 4));
	srv_nap_ms(2200);
	closed = 0;
	for (int i = 0; i < 12; i++)
		closed += recv(fd[i], &b, 1, MSG_DONTWAIT) == 0;
	cr_assert(eq(int, closed, 12));
	for (int i = 0; i < 12; i++) {
		close(fd[i]);
		cli_close(&c[i]);
	}
}
