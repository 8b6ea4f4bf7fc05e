/* SPDX-License-Identifier: ISC */
/*
 * tests/integration/test_drain.c
 * Ctrl-C loses no data: a slow download in flight completes byte for
 * byte, and every datagram sent before the Ctrl-C is in the udp log.
 */
#include <sys/socket.h>

#include <poll.h>

#include "common.h"

TestSuite(drain, .init = it_setup, .fini = it_teardown, .timeout = 90);

#define BIG (16 * 1024 * 1024)

Test(drain, a_slow_download_in_flight_arrives_complete)
{
	const char *args[] = {"serve", "public", "--http", "127.0.0.1:0", NULL};
	char *data = malloc(BIG), req[256], buf[65536];
	size_t got = 0, header = 0, hdr_len = 0;
	char head[4096];
	bool typed = false;
	int port, fd;

	for (size_t i = 0; i < BIG; i++)
		data[i] = (char)('a' + (i * 7 + i / 4096) % 26);
	tmp_write_bytes(dir, "public/big.bin", data, BIG);
	it_start(args, true);
	port = tp_http_port(&tp);
	cr_assert(port > 0);
	fd = tcp_connect(port, 32 * 1024);
	cr_assert(fd >= 0);
	snprintf(req, sizeof(req),
	    "GET /big.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
	cr_assert(send(fd, req, strlen(req), 0) > 0);

	/* Read slowly; Ctrl-C when about a tenth has arrived. */
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf) / 4, 0);
		if (n <= 0)
			break;
		size_t off = 0;
		if (header == 0) {
			size_t take = (size_t)n < sizeof(head) - hdr_len - 1
			    ? (size_t)n
			    : sizeof(head) - hdr_len - 1;
			memcpy(head + hdr_len, buf, take);
			hdr_len += take;
			head[hdr_len] = '\0';
			char *end = strstr(head, "\r\n\r\n");
			cr_assert(end != NULL, "no header in the first read");
			header = (size_t)(end + 4 - head);
			off = header;
		}
		cr_assert(got + ((size_t)n - off) <= BIG);
		size_t bad = 0;
		while (
		    bad < (size_t)n - off && data[got + bad] == buf[off + bad])
			bad++;
		cr_assert(
		    bad == (size_t)n - off, "body differs at %zu", got + bad);
		got += (size_t)n - off;
		if (!typed && got > BIG / 10) {
			it_ctrl_c(1);
			typed = true;
		}
		if (got == BIG)
			break;
		tp_pump(&tp, 2);
	}
	close(fd);
	cr_assert(typed);
	cr_assert(got == BIG, "got %zu of %d bytes", got, BIG);
	cr_assert(strstr(head, "200 OK") != NULL);
	expect_exit_by_signal(SIGINT);
	/* The stop said what it waited for, and that it is bounded. */
	cr_assert(
	    strstr(tp.out, "waiting for 1 response (") != NULL, "%s", tp.out);
	cr_assert(strstr(tp.out, "0 responses cut") != NULL, "%s", tp.out);
	expect_no_process_left();
	free(data);
}

Test(drain, every_datagram_sent_before_ctrl_c_is_in_the_udp_log)
{
	const char *args[] = {"serve", "public", "--http", "127.0.0.1:0",
	    "--udp", "127.0.0.1:0", "--udp-log", "udp.log", NULL};
	enum { N = 10000 };
	char msg[64], *log;
	size_t len, lines = 0;
	int port, fd;

	it_start(args, true);
	port = tp_udp_port(&tp);
	cr_assert(port > 0);
	fd = udp_socket();
	for (int i = 0; i < N; i++) {
		snprintf(msg, sizeof(msg), "record %d", i);
		cr_assert(udp_send(fd, port, msg) > 0);
		/* A terminal shows what tend prints; keep reading it. */
		if (i % 200 == 0)
			tp_pump(&tp, 0);
	}
	it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	close(fd);
	log = tmp_read(dir, "udp.log", &len);
	cr_assert(log != NULL);
	for (char *p = log; (p = strchr(p, '\n')) != NULL; p++)
		lines++;
	cr_assert(lines == N, "%zu of %d datagrams in the log", lines, N);
	for (int i = 0; i < N; i += 997) {
		snprintf(msg, sizeof(msg), " record %d\n", i);
		cr_assert(strstr(log, msg) != NULL, "missing %s", msg);
	}
	cr_expect(strstr(tp.out, "10000 datagrams handled") != NULL,
	    "output tail: %s", tp.out + (tp.len > 300 ? tp.len - 300 : 0));
	free(log);
	expect_no_process_left();
}
