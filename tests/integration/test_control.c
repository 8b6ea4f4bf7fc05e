/* SPDX-License-Identifier: ISC */
/*
 * tests/integration/test_control.c
 * Every way to ask for a build (SIGUSR1, a UDP datagram, POST from
 * loopback), ping/pong, the status page, and SIGHUP reloading a config.
 */
#include <sys/stat.h>

#include <limits.h>

#include "common.h"

TestSuite(control, .init = it_setup, .fini = it_teardown, .timeout = 60);

/* The build appends a line per run, so runs can be counted in a file. */
#define COUNTING_BUILD "echo run >> runs"

static size_t
runs(void)
{
	size_t len, n = 0;
	char *s = tmp_read(dir, "runs", &len);

	for (size_t i = 0; s && i < len; i++)
		n += s[i] == '\n';
	free(s);
	return n;
}

static void
wait_runs(size_t want)
{
	for (long end = now_ms() + 5000; runs() < want && now_ms() < end;)
		tp_pump(&tp, 10);
	tp_pump(&tp, 50);
	cr_assert(runs() == want, "%zu runs, wanted %zu; output:\n%s", runs(),
	    want, tp.out);
}

Test(control, the_build_runs_at_start_and_on_sigusr1)
{
	const char *args[] = {"serve", "public", "--http", "127.0.0.1:0",
	    "--build", COUNTING_BUILD, NULL};

	it_start(args, true);
	wait_runs(1);
	kill(tp.pid, SIGUSR1);
	wait_runs(2);
	it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	expect_no_process_left();
}

Test(control, udp_build_ping_and_log_records)
{
	const char *args[] = {"serve", "public", "--http", "127.0.0.1:0",
	    "--udp", "127.0.0.1:0", "--build", COUNTING_BUILD, NULL};
	char buf[64];
	int port, fd;

	it_start(args, true);
	port = tp_udp_port(&tp);
	wait_runs(1);
	fd = udp_socket();
	udp_send(fd, port, "build build\n");
	wait_runs(2);
	udp_send(fd, port, "build");
	wait_runs(3);
	udp_send(fd, port, "hello \x01 from udp");
	udp_send(fd, port, "ping");
	cr_assert(udp_recv(fd, buf, sizeof(buf), 5000) == 4);
	cr_assert_str_eq(buf, "pong");
	cr_assert(tp_wait_for(&tp, "hello \\x01 from udp", 2000), "output:\n%s",
	    tp.out);
	udp_send(fd, port, "build nosuchjob");
	cr_assert(tp_wait_for(&tp, "unknown job \"nosuchjob\"", 2000));
	close(fd);
	it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	expect_no_process_left();
}

Test(control, post_build_from_loopback_and_the_status_page)
{
	const char *args[] = {"serve", "public", "--http", "127.0.0.1:0",
	    "--build", COUNTING_BUILD, NULL};
	size_t len;
	char *resp;
	int port;

	it_start(args, true);
	port = tp_http_port(&tp);
	wait_runs(1);
	resp = http_exchange(port,
	    "POST /__tend/build?job=build HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	    "Content-Length: 0\r\nConnection: close\r\n\r\n",
	    &len, 5000);
	cr_assert(http_status(resp) == 202, "%s", resp);
	free(resp);
	wait_runs(2);
	resp = http_exchange(port,
	    "POST /__tend/build?job=nope HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	    "Content-Length: 0\r\nConnection: close\r\n\r\n",
	    &len, 5000);
	cr_assert(http_status(resp) == 404, "%s", resp);
	free(resp);
	resp = http_exchange(port,
	    "GET /__tend/status HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: "
	    "close\r\n\r\n",
	    &len, 5000);
	cr_assert(http_status(resp) == 200, "%s", resp);
	cr_assert(strstr(resp, "\"name\":\"build\"") != NULL, "%s", resp);
	cr_assert(strstr(resp, "\"last_build\":{") != NULL, "%s", resp);
	cr_assert(strstr(resp, "\"requests\":") != NULL, "%s", resp);
	free(resp);
	it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	expect_no_process_left();
}

/* Until the n-th (0-based) "worker ready" line. */
static void
wait_for_worker(int n)
{
	for (long end = now_ms() + 5000;
	     tp_worker_pid(&tp, n) <= 0 && now_ms() < end;)
		tp_pump(&tp, 10);
	cr_assert(tp_worker_pid(&tp, n) > 0, "no worker number %d; output:\n%s",
	    n + 1, tp.out);
}

static const char good_config[] =
    "{\n"
    "  // comments are allowed\n"
    "  \"jobs\": { \"site\": { \"cmd\": \"echo run >> runs\" } },\n"
    "  \"serve\": { \"root\": \"public\", \"http\": \"127.0.0.1:0\" }\n"
    "}\n";

Test(control, sighup_reloads_a_valid_config_and_keeps_running_on_a_bad_one)
{
	const char *args[] = {NULL};
	size_t len;
	char *resp;
	int port, keep;
	pid_t worker;

	tmp_write(dir, "tend.json", good_config);
	it_start(args, true);
	port = tp_http_port(&tp);
	worker = tp_worker_pid(&tp, 0);
	wait_runs(1);
	keep = tcp_connect(port, 0);
	cr_assert(http_get_on(keep, "/", NULL) == 200);
	tmp_write(
	    dir, "tend.json", "{ \"jobs\": { \"site\": { \"cmd\": 42 } } }");
	kill(tp.pid, SIGHUP);
	cr_assert(tp_wait_for(&tp, "keeping the running configuration", 5000),
	    "output:\n%s", tp.out);
	cr_assert(strstr(tp.out, "jobs.site.cmd") != NULL);
	tmp_write(dir, "tend.json",
	    "{ \"jobs\": { \"site\": { \"cmd\": \"echo run >> runs\" },\n"
	    "  \"two\": { \"cmd\": \"echo two > two\" } },\n"
	    "  \"serve\": { \"root\": \"public\", \"http\": \"127.0.0.1:0\" } }");
	kill(tp.pid, SIGHUP);
	cr_assert(tp_wait_for(&tp, "configuration reloaded", 5000),
	    "output:\n%s", tp.out);
	/*
	 * Only the jobs changed: the same worker serves on, and a client's
	 * keep-alive connection never notices; the worker knows the new job.
	 */
	/*
	 * The job list reaches the worker over the socketpair while this
	 * request comes over TCP: the worker may read the request first
	 * (under valgrind it did), so a 404 is retried for a bounded time.
	 */
	for (long end = now_ms() + 5000;;) {
		resp = http_exchange(port,
		    "POST /__tend/build?job=two HTTP/1.1\r\nHost: 127.0.0.1\r\n"
		    "Content-Length: 0\r\nConnection: close\r\n\r\n",
		    &len, 5000);
		if (http_status(resp) != 404 || now_ms() > end)
			break;
		free(resp);
		tp_pump(&tp, 20);
	}
	cr_assert(http_status(resp) == 202, "%s", resp);
	free(resp);
	for (long end = now_ms() + 5000;
	     !tmp_exists(dir, "two") && now_ms() < end;)
		tp_pump(&tp, 10);
	cr_assert(tmp_exists(dir, "two"));
	cr_assert(http_get_on(keep, "/", NULL) == 200,
	    "a keep-alive client lost its connection to a jobs-only reload");
	close(keep);
	cr_assert(pid_alive(worker) && tp_count(&tp, "worker stopped") == 0,
	    "the worker was replaced; output:\n%s", tp.out);
	it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	expect_no_process_left();
}

/*
 * A reload that changes what the worker does (here its root) starts a
 * new worker on the same port. A keep-alive client of the old one that
 * sends its next request gets it answered (with "Connection: close"),
 * not a closed connection, then reconnects and sees the new root; a
 * dropped job is gone from the status page.
 */
Test(control, a_reload_that_changes_the_root_hands_clients_over)
{
	const char *args[] = {NULL};
	bool closed = false;
	char *resp, root2[PATH_MAX];
	size_t len;
	int port, keep;

	snprintf(root2, sizeof(root2), "%s/public2", dir);
	mkdir(root2, 0755);
	tmp_write(dir, "tend.json", good_config);
	tmp_write(dir, "public2/index.html", "<p>second root</p>\n");
	it_start(args, true);
	port = tp_http_port(&tp);
	wait_runs(1);
	keep = tcp_connect(port, 0);
	cr_assert(http_get_on(keep, "/", NULL) == 200);
	tmp_write(dir, "tend.json",
	    "{ \"jobs\": { \"other\": { \"cmd\": \"true\" } },\n"
	    "  \"serve\": { \"root\": \"public2\", \"http\": \"127.0.0.1:0\" } }");
	kill(tp.pid, SIGHUP);
	cr_assert(tp_wait_for(&tp, "configuration reloaded", 5000),
	    "output:\n%s", tp.out);
	wait_for_worker(1);
	cr_assert(http_get_on(keep, "/", &closed) == 200,
	    "the old worker dropped a keep-alive client; output:\n%s", tp.out);
	cr_assert(closed, "the old worker's last answer kept the connection");
	close(keep);
	cr_assert(tp_wait_for(&tp, "worker stopped", 5000), "%s", tp.out);
	resp = http_exchange(port,
	    "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
	    &len, 5000);
	cr_assert(strstr(resp, "second root") != NULL, "%s", resp);
	free(resp);
	resp = http_exchange(port,
	    "GET /__tend/status HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	    "Connection: close\r\n\r\n",
	    &len, 5000);
	cr_assert(strstr(resp, "\"name\":\"other\"") != NULL, "%s", resp);
	cr_assert(strstr(resp, "\"name\":\"site\"") == NULL, "%s", resp);
	free(resp);
	it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	expect_no_process_left();
}

/*
 * Two reloads that each replace the worker, in quick succession: the
 * first retiring worker is told to finish (it says BYE), not killed, and
 * the last configuration serves.
 */
Test(control, a_reload_during_a_reload_lets_both_old_workers_finish)
{
	const char *args[] = {NULL};
	char *resp, path[PATH_MAX];
	size_t len;
	int port, keep;

	for (int i = 2; i <= 3; i++) {
		snprintf(path, sizeof(path), "%s/public%d", dir, i);
		mkdir(path, 0755);
	}
	tmp_write(dir, "public3/index.html", "<p>third root</p>\n");
	tmp_write(dir, "tend.json", good_config);
	it_start(args, true);
	port = tp_http_port(&tp);
	keep = tcp_connect(port, 0); /* an idle client of the first worker */
	cr_assert(http_get_on(keep, "/", NULL) == 200);
	for (int i = 2; i <= 3; i++) {
		char cfg[256];
		snprintf(cfg, sizeof(cfg),
		    "{ \"jobs\": { \"site\": { \"cmd\": \"true\" } },\n"
		    "  \"serve\": { \"root\": \"public%d\", "
		    "\"http\": \"127.0.0.1:0\" } }",
		    i);
		tmp_write(dir, "tend.json", cfg);
		kill(tp.pid, SIGHUP);
		wait_for_worker(i - 1);
	}
	for (long end = now_ms() + 8000;
	     tp_count(&tp, "worker stopped") < 2 && now_ms() < end;)
		tp_pump(&tp, 10);
	cr_assert(tp_count(&tp, "worker stopped") == 2,
	    "the old workers did not both finish; output:\n%s", tp.out);
	cr_assert(strstr(tp.out, "without saying BYE") == NULL, "%s", tp.out);
	close(keep);
	resp = http_exchange(port,
	    "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
	    &len, 5000);
	cr_assert(strstr(resp, "third root") != NULL, "%s", resp);
	free(resp);
	it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	expect_no_process_left();
}

Test(control, a_bad_config_is_exit_2_and_starts_nothing)
{
	const char *args[] = {NULL};

	tmp_write(dir, "tend.json",
	    "{ \"jobs\": { \"site\": { \"cmd\": \"touch built\", "
	    "\"cwdd\": \".\" } } }");
	it_start(args, false);
	cr_assert(tp_wait_exit(&tp, 5000));
	cr_assert(WIFEXITED(tp.status) && WEXITSTATUS(tp.status) == 2,
	    "status 0x%x", tp.status);
	cr_assert(strstr(tp.out, "tend.json") != NULL, "%s", tp.out);
	cr_assert(strstr(tp.out, "jobs.site") != NULL, "%s", tp.out);
	cr_assert(strstr(tp.out, "\"cwd\"") != NULL, "%s", tp.out);
	cr_assert(!tmp_exists(dir, "built"));
	expect_no_process_left();
}

/* RFC 8259: JSON text is UTF-8. A Latin-1 byte is named, nothing runs. */
Test(control, invalid_utf8_in_tend_json_is_exit_2_naming_the_line)
{
	const char *args[] = {NULL};

	tmp_write(dir, "tend.json",
	    "{ \"jobs\": {\n  \"site\": { \"cmd\": \"touch built; echo "
	    "caf\xe9\" } } }");
	it_start(args, false);
	cr_assert(tp_wait_exit(&tp, 5000));
	cr_assert(WIFEXITED(tp.status) && WEXITSTATUS(tp.status) == 2,
	    "status 0x%x; %s", tp.status, tp.out);
	cr_assert(strstr(tp.out, "tend.json:2:") != NULL, "%s", tp.out);
	cr_assert(
	    strstr(tp.out, "invalid UTF-8 (byte 0xe9)") != NULL, "%s", tp.out);
	cr_assert(!tmp_exists(dir, "built"));
	expect_no_process_left();
}

Test(control, a_udp_log_without_udp_is_an_error_in_a_file_and_on_the_cli)
{
	const char *none[] = {NULL};
	const char *cli[] = {"serve", "public", "--http", "127.0.0.1:0",
	    "--udp-log", "udp.log", "--build", "touch built", NULL};

	tmp_write(dir, "tend.json",
	    "{ \"jobs\": { \"site\": { \"cmd\": \"touch built\" } },\n"
	    "  \"serve\": { \"http\": \"127.0.0.1:0\", "
	    "\"udp_log\": \"udp.log\" } }");
	it_start(none, false);
	cr_assert(tp_wait_exit(&tp, 5000));
	cr_assert(WIFEXITED(tp.status) && WEXITSTATUS(tp.status) == 2,
	    "status 0x%x; %s", tp.status, tp.out);
	cr_assert(strstr(tp.out, "tend.json") != NULL, "%s", tp.out);
	cr_assert(strstr(tp.out, "serve.udp_log: needs serve.udp") != NULL,
	    "%s", tp.out);
	tp_cleanup(&tp);
	it_start(cli, false);
	cr_assert(tp_wait_exit(&tp, 5000));
	cr_assert(WIFEXITED(tp.status) && WEXITSTATUS(tp.status) == 2,
	    "status 0x%x; %s", tp.status, tp.out);
	cr_assert(
	    strstr(tp.out, "--udp-log needs --udp") != NULL, "%s", tp.out);
	/* One line and a pointer to the help, not the help itself. */
	cr_assert(strstr(tp.out, "see tend --help") != NULL, "%s", tp.out);
	cr_assert(strstr(tp.out, "usage:") == NULL, "%s", tp.out);
	cr_assert(!tmp_exists(dir, "built"));
	expect_no_process_left();
}

Test(control, check_prints_the_normalised_config)
{
	const char *args[] = {"check", NULL};

	tmp_write(dir, "tend.json", good_config);
	it_start(args, false);
	cr_assert(tp_wait_exit(&tp, 5000));
	cr_assert(
	    WIFEXITED(tp.status) && WEXITSTATUS(tp.status) == 0, "%s", tp.out);
	cr_assert(strstr(tp.out, "\"stop_timeout\"") != NULL, "%s", tp.out);
	cr_assert(strstr(tp.out, "\"drain_timeout\"") != NULL, "%s", tp.out);
	expect_no_process_left();
}

Test(control, version_help_and_usage_errors)
{
	const char *v[] = {"--version", NULL};
	const char *bad[] = {"frobnicate", NULL};

	it_start(v, false);
	cr_assert(tp_wait_exit(&tp, 5000));
	cr_assert(WIFEXITED(tp.status) && WEXITSTATUS(tp.status) == 0);
	cr_assert(strstr(tp.out, "tend 0.") != NULL, "%s", tp.out);
	tp_cleanup(&tp);
	it_start(bad, false);
	cr_assert(tp_wait_exit(&tp, 5000));
	cr_assert(WIFEXITED(tp.status) && WEXITSTATUS(tp.status) == 2);
	cr_assert(strstr(tp.out,
	              "tend: unknown command \"frobnicate\"\r\n"
	              "see tend --help\r\n") != NULL,
	    "%s", tp.out);
	cr_assert(strstr(tp.out, "usage:") == NULL, "%s", tp.out);
	expect_no_process_left();
}
