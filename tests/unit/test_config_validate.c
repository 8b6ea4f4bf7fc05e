/* SPDX-License-Identifier: ISC */
/*
 * tests/unit/test_config_validate.c
 * A config built in code, as `tend serve --build ... --udp ...` builds
 * it, is held to the same rules as tend.json and reports the same paths.
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "config.h"

static struct cfg c;

static void
setup(void)
{
	cfg_init(&c);
}

static void
teardown(void)
{
	cfg_free(&c);
}

TestSuite(config_validate, .init = setup, .fini = teardown);

/* What the CLI would do to add "after": the list is a plain argv. */
static void
add_after(struct cfg_job *j, const char *name)
{
	char **v = realloc(j->j_after.v, (j->j_after.n + 2) * sizeof(*v));

	cr_assert(ne(ptr, v, NULL));
	v[j->j_after.n] = strdup(name);
	v[++j->j_after.n] = NULL;
	j->j_after.v = v;
}

static void
set_str(char **field, const char *value)
{
	free(*field);
	*field = value ? strdup(value) : NULL;
}

static void
assert_invalid(const char *path, const char *msg)
{
	struct cfg_err err;

	cr_assert(eq(int, cfg_validate(&c, &err), -1), "valid, wrongly");
	cr_assert(
	    eq(str, err.e_path, (char *)path), "message \"%s\"", err.e_msg);
	cr_assert(strstr(err.e_msg, msg) != NULL,
	    "message \"%s\" does not contain \"%s\"", err.e_msg, msg);
}

Test(config_validate, the_defaults_are_valid)
{
	struct cfg_err err;

	cr_assert(eq(int, cfg_validate(&c, &err), 0), "%s", err.e_msg);
}

Test(config_validate, an_added_job_is_a_shell_task_with_defaults)
{
	struct cfg_job *j = cfg_add_job(&c, "build", "make site");
	struct cfg_err err;

	cr_assert(ne(ptr, j, NULL));
	cr_assert(eq(sz, c.c_njobs, 1));
	cr_assert(eq(str, j->j_name, "build"));
	cr_assert(j->j_shell);
	cr_assert(eq(str, j->j_argv.v[2], "make site"));
	cr_assert(eq(int, j->j_kind, JOB_TASK));
	cr_assert(eq(int, j->j_on_busy, BUSY_QUEUE));
	cr_assert(eq(dbl, j->j_stop_timeout, 5));
	cr_assert(eq(ptr, (void *)cfg_find_job(&c, "build"), j));
	cr_assert(eq(ptr, (void *)cfg_find_job(&c, "nope"), NULL));
	cr_assert(eq(int, cfg_validate(&c, &err), 0), "%s", err.e_msg);
}

Test(config_validate, errors_name_the_command_line_as_their_file)
{
	struct cfg_err err;

	set_str(&c.c_serve.s_http, "nowhere");
	cr_assert(eq(int, cfg_validate(&c, &err), -1));
	cr_assert(eq(str, err.e_file, "command line"));
}

Test(config_validate, errors_name_the_file_when_there_is_one)
{
	struct cfg_err err;

	set_str(&c.c_file, "site/tend.json");
	set_str(&c.c_serve.s_http, "nowhere");
	cr_assert(eq(int, cfg_validate(&c, &err), -1));
	cr_assert(eq(str, err.e_file, "site/tend.json"));
}

Test(config_validate, a_bad_http_address_is_reported)
{
	set_str(&c.c_serve.s_http, "127.0.0.1:99999");
	assert_invalid("serve.http", "got \"127.0.0.1:99999\"");
}

Test(config_validate, a_bad_udp_address_is_reported)
{
	set_str(&c.c_serve.s_udp, "8001");
	assert_invalid("serve.udp", "expected \"HOST:PORT\"");
}

Test(config_validate, a_negative_grace_is_reported)
{
	c.c_grace = -1;
	assert_invalid("shutdown.grace", "expected a number of seconds >= 0");
}

Test(config_validate, a_bad_job_name_is_reported)
{
	cfg_add_job(&c, "no/slash", "true");
	assert_invalid("jobs", "invalid job name \"no/slash\"");
}

Test(config_validate, a_duplicate_job_is_reported)
{
	cfg_add_job(&c, "build", "true");
	cfg_add_job(&c, "other", "true");
	cfg_add_job(&c, "build", "false");
	assert_invalid("jobs", "duplicate job \"build\"");
}

Test(config_validate, an_unknown_dependency_is_reported)
{
	cfg_add_job(&c, "css", "true");
	add_after(cfg_add_job(&c, "site", "true"), "js");
	assert_invalid("jobs.site.after[0]", "unknown job \"js\"");
}

Test(config_validate, a_cycle_is_reported)
{
	add_after(cfg_add_job(&c, "a", "true"), "b");
	add_after(cfg_add_job(&c, "b", "true"), "c");
	add_after(cfg_add_job(&c, "c", "true"), "a");
	assert_invalid("jobs", "dependency cycle: a -> b -> c -> a");
}

Test(config_validate, a_diamond_is_not_a_cycle)
{
	struct cfg_job *top;
	struct cfg_err err;

	cfg_add_job(&c, "base", "true");
	add_after(cfg_add_job(&c, "left", "true"), "base");
	add_after(cfg_add_job(&c, "right", "true"), "base");
	top = cfg_add_job(&c, "top", "true");
	add_after(top, "left");
	add_after(top, "right");
	cr_assert(eq(int, cfg_validate(&c, &err), 0), "%s", err.e_msg);
}

Test(config_validate, a_restarting_task_is_reported)
{
	cfg_add_job(&c, "build", "make")->j_restart = RESTART_ALWAYS;
	assert_invalid("jobs.build.restart", "expected \"never\" for a task");
}

Test(config_validate, a_negative_timeout_is_reported)
{
	cfg_add_job(&c, "build", "make")->j_timeout = -2;
	assert_invalid("jobs.build.timeout", "got -2");
}

Test(config_validate, a_signal_out_of_range_is_reported)
{
	cfg_add_job(&c, "build", "make")->j_stop_signal = 99;
	assert_invalid("jobs.build.stop_signal", "got 99");
}

Test(config_validate, the_error_is_cleared_on_success)
{
	struct cfg_err err;

	cfg_add_job(&c, "a", "true");
	cr_assert(eq(int, cfg_validate(&c, &err), 0));
	cr_assert(eq(str, err.e_path, ""));
	cr_assert(eq(str, err.e_msg, ""));
}

Test(config_validate, cfg_free_leaves_the_struct_zeroed)
{
	struct cfg zero;

	cfg_add_job(&c, "a", "true");
	cfg_free(&c);
	memset(&zero, 0, sizeof(zero));
	cr_assert(eq(int, memcmp(&c, &zero, sizeof(c)), 0));
	cfg_free(&c); /* and a second free is harmless */
}
