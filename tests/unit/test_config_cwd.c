/* SPDX-License-Identifier: ISC */
/*
 * tests/unit/test_config_cwd.c
 * A job's cwd must be an existing directory when the config is read, from
 * a file or from code alike. It is resolved as the job's chdir resolves
 * it: relative to tend's own working directory, not the config file's.
 * Each test runs in its own process (Criterion), so chdir is private.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "support.h"
#include "test_config.h"

static char dir[64];

static void
enter_tmp(void)
{
	char sub[128];

	tmp_make(dir, sizeof(dir));
	snprintf(sub, sizeof(sub), "%s/sub", dir);
	cr_assert(eq(int, mkdir(sub, 0700), 0));
	tmp_write(dir, "afile", "x");
	cr_assert(eq(int, chdir(dir), 0));
}

static void
leave_tmp(void)
{
	if (chdir("/") == 0)
		tmp_remove(dir);
}

TestSuite(config_cwd, .init = enter_tmp, .fini = leave_tmp);

Test(config_cwd, a_missing_directory_is_a_config_error)
{
	assert_load_fails(
	    "{\"jobs\": {\"site\": {\"cmd\": \"make\", \"cwd\": \"nope\"}}}",
	    "jobs.site.cwd",
	    "expected an existing directory (relative to where tend runs), "
	    "got \"nope\": No such file or directory");
}

Test(config_cwd, a_file_is_no_directory)
{
	assert_load_fails(
	    "{\"jobs\": {\"site\": {\"cmd\": \"make\", \"cwd\": \"afile\"}}}",
	    "jobs.site.cwd",
	    "expected a directory, got \"afile\", which is not one");
	assert_load_fails("{\"jobs\": {\"site\": {\"cmd\": \"make\", \"cwd\": "
	                  "\"afile/x\"}}}",
	    "jobs.site.cwd", "got \"afile/x\": Not a directory");
}

Test(config_cwd, existing_directories_relative_and_absolute_load)
{
	struct cfg c;

	load_ok("{\"jobs\": {\"a\": {\"cmd\": \"x\", \"cwd\": \"sub\"}, "
	        "\"b\": {\"cmd\": \"x\", \"cwd\": \"/\"}, "
	        "\"c\": {\"cmd\": \"x\", \"cwd\": \"./sub/..\"}, "
	        "\"d\": {\"cmd\": \"x\", \"cwd\": null}}}",
	    &c);
	cr_assert(eq(str, job(&c, "a")->j_cwd, "sub"));
	cr_assert(eq(ptr, job(&c, "d")->j_cwd, NULL));
	cfg_free(&c);
}

/* The file lives in sub/, whose own sub/ does not exist: still tend's. */
Test(config_cwd, relative_to_where_tend_runs_not_to_the_file)
{
	static struct cfg_err err;
	struct cfg c;

	tmp_write(dir, "sub/tend.json",
	    "{\"jobs\": {\"a\": {\"cmd\": \"x\", \"cwd\": \"sub\"}}}");
	cr_assert(eq(int, cfg_load_file("sub/tend.json", &c, &err), 0),
	    "%s: %s", err.e_path, err.e_msg);
	cfg_free(&c);
	cr_assert(eq(int, chdir("sub"), 0));
	cr_assert(eq(int, cfg_load_file("tend.json", &c, &err), -1));
	cr_assert(eq(str, err.e_path, "jobs.a.cwd"));
	cr_assert(eq(int, chdir(".."), 0));
}

Test(config_cwd, a_config_built_in_code_is_checked_the_same)
{
	static struct cfg_err err;
	struct cfg c;
	struct cfg_job *j;

	cfg_init(&c);
	j = cfg_add_job(&c, "site", "make");
	cr_assert(ne(ptr, j, NULL));
	j->j_cwd = strdup("nope");
	cr_assert(eq(int, cfg_validate(&c, &err), -1));
	cr_assert(eq(str, err.e_path, "jobs.site.cwd"));
	cr_assert(strstr(err.e_msg, "No such file or directory") != NULL, "%s",
	    err.e_msg);
	free(j->j_cwd);
	j->j_cwd = strdup("sub");
	cr_assert(eq(int, cfg_validate(&c, &err), 0), "%s", err.e_msg);
	cfg_free(&c);
}

Test(config_cwd, a_wrong_cwd_is_one_of_several_mistakes)
{
	static const char *const want[] = {"jobs.a.cwd",
	    "got \"nope\": No such file", "jobs.a.timeout",
	    "expected a number of seconds", "jobs.b.cwd",
	    "expected a non-empty string or null, got \"\""};

	assert_load_fails_all(
	    "{\"jobs\": {\"a\": {\"cmd\": \"x\", \"cwd\": \"nope\", "
	    "\"timeout\": -2}, \"b\": {\"cmd\": \"x\", \"cwd\": \"\"}}}",
	    want, CFG_NELEM_T(want));
}
