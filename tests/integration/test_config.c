/* SPDX-License-Identifier: ISC */
/*
 * tests/integration/test_config.c
 * Config mistakes as a person meets them: the real tend on a tend.json
 * with several mistakes prints one line for each, exits 2 and starts
 * nothing; `tend check` prints the same lines.
 */
#include <sys/stat.h>

#include "common.h"

TestSuite(config, .init = it_setup, .fini = it_teardown, .timeout = 60);

/* Five independent mistakes in five jobs; every job would touch a file. */
static const char five_mistakes[] =
    "{\n"
    "  \"jobs\": {\n"
    "    \"ok\":  { \"cmd\": \"touch ran-ok\" },\n"
    "    \"a\":   { \"cmd\": \"touch ran-a\", \"timeout\": -1 },\n"
    "    \"b\":   { \"cmd\": \"touch ran-b\", \"kind\": \"servce\" },\n"
    "    \"c\":   { \"cmd\": \"touch ran-c\", \"cwd\": \"no-such-dir\" },\n"
    "    \"d\":   { \"cmd\": \"touch ran-d\", \"stop_signal\": \"SIGFOO\" },\n"
    "    \"e\":   { \"cmd\": \"touch ran-e\", \"after\": [\"okk\"] }\n"
    "  }\n"
    "}\n";

static const char *const five_lines[] = {
    "tend: tend.json: jobs.a.timeout: expected a number of seconds >= 0, "
    "got -1",
    "tend: tend.json: jobs.b.kind: expected \"task\" or \"service\", got "
    "\"servce\"; did you mean \"service\"?",
    "tend: tend.json: jobs.c.cwd: expected an existing directory (relative "
    "to where tend runs), got \"no-such-dir\": No such file or directory",
    "tend: tend.json: jobs.d.stop_signal: expected a signal name like "
    "\"SIGTERM\" or a number from 1 to 64, got \"SIGFOO\"",
    "tend: tend.json: jobs.e.after[0]: unknown job \"okk\"; did you mean "
    "\"ok\"?",
};

static void
expect_five_and_nothing_ran(void)
{
	static const char *const ran[] = {
	    "ran-ok", "ran-a", "ran-b", "ran-c", "ran-d", "ran-e"};

	cr_assert(tp_wait_exit(&tp, 5000), "%s", tp.out);
	cr_assert(WIFEXITED(tp.status) && WEXITSTATUS(tp.status) == 2,
	    "status 0x%x; %s", tp.status, tp.out);
	for (size_t i = 0; i < sizeof(five_lines) / sizeof(*five_lines); i++)
		cr_assert(strstr(tp.out, five_lines[i]) != NULL,
		    "missing \"%s\" in:\n%s", five_lines[i], tp.out);
	cr_assert(tp_count(&tp, "tend: tend.json: ") == 5, "%s", tp.out);
	/* In file order: the reference check comes after the jobs. */
	cr_assert(
	    strstr(tp.out, five_lines[0]) < strstr(tp.out, five_lines[1]));
	cr_assert(
	    strstr(tp.out, five_lines[3]) < strstr(tp.out, five_lines[4]));
	tp_pump(&tp, 200);
	for (size_t i = 0; i < sizeof(ran) / sizeof(*ran); i++)
		cr_assert(!tmp_exists(dir, ran[i]), "%s ran", ran[i]);
	expect_no_process_left();
}

Test(config, five_mistakes_are_five_lines_exit_2_and_nothing_runs)
{
	const char *args[] = {NULL};

	tmp_write(dir, "tend.json", five_mistakes);
	it_start(args, false);
	expect_five_and_nothing_ran();
}

Test(config, check_and_run_print_every_mistake_too)
{
	const char *check[] = {"check", NULL};
	const char *run[] = {"run", NULL};

	tmp_write(dir, "tend.json", five_mistakes);
	it_start(check, false);
	expect_five_and_nothing_ran();
	tp_cleanup(&tp);
	it_start(run, false);
	expect_five_and_nothing_ran();
}

Test(config, a_syntax_error_says_what_was_expected_where)
{
	const char *args[] = {"check", NULL};

	tmp_write(dir, "tend.json",
	    "{\n  \"jobs\": {\n    \"a\": { \"cmd\": \"touch ran-a\" "
	    "\"kind\": \"task\" }\n  }\n}\n");
	it_start(args, false);
	cr_assert(tp_wait_exit(&tp, 5000), "%s", tp.out);
	cr_assert(WIFEXITED(tp.status) && WEXITSTATUS(tp.status) == 2,
	    "status 0x%x; %s", tp.status, tp.out);
	cr_assert(
	    strstr(tp.out,
	        "tend: tend.json:3:33: missing , or } after \"cmd\"") != NULL,
	    "%s", tp.out);
	cr_assert(!tmp_exists(dir, "ran-a"));
	expect_no_process_left();
}

/* A cwd that exists is where the job runs: relative to tend's own. */
Test(config, an_existing_cwd_runs_the_job_there)
{
	const char *args[] = {"run", NULL};
	char sub[128];

	snprintf(sub, sizeof(sub), "%s/sub", dir);
	cr_assert(mkdir(sub, 0700) == 0);
	tmp_write(dir, "tend.json",
	    "{ \"jobs\": { \"a\": { \"cmd\": \"touch ran-a\", \"cwd\": \"sub\" "
	    "} } }");
	it_start(args, false);
	cr_assert(tp_wait_exit(&tp, 10000), "%s", tp.out);
	cr_assert(WIFEXITED(tp.status) && WEXITSTATUS(tp.status) == 0,
	    "status 0x%x; %s", tp.status, tp.out);
	cr_assert(tmp_exists(dir, "sub/ran-a"), "%s", tp.out);
	expect_no_process_left();
}
