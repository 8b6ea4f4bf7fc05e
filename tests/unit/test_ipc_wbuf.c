/* SPDX-License-Identifier: ISC */
/*
 * tests/unit/test_ipc_wbuf.c
 * ipc/wbuf.c over real fds: a backlog larger than the socket buffer goes
 * out in pieces and arrives whole and in order; EOF and a gone peer are
 * reported, never a SIGPIPE.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "test_ipc.h"

TestSuite(ipc_wbuf, .timeout = 30.);

static struct ipc_rbuf rb;

static void
put(struct ipc_wbuf *wb, const struct ipc_msg *m)
{
	cr_assert(eq(int, ipc_wbuf_put(wb, m), 0), "put %s: %s",
	    ipc_type_name(m->type), strerror(errno));
}

/* BUILD_FINISHED number i, with a full 4 KiB tail. */
static void
finished(unsigned i, struct ipc_msg *m)
{
	ipc_test_sample(MSG_BUILD_FINISHED, i, m);
	m->u.build_finished.duration_ms = i;
}

/*
 * Read what fd has, decoding frames as BUILD_FINISHED 0, 1, ...; returns
 * the new count received.
 */
static unsigned
drain(int fd, unsigned got)
{
	struct ipc_frame f;
	struct ipc_msg m, want;
	ssize_t n;
	int r;

	while ((n = ipc_rbuf_read(&rb, fd)) > 0) {
		while ((r = ipc_rbuf_next(&rb, &f)) == 1) {
			ipc_test_decode(&f, &m);
			finished(got, &want);
			ipc_test_assert_msg_eq(&m, &want);
			got++;
		}
		cr_assert(eq(int, r, 0), "next: %s", strerror(errno));
	}
	cr_assert(eq(long, (long)n, -1L), "unexpected EOF");
	cr_assert(eq(int, errno, EAGAIN), "read: %s", strerror(errno));
	return got;
}

/* Read fd until EOF (0 from ipc_rbuf_read); returns the frames seen. */
static unsigned
drain_to_eof(int fd)
{
	struct ipc_frame f;
	struct ipc_msg m, want;
	unsigned got = 0;
	ssize_t n;

	while ((n = ipc_rbuf_read(&rb, fd)) != 0) {
		cr_assert(gt(long, (long)n, 0L), "read: %s", strerror(errno));
		while (ipc_rbuf_next(&rb, &f) == 1) {
			ipc_test_decode(&f, &m);
			finished(got, &want);
			ipc_test_assert_msg_eq(&m, &want);
			got++;
		}
	}
	cr_assert(eq(sz, ipc_rbuf_pending(&rb), 0));
	return got;
}

Test(ipc_wbuf, put_queues_whole_encoded_frames)
{
	uint8_t frame[IPC_TEST_FRAME_MAX];
	struct ipc_wbuf wb = {0};
	struct ipc_msg m;
	size_t t, want = 0;

	for (t = 0; t < IPC_TEST_NTYPES; t++) {
		ipc_test_sample(ipc_test_types[t], 0, &m);
		put(&wb, &m);
		want += ipc_test_encode(&m, frame, sizeof(frame));
		cr_assert(eq(sz, ipc_wbuf_pending(&wb), want));
	}
	ipc_wbuf_free(&wb);
}

Test(ipc_wbuf, putting_an_unknown_type_fails_with_einval_and_queues_nothing)
{
	struct ipc_wbuf wb = {0};
	struct ipc_msg m;

	memset(&m, 0, sizeof(m));
	m.type = (enum ipc_type)99;
	errno = 0;
	cr_assert(eq(int, ipc_wbuf_put(&wb, &m), -1));
	cr_assert(eq(int, errno, EINVAL));
	cr_assert(eq(sz, ipc_wbuf_pending(&wb), 0));
	ipc_wbuf_free(&wb);
}

Test(ipc_wbuf, free_zeroes_and_is_safe_on_a_zeroed_buffer)
{
	struct ipc_wbuf wb = {0};
	struct ipc_msg m;

	ipc_wbuf_free(&wb);
	ipc_test_sample(MSG_PING, 0, &m);
	put(&wb, &m);
	ipc_wbuf_free(&wb);
	cr_assert(eq(ptr, wb.buf, NULL));
	cr_assert(eq(sz, wb.len + wb.cap + wb.off, 0));
	ipc_wbuf_free(&wb);
	/* Usable again after free. */
	put(&wb, &m);
	cr_assert(eq(sz, ipc_wbuf_pending(&wb), IPC_HDR_LEN + 4));
	ipc_wbuf_free(&wb);
}

Test(ipc_wbuf, flushing_nothing_returns_zero)
{
	struct ipc_wbuf wb = {0};
	int sv[2];

	ipc_test_socketpair(sv);
	cr_assert(eq(long, (long)ipc_wbuf_flush(&wb, sv[0]), 0L));
	close(sv[0]);
	close(sv[1]);
}

Test(ipc_wbuf, a_large_backlog_flushes_in_pieces_and_arrives_intact)
{
	struct ipc_wbuf wb = {0};
	struct ipc_msg m;
	unsigned i, got = 0, partial = 0;
	size_t total;
	ssize_t left;
	int sv[2];

	ipc_test_socketpair(sv);
	for (i = 0; i < 2000; i++) {
		finished(i, &m);
		put(&wb, &m);
	}
	total = ipc_wbuf_pending(&wb);
	cr_assert(gt(sz, total, 2000 * IPC_TAIL_MAX));
	while ((left = ipc_wbuf_flush(&wb, sv[0])) > 0) {
		cr_assert(eq(sz, (size_t)left, ipc_wbuf_pending(&wb)));
		cr_assert(lt(sz, (size_t)left, total), "no progress");
		total = (size_t)left;
		partial++;
		got = drain(sv[1], got);
	}
	cr_assert(eq(long, (long)left, 0L), "flush: %s", strerror(errno));
	got = drain(sv[1], got);
	cr_assert(eq(u32, got, 2000));
	/* The socket buffer is far below 8 MiB: EAGAIN must have cut it. */
	cr_assert(gt(u32, partial, 0));
	cr_assert(eq(sz, ipc_rbuf_pending(&rb), 0));
	ipc_wbuf_free(&wb);
	close(sv[0]);
	close(sv[1]);
}

Test(ipc_wbuf, puts_between_partial_flushes_keep_their_order)
{
	struct ipc_wbuf wb = {0};
	struct ipc_msg m;
	unsigned next = 0, got = 0, round;
	ssize_t left;
	int sv[2];

	ipc_test_socketpair(sv);
	/* Queue, flush part, read part: the queue moves and grows. */
	for (round = 0; round < 40; round++) {
		for (; next < (round + 1) * 50; next++) {
			finished(next, &m);
			put(&wb, &m);
		}
		left = ipc_wbuf_flush(&wb, sv[0]);
		cr_assert(
		    ge(long, (long)left, 0L), "flush: %s", strerror(errno));
		if (round % 3 == 0)
			got = drain(sv[1], got);
	}
	while ((left = ipc_wbuf_flush(&wb, sv[0])) > 0)
		got = drain(sv[1], got);
	cr_assert(eq(long, (long)left, 0L));
	got = drain(sv[1], got);
	cr_assert(eq(u32, got, next));
	ipc_wbuf_free(&wb);
	close(sv[0]);
	close(sv[1]);
}

Test(ipc_wbuf, the_reader_sees_eof_after_the_writer_closes)
{
	struct ipc_wbuf wb = {0};
	struct ipc_msg m;
	int sv[2];

	ipc_test_socketpair(sv);
	finished(0, &m);
	put(&wb, &m);
	cr_assert(eq(long, (long)ipc_wbuf_flush(&wb, sv[0]), 0L));
	close(sv[0]);
	cr_assert(eq(u32, drain_to_eof(sv[1]), 1));
	ipc_wbuf_free(&wb);
	close(sv[1]);
}

Test(ipc_wbuf, flushing_to_a_closed_peer_fails_with_epipe_without_sigpipe)
{
	struct ipc_wbuf wb = {0};
	struct ipc_msg m;
	size_t queued;
	int sv[2];

	/* Default disposition: a SIGPIPE would kill this test. */
	signal(SIGPIPE, SIG_DFL);
	ipc_test_socketpair(sv);
	close(sv[1]);
	ipc_test_sample(MSG_PING, 0, &m);
	put(&wb, &m);
	queued = ipc_wbuf_pending(&wb);
	errno = 0;
	cr_assert(eq(long, (long)ipc_wbuf_flush(&wb, sv[0]), -1L));
	cr_assert(eq(int, errno, EPIPE));
	/* The queue is kept for the caller to drop with the peer. */
	cr_assert(eq(sz, ipc_wbuf_pending(&wb), queued));
	ipc_wbuf_free(&wb);
	close(sv[0]);
}

Test(ipc_wbuf, a_hard_error_keeps_the_queue)
{
	struct ipc_wbuf wb = {0};
	struct ipc_msg m;

	ipc_test_sample(MSG_STOP, 0, &m);
	put(&wb, &m);
	errno = 0;
	cr_assert(eq(long, (long)ipc_wbuf_flush(&wb, -1), -1L));
	cr_assert(eq(int, errno, EBADF));
	cr_assert(eq(sz, ipc_wbuf_pending(&wb), IPC_HDR_LEN + 8));
	ipc_wbuf_free(&wb);
}

Test(ipc_wbuf, flushing_to_a_pipe_falls_back_to_write)
{
	struct ipc_wbuf wb = {0};
	struct ipc_frame f;
	struct ipc_msg m, got;
	int p[2];

	cr_assert(eq(int, pipe2(p, O_NONBLOCK | O_CLOEXEC), 0));
	ipc_test_sample(MSG_TRIGGER, 3, &m);
	put(&wb, &m);
	cr_assert(eq(long, (long)ipc_wbuf_flush(&wb, p[1]), 0L));
	cr_assert(gt(long, (long)ipc_rbuf_read(&rb, p[0]), 0L));
	cr_assert(eq(int, ipc_rbuf_next(&rb, &f), 1));
	ipc_test_decode(&f, &got);
	ipc_test_assert_msg_eq(&got, &m);
	ipc_wbuf_free(&wb);
	close(p[0]);
	close(p[1]);
}

Test(ipc_wbuf, a_full_pipe_returns_what_is_left)
{
	struct ipc_wbuf wb = {0};
	struct ipc_msg m;
	ssize_t left;
	unsigned i;
	int p[2];

	cr_assert(eq(int, pipe2(p, O_NONBLOCK | O_CLOEXEC), 0));
	for (i = 0; i < 100; i++) {
		finished(i, &m);
		put(&wb, &m);
	}
	/* 400 KiB into a 64 KiB pipe: EAGAIN through write(), not -1. */
	left = ipc_wbuf_flush(&wb, p[1]);
	cr_assert(gt(long, (long)left, 0L), "flush: %s", strerror(errno));
	cr_assert(eq(sz, (size_t)left, ipc_wbuf_pending(&wb)));
	ipc_wbuf_free(&wb);
	close(p[0]);
	close(p[1]);
}
