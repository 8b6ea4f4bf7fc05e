/* SPDX-License-Identifier: ISC */
/*
 * tests/integration/test_faults2.c
 * More faults than test_faults.c: kill -9 of the worker while responses
 * are in flight (none is corrupt or passes for complete when it is not,
 * and the port keeps serving), a udp log on a full disk (/dev/full), fd
 * exhaustion (tend under `ulimit -n 64`, 200 connections: no busy loop,
 * and it serves again once they close). kill -9 of tend while jobs run is
 * test_guard.c's.
 */
#include <sys/resource.h>
#include <sys/socket.h>

#include <fcntl.h>

#include "common.h"

TestSuite(faults2, .init = it_setup, .fini = it_teardown, .timeout = 90);

#define BIG (8 * 1024 * 1024)

static char
big_byte(size_t i)
{
	return (char)('a' + (i * 7 + i / 4096) % 26);
}

static void
write_big(void)
{
	char *data = malloc(BIG);

	for (size_t i = 0; i < BIG; i++)
		data[i] = big_byte(i);
	tmp_write_bytes(dir, "public/big.bin", data, BIG);
	free(data);
}

/* tend under a pty with RLIMIT_NOFILE set before exec, worker ready. */
static void
start_with_nofile(const char *const *args, rlim_t nofile)
{
	tp_start_nofile(&tp, dir, args, (unsigned long)nofile);
	cr_assert(tp_wait_for(&tp, "worker ready", 10000),
	    "worker not ready; output:\n%s", tp.out);
}

/* Read one response to EOF: true if complete; any wrong byte fails. */
static bool
read_big_response(int fd, const char *first, size_t flen)
{
	char buf[65536], head[4096];
	size_t hl = 0, body = 0;
	long clen = -1;
	bool in_body = false;
	const char *p = first;
	size_t n = flen;

	for (;;) {
		size_t off = 0;
		if (!in_body) {
			size_t take = n < sizeof(head) - 1 - hl
			    ? n
			    : sizeof(head) - 1 - hl;
			char *end;
			memcpy(head + hl, p, take);
			hl += take;
			head[hl] = '\0';
			if ((end = strstr(head, "\r\n\r\n")) != NULL) {
				const char *cl =
				    strstr(head, "Content-Length:");
				cr_assert(http_status(head) == 200, "%s", head);
				cr_assert(cl != NULL, "%s", head);
				clen = atol(cl + 15);
				cr_assert(
				    clen == BIG, "Content-Length %ld", clen);
				in_body = true;
				off = take - (hl - (size_t)(end + 4 - head));
			} else
				off = n;
		}
		if (in_body) {
			cr_assert(body + (n - off) <= (size_t)clen,
			    "bytes beyond Content-Length");
			for (size_t i = off; i < n; i++, body++)
				cr_assert(p[i] == big_byte(body),
				    "byte %zu of the body is wrong", body);
			if ((long)body == clen)
				return true;
		}
		ssize_t got = recv(fd, buf, sizeof(buf), 0);
		if (got <= 0)
			return false; /* cut: visibly short of Content-Length */
		p = buf;
		n = (size_t)got;
	}
}

Test(faults2, kill_9_of_the_worker_under_load_never_passes_off_a_short_200)
{
	const char *args[] = {"serve", "public", "--http", "127.0.0.1:0", NULL};
	enum { K = 8 };
	int fds[K], port, complete = 0, cut = 0;
	char first[K][4096];
	size_t flen[K];
	pid_t worker;

	write_big();
	it_start(args, true);
	port = tp_http_port(&tp);
	worker = tp_worker_pid(&tp, 0);
	cr_assert(port > 0 && worker > 0);
	/* Eight slow readers, each with a response well under way. */
	for (int i = 0; i < K; i++) {
		fds[i] = tcp_connect(port, 16 * 1024);
		cr_assert(fds[i] >= 0);
		const char req[] =
		    "GET /big.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
		cr_assert(send(fds[i], req, sizeof(req) - 1, 0) > 0);
		ssize_t got = recv(fds[i], first[i], sizeof(first[i]), 0);
		cr_assert(got > 0, "no response started");
		flen[i] = (size_t)got;
	}
	kill(worker, SIGKILL);
	/* Requests made right after the kill wait for the new worker. */
	for (int i = 0; i < 10; i++)
		expect_served(port, 5000);
	for (int i = 0; i < K; i++) {
		if (read_big_response(fds[i], first[i], flen[i]))
			complete++;
		else
			cut++;
		close(fds[i]);
	}
	cr_log_info("in flight at the kill: %d complete, %d cut short "
	            "(visibly: EOF before Content-Length)",
	    complete, cut);
	cr_assert(tp_wait_for(&tp, "restarting it on the same sockets", 5000),
	    "output:\n%s", tp.out);
	cr_assert(tp_worker_pid(&tp, 1) > 0, "output:\n%s", tp.out);
	/* A whole big file on the same port, from the new worker. */
	int fd = tcp_connect(port, 0);
	const char req[] =
	    "GET /big.bin HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
	cr_assert(fd >= 0 && send(fd, req, sizeof(req) - 1, 0) > 0);
	cr_assert(read_big_response(fd, "", 0), "cut after the restart");
	close(fd);
	it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	expect_no_process_left();
}

Test(faults2, a_udp_log_on_a_full_disk_is_reported_once_and_serving_goes_on)
{
	const char *args[] = {"serve", "public", "--http", "127.0.0.1:0",
	    "--udp", "127.0.0.1:0", "--udp-log", "/dev/full", NULL};
	char msg[64], buf[16];
	int hport, uport, fd;

	it_start(args, true);
	hport = tp_http_port(&tp);
	uport = tp_udp_port(&tp);
	cr_assert(hport > 0 && uport > 0);
	fd = udp_socket();
	for (int i = 0; i < 20; i++) {
		snprintf(msg, sizeof(msg), "record %d", i);
		cr_assert(udp_send(fd, uport, msg) > 0);
	}
	udp_send(fd, uport, "ping");
	cr_assert(udp_recv(fd, buf, sizeof(buf), 5000) == 4, "no pong");
	cr_assert(tp_wait_for(&tp, ": record 19", 2000), "output:\n%s", tp.out);
	for (int i = 0; i < 20; i++) {
		snprintf(msg, sizeof(msg), ": record %d\r\n", i);
		cr_assert(strstr(tp.out, msg) != NULL, "not printed: %s", msg);
	}
	cr_assert(tp_count(&tp, "udp log /dev/full") == 1,
	    "the error should be printed once; output:\n%s", tp.out);
	cr_assert(strstr(tp.out, "No space left on device") != NULL,
	    "output:\n%s", tp.out);
	expect_served(hport, 2000);
	close(fd);
	it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	expect_no_process_left();
}

/* utime + stime of pid (fields 14 and 15 of its stat), in seconds. */
static double
cpu_seconds(pid_t pid)
{
	long long ut = proc_stat_field(pid, 14), st = proc_stat_field(pid, 15);

	if (ut < 0 || st < 0)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

Test(faults2, emfile_neither_spins_nor_stops_accepting)
{
	const char *args[] = {"serve", "public", "--http", "127.0.0.1:0", NULL};
	enum { N = 200 };
	int fds[N], port, refused = 0;
	pid_t worker;
	double c0, c1;
	long lat;

	start_with_nofile(args, 64);
	port = tp_http_port(&tp);
	worker = tp_worker_pid(&tp, 0);
	cr_assert(port > 0 && worker > 0);
	for (int i = 0; i < N; i++) {
		fds[i] = tcp_connect(port, 0);
		cr_assert(fds[i] >= 0, "connect %d", i);
	}
	tp_pump(&tp, 200);
	c0 = cpu_seconds(worker);
	tp_pump(&tp, 1000);
	c1 = cpu_seconds(worker);
	cr_log_info("worker CPU with %d connections at a limit of 64 fds: "
	            "%.2f s in 1 s",
	    N, c1 - c0);
	cr_assert(c0 >= 0 && c1 - c0 < 0.25,
	    "the worker spins: %.2f s of CPU "
	    "in 1 s",
	    c1 - c0);
	for (int i = 0; i < N; i++) {
		char buf[64];
		ssize_t n = recv(fds[i], buf, sizeof(buf) - 1, MSG_DONTWAIT);
		if (n > 0) {
			buf[n] = '\0';
			refused += http_status(buf) == 503;
		}
		close(fds[i]);
	}
	cr_log_info(
	    "%d of %d connections were refused with 503 so far", refused, N);
	cr_assert(pid_alive(worker), "the worker died; output:\n%s", tp.out);
	lat = expect_served(port, 3000);
	cr_log_info("first GET after closing them: %ld ms", lat);
	cr_assert(lat < 2000, "served only after %ld ms", lat);
	it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	expect_no_process_left();
}
