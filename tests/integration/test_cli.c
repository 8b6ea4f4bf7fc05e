/* SPDX-License-Identifier: ISC */
/*
 * tests/integration/test_cli.c
 * The command line of the everyday runner: a usage mistake is one line
 * with a suggestion and a pointer to --help; `tend serve --spa` serves
 * index.html for client-side routes; `tend serve --build` without
 * --watch builds on no change, yet reloads the page when the root
 * changes (what README and tend(1) say).
 */
#include <sys/stat.h>

#include "common.h"

TestSuite(cli, .init = it_setup, .fini = it_teardown, .timeout = 60);

/* tend ARGS... exits 2 printing exactly line, then "see tend --help". */
static void
expect_usage_error(const char *const *args, const char *line)
{
	char want[512];

	it_start(args, false);
	cr_assert(tp_wait_exit(&tp, 5000), "%s", tp.out);
	cr_assert(WIFEXITED(tp.status) && WEXITSTATUS(tp.status) == 2,
	    "status 0x%x; %s", tp.status, tp.out);
	snprintf(want, sizeof(want), "%s\r\nsee tend --help\r\n", line);
	cr_assert(
	    strcmp(tp.out, want) == 0, "got:\n%s\nwanted:\n%s", tp.out, want);
}

Test(cli, a_usage_error_is_one_line_with_a_suggestion)
{
	static const struct {
		const char *args[8];
		const char *line;
	} cases[] = {
	    {{"serve", "--port", "8000", NULL},
	        "tend: unknown option --port; did you mean --http?"},
	    {{"serve", "public", "--htpp=127.0.0.1:0", NULL},
	        "tend: unknown option --htpp; did you mean --http?"},
	    {{"serve", "-p", "80", NULL},
	        "tend: unknown option -p; did you mean --http?"},
	    {{"serve", "--http", NULL}, "tend: option --http needs a value"},
	    {{"serve", "--spa=yes", NULL}, "tend: option --spa takes no value"},
	    {{"run", "--keepgoing", NULL},
	        "tend: unknown option --keepgoing; did you mean --keep-going?"},
	    {{"run", "-kx", NULL}, "tend: unknown option -x"},
	    {{"check", "--confg", "x.json", NULL},
	        "tend: unknown option --confg; did you mean --config?"},
	    {{"exec", "--restart-limt", "3", "--", "true", NULL},
	        "tend: unknown option --restart-limt; did you mean "
	        "--restart-limit?"},
	    {{"exec", "--re", "--", "true", NULL},
	        "tend: option --re is ambiguous: --restart, "
	        "--restart-on-failure, --restart-limit"},
	    {{"exec", "--restart-limit", "2", "--", "true", NULL},
	        "tend: --restart-limit needs --restart-on-failure"},
	    {{"exec", "--restart-on-failure", "--restart-limit", "-1", "--",
	         "true", NULL},
	        "tend: --restart-limit: expected a number from 0 to 1000, got "
	        "\"-1\""},
	    {{"srve", NULL},
	        "tend: unknown command \"srve\"; did you mean "
	        "\"serve\"?"},
	    {{"--bogus", NULL}, "tend: unknown option --bogus"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (i > 0)
			tp_cleanup(&tp);
		expect_usage_error(cases[i].args, cases[i].line);
	}
	cr_assert(!tmp_exists(dir, "true"));
}

Test(cli, help_is_still_the_whole_help_on_stdout)
{
	const char *args[] = {"serve", "--help", NULL};

	it_start(args, false);
	cr_assert(tp_wait_exit(&tp, 5000));
	cr_assert(WIFEXITED(tp.status) && WEXITSTATUS(tp.status) == 0);
	cr_assert(strstr(tp.out, "usage: tend") != NULL, "%s", tp.out);
	cr_assert(strstr(tp.out, "--spa") != NULL, "%s", tp.out);
	cr_assert(strstr(tp.out, "--restart-limit N") != NULL, "%s", tp.out);
}

static int
get_status(int port, const char *path, char **body)
{
	char req[256];
	size_t len;
	char *resp;
	int status;

	snprintf(req, sizeof(req),
	    "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
	    path);
	resp = http_exchange(port, req, &len, 5000);
	status = http_status(resp);
	if (body != NULL)
		*body = resp;
	else
		free(resp);
	return status;
}

Test(cli, spa_serves_index_html_for_routes_not_for_missing_assets)
{
	const char *spa[] = {
	    "serve", "public", "--http", "127.0.0.1:0", "--spa", NULL};
	const char *plain[] = {
	    "serve", "public", "--http", "127.0.0.1:0", NULL};
	char *body;
	int port;

	it_start(spa, true);
	port = tp_http_port(&tp);
	cr_assert(get_status(port, "/app/users/42", &body) == 200);
	cr_assert(strstr(body, "hello") != NULL, "%s", body);
	free(body);
	cr_assert(get_status(port, "/app/missing.js", NULL) == 404);
	it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	expect_no_process_left();
	tp_cleanup(&tp);

	/* Without it, a route is a 404 like any missing file. */
	it_start(plain, true);
	port = tp_http_port(&tp);
	cr_assert(get_status(port, "/app/users/42", NULL) == 404);
	it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	expect_no_process_left();
}

Test(cli, build_without_watch_builds_on_no_change_but_reloads_the_root)
{
	const char *args[] = {"serve", "public", "--http", "127.0.0.1:0",
	    "--build", "echo run >> runs", NULL};
	static char ev[16384];
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/src", dir);
	cr_assert(mkdir(path, 0755) == 0);
	it_start(args, true);
	expect_runs("runs", 1);
	cr_assert(tp_wait_for(&tp, "watching 1 directory", 2000), "%s", tp.out);
	fd = sse_open(tp_http_port(&tp));
	sse_read(fd, ev, sizeof(ev), 300);

	/* A source change starts nothing: nothing names it. */
	tmp_write(dir, "src/a.txt", "changed\n");
	tmp_write(dir, "notes.txt", "changed\n");
	expect_runs("runs", 1);
	cr_assert(count_in(ev, "event: reload") == 0, "events:\n%s", ev);

	/* A file written into the root by hand reloads the page. */
	tmp_write(dir, "public/extra.html", "<p>by hand</p>");
	cr_assert(sse_wait(fd, ev, sizeof(ev), "event: reload", 1, 3000),
	    "events:\n%s", ev);
	cr_assert(strstr(ev, "extra.html") != NULL, "events:\n%s", ev);
	expect_runs("runs", 1);
	close(fd);
	it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	expect_no_process_left();
}
