/* SPDX-License-Identifier: ISC */
/*
 * tests/integration/test_run.c
 * `tend run`: dependency order, -j parallelism proven by timestamps, a
 * failure skipping its dependants, Ctrl-C finishing the running task and
 * skipping the rest, the summary, and the exit status.
 */
#include "common.h"

TestSuite(run, .init = it_setup, .fini = it_teardown, .timeout = 60);

/* Two independent jobs that log start and end times, and one after both. */
static const char two_and_one[] =
    "{ \"jobs\": {\n"
    "  \"a\": { \"cmd\": \"echo a $(date +%s%N) >> t; sleep 0.4; "
    "echo A $(date +%s%N) >> t\" },\n"
    "  \"b\": { \"cmd\": \"echo b $(date +%s%N) >> t; sleep 0.4; "
    "echo B $(date +%s%N) >> t\" },\n"
    "  \"c\": { \"cmd\": \"echo c $(date +%s%N) >> t\", "
    "\"after\": [\"a\", \"b\"] } } }\n";

/* The time stamp of the line starting with tag in file t. */
static long long
stamp(const char *tag)
{
	size_t len;
	char *t = tmp_read(dir, "t", &len), *p = t;
	long long v = -1;

	while (p && *p) {
		if (p[0] == tag[0] && p[1] == ' ') {
			v = atoll(p + 2);
			break;
		}
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	free(t);
	return v;
}

static void
run_and_wait(const char *const *args)
{
	it_start(args, false);
	cr_assert(tp_wait_exit(&tp, 20000), "output:\n%s", tp.out);
}

Test(run, two_independent_jobs_overlap_with_j2_and_the_dependant_waits)
{
	const char *args[] = {"run", "-j", "2", NULL};

	tmp_write(dir, "tend.json", two_and_one);
	run_and_wait(args);
	cr_assert(WIFEXITED(tp.status) && WEXITSTATUS(tp.status) == 0,
	    "status 0x%x\n%s", tp.status, tp.out);
	/* Overlap: each started before the other ended. */
	cr_assert(stamp("a") < stamp("B") && stamp("b") < stamp("A"),
	    "no overlap with -j2");
	cr_assert(stamp("c") > stamp("A") && stamp("c") > stamp("B"));
	cr_assert(strstr(tp.out, "job  status") != NULL, "%s", tp.out);
	expect_no_process_left();
}

Test(run, with_j1_nothing_overlaps)
{
	const char *args[] = {"run", "-j1", NULL};

	tmp_write(dir, "tend.json", two_and_one);
	run_and_wait(args);
	cr_assert(WIFEXITED(tp.status) && WEXITSTATUS(tp.status) == 0);
	bool a_first = stamp("a") < stamp("b");
	if (a_first)
		cr_assert(stamp("A") <= stamp("b"), "overlap with -j1");
	else
		cr_assert(stamp("B") <= stamp("a"), "overlap with -j1");
	cr_assert(stamp("c") > stamp("A") && stamp("c") > stamp("B"));
	expect_no_process_left();
}

Test(run, a_failure_skips_its_dependants_and_exits_1)
{
	const char *args[] = {"run", "--keep-going", NULL};

	tmp_write(dir, "tend.json",
	    "{ \"jobs\": {\n"
	    "  \"broken\": { \"cmd\": \"exit 3\" },\n"
	    "  \"after_broken\": { \"cmd\": \"touch never\", \"after\": "
	    "[\"broken\"] },\n"
	    "  \"other\": { \"cmd\": \"touch other\" } } }\n");
	run_and_wait(args);
	cr_assert(WIFEXITED(tp.status) && WEXITSTATUS(tp.status) == 1,
	    "status 0x%x\n%s", tp.status, tp.out);
	cr_assert(!tmp_exists(dir, "never"));
	cr_assert(tmp_exists(dir, "other"), "--keep-going ran the rest");
	cr_assert(
	    strstr(tp.out, "after_broken  skipped") != NULL, "%s", tp.out);
	cr_assert(strstr(tp.out, "broken        failed            3") != NULL,
	    "%s", tp.out);
	expect_no_process_left();
}

Test(run, ctrl_c_finishes_the_running_task_and_skips_the_rest)
{
	const char *args[] = {"run", "-j1", NULL};

	tmp_write(dir, "tend.json",
	    "{ \"jobs\": {\n"
	    "  \"first\": { \"cmd\": \"touch started; sleep 1; touch done\" "
	    "},\n"
	    "  \"second\": { \"cmd\": \"touch second\", \"after\": "
	    "[\"first\"] } } }\n");
	it_start(args, false);
	it_wait_file("started");
	it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	cr_assert(tmp_exists(dir, "done"), "the running task was cut");
	cr_assert(!tmp_exists(dir, "second"));
	cr_assert(strstr(tp.out, "second  skipped") != NULL, "%s", tp.out);
	cr_assert(strstr(tp.out, "first   ok") != NULL, "%s", tp.out);
	expect_no_process_left();
}

/* The summary row of job name (from "name  "), or NULL; free() it. */
static char *
summary_row(const char *name)
{
	char head[64];
	const char *p, *end;

	snprintf(head, sizeof(head), "\n%s  ", name);
	if ((p = strstr(tp.out, "job  ")) == NULL ||
	    (p = strstr(p, head)) == NULL)
		return NULL;
	p++;
	end = strchr(p, '\r');
	return strndup(p, end ? (size_t)(end - p) : strlen(p));
}

/* The row says status and exit, and a time ("1.23 s"), not "-". */
static void
expect_summary_row(const char *name, const char *status, const char *exit)
{
	char *row = summary_row(name), st[32], ex[32], unit[8];
	double secs;

	cr_assert(row != NULL, "no summary row for %s:\n%s", name, tp.out);
	cr_assert(sscanf(row + strlen(name), "%31s %31s %lf %7s", st, ex, &secs,
	              unit) == 4 &&
	        strcmp(st, status) == 0 && strcmp(ex, exit) == 0 &&
	        strcmp(unit, "s") == 0,
	    "want %s %s and a time, got \"%s\":\n%s", status, exit, row,
	    tp.out);
	free(row);
}

/*
 * The second Ctrl-C interrupts what runs, the third kills what is left;
 * the summary shows each as such, with its signal and its time.
 */
Test(run, ctrl_c_twice_and_thrice_show_interrupted_and_killed_tasks)
{
	const char *args[] = {"run", "-j2", NULL};

	tmp_write(dir, "tend.json",
	    "{ \"jobs\": {\n"
	    "  \"stubborn\": { \"cmd\": \"trap '' INT; touch s1; "
	    "while :; do sleep 0.05; done\", \"stop_timeout\": 30 },\n"
	    "  \"meek\": { \"cmd\": \"touch s2; exec sleep 30\" },\n"
	    "  \"later\": { \"cmd\": \"touch later\", \"after\": "
	    "[\"meek\"] } } }\n");
	it_start(args, false);
	it_wait_file("s1");
	it_wait_file("s2");
	it_ctrl_c(1);
	cr_assert(
	    tp_wait_for(&tp, "Ctrl-C again to interrupt", 5000), "%s", tp.out);
	it_ctrl_c(1);
	cr_assert(tp_wait_for(&tp, "\"meek\" interrupted", 5000), "%s", tp.out);
	it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	expect_summary_row("stubborn", "killed", "SIGKILL");
	expect_summary_row("meek", "interrupted", "SIGINT");
	cr_assert(strstr(tp.out, "later     skipped") != NULL, "%s", tp.out);
	cr_assert(!tmp_exists(dir, "later"));
	expect_no_process_left();
}

/* Without a third Ctrl-C, the abort's SIGKILL after stop_timeout. */
Test(run, a_task_sigkilled_at_its_stop_timeout_shows_as_killed)
{
	const char *args[] = {"run", NULL};

	tmp_write(dir, "tend.json",
	    "{ \"jobs\": {\n"
	    "  \"stubborn\": { \"cmd\": \"trap '' INT; touch s1; "
	    "while :; do sleep 0.05; done\", \"stop_timeout\": 0.3 } } }\n");
	it_start(args, false);
	it_wait_file("s1");
	it_ctrl_c(1);
	cr_assert(
	    tp_wait_for(&tp, "Ctrl-C again to interrupt", 5000), "%s", tp.out);
	it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	expect_summary_row("stubborn", "killed", "SIGKILL");
	expect_no_process_left();
}

/* no-color.org: NO_COLOR counts "when present and not an empty string". */
static void
run_with_no_color(const char *value)
{
	const char *args[] = {"run", NULL};

	tmp_write(dir, "tend.json",
	    "{ \"jobs\": { \"hello\": { \"cmd\": \"echo hi\" } } }\n");
	tp_no_color = value;
	run_and_wait(args);
	cr_assert(WIFEXITED(tp.status) && WEXITSTATUS(tp.status) == 0,
	    "status 0x%x\n%s", tp.status, tp.out);
	cr_assert(strstr(tp.out, "hello |") != NULL, "%s", tp.out);
}

Test(run, an_empty_no_color_keeps_the_colours)
{
	run_with_no_color("");
	cr_assert(strstr(tp.out, "hello |\033[0m hi") != NULL, "%s", tp.out);
}

Test(run, a_set_no_color_turns_the_colours_off)
{
	run_with_no_color("1");
	cr_assert(strstr(tp.out, "\033[") == NULL, "%s", tp.out);
}

Test(run, without_no_color_a_terminal_gets_colours)
{
	run_with_no_color(NULL);
	cr_assert(strstr(tp.out, "hello |\033[0m hi") != NULL, "%s", tp.out);
}

Test(run, named_jobs_run_with_their_dependencies_only)
{
	const char *args[] = {"run", "c", NULL};

	tmp_write(dir, "tend.json",
	    "{ \"jobs\": {\n"
	    "  \"a\": { \"cmd\": \"touch a\" },\n"
	    "  \"b\": { \"cmd\": \"touch b\" },\n"
	    "  \"c\": { \"cmd\": \"touch c\", \"after\": [\"a\"] } } }\n");
	run_and_wait(args);
	cr_assert(WIFEXITED(tp.status) && WEXITSTATUS(tp.status) == 0);
	cr_assert(tmp_exists(dir, "a") && tmp_exists(dir, "c"));
	cr_assert(!tmp_exists(dir, "b"));
	expect_no_process_left();
}

Test(run, an_unknown_job_or_a_cycle_is_exit_2_and_starts_nothing)
{
	const char *unknown[] = {"run", "nope", NULL};
	const char *all[] = {"run", NULL};

	tmp_write(dir, "tend.json",
	    "{ \"jobs\": { \"a\": { \"cmd\": \"touch a\" } } }\n");
	run_and_wait(unknown);
	cr_assert(WIFEXITED(tp.status) && WEXITSTATUS(tp.status) == 2);
	cr_assert(strstr(tp.out, "no job \"nope\"") != NULL, "%s", tp.out);
	cr_assert(!tmp_exists(dir, "a"));
	tp_cleanup(&tp);
	tmp_write(dir, "tend.json",
	    "{ \"jobs\": { \"a\": { \"cmd\": \"touch a\", \"after\": [\"b\"] "
	    "},\n"
	    "  \"b\": { \"cmd\": \"touch b\", \"after\": [\"a\"] } } }\n");
	run_and_wait(all);
	cr_assert(WIFEXITED(tp.status) && WEXITSTATUS(tp.status) == 2);
	cr_assert(strstr(tp.out, "cycle") != NULL, "%s", tp.out);
	cr_assert(!tmp_exists(dir, "a") && !tmp_exists(dir, "b"));
	expect_no_process_left();
}

/* db is ready once its trap is set: a SIGTERM before would kill sh. */
Test(run, a_service_dependency_runs_during_the_tasks_and_is_stopped)
{
	const char *args[] = {"run", NULL};

	tmp_write(dir, "tend.json",
	    "{ \"jobs\": {\n"
	    "  \"db\": { \"kind\": \"service\", \"cmd\": \"trap 'touch "
	    "db-stopped; exit 0' TERM; touch db-up; while :; do sleep 0.05; "
	    "done\",\n"
	    "    \"ready\": { \"file\": \"db-up\" } },\n"
	    "  \"test\": { \"cmd\": \"touch tested\", \"after\": [\"db\"] } } "
	    "}\n");
	run_and_wait(args);
	cr_assert(WIFEXITED(tp.status) && WEXITSTATUS(tp.status) == 0,
	    "status 0x%x\n%s", tp.status, tp.out);
	cr_assert(tmp_exists(dir, "tested"));
	cr_assert(tmp_exists(dir, "db-stopped"), "%s", tp.out);
	expect_no_process_left();
}

Test(run, a_crash_looping_service_backs_off_and_is_given_up)
{
	const char *args[] = {NULL};

	tmp_write(dir, "tend.json",
	    "{ \"jobs\": { \"flaky\": { \"kind\": \"service\", \"cmd\": "
	    "\"exit 1\", \"restart_limit\": 3 } } }\n");
	it_start(args, false);
	cr_assert(tp_wait_for(&tp, "giving up", 10000), "%s", tp.out);
	cr_assert(
	    strstr(tp.out, "restarting service \"flaky\" in 0.1 s") != NULL);
	cr_assert(
	    strstr(tp.out, "restarting service \"flaky\" in 0.2 s") != NULL);
	cr_assert(tp_count(&tp, "restarting service") == 2, "%s", tp.out);
	it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	expect_no_process_left();
}

Test(run, dependants_wait_until_a_service_says_it_is_ready)
{
	const char *args[] = {"run", NULL};

	/* Ready by a line of output, and by sd_notify READY=1. */
	tmp_write(dir, "tend.json",
	    "{ \"jobs\": {\n"
	    "  \"web\": { \"kind\": \"service\", \"cmd\": \"sleep 0.5; touch "
	    "web-up; echo listening on 8080; exec sleep 30\",\n"
	    "           \"ready\": { \"log\": \"listening on [0-9]+\" } },\n"
	    "  \"db\": { \"kind\": \"service\", \"cmd\": [\"python3\", \"-c\", "
	    "\"import os, socket, time; time.sleep(0.5); open('db-up', "
	    "'w').close(); s = socket.socket(socket.AF_UNIX, "
	    "socket.SOCK_DGRAM); s.sendto(b'READY=1', "
	    "os.environ['NOTIFY_SOCKET']); time.sleep(30)\"],\n"
	    "           \"ready\": { \"notify\": true } },\n"
	    "  \"test\": { \"cmd\": \"test -e web-up && test -e db-up && "
	    "touch tested\", \"after\": [\"web\", \"db\"] } } }\n");
	it_start(args, false);
	cr_assert(tp_wait_exit(&tp, 20000), "output:\n%s", tp.out);
	cr_assert(WIFEXITED(tp.status) && WEXITSTATUS(tp.status) == 0,
	    "status 0x%x\n%s", tp.status, tp.out);
	cr_assert(tmp_exists(dir, "tested"), "%s", tp.out);
	cr_assert(
	    strstr(tp.out, "service \"web\" is ready") != NULL, "%s", tp.out);
	cr_assert(
	    strstr(tp.out, "service \"db\" is ready") != NULL, "%s", tp.out);
	expect_no_process_left();
}

Test(run, a_service_that_never_gets_ready_fails_its_dependants)
{
	const char *args[] = {"run", NULL};

	tmp_write(dir, "tend.json",
	    "{ \"jobs\": {\n"
	    "  \"api\": { \"kind\": \"service\", \"cmd\": \"exec sleep 30\", "
	    "\"restart\": \"never\",\n"
	    "           \"ready\": { \"tcp\": \"127.0.0.1:1\", \"timeout\": "
	    "0.5 } },\n"
	    "  \"test\": { \"cmd\": \"touch tested\", \"after\": [\"api\"] } "
	    "} }\n");
	it_start(args, false);
	cr_assert(tp_wait_exit(&tp, 20000), "output:\n%s", tp.out);
	cr_assert(WIFEXITED(tp.status) && WEXITSTATUS(tp.status) == 1,
	    "status 0x%x\n%s", tp.status, tp.out);
	cr_assert(!tmp_exists(dir, "tested"));
	cr_assert(strstr(tp.out, "is not ready") != NULL, "%s", tp.out);
	cr_assert(strstr(tp.out, "test  skipped") != NULL, "%s", tp.out);
	expect_no_process_left();
}
