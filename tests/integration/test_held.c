/* SPDX-License-Identifier: ISC */
/*
 * tests/integration/test_held.c
 * A request and the build it waits for: a site generator that deletes
 * its output and rewrites it slowly, requests held during it, and a
 * Ctrl-C in the middle. Every held request, and one arriving after the
 * Ctrl-C, gets the finished page; once the worker has drained, a new
 * connection is refused at once while a service still stops; the hold
 * cap and the 2nd Ctrl-C answer 503 with Retry-After, never a 404 from
 * the half-written site.
 */
#include <sys/socket.h>

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>

#include "common.h"

TestSuite(held, .init = it_setup, .fini = it_teardown, .timeout = 90);

/* Deletes the site, then writes four pages, 0.3 s apart: v<run>. */
static const char build_sh[] =
    "n=$(cat n 2>/dev/null || echo 0); n=$((n+1)); echo $n > n\n"
    "rm -rf public/*\n"
    "touch building.$n\n"
    "sleep 0.5\n"
    "for p in a b c d; do echo \"page $p v$n\" > public/$p.html; "
    "sleep 0.3; done\n";

static void
write_config(const char *hold, int db_stop_delay_ms)
{
	char json[4096];

	snprintf(json, sizeof(json),
	    "{ \"serve\": { \"root\": \"public\", \"http\": \"127.0.0.1:0\"%s "
	    "},\n"
	    "  \"jobs\": {\n"
	    "  \"site\": { \"cmd\": \"sh build.sh\" },\n"
	    "  \"db\": { \"kind\": \"service\", \"cmd\": [\"%s\", \"serve\", "
	    "\"--data\", \"db.data\", \"--log\", \"db.log\", "
	    "\"--stop-delay-ms\", \"%d\"] } } }\n",
	    hold, TSTORE_BIN, db_stop_delay_ms);
	tmp_write(dir, "tend.json", json);
	tmp_write(dir, "build.sh", build_sh);
}

/*
 * Start tend with write_config's site and db, let the first build finish,
 * and start the second (v2), returning once it has begun rewriting the
 * site. Returns the HTTP port.
 */
static int
start_second_build(const char *hold, int db_stop_delay_ms)
{
	const char *args[] = {NULL};
	int port;

	write_config(hold, db_stop_delay_ms);
	it_start(args, true);
	port = tp_http_port(&tp);
	cr_assert(
	    tp_wait_for(&tp, "build \"site\" finished", 10000), "%s", tp.out);
	kill(tp.pid, SIGUSR1); /* the 2nd build: v2 */
	it_wait_file("building.2");
	return port;
}

/* Connect and send a GET of path; the answer is read by get_wait. */
static int
get_async(int port, const char *path)
{
	char req[256];
	int fd = tcp_connect(port, 0);

	cr_assert(fd >= 0, "connect: %s", strerror(errno));
	snprintf(req, sizeof(req),
	    "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
	    path);
	cr_assert(send(fd, req, strlen(req), MSG_NOSIGNAL) > 0);
	return fd;
}

/* Read until EOF (pumping tend's output meanwhile); closes fd. */
static char *
get_wait(int fd, int ms)
{
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap + 1);
	long end = now_ms() + ms;

	while (now_ms() < end && n < cap) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		tp_pump(&tp, 0);
		if (poll(&p, 1, 10) <= 0)
			continue;
		ssize_t got = recv(fd, buf + n, cap - n, 0);
		if (got <= 0)
			break;
		n += (size_t)got;
	}
	buf[n] = '\0';
	close(fd);
	return buf;
}

static void
expect_page(int fd, const char *want)
{
	char *resp = get_wait(fd, 15000);

	cr_assert(http_status(resp) == 200 && strstr(resp, want) != NULL,
	    "wanted 200 \"%s\", got \"%.200s\"; output:\n%s", want, resp,
	    tp.out);
	free(resp);
}

/* Ctrl-C during the 2nd build: four held requests and one more. */
Test(held, ctrl_c_mid_build_answers_held_requests_from_the_finished_site)
{
	const char *pages[] = {"/a.html", "/b.html", "/c.html", "/d.html"};
	int fds[4], late, port, refused;
	struct sockaddr_in sin = {.sin_family = AF_INET};
	long t0, took;

	port = start_second_build("", 1500);
	for (int i = 0; i < 4; i++)
		fds[i] = get_async(port, pages[i]);
	tp_pump(&tp, 100);
	it_ctrl_c(1);
	tp_pump(&tp, 100);
	/* Arrives while the build finishes: accepted and held the same way. */
	late = get_async(port, "/c.html");
	for (int i = 0; i < 4; i++) {
		char want[32];
		snprintf(want, sizeof(want), "page %c v2", pages[i][1]);
		expect_page(fds[i], want);
	}
	expect_page(late, "page c v2");

	/* Drained; db still stops (1.5 s): a new client is refused now. */
	cr_assert(tp_wait_for(&tp, "worker stopped", 10000), "%s", tp.out);
	cr_assert(
	    tp_wait_for(&tp, "stopping service \"db\"", 5000), "%s", tp.out);
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	refused = socket(AF_INET, SOCK_STREAM, 0);
	t0 = now_ms();
	cr_assert(
	    connect(refused, (struct sockaddr *)&sin, sizeof(sin)) == -1 &&
	        errno == ECONNREFUSED,
	    "a connection after the drain was not refused: %s",
	    strerror(errno));
	took = now_ms() - t0;
	close(refused);
	cr_assert(took < 100, "refused after %ld ms", took);
	cr_assert(pid_alive(tp.pid), "tend was gone already: no real check");
	expect_exit_by_signal(SIGINT);
	cr_assert(strstr(tp.out, "0 responses cut") != NULL, "%s", tp.out);
	cr_assert(lines_with("db.log", "signal SIGTERM") == 1);
	expect_no_process_left();
}

/* The hold cap runs out during the build: 503 with Retry-After. */
Test(held, the_hold_cap_answers_503_with_retry_after_never_404)
{
	char *resp;
	long t0, took;
	int port;

	port = start_second_build(", \"hold_during_build\": 0.3", 0);
	t0 = now_ms();
	resp = get_wait(get_async(port, "/d.html"), 10000);
	took = now_ms() - t0;
	cr_assert(http_status(resp) == 503, "%.200s", resp);
	cr_assert(strstr(resp, "\r\nRetry-After: 1\r\n") != NULL, "%s", resp);
	cr_assert(took >= 250 && took < 2000, "answered after %ld ms", took);
	free(resp);
	for (long end = now_ms() + 10000;
	     tp_count(&tp, "build \"site\" finished in") < 2 && now_ms() < end;)
		tp_pump(&tp, 10);
	expect_page(get_async(port, "/d.html"), "page d v2");
	it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	expect_no_process_left();
}

/* The 2nd Ctrl-C cuts the build short: held requests get 503, not 404. */
Test(held, a_second_ctrl_c_answers_held_requests_503)
{
	char *resp;
	int fd, port;

	port = start_second_build("", 0);
	fd = get_async(port, "/d.html");
	tp_pump(&tp, 100);
	it_ctrl_c(2);
	resp = get_wait(fd, 10000);
	cr_assert(
	    http_status(resp) == 503, "%.200s\noutput:\n%s", resp, tp.out);
	cr_assert(strstr(resp, "Retry-After") != NULL, "%s", resp);
	free(resp);
	expect_exit_by_signal(SIGINT);
	cr_assert(
	    strstr(tp.out, "build \"site\" interrupted") != NULL, "%s", tp.out);
	expect_no_process_left();
}

/*
 * tend is SIGKILLed while its worker waits for the build after a Ctrl-C:
 * no BUILD_FINISHED will come and the guard kills the build. The held
 * request gets 503 at once (not the half-written page, not a hang), and
 * the worker drains and exits: nothing is left.
 */
Test(held, a_killed_supervisor_leaves_no_request_waiting)
{
	char *resp;
	long t0;
	int fd, port;

	port = start_second_build("", 0);
	fd = get_async(port, "/d.html");
	it_ctrl_c(1);
	cr_assert(tp_wait_for(&tp, "a build is running", 5000), "%s", tp.out);
	t0 = now_ms();
	kill(tp.pid, SIGKILL);
	resp = get_wait(fd, 5000);
	cr_assert(
	    http_status(resp) == 503, "%.200s\noutput:\n%s", resp, tp.out);
	cr_assert(now_ms() - t0 < 2000, "took %ld ms", now_ms() - t0);
	free(resp);
	expect_exit_by_signal(SIGKILL);
	expect_no_process_left();
}
