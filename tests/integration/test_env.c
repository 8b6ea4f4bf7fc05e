/* SPDX-License-Identifier: ISC */
/*
 * tests/integration/test_env.c
 * A real .env and env_file driving real jobs that write their environment
 * to files: every syntax form arriving intact, the order of the sources,
 * tend's own environment winning over .env, "dotenv": false, a bad line
 * stopping everything before it starts, `tend check` naming the sources,
 * `tend serve` reading ./.env, and SIGHUP reading it again.
 */
#include <sys/stat.h>

#include "common.h"

TestSuite(env, .init = it_setup, .fini = it_teardown, .timeout = 60);

/* name (in dir) has the line "line" (which may hold newlines). */
static bool
has_line(const char *name, const char *line)
{
	size_t len;
	char *s = tmp_read(dir, name, &len), *all, *want;
	bool found;

	if (s == NULL)
		return false;
	cr_assert(asprintf(&all, "\n%s", s) > 0);
	cr_assert(asprintf(&want, "\n%s\n", line) > 0);
	found = strstr(all, want) != NULL;
	free(s);
	free(all);
	free(want);
	return found;
}

#define expect_line(name, line) \
	do { \
		size_t len_; \
		char *s_ = tmp_read(dir, name, &len_); \
		cr_assert(has_line(name, line), "%s lacks %s:\n%s", name, \
		    line, s_ ? s_ : "(missing)"); \
		free(s_); \
	} while (0)

static void
expect_exit_code(int code)
{
	cr_assert(tp_wait_exit(&tp, 20000), "tend did not exit:\n%s", tp.out);
	cr_assert(WIFEXITED(tp.status) && WEXITSTATUS(tp.status) == code,
	    "status 0x%x, wanted exit %d; output:\n%s", tp.status, code,
	    tp.out);
}

static const char dotenv[] =
    "# settings for the dev loop\n"
    "export DOT_PLAIN=plain\n"
    "\n"
    "DOT_DOUBLE=\"two\\nlines \\\"quoted\\\"\"   # a comment\n"
    "DOT_SINGLE='$HOME \\n stays'\n"
    "  DOT_HASH = a#b # comment\n"
    "TEND_IT_MINE=from dotenv\n"
    "BOTH=dotenv\n"
    "ALL=dotenv\n";

static void
write_project(void)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/conf", dir);
	cr_assert(mkdir(path, 0755) == 0);
	tmp_write(dir, ".env", dotenv);
	tmp_write(
	    dir, "conf/dev.env", "BOTH=file\nALL=file\nTEND_IT_OVER=file\n");
	tmp_write(dir, "tend.json",
	    "{ \"jobs\": {\n"
	    "  \"show\": { \"cmd\": \"env > show.env\", \"env_file\": "
	    "\"conf/dev.env\", \"env\": { \"ALL\": \"env\" } },\n"
	    "  \"other\": { \"cmd\": \"env > other.env\" } } }");
}

Test(env, dotenv_env_file_and_env_reach_real_jobs_in_their_order)
{
	const char *args[] = {"run", NULL};

	/* tend's own environment: it beats .env, env_file beats it. */
	setenv("TEND_IT_MINE", "from tend", 1);
	setenv("TEND_IT_OVER", "from tend", 1);
	write_project();
	it_start(args, false);
	expect_exit_code(0);
	expect_line("show.env", "DOT_PLAIN=plain");
	expect_line("show.env", "DOT_DOUBLE=two\nlines \"quoted\"");
	expect_line("show.env", "DOT_SINGLE=$HOME \\n stays");
	expect_line("show.env", "DOT_HASH=a#b");
	expect_line("show.env", "TEND_IT_MINE=from tend");
	expect_line("show.env", "BOTH=file");
	expect_line("show.env", "ALL=env");
	expect_line("show.env", "TEND_IT_OVER=file");
	/* Every job gets the .env; env_file is the job's own. */
	expect_line("other.env", "DOT_PLAIN=plain");
	expect_line("other.env", "BOTH=dotenv");
	expect_line("other.env", "ALL=dotenv");
	expect_line("other.env", "TEND_IT_MINE=from tend");
	expect_line("other.env", "TEND_IT_OVER=from tend");
	expect_no_process_left();
}

Test(env, dotenv_false_reads_no_dotenv)
{
	const char *args[] = {"run", NULL};

	tmp_write(dir, ".env", "FROM_DOTENV=yes\n");
	tmp_write(dir, "tend.json",
	    "{ \"dotenv\": false, \"jobs\": { \"show\": { \"cmd\": "
	    "\"env > show.env\", \"env\": { \"OWN\": \"1\" } } } }");
	it_start(args, false);
	expect_exit_code(0);
	expect_line("show.env", "OWN=1");
	cr_assert(!has_line("show.env", "FROM_DOTENV=yes"));
	expect_no_process_left();
}

/* A bad line: exit 2 in every mode, the file and line named, no start. */
Test(env, a_bad_dotenv_line_is_exit_2_and_nothing_starts)
{
	const char *modes[][3] = {{NULL}, {"run", NULL}, {"check", NULL}};

	tmp_write(dir, ".env", "A=1\n# two\nthis line is wrong\n");
	tmp_write(dir, "tend.json",
	    "{ \"jobs\": {\n"
	    "  \"task\": { \"cmd\": \"touch ran\" },\n"
	    "  \"svc\": { \"cmd\": \"touch svc; sleep 30\", \"kind\": "
	    "\"service\" } },\n"
	    "  \"serve\": { \"root\": \"public\", \"http\": \"127.0.0.1:0\" } "
	    "}");
	for (size_t i = 0; i < 3; i++) {
		if (i > 0)
			tp_cleanup(&tp);
		it_start(modes[i], false);
		expect_exit_code(2);
		cr_assert(strstr(tp.out,
		              "tend: .env:3: expected KEY=VALUE\r\n") != NULL,
		    "%s", tp.out);
		cr_assert(strstr(tp.out, "worker ready") == NULL, "%s", tp.out);
		expect_no_process_left();
	}
	cr_assert(!tmp_exists(dir, "ran"));
	cr_assert(!tmp_exists(dir, "svc"));
}

Test(env, a_bad_env_file_line_names_that_file)
{
	const char *args[] = {"run", NULL};

	tmp_write(dir, "vars.env", "OK=1\nNAME WITH SPACES=2\n");
	tmp_write(dir, "tend.json",
	    "{ \"jobs\": { \"t\": { \"cmd\": \"touch ran\", \"env_file\": "
	    "[\"vars.env\"] } } }");
	it_start(args, false);
	expect_exit_code(2);
	cr_assert(
	    strstr(tp.out, "tend: vars.env:2: expected KEY=VALUE") != NULL,
	    "%s", tp.out);
	cr_assert(!tmp_exists(dir, "ran"));
	expect_no_process_left();
}

Test(env, a_missing_env_file_is_a_config_error_a_missing_dotenv_is_not)
{
	const char *args[] = {"run", NULL};

	tmp_write(dir, "tend.json",
	    "{ \"jobs\": { \"t\": { \"cmd\": \"touch ran\", \"env_file\": "
	    "\"missing.env\" } } }");
	it_start(args, false);
	expect_exit_code(2);
	cr_assert(strstr(tp.out,
	              "tend: tend.json: jobs.t.env_file: "
	              "missing.env: cannot read: No such file") != NULL,
	    "%s", tp.out);
	cr_assert(!tmp_exists(dir, "ran"));
	tp_cleanup(&tp);
	/* No .env here at all: that is fine. */
	tmp_write(dir, "tend.json",
	    "{ \"jobs\": { \"t\": { \"cmd\": \"touch "
	    "ran\" } } }");
	it_start(args, false);
	expect_exit_code(0);
	cr_assert(tmp_exists(dir, "ran"));
	expect_no_process_left();
}

Test(env, check_shows_where_each_variable_came_from)
{
	const char *args[] = {"check", NULL};

	setenv("TEND_IT_MINE", "from tend", 1);
	write_project();
	it_start(args, false);
	expect_exit_code(0);
	/* The JSON as written, then the sources as comments. */
	cr_assert(strstr(tp.out, "\"env_file\":\t[\"conf/dev.env\"]") != NULL,
	    "%s", tp.out);
	cr_assert(strstr(tp.out, "\"dotenv\":\ttrue") != NULL, "%s", tp.out);
	cr_assert(strstr(tp.out, "// job \"show\"\r\n") != NULL, "%s", tp.out);
	cr_assert(strstr(tp.out, "//   DOT_PLAIN     .env:2\r\n") != NULL, "%s",
	    tp.out);
	cr_assert(strstr(tp.out,
	              "//   TEND_IT_MINE  tend's environment, over "
	              ".env:7\r\n") != NULL,
	    "%s", tp.out);
	cr_assert(strstr(tp.out,
	              "//   BOTH          conf/dev.env:1, over "
	              ".env:8\r\n") != NULL,
	    "%s", tp.out);
	cr_assert(strstr(tp.out,
	              "//   ALL           env, over .env:9, "
	              "conf/dev.env:2\r\n") != NULL,
	    "%s", tp.out);
	cr_assert(strstr(tp.out, "// job \"other\"\r\n") != NULL, "%s", tp.out);
	/* Values from the files are not printed. */
	cr_assert(strstr(tp.out, "two\\nlines") == NULL, "%s", tp.out);
	expect_no_process_left();
}

Test(env, tend_serve_reads_the_dotenv_of_the_current_directory)
{
	const char *args[] = {"serve", "public", "--http", "127.0.0.1:0",
	    "--build", "env > built.env", NULL};
	const char *off[] = {"serve", "public", "--http", "127.0.0.1:0",
	    "--build", "env > built.env", "--no-dotenv", NULL};
	char path[128];

	tmp_write(dir, ".env", "FROM_DOTENV=yes\n");
	it_start(args, true);
	cr_assert(
	    tp_wait_for(&tp, "build \"build\" finished", 5000), "%s", tp.out);
	expect_line("built.env", "FROM_DOTENV=yes");
	it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	expect_no_process_left();
	tp_cleanup(&tp);

	/* A bad line stops it; --no-dotenv does not read the file. */
	tmp_write(dir, ".env", "FROM_DOTENV=yes\nbad\n");
	it_start(args, false);
	expect_exit_code(2);
	cr_assert(strstr(tp.out, "tend: .env:2: expected KEY=VALUE") != NULL,
	    "%s", tp.out);
	tp_cleanup(&tp);
	snprintf(path, sizeof(path), "%s/built.env", dir);
	cr_assert(unlink(path) == 0);
	it_start(off, true);
	cr_assert(
	    tp_wait_for(&tp, "build \"build\" finished", 5000), "%s", tp.out);
	cr_assert(tmp_exists(dir, "built.env"));
	cr_assert(!has_line("built.env", "FROM_DOTENV=yes"));
	it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	expect_no_process_left();
}

Test(env, sighup_reads_the_dotenv_again_and_restarts_what_changed)
{
	const char *args[] = {NULL};

	tmp_write(dir, ".env", "V=one\n");
	tmp_write(dir, "tend.json",
	    "{ \"jobs\": { \"svc\": { \"cmd\": \"echo \\\"$V\\\" >> seen; exec "
	    "sleep 60\", \"kind\": \"service\" } } }");
	it_start(args, false);
	for (long end = now_ms() + 5000;
	     !has_line("seen", "one") && now_ms() < end;)
		tp_pump(&tp, 10);
	expect_line("seen", "one");
	tmp_write(dir, ".env", "V=two\n");
	kill(tp.pid, SIGHUP);
	for (long end = now_ms() + 5000;
	     !has_line("seen", "two") && now_ms() < end;)
		tp_pump(&tp, 10);
	expect_line("seen", "two");
	it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	expect_no_process_left();
}
