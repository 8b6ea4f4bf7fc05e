/* SPDX-License-Identifier: ISC */
/*
 * tests/unit/test_ipc_rbuf.c
 * ipc/rbuf.c: bytes in any pieces come out as the same whole frames, once
 * each and in order; bad, oversized and truncated input is caught.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "test_ipc.h"

TestSuite(ipc_rbuf, .timeout = 20.);

/* Static: a struct ipc_rbuf is 64 KiB, too much for a test's stack. */
static struct ipc_rbuf rb;
static uint8_t wire[64 * IPC_TEST_FRAME_MAX / 16];

static void
append(const void *p, size_t len)
{
	cr_assert(eq(int, ipc_rbuf_append(&rb, p, len), 0), "append %zu: %s",
	    len, strerror(errno));
}

static void
assert_no_frame(void)
{
	struct ipc_frame f;

	cr_assert(eq(int, ipc_rbuf_next(&rb, &f), 0));
}

/* The next frame decodes to want. */
static void
assert_next_is(const struct ipc_msg *want)
{
	struct ipc_frame f;
	struct ipc_msg got;

	cr_assert(eq(int, ipc_rbuf_next(&rb, &f), 1), "no frame for %s",
	    ipc_type_name(want->type));
	ipc_test_decode(&f, &got);
	ipc_test_assert_msg_eq(&got, want);
}

static void
assert_next_fails(int want_errno)
{
	struct ipc_frame f;

	errno = 0;
	cr_assert(eq(int, ipc_rbuf_next(&rb, &f), -1));
	cr_assert(eq(int, errno, want_errno), "errno %s", strerror(errno));
}

static void
put_header(uint8_t *p, uint8_t version, uint8_t type, uint32_t len)
{
	p[0] = version;
	p[1] = type;
	p[2] = p[3] = 0;
	p[4] = (uint8_t)(len >> 24);
	p[5] = (uint8_t)(len >> 16);
	p[6] = (uint8_t)(len >> 8);
	p[7] = (uint8_t)len;
}

Test(ipc_rbuf, a_frame_fed_byte_by_byte_decodes_once)
{
	struct ipc_msg m;
	size_t i, n, t;

	for (t = 0; t < IPC_TEST_NTYPES; t++) {
		memset(&rb, 0, sizeof(rb));
		ipc_test_sample(ipc_test_types[t], (unsigned)t, &m);
		n = ipc_test_encode(&m, wire, sizeof(wire));
		for (i = 0; i < n; i++) {
			assert_no_frame();
			append(wire + i, 1);
		}
		assert_next_is(&m);
		assert_no_frame();
		cr_assert(eq(sz, ipc_rbuf_pending(&rb), 0));
	}
}

Test(ipc_rbuf, a_frame_split_at_every_byte_decodes_once)
{
	struct ipc_msg m;
	size_t i, n, t;

	for (t = 0; t < IPC_TEST_NTYPES; t++) {
		ipc_test_sample(ipc_test_types[t], (unsigned)t + 5, &m);
		n = ipc_test_encode(&m, wire, sizeof(wire));
		for (i = 0; i <= n; i++) {
			memset(&rb, 0, sizeof(rb));
			append(wire, i);
			if (i < n)
				assert_no_frame();
			cr_assert(eq(sz, ipc_rbuf_pending(&rb), i));
			append(wire + i, n - i);
			assert_next_is(&m);
			assert_no_frame();
			cr_assert(eq(sz, ipc_rbuf_pending(&rb), 0));
		}
	}
}

Test(ipc_rbuf, fifty_frames_in_one_append_come_out_in_order)
{
	struct ipc_msg m;
	size_t len = 0;
	unsigned i;

	for (i = 0; i < 50; i++) {
		ipc_test_sample(ipc_test_types[i % IPC_TEST_NTYPES], i, &m);
		len += ipc_test_encode(&m, wire + len, sizeof(wire) - len);
	}
	/* Under the buffer size, so one append takes all of it. */
	cr_assert(lt(sz, len, sizeof(rb.buf)));
	append(wire, len);
	for (i = 0; i < 50; i++) {
		ipc_test_sample(ipc_test_types[i % IPC_TEST_NTYPES], i, &m);
		assert_next_is(&m);
	}
	assert_no_frame();
	cr_assert(eq(sz, ipc_rbuf_pending(&rb), 0));
}

Test(ipc_rbuf, frames_straddling_reads_of_odd_sizes_come_out_in_order)
{
	struct ipc_msg m;
	size_t len = 0, off, step;
	struct ipc_frame f;
	unsigned i, got = 0;

	for (i = 0; i < 200; i++) {
		ipc_test_sample(ipc_test_types[i % IPC_TEST_NTYPES], i, &m);
		len += ipc_test_encode(&m, wire + len, sizeof(wire) - len);
	}
	/* Prime-sized pieces put frame edges everywhere in the buffer. */
	for (off = 0; off < len; off += step) {
		step = len - off < 997 ? len - off : 997;
		append(wire + off, step);
		while (ipc_rbuf_next(&rb, &f) == 1) {
			struct ipc_msg out;

			ipc_test_sample(
			    ipc_test_types[got % IPC_TEST_NTYPES], got, &m);
			ipc_test_decode(&f, &out);
			ipc_test_assert_msg_eq(&out, &m);
			got++;
		}
	}
	cr_assert(eq(u32, got, 200));
	cr_assert(eq(sz, ipc_rbuf_pending(&rb), 0));
}

Test(ipc_rbuf, a_largest_frame_fits_behind_a_consumed_one)
{
	static uint8_t big[IPC_TEST_FRAME_MAX];
	struct ipc_frame f;
	struct ipc_msg m;
	size_t n;

	/* A raw frame of the largest size: parse takes it, decode not. */
	memset(big, 'z', sizeof(big));
	put_header(big, IPC_PROTOCOL_VERSION, MSG_RELOAD, IPC_MAX_PAYLOAD);
	ipc_test_sample(MSG_PING, 0, &m);
	n = ipc_test_encode(&m, wire, sizeof(wire));
	append(wire, n);
	append(big, 100);
	assert_next_is(&m);
	/* Only compaction makes room for the rest. */
	append(big + 100, sizeof(big) - 100);
	cr_assert(eq(int, ipc_rbuf_next(&rb, &f), 1));
	cr_assert(eq(u32, f.len, IPC_MAX_PAYLOAD));
	cr_assert(eq(int, memcmp(f.payload, big + IPC_HDR_LEN, f.len), 0));
}

Test(ipc_rbuf, appending_past_capacity_fails_with_emsgsize)
{
	static uint8_t big[IPC_TEST_FRAME_MAX + 1];

	memset(big, 0, sizeof(big));
	errno = 0;
	cr_assert(eq(int, ipc_rbuf_append(&rb, big, sizeof(big)), -1));
	cr_assert(eq(int, errno, EMSGSIZE));
	cr_assert(eq(sz, ipc_rbuf_pending(&rb), 0));
	append(big, sizeof(big) - 1);
	errno = 0;
	cr_assert(eq(int, ipc_rbuf_append(&rb, big, 1), -1));
	cr_assert(eq(int, errno, EMSGSIZE));
}

Test(ipc_rbuf, an_oversized_frame_fails_as_soon_as_its_header_is_in)
{
	uint8_t h[IPC_HDR_LEN];
	size_t i;

	put_header(h, IPC_PROTOCOL_VERSION, MSG_RELOAD, IPC_MAX_PAYLOAD + 1);
	for (i = 0; i < IPC_HDR_LEN - 1; i++) {
		append(h + i, 1);
		assert_no_frame();
	}
	append(h + i, 1);
	assert_next_fails(EMSGSIZE);
}

Test(ipc_rbuf, a_bad_version_fails_with_eproto_and_stays_failed)
{
	uint8_t h[IPC_HDR_LEN];
	struct ipc_msg m;
	size_t n;

	ipc_test_sample(MSG_STOP, 0, &m);
	n = ipc_test_encode(&m, wire, sizeof(wire));
	put_header(h, IPC_PROTOCOL_VERSION + 1, MSG_STOP, 0);
	append(wire, n);
	append(h, sizeof(h));
	append(wire, n);
	assert_next_is(&m);
	assert_next_fails(EPROTO);
	/* Poisoned: the good frame after it never comes out. */
	assert_next_fails(EPROTO);
}

Test(ipc_rbuf, pending_counts_bytes_held_but_not_consumed)
{
	struct ipc_msg m;
	size_t n;

	cr_assert(eq(sz, ipc_rbuf_pending(&rb), 0));
	ipc_test_sample(MSG_PONG, 0, &m);
	n = ipc_test_encode(&m, wire, sizeof(wire));
	append(wire, n);
	append(wire, 5);
	cr_assert(eq(sz, ipc_rbuf_pending(&rb), n + 5));
	assert_next_is(&m);
	cr_assert(eq(sz, ipc_rbuf_pending(&rb), 5));
	assert_no_frame();
	cr_assert(eq(sz, ipc_rbuf_pending(&rb), 5));
}

Test(ipc_rbuf, a_truncated_frame_then_eof_leaves_bytes_pending)
{
	struct ipc_msg m;
	int sv[2];
	size_t n;

	ipc_test_socketpair(sv);
	ipc_test_sample(MSG_BUILD_FINISHED, 0, &m);
	n = ipc_test_encode(&m, wire, sizeof(wire));
	/* The header promises n - 8 bytes; ten fewer arrive. */
	cr_assert(eq(long, (long)write(sv[0], wire, n - 10), (long)(n - 10)));
	close(sv[0]);
	cr_assert(eq(long, (long)ipc_rbuf_read(&rb, sv[1]), (long)(n - 10)));
	assert_no_frame();
	cr_assert(eq(long, (long)ipc_rbuf_read(&rb, sv[1]), 0L));
	cr_assert(eq(sz, ipc_rbuf_pending(&rb), n - 10));
	close(sv[1]);
}

Test(ipc_rbuf, an_empty_nonblocking_fd_reads_eagain)
{
	int sv[2];

	ipc_test_socketpair(sv);
	errno = 0;
	cr_assert(eq(long, (long)ipc_rbuf_read(&rb, sv[1]), -1L));
	cr_assert(eq(int, errno, EAGAIN));
	close(sv[0]);
	cr_assert(eq(long, (long)ipc_rbuf_read(&rb, sv[1]), 0L));
	cr_assert(eq(sz, ipc_rbuf_pending(&rb), 0));
	close(sv[1]);
}

Test(ipc_rbuf, frames_are_read_from_a_pipe_too)
{
	struct ipc_msg m;
	int p[2];
	size_t n;

	cr_assert(eq(int, pipe2(p, O_NONBLOCK | O_CLOEXEC), 0));
	ipc_test_sample(MSG_READY, 0, &m);
	n = ipc_test_encode(&m, wire, sizeof(wire));
	cr_assert(eq(long, (long)write(p[1], wire, n), (long)n));
	cr_assert(eq(long, (long)ipc_rbuf_read(&rb, p[0]), (long)n));
	assert_next_is(&m);
	close(p[0]);
	close(p[1]);
}

Test(ipc_rbuf, a_full_buffer_of_undrained_frames_refuses_to_read)
{
	static uint8_t big[IPC_TEST_FRAME_MAX];
	int sv[2];

	ipc_test_socketpair(sv);
	memset(big, 'z', sizeof(big));
	put_header(big, IPC_PROTOCOL_VERSION, MSG_RELOAD, IPC_MAX_PAYLOAD);
	append(big, sizeof(big));
	cr_assert(eq(long, (long)write(sv[0], "x", 1), 1L));
	/* Not 0: that would be mistaken for EOF. */
	errno = 0;
	cr_assert(eq(long, (long)ipc_rbuf_read(&rb, sv[1]), -1L));
	cr_assert(eq(int, errno, EMSGSIZE));
	close(sv[0]);
	close(sv[1]);
}
