/* SPDX-License-Identifier: ISC */
/*
 * tests/integration/test_watch.c
 * Save a file, get exactly the builds and reloads a person expects: one
 * build per burst, one more for a change during a build, none for the
 * build's own output or ignored files, new directories watched, one
 * reload per good build and none for a bad one, Ctrl-C still finishing
 * a change-triggered build.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include "common.h"

TestSuite(watch, .init = it_setup, .fini = it_teardown, .timeout = 60);

static void
start_watching(const char *build, const char *watch)
{
	const char *args[] = {"serve", "public", "--http", "127.0.0.1:0",
	    "--build", build, "--watch", watch, NULL};
	char path[128];

	snprintf(path, sizeof(path), "%s/src", dir);
	mkdir(path, 0755);
	tmp_write(dir, "src/a.txt", "a\n");
	it_start(args, true);
	cr_assert(tp_wait_for(&tp, "watching", 5000), "%s", tp.out);
}

Test(watch, a_burst_of_100_writes_gives_one_build)
{
	char name[32];

	start_watching("echo run >> runs", "src");
	expect_runs("runs", 1); /* the start-up build */
	for (int i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "src/f%d.txt", i % 10);
		tmp_write(dir, name, "x\n");
	}
	expect_runs("runs", 2);
	cr_assert(tp_count(&tp, "changed: ") == 1, "%s", tp.out);
	it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	expect_no_process_left();
}

Test(watch, a_change_during_a_build_gives_exactly_one_more_with_both)
{
	start_watching("echo run >> runs; printf '%s\\n' \"$TEND_CHANGED\" "
	               ">> changed; sleep 1",
	    "src");
	expect_runs("runs", 1);
	tmp_write(dir, "src/first.txt", "1\n");
	for (long end = now_ms() + 5000;
	     lines_with("runs", "run") < 2 && now_ms() < end;)
		tp_pump(&tp, 10);
	tp_pump(&tp, 150);
	tmp_write(dir, "src/second.txt", "2\n");
	tp_pump(&tp, 150);
	tmp_write(dir, "src/third.txt", "3\n");
	expect_runs("runs", 3);
	tp_pump(&tp, 1200); /* no fourth */
	cr_assert(lines_with("runs", "run") == 3);
	cr_assert(lines_with("changed", "src/first.txt") == 1);
	cr_assert(lines_with("changed", "src/second.txt") == 1);
	cr_assert(lines_with("changed", "src/third.txt") == 1);
	cr_assert(tp_count(&tp, "queued one more run") >= 1, "%s", tp.out);
	it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	expect_no_process_left();
}

Test(watch, writes_into_the_served_root_never_start_a_build)
{
	/* Watch everything; the build writes into public/ only. */
	start_watching("echo run >> public/runs.txt; echo page > "
	               "public/page.html",
	    ".");
	expect_runs("public/runs.txt", 1);
	tmp_write(dir, "public/by-hand.html", "hand\n");
	expect_runs("public/runs.txt", 1);
	tmp_write(dir, "src/a.txt", "changed\n");
	expect_runs("public/runs.txt", 2);
	it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	expect_no_process_left();
}

Test(watch, a_new_subdirectory_is_watched)
{
	char path[128];

	start_watching("echo run >> runs", "src");
	expect_runs("runs", 1);
	snprintf(path, sizeof(path), "%s/src/new", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/src/new/deeper", dir);
	mkdir(path, 0755);
	/* Written at once: before or after its watch exists, it is seen. */
	tmp_write(dir, "src/new/deeper/file.txt", "x\n");
	expect_runs("runs", 2);
	tp_pump(&tp, 300);
	tmp_write(dir, "src/new/deeper/file.txt", "again\n");
	expect_runs("runs", 3);
	it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	expect_no_process_left();
}

Test(watch, gitignored_and_editor_files_are_ignored)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/src", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/src/node_modules", dir);
	mkdir(path, 0755);
	tmp_write(dir, ".gitignore", "*.log\nnode_modules/\n");
	start_watching("echo run >> runs", "src");
	expect_runs("runs", 1);
	tmp_write(dir, "src/debug.log", "x\n");
	tmp_write(dir, "src/node_modules/lib.js", "x\n");
	tmp_write(dir, "src/.a.txt.swp", "x\n");
	tmp_write(dir, "src/a.txt~", "x\n");
	tmp_write(dir, "src/4913", "x\n");
	expect_runs("runs", 1);
	tmp_write(dir, "src/a.txt", "real change\n");
	expect_runs("runs", 2);
	it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	expect_no_process_left();
}

Test(watch, ctrl_c_during_a_change_triggered_build_lets_it_finish)
{
	start_watching("if [ -n \"$TEND_CHANGED\" ]; then touch started; "
	               "sleep 1.5; touch marker; fi",
	    "src");
	cr_assert(tp_wait_for(&tp, "build \"build\" finished", 5000));
	tmp_write(dir, "src/a.txt", "go\n");
	for (long end = now_ms() + 5000;
	     !tmp_exists(dir, "started") && now_ms() < end;)
		tp_pump(&tp, 10);
	cr_assert(tmp_exists(dir, "started"), "%s", tp.out);
	it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	cr_assert(tmp_exists(dir, "marker"), "%s", tp.out);
	expect_no_process_left();
}

/* --- live reload, seen by an event-stream client --- */

Test(watch, one_reload_per_good_build_css_swap_and_none_for_a_failure)
{
	static char ev[65536];
	int port, fd;

	/* The build writes three files; what it writes depends on src/. */
	start_watching("if grep -q fail src/a.txt; then echo broken; exit 3; "
	               "fi; if grep -q css src/a.txt; then echo 'b{}' > "
	               "public/style.css; else for f in a b c; do echo $f > "
	               "public/$f.html; done; fi",
	    "src");
	cr_assert(tp_wait_for(&tp, "build \"build\" finished", 5000));
	port = tp_http_port(&tp);
	fd = sse_open(port);
	sse_read(fd, ev, sizeof(ev), 300);
	cr_assert(strstr(ev, "text/event-stream") != NULL, "%s", ev);

	tmp_write(dir, "src/a.txt", "pages\n");
	sse_read(fd, ev, sizeof(ev), 1500);
	cr_assert(count_in(ev, "event: reload") == 1, "events:\n%s", ev);
	cr_assert(count_in(ev, "event: building") == 1, "events:\n%s", ev);

	ev[0] = '\0';
	tmp_write(dir, "src/a.txt", "css\n");
	sse_read(fd, ev, sizeof(ev), 1500);
	cr_assert(count_in(ev, "event: css") == 1, "events:\n%s", ev);
	cr_assert(strstr(ev, "style.css") != NULL, "events:\n%s", ev);
	cr_assert(count_in(ev, "event: reload") == 0, "events:\n%s", ev);

	ev[0] = '\0';
	tmp_write(dir, "src/a.txt", "fail\n");
	sse_read(fd, ev, sizeof(ev), 1500);
	cr_assert(count_in(ev, "event: build-error") == 1, "events:\n%s", ev);
	cr_assert(strstr(ev, "broken") != NULL, "events:\n%s", ev);
	cr_assert(count_in(ev, "event: reload") == 0, "events:\n%s", ev);

	ev[0] = '\0';
	it_ctrl_c(1);
	sse_read(fd, ev, sizeof(ev), 1000);
	cr_assert(count_in(ev, "event: shutdown") == 1, "events:\n%s", ev);
	close(fd);
	expect_exit_by_signal(SIGINT);
	expect_no_process_left();
}

Test(watch, without_a_build_a_change_under_the_root_reloads_the_browser)
{
	const char *args[] = {"serve", "public", "--http", "127.0.0.1:0", NULL};
	static char ev[16384];
	int fd;

	it_start(args, true);
	fd = sse_open(tp_http_port(&tp));
	sse_read(fd, ev, sizeof(ev), 300);
	tmp_write(dir, "public/index.html", "<html><body>new</body></html>");
	sse_read(fd, ev, sizeof(ev), 1000);
	cr_assert(count_in(ev, "event: reload") == 1, "events:\n%s", ev);
	cr_assert(strstr(ev, "index.html") != NULL, "events:\n%s", ev);
	close(fd);
	it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	expect_no_process_left();
}
