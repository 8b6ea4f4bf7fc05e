/* SPDX-License-Identifier: ISC */
/*
 * tests/integration/test_watch2.c
 * More of what a person sees after saving a file. The page: a build tend
 * restarted, or a failure fixed during its run, ends in one reload; a
 * batch that failed answers every held request; lost file events reload
 * the page even with no build. The builds: sources inside the served
 * root (the CLI default ".") still build, and a directory moved out of a
 * watched tree is a change whose old watch is gone, one moved in is
 * watched.
 */
#include <sys/stat.h>

#include <fcntl.h>

#include "common.h"

TestSuite(watch_reload, .init = it_setup, .fini = it_teardown, .timeout = 60);
TestSuite(watch_tree, .init = it_setup, .fini = it_teardown, .timeout = 60);

static void
make_src(void)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/src", dir);
	mkdir(path, 0755);
	tmp_write(dir, "src/a.txt", "a\n");
}

/* tend with tend.json (serve root public, port 0); its first build ran. */
static int
start_config(const char *jobs, const char *first_done)
{
	char cfg[2048];
	const char *args[] = {NULL};

	make_src();
	snprintf(cfg, sizeof(cfg),
	    "{ \"jobs\": { %s },\n"
	    "  \"serve\": { \"root\": \"public\", \"http\": \"127.0.0.1:0\" } }",
	    jobs);
	tmp_write(dir, "tend.json", cfg);
	it_start(args, true);
	cr_assert(tp_wait_for(&tp, first_done, 8000), "%s", tp.out);
	return tp_http_port(&tp);
}

/* An event stream whose headers have arrived; buf is left empty. */
static int
open_events(int port, char *buf, size_t size)
{
	int fd = sse_open(port);

	buf[0] = '\0';
	sse_read(fd, buf, size, 300);
	cr_assert(strstr(buf, "text/event-stream") != NULL, "%s", buf);
	buf[0] = '\0';
	return fd;
}

static void
stop_tend(int fd)
{
	close(fd);
	it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	expect_no_process_left();
}

Test(watch_reload, a_restarted_build_ends_in_one_reload_and_serves_at_once)
{
	static char ev[65536];
	int port, fd;

	port = start_config("\"site\": { \"cmd\": \"sleep 1.5; echo built > "
	                    "public/page.html\", \"watch\": [\"src\"], "
	                    "\"on_busy\": \"restart\" }",
	    "build \"site\" finished");
	fd = open_events(port, ev, sizeof(ev));
	tmp_write(dir, "src/a.txt", "one\n");
	cr_assert(sse_wait(fd, ev, sizeof(ev), "event: building", 1, 3000),
	    "events:\n%s", ev);
	tmp_write(dir, "src/a.txt", "two\n");
	cr_assert(tp_wait_for(&tp, "restarting it", 3000), "%s", tp.out);
	cr_assert(sse_wait(fd, ev, sizeof(ev), "event: reload", 1, 6000),
	    "events:\n%s\noutput:\n%s", ev, tp.out);
	sse_read(fd, ev, sizeof(ev), 300);
	/* The cut run is no failure for the page: no overlay, one reload. */
	cr_assert(count_in(ev, "event: build-error") == 0, "events:\n%s", ev);
	cr_assert(count_in(ev, "event: building") == 2, "events:\n%s", ev);
	cr_assert(count_in(ev, "event: reload") == 1, "events:\n%s", ev);
	/* Requests are no longer held (they would wait 10 s). */
	expect_served(port, 3000);
	stop_tend(fd);
}

Test(watch_reload, a_failure_fixed_during_its_run_ends_in_one_reload)
{
	static char ev[65536];
	const char *args[] = {"serve", "public", "--http", "127.0.0.1:0",
	    "--build",
	    "if grep -q fail src/a.txt; then touch failing; sleep 1; echo "
	    "broken; exit 3; fi; sleep 1; echo ok > public/page.html",
	    "--watch", "src", NULL};
	int port, fd;

	make_src();
	it_start(args, true);
	cr_assert(
	    tp_wait_for(&tp, "build \"build\" finished", 8000), "%s", tp.out);
	port = tp_http_port(&tp);
	fd = open_events(port, ev, sizeof(ev));
	tmp_write(dir, "src/a.txt", "fail\n");
	cr_assert(sse_wait(fd, ev, sizeof(ev), "event: building", 1, 3000),
	    "events:\n%s", ev);
	/* Fixed once the build has read the broken file. */
	for (long end = now_ms() + 3000;
	     !tmp_exists(dir, "failing") && now_ms() < end;)
		tp_pump(&tp, 10);
	cr_assert(tmp_exists(dir, "failing"), "%s", tp.out);
	tmp_write(dir, "src/a.txt", "fixed\n");
	cr_assert(tp_wait_for(&tp, "queued one more run", 3000), "%s", tp.out);
	cr_assert(sse_wait(fd, ev, sizeof(ev), "event: reload", 1, 6000),
	    "events:\n%s\noutput:\n%s", ev, tp.out);
	sse_read(fd, ev, sizeof(ev), 300);
	cr_assert(count_in(ev, "event: build-error") == 1, "events:\n%s", ev);
	cr_assert(strstr(ev, "broken") != NULL, "events:\n%s", ev);
	cr_assert(count_in(ev, "event: building") == 2, "events:\n%s", ev);
	cr_assert(count_in(ev, "event: reload") == 1, "events:\n%s", ev);
	expect_served(port, 3000);
	stop_tend(fd);
}

Test(watch_reload, a_failed_batch_answers_the_requests_it_held)
{
	static char ev[65536];
	int port, fd;

	/* css fails, then site builds: the batch failed, nothing is built. */
	port = start_config(
	    "\"css\": { \"cmd\": \"if grep -q fail src/a.txt; then echo "
	    "broken; exit 3; fi\", \"watch\": [\"src\"] },\n"
	    "\"site\": { \"cmd\": \"sleep 0.5; echo ok > public/page.html\", "
	    "\"watch\": [\"src\"] }",
	    "build \"site\" finished");
	fd = open_events(port, ev, sizeof(ev));
	tmp_write(dir, "src/a.txt", "fail\n");
	cr_assert(sse_wait(fd, ev, sizeof(ev), "event: building", 2, 4000),
	    "events:\n%s\noutput:\n%s", ev, tp.out);
	for (long end = now_ms() + 5000;
	     tp_count(&tp, "build \"site\" finished") < 2 && now_ms() < end;)
		tp_pump(&tp, 10);
	cr_assert(tp_count(&tp, "build \"site\" finished") == 2, "%s", tp.out);
	sse_read(fd, ev, sizeof(ev), 300);
	cr_assert(count_in(ev, "event: build-error") == 1, "events:\n%s", ev);
	cr_assert(count_in(ev, "event: reload") == 0, "events:\n%s", ev);
	expect_served(port, 3000);
	stop_tend(fd);
}

/* What the kernel queues while tend cannot read: more than it keeps. */
static unsigned
inotify_queue_size(void)
{
	char buf[32] = "";
	int fd = open("/proc/sys/fs/inotify/max_queued_events", O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

	if (fd >= 0)
		close(fd);
	return n > 0 ? (unsigned)strtoul(buf, NULL, 10) : 16384;
}

Test(watch_reload, lost_file_events_without_a_build_reload_the_page)
{
	const char *args[] = {"serve", "public", "--http", "127.0.0.1:0", NULL};
	static char ev[65536];
	char a[128], b[128];
	unsigned max = inotify_queue_size();
	int fd;

	if (max > (1u << 21))
		cr_skip_test(
		    "max_queued_events is %u: too many to overflow", max);
	tmp_write(dir, "public/a.css", "a{}\n");
	tmp_write(dir, "public/b.css", "b{}\n");
	it_start(args, true);
	fd = open_events(tp_http_port(&tp), ev, sizeof(ev));
	/*
	 * Stopped, tend reads nothing: one event past the kernel's queue
	 * and the rest is lost (IN_Q_OVERFLOW). Two files in turn, since
	 * the kernel merges an event with an identical one before it.
	 */
	kill(tp.pid, SIGSTOP);
	for (long end = now_ms() + 3000;
	     proc_stat_field(tp.pid, 3) != 'T' && now_ms() < end;)
		usleep(1000);
	cr_assert(proc_stat_field(tp.pid, 3) == 'T');
	snprintf(a, sizeof(a), "%s/public/a.css", dir);
	snprintf(b, sizeof(b), "%s/public/b.css", dir);
	for (unsigned i = 0; i < max + 64; i++)
		cr_assert(chmod(i % 2 ? b : a, (i / 2) % 2 ? 0600 : 0644) == 0);
	kill(tp.pid, SIGCONT);
	cr_assert(tp_wait_for(&tp, "dropped file events", 5000), "%s", tp.out);
	cr_assert(sse_wait(fd, ev, sizeof(ev), "event: reload", 1, 3000),
	    "events:\n%s\noutput:\n%s", ev, tp.out);
	/* Not the two stylesheets it saw: what was lost is unknown. */
	cr_assert(strstr(ev, "\"paths\":[]") != NULL, "events:\n%s", ev);
	cr_assert(count_in(ev, "event: css") == 0, "events:\n%s", ev);
	stop_tend(fd);
}

/* --- which changes build --- */

static void
start_in_dot(const char *build, const char *watch)
{
	/* No root argument: tend serves ".", the project itself. */
	const char *args[] = {"serve", "--http", "127.0.0.1:0", "--build",
	    build, "--watch", watch, NULL};

	make_src();
	it_start(args, true);
	cr_assert(tp_wait_for(&tp, "watching", 5000), "%s", tp.out);
}

Test(watch_tree, sources_inside_the_served_root_dot_build)
{
	start_in_dot("echo run >> runs", "src");
	expect_runs("runs", 1);
	tmp_write(dir, "src/a.txt", "changed\n");
	expect_runs("runs", 2);
	tmp_write(dir, "src/b.txt", "new\n");
	expect_runs("runs", 3);
	it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	expect_no_process_left();
}

Test(watch_tree, watching_the_served_root_builds_on_edits_not_on_its_output)
{
	/* Root "." and --watch ".": the build writes into what it watches. */
	start_in_dot("echo run >> runs; echo page > out.html", ".");
	expect_runs("runs", 1);
	tmp_write(dir, "src/a.txt", "changed\n");
	expect_runs("runs", 2);
	tp_pump(&tp, 600);
	cr_assert(lines_with("runs", "run") == 2, "%s", tp.out);
	it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	expect_no_process_left();
}

static bool
changed_line(const char *line)
{
	size_t len;
	char *s = tmp_read(dir, "changed", &len);
	char want[256];
	bool found;

	snprintf(want, sizeof(want), "\n%s\n", line);
	found = s != NULL && strstr(s, want) != NULL;
	free(s);
	return found;
}

static void
move(const char *from, const char *to)
{
	char a[128], b[128];

	snprintf(a, sizeof(a), "%s/%s", dir, from);
	snprintf(b, sizeof(b), "%s/%s", dir, to);
	cr_assert(rename(a, b) == 0, "rename %s %s", a, b);
}

Test(watch_tree, directories_moved_out_and_in_are_changes)
{
	const char *args[] = {"serve", "public", "--http", "127.0.0.1:0",
	    "--build",
	    "echo run >> runs; printf '\\n%s\\n' \"$TEND_CHANGED\" >> changed",
	    "--watch", "src", NULL};
	char path[128];

	make_src();
	snprintf(path, sizeof(path), "%s/src/sub", dir);
	mkdir(path, 0755);
	tmp_write(dir, "src/sub/x.md", "x\n");
	it_start(args, true);
	expect_runs("runs", 1);

	/* Out of the tree: a change, and its watch is gone with it. */
	move("src/sub", "outside");
	expect_runs("runs", 2);
	cr_assert(changed_line("src/sub"), "%s", tp.out);
	tmp_write(dir, "outside/x.md", "written elsewhere\n");
	expect_runs("runs", 2);

	/* Back in, under another name: a change, and watched again. */
	move("outside", "src/back");
	expect_runs("runs", 3);
	cr_assert(changed_line("src/back"), "%s", tp.out);
	tmp_write(dir, "src/back/y.md", "y\n");
	expect_runs("runs", 4);
	cr_assert(changed_line("src/back/y.md"), "%s", tp.out);

	/* An empty directory moved in is a change too. */
	snprintf(path, sizeof(path), "%s/empty", dir);
	mkdir(path, 0755);
	move("empty", "src/empty");
	expect_runs("runs", 5);
	cr_assert(!changed_line("src/sub/x.md"), "%s", tp.out);
	it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	expect_no_process_left();
}

Test(watch_reload, a_config_reload_during_a_failing_build_keeps_its_overlay)
{
	static char ev[65536];
	int port, fd;

	port = start_config("\"site\": { \"cmd\": \"if [ -e src/fail ]; then "
	                    "touch failing; sleep 1; echo broken; exit 3; "
	                    "fi; echo ok > public/page.html\", "
	                    "\"watch\": [\"src\"] }",
	    "build \"site\" finished");
	fd = open_events(port, ev, sizeof(ev));
	tmp_write(dir, "src/fail", "1\n");
	for (long end = now_ms() + 3000;
	     !tmp_exists(dir, "failing") && now_ms() < end;)
		tp_pump(&tp, 10);
	cr_assert(tmp_exists(dir, "failing"), "%s", tp.out);
	/* Applied once the failing build ends: the batch ends with it. */
	kill(tp.pid, SIGHUP);
	cr_assert(
	    tp_wait_for(&tp, "configuration reloaded", 5000), "%s", tp.out);
	cr_assert(sse_wait(fd, ev, sizeof(ev), "event: build-error", 1, 3000),
	    "events:\n%s", ev);
	sse_read(fd, ev, sizeof(ev), 500);
	cr_assert(count_in(ev, "event: reload") == 0,
	    "a reload wiped the overlay of the failed build; events:\n%s", ev);
	expect_served(port, 3000);
	stop_tend(fd);
}
