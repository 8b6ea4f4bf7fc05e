/* SPDX-License-Identifier: ISC */
/*
 * tests/unit/test_config_reload.c
 * What a reload compares (cfg_job_equal: a job whose own configuration did
 * not change is kept) and serve.hold_during_build (seconds, true, false).
 */
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "test_config.h"

static bool
same_job(const char *a_json, const char *b_json, const char *name)
{
	struct cfg a, b;
	bool eq;

	load_ok(a_json, &a);
	load_ok(b_json, &b);
	eq = cfg_job_equal(job(&a, name), job(&b, name));
	cfg_free(&a);
	cfg_free(&b);
	return eq;
}

#define DB(extra) \
	"{\"jobs\": {\"db\": {\"kind\": \"service\", \"cmd\": \"postgres\"" extra \
	"}, \"seed\": {\"cmd\": \"seed\", \"after\": [\"db\"]}}}"

static const char *
db_with(const char *extra)
{
	static char buf[512];

	snprintf(buf, sizeof(buf), DB("%s"), extra);
	return buf;
}

Test(config_reload, a_job_equals_itself_whatever_else_changes)
{
	cr_assert(same_job(DB(""), DB(""), "db"));
	/* Another job, the serve section: not db's own configuration. */
	cr_assert(same_job(DB(""),
	    "{\"serve\": {\"root\": \"out\"}, \"jobs\": {\"db\": {\"kind\": "
	    "\"service\", \"cmd\": \"postgres\"}}}",
	    "db"));
	/* Defaults spelled out are the same configuration. */
	cr_assert(same_job(DB(""), DB(", \"stop_signal\": \"SIGTERM\""), "db"));
}

Test(config_reload, any_field_of_its_own_makes_it_changed)
{
	const char *changes[] = {
	    ", \"env\": {\"PGPORT\": \"5433\"}",
	    ", \"cwd\": \"/tmp\"",
	    ", \"watch\": [\"conf\"]",
	    ", \"ignore\": [\"*.log\"]",
	    ", \"stop_signal\": \"SIGINT\"",
	    ", \"stop_timeout\": 3",
	    ", \"timeout\": 60",
	    ", \"restart\": \"always\"",
	    ", \"restart_limit\": 2",
	    ", \"ready\": {\"tcp\": \"127.0.0.1:5432\"}",
	};

	for (size_t i = 0; i < sizeof(changes) / sizeof(changes[0]); i++)
		cr_assert(
		    eq(int, same_job(DB(""), db_with(changes[i]), "db"), 0),
		    "%s", changes[i]);
	/* A shell command and an argv are two commands. */
	cr_assert(eq(int,
	    same_job(DB(""),
	        "{\"jobs\": {\"db\": {\"kind\": \"service\", \"cmd\": "
	        "[\"postgres\"]}}}",
	        "db"),
	    0));
	cr_assert(eq(int,
	    same_job(DB(""),
	        "{\"jobs\": {\"db\": {\"kind\": \"service\", \"cmd\": "
	        "\"postgres -F\"}}}",
	        "db"),
	    0));
}

static double
hold_of(const char *serve)
{
	char json[256];
	struct cfg c;
	double hold;

	snprintf(json, sizeof(json), "{\"serve\": {%s}}", serve);
	load_ok(json, &c);
	hold = c.c_serve.s_hold_during_build;
	cfg_free(&c);
	return hold;
}

Test(config_reload, hold_during_build_is_seconds_true_or_false)
{
	cr_assert(eq(dbl, hold_of(""), 10.0));
	cr_assert(eq(dbl, hold_of("\"hold_during_build\": true"), 10.0));
	cr_assert(eq(dbl, hold_of("\"hold_during_build\": false"), 0.0));
	cr_assert(eq(dbl, hold_of("\"hold_during_build\": 2.5"), 2.5));
	assert_load_fails("{\"serve\": {\"hold_during_build\": 0}}",
	    "serve.hold_during_build",
	    "expected a number of seconds > 0, true or false, got 0");
	assert_load_fails("{\"serve\": {\"hold_during_build\": \"5\"}}",
	    "serve.hold_during_build",
	    "expected a number of seconds > 0, true or false");
}

/* RFC 8259 8.1: JSON text is UTF-8; the error names line and column. */
Test(config_reload, invalid_utf8_is_an_error_naming_the_line)
{
	const char *bad[] = {
	    "{\n  \"jobs\": {\"a\": {\"cmd\": \"echo \xff\"}}}",
	    "{\n  \"jobs\": {\"a\": {\"cmd\": \"echo \xc0\xaf\"}}}", /* overlong
	                                                              */
	    "{\n  \"jobs\": {\"a\": {\"cmd\": \"echo \xed\xa0\x80\"}}}", /* D800
	                                                                  */
	    "{\n  \"jobs\": {\"a\": {\"cmd\": \"echo \xf4\x90\x80\x80\"}}}",
	    "{\n  \"jobs\": {\"a\": {\"cmd\": \"echo \xe2\x82\"}}}", /* cut */
	};
	struct cfg_err err;
	struct cfg c;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert(eq(int,
		    cfg_load_buf("tend.json", bad[i], strlen(bad[i]), &c, &err),
		    -1));
		cr_assert(eq(int, err.e_line, 2), "%s", bad[i]);
		cr_assert(eq(int, err.e_col, 31), "%zu: col %d", i, err.e_col);
		cr_assert(strstr(err.e_msg, "invalid UTF-8") != NULL, "%s",
		    err.e_msg);
	}
	/* Valid multi-byte text, a BOM-less file, is fine. */
	load_ok("{\"jobs\": {\"a\": {\"cmd\": \"echo h\xc3\xa9 \xe2\x82\xac "
	        "\xf0\x9f\x98\x80\"}}}",
	    &c);
	cfg_free(&c);
}
