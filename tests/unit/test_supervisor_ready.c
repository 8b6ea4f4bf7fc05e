/* SPDX-License-Identifier: ISC */
/*
 * tests/unit/test_supervisor_ready.c
 * Readiness probes on a real libev loop: a file that appears, an output
 * line that matches, READY=1 on the notify socket; each calls back exactly
 * once and only from the loop, says why when time runs out, and
 * ready_stop leaves no fd, file or callback behind. tcp and http are in
 * test_supervisor_ready_net.c.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ev.h>

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "test_supervisor_ready_harness.h"

TestSuite(ready, .init = rt_setup, .fini = rt_teardown, .timeout = 20);

/* --- none --- */

Test(ready, no_probe_starts_nothing_and_never_calls_back)
{
	rt_probe(READY_NONE, NULL);
	cr_assert(eq(ptr, (void *)ready_prepare(&rt_job), NULL));
	ready_start(&rt_job, rt_on_ready);
	ready_line(&rt_job, "anything", 8);
	rt_run_for(0.2);
	cr_assert(eq(int, rt_got.calls, 0));
}

/* --- file --- */

static void
on_make_file(struct ev_loop *loop, ev_timer *w, int revents)
{
	char path[128];
	FILE *f;

	(void)loop;
	(void)w;
	(void)revents;
	snprintf(path, sizeof(path), "%s/run", rt_dir);
	cr_assert(eq(int, mkdir(path, 0700), 0));
	snprintf(path, sizeof(path), "%s/run/api.pid", rt_dir);
	cr_assert(ne(ptr, f = fopen(path, "w"), NULL));
	fclose(f);
}

Test(ready, a_file_relative_to_the_job_cwd_is_ready_when_it_appears)
{
	ev_timer later;
	double took;

	rt_cfg.j_cwd = rt_dir;
	rt_probe(READY_FILE, "run/api.pid");
	ev_timer_init(&later, on_make_file, 0.2, 0.);
	ev_timer_start(rt_env.loop, &later);
	ready_start(&rt_job, rt_on_ready);
	took = rt_run_for(3);
	rt_assert_ready("file run/api.pid exists");
	cr_assert(
	    ge(dbl, took, 0.15)); /* a margin for libev's cached loop time */
}

Test(ready, an_existing_file_is_reported_from_the_loop_not_at_once)
{
	rt_probe(READY_FILE, rt_dir);
	ready_start(&rt_job, rt_on_ready);
	cr_assert(eq(int, rt_got.calls, 0), "called back inside ready_start");
	rt_run_for(3);
	rt_assert_ready("exists");
}

Test(ready, a_missing_file_times_out_saying_so)
{
	rt_probe(READY_FILE, "/nonexistent/tend/ready");
	rt_cfg.j_ready.r_timeout = 0.2;
	ready_start(&rt_job, rt_on_ready);
	rt_run_for(3);
	rt_assert_not_ready("No such file or directory");
}

/* --- log --- */

static void
feed(const char *line)
{
	ready_line(&rt_job, line, strlen(line));
}

Test(ready, a_log_line_that_does_not_match_changes_nothing)
{
	rt_probe(READY_LOG, "^listening on port [0-9]+$");
	ready_start(&rt_job, rt_on_ready);
	feed("starting up");
	feed("listening on port soon");
	rt_run_for(0.2);
	cr_assert(eq(int, rt_got.calls, 0));
}

Test(ready, a_matching_log_line_is_ready_even_in_colour_and_with_crlf)
{
	rt_probe(READY_LOG, "^listening on port [0-9]+$");
	ready_start(&rt_job, rt_on_ready);
	feed("starting up");
	feed("\033[1;32mlistening\033[0m on port 3000\r");
	cr_assert(eq(int, rt_got.calls, 0), "called back inside ready_line");
	feed("listening on port 3001"); /* a second match: still one call */
	rt_run_for(3);
	rt_assert_ready("log line matches \"^listening on port [0-9]+$\"");
	rt_run_for(0.1);
	cr_assert(eq(int, rt_got.calls, 1));
}

Test(ready, a_log_line_longer_than_a_buffer_does_not_overflow)
{
	static char line[20000];

	memset(line, 'x', sizeof(line) - 1);
	rt_probe(READY_LOG, "y");
	ready_start(&rt_job, rt_on_ready);
	ready_line(&rt_job, line, sizeof(line) - 1);
	rt_run_for(0.1);
	cr_assert(eq(int, rt_got.calls, 0));
}

/* --- notify --- */

static void
notify_send(const char *env, const char *msg)
{
	struct sockaddr_un sun;
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	cr_assert(strncmp(env, "NOTIFY_SOCKET=/", 15) == 0, "%s", env);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", env + 14);
	cr_assert(eq(long,
	    (long)sendto(
	        fd, msg, strlen(msg), 0, (struct sockaddr *)&sun, sizeof(sun)),
	    (long)strlen(msg)));
	close(fd);
}

Test(ready, notify_is_ready_on_ready_1_and_not_before)
{
	const char *env;
	char path[128];
	struct stat st;

	rt_probe(READY_NOTIFY, NULL);
	env = ready_prepare(&rt_job);
	cr_assert(ne(ptr, (void *)env, NULL));
	snprintf(path, sizeof(path), "%s", env + 14);
	/* What the job sends before ready_start waits in the queue. */
	notify_send(env, "STATUS=warming up\n");
	ready_start(&rt_job, rt_on_ready);
	rt_run_for(0.2);
	cr_assert(eq(int, rt_got.calls, 0));
	notify_send(env, "MAINPID=42\nREADY=1\nSTATUS=serving");
	rt_run_for(3);
	rt_assert_ready("sent READY=1");
	/* Concluded: the socket and its directory are gone already. */
	cr_assert(eq(int, stat(path, &st), -1));
	*strrchr(path, '/') = '\0';
	cr_assert(eq(int, stat(path, &st), -1), "%s is left", path);
}

Test(ready, notify_timeout_reports_the_last_status)
{
	const char *env;

	rt_probe(READY_NOTIFY, NULL);
	rt_cfg.j_ready.r_timeout = 0.3;
	env = ready_prepare(&rt_job);
	ready_start(&rt_job, rt_on_ready);
	notify_send(env, "STATUS=Waiting for the database");
	rt_run_for(3);
	rt_assert_not_ready(
	    "not ready after 0.3 s: its last status: \"Waiting for the "
	    "database\"");
}

Test(ready, notify_without_prepare_fails_clearly)
{
	rt_probe(READY_NOTIFY, NULL);
	ready_start(&rt_job, rt_on_ready);
	rt_run_for(3);
	rt_assert_not_ready("ready_prepare was not called");
}

/* --- stopping --- */

static void
start_then_stop(enum cfg_ready_kind kind, const char *target)
{
	const char *env;
	char dir[128] = "";
	struct stat st;

	rt_probe(kind, target);
	env = ready_prepare(&rt_job);
	if (env != NULL) {
		snprintf(dir, sizeof(dir), "%s", env + 14);
		*strrchr(dir, '/') = '\0';
	}
	ready_start(&rt_job, rt_on_ready);
	ready_stop(&rt_job);
	ready_stop(&rt_job); /* idempotent */
	if (dir[0] != '\0')
		cr_assert(eq(int, stat(dir, &st), -1), "%s is left", dir);
}

Test(ready, stop_before_anything_leaves_no_fds_and_calls_nothing)
{
	char tcp[64], http[96];
	int port, fd, before;

	fd = rt_bound_socket(AF_INET, &port);
	cr_assert(eq(int, listen(fd, 8), 0));
	snprintf(tcp, sizeof(tcp), "127.0.0.1:%d", port);
	snprintf(http, sizeof(http), "http://127.0.0.1:%d/", port);
	before = rt_count_fds();
	start_then_stop(READY_TCP, tcp);
	start_then_stop(READY_HTTP, http);
	start_then_stop(READY_FILE, "/");
	start_then_stop(READY_LOG, ".");
	feed("matches anything");
	start_then_stop(READY_NOTIFY, NULL);
	cr_assert(eq(int, rt_count_fds(), before));
	rt_run_for(0.3);
	cr_assert(eq(int, rt_got.calls, 0));
	close(fd);
}

Test(ready, stop_in_the_middle_of_an_attempt_closes_its_socket)
{
	char http[96];
	int port, fd, before;

	/* Listening but never accepting: the request sits unanswered. */
	fd = rt_bound_socket(AF_INET, &port);
	cr_assert(eq(int, listen(fd, 8), 0));
	snprintf(http, sizeof(http), "http://127.0.0.1:%d/", port);
	rt_probe(READY_HTTP, http);
	before = rt_count_fds();
	ready_start(&rt_job, rt_on_ready);
	rt_run_for(0.2);
	cr_assert(eq(int, rt_got.calls, 0));
	cr_assert(eq(int, rt_count_fds(), before + 1), "no attempt in flight");
	ready_stop(&rt_job);
	cr_assert(eq(int, rt_count_fds(), before));
	close(fd);
}

Test(ready, a_result_not_yet_delivered_is_dropped_by_stop)
{
	rt_probe(READY_LOG, "up");
	ready_start(&rt_job, rt_on_ready);
	feed("up");
	ready_stop(&rt_job);
	rt_run_for(0.2);
	cr_assert(eq(int, rt_got.calls, 0));
}

Test(ready, stop_on_a_job_that_never_probed_is_harmless)
{
	struct job zero;
	int fds = rt_count_fds();

	memset(&zero, 0, sizeof(zero));
	ready_stop(&zero);
	ready_stop(&rt_job);
	ready_line(&zero, "x", 1);
	/* Nothing started, nothing reported, nothing left open. */
	cr_assert(zero.j_probe.rp_phase == RP_IDLE &&
	    zero.j_probe.rp_started == false);
	cr_assert(zero.j_probe.rp_has_fd == false &&
	    zero.j_probe.rp_has_nfd == false);
	cr_assert(rt_got.calls == 0);
	cr_assert(rt_count_fds() == fds);
}

Test(ready, the_callback_may_stop_the_probe_and_a_new_run_may_start)
{
	const char *env;
	int before = rt_count_fds();

	rt_got.stop_inside = true;
	rt_probe(READY_NOTIFY, NULL);
	for (int run = 0; run < 3; run++) {
		rt_got.calls = 0;
		env = ready_prepare(&rt_job);
		ready_start(&rt_job, rt_on_ready);
		notify_send(env, "READY=1");
		rt_run_for(3);
		rt_assert_ready("sent READY=1");
	}
	cr_assert(eq(int, rt_count_fds(), before));
}
