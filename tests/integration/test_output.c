/* SPDX-License-Identifier: ISC */
/*
 * tests/integration/test_output.c
 * A job's output as a person sees it on a terminal: a prompt without a
 * newline shows at once and is continued on the same line, a progress
 * bar is redrawn with its prefix, stderr lines are marked, names line
 * up, colours by place (red only for a failure) unless NO_COLOR, and
 * forced by FORCE_COLOR even into a file; --timestamps and the config's
 * "output.timestamps" in every mode; a job's "log" file.
 */
#include <regex.h>
#include <sys/stat.h>

#include "common.h"

TestSuite(output, .init = it_setup, .fini = it_teardown, .timeout = 60);

static void
run_config(const char *json, const char *const *args)
{
	tmp_write(dir, "tend.json", json);
	it_start(args, false);
	cr_assert(tp_wait_exit(&tp, 20000), "output:\n%s", tp.out);
}

/* Does text match the extended regular expression re? */
static bool
matches(const char *text, const char *re)
{
	regex_t r;
	bool ok;

	cr_assert(regcomp(&r, re, REG_EXTENDED | REG_NEWLINE) == 0, "%s", re);
	ok = regexec(&r, text, 0, NULL, 0) == 0;
	regfree(&r);
	return ok;
}

#define CLOCK "[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\\.[0-9]{3}"

Test(output, a_prompt_without_newline_shows_at_once_and_is_continued)
{
	const char *args[] = {"run", NULL};
	long t0;

	tmp_write(dir, "tend.json",
	    "{ \"jobs\": { \"ask\": { \"cmd\": \"printf 'Password: '; "
	    "sleep 1.5; echo ok\" } } }");
	it_start(args, false);
	cr_assert(tp_wait_for(&tp, "task \"ask\" started", 5000), "output:\n%s",
	    tp.out);
	t0 = now_ms();
	/* 100 ms in tend; a generous bound for a loaded machine. */
	cr_assert(tp_wait_for(&tp, "ask | Password: ", 1000),
	    "no prompt within 1 s; output:\n%s", tp.out);
	cr_assert(now_ms() - t0 < 1000);
	cr_assert(strstr(tp.out, "ask | Password: \r\n") == NULL,
	    "the prompt was ended early; output:\n%s", tp.out);
	cr_assert(tp_wait_exit(&tp, 10000), "output:\n%s", tp.out);
	cr_assert(strstr(tp.out, "ask | Password: ok\r\n") != NULL,
	    "output:\n%s", tp.out);
	cr_assert(tp_count(&tp, "ask | ") == 1, "output:\n%s", tp.out);
	cr_assert(WIFEXITED(tp.status) && WEXITSTATUS(tp.status) == 0);
}

Test(output, a_progress_bar_is_redrawn_with_its_prefix)
{
	const char *args[] = {"run", NULL};

	run_config("{ \"jobs\": { \"bar\": { \"cmd\": \"printf '10%%\\\\r'; "
	           "sleep 0.3; printf '50%%\\\\r'; sleep 0.3; "
	           "printf '100%%\\\\n'\" } } }",
	    args);
	cr_assert(
	    strstr(tp.out, "bar | 10%\rbar | 50%\rbar | 100%\r\n") != NULL,
	    "output:\n%s", tp.out);
}

Test(output, stderr_lines_are_marked_and_names_line_up)
{
	const char *args[] = {"run", NULL};

	run_config(
	    "{ \"jobs\": {\n"
	    "  \"web\": { \"cmd\": \"echo out; sleep 0.1; echo err >&2\" },\n"
	    "  \"api-server\": { \"cmd\": \"echo up\" } } }",
	    args);
	cr_assert(strstr(tp.out, "web        | out\r\n") != NULL, "output:\n%s",
	    tp.out);
	cr_assert(strstr(tp.out, "web        ! err\r\n") != NULL, "output:\n%s",
	    tp.out);
	cr_assert(strstr(tp.out, "api-server | up\r\n") != NULL, "output:\n%s",
	    tp.out);
	cr_assert(strstr(tp.out, "\033[") == NULL, "NO_COLOR=1 coloured");
}

static const char three_jobs[] =
    "{ \"jobs\": {\n"
    "  \"web\": { \"cmd\": \"echo hi\" },\n"
    "  \"api\": { \"cmd\": \"echo up\", \"after\": [\"web\"] },\n"
    "  \"bad\": { \"cmd\": \"exit 3\", \"after\": [\"api\"] } } }";

Test(output, colours_by_place_on_a_terminal_and_red_for_a_failure)
{
	const char *args[] = {"run", NULL};

	tp_no_color = NULL;
	run_config(three_jobs, args);
	cr_assert(strstr(tp.out, "\033[36mweb |\033[0m hi\r\n") != NULL,
	    "output:\n%s", tp.out);
	cr_assert(strstr(tp.out, "\033[33mapi |\033[0m up\r\n") != NULL,
	    "output:\n%s", tp.out);
	cr_assert(strstr(tp.out,
	              "\033[31mtend: task \"bad\" failed with "
	              "exit status 3") != NULL,
	    "output:\n%s", tp.out);
	cr_assert(strstr(tp.out, "\033[31mtend: task \"web\"") == NULL);
	cr_assert(WIFEXITED(tp.status) && WEXITSTATUS(tp.status) == 1);
}

Test(output, no_color_turns_colours_off_and_force_color_wins)
{
	const char *args[] = {"run", NULL};

	tp_no_color = "1";
	run_config(three_jobs, args);
	cr_assert(strstr(tp.out, "\033[") == NULL, "output:\n%s", tp.out);
	cr_assert(strstr(tp.out, "web | hi\r\n") != NULL);
	tp_cleanup(&tp);
	tp_force_color = "1";
	run_config(three_jobs, args);
	cr_assert(strstr(tp.out, "\033[36mweb |\033[0m hi\r\n") != NULL,
	    "output:\n%s", tp.out);
}

/* tend run in dir, its output into dir/name (no terminal), env first. */
static char *
run_into_file(const char *env, const char *name)
{
	char cmd[512];
	size_t len;

	snprintf(cmd, sizeof(cmd),
	    "cd %s && env -u NO_COLOR -u FORCE_COLOR %s %s run > %s 2>&1", dir,
	    env, TEND_BIN, name);
	cr_assert(system(cmd) != -1);
	return tmp_read(dir, name, &len);
}

Test(output, force_color_colours_output_that_is_no_terminal)
{
	char *out;

	tmp_write(dir, "tend.json", three_jobs);
	out = run_into_file("", "plain.txt");
	cr_assert(out != NULL && strstr(out, "web | hi\n") != NULL);
	cr_assert(strstr(out, "\033[") == NULL, "%s", out);
	free(out);
	out = run_into_file("FORCE_COLOR=1", "forced.txt");
	cr_assert(out != NULL);
	cr_assert(strstr(out, "\033[36mweb |\033[0m hi\n") != NULL, "%s", out);
	cr_assert(strstr(out, "\033[31mtend: task \"bad\" failed") != NULL,
	    "%s", out);
	free(out);
	out = run_into_file("FORCE_COLOR=0", "zero.txt");
	cr_assert(out != NULL && strstr(out, "\033[") == NULL, "%s", out);
	free(out);
}

Test(output, timestamps_flag_starts_every_line_with_the_time)
{
	const char *args[] = {"run", "--timestamps", NULL};

	run_config(
	    "{ \"jobs\": { \"ask\": { \"cmd\": \"echo hello\" } } }", args);
	cr_assert(matches(tp.out, "^" CLOCK " ask \\| hello\r$"), "output:\n%s",
	    tp.out);
	cr_assert(matches(tp.out, "^" CLOCK " tend: task \"ask\" finished"),
	    "output:\n%s", tp.out);
}

Test(output, output_timestamps_in_the_config_of_plain_tend)
{
	const char *args[] = {NULL};

	tmp_write(dir, "tend.json",
	    "{ \"output\": { \"timestamps\": true },\n"
	    "  \"jobs\": { \"ask\": { \"cmd\": \"echo hello\" } } }");
	it_start(args, false);
	cr_assert(tp_wait_for(&tp, "task \"ask\" finished", 5000),
	    "output:\n%s", tp.out);
	cr_assert(matches(tp.out, "^" CLOCK " ask \\| hello\r$"), "output:\n%s",
	    tp.out);
	it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	expect_no_process_left();
}

Test(output, timestamps_flag_of_tend_serve)
{
	const char *args[] = {"serve", "public", "--http", "127.0.0.1:0",
	    "--timestamps", "--build", "echo built", NULL};

	it_start(args, true);
	cr_assert(tp_wait_for(&tp, "build \"build\" finished", 5000),
	    "output:\n%s", tp.out);
	cr_assert(matches(tp.out, "^" CLOCK " build \\| built\r$"),
	    "output:\n%s", tp.out);
	it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	expect_no_process_left();
}

#define ISO "[0-9]{4}-[01][0-9]-[0-3][0-9]T" CLOCK "[+-][0-9]{2}:[0-9]{2}"

Test(output, a_job_log_gets_every_line_with_the_time_and_no_colours)
{
	const char *args[] = {"run", "-c", "sub/tend.json", NULL};
	char path[128];
	size_t len;
	char *log;

	snprintf(path, sizeof(path), "%s/sub", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/sub/logs", dir);
	mkdir(path, 0755);
	tmp_write(dir, "sub/logs/web.log", "an older line\n");
	tmp_write(dir, "sub/tend.json",
	    "{ \"jobs\": { \"web\": { \"log\": \"logs/web.log\", \"cmd\": "
	    "\"printf '\\\\033[32mgreen\\\\033[0m\\\\n'; echo err >&2; "
	    "printf part; sleep 0.3; echo ial\" } } }");
	tp_force_color = "1";
	it_start(args, false);
	cr_assert(tp_wait_exit(&tp, 20000), "output:\n%s", tp.out);
	cr_assert(strstr(tp.out, "\033[36mweb |\033[0m partial\r\n") != NULL,
	    "output:\n%s", tp.out);
	log = tmp_read(dir, "sub/logs/web.log", &len);
	cr_assert(log != NULL, "no log; output:\n%s", tp.out);
	cr_assert(matches(log,
	              "^an older line\n" ISO " \\| green\n" ISO " ! err\n" ISO
	              " \\| partial\n$"),
	    "log:\n%s", log);
	free(log);
}

Test(output, a_log_that_cannot_be_opened_is_a_warning)
{
	const char *args[] = {"run", NULL};

	run_config("{ \"jobs\": { \"web\": { \"log\": \"no/such/dir/web.log\", "
	           "\"cmd\": \"echo still runs\" } } }",
	    args);
	cr_assert(strstr(tp.out,
	              "task \"web\": cannot open its log "
	              "no/such/dir/web.log") != NULL,
	    "output:\n%s", tp.out);
	cr_assert(strstr(tp.out, "web | still runs") != NULL);
	cr_assert(WIFEXITED(tp.status) && WEXITSTATUS(tp.status) == 0,
	    "status 0x%x; output:\n%s", tp.status, tp.out);
}
