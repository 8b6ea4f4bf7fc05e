/* SPDX-License-Identifier: ISC */
/*
 * tests/integration/test_watch_poll.c
 * Watching by polling, forced (watch.poll_ms, tend serve --poll, tend exec
 * --poll: the test machine's filesystems all report to inotify, so the
 * fallback itself is the unit-tested decision on statfs): a save is one
 * build naming the file, a burst of 20 writes across scans is one build,
 * a deletion is seen, ignored files are not, the served root reloads the
 * page once per build, and Ctrl-C still ends everything at once.
 */
#include <sys/stat.h>

#include "common.h"

TestSuite(watch_poll, .init = it_setup, .fini = it_teardown, .timeout = 60);

#define RUN_CMD "echo run >> runs; printf '%s\\n' \"$TEND_CHANGED\" >> changed"
/* The same, as a JSON string's contents. */
#define RUN_JSON \
	"echo run >> runs; printf '%s\\\\n' \\\"$TEND_CHANGED\\\" >> changed"

static void
make_src(void)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/src", dir);
	mkdir(path, 0755);
	tmp_write(dir, "src/a.txt", "a\n");
}

/* tend with tend.json: job "b" running cmd on changes in src, polled. */
static void
start_polled(const char *cmd, const char *watch_extra)
{
	const char *args[] = {NULL};
	char cfg[1024];

	make_src();
	snprintf(cfg, sizeof(cfg),
	    "{ \"jobs\": { \"b\": { \"cmd\": \"%s\", \"watch\": [\"src\"] } },\n"
	    "  \"watch\": { \"poll_ms\": 100%s } }",
	    cmd, watch_extra);
	tmp_write(dir, "tend.json", cfg);
	it_start(args, false);
	cr_assert(
	    tp_wait_for(&tp, "by polling every 100 ms (watch.poll_ms)", 5000),
	    "%s", tp.out);
}

/* want runs, then none more for settle_ms (a scan or two). */
static void
expect_runs_settled(const char *name, size_t want, int settle_ms)
{
	for (long end = now_ms() + 8000;
	     lines_with(name, "run") < want && now_ms() < end;)
		tp_pump(&tp, 10);
	tp_pump(&tp, settle_ms);
	cr_assert(lines_with(name, "run") == want,
	    "%zu runs, wanted %zu; output:\n%s", lines_with(name, "run"), want,
	    tp.out);
}

static void
stop(void)
{
	long t0 = now_ms();

	it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	/* Polling stops with the rest: no scan holds the exit. */
	cr_assert(now_ms() - t0 < 2000, "took %ld ms", now_ms() - t0);
	expect_no_process_left();
}

Test(watch_poll, an_edit_is_one_build_that_names_the_file)
{
	start_polled(RUN_JSON, "");
	expect_runs_settled("runs", 1, 300);
	tmp_write(dir, "src/a.txt", "edited\n");
	expect_runs_settled("runs", 2, 800);
	cr_assert(lines_with("changed", "src/a.txt") == 1, "%s", tp.out);
	cr_assert(tp_count(&tp, "changed: src/a.txt") == 1, "%s", tp.out);
	stop();
}

Test(watch_poll, a_burst_of_20_writes_across_scans_is_one_build)
{
	char name[32];

	start_polled(RUN_JSON, "");
	expect_runs_settled("runs", 1, 300);
	/* 20 writes over about 200 ms: two scans or three see them. */
	for (int i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "src/f%02d.txt", i);
		tmp_write(dir, name, "x\n");
		tp_pump(&tp, 10);
	}
	expect_runs_settled("runs", 2, 1000);
	cr_assert(tp_count(&tp, "changed: ") == 1, "%s", tp.out);
	cr_assert(lines_with("changed", "src/f00.txt") == 1);
	cr_assert(lines_with("changed", "src/f19.txt") == 1);
	stop();
}

Test(watch_poll, deletions_of_a_file_and_a_directory_are_seen)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/src/sub", dir);
	make_src();
	mkdir(path, 0755);
	tmp_write(dir, "src/sub/b.txt", "b\n");
	start_polled(RUN_JSON, "");
	expect_runs_settled("runs", 1, 300);
	snprintf(path, sizeof(path), "%s/src/a.txt", dir);
	cr_assert_eq(unlink(path), 0);
	expect_runs_settled("runs", 2, 600);
	cr_assert(lines_with("changed", "src/a.txt") == 1, "%s", tp.out);
	snprintf(path, sizeof(path), "%s/src/sub", dir);
	tmp_remove(path);
	expect_runs_settled("runs", 3, 600);
	/* One report for the directory and what it held. */
	cr_assert(lines_with("changed", "src/sub") == 1, "%s", tp.out);
	stop();
}

Test(watch_poll, ignored_files_do_not_build)
{
	char path[128];

	make_src();
	snprintf(path, sizeof(path), "%s/src/node_modules", dir);
	mkdir(path, 0755);
	tmp_write(dir, ".gitignore", "*.log\nnode_modules/\n");
	start_polled(RUN_JSON, ", \"ignore\": [\"*.tmp\"]");
	expect_runs_settled("runs", 1, 300);
	tmp_write(dir, "src/debug.log", "x\n");
	tmp_write(dir, "src/node_modules/lib.js", "x\n");
	tmp_write(dir, "src/.a.txt.swp", "x\n");
	tmp_write(dir, "src/a.txt~", "x\n");
	tmp_write(dir, "src/scratch.tmp", "x\n");
	expect_runs_settled("runs", 1, 800);
	tmp_write(dir, "src/a.txt", "real change\n");
	expect_runs_settled("runs", 2, 600);
	cr_assert(lines_with("changed", "src/a.txt") == 1, "%s", tp.out);
	stop();
}

Test(watch_poll, serve_poll_builds_and_its_output_is_one_reload)
{
	static char ev[65536];
	const char *args[] = {"serve", "public", "--http", "127.0.0.1:0",
	    "--poll", "100", "--build",
	    "echo run >> runs; sleep 0.3; echo \"$TEND_CHANGED\" > "
	    "public/page.html",
	    "--watch", "src", NULL};
	int fd;

	make_src();
	it_start(args, true);
	cr_assert(tp_wait_for(&tp, "by polling every 100 ms (--poll)", 5000),
	    "%s", tp.out);
	/* Both trees: src for the build, public for the page. */
	cr_assert(tp_count(&tp, "by polling every 100 ms") == 2, "%s", tp.out);
	expect_runs_settled("runs", 1, 300);
	fd = sse_open(tp_http_port(&tp));
	ev[0] = '\0';
	sse_read(fd, ev, sizeof(ev), 300);
	ev[0] = '\0';
	tmp_write(dir, "src/a.txt", "edited\n");
	cr_assert(sse_wait(fd, ev, sizeof(ev), "event: reload", 1, 5000),
	    "events:\n%s\noutput:\n%s", ev, tp.out);
	/*
	 * What the build wrote under the root was seen when it ended (a
	 * scan at its end): in its batch, not a second reload later.
	 */
	sse_read(fd, ev, sizeof(ev), 800);
	cr_assert(count_in(ev, "event: reload") == 1, "events:\n%s", ev);
	cr_assert(lines_with("runs", "run") == 2, "%s", tp.out);
	close(fd);
	stop();
}

Test(watch_poll, serve_poll_without_a_build_reloads_on_a_change)
{
	static char ev[65536];
	const char *args[] = {
	    "serve", "public", "--http", "127.0.0.1:0", "--poll", "100", NULL};
	int fd;

	it_start(args, true);
	cr_assert(tp_wait_for(&tp, "by polling every 100 ms (--poll)", 5000),
	    "%s", tp.out);
	fd = sse_open(tp_http_port(&tp));
	ev[0] = '\0';
	sse_read(fd, ev, sizeof(ev), 300);
	ev[0] = '\0';
	tmp_write(dir, "public/style.css", "body { color: red }\n");
	cr_assert(sse_wait(fd, ev, sizeof(ev), "event: css", 1, 5000),
	    "events:\n%s\noutput:\n%s", ev, tp.out);
	close(fd);
	stop();
}

Test(watch_poll, exec_poll_reruns_once_per_change)
{
	const char *args[] = {"exec", "--poll", "100", "--watch", "src", "--",
	    "sh", "-c", RUN_CMD, NULL};
	char name[32], path[128];

	make_src();
	tmp_write(dir, "src/x.swp", "x\n");
	it_start(args, false);
	cr_assert(tp_wait_for(&tp, "by polling every 100 ms (--poll)", 5000),
	    "%s", tp.out);
	expect_runs_settled("runs", 1, 300);
	tmp_write(dir, "src/a.txt", "edited\n");
	expect_runs_settled("runs", 2, 600);
	for (int i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "src/f%02d.txt", i);
		tmp_write(dir, name, "x\n");
		tp_pump(&tp, 10);
	}
	expect_runs_settled("runs", 3, 1000);
	snprintf(path, sizeof(path), "%s/src/a.txt", dir);
	cr_assert_eq(unlink(path), 0);
	expect_runs_settled("runs", 4, 600);
	tmp_write(dir, "src/x.swp", "editor\n"); /* ignored by default */
	expect_runs_settled("runs", 4, 600);
	cr_assert(lines_with("changed", "src/a.txt") == 2, "%s", tp.out);
	stop();
}

Test(watch_poll, exec_poll_needs_watch_and_a_sane_interval)
{
	const char *no_watch[] = {"exec", "--poll", "100", "--", "true", NULL};
	const char *too_fast[] = {
	    "exec", "--poll", "10", "--watch", "src", "--", "true", NULL};
	char out[512];

	cr_assert_eq(it_command(no_watch, out, sizeof(out), 5000), 2);
	cr_assert(strstr(out, "--poll needs --watch") != NULL, "%s", out);
	cr_assert_eq(it_command(too_fast, out, sizeof(out), 5000), 2);
	cr_assert(strstr(out, "expected milliseconds from 50 to 60000") != NULL,
	    "%s", out);
}
