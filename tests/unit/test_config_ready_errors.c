/* SPDX-License-Identifier: ISC */
/*
 * tests/unit/test_config_ready_errors.c
 * Every mistake in a job's "ready" object and "restart_limit" is
 * reported at its path with what was expected (and nothing half-loaded).
 */
#include <regex.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "test_config.h"

#define API(fields) \
	"{\"jobs\": {\"api\": {\"cmd\": \"./api\", \"kind\": \"service\", " fields \
	"}}}"

Test(config_ready_errors, two_probes_are_rejected_at_the_ready_object)
{
	assert_load_fails(API("\"ready\": {\"tcp\": \"127.0.0.1:1\", \"log\": "
	                      "\"x\"}"),
	    "jobs.api.ready",
	    "expected exactly one of \"tcp\", \"http\", \"file\", \"log\", "
	    "\"notify\", got both \"tcp\" and \"log\"");
}

Test(config_ready_errors, no_probe_is_rejected_at_the_ready_object)
{
	assert_load_fails(API("\"ready\": {\"timeout\": 5}"), "jobs.api.ready",
	    "expected exactly one of \"tcp\", \"http\", \"file\", \"log\", "
	    "\"notify\", got none");
}

Test(config_ready_errors, an_empty_ready_object_is_rejected)
{
	assert_load_fails(
	    API("\"ready\": {}"), "jobs.api.ready", "expected exactly one of");
}

Test(config_ready_errors, a_misspelt_probe_suggests_the_right_one)
{
	assert_load_fails(API("\"ready\": {\"tpc\": \"127.0.0.1:1\"}"),
	    "jobs.api.ready", "unknown key \"tpc\"; did you mean \"tcp\"?");
}

Test(config_ready_errors, a_misspelt_timing_key_suggests_the_right_one)
{
	assert_load_fails(API("\"ready\": {\"log\": \"x\", \"intervall\": 1}"),
	    "jobs.api.ready",
	    "unknown key \"intervall\"; did you mean \"interval\"?");
}

Test(config_ready_errors, ready_as_a_string_is_rejected)
{
	assert_load_fails(API("\"ready\": \"tcp\""), "jobs.api.ready",
	    "expected an object with one of \"tcp\"");
}

Test(config_ready_errors, a_tcp_address_without_a_port_is_rejected)
{
	assert_load_fails(API("\"ready\": {\"tcp\": \"localhost\"}"),
	    "jobs.api.ready.tcp",
	    "expected \"HOST:PORT\" with an IPv4 address, localhost or [IPv6] "
	    "and a port from 1 to 65535, got \"localhost\"");
}

Test(config_ready_errors, a_tcp_port_of_zero_is_rejected)
{
	assert_load_fails(API("\"ready\": {\"tcp\": \"127.0.0.1:0\"}"),
	    "jobs.api.ready.tcp", "a port from 1 to 65535");
}

Test(config_ready_errors, a_tcp_host_name_that_needs_dns_is_rejected)
{
	assert_load_fails(API("\"ready\": {\"tcp\": \"db.internal:5432\"}"),
	    "jobs.api.ready.tcp", "got \"db.internal:5432\"");
}

Test(config_ready_errors, a_tcp_target_that_is_a_number_is_rejected)
{
	assert_load_fails(API("\"ready\": {\"tcp\": 5432}"),
	    "jobs.api.ready.tcp", "expected a non-empty string, got 5432");
}

Test(config_ready_errors, https_is_rejected_with_a_clear_reason)
{
	assert_load_fails(
	    API("\"ready\": {\"http\": \"https://localhost:8443/\"}"),
	    "jobs.api.ready.http", "https is not supported");
}

Test(config_ready_errors, an_http_url_without_scheme_is_rejected)
{
	assert_load_fails(API("\"ready\": {\"http\": \"localhost:8080/\"}"),
	    "jobs.api.ready.http",
	    "expected a URL \"http://HOST[:PORT][/PATH]\", got "
	    "\"localhost:8080/\"");
}

Test(config_ready_errors, an_http_url_without_host_is_rejected)
{
	assert_load_fails(API("\"ready\": {\"http\": \"http:///health\"}"),
	    "jobs.api.ready.http", "as HOST and a port from 1 to 65535");
}

Test(config_ready_errors, an_http_port_out_of_range_is_rejected)
{
	assert_load_fails(
	    API("\"ready\": {\"http\": \"http://127.0.0.1:70000/\"}"),
	    "jobs.api.ready.http", "a port from 1 to 65535");
	assert_load_fails(API("\"ready\": {\"http\": \"http://127.0.0.1:0/\"}"),
	    "jobs.api.ready.http", "a port from 1 to 65535");
}

Test(config_ready_errors, an_http_host_name_that_needs_dns_is_rejected)
{
	assert_load_fails(API("\"ready\": {\"http\": \"http://example.com/\"}"),
	    "jobs.api.ready.http", "with an IPv4 address, localhost or [IPv6]");
}

Test(config_ready_errors, an_http_url_with_a_space_is_rejected)
{
	assert_load_fails(
	    API("\"ready\": {\"http\": \"http://localhost/a b\"}"),
	    "jobs.api.ready.http", "without spaces or control characters");
}

Test(config_ready_errors, an_empty_file_is_rejected)
{
	assert_load_fails(API("\"ready\": {\"file\": \"\"}"),
	    "jobs.api.ready.file", "expected a non-empty string");
}

Test(config_ready_errors, an_invalid_regex_gives_regerror_text)
{
	struct cfg c;
	struct cfg_err err;
	const char *json = API("\"ready\": {\"log\": \"listening (on\"}");
	char want[160];
	regex_t rx;
	int rc;

	/* Whatever this libc says about the mistake is in the message. */
	rc = regcomp(&rx, "listening (on", REG_EXTENDED | REG_NOSUB);
	cr_assert(ne(int, rc, 0));
	regerror(rc, &rx, want, sizeof(want));
	cr_assert(eq(
	    int, cfg_load_buf("tend.json", json, strlen(json), &c, &err), -1));
	cr_assert(eq(str, err.e_path, "jobs.api.ready.log"));
	cr_assert(strstr(err.e_msg,
	              "invalid regular expression \"listening (on\": ") != NULL,
	    "%s", err.e_msg);
	cr_assert(strstr(err.e_msg, want) != NULL, "%s", err.e_msg);
}

Test(config_ready_errors, notify_false_is_rejected)
{
	assert_load_fails(API("\"ready\": {\"notify\": false}"),
	    "jobs.api.ready.notify", "expected true, got false");
}

Test(config_ready_errors, a_zero_timeout_is_rejected)
{
	assert_load_fails(API("\"ready\": {\"notify\": true, \"timeout\": 0}"),
	    "jobs.api.ready.timeout", "expected a number of seconds > 0");
}

Test(config_ready_errors, a_negative_interval_is_rejected)
{
	assert_load_fails(API("\"ready\": {\"file\": \"x\", \"interval\": -1}"),
	    "jobs.api.ready.interval", "got -1");
}

Test(config_ready_errors, a_restart_limit_above_1000_is_rejected)
{
	assert_load_fails(API("\"restart_limit\": 1001"),
	    "jobs.api.restart_limit",
	    "expected a whole number from 0 to 1000, got 1001");
}

Test(config_ready_errors, a_fractional_or_string_restart_limit_is_rejected)
{
	assert_load_fails(
	    API("\"restart_limit\": 2.5"), "jobs.api.restart_limit", "got 2.5");
	assert_load_fails(API("\"restart_limit\": \"5\""),
	    "jobs.api.restart_limit", "got \"5\"");
	assert_load_fails(
	    API("\"restart_limit\": -1"), "jobs.api.restart_limit", "got -1");
}

Test(config_ready_errors, a_misspelt_restart_limit_suggests_the_right_key)
{
	assert_load_fails(API("\"restart_limt\": 3"), "jobs.api",
	    "unknown key \"restart_limt\"; did you mean \"restart_limit\"?");
}

Test(config_ready_errors, a_stacked_repetition_in_a_log_pattern_is_refused)
{
	/* glibc's regcomp would take exponential memory (found by fuzzing). */
	struct cfg c;
	struct cfg_err e;
	const char *doc =
	    "{\"jobs\": {\"api\": {\"cmd\": \"./api\", \"ready\": "
	    "{\"log\": \"a++++++++++++++++++++++++\"}}}}";

	cr_assert_eq(cfg_load_buf("t.json", doc, strlen(doc), &c, &e), -1);
	cr_assert_str_eq(e.e_path, "jobs.api.ready.log");
	cr_assert(
	    strstr(e.e_msg, "repetition operator follows another") != NULL,
	    "%s", e.e_msg);
}

Test(config_ready_errors, a_log_pattern_longer_than_256_bytes_is_refused)
{
	struct cfg c;
	struct cfg_err e;
	char doc[1024];
	char re[300];

	memset(re, 'x', sizeof(re) - 1);
	re[sizeof(re) - 1] = '\0';
	snprintf(doc, sizeof(doc),
	    "{\"jobs\": {\"api\": {\"cmd\": \"./api\", \"ready\": {\"log\": "
	    "\"%s\"}}}}",
	    re);
	cr_assert_eq(cfg_load_buf("t.json", doc, strlen(doc), &c, &e), -1);
	cr_assert(strstr(e.e_msg, "at most 256 bytes") != NULL, "%s", e.e_msg);
}

Test(config_ready_errors, a_log_pattern_with_huge_nested_counts_is_refused)
{
	struct cfg c;
	struct cfg_err e;
	const char *doc =
	    "{\"jobs\": {\"api\": {\"cmd\": \"./api\", \"ready\": "
	    "{\"log\": \"((a{1,200}){1,200}){1,200}\"}}}}";
	const char *fine =
	    "{\"jobs\": {\"api\": {\"cmd\": \"./api\", \"ready\": "
	    "{\"log\": \"^(GET|POST) /[a-z]{1,16}\"}}}}";

	cr_assert_eq(cfg_load_buf("t.json", doc, strlen(doc), &c, &e), -1);
	cr_assert(strstr(e.e_msg, "repetitions are too large") != NULL, "%s",
	    e.e_msg);
	cr_assert_eq(cfg_load_buf("t.json", fine, strlen(fine), &c, &e), 0,
	    "%s", e.e_msg);
	cfg_free(&c);
}
