/* SPDX-License-Identifier: ISC */
/*
 * tests/integration/test_ctrl_c.c
 * The Ctrl-C table, typed into a real terminal: idle, once during a
 * build, twice, three times, and SIGTERM.
 */
#include "common.h"

TestSuite(ctrl_c, .init = it_setup, .fini = it_teardown, .timeout = 60);

Test(ctrl_c, while_idle_tend_exits_promptly_killed_by_sigint)
{
	const char *args[] = {"serve", "public", "--http", "127.0.0.1:0", NULL};
	long t0, lat;

	it_start(args, true);
	t0 = now_ms();
	it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	lat = now_ms() - t0;
	cr_log_info("idle Ctrl-C to exit: %ld ms", lat);
	/*
	 * Not a timing test (bench/ measures that): "promptly" means tend
	 * waited for no deadline, the shortest being the 5 s drain_timeout.
	 */
	cr_assert(
	    lat < 2500, "idle Ctrl-C took %ld ms; output:\n%s", lat, tp.out);
	cr_expect(strstr(tp.out, "stopping") != NULL);
	expect_no_process_left();
}

Test(ctrl_c, once_during_a_build_lets_the_build_finish)
{
	const char *args[] = {"serve", "public", "--http", "127.0.0.1:0",
	    "--build", "touch started; sleep 2; echo built > marker", NULL};

	it_start(args, true);
	cr_assert(tp_wait_for(&tp, "build \"build\" started", 5000));
	it_wait_file("started");
	it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	cr_assert(tmp_exists(dir, "marker"),
	    "the build did not complete; output:\n%s", tp.out);
	cr_expect(strstr(tp.out, "finishing build \"build\"") != NULL);
	cr_expect(strstr(tp.out, "build \"build\" finished") != NULL);
	expect_no_process_left();
}

Test(ctrl_c, twice_during_a_build_aborts_it)
{
	const char *args[] = {"serve", "public", "--http", "127.0.0.1:0",
	    "--build", "touch started; sleep 3; echo built > marker", NULL};

	it_start(args, true);
	it_wait_file("started");
	it_ctrl_c(2);
	expect_exit_by_signal(SIGINT);
	cr_expect(strstr(tp.out, "interrupting build \"build\"") != NULL,
	    "output:\n%s", tp.out);
	expect_no_process_left();
	/* Nothing of the build is left, so the marker can never appear. */
	cr_assert(!tmp_exists(dir, "marker"), "the aborted build completed");
}

Test(ctrl_c, three_times_kills_a_build_that_ignores_sigint)
{
	const char *args[] = {"serve", "public", "--http", "127.0.0.1:0",
	    "--build",
	    "trap '' INT; touch started; sleep 30; echo built > marker", NULL};
	long t0, lat;

	it_start(args, true);
	it_wait_file("started");
	t0 = now_ms();
	it_ctrl_c(3);
	expect_exit_by_signal(SIGINT);
	lat = now_ms() - t0;
	cr_log_info("three Ctrl-C to exit: %ld ms", lat);
	/* "At once": before the 5 s stop_timeout the 2nd press started. */
	cr_assert(lat < 2500, "three Ctrl-C took %ld ms to exit", lat);
	cr_expect(strstr(tp.out, "killing everything") != NULL, "output:\n%s",
	    tp.out);
	expect_no_process_left();
	cr_assert(!tmp_exists(dir, "marker"));
}

Test(ctrl_c, sigterm_is_graceful_and_reraised)
{
	const char *args[] = {"serve", "public", "--http", "127.0.0.1:0",
	    "--build", "touch started; sleep 1; echo built > marker", NULL};

	it_start(args, true);
	it_wait_file("started");
	kill(tp.pid, SIGTERM);
	expect_exit_by_signal(SIGTERM);
	cr_assert(tmp_exists(dir, "marker"));
	expect_no_process_left();
}

Test(ctrl_c, a_job_sees_each_ctrl_c_at_most_once)
{
	/* The build counts the SIGINTs it gets; one abort = exactly one. */
	const char *args[] = {"serve", "public", "--http", "127.0.0.1:0",
	    "--build",
	    "trap 'echo int >> ints' INT; touch started; "
	    "for i in 1 2 3 4 5 6 7 8 9 10; do sleep 0.2; done",
	    NULL};
	size_t len;
	char *ints;

	it_start(args, true);
	it_wait_file("started");
	it_ctrl_c(2);
	expect_exit_by_signal(SIGINT);
	expect_no_process_left();
	ints = tmp_read(dir, "ints", &len);
	cr_assert(ints != NULL && strcmp(ints, "int\n") == 0,
	    "the build saw: %s", ints ? ints : "(nothing)");
	free(ints);
}

/*
 * One Ctrl-C reaches both processes; when the worker's clean exit (after
 * its BYE: it drained) is handled before the supervisor's own SIGINT, no
 * worker must be started to drain again. kill() orders the two.
 */
Test(ctrl_c, worker_stopping_first_starts_no_drain_worker)
{
	const char *args[] = {"serve", "public", "--http", "127.0.0.1:0", NULL};
	pid_t worker;

	it_start(args, true);
	worker = tp_worker_pid(&tp, 0);
	cr_assert(worker > 0);
	kill(worker, SIGINT);
	cr_assert(
	    tp_wait_for(&tp, "worker stopped", 5000), "output:\n%s", tp.out);
	/* The same press, arriving late: not a second Ctrl-C. */
	if (!tp.exited)
		kill(tp.pid, SIGINT);
	expect_exit_by_signal(SIGINT);
	cr_expect(strstr(tp.out, "starting a worker to answer") == NULL,
	    "output:\n%s", tp.out);
	cr_expect(tp_count(&tp, "worker ready") == 1, "output:\n%s", tp.out);
	cr_expect(strstr(tp.out, "aborting") == NULL, "output:\n%s", tp.out);
	expect_no_process_left();
}
