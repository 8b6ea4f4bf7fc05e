/* SPDX-License-Identifier: ISC */
/*
 * tests/integration/test_everyday.c
 * The small things of living in tend all day, through the real binary:
 * plain tend says where its tasks stand once they are done; tend run
 * --json gives a script the summary alone on stdout; a watch pattern that
 * names nothing is a warning; an atomic save's temporary file is not
 * reported as a change.
 */
#include <sys/stat.h>

#include "common.h"

TestSuite(everyday, .init = it_setup, .fini = it_teardown, .timeout = 60);

Test(everyday, plain_tend_says_where_its_tasks_stand)
{
	const char *args[] = {NULL};

	tmp_write(dir, "tend.json",
	    "{ \"jobs\": {\n"
	    "  \"gen\": { \"cmd\": \"true\" },\n"
	    "  \"lint\": { \"cmd\": \"exit 3\" },\n"
	    "  \"deploy\": { \"cmd\": \"touch deployed\", \"after\": "
	    "[\"lint\"] },\n"
	    "  \"db\": { \"kind\": \"service\", \"cmd\": \"exec sleep 60\" }\n"
	    "} }\n");
	it_start(args, false);
	cr_assert(tp_wait_for(&tp,
	              "1 task ok, 1 failed (lint), 1 waiting for a failed "
	              "dependency (deploy), 1 service running; Ctrl-C to stop",
	              5000),
	    "%s", tp.out);
	cr_assert(!tmp_exists(dir, "deployed"));
	it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	expect_no_process_left();
}

Test(everyday, tend_run_json_puts_the_summary_alone_on_stdout)
{
	char cmd[512], *json, *err;
	size_t len;

	tmp_write(dir, "tend.json",
	    "{ \"jobs\": {\n"
	    "  \"a\": { \"cmd\": \"echo from a\" },\n"
	    "  \"b\": { \"cmd\": \"kill -TERM $$\", \"after\": [\"a\"] },\n"
	    "  \"c\": { \"cmd\": \"true\", \"after\": [\"b\"] }\n"
	    "} }\n");
	snprintf(cmd, sizeof(cmd),
	    "cd %s && %s run --json > summary.json 2> rest.log; echo $? > rc",
	    dir, TEND_BIN);
	cr_assert(system(cmd) == 0);
	json = tmp_read(dir, "summary.json", &len);
	err = tmp_read(dir, "rest.log", &len);
	cr_assert(json != NULL && err != NULL);
	cr_assert(strncmp(json,
	              "{\"exit\":1,\"jobs\":[{\"name\":\"a\",\"kind\":"
	              "\"task\",\"status\":\"ok\",\"exit\":0,\"signal\":null,"
	              "\"seconds\":",
	              91) == 0,
	    "%s", json);
	cr_assert(strstr(json,
	              "\"name\":\"b\",\"kind\":\"task\","
	              "\"status\":\"failed\",\"exit\":null,"
	              "\"signal\":\"SIGTERM\"") != NULL,
	    "%s", json);
	cr_assert(strstr(json,
	              "\"name\":\"c\",\"kind\":\"task\","
	              "\"status\":\"skipped\",\"exit\":null") != NULL,
	    "%s", json);
	cr_assert(strchr(json, '\n') == json + strlen(json) - 1, "one line: %s",
	    json);
	/* What a person reads went to stderr. */
	cr_assert(strstr(err, "a | from a") != NULL, "%s", err);
	cr_assert(strstr(err, "task \"a\" started") != NULL, "%s", err);
	free(json);
	free(err);
	cr_assert(lines_with("rc", "1") == 1);
}

Test(everyday, a_watch_pattern_that_names_nothing_is_a_warning)
{
	const char *args[] = {NULL};

	mkdir(strcat(strcpy((char[96]){0}, dir), "/src"), 0755);
	tmp_write(dir, "src/a.c", "int a;\n");
	tmp_write(dir, "tend.json",
	    "{ \"jobs\": { \"cc\": { \"cmd\": \"true\", \"watch\": "
	    "[\"src/**/*.c\", \"src/**/*.scss\", \"lib\"] } } }\n");
	it_start(args, false);
	cr_assert(tp_wait_for(&tp, "watching", 5000), "%s", tp.out);
	cr_assert(
	    strstr(tp.out,
	        "jobs.cc.watch: \"src/**/*.scss\" matches no file") != NULL,
	    "%s", tp.out);
	cr_assert(
	    strstr(tp.out, "jobs.cc.watch: \"lib\" matches no file") != NULL,
	    "%s", tp.out);
	cr_assert(
	    strstr(tp.out, "\"src/**/*.c\" matches") == NULL, "%s", tp.out);
	it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	expect_no_process_left();
}

Test(everyday, an_atomic_save_reports_the_file_not_its_temporary)
{
	const char *args[] = {NULL};
	char from[160], to[160];
	char *changed;
	size_t len;

	mkdir(strcat(strcpy((char[96]){0}, dir), "/src"), 0755);
	tmp_write(dir, "src/a.c", "int a;\n");
	tmp_write(dir, "tend.json",
	    "{ \"jobs\": { \"cc\": { \"cmd\": \"echo run >> runs; printf "
	    "'%s\\\\n' \\\"$TEND_CHANGED\\\" > changed\", \"watch\": "
	    "[\"src\"] } } }\n");
	it_start(args, false);
	expect_runs("runs", 1);
	/* As editors save: write a temporary beside, rename it over. */
	tmp_write(dir, "src/.a.c.tmp4242", "int a = 1;\n");
	snprintf(from, sizeof(from), "%s/src/.a.c.tmp4242", dir);
	snprintf(to, sizeof(to), "%s/src/a.c", dir);
	cr_assert(rename(from, to) == 0);
	expect_runs("runs", 2);
	changed = tmp_read(dir, "changed", &len);
	cr_assert(changed != NULL && strcmp(changed, "src/a.c\n") == 0,
	    "TEND_CHANGED was: %s", changed);
	cr_assert(strstr(tp.out, "tmp4242") == NULL, "%s", tp.out);
	free(changed);
	it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	expect_no_process_left();
}
