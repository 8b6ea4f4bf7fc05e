/* SPDX-License-Identifier: ISC */
/*
 * tests/integration/test_faults.c
 * Processes dying under tend: kill -9 of the worker (a new one serves the
 * same port), kill -9 of the supervisor (the worker follows), a busy port
 * (a clear error, nothing left), a build that leaves a daemon behind.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include "common.h"

TestSuite(faults, .init = it_setup, .fini = it_teardown, .timeout = 60);

Test(faults, a_killed_worker_is_replaced_on_the_same_port)
{
	const char *args[] = {"serve", "public", "--http", "127.0.0.1:0", NULL};
	pid_t first, second;
	int port;

	it_start(args, true);
	port = tp_http_port(&tp);
	expect_served(port, 5000);
	first = tp_worker_pid(&tp, 0);
	cr_assert(first > 0);
	kill(first, SIGKILL);
	cr_assert(tp_wait_for(&tp, "restarting it on the same sockets", 5000));
	for (long end = now_ms() + 5000;
	     (second = tp_worker_pid(&tp, 1)) < 0 && now_ms() < end;)
		tp_pump(&tp, 20);
	cr_assert(second > 0 && second != first, "output:\n%s", tp.out);
	expect_served(port, 5000);
	it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	expect_no_process_left();
}

Test(faults, a_killed_supervisor_takes_the_worker_with_it)
{
	const char *args[] = {"serve", "public", "--http", "127.0.0.1:0", NULL};
	pid_t worker;
	long t0, gone = -1;

	it_start(args, true);
	worker = tp_worker_pid(&tp, 0);
	cr_assert(worker > 0);
	t0 = now_ms();
	kill(tp.pid, SIGKILL);
	while (now_ms() - t0 < 1000) {
		if (!pid_alive(worker)) {
			gone = now_ms() - t0;
			break;
		}
		usleep(5000);
	}
	/* DESIGN: within a second (PR_SET_PDEATHSIG: measured 0-6 ms). */
	cr_assert(gone >= 0, "the worker outlived the supervisor by 1 s");
	cr_log_info("worker gone %ld ms after kill -9 of the supervisor", gone);
	tp_wait_exit(&tp, 1000);
	expect_no_process_left();
}

Test(faults, a_busy_port_is_a_clear_error_and_nothing_runs)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	socklen_t slen = sizeof(sin);
	char addr[64], want[96];
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert(bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0);
	cr_assert(listen(fd, 1) == 0);
	getsockname(fd, (struct sockaddr *)&sin, &slen);
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", ntohs(sin.sin_port));
	const char *args[] = {
	    "serve", "public", "--http", addr, "--build", "touch built", NULL};
	it_start(args, false);
	cr_assert(tp_wait_exit(&tp, 10000));
	cr_assert(WIFEXITED(tp.status) && WEXITSTATUS(tp.status) != 0,
	    "status 0x%x", tp.status);
	snprintf(want, sizeof(want), "cannot listen on %s", addr);
	cr_assert(strstr(tp.out, want) != NULL, "output:\n%s", tp.out);
	cr_assert(strstr(tp.out, "Address already in use") != NULL);
	cr_assert(!tmp_exists(dir, "built"), "a build ran");
	expect_no_process_left();
	close(fd);
}

Test(faults, a_daemon_left_by_a_build_does_not_outlive_tend)
{
	/* setsid + & + exit: the classic daemon that escapes its group. */
	const char *args[] = {"serve", "public", "--http", "127.0.0.1:0",
	    "--build",
	    "setsid sh -c 'echo $$ > daemon.pid; exec sleep 300' "
	    "</dev/null >/dev/null 2>&1 & sleep 0.2",
	    NULL};
	size_t len;
	char *pidtxt;
	pid_t daemon;

	it_start(args, true);
	cr_assert(tp_wait_for(&tp, "build \"build\" finished", 5000),
	    "output:\n%s", tp.out);
	pidtxt = tmp_read(dir, "daemon.pid", &len);
	cr_assert(pidtxt != NULL);
	daemon = (pid_t)atoi(pidtxt);
	free(pidtxt);
	cr_assert(pid_alive(daemon));
	it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	for (long end = now_ms() + 2000; pid_alive(daemon) && now_ms() < end;)
		usleep(5000);
	cr_assert(!pid_alive(daemon), "the daemon outlived tend");
	expect_no_process_left();
}
