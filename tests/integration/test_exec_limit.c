/* SPDX-License-Identifier: ISC */
/*
 * tests/integration/test_exec_limit.c
 * `tend exec --restart-on-failure` gives up as a service does: after
 * --restart-limit failures in a row (default 5, 0: never), each within
 * 10 s of starting, it says so and exits with the command's last status;
 * with --watch it waits for a change instead, which starts a new count.
 */
#include <sys/stat.h>

#include "common.h"

TestSuite(exec_limit, .init = it_setup, .fini = it_teardown, .timeout = 60);

#define CRASH "echo run >> runs; exit 3"

static void
expect_gave_up_with(int code, size_t runs, unsigned limit)
{
	char said[96];

	cr_assert(tp_wait_exit(&tp, 20000), "still running:\n%s", tp.out);
	cr_assert(WIFEXITED(tp.status) && WEXITSTATUS(tp.status) == code,
	    "status 0x%x; output:\n%s", tp.status, tp.out);
	cr_assert(lines_with("runs", "run") == runs, "%zu runs; output:\n%s",
	    lines_with("runs", "run"), tp.out);
	snprintf(said, sizeof(said),
	    "%zu failures in a row within 10 s of starting: giving up "
	    "(--restart-limit %u)",
	    runs, limit);
	cr_assert(strstr(tp.out, said) != NULL, "output:\n%s", tp.out);
	expect_no_process_left();
}

Test(exec_limit, the_default_is_five_failures_then_the_last_status)
{
	const char *args[] = {
	    "exec", "--restart-on-failure", "--", "sh", "-c", CRASH, NULL};

	it_start(args, false);
	/* Backoff 0.1 + 0.2 + 0.4 + 0.8 s between the five runs. */
	expect_gave_up_with(3, 5, 5);
	cr_assert(tp_count(&tp, "restarting in") == 4, "%s", tp.out);
}

Test(exec_limit, restart_limit_n_gives_up_after_n)
{
	const char *args[] = {"exec", "--restart-on-failure", "--restart-limit",
	    "2", "--", "sh", "-c", CRASH, NULL};

	it_start(args, false);
	expect_gave_up_with(3, 2, 2);
}

Test(exec_limit, restart_limit_1_never_restarts)
{
	const char *args[] = {"exec", "--restart-on-failure",
	    "--restart-limit=1", "--", "sh", "-c",
	    "echo run >> runs; kill -9 $$", NULL};

	it_start(args, false);
	/* Died of SIGKILL: 128 + 9, as without --restart-on-failure. */
	expect_gave_up_with(128 + SIGKILL, 1, 1);
}

Test(exec_limit, restart_limit_0_never_gives_up)
{
	const char *args[] = {"exec", "--restart-on-failure", "--restart-limit",
	    "0", "--", "sh", "-c", CRASH, NULL};

	it_start(args, false);
	/* A sixth run comes 3.1 s in; the default would have given up. */
	for (long end = now_ms() + 8000;
	     lines_with("runs", "run") < 6 && now_ms() < end;)
		tp_pump(&tp, 20);
	cr_assert(lines_with("runs", "run") >= 6, "output:\n%s", tp.out);
	cr_assert(strstr(tp.out, "giving up") == NULL, "%s", tp.out);
	/* As in test_exec.c: a press may fall between two runs' groups. */
	for (int i = 0; i < 5 && !tp_wait_exit(&tp, 300); i++)
		it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	expect_no_process_left();
}

Test(exec_limit, with_watch_it_gives_up_until_a_change_starts_a_new_count)
{
	const char *args[] = {"exec", "--watch", "src", "--restart-on-failure",
	    "--restart-limit", "2", "--", "sh", "-c", CRASH, NULL};
	char path[128];

	snprintf(path, sizeof(path), "%s/src", dir);
	cr_assert(mkdir(path, 0755) == 0);
	it_start(args, false);
	cr_assert(tp_wait_for(&tp, "giving up (--restart-limit 2)", 5000), "%s",
	    tp.out);
	cr_assert(tp_wait_for(&tp, "waiting for changes", 1000), "%s", tp.out);
	tp_pump(&tp, 500);
	cr_assert(!tp.exited, "%s", tp.out);
	cr_assert(lines_with("runs", "run") == 2, "%s", tp.out);

	tmp_write(dir, "src/a.txt", "x\n");
	for (long end = now_ms() + 5000;
	     tp_count(&tp, "giving up") < 2 && now_ms() < end;)
		tp_pump(&tp, 20);
	cr_assert(tp_count(&tp, "giving up") == 2, "%s", tp.out);
	cr_assert(lines_with("runs", "run") == 4, "%s", tp.out);
	it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	expect_no_process_left();
}
