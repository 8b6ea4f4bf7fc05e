/* SPDX-License-Identifier: ISC */
/*
 * tests/unit/test_config_ready.c
 * A job's "ready" probe and "restart_limit": their defaults, every form
 * that loads, the same rules for a config built in code, and the round
 * trip through cfg_to_json. Mistakes are in test_config_ready_errors.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "test_config.h"

#define API(fields) \
	"{\"jobs\": {\"api\": {\"cmd\": \"./api\", \"kind\": \"service\", " fields \
	"}}}"

/* Print, load the print, print again: the same text. */
static void
assert_round_trip(const struct cfg *c)
{
	struct cfg again;
	char *one, *two;

	one = cfg_to_json(c);
	cr_assert(ne(ptr, one, NULL));
	load_ok(one, &again);
	two = cfg_to_json(&again);
	cr_assert(ne(ptr, two, NULL));
	cr_assert(eq(str, one, two));
	free(one);
	free(two);
	cfg_free(&again);
}

/* --- defaults and forms that load --- */

Test(config_ready, both_kinds_default_to_no_probe_and_five_restarts)
{
	struct cfg c;
	const struct cfg_job *j;

	load_ok("{\"jobs\": {\"t\": {\"cmd\": \"true\"}, \"s\": {\"cmd\": "
	        "\"true\", \"kind\": \"service\"}}}",
	    &c);
	for (int i = 0; i < 2; i++) {
		j = job(&c, i ? "s" : "t");
		cr_assert(eq(uint, j->j_restart_limit, 5));
		cr_assert(eq(int, j->j_ready.r_kind, READY_NONE));
		cr_assert(eq(ptr, j->j_ready.r_target, NULL));
		cr_assert(eq(dbl, j->j_ready.r_timeout, 30));
		cr_assert(eq(dbl, j->j_ready.r_interval, 0.1));
	}
	cfg_free(&c);
}

Test(config_ready, a_job_added_in_code_gets_the_same_defaults)
{
	struct cfg c;
	struct cfg_job *j;

	cfg_init(&c);
	j = cfg_add_job(&c, "build", "make");
	cr_assert(eq(uint, j->j_restart_limit, 5));
	cr_assert(eq(int, j->j_ready.r_kind, READY_NONE));
	cr_assert(eq(dbl, j->j_ready.r_timeout, 30));
	cr_assert(eq(dbl, j->j_ready.r_interval, 0.1));
	cfg_free(&c);
}

Test(config_ready, each_probe_loads_with_its_target)
{
	static const struct {
		char json[128];
		int kind;
		char target[48];
	} cases[] = {
	    {"{\"tcp\": \"127.0.0.1:5432\"}", READY_TCP, "127.0.0.1:5432"},
	    {"{\"tcp\": \"localhost:80\"}", READY_TCP, "localhost:80"},
	    {"{\"http\": \"http://localhost:8080/health\"}", READY_HTTP,
	        "http://localhost:8080/health"},
	    {"{\"http\": \"http://[::1]\"}", READY_HTTP, "http://[::1]"},
	    {"{\"file\": \"tmp/api.pid\"}", READY_FILE, "tmp/api.pid"},
	    {"{\"log\": \"listening on [0-9]+\"}", READY_LOG,
	        "listening on [0-9]+"},
	    {"{\"notify\": true}", READY_NOTIFY, ""},
	};
	char json[256];
	struct cfg c;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct cfg_ready *r;

		snprintf(
		    json, sizeof(json), API("\"ready\": %s"), cases[i].json);
		load_ok(json, &c);
		r = &job(&c, "api")->j_ready;
		cr_assert(eq(int, r->r_kind, cases[i].kind), "%s", json);
		if (cases[i].target[0] == '\0')
			cr_assert(eq(ptr, r->r_target, NULL));
		else
			cr_assert(
			    eq(str, r->r_target, (char *)cases[i].target));
		cfg_free(&c);
	}
}

Test(config_ready, timing_and_restart_limit_are_read)
{
	struct cfg c;
	const struct cfg_job *j;

	load_ok(API("\"restart_limit\": 0, \"ready\": {\"interval\": 0.5, "
	            "\"log\": \"up\", \"timeout\": 2.5}"),
	    &c);
	j = job(&c, "api");
	cr_assert(eq(uint, j->j_restart_limit, 0));
	cr_assert(eq(int, j->j_ready.r_kind, READY_LOG));
	cr_assert(eq(dbl, j->j_ready.r_timeout, 2.5));
	cr_assert(eq(dbl, j->j_ready.r_interval, 0.5));
	cfg_free(&c);
}

Test(config_ready, a_task_may_have_a_probe_and_a_restart_limit)
{
	struct cfg c;
	const struct cfg_job *j;

	load_ok("{\"jobs\": {\"gen\": {\"cmd\": \"make\", \"restart_limit\": "
	        "1000, \"ready\": {\"file\": \"out\"}}}}",
	    &c);
	j = job(&c, "gen");
	cr_assert(eq(int, j->j_kind, JOB_TASK));
	cr_assert(eq(uint, j->j_restart_limit, 1000));
	cr_assert(eq(int, j->j_ready.r_kind, READY_FILE));
	cfg_free(&c);
}

Test(config_ready, null_means_no_probe)
{
	struct cfg c;

	load_ok(API("\"ready\": null"), &c);
	cr_assert(eq(int, job(&c, "api")->j_ready.r_kind, READY_NONE));
	cfg_free(&c);
}

/* --- built in code --- */

static void
assert_invalid(const struct cfg *c, const char *path, const char *msg)
{
	struct cfg_err err;

	cr_assert(eq(int, cfg_validate(c, &err), -1), "valid, wrongly");
	cr_assert(
	    eq(str, err.e_path, (char *)path), "message \"%s\"", err.e_msg);
	cr_assert(strstr(err.e_msg, msg) != NULL,
	    "message \"%s\" does not contain \"%s\"", err.e_msg, msg);
}

Test(config_ready, cfg_validate_checks_a_probe_built_in_code)
{
	struct cfg c;
	struct cfg_job *j;
	struct cfg_err err;

	cfg_init(&c);
	j = cfg_add_job(&c, "api", "./api");
	j->j_ready.r_kind = READY_TCP;
	assert_invalid(&c, "jobs.api.ready.tcp", "expected a non-empty string");
	j->j_ready.r_target = strdup("127.0.0.1:99999");
	assert_invalid(&c, "jobs.api.ready.tcp", "got \"127.0.0.1:99999\"");
	free(j->j_ready.r_target);
	j->j_ready.r_target = strdup("127.0.0.1:5432");
	cr_assert(eq(int, cfg_validate(&c, &err), 0), "%s", err.e_msg);
	j->j_ready.r_timeout = 0;
	assert_invalid(&c, "jobs.api.ready.timeout", "got 0");
	j->j_ready.r_timeout = 1;
	j->j_ready.r_interval = -0.5;
	assert_invalid(&c, "jobs.api.ready.interval", "got -0.5");
	j->j_ready.r_interval = 0.1;
	j->j_ready.r_kind = READY_LOG;
	free(j->j_ready.r_target);
	j->j_ready.r_target = strdup("a[");
	assert_invalid(&c, "jobs.api.ready.log", "invalid regular expression");
	cfg_free(&c); /* frees r_target: the sanitizer build checks */
}

Test(config_ready, cfg_validate_checks_restart_limit)
{
	struct cfg c;

	cfg_init(&c);
	cfg_add_job(&c, "api", "./api")->j_restart_limit = 1001;
	assert_invalid(&c, "jobs.api.restart_limit", "got 1001");
	cfg_free(&c);
}

/* --- cfg_to_json --- */

Test(config_ready, the_output_spells_out_the_new_defaults)
{
	struct cfg c;
	char *s;

	load_ok(API("\"restart_limit\": 7"), &c);
	s = cfg_to_json(&c);
	cr_assert(strstr(s, "\"restart_limit\":\t7") != NULL, "%s", s);
	cr_assert(strstr(s, "\"ready\":\tnull") != NULL, "%s", s);
	free(s);
	cfg_free(&c);
}

Test(config_ready, the_output_gives_a_probe_with_its_timing)
{
	struct cfg c;
	char *s;

	load_ok(API("\"ready\": {\"http\": \"http://localhost:8080/\"}"), &c);
	s = cfg_to_json(&c);
	cr_assert(strstr(s, "\"http\":\t\"http://localhost:8080/\"") != NULL,
	    "%s", s);
	cr_assert(strstr(s, "\"timeout\":\t30") != NULL, "%s", s);
	cr_assert(strstr(s, "\"interval\":\t0.1") != NULL, "%s", s);
	free(s);
	cfg_free(&c);
}

Test(config_ready, every_probe_survives_a_round_trip)
{
	struct cfg c;

	load_ok(
	    "{\"jobs\": {"
	    "\"a\": {\"cmd\": \"a\", \"kind\": \"service\", "
	    "\"restart_limit\": 0, \"ready\": {\"tcp\": \"[::1]:5432\", "
	    "\"timeout\": 1.5, \"interval\": 0.25}},"
	    "\"b\": {\"cmd\": \"b\", \"ready\": {\"http\": "
	    "\"http://127.0.0.1/x?y=1\"}},"
	    "\"c\": {\"cmd\": \"c\", \"ready\": {\"file\": \"run/c.sock\"}},"
	    "\"d\": {\"cmd\": \"d\", \"ready\": {\"log\": \"^ready \\\\(\"}},"
	    "\"e\": {\"cmd\": \"e\", \"ready\": {\"notify\": true}},"
	    "\"f\": {\"cmd\": \"f\", \"ready\": null}}}",
	    &c);
	assert_round_trip(&c);
	cfg_free(&c);
}
