/* SPDX-License-Identifier: ISC */
/*
 * tests/unit/test_ipc_read.c
 * ipc/read.c over a real socketpair: every message in order, then why it
 * stopped (nothing more, the peer closed, a truncated frame).
 */
#include <sys/socket.h>

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "test_ipc.h"

TestSuite(ipc_read, .timeout = 20.);

static struct ipc_rbuf rb; /* 64 KiB: not on a test's stack */
static uint32_t seen[16];
static size_t nseen;
static int sv[2];

static void
collect(void *arg, const struct ipc_msg *m)
{
	(void)arg;
	cr_assert(eq(int, m->type, MSG_PING));
	if (nseen < 16)
		seen[nseen++] = m->u.ping.seq;
}

static void
send_pings(uint32_t from, uint32_t to)
{
	struct ipc_wbuf wb = {0};
	struct ipc_msg m;

	for (uint32_t i = from; i <= to; i++) {
		memset(&m, 0, sizeof(m));
		m.type = MSG_PING;
		m.u.ping.seq = i;
		cr_assert(eq(int, ipc_wbuf_put(&wb, &m), 0));
	}
	cr_assert(eq(sz, (size_t)ipc_wbuf_flush(&wb, sv[1]), 0));
	ipc_wbuf_free(&wb);
}

static void
pair(void)
{
	memset(&rb, 0, sizeof(rb));
	nseen = 0;
	cr_assert(eq(int,
	    socketpair(
	        AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv),
	    0));
}

Test(ipc_read, every_message_in_order_then_again)
{
	pair();
	send_pings(1, 5);
	cr_assert(
	    eq(int, ipc_read_all(&rb, sv[0], collect, NULL), IPC_READ_AGAIN));
	cr_assert(eq(sz, nseen, 5));
	for (size_t i = 0; i < 5; i++)
		cr_assert(eq(u32, seen[i], (uint32_t)i + 1));
	close(sv[0]);
	close(sv[1]);
}

Test(ipc_read, what_was_sent_before_the_close_is_read_then_eof)
{
	pair();
	send_pings(7, 8);
	close(sv[1]);
	cr_assert(
	    eq(int, ipc_read_all(&rb, sv[0], collect, NULL), IPC_READ_EOF));
	cr_assert(eq(sz, nseen, 2));
	cr_assert(eq(u32, seen[1], 8));
	close(sv[0]);
}

Test(ipc_read, a_frame_cut_by_the_close_is_broken)
{
	uint8_t half[3] = {0, 0, 0};

	pair();
	send_pings(1, 1);
	cr_assert(eq(sz, (size_t)write(sv[1], half, sizeof(half)), 3));
	close(sv[1]);
	cr_assert(
	    eq(int, ipc_read_all(&rb, sv[0], collect, NULL), IPC_READ_BROKEN));
	cr_assert(eq(sz, nseen, 1));
	close(sv[0]);
}
