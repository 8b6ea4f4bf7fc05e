/* SPDX-License-Identifier: ISC */
/*
 * tests/unit/test_config_many.c
 * Every mistake at once: each wrong value is a message of its own, in file
 * order, and what follows from a mistake already reported is not reported
 * again. The count is capped, then "and N more".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "test_config.h"

Test(config_many, five_mistakes_in_five_jobs_are_five_messages)
{
	static const char *const want[] = {"jobs.a.cmd",
	    "expected a string or an array of strings, got 42", "jobs.b.kind",
	    "did you mean \"service\"?", "jobs.c.stop_signal", "got \"SIGFOO\"",
	    "jobs.d.ready.tcp", "a port from 1 to 65535", "jobs.e",
	    "unknown key \"cmdd\"; did you mean \"cmd\"?"};

	assert_load_fails_all(
	    "{\"jobs\": {\n"
	    "  \"a\": {\"cmd\": 42},\n"
	    "  \"b\": {\"cmd\": \"x\", \"kind\": \"servce\"},\n"
	    "  \"c\": {\"cmd\": \"x\", \"stop_signal\": \"SIGFOO\"},\n"
	    "  \"d\": {\"cmd\": \"x\", \"ready\": {\"tcp\": \"127.0.0.1:0\"}},\n"
	    "  \"e\": {\"cmdd\": \"x\"}\n"
	    "}}",
	    want, CFG_NELEM_T(want));
}

Test(config_many, every_wrong_key_of_one_job_and_of_every_section)
{
	static const char *const want[] = {"jobs.a.timeout",
	    "expected a number of seconds >= 0", "jobs.a.env.1X",
	    "invalid environment variable name", "jobs.a.env.B",
	    "expected a string, got 2", "jobs.a.watch[1]",
	    "expected a non-empty string", "jobs.a", "unknown key \"colour\"",
	    "serve.http", "got \"1.2.3.4:99999\"", "serve.spa",
	    "expected true or false", "watch.debounce_ms", "got -1",
	    "shutdown.grace", "got \"10\"", "", "unknown key \"extra\""};

	assert_load_fails_all(
	    "{\"jobs\": {\"a\": {\"cmd\": \"x\", \"timeout\": -1, \"env\": "
	    "{\"1X\": \"\", \"B\": 2, \"C\": \"ok\"}, \"watch\": [\"a\", \"\"], "
	    "\"colour\": 1}},\n"
	    "\"serve\": {\"http\": \"1.2.3.4:99999\", \"spa\": 1},\n"
	    "\"watch\": {\"debounce_ms\": -1},\n"
	    "\"shutdown\": {\"grace\": \"10\"}, \"extra\": 1}",
	    want, CFG_NELEM_T(want));
}

Test(config_many, a_document_that_is_no_object_is_one_message)
{
	assert_load_fails("[{\"jobs\": 1}, 2]", "",
	    "expected an object at the top level, got an array");
}

Test(config_many, a_section_of_the_wrong_type_is_skipped_whole)
{
	static const char *const want[] = {"jobs", "expected an object",
	    "serve", "expected an object", "watch.ignore",
	    "expected an array of strings"};

	assert_load_fails_all("{\"jobs\": [1, 2], \"serve\": \"x\", \"watch\": "
	                      "{\"ignore\": \"*.o\"}}",
	    want, CFG_NELEM_T(want));
}

/* A wrong job still exists: naming it in "after" is no second mistake. */
Test(config_many, a_wrong_job_named_in_after_is_no_unknown_job)
{
	assert_load_fails("{\"jobs\": {\"a\": 42, \"b\": {\"cmd\": \"x\", "
	                  "\"after\": [\"a\"]}}}",
	    "jobs.a", "expected an object, got 42");
	assert_load_fails("{\"jobs\": {\"a\": {\"cmd\": 1}, \"b\": {\"cmd\": "
	                  "\"x\", \"after\": [\"a\"]}}}",
	    "jobs.a.cmd", "got 1");
	assert_load_fails("{\"jobs\": {\"a b\": {\"cmd\": \"x\"}, \"b\": "
	                  "{\"cmd\": \"x\", \"after\": [\"a b\"]}}}",
	    "jobs", "invalid job name \"a b\"");
}

Test(config_many, a_repeated_key_is_one_message_and_the_rest_is_read)
{
	/* An object's repeats are said as it is entered, then its members. */
	static const char *const want[] = {"jobs", "duplicate key \"a\"",
	    "jobs.a", "duplicate key \"cmd\"", "jobs.a.kind",
	    "expected \"task\" or \"service\"", "jobs.b.cmd", "got 3"};

	assert_load_fails_all(
	    "{\"jobs\": {\"a\": {\"cmd\": \"x\", \"cmd\": \"y\", \"cmd\": 2, "
	    "\"kind\": 1}, \"a\": {\"cmd\": 4}, \"b\": {\"cmd\": 3}}}",
	    want, CFG_NELEM_T(want));
}

/* What a wrong value implies is not a mistake of its own. */
Test(config_many, consequences_of_a_mistake_are_not_reported_again)
{
	/* The kind is unknown: restart might be right for a service. */
	assert_load_fails("{\"jobs\": {\"a\": {\"cmd\": \"x\", \"kind\": "
	                  "\"servce\", \"restart\": \"always\"}}}",
	    "jobs.a.kind", "did you mean \"service\"?");
	/* serve.udp was there, only wrong: udp_log has its port. */
	assert_load_fails("{\"serve\": {\"udp\": \"nope\", \"udp_log\": "
	                  "\"u.log\"}}",
	    "serve.udp", "expected \"HOST:PORT\"");
	/* "CMD" is the cmd, misspelt: it is not missing as well. */
	assert_load_fails("{\"jobs\": {\"a\": {\"CMD\": \"x\"}}}", "jobs.a",
	    "unknown key \"CMD\"; did you mean \"cmd\"?");
	/* "tpc" is the probe, misspelt: there is no "got none". */
	assert_load_fails("{\"jobs\": {\"a\": {\"cmd\": \"x\", \"ready\": "
	                  "{\"tpc\": \"127.0.0.1:1\", \"http\": "
	                  "\"http://127.0.0.1:1/\"}}}}",
	    "jobs.a.ready", "unknown key \"tpc\"; did you mean \"tcp\"?");
	/* After itself is said once, not again as a cycle. */
	assert_load_fails("{\"jobs\": {\"a\": {\"cmd\": \"x\", \"after\": "
	                  "[\"a\"]}}}",
	    "jobs.a.after[0]", "a job cannot come after itself");
}

Test(config_many, every_cycle_and_every_unknown_reference)
{
	static const char *const want[] = {"jobs.b.after[0]",
	    "unknown job \"zz\"", "jobs.d.after[1]",
	    "unknown job \"cc\"; did you mean \"c\"?", "jobs",
	    "dependency cycle: a -> b -> a", "jobs",
	    "dependency cycle: c -> d -> c"};

	assert_load_fails_all(
	    "{\"jobs\": {\"a\": {\"cmd\": \"x\", \"after\": [\"b\"]},"
	    "\"b\": {\"cmd\": \"x\", \"after\": [\"zz\", \"a\"]},"
	    "\"c\": {\"cmd\": \"x\", \"after\": [\"d\"]},"
	    "\"d\": {\"cmd\": \"x\", \"after\": [\"c\", \"cc\"]}}}",
	    want, CFG_NELEM_T(want));
}

/* 30 wrong jobs: 20 messages kept, 30 counted, "and 10 more". */
Test(config_many, the_count_is_capped_then_and_n_more)
{
	static struct cfg_err err;
	char json[4096], line[1024];
	size_t off = 0;
	struct cfg c;

	off += (size_t)snprintf(json + off, sizeof(json) - off, "{\"jobs\": {");
	for (int i = 0; i < 30; i++)
		off += (size_t)snprintf(json + off, sizeof(json) - off,
		    "%s\"j%d\": {\"cmd\": %d}", i ? ", " : "", i, i);
	snprintf(json + off, sizeof(json) - off, "}}");
	cr_assert(eq(
	    int, cfg_load_buf("tend.json", json, strlen(json), &c, &err), -1));
	cr_assert(eq(sz, err.e_count, 30));
	cr_assert(eq(sz, cfg_err_nlines(&err), CFG_MAX_ERRORS + 1));
	cfg_err_line(&err, 0, line, sizeof(line));
	cr_assert(eq(str, line,
	    "tend.json: jobs.j0.cmd: expected a string or an array of "
	    "strings, got 0"));
	cfg_err_line(&err, CFG_MAX_ERRORS - 1, line, sizeof(line));
	cr_assert(eq(str, line,
	    "tend.json: jobs.j19.cmd: expected a string or an array of "
	    "strings, got 19"));
	cfg_err_line(&err, CFG_MAX_ERRORS, line, sizeof(line));
	cr_assert(eq(str, line, "tend.json: and 10 more mistakes"));
	assert_cfg_empty(&c);
}

Test(config_many, lines_without_a_cap_are_one_per_mistake)
{
	static struct cfg_err err;
	const char *json = "{\"jobs\": {\"a\": {\"cmd\": 1}}, \"x\": 2}";
	char line[1024];
	struct cfg c;

	cr_assert(
	    eq(int, cfg_load_buf("t.json", json, strlen(json), &c, &err), -1));
	cr_assert(eq(sz, cfg_err_nlines(&err), 2));
	cfg_err_line(&err, 1, line, sizeof(line));
	cr_assert(eq(str, line,
	    "t.json: unknown key \"x\" (known keys: $schema, jobs, serve, "
	    "watch, shutdown, output, dotenv)"));
	cfg_err_format(&err, line, sizeof(line));
	cr_assert(eq(str, line,
	    "t.json: jobs.a.cmd: expected a string or an array of strings, "
	    "got 1"));
}

/* The command line's config: the same rules, every mistake too. */
Test(config_many, a_config_built_in_code_reports_every_mistake)
{
	static struct cfg_err err;
	struct cfg c;
	struct cfg_job *j;

	cfg_init(&c);
	j = cfg_add_job(&c, "a", "x");
	cr_assert(ne(ptr, j, NULL));
	j->j_stop_signal = 99;
	j->j_ready.r_kind = READY_TCP;
	j->j_ready.r_target = strdup("127.0.0.1:0");
	free(c.c_serve.s_http);
	c.c_serve.s_http = strdup("nope");
	cr_assert(eq(int, cfg_validate(&c, &err), -1));
	cr_assert(eq(sz, err.e_count, 3));
	cr_assert(eq(str, err.e_list[0].i_path, "serve.http"));
	cr_assert(eq(str, err.e_list[1].i_path, "jobs.a.stop_signal"));
	cr_assert(eq(str, err.e_list[2].i_path, "jobs.a.ready.tcp"));
	cr_assert(eq(str, err.e_path, "serve.http"));
	cfg_free(&c);
}

Test(config_many, a_success_leaves_no_mistake)
{
	static struct cfg_err err;
	const char *json = "{\"jobs\": {\"a\": {\"cmd\": \"x\"}}}";
	struct cfg c;

	cr_assert(
	    eq(int, cfg_load_buf("t.json", json, strlen(json), &c, &err), 0));
	cr_assert(eq(sz, err.e_count, 0));
	cr_assert(eq(sz, cfg_err_nlines(&err), 0));
	cfg_free(&c);
}
