/* SPDX-License-Identifier: ISC */
/*
 * tests/unit/test_config_errors.c
 * Every mistake a person makes in tend.json is reported with the path and
 * what was expected, and nothing is half-loaded. One Test() per mistake,
 * so a failure names it.
 */
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "test_config.h"

/* A syntax error: no path, a line and a column. */
static void
assert_syntax_error(const char *json, int line, int col, const char *msg)
{
	struct cfg c;
	struct cfg_err err;

	cr_assert(eq(
	    int, cfg_load_buf("tend.json", json, strlen(json), &c, &err), -1));
	cr_assert(strstr(err.e_msg, msg) != NULL,
	    "message \"%s\" does not contain \"%s\"", err.e_msg, msg);
	cr_assert(eq(str, err.e_path, ""));
	cr_assert(eq(int, err.e_line, line), "at %d:%d: %s", err.e_line,
	    err.e_col, err.e_msg);
	cr_assert(eq(int, err.e_col, col), "at %d:%d: %s", err.e_line,
	    err.e_col, err.e_msg);
	cr_assert(eq(sz, err.e_count, 1));
	assert_cfg_empty(&c);
}

/* --- types of values --- */

Test(config_errors, a_number_as_cmd_is_neither_string_nor_array)
{
	assert_load_fails("{\"jobs\": {\"site\": {\"cmd\": 42}}}",
	    "jobs.site.cmd",
	    "expected a string or an array of strings, got 42");
}

Test(config_errors, an_empty_cmd_string_is_rejected)
{
	assert_load_fails("{\"jobs\": {\"site\": {\"cmd\": \"\"}}}",
	    "jobs.site.cmd", "expected a non-empty command");
}

Test(config_errors, an_empty_cmd_array_is_rejected)
{
	assert_load_fails("{\"jobs\": {\"site\": {\"cmd\": []}}}",
	    "jobs.site.cmd", "empty array");
}

Test(config_errors, a_number_inside_a_cmd_array_is_named_by_index)
{
	assert_load_fails("{\"jobs\": {\"site\": {\"cmd\": [\"make\", 3]}}}",
	    "jobs.site.cmd[1]", "expected a string, got 3");
}

Test(config_errors, an_empty_program_name_is_rejected)
{
	assert_load_fails("{\"jobs\": {\"site\": {\"cmd\": [\"\", \"x\"]}}}",
	    "jobs.site.cmd[0]", "expected the program name");
}

Test(config_errors, a_job_without_cmd_is_rejected)
{
	assert_load_fails("{\"jobs\": {\"site\": {\"watch\": [\"src\"]}}}",
	    "jobs.site", "missing required key \"cmd\"");
}

Test(config_errors, a_job_that_is_a_string_is_not_an_object)
{
	assert_load_fails("{\"jobs\": {\"site\": \"make\"}}", "jobs.site",
	    "expected an object, got \"make\"");
}

Test(config_errors, jobs_as_an_array_is_rejected)
{
	assert_load_fails(
	    "{\"jobs\": []}", "jobs", "expected an object, got an array");
}

Test(config_errors, the_top_level_must_be_an_object)
{
	assert_load_fails(
	    "[1, 2]", "", "expected an object at the top level, got an array");
}

Test(config_errors, a_negative_stop_timeout_is_rejected)
{
	assert_load_fails(
	    "{\"jobs\": {\"site\": {\"cmd\": \"x\", \"stop_timeout\": -1}}}",
	    "jobs.site.stop_timeout",
	    "expected a number of seconds >= 0, got -1");
}

Test(config_errors, a_timeout_given_as_a_string_is_rejected)
{
	assert_load_fails(
	    "{\"jobs\": {\"site\": {\"cmd\": \"x\", \"timeout\": \"5s\"}}}",
	    "jobs.site.timeout",
	    "expected a number of seconds >= 0, got \"5s\"");
}

Test(config_errors, an_overflowing_number_is_not_shown_as_null)
{
	assert_load_fails(
	    "{\"jobs\": {\"site\": {\"cmd\": \"x\", \"timeout\": 1e999}}}",
	    "jobs.site.timeout", "got a number out of range");
}

Test(config_errors, a_non_string_env_value_names_the_variable)
{
	assert_load_fails(
	    "{\"jobs\": {\"site\": {\"cmd\": \"x\", \"env\": {\"PATH\": 1}}}}",
	    "jobs.site.env.PATH", "expected a string, got 1");
}

Test(config_errors, an_env_name_starting_with_a_digit_is_rejected)
{
	assert_load_fails(
	    "{\"jobs\": {\"site\": {\"cmd\": \"x\", \"env\": {\"1X\": \"y\"}}}}",
	    "jobs.site.env.1X", "invalid environment variable name");
}

Test(config_errors, an_env_name_with_an_equals_sign_is_rejected)
{
	assert_load_fails(
	    "{\"jobs\": {\"site\": {\"cmd\": \"x\", \"env\": {\"A=B\": \"y\"}}}}",
	    "jobs.site.env.A=B", "invalid environment variable name");
}

Test(config_errors, env_as_an_array_is_rejected)
{
	assert_load_fails(
	    "{\"jobs\": {\"site\": {\"cmd\": \"x\", \"env\": [\"A=B\"]}}}",
	    "jobs.site.env", "expected an object, got an array");
}

Test(config_errors, after_as_a_string_is_rejected)
{
	assert_load_fails("{\"jobs\": {\"css\": {\"cmd\": \"x\"}, \"site\": "
	                  "{\"cmd\": \"y\", \"after\": \"css\"}}}",
	    "jobs.site.after", "expected an array of strings, got \"css\"");
}

Test(config_errors, a_watch_entry_that_is_empty_is_rejected)
{
	assert_load_fails(
	    "{\"jobs\": {\"site\": {\"cmd\": \"x\", \"watch\": [\"src\", \"\"]}}}",
	    "jobs.site.watch[1]", "expected a non-empty string, got \"\"");
}

Test(config_errors, cwd_as_a_number_is_rejected)
{
	assert_load_fails(
	    "{\"jobs\": {\"site\": {\"cmd\": \"x\", \"cwd\": 1}}}",
	    "jobs.site.cwd", "expected a non-empty string or null, got 1");
}

/* --- enumerations --- */

Test(config_errors, a_misspelt_kind_suggests_the_right_one)
{
	assert_load_fails(
	    "{\"jobs\": {\"api\": {\"cmd\": \"x\", \"kind\": \"srvice\"}}}",
	    "jobs.api.kind",
	    "expected \"task\" or \"service\", got \"srvice\"; did you mean "
	    "\"service\"?");
}

Test(config_errors, an_unknown_on_busy_lists_the_choices)
{
	assert_load_fails(
	    "{\"jobs\": {\"site\": {\"cmd\": \"x\", \"on_busy\": \"kill\"}}}",
	    "jobs.site.on_busy",
	    "expected \"queue\", \"restart\", \"ignore\" or \"signal\", got "
	    "\"kill\"");
}

Test(config_errors, a_task_cannot_restart)
{
	assert_load_fails(
	    "{\"jobs\": {\"site\": {\"restart\": \"always\", \"cmd\": \"x\"}}}",
	    "jobs.site.restart", "expected \"never\" for a task");
}

Test(config_errors, a_restart_value_is_checked_for_services_too)
{
	assert_load_fails("{\"jobs\": {\"api\": {\"cmd\": \"x\", \"kind\": "
	                  "\"service\", \"restart\": \"sometimes\"}}}",
	    "jobs.api.restart",
	    "expected \"never\", \"on-failure\" or \"always\"");
}

Test(config_errors, an_unknown_signal_name_is_rejected)
{
	assert_load_fails("{\"jobs\": {\"site\": {\"cmd\": \"x\", "
	                  "\"stop_signal\": \"SIGFOO\"}}}",
	    "jobs.site.stop_signal",
	    "expected a signal name like \"SIGTERM\" or a number from 1 to 64, "
	    "got \"SIGFOO\"");
}

Test(config_errors, signal_number_zero_is_rejected)
{
	assert_load_fails(
	    "{\"jobs\": {\"site\": {\"cmd\": \"x\", \"stop_signal\": 0}}}",
	    "jobs.site.stop_signal", "got 0");
}

Test(config_errors, a_fractional_signal_number_is_rejected)
{
	assert_load_fails(
	    "{\"jobs\": {\"site\": {\"cmd\": \"x\", \"stop_signal\": 2.5}}}",
	    "jobs.site.stop_signal", "got 2.5");
}

/* --- keys --- */

Test(config_errors, an_unknown_job_key_suggests_the_nearest)
{
	assert_load_fails("{\"jobs\": {\"site\": {\"cmd\": \"x\", \"cwdd\": "
	                  "\"/tmp\"}}}",
	    "jobs.site", "unknown key \"cwdd\"; did you mean \"cwd\"?");
}

Test(config_errors, an_unknown_top_level_key_suggests_the_nearest)
{
	assert_load_fails(
	    "{\"job\": {}}", "", "unknown key \"job\"; did you mean \"jobs\"?");
}

Test(config_errors, an_uppercase_key_suggests_the_lowercase_one)
{
	assert_load_fails("{\"jobs\": {\"site\": {\"CMD\": \"x\"}}}",
	    "jobs.site", "unknown key \"CMD\"; did you mean \"cmd\"?");
}

Test(config_errors, a_truncated_key_suggests_the_full_one)
{
	assert_load_fails("{\"watch\": {\"debounce\": 10}}", "watch",
	    "did you mean \"debounce_ms\"?");
}

Test(config_errors, a_far_unknown_key_lists_the_known_ones)
{
	assert_load_fails("{\"serve\": {\"port\": 8000}}", "serve",
	    "unknown key \"port\" (known keys: root, http, udp, udp_log");
}

Test(config_errors, a_duplicate_key_in_a_job_is_rejected)
{
	assert_load_fails(
	    "{\"jobs\": {\"site\": {\"cmd\": \"x\", \"cmd\": \"y\"}}}",
	    "jobs.site", "duplicate key \"cmd\"");
}

Test(config_errors, a_job_defined_twice_is_rejected)
{
	assert_load_fails("{\"jobs\": {\"site\": {\"cmd\": \"x\"}, \"site\": "
	                  "{\"cmd\": \"y\"}}}",
	    "jobs", "duplicate key \"site\"");
}

Test(config_errors, a_duplicate_top_level_key_is_rejected)
{
	assert_load_fails(
	    "{\"serve\": {}, \"serve\": {}}", "", "duplicate key \"serve\"");
}

Test(config_errors, a_non_string_schema_is_rejected)
{
	assert_load_fails(
	    "{\"$schema\": 3}", "$schema", "expected a string, got 3");
}

/* --- job names and references --- */

Test(config_errors, a_job_name_with_a_space_is_rejected)
{
	assert_load_fails("{\"jobs\": {\"my site\": {\"cmd\": \"x\"}}}", "jobs",
	    "invalid job name \"my site\"");
}

Test(config_errors, an_empty_job_name_is_rejected)
{
	assert_load_fails("{\"jobs\": {\"\": {\"cmd\": \"x\"}}}", "jobs",
	    "invalid job name \"\"");
}

Test(config_errors, a_job_name_of_64_characters_is_too_long)
{
	char json[256], name[65];

	memset(name, 'a', 64);
	name[64] = '\0';
	snprintf(
	    json, sizeof(json), "{\"jobs\": {\"%s\": {\"cmd\": \"x\"}}}", name);
	assert_load_fails(json, "jobs", "expected 1 to 63");
}

Test(config_errors, an_unknown_dependency_suggests_a_job)
{
	assert_load_fails(
	    "{\"jobs\": {\"css\": {\"cmd\": \"x\"}, \"js\": {\"cmd\": \"y\"}, "
	    "\"site\": {\"cmd\": \"z\", \"after\": [\"js\", \"csss\"]}}}",
	    "jobs.site.after[1]",
	    "unknown job \"csss\"; did you mean \"css\"?");
}

Test(config_errors, a_job_cannot_come_after_itself)
{
	assert_load_fails(
	    "{\"jobs\": {\"site\": {\"cmd\": \"x\", \"after\": [\"site\"]}}}",
	    "jobs.site.after[0]", "cannot come after itself");
}

Test(config_errors, a_dependency_listed_twice_is_rejected)
{
	assert_load_fails("{\"jobs\": {\"css\": {\"cmd\": \"x\"}, \"site\": "
	                  "{\"cmd\": \"z\", \"after\": [\"css\", \"css\"]}}}",
	    "jobs.site.after[1]", "\"css\" is listed twice");
}

Test(config_errors, a_two_job_cycle_is_named)
{
	assert_load_fails("{\"jobs\": {\"a\": {\"cmd\": \"x\", \"after\": "
	                  "[\"b\"]}, \"b\": {\"cmd\": \"y\", \"after\": "
	                  "[\"a\"]}}}",
	    "jobs", "dependency cycle: a -> b -> a");
}

Test(config_errors, a_longer_cycle_is_named_from_where_it_closes)
{
	assert_load_fails(
	    "{\"jobs\": {\"top\": {\"cmd\": \"x\", \"after\": [\"a\"]},"
	    " \"a\": {\"cmd\": \"x\", \"after\": [\"b\"]},"
	    " \"b\": {\"cmd\": \"x\", \"after\": [\"c\"]},"
	    " \"c\": {\"cmd\": \"x\", \"after\": [\"a\"]}}}",
	    "jobs", "dependency cycle: a -> b -> c -> a");
}

/* --- serve, watch, shutdown --- */

Test(config_errors, an_http_address_without_a_port_is_rejected)
{
	assert_load_fails("{\"serve\": {\"http\": \"localhost\"}}",
	    "serve.http", "expected \"HOST:PORT\"");
}

Test(config_errors, an_http_port_above_65535_is_rejected)
{
	assert_load_fails("{\"serve\": {\"http\": \"127.0.0.1:70000\"}}",
	    "serve.http", "got \"127.0.0.1:70000\"");
}

Test(config_errors, a_udp_address_with_a_host_name_is_rejected)
{
	assert_load_fails("{\"serve\": {\"udp\": \"example.com:53\"}}",
	    "serve.udp", "expected \"HOST:PORT\"");
}

Test(config_errors, a_udp_log_without_a_udp_port_is_rejected)
{
	/* Nothing would ever be written to it: a mistake, not a choice. */
	assert_load_fails("{\"serve\": {\"udp_log\": \"udp.log\"}}",
	    "serve.udp_log", "needs serve.udp");
	assert_load_fails(
	    "{\"serve\": {\"udp\": null, \"udp_log\": \"udp.log\"}}",
	    "serve.udp_log", "needs serve.udp");
}

Test(config_errors, livereload_as_a_string_is_rejected)
{
	assert_load_fails("{\"serve\": {\"livereload\": \"yes\"}}",
	    "serve.livereload", "expected true or false, got \"yes\"");
}

Test(config_errors, an_empty_root_is_rejected)
{
	assert_load_fails("{\"serve\": {\"root\": \"\"}}", "serve.root",
	    "expected a non-empty string");
}

Test(config_errors, serve_as_true_is_rejected)
{
	assert_load_fails(
	    "{\"serve\": true}", "serve", "expected an object, got true");
}

Test(config_errors, a_fractional_debounce_is_rejected)
{
	assert_load_fails("{\"watch\": {\"debounce_ms\": 1.5}}",
	    "watch.debounce_ms",
	    "expected a whole number of milliseconds from 0 to 60000, got 1.5");
}

Test(config_errors, a_debounce_above_a_minute_is_rejected)
{
	assert_load_fails("{\"watch\": {\"debounce_ms\": 60001}}",
	    "watch.debounce_ms", "got 60001");
}

Test(config_errors, a_poll_interval_outside_50_to_60000_is_rejected)
{
	assert_load_fails("{\"watch\": {\"poll_ms\": 0}}", "watch.poll_ms",
	    "expected a whole number of milliseconds from 50 to 60000, got 0");
	assert_load_fails(
	    "{\"watch\": {\"poll_ms\": 60001}}", "watch.poll_ms", "got 60001");
	assert_load_fails(
	    "{\"watch\": {\"poll_ms\": 100.5}}", "watch.poll_ms", "got 100.5");
	assert_load_fails("{\"watch\": {\"poll_ms\": \"100\"}}",
	    "watch.poll_ms", "got \"100\"");
}

Test(config_errors, a_non_string_ignore_entry_is_named_by_index)
{
	assert_load_fails("{\"watch\": {\"ignore\": [\"*.tmp\", 1]}}",
	    "watch.ignore[1]", "expected a non-empty string, got 1");
}

Test(config_errors, a_grace_as_a_string_is_rejected)
{
	assert_load_fails("{\"shutdown\": {\"grace\": \"10\"}}",
	    "shutdown.grace", "expected a number of seconds >= 0, got \"10\"");
}

Test(config_errors, every_mistake_is_reported_in_file_order)
{
	static const char *const want[] = {"jobs.a.cmd", "got 1", "jobs.b.cmd",
	    "got 2", "serve.spa", "expected true or false"};

	assert_load_fails_all("{\"jobs\": {\"a\": {\"cmd\": 1}, \"b\": "
	                      "{\"cmd\": 2}}, \"serve\": {\"spa\": 1}}",
	    want, CFG_NELEM_T(want));
}

/* --- syntax --- */

Test(config_errors, a_missing_value_gives_line_and_column)
{
	assert_syntax_error(
	    "{\"jobs\": }", 1, 10, "expected a value for \"jobs\", got }");
}

Test(config_errors, a_trailing_comma_is_named_at_the_comma)
{
	/* cJSON stops one byte past the '}' that should have been a key. */
	assert_syntax_error("{\n  \"jobs\": {\n    \"a\": {\"cmd\": \"x\",}\n"
	                    "  }\n}\n",
	    3, 21, "trailing comma before } (JSON allows none)");
	assert_syntax_error(
	    "{\"jobs\": {\"a\": {\"cmd\": [\"x\", \"y\",\n ]}}}", 1, 33,
	    "trailing comma before ] (JSON allows none)");
}

Test(config_errors, a_comma_inside_a_string_is_no_trailing_comma)
{
	assert_syntax_error("{\"jobs\": {\"a\": {\"cmd\": \"x,}\" }}, }", 1, 32,
	    "trailing comma before }");
}

Test(config_errors, trailing_characters_are_rejected)
{
	assert_syntax_error("{}\n}", 2, 1, "unexpected trailing characters");
}

Test(config_errors, a_truncated_document_reports_the_end)
{
	assert_syntax_error("{\"jobs\": {\n", 2, 1,
	    "unexpected end of input: missing } to close \"jobs\" (opened "
	    "at 1:10)");
}

Test(config_errors, an_unterminated_block_comment_gives_its_start)
{
	assert_syntax_error(
	    "{\n  /* jobs\n}\n", 2, 3, "unterminated /* comment");
}

Test(config_errors, line_numbers_count_lines_inside_comments)
{
	assert_syntax_error("/* one\n two\n three */\n// four\n{\"jobs\" 1}", 5,
	    9, "missing : after \"jobs\"");
}

Test(config_errors, a_nul_byte_is_a_syntax_error)
{
	struct cfg c;
	struct cfg_err err;

	cr_assert(eq(int, cfg_load_buf("t.json", "{}\0{}", 5, &c, &err), -1));
	cr_assert(eq(str, err.e_msg, "unexpected NUL byte"));
	cr_assert(eq(int, err.e_line, 1));
	cr_assert(eq(int, err.e_col, 3));
}

Test(config_errors, an_empty_document_is_rejected)
{
	assert_load_fails("  \n // nothing\n", "", "empty document");
}
