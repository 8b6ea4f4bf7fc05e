/* SPDX-License-Identifier: ISC */
/*
 * tests/unit/test_config_env.c
 * A job's environment from files (config/load_env.c): the .env beside
 * tend.json, env_file, env, tend's own environment, in their order; the
 * "dotenv" switch; errors naming the file and line; what `tend check`
 * prints about it; the keys in the normalised output and its round trip.
 */
#include <sys/stat.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "test_config.h"

static char tmpdir[PATH_MAX];

static void
make_tmpdir(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/tend-env-XXXXXX");
	cr_assert(ne(ptr, mkdtemp(tmpdir), NULL));
	/* Criterion runs each test in its own process: this stays there. */
	unsetenv("TEND_T_A");
	unsetenv("TEND_T_B");
}

static void
remove_tmpdir(void)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	(void)system(cmd);
}

TestSuite(config_env, .init = make_tmpdir, .fini = remove_tmpdir);

static void
put(const char *name, const char *text)
{
	char path[PATH_MAX * 2];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	cr_assert(ne(ptr, f = fopen(path, "w"), NULL), "%s", path);
	fputs(text, f);
	cr_assert(eq(int, fclose(f), 0));
}

static void
subdir(const char *name)
{
	char path[PATH_MAX * 2];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	cr_assert(eq(int, mkdir(path, 0755), 0));
}

static int
load(const char *name, struct cfg *c, struct cfg_err *err)
{
	char path[PATH_MAX * 2];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	return cfg_load_file(path, c, err);
}

static void
load_file_ok(const char *name, struct cfg *c)
{
	struct cfg_err err;
	char line[1024];

	if (load(name, c, &err) != 0) {
		cfg_err_format(&err, line, sizeof(line));
		cr_fatal("unexpected error: %s", line);
	}
}

/* The value job j passes for name, or NULL. */
static const char *
env_of(const struct cfg_job *j, const char *name)
{
	size_t len = strlen(name);

	for (size_t i = 0; i < j->j_env.n; i++)
		if (strncmp(j->j_env.v[i], name, len) == 0 &&
		    j->j_env.v[i][len] == '=')
			return j->j_env.v[i] + len + 1;
	return NULL;
}

static void
load_file_fails(const char *name, const char *formatted)
{
	struct cfg c;
	struct cfg_err err;
	char line[2048];

	cr_assert(eq(int, load(name, &c, &err), -1), "loaded %s", name);
	cfg_err_format(&err, line, sizeof(line));
	cr_assert(strstr(line, formatted) != NULL, "\"%s\" lacks \"%s\"", line,
	    formatted);
	assert_cfg_empty(&c);
}

Test(config_env, the_dotenv_beside_the_config_reaches_every_job)
{
	struct cfg c;

	put("tend.json",
	    "{\"jobs\": {\"a\": {\"cmd\": \"x\"}, \"b\": "
	    "{\"cmd\": \"y\", \"env\": {\"OWN\": \"1\"}}}}");
	put(".env", "# settings\nTEND_T_A=from dotenv\nexport S='q v'\n");
	load_file_ok("tend.json", &c);
	cr_assert(c.c_dotenv);
	cr_assert(
	    eq(str, (char *)env_of(job(&c, "a"), "TEND_T_A"), "from dotenv"));
	cr_assert(eq(str, (char *)env_of(job(&c, "a"), "S"), "q v"));
	cr_assert(eq(str, (char *)env_of(job(&c, "b"), "S"), "q v"));
	cr_assert(eq(str, (char *)env_of(job(&c, "b"), "OWN"), "1"));
	/* "env" as written stays apart from what was merged into it. */
	cr_assert(eq(sz, job(&c, "b")->j_env_own.n, 1));
	cfg_free(&c);
}

Test(config_env, tends_own_environment_wins_over_dotenv_only)
{
	struct cfg c;
	const struct cfg_job *j;

	setenv("TEND_T_A", "from tend", 1);
	setenv("TEND_T_B", "from tend", 1);
	put("tend.json",
	    "{\"jobs\": {\"a\": {\"cmd\": \"x\", \"env_file\": "
	    "\"f.env\"}}}");
	put(".env", "TEND_T_A=dotenv\nTEND_T_B=dotenv\n");
	put("f.env", "TEND_T_B=file\n");
	load_file_ok("tend.json", &c);
	j = job(&c, "a");
	/* Not passed at all: the run inherits tend's own value. */
	cr_assert(eq(ptr, (void *)env_of(j, "TEND_T_A"), NULL));
	cr_assert(eq(str, (char *)env_of(j, "TEND_T_B"), "file"));
	cr_assert(eq(sz, j->j_env_nfrom, 3));
	cr_assert(eq(int, j->j_env_from[0].f_fate, ENV_SHADOWED));
	cr_assert(eq(int, j->j_env_from[1].f_fate, ENV_SHADOWED));
	cr_assert(eq(int, j->j_env_from[2].f_fate, ENV_USED));
	cfg_free(&c);
}

Test(config_env, env_over_later_env_file_over_earlier_over_dotenv)
{
	struct cfg c;
	const struct cfg_job *j;

	put("tend.json",
	    "{\"jobs\": {\"a\": {\"cmd\": \"x\", \"env_file\": [\"1.env\", "
	    "\"2.env\"], \"env\": {\"D\": \"env\"}}}}");
	put(".env", "A=dotenv\nB=dotenv\nC=dotenv\nD=dotenv\n");
	put("1.env", "B=one\nC=one\nD=one\n");
	put("2.env", "C=two\nD=two\n");
	load_file_ok("tend.json", &c);
	j = job(&c, "a");
	cr_assert(eq(str, (char *)env_of(j, "A"), "dotenv"));
	cr_assert(eq(str, (char *)env_of(j, "B"), "one"));
	cr_assert(eq(str, (char *)env_of(j, "C"), "two"));
	cr_assert(eq(str, (char *)env_of(j, "D"), "env"));
	/* Each variable once in what the run gets. */
	cr_assert(eq(sz, j->j_env.n, 4));
	cfg_free(&c);
}

Test(config_env, files_are_relative_to_the_configs_directory)
{
	struct cfg c;
	const struct cfg_job *j;

	subdir("proj");
	subdir("proj/conf");
	put("proj/tend.json",
	    "{\"jobs\": {\"a\": {\"cmd\": \"x\", "
	    "\"env_file\": \"conf/dev.env\"}}}");
	put("proj/.env", "WHERE=proj\n");
	put("proj/conf/dev.env", "DEV=1\n");
	put(".env", "WHERE=top\n");
	load_file_ok("proj/tend.json", &c);
	j = job(&c, "a");
	cr_assert(eq(str, (char *)env_of(j, "WHERE"), "proj"));
	cr_assert(eq(str, (char *)env_of(j, "DEV"), "1"));
	cr_assert(strstr(j->j_env_from[1].f_file, "proj/conf/dev.env") != NULL);
	cfg_free(&c);
}

Test(config_env, dotenv_false_turns_the_dotenv_off_even_a_bad_one)
{
	struct cfg c;

	put("tend.json",
	    "{\"dotenv\": false, \"jobs\": {\"a\": {\"cmd\": \"x\"}}}");
	put(".env", "this is not a dotenv file\n");
	load_file_ok("tend.json", &c);
	cr_assert(not(c.c_dotenv));
	cr_assert(eq(sz, job(&c, "a")->j_env.n, 0));
	cfg_free(&c);
}

Test(config_env, an_explicit_env_file_is_read_with_dotenv_false)
{
	struct cfg c;

	put("tend.json",
	    "{\"dotenv\": false, \"jobs\": {\"a\": {\"cmd\": "
	    "\"x\", \"env_file\": \".env\"}}}");
	put(".env", "X=1\n");
	load_file_ok("tend.json", &c);
	cr_assert(eq(str, (char *)env_of(job(&c, "a"), "X"), "1"));
	cfg_free(&c);
}

Test(config_env, without_jobs_the_dotenv_is_not_read)
{
	struct cfg c;

	put("tend.json", "{\"serve\": {}}");
	put(".env", "not a dotenv file\n");
	load_file_ok("tend.json", &c);
	cfg_free(&c);
}

Test(config_env, a_missing_dotenv_is_fine)
{
	struct cfg c;

	put("tend.json", "{\"jobs\": {\"a\": {\"cmd\": \"x\"}}}");
	load_file_ok("tend.json", &c);
	cr_assert(eq(sz, job(&c, "a")->j_env.n, 0));
	cr_assert(eq(sz, job(&c, "a")->j_env_nfrom, 0));
	cfg_free(&c);
}

Test(config_env, a_missing_env_file_is_an_error_at_its_key)
{
	put("tend.json",
	    "{\"jobs\": {\"a\": {\"cmd\": \"x\", \"env_file\": "
	    "[\"ok.env\", \"gone.env\"]}}}");
	put("ok.env", "A=1\n");
	load_file_fails("tend.json", "tend.json: jobs.a.env_file[1]: ");
	load_file_fails(
	    "tend.json", "/gone.env: cannot read: No such file or directory");
}

Test(config_env, a_bad_dotenv_line_names_the_file_and_line)
{
	struct cfg c;
	struct cfg_err err;

	put("tend.json", "{\"jobs\": {\"a\": {\"cmd\": \"x\"}}}");
	put(".env", "A=1\n# fine\nnot valid\n");
	cr_assert(eq(int, load("tend.json", &c, &err), -1));
	cr_assert(eq(int, err.e_line, 3));
	cr_assert(strstr(err.e_file, "/.env") != NULL, "%s", err.e_file);
	load_file_fails("tend.json", "/.env:3: expected KEY=VALUE");
}

Test(config_env, a_bad_env_file_line_names_that_file)
{
	put("tend.json",
	    "{\"jobs\": {\"a\": {\"cmd\": \"x\", \"env_file\": "
	    "\"b.env\"}}}");
	put("b.env", "A=\"open\n");
	load_file_fails("tend.json", "/b.env:1: unterminated double-quoted");
}

Test(config_env, a_dotenv_that_is_a_directory_is_an_error)
{
	put("tend.json", "{\"jobs\": {\"a\": {\"cmd\": \"x\"}}}");
	subdir(".env");
	load_file_fails("tend.json", "/.env: cannot read: Is a directory");
}

Test(config_env, the_keys_are_checked_where_they_are_read)
{
	assert_load_fails("{\"dotenv\": \"yes\"}", "dotenv", "true or false");
	assert_load_fails("{\"jobs\": {\"a\": {\"cmd\": \"x\", \"env_file\": "
	                  "42}}}",
	    "jobs.a.env_file",
	    "expected a file name or an array of them, got 42");
	assert_load_fails("{\"jobs\": {\"a\": {\"cmd\": \"x\", \"env_file\": "
	                  "\"\"}}}",
	    "jobs.a.env_file", "expected a file name");
	assert_load_fails("{\"jobs\": {\"a\": {\"cmd\": \"x\", \"env_file\": "
	                  "[\"a\", 1]}}}",
	    "jobs.a.env_file[1]", "a non-empty string");
	assert_load_fails("{\"jobs\": {\"a\": {\"cmd\": \"x\", \"env_fil\": "
	                  "\"a\"}}}",
	    "jobs.a", "did you mean \"env_file\"");
}

Test(config_env, a_buffer_reads_no_file)
{
	struct cfg c;

	load_ok("{\"jobs\": {\"a\": {\"cmd\": \"x\", \"env_file\": "
	        "\"/nonexistent.env\", \"env\": {\"A\": \"1\"}}}}",
	    &c);
	cr_assert(c.c_dotenv);
	cr_assert(eq(sz, job(&c, "a")->j_env_file.n, 1));
	cr_assert(eq(sz, job(&c, "a")->j_env.n, 1));
	cfg_free(&c);
}

Test(config_env, check_says_where_each_variable_came_from)
{
	struct cfg c;
	char *r;

	setenv("TEND_T_A", "tend", 1);
	put("tend.json",
	    "{\"jobs\": {\"api\": {\"cmd\": \"x\", \"env_file\": \"f.env\", "
	    "\"env\": {\"PORT\": \"9\"}}, \"none\": {\"cmd\": \"y\", "
	    "\"env_file\": []}}, \"dotenv\": true}");
	put(".env", "DB=x\nTEND_T_A=d\nPORT=1\n");
	put("f.env", "PORT=2\nEXTRA=3\nTEND_T_A=f\n");
	load_file_ok("tend.json", &c);
	r = cfg_env_report(&c);
	cr_assert(ne(ptr, r, NULL));
	cr_assert(strstr(r, "// job \"api\"\n") != NULL, "%s", r);
	cr_assert(strstr(r, "//   DB        ") != NULL, "%s", r);
	cr_assert(strstr(r, "/.env:1\n") != NULL, "%s", r);
	cr_assert(strstr(r, "//   PORT      env, over ") != NULL, "%s", r);
	cr_assert(strstr(r, "/.env:3, ") != NULL, "%s", r);
	cr_assert(strstr(r, "/f.env:1\n") != NULL, "%s", r);
	/* tend's value beat .env; the env_file beat tend's value. */
	cr_assert(strstr(r, "/f.env:3, over ") != NULL, "%s", r);
	cr_assert(strstr(r, "/.env:2, tend's environment\n") != NULL, "%s", r);
	/* "none" has the .env too. */
	cr_assert(strstr(r, "// job \"none\"\n") != NULL, "%s", r);
	free(r);
	cfg_free(&c);
}

Test(config_env, check_says_when_tends_environment_wins)
{
	struct cfg c;
	char *r;

	setenv("TEND_T_A", "tend", 1);
	put("tend.json", "{\"jobs\": {\"a\": {\"cmd\": \"x\"}}}");
	put(".env", "TEND_T_A=d\n");
	load_file_ok("tend.json", &c);
	r = cfg_env_report(&c);
	cr_assert(ne(ptr, r, NULL));
	cr_assert(strstr(r, "//   TEND_T_A  tend's environment, over ") != NULL,
	    "%s", r);
	free(r);
	cfg_free(&c);
}

Test(config_env, no_variables_no_report)
{
	struct cfg c;

	put("tend.json", "{\"jobs\": {\"a\": {\"cmd\": \"x\"}}}");
	load_file_ok("tend.json", &c);
	cr_assert(eq(ptr, cfg_env_report(&c), NULL));
	cfg_free(&c);
}

Test(config_env, the_output_keeps_env_as_written_and_loads_the_same)
{
	struct cfg c, again;
	char *json, *json2;

	put("tend.json",
	    "{\"dotenv\": false, \"jobs\": {\"a\": {\"cmd\": \"x\", "
	    "\"env_file\": \"f.env\", \"env\": {\"OWN\": \"1\"}}}}");
	put("f.env", "SECRET=s\n");
	load_file_ok("tend.json", &c);
	cr_assert(ne(ptr, json = cfg_to_json(&c), NULL));
	cr_assert(strstr(json, "\"SECRET\"") == NULL, "%s", json);
	cr_assert(strstr(json, "\"OWN\":\t\"1\"") != NULL, "%s", json);
	cr_assert(
	    strstr(json, "\"env_file\":\t[\"f.env\"]") != NULL, "%s", json);
	cr_assert(strstr(json, "\"dotenv\":\tfalse") != NULL, "%s", json);
	put("again.json", json);
	load_file_ok("again.json", &again);
	cr_assert(cfg_job_equal(job(&c, "a"), job(&again, "a")));
	cr_assert(eq(str, (char *)env_of(job(&again, "a"), "SECRET"), "s"));
	cr_assert(ne(ptr, json2 = cfg_to_json(&again), NULL));
	cr_assert(eq(str, json, json2));
	free(json);
	free(json2);
	cfg_free(&c);
	cfg_free(&again);
}

Test(config_env, a_changed_dotenv_value_changes_the_job)
{
	struct cfg c, d;

	put("tend.json", "{\"jobs\": {\"a\": {\"cmd\": \"x\"}}}");
	put(".env", "A=1\n");
	load_file_ok("tend.json", &c);
	put(".env", "A=2\n");
	load_file_ok("tend.json", &d);
	cr_assert(not(cfg_job_equal(job(&c, "a"), job(&d, "a"))));
	cfg_free(&c);
	cfg_free(&d);
}

Test(config_env, a_config_built_in_code_gets_the_dotenv_of_dir)
{
	struct cfg c;
	struct cfg_err err;

	put(".env", "FROM=cli\n");
	cfg_init(&c);
	cr_assert(ne(ptr, cfg_add_job(&c, "build", "make"), NULL));
	cr_assert(eq(int, cfg_env_merge(&c, tmpdir, &err), 0), "%s", err.e_msg);
	cr_assert(eq(str, (char *)env_of(&c.c_jobs[0], "FROM"), "cli"));
	/* Merging again gives the same, not twice the same. */
	cr_assert(eq(int, cfg_env_merge(&c, tmpdir, &err), 0));
	cr_assert(eq(sz, c.c_jobs[0].j_env.n, 1));
	cfg_free(&c);
}

Test(config_env, a_failed_merge_leaves_the_config_as_it_was)
{
	struct cfg c;
	struct cfg_err err;
	char line[1024];

	put(".env", "A=1\n");
	put("bad.env", "oops\n");
	cfg_init(&c);
	cr_assert(ne(ptr, cfg_add_job(&c, "one", "x"), NULL));
	cr_assert(ne(ptr, cfg_add_job(&c, "two", "y"), NULL));
	cr_assert(eq(int, cfg_env_merge(&c, tmpdir, &err), 0));
	c.c_jobs[1].j_env_file.v = calloc(2, sizeof(char *));
	c.c_jobs[1].j_env_file.v[0] = strdup("bad.env");
	c.c_jobs[1].j_env_file.n = 1;
	put(".env", "A=2\n");
	cr_assert(eq(int, cfg_env_merge(&c, tmpdir, &err), -1));
	cfg_err_format(&err, line, sizeof(line));
	cr_assert(
	    strstr(line, "/bad.env:1: expected KEY=VALUE") != NULL, "%s", line);
	/* Job "one" merged fine, yet keeps what it had. */
	cr_assert(eq(str, (char *)env_of(&c.c_jobs[0], "A"), "1"));
	cfg_free(&c);
}
