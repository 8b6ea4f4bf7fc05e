/* SPDX-License-Identifier: ISC */
/*
 * tests/integration/test_attacker.c
 * What a web page from anywhere can do to a tend on loopback, through the
 * browser, as raw requests: a rebound name (Host: evil.example) gets 403
 * for files, status and builds; cross-site POSTs start no build; secrets
 * in the tree are 404; status is for loopback peers only; and the HTTP
 * details (400 for a bad Host, 412, Expect: 100-continue at once).
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>

#include "common.h"

TestSuite(attacker, .init = it_setup, .fini = it_teardown, .timeout = 60);

static int port;

/* Serve public, with a build that counts its runs in runs.txt. */
static void
start(const char *serve_extra)
{
	char json[1024];
	const char *args[] = {NULL};

	snprintf(json, sizeof(json),
	    "{ \"serve\": { \"root\": \"public\", \"http\": \"127.0.0.1:0\"%s },"
	    "\n  \"jobs\": { \"site\": { \"cmd\": \"echo run >> runs.txt\" } "
	    "} }\n",
	    serve_extra);
	tmp_write(dir, "tend.json", json);
	it_start(args, true);
	port = tp_http_port(&tp);
	expect_runs("runs.txt", 1);
}

static char *
ask(const char *req, int *status)
{
	size_t len;
	char *resp = http_exchange(port, req, &len, 5000);

	*status = http_status(resp);
	return resp;
}

static int
status_of(const char *req)
{
	int st;

	free(ask(req, &st));
	return st;
}

static void
stop(void)
{
	it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	expect_no_process_left();
}

Test(attacker, a_rebound_name_reads_nothing_and_builds_nothing)
{
	int st;
	char *resp;

	tmp_write(dir, "public/.env", "SECRET=1\n");
	start("");
	resp = ask("GET /index.html HTTP/1.1\r\nHost: evil.example:8000\r\n"
	           "Connection: close\r\n\r\n",
	    &st);
	cr_assert(st == 403, "%s", resp);
	/* The page says which name to add, and where. */
	cr_assert(strstr(resp, "<b>evil.example</b>") != NULL, "%s", resp);
	cr_assert(
	    strstr(resp, "\"hosts\": [\"evil.example\"]") != NULL, "%s", resp);
	cr_assert(strstr(resp, "hello") == NULL);
	free(resp);
	cr_assert(
	    status_of("GET /__tend/status HTTP/1.1\r\nHost: "
	              "evil.example\r\nConnection: close\r\n\r\n") == 403);
	cr_assert(
	    status_of("GET /__tend/events HTTP/1.1\r\nHost: "
	              "evil.example\r\nConnection: close\r\n\r\n") == 403);
	cr_assert(status_of("POST /__tend/build HTTP/1.1\r\nHost: "
	                    "evil.example\r\nContent-Length: 0\r\n"
	                    "Connection: close\r\n\r\n") == 403);
	/* Loopback names and addresses, with or without the port. */
	cr_assert(status_of("GET / HTTP/1.1\r\nHost: localhost\r\n"
	                    "Connection: close\r\n\r\n") == 200);
	cr_assert(status_of("GET / HTTP/1.1\r\nHost: app.localhost:1\r\n"
	                    "Connection: close\r\n\r\n") == 200);
	cr_assert(status_of("GET / HTTP/1.1\r\nHost: [::1]:8000\r\n"
	                    "Connection: close\r\n\r\n") == 200);
	/* RFC 9112 3.2: an invalid Host is a 400, not a page. */
	cr_assert(status_of("GET / HTTP/1.1\r\nHost: a b/c\r\n"
	                    "Connection: close\r\n\r\n") == 400);
	expect_runs("runs.txt", 1);
	stop();
}

Test(attacker, serve_hosts_lets_a_name_in)
{
	start(", \"hosts\": [\"evil.example\"]");
	cr_assert(
	    status_of("GET /index.html HTTP/1.1\r\nHost: "
	              "evil.example\r\nConnection: close\r\n\r\n") == 200);
	cr_assert(
	    status_of("GET /index.html HTTP/1.1\r\nHost: "
	              "other.example\r\nConnection: close\r\n\r\n") == 403);
	stop();
}

Test(attacker, cross_site_posts_start_no_build)
{
	const char *forms[] = {
	    "Origin: http://evil.example\r\n",
	    "Origin: http://evil.example\r\nContent-Type: text/plain\r\n",
	    "Origin: http://evil.example\r\nContent-Type: "
	    "application/x-www-form-urlencoded\r\n",
	    "Origin: http://evil.example\r\nContent-Type: multipart/form-data; "
	    "boundary=x\r\n",
	    "Origin: null\r\n",
	    "Sec-Fetch-Site: cross-site\r\n",
	    "Sec-Fetch-Site: same-site\r\n",
	};
	char req[512];

	start("");
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		snprintf(req, sizeof(req),
		    "POST /__tend/build HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n%s"
		    "Content-Length: 0\r\nConnection: close\r\n\r\n",
		    port, forms[i]);
		cr_assert(status_of(req) == 403, "%s", forms[i]);
	}
	tp_pump(&tp, 300);
	expect_runs("runs.txt", 1);
	/* tend's own page, and curl, may. */
	snprintf(req, sizeof(req),
	    "POST /__tend/build HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nOrigin: "
	    "http://127.0.0.1:%d\r\nSec-Fetch-Site: same-origin\r\n"
	    "Content-Length: 0\r\nConnection: close\r\n\r\n",
	    port, port);
	cr_assert(status_of(req) == 202);
	expect_runs("runs.txt", 2);
	cr_assert(
	    status_of("POST /__tend/build HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	              "Content-Length: 0\r\nConnection: close\r\n\r\n") == 202);
	expect_runs("runs.txt", 3);
	stop();
}

static int
get(const char *path)
{
	char req[256];

	snprintf(req, sizeof(req),
	    "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
	    path);
	return status_of(req);
}

static void
mkdir_in(const char *rel)
{
	char path[192];

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	cr_assert(mkdir(path, 0755) == 0);
}

Test(attacker, secrets_in_the_tree_are_404_unless_allowed)
{
	mkdir_in("public/.git");
	mkdir_in("public/.well-known");
	tmp_write(dir, "public/.env", "SECRET=1\n");
	tmp_write(dir, "public/.env.local", "SECRET=1\n");
	tmp_write(dir, "public/.env.example", "SECRET=\n");
	tmp_write(dir, "public/.git/config", "[core]\n");
	tmp_write(dir, "public/site.pem", "-----BEGIN\n");
	tmp_write(dir, "public/id_rsa", "-----BEGIN\n");
	tmp_write(dir, "public/.well-known/security.txt", "Contact: x\n");
	tmp_write(dir, "public/drafts.html", "draft\n");
	start(", \"deny\": [\"drafts.html\"], \"allow\": [\".env.example\"]");
	cr_assert(get("/.env") == 404);
	cr_assert(get("/.env.local") == 404);
	cr_assert(get("/.git/config") == 404);
	cr_assert(get("/%2egit/config") == 404);
	cr_assert(get("/site.pem") == 404);
	cr_assert(get("/id_rsa") == 404);
	cr_assert(get("/drafts.html") == 404);
	cr_assert(get("/.env.example") == 200);
	cr_assert(get("/.well-known/security.txt") == 200);
	cr_assert(get("/index.html") == 200);
	stop();
}

Test(attacker, preconditions_and_expect_are_answered_per_rfc_9110)
{
	char *resp, req[512], etag[80] = "";
	const char *p;
	long t0;
	int st;

	start("");
	resp = ask("GET /index.html HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	           "Connection: close\r\n\r\n",
	    &st);
	if ((p = strstr(resp, "ETag: ")) != NULL)
		sscanf(p + 6, "%79[^\r]", etag);
	free(resp);
	cr_assert(etag[0] == '"', "no ETag");
	cr_assert(
	    status_of(
	        "GET /index.html HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	        "If-Match: \"nope\"\r\nConnection: close\r\n\r\n") == 412);
	cr_assert(status_of("GET /index.html HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	                    "If-Match: *\r\nConnection: close\r\n\r\n") == 200);
	snprintf(req, sizeof(req),
	    "GET /index.html HTTP/1.1\r\nHost: 127.0.0.1\r\nIf-Match: "
	    "\"x\", %s\r\nConnection: close\r\n\r\n",
	    etag);
	cr_assert(status_of(req) == 200, "%s", req);
	cr_assert(status_of("GET /index.html HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	                    "If-Unmodified-Since: Sat, 01 Jan 2000 00:00:00 "
	                    "GMT\r\nConnection: close\r\n\r\n") == 412);
	cr_assert(status_of("GET /index.html HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	                    "If-Unmodified-Since: Fri, 01 Jan 2100 00:00:00 "
	                    "GMT\r\nConnection: close\r\n\r\n") == 200);
	/* Answered from the head, at once: no 10 s wait, no 408. */
	t0 = now_ms();
	resp = ask("POST /__tend/build HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	           "Expect: 100-continue\r\nContent-Length: 5\r\n\r\n",
	    &st);
	cr_assert(st == 202, "%s", resp);
	cr_assert(now_ms() - t0 < 2000, "took %ld ms", now_ms() - t0);
	free(resp);
	cr_assert(
	    status_of("POST /__tend/build HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	              "Expect: teapot\r\nContent-Length: 5\r\n\r\n") == 417);
	stop();
}

/* A non-loopback IPv4 address of this machine, or 0. */
static in_addr_t
lan_address(void)
{
	struct ifaddrs *ifs, *i;
	in_addr_t a = 0;

	if (getifaddrs(&ifs) == -1)
		return 0;
	for (i = ifs; i != NULL && a == 0; i = i->ifa_next)
		if (i->ifa_addr != NULL && i->ifa_addr->sa_family == AF_INET) {
			in_addr_t x =
			    ((struct sockaddr_in *)(void *)i->ifa_addr)
			        ->sin_addr.s_addr;
			if ((ntohl(x) >> 24) != 127)
				a = x;
		}
	freeifaddrs(ifs);
	return a;
}

static int
status_via(in_addr_t a, const char *path)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	char req[256], buf[256] = "";
	int fd = socket(AF_INET, SOCK_STREAM, 0), st = -1;
	struct timeval tv = {.tv_sec = 5};

	sin.sin_addr.s_addr = a;
	sin.sin_port = htons((uint16_t)port);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0) {
		snprintf(req, sizeof(req),
		    "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n",
		    path, inet_ntoa(sin.sin_addr));
		if (send(fd, req, strlen(req), MSG_NOSIGNAL) > 0 &&
		    recv(fd, buf, sizeof(buf) - 1, 0) > 0)
			st = http_status(buf);
	}
	close(fd);
	return st;
}

/* Bound to 0.0.0.0 (a phone on the LAN): pages yes, status no. */
Test(attacker, the_status_page_is_for_loopback_peers_only)
{
	const char *args[] = {NULL};
	in_addr_t a = lan_address();

	if (a == 0)
		cr_skip_test("no non-loopback IPv4 address on this machine");
	tmp_write(dir, "tend.json",
	    "{ \"serve\": { \"root\": \"public\", \"http\": \"0.0.0.0:0\" } "
	    "}\n");
	it_start(args, true);
	port = tp_http_port(&tp);
	cr_assert(port > 0, "%s", tp.out);
	cr_assert(status_via(a, "/index.html") == 200);
	cr_assert(status_via(a, "/__tend/status") == 403);
	cr_assert(get("/__tend/status") == 200);
	stop();
}

/* An event stream on another host's page gets a failure, not its output. */
Test(attacker, the_build_output_stays_on_this_machine)
{
	const char *args[] = {NULL};
	struct sockaddr_in sin = {.sin_family = AF_INET};
	in_addr_t a = lan_address();
	char lan[8192] = "", local[8192] = "", req[256];
	int lfd, rfd;

	if (a == 0)
		cr_skip_test("no non-loopback IPv4 address on this machine");
	tmp_write(dir, "tend.json",
	    "{ \"serve\": { \"root\": \"public\", \"http\": \"0.0.0.0:0\" },\n"
	    "  \"jobs\": { \"site\": { \"cmd\": \"test -e fail && { echo "
	    "SECRET-OUTPUT; exit 1; } || true\" } } }\n");
	it_start(args, true);
	port = tp_http_port(&tp);
	cr_assert(
	    tp_wait_for(&tp, "build \"site\" finished", 5000), "%s", tp.out);
	/* A page on the LAN and one on this machine listen for events. */
	sin.sin_addr.s_addr = a;
	sin.sin_port = htons((uint16_t)port);
	rfd = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert(connect(rfd, (struct sockaddr *)&sin, sizeof(sin)) == 0);
	snprintf(req, sizeof(req),
	    "GET /__tend/events HTTP/1.1\r\nHost: %s\r\n\r\n",
	    inet_ntoa(sin.sin_addr));
	cr_assert(send(rfd, req, strlen(req), 0) > 0);
	lfd = sse_open(port);
	tp_pump(&tp, 200);
	tmp_write(dir, "fail", "");
	cr_assert(
	    status_of("POST /__tend/build HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	              "Content-Length: 0\r\nConnection: close\r\n\r\n") == 202);
	cr_assert(
	    sse_wait(lfd, local, sizeof(local), "event: build-error", 1, 5000),
	    "%s", local);
	cr_assert(
	    sse_wait(rfd, lan, sizeof(lan), "event: build-error", 1, 5000),
	    "%s", lan);
	cr_assert(strstr(local, "SECRET-OUTPUT") != NULL, "%s", local);
	cr_assert(strstr(lan, "SECRET-OUTPUT") == NULL, "%s", lan);
	close(lfd);
	close(rfd);
	stop();
}
