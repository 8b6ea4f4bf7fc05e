/* SPDX-License-Identifier: ISC */
/*
 * tests/integration/test_proxy_job.c
 * serve.proxy with a job: tbackend as the service "api" (slow to start,
 * ready when it accepts) behind /api. Requests during `tend restart api`
 * wait and are answered by the new instance, open pages reload once it
 * is back, and a service down for good is a 502 page naming it.
 */
#include <signal.h>

#include "common.h"
#include "proxy_util.h"

TestSuite(proxy_job, .init = it_setup, .fini = it_teardown, .timeout = 60);

static const char *restart_api[] = {"restart", "api", NULL};

/*
 * api starts listening 300 ms after it starts, and a restarted one
 * restart_s later (a slow second start); hold: the hold cap (s).
 */
static void
start_with(const char *restart, int restart_s, int hold)
{
	const char *args[] = {NULL};
	char cfg[4096];

	px_bport = free_port();
	snprintf(cfg, sizeof(cfg),
	    "{ \"jobs\": { \"api\": { \"kind\": \"service\",\n"
	    "    \"cmd\": \"if [ -e api.ran ]; then sleep %d; fi; touch api.ran; "
	    "exec %s --port %d --delay 300\",\n"
	    "    \"restart\": \"%s\",\n"
	    "    \"ready\": { \"tcp\": \"127.0.0.1:%d\" } } },\n"
	    "  \"serve\": { \"root\": \"public\", \"http\": \"127.0.0.1:0\",\n"
	    "    \"hold_during_build\": %d,\n"
	    "    \"proxy\": { \"/api\": { \"to\": \"127.0.0.1:%d\", "
	    "\"job\": \"api\" } } } }\n",
	    restart_s, TBACKEND_BIN, px_bport, restart, px_bport, hold,
	    px_bport);
	tmp_write(dir, "tend.json", cfg);
	it_start(args, true);
	cr_assert(tp_wait_for(&tp, "service \"api\" is ready", 10000),
	    "output:\n%s", tp.out);
	px_port = tp_http_port(&tp);
	cr_assert(px_port > 0);
}

static void
start(const char *restart)
{
	start_with(restart, 0, 10);
}

/* GET /api/pid: the instance's pid, or -status when not 200. */
static long
get_pid(char *last, size_t size)
{
	size_t len;
	char *resp = px_get("/api/pid", &len);
	const char *p;
	long pid;

	snprintf(last, size, "%s", resp != NULL ? resp : "(nothing)");
	if (resp == NULL)
		return -1;
	if (http_status(resp) != 200 || (p = strstr(resp, "pid ")) == NULL) {
		pid = -(long)http_status(resp);
		free(resp);
		return pid;
	}
	pid = atol(p + 4);
	free(resp);
	return pid;
}

static void
stop(void)
{
	it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	expect_no_process_left();
}

Test(proxy_job, a_client_looping_over_api_during_a_restart_sees_no_error)
{
	char out[4096], last[4096];
	long first = 0, pid, other = 0;

	start("always");
	for (int i = 0; i < 50; i++) {
		if (i == 10)
			cr_assert(it_command(
			              restart_api, out, sizeof(out), 5000) == 0,
			    "%s", out);
		pid = get_pid(last, sizeof(last));
		cr_assert(
		    pid > 0, "request %d: %s\noutput:\n%s", i, last, tp.out);
		if (first == 0)
			first = pid;
		else if (pid != first)
			other = pid;
	}
	/* The restart took 300 ms at least: the loop outlasted it. */
	cr_assert(other != 0, "every answer came from pid %ld", first);
	stop();
}

Test(proxy_job, a_request_during_the_restart_waits_for_the_new_instance)
{
	char out[4096], last[4096];
	long old, pid, t0;

	start("always");
	old = get_pid(last, sizeof(last));
	cr_assert(old > 0, "%s", last);
	cr_assert(
	    it_command(restart_api, out, sizeof(out), 5000) == 0, "%s", out);
	/* The old one is gone; the new one listens 300 ms after its start. */
	cr_assert(tp_wait_for(&tp, "restarting service \"api\"", 5000),
	    "output:\n%s", tp.out);
	t0 = now_ms();
	pid = get_pid(last, sizeof(last));
	cr_assert(pid > 0 && pid != old, "old %ld, got: %s\noutput:\n%s", old,
	    last, tp.out);
	cr_assert(now_ms() - t0 >= 100, "answered in %ld ms: not held",
	    now_ms() - t0);
	stop();
}

Test(proxy_job, open_pages_reload_once_the_service_is_back)
{
	char out[4096], ev[8192] = "";
	int fd;

	start("always");
	fd = sse_open(px_port);
	sse_read(fd, ev, sizeof(ev), 300);
	cr_assert(count_in(ev, "event: reload") == 0, "events:\n%s", ev);
	cr_assert(
	    it_command(restart_api, out, sizeof(out), 5000) == 0, "%s", out);
	cr_assert(sse_wait(fd, ev, sizeof(ev), "event: reload", 1, 5000),
	    "events:\n%s\noutput:\n%s", ev, tp.out);
	/* Not before it was ready again (said just before). */
	for (long end = now_ms() + 2000;
	     tp_count(&tp, "service \"api\" is ready") < 2 && now_ms() < end;)
		tp_pump(&tp, 50);
	cr_assert(tp_count(&tp, "service \"api\" is ready") == 2, "output:\n%s",
	    tp.out);
	close(fd);
	stop();
}

Test(proxy_job, a_service_down_for_good_is_a_502_page_naming_it)
{
	char last[4096];
	long pid, end;

	start("never");
	pid = get_pid(last, sizeof(last));
	cr_assert(pid > 0, "%s", last);
	cr_assert(kill((pid_t)pid, SIGKILL) == 0);
	end = now_ms() + 5000;
	while (get_pid(last, sizeof(last)) > 0 && now_ms() < end)
		usleep(20000);
	cr_assert(http_status(last) == 502, "%s\noutput:\n%s", last, tp.out);
	cr_assert(strstr(last, "<b>api</b>") != NULL, "%s", last);
	cr_assert(strstr(last, "killed by signal 9") != NULL, "%s", last);
	/* Its last output line, as the page's text. */
	cr_assert(strstr(last, "tbackend listening on 127.0.0.1:") != NULL,
	    "%s", last);
	stop();
}

Test(proxy_job, a_request_held_past_the_cap_gets_503_with_retry_after)
{
	char out[4096], last[4096];
	size_t len;
	long t0;
	char *resp;

	/* The new instance takes 8 s to listen; the cap is 1 s. */
	start_with("always", 8, 1);
	cr_assert(
	    it_command(restart_api, out, sizeof(out), 10000) == 0, "%s", out);
	cr_assert(
	    tp_wait_for(&tp, "service \"api\" started", 5000), "%s", tp.out);
	t0 = now_ms();
	resp = px_get("/api/pid", &len);
	cr_assert(resp != NULL);
	snprintf(last, sizeof(last), "%s", resp);
	cr_assert(http_status(resp) == 503, "%s", last);
	cr_assert(strstr(resp, "Retry-After: 1\r\n") != NULL, "%s", last);
	/* Held for the cap (1 s), not refused at once. */
	cr_assert(now_ms() - t0 >= 800, "%ld ms", now_ms() - t0);
	free(resp);
	stop();
}
