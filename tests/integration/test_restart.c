/* SPDX-License-Identifier: ISC */
/*
 * tests/integration/test_restart.c
 * A worker that replaces a killed one knows what the supervisor ran:
 * GET /__tend/status keeps the job history and the last build, and a
 * build still running holds file requests as before the kill.
 */
#include "common.h"

TestSuite(restart, .init = it_setup, .fini = it_teardown, .timeout = 60);

static char *
get_status(int port)
{
	size_t len;
	char *resp = http_exchange(port,
	    "GET /__tend/status HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: "
	    "close\r\n\r\n",
	    &len, 5000);

	cr_assert(http_status(resp) == 200, "status: %s", resp);
	return resp;
}

/* kill -9 the n-th worker; wait for the next one to be ready. */
static void
replace_worker(int n)
{
	pid_t old = tp_worker_pid(&tp, n), next;

	cr_assert(old > 0);
	kill(old, SIGKILL);
	for (long end = now_ms() + 5000;
	     (next = tp_worker_pid(&tp, n + 1)) < 0 && now_ms() < end;)
		tp_pump(&tp, 10);
	cr_assert(next > 0 && next != old, "output:\n%s", tp.out);
}

Test(restart, status_keeps_the_history_across_a_killed_worker)
{
	const char *args[] = {"serve", "public", "--http", "127.0.0.1:0",
	    "--build", "echo built-once", NULL};
	char *resp;
	int port;

	it_start(args, true);
	port = tp_http_port(&tp);
	cr_assert(tp_wait_for(&tp, "build \"build\" finished", 5000),
	    "output:\n%s", tp.out);
	replace_worker(0);
	resp = get_status(port);
	cr_expect(strstr(resp, "\"runs\":1") != NULL, "%s", resp);
	cr_expect(strstr(resp, "\"last_status\":0") != NULL, "%s", resp);
	cr_expect(strstr(resp,
	              "\"last_build\":{\"job\":\"build\",\"ok\":true") != NULL,
	    "%s", resp);
	cr_expect(
	    strstr(resp, "built-once") != NULL, "no output tail: %s", resp);
	free(resp);
	it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	expect_no_process_left();
}

Test(restart, a_worker_started_during_a_build_knows_it_and_holds)
{
	const char *args[] = {"serve", "public", "--http", "127.0.0.1:0",
	    "--build", "touch started; sleep 2; echo built > marker", NULL};
	size_t len;
	char *resp;
	int port;

	it_start(args, true);
	port = tp_http_port(&tp);
	for (long end = now_ms() + 5000;
	     !tmp_exists(dir, "started") && now_ms() < end;)
		tp_pump(&tp, 10);
	cr_assert(tmp_exists(dir, "started"));
	replace_worker(0);
	resp = get_status(port);
	cr_expect(strstr(resp, "\"state\":\"running\"") != NULL, "%s", resp);
	cr_expect(strstr(resp, "\"runs\":1") != NULL, "%s", resp);
	free(resp);
	/* A page asked for now waits for the build's end (hold_during_build).
	 */
	resp = http_exchange(port,
	    "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
	    &len, 8000);
	cr_assert(http_status(resp) == 200, "%s", resp);
	cr_expect(tmp_exists(dir, "marker"),
	    "served before the build ended; output:\n%s", tp.out);
	free(resp);
	resp = get_status(port);
	cr_expect(strstr(resp, "\"state\":\"idle\"") != NULL, "%s", resp);
	cr_expect(strstr(resp, "\"runs\":1") != NULL, "%s", resp);
	free(resp);
	it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	expect_no_process_left();
}

Test(restart, a_run_cut_for_a_restart_is_not_the_result_a_new_worker_shows)
{
	const char *args[] = {NULL};
	const char *post =
	    "POST /__tend/build?job=a HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	    "Content-Length: 0\r\nConnection: close\r\n\r\n";
	size_t len;
	char *resp;
	int port;

	tmp_write(dir, "tend.json",
	    "{ \"jobs\": { \"a\": { \"cmd\": \"echo go >> runs; sleep 2\", "
	    "\"on_busy\": \"restart\" },\n"
	    "  \"c\": { \"cmd\": \"echo c\" } },\n"
	    "  \"serve\": { \"root\": \"public\", \"http\": \"127.0.0.1:0\" } }");
	it_start(args, true);
	port = tp_http_port(&tp);
	cr_assert(tp_wait_for(&tp, "build \"a\" finished", 8000), "%s", tp.out);
	/* c ran last: the last build a new worker hears of is c's, not a's. */
	cr_assert(tp_wait_for(&tp, "build \"c\" finished", 8000), "%s", tp.out);
	/* A second run, cut by a third: the third is still running. */
	free(http_exchange(port, post, &len, 5000));
	cr_assert(tp_wait_for(&tp, "build \"a\" started", 3000));
	for (long end = now_ms() + 3000;
	     lines_with("runs", "go") < 2 && now_ms() < end;)
		tp_pump(&tp, 10);
	free(http_exchange(port, post, &len, 5000));
	cr_assert(tp_wait_for(&tp, "restarting it", 3000), "%s", tp.out);
	for (long end = now_ms() + 3000;
	     lines_with("runs", "go") < 3 && now_ms() < end;)
		tp_pump(&tp, 10);
	cr_assert(lines_with("runs", "go") == 3, "%s", tp.out);
	replace_worker(0);
	resp = get_status(port);
	/* a's last result is its first run's success, not the cut one's. */
	const char *a = strstr(resp, "\"name\":\"a\"");
	const char *a_end = a != NULL ? strchr(a, '}') : NULL;
	const char *st = a != NULL ? strstr(a, "\"last_status\":") : NULL;
	cr_assert(a_end != NULL && st != NULL && st < a_end,
	    "no last_status for a: %s", resp);
	cr_expect(strncmp(st, "\"last_status\":0,", 16) == 0, "%s", resp);
	cr_expect(strstr(resp, "\"last_status\":143") == NULL &&
	        strstr(resp, "\"last_status\":130") == NULL,
	    "%s", resp);
	free(resp);
	it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	expect_no_process_left();
}
