/* SPDX-License-Identifier: ISC */
/*
 * tests/unit/test_config_load.c
 * What a correct tend.json turns into: defaults, comments, the two forms
 * of cmd, and the normalised output with its round trip.
 */
#include <sys/stat.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "support.h"
#include "test_config.h"

/* The example from DESIGN.md, with comments as a person would write. */
static const char design_example[] =
    "{\n"
    "  // three jobs\n"
    "  \"jobs\": {\n"
    "    \"css\":  { \"cmd\": [\"sass\", \"src/main.scss\", "
    "\"public/main.css\"], \"watch\": [\"src/**/*.scss\"] },\n"
    "    \"site\": { \"cmd\": \"make site\", \"watch\": [\"content\", "
    "\"layouts\"], \"after\": [\"css\"] },\n"
    "    \"api\":  { \"cmd\": [\"python3\", \"api.py\"], \"kind\": "
    "\"service\", \"watch\": [\"api\"],\n"
    "              \"stop_signal\": \"SIGTERM\", \"stop_timeout\": 5, "
    "\"restart\": \"on-failure\" }\n"
    "  },\n"
    "  /* the server */\n"
    "  \"serve\": { \"root\": \"public\", \"http\": \"127.0.0.1:8000\", "
    "\"udp\": \"127.0.0.1:8001\",\n"
    "             \"livereload\": true, \"hold_during_build\": true, "
    "\"drain_timeout\": 5 },\n"
    "  \"watch\": { \"debounce_ms\": 50, \"ignore\": [\"*.tmp\"] },\n"
    "  \"shutdown\": { \"grace\": 10 }\n"
    "}\n";

Test(config_load, an_empty_document_gets_every_default)
{
	struct cfg c;

	load_ok("{}", &c);
	cr_assert(eq(sz, c.c_njobs, 0));
	cr_assert(eq(str, c.c_file, "tend.json"));
	cr_assert(not(c.c_serve.s_enabled));
	cr_assert(eq(str, c.c_serve.s_root, "."));
	cr_assert(eq(str, c.c_serve.s_http, "127.0.0.1:8000"));
	cr_assert(eq(ptr, c.c_serve.s_udp, NULL));
	cr_assert(eq(ptr, c.c_serve.s_udp_log, NULL));
	cr_assert(c.c_serve.s_livereload);
	cr_assert(c.c_serve.s_hold_during_build == 10.0);
	cr_assert(not(c.c_serve.s_spa));
	cr_assert(eq(dbl, c.c_serve.s_drain_timeout, 5));
	cr_assert(eq(uint, c.c_debounce_ms, 50));
	cr_assert(eq(sz, c.c_ignore.n, 0));
	cr_assert(eq(dbl, c.c_grace, 10));
	cfg_free(&c);
}

Test(config_load, an_empty_serve_section_turns_serving_on)
{
	struct cfg c;

	load_ok("{\"serve\": {}, \"jobs\": {}}", &c);
	cr_assert(c.c_serve.s_enabled);
	cr_assert(eq(str, c.c_serve.s_http, "127.0.0.1:8000"));
	cfg_free(&c);
}

Test(config_load, cfg_init_enables_serving_with_defaults)
{
	struct cfg c;

	cfg_init(&c);
	cr_assert(c.c_serve.s_enabled);
	cr_assert(eq(str, c.c_serve.s_root, "."));
	cr_assert(eq(uint, c.c_debounce_ms, 50));
	cr_assert(eq(dbl, c.c_grace, 10));
	cr_assert(eq(ptr, c.c_file, NULL));
	cfg_free(&c);
}

Test(config_load, a_task_gets_task_defaults)
{
	struct cfg c;
	const struct cfg_job *j;

	load_ok("{\"jobs\": {\"site\": {\"cmd\": \"make site\"}}}", &c);
	j = job(&c, "site");
	cr_assert(eq(int, j->j_kind, JOB_TASK));
	cr_assert(eq(int, j->j_on_busy, BUSY_QUEUE));
	cr_assert(eq(int, j->j_stop_signal, SIGINT));
	cr_assert(eq(int, j->j_restart, RESTART_NEVER));
	cr_assert(eq(dbl, j->j_stop_timeout, 5));
	cr_assert(eq(dbl, j->j_timeout, 0));
	cr_assert(eq(ptr, j->j_cwd, NULL));
	cr_assert(eq(sz, j->j_env.n, 0));
	cr_assert(eq(sz, j->j_after.n, 0));
	cfg_free(&c);
}

Test(config_load, a_service_gets_service_defaults_whatever_the_key_order)
{
	struct cfg c;
	const struct cfg_job *j;

	load_ok("{\"jobs\": {\"api\": {\"cmd\": \"./api\", \"kind\": "
	        "\"service\"}}}",
	    &c);
	j = job(&c, "api");
	cr_assert(eq(int, j->j_kind, JOB_SERVICE));
	cr_assert(eq(int, j->j_on_busy, BUSY_RESTART));
	cr_assert(eq(int, j->j_stop_signal, SIGTERM));
	cr_assert(eq(int, j->j_restart, RESTART_ON_FAILURE));
	cfg_free(&c);
}

Test(config_load, explicit_values_beat_the_kind_defaults)
{
	struct cfg c;
	const struct cfg_job *j;

	load_ok("{\"jobs\": {\"api\": {\"on_busy\": \"signal\", \"restart\": "
	        "\"always\", \"stop_signal\": \"HUP\", \"cmd\": \"./api\", "
	        "\"kind\": \"service\", \"stop_timeout\": 0.5, \"timeout\": "
	        "30}}}",
	    &c);
	j = job(&c, "api");
	cr_assert(eq(int, j->j_on_busy, BUSY_SIGNAL));
	cr_assert(eq(int, j->j_restart, RESTART_ALWAYS));
	cr_assert(eq(int, j->j_stop_signal, SIGHUP));
	cr_assert(eq(dbl, j->j_stop_timeout, 0.5));
	cr_assert(eq(dbl, j->j_timeout, 30));
	cfg_free(&c);
}

Test(config_load, a_string_cmd_runs_with_sh_c)
{
	struct cfg c;
	const struct cfg_job *j;

	load_ok(
	    "{\"jobs\": {\"site\": {\"cmd\": \"make site && echo ok\"}}}", &c);
	j = job(&c, "site");
	cr_assert(j->j_shell);
	cr_assert(eq(sz, j->j_argv.n, 3));
	cr_assert(eq(str, j->j_argv.v[0], "/bin/sh"));
	cr_assert(eq(str, j->j_argv.v[1], "-c"));
	cr_assert(eq(str, j->j_argv.v[2], "make site && echo ok"));
	cr_assert(eq(ptr, j->j_argv.v[3], NULL));
	cfg_free(&c);
}

Test(config_load, an_array_cmd_is_the_argv_itself)
{
	struct cfg c;
	const struct cfg_job *j;

	load_ok(
	    "{\"jobs\": {\"css\": {\"cmd\": [\"sass\", \"\", \"a b\"]}}}", &c);
	j = job(&c, "css");
	cr_assert(not(j->j_shell));
	cr_assert(eq(sz, j->j_argv.n, 3));
	cr_assert(eq(str, j->j_argv.v[0], "sass"));
	cr_assert(eq(str, j->j_argv.v[1], ""));
	cr_assert(eq(str, j->j_argv.v[2], "a b"));
	cr_assert(eq(ptr, j->j_argv.v[3], NULL));
	cfg_free(&c);
}

Test(config_load, jobs_and_env_keep_file_order)
{
	struct cfg c;
	const struct cfg_job *j;
	char dir[64], sub[80];

	/* A cwd must exist (relative to tend's own working directory). */
	tmp_make(dir, sizeof(dir));
	snprintf(sub, sizeof(sub), "%s/sub", dir);
	cr_assert(eq(int, mkdir(sub, 0700), 0));
	snprintf(sub, sizeof(sub), "%s/sub/dir", dir);
	cr_assert(eq(int, mkdir(sub, 0700), 0));
	cr_assert(eq(int, chdir(dir), 0));
	load_ok("{\"jobs\": {\"z\": {\"cmd\": \"x\", \"env\": {\"B\": \"1\", "
	        "\"A_2\": \"\", \"_x\": \"a=b\"}}, \"a\": {\"cmd\": \"y\", "
	        "\"cwd\": \"sub/dir\"}}}",
	    &c);
	cr_assert(eq(sz, c.c_njobs, 2));
	cr_assert(eq(str, c.c_jobs[0].j_name, "z"));
	cr_assert(eq(str, c.c_jobs[1].j_name, "a"));
	j = job(&c, "z");
	cr_assert(eq(sz, j->j_env.n, 3));
	cr_assert(eq(str, j->j_env.v[0], "B=1"));
	cr_assert(eq(str, j->j_env.v[1], "A_2="));
	cr_assert(eq(str, j->j_env.v[2], "_x=a=b"));
	cr_assert(eq(str, job(&c, "a")->j_cwd, "sub/dir"));
	cfg_free(&c);
	tmp_remove(dir);
}

Test(config_load, the_design_example_loads)
{
	struct cfg c;
	const struct cfg_job *j;

	load_ok(design_example, &c);
	cr_assert(eq(sz, c.c_njobs, 3));
	j = job(&c, "site");
	cr_assert(eq(sz, j->j_after.n, 1));
	cr_assert(eq(str, j->j_after.v[0], "css"));
	cr_assert(eq(sz, j->j_watch.n, 2));
	cr_assert(eq(str, j->j_watch.v[1], "layouts"));
	cr_assert(c.c_serve.s_enabled);
	cr_assert(eq(str, c.c_serve.s_root, "public"));
	cr_assert(eq(str, c.c_serve.s_udp, "127.0.0.1:8001"));
	cr_assert(eq(sz, c.c_ignore.n, 1));
	cr_assert(eq(str, c.c_ignore.v[0], "*.tmp"));
	cfg_free(&c);
}

Test(config_load, the_schema_key_is_accepted_and_ignored)
{
	struct cfg c;

	load_ok("{\"$schema\": \"./tend.schema.json\", \"jobs\": {}}", &c);
	cr_assert(eq(sz, c.c_njobs, 0));
	cfg_free(&c);
}

Test(config_load, null_turns_udp_and_cwd_off)
{
	struct cfg c;

	load_ok("{\"serve\": {\"udp\": null, \"udp_log\": null}, \"jobs\": "
	        "{\"a\": {\"cmd\": \"x\", \"cwd\": null}}}",
	    &c);
	cr_assert(eq(ptr, c.c_serve.s_udp, NULL));
	cr_assert(eq(ptr, c.c_jobs[0].j_cwd, NULL));
	cfg_free(&c);
}

Test(config_load, ipv6_and_localhost_addresses_are_accepted)
{
	struct cfg c;

	load_ok("{\"serve\": {\"http\": \"[::1]:0\", \"udp\": "
	        "\"localhost:9000\", \"udp_log\": \"events.log\"}}",
	    &c);
	cr_assert(eq(str, c.c_serve.s_http, "[::1]:0"));
	cr_assert(eq(str, c.c_serve.s_udp, "localhost:9000"));
	cr_assert(eq(str, c.c_serve.s_udp_log, "events.log"));
	cfg_free(&c);
}

Test(config_load, signal_numbers_and_short_names_are_accepted)
{
	struct cfg c;

	load_ok("{\"jobs\": {\"a\": {\"cmd\": \"x\", \"stop_signal\": 9}, "
	        "\"b\": {\"cmd\": \"x\", \"stop_signal\": \"USR1\"}, "
	        "\"c\": {\"cmd\": \"x\", \"stop_signal\": \"34\"}}}",
	    &c);
	cr_assert(eq(int, job(&c, "a")->j_stop_signal, SIGKILL));
	cr_assert(eq(int, job(&c, "b")->j_stop_signal, SIGUSR1));
	cr_assert(eq(int, job(&c, "c")->j_stop_signal, 34));
	cfg_free(&c);
}

/* --- comments --- */

Test(config_load, comments_of_both_kinds_are_allowed)
{
	struct cfg c;

	load_ok("// leading\n{ /* inline */ \"jobs\": { // after a brace\n"
	        "\"a\": {\"cmd\": \"x\"} /* multi\nline */ }\n} // trailing",
	    &c);
	cr_assert(eq(sz, c.c_njobs, 1));
	cfg_free(&c);
}

Test(config_load, comment_markers_inside_strings_are_left_intact)
{
	struct cfg c;

	load_ok(
	    "{\"jobs\": {\"a\": {\"cmd\": \"curl http://x/*y*/ // z\"}}}", &c);
	cr_assert(eq(str, c.c_jobs[0].j_argv.v[2], "curl http://x/*y*/ // z"));
	cfg_free(&c);
}

Test(config_load, escaped_quotes_do_not_end_a_string_early)
{
	struct cfg c;

	/* The \" must not end the string, or the // would eat the rest. */
	load_ok("{\"jobs\": {\"a\": {\"cmd\": \"echo \\\"//\\\" \\\\\"}}} // c",
	    &c);
	cr_assert(eq(str, c.c_jobs[0].j_argv.v[2], "echo \"//\" \\"));
	cfg_free(&c);
}

Test(config_load, a_byte_order_mark_is_ignored)
{
	struct cfg c;

	load_ok("\xef\xbb\xbf{}", &c);
	cfg_free(&c);
}

/* --- cfg_to_json --- */

/* Print, load the print, print again: the two prints are the same text. */
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
	cr_assert(eq(int, again.c_serve.s_enabled, c->c_serve.s_enabled));
	cr_assert(eq(sz, again.c_njobs, c->c_njobs));
	free(one);
	free(two);
	cfg_free(&again);
}

Test(config_load, the_design_example_survives_a_round_trip)
{
	struct cfg c;

	load_ok(design_example, &c);
	assert_round_trip(&c);
	cfg_free(&c);
}

Test(config_load, a_config_without_serve_survives_a_round_trip)
{
	struct cfg c;

	load_ok("{\"jobs\": {\"t\": {\"cmd\": [\"true\"], \"env\": {\"A\": "
	        "\"b=c\"}, \"stop_signal\": 40, \"timeout\": 0.25, "
	        "\"cwd\": \".\", \"ignore\": [\"*.o\"]}}}",
	    &c);
	assert_round_trip(&c);
	cfg_free(&c);
}

Test(config_load, a_config_built_in_code_survives_a_round_trip)
{
	struct cfg c;

	cfg_init(&c);
	cr_assert(ne(ptr, cfg_add_job(&c, "build", "make -j4 'a b'"), NULL));
	assert_round_trip(&c);
	cfg_free(&c);
}

Test(config_load, the_output_spells_out_defaults_and_cmd_as_written)
{
	struct cfg c;
	char *s;

	load_ok("{\"jobs\": {\"site\": {\"cmd\": \"make site\"}, \"css\": "
	        "{\"cmd\": [\"sass\", \"x\"]}}, \"serve\": {}}",
	    &c);
	s = cfg_to_json(&c);
	cr_assert(ne(ptr, s, NULL));
	cr_assert(strstr(s, "\"cmd\":\t\"make site\"") != NULL, "%s", s);
	cr_assert(strstr(s, "\"cmd\":\t[\"sass\", \"x\"]") != NULL, "%s", s);
	cr_assert(strstr(s, "\"stop_signal\":\t\"SIGINT\"") != NULL, "%s", s);
	cr_assert(strstr(s, "\"on_busy\":\t\"queue\"") != NULL, "%s", s);
	cr_assert(strstr(s, "\"http\":\t\"127.0.0.1:8000\"") != NULL, "%s", s);
	cr_assert(strstr(s, "\"udp\":\tnull") != NULL, "%s", s);
	cr_assert(strstr(s, "\"debounce_ms\":\t50") != NULL, "%s", s);
	cr_assert(strstr(s, "\"grace\":\t10") != NULL, "%s", s);
	/* Not forced, not written: 0 would not load again. */
	cr_assert(strstr(s, "poll_ms") == NULL, "%s", s);
	free(s);
	cfg_free(&c);
}

Test(config_load, a_forced_poll_interval_is_read_and_written)
{
	struct cfg c;
	char *s;

	load_ok("{\"watch\": {\"poll_ms\": 250}}", &c);
	cr_assert(eq(uint, c.c_poll_ms, 250));
	s = cfg_to_json(&c);
	cr_assert(strstr(s, "\"poll_ms\":\t250") != NULL, "%s", s);
	free(s);
	cfg_free(&c);
	load_ok("{\"watch\": {\"poll_ms\": 50.0}}", &c);
	cr_assert(eq(uint, c.c_poll_ms, 50));
	cfg_free(&c);
	load_ok("{}", &c);
	cr_assert(eq(uint, c.c_poll_ms, 0)); /* inotify */
	cfg_free(&c);
}
