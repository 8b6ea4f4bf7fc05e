/* SPDX-License-Identifier: ISC */
/*
 * tests/integration/test_jobs.c
 * What a job gets and gives: all of its output, only fds 0-2, an end
 * that waits for its pipe (and for stragglers holding it), and, for a
 * service in a config without "serve", its stop signal at Ctrl-C.
 */
#include "common.h"

TestSuite(jobs, .init = it_setup, .fini = it_teardown, .timeout = 60);

Test(jobs, no_line_of_a_chatty_build_is_lost)
{
	const char *args[] = {"serve", "public", "--http", "127.0.0.1:0",
	    "--build", "seq 1 20000; printf 'no newline at the end'", NULL};

	it_start(args, true);
	cr_assert(tp_wait_for(&tp, "build \"build\" finished", 10000),
	    "output tail: %s", tp.out + (tp.len > 500 ? tp.len - 500 : 0));
	for (int i = 1; i <= 20000; i += 1111) {
		char line[32];
		snprintf(line, sizeof(line), "build | %d\r\n", i);
		cr_assert(strstr(tp.out, line) != NULL, "missing %s", line);
	}
	cr_assert(strstr(tp.out, "build | 20000\r\n") != NULL);
	cr_assert(strstr(tp.out, "build | no newline at the end\r\n") != NULL);
	cr_assert(tp_count(&tp, "build | ") == 20001);
	it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	expect_no_process_left();
}

Test(jobs, a_build_gets_stdin_from_dev_null_and_no_other_fd)
{
	const char *args[] = {"-c", "fds.json", NULL};

	/* ls opens the directory it lists as fd 3; that one is its own. */
	tmp_write(dir, "fds.json",
	    "{ \"jobs\": {\n"
	    "  \"fds\": { \"cmd\": [\"ls\", \"/proc/self/fd\"] },\n"
	    "  \"stdin\": { \"cmd\": [\"readlink\", \"/proc/self/fd/0\"] } },\n"
	    "  \"serve\": { \"root\": \"public\", \"http\": \"127.0.0.1:0\", "
	    "\"udp\": \"127.0.0.1:0\", \"udp_log\": \"udp.log\" } }");
	it_start(args, true);
	cr_assert(tp_wait_for(&tp, "build \"stdin\" finished", 5000));
	/*
	 * Every "fds   | N" line (padded to "stdin"), wherever tend's own
	 * lines fall between them: exactly 0, 1, 2 and 3.
	 */
	cr_assert(strstr(tp.out, "build \"fds\" finished") != NULL);
	unsigned seen = 0, lines = 0;
	for (const char *p = tp.out; (p = strstr(p, "fds   | ")) != NULL; p++) {
		int fd = atoi(p + 8);
		lines++;
		cr_assert(fd >= 0 && fd < 4,
		    "fd %d leaked into the build; "
		    "output:\n%s",
		    fd, tp.out);
		seen |= 1u << fd;
	}
	cr_assert(lines == 4 && seen == 0xf,
	    "fds listed: %u lines, mask %#x; "
	    "output:\n%s",
	    lines, seen, tp.out);
	cr_assert(strstr(tp.out, "stdin | /dev/null\r\n") != NULL,
	    "output:\n%s", tp.out);
	it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	expect_no_process_left();
}

Test(jobs, a_straggler_holding_the_output_is_stopped_and_the_build_ends)
{
	const char *args[] = {"serve", "public", "--http", "127.0.0.1:0",
	    "--build", "(sleep 30; echo late) & echo main done", NULL};

	it_start(args, true);
	cr_assert(tp_wait_for(&tp, "build | main done", 5000));
	cr_assert(tp_wait_for(&tp, "hold its output; stopping them", 5000),
	    "output:\n%s", tp.out);
	cr_assert(tp_wait_for(&tp, "build \"build\" finished", 5000),
	    "output:\n%s", tp.out);
	cr_assert(strstr(tp.out, "late") == NULL);
	it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	expect_no_process_left();
}

Test(jobs, a_service_without_serve_gets_its_stop_signal_at_ctrl_c)
{
	const char *args[] = {NULL};
	size_t len;
	char *got;

	tmp_write(dir, "tend.json",
	    "{ \"jobs\": {\n"
	    "  \"prep\": { \"cmd\": \"echo prepared > prep.txt\" },\n"
	    "  \"api\": { \"cmd\": \"trap 'echo $$ term > stopped; exit 0' "
	    "TERM; echo up; while :; do sleep 0.05; done\", \"kind\": "
	    "\"service\" } } }");
	it_start(args, false);
	cr_assert(tp_wait_for(&tp, "api  | up", 5000), "output:\n%s", tp.out);
	cr_assert(tp_wait_for(&tp, "task \"prep\" finished", 5000));
	cr_assert(tmp_exists(dir, "prep.txt"));
	it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	cr_assert(strstr(tp.out, "stopping service \"api\" (SIGTERM)") != NULL,
	    "output:\n%s", tp.out);
	got = tmp_read(dir, "stopped", &len);
	cr_assert(got != NULL && strstr(got, "term") != NULL);
	free(got);
	expect_no_process_left();
}

Test(jobs, a_crashing_service_is_restarted)
{
	const char *args[] = {NULL};

	tmp_write(dir, "tend.json",
	    "{ \"jobs\": { \"flaky\": { \"cmd\": \"echo start >> starts; exit "
	    "3\", \"kind\": \"service\" } } }");
	it_start(args, false);
	cr_assert(
	    tp_wait_for(&tp, "restarting service \"flaky\" in 0.2 s", 5000),
	    "output:\n%s", tp.out);
	it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	expect_no_process_left();
}
