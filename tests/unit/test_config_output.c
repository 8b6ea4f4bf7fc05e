/* SPDX-License-Identifier: ISC */
/*
 * tests/unit/test_config_output.c
 * How output is shown and kept: "output": {"timestamps"} and a job's
 * "log" file (relative to the config's directory), read, checked,
 * printed, and compared by a reload.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "test_config.h"

Test(config_output, timestamps_are_off_unless_asked_for)
{
	struct cfg c;
	char *s;

	load_ok("{\"jobs\": {}}", &c);
	cr_assert(eq(int, c.c_timestamps, false));
	cfg_free(&c);
	load_ok("{\"output\": {\"timestamps\": true}}", &c);
	cr_assert(eq(int, c.c_timestamps, true));
	s = cfg_to_json(&c);
	cr_assert(
	    strstr(s, "\"output\":\t{\n\t\t\"timestamps\":\ttrue") != NULL,
	    "%s", s);
	free(s);
	cfg_free(&c);
}

Test(config_output, output_mistakes_are_named)
{
	assert_load_fails("{\"output\": {\"timestamps\": 1}}",
	    "output.timestamps", "expected true or false");
	assert_load_fails(
	    "{\"output\": {\"timestamp\": true}}", "output", "timestamps");
	assert_load_fails("{\"output\": true}", "output", "expected an object");
}

Test(config_output, a_log_is_read_and_printed)
{
	struct cfg c;
	char *s;

	load_ok("{\"jobs\": {\"api\": {\"cmd\": \"x\", \"log\": \"api.log\"}, "
	        "\"web\": {\"cmd\": \"y\"}}}",
	    &c);
	/* tend.json in tend's directory: relative to it, as written. */
	cr_assert(eq(str, job(&c, "api")->j_log, "api.log"));
	cr_assert(eq(ptr, job(&c, "web")->j_log, NULL));
	s = cfg_to_json(&c);
	cr_assert(strstr(s, "\"log\":\t\"api.log\"") != NULL, "%s", s);
	cr_assert(strstr(s, "\"log\":\tnull") != NULL, "%s", s);
	free(s);
	cfg_free(&c);
	assert_load_fails(
	    "{\"jobs\": {\"api\": {\"cmd\": \"x\", \"log\": \"\"}}}",
	    "jobs.api.log", "expected a non-empty string or null");
	assert_load_fails("{\"jobs\": {\"api\": {\"cmd\": \"x\", \"log\": 3}}}",
	    "jobs.api.log", "expected a non-empty string or null");
}

Test(config_output, a_log_is_relative_to_the_config_directory)
{
	const char *json = "{\"jobs\": {\"a\": {\"cmd\": \"x\", \"log\": "
	                   "\"logs/a.log\"}, \"b\": {\"cmd\": \"x\", \"log\": "
	                   "\"/var/b.log\"}}}";
	char cwd[PATH_MAX], want[PATH_MAX + 32];
	struct cfg_err err;
	struct cfg c;

	cr_assert(getcwd(cwd, sizeof(cwd)) != NULL);
	/* An existing directory: made absolute, so it prints portably. */
	cr_assert(eq(
	    int, cfg_load_buf("./tend.json", json, strlen(json), &c, &err), 0));
	snprintf(want, sizeof(want), "%s/logs/a.log", cwd);
	cr_assert(eq(str, job(&c, "a")->j_log, want));
	cr_assert(eq(str, job(&c, "b")->j_log, "/var/b.log"));
	cfg_free(&c);
	cr_assert(eq(int,
	    cfg_load_buf("no/such/dir/tend.json", json, strlen(json), &c, &err),
	    0));
	cr_assert(eq(str, job(&c, "a")->j_log, "no/such/dir/logs/a.log"));
	cfg_free(&c);
}

Test(config_output, a_changed_log_changes_the_job)
{
	struct cfg a, b;

	load_ok(
	    "{\"jobs\": {\"api\": {\"cmd\": \"x\", \"log\": \"1.log\"}}}", &a);
	load_ok(
	    "{\"jobs\": {\"api\": {\"cmd\": \"x\", \"log\": \"2.log\"}}}", &b);
	cr_assert(eq(int, cfg_job_equal(&a.c_jobs[0], &b.c_jobs[0]), false));
	cr_assert(cfg_job_equal(&a.c_jobs[0], &a.c_jobs[0]), "equal to itself");
	cfg_free(&a);
	cfg_free(&b);
}
