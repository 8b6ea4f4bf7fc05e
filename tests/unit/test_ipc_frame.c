/* SPDX-License-Identifier: ISC */
/*
 * tests/unit/test_ipc_frame.c
 * ipc/frame.c: the frame header, parsed from every prefix of a buffer.
 */
#include <errno.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "test_ipc.h"

TestSuite(ipc_frame, .timeout = 10.);

static void
put_header(
    uint8_t *p, uint8_t version, uint8_t type, uint16_t reserved, uint32_t len)
{
	p[0] = version;
	p[1] = type;
	p[2] = (uint8_t)(reserved >> 8);
	p[3] = (uint8_t)reserved;
	p[4] = (uint8_t)(len >> 24);
	p[5] = (uint8_t)(len >> 16);
	p[6] = (uint8_t)(len >> 8);
	p[7] = (uint8_t)len;
}

static void
assert_parse_fails(const uint8_t *buf, size_t len, int want_errno)
{
	struct ipc_frame f;

	errno = 0;
	cr_assert(eq(long, (long)ipc_frame_parse(buf, len, &f), -1L));
	cr_assert(eq(int, errno, want_errno), "errno %d (%s), want %d", errno,
	    strerror(errno), want_errno);
}

Test(ipc_frame, a_header_is_version_type_zero_and_big_endian_length)
{
	struct ipc_msg m;
	uint8_t buf[64];
	size_t n;

	ipc_test_sample(MSG_PING, 0, &m);
	m.u.ping.seq = 0x01020304;
	n = ipc_test_encode(&m, buf, sizeof(buf));
	cr_assert(eq(sz, n, 12));
	cr_assert(eq(u8, buf[0], IPC_PROTOCOL_VERSION));
	cr_assert(eq(u8, buf[1], MSG_PING));
	cr_assert(eq(u8, buf[2], 0));
	cr_assert(eq(u8, buf[3], 0));
	cr_assert(eq(u32,
	    (uint32_t)buf[4] << 24 | buf[5] << 16 | buf[6] << 8 | buf[7], 4));
	cr_assert(eq(u8, buf[8], 1));
	cr_assert(eq(u8, buf[11], 4));
}

Test(ipc_frame, fewer_bytes_than_a_header_need_more)
{
	uint8_t buf[IPC_HDR_LEN];
	struct ipc_frame f;
	size_t i;

	put_header(buf, IPC_PROTOCOL_VERSION, MSG_STOP, 0, 0);
	for (i = 0; i < IPC_HDR_LEN; i++)
		cr_assert(eq(long, (long)ipc_frame_parse(buf, i, &f), 0L),
		    "prefix of %zu bytes", i);
	cr_assert(eq(long, (long)ipc_frame_parse(buf, i, &f), 8L));
	cr_assert(eq(u32, f.len, 0));
	cr_assert(eq(u8, f.type, MSG_STOP));
}

Test(ipc_frame, a_header_without_all_its_payload_needs_more)
{
	uint8_t buf[IPC_HDR_LEN + 100];
	struct ipc_frame f;
	size_t i;

	memset(buf, 'x', sizeof(buf));
	put_header(buf, IPC_PROTOCOL_VERSION, 200, 0, 100);
	for (i = IPC_HDR_LEN; i < sizeof(buf); i++)
		cr_assert(eq(long, (long)ipc_frame_parse(buf, i, &f), 0L),
		    "prefix of %zu bytes", i);
	/* Parsing does not judge the type: decoding does. */
	cr_assert(eq(long, (long)ipc_frame_parse(buf, sizeof(buf), &f), 108L));
	cr_assert(eq(u8, f.type, 200));
	cr_assert(eq(ptr, (void *)f.payload, buf + IPC_HDR_LEN));
}

Test(ipc_frame, only_the_first_frame_is_parsed)
{
	uint8_t buf[2 * IPC_HDR_LEN + 3];
	struct ipc_frame f;

	memset(buf, 0, sizeof(buf));
	put_header(buf, IPC_PROTOCOL_VERSION, MSG_PING, 0, 3);
	put_header(buf + IPC_HDR_LEN + 3, IPC_PROTOCOL_VERSION, 99, 0, 0);
	cr_assert(eq(long, (long)ipc_frame_parse(buf, sizeof(buf), &f), 11L));
	cr_assert(eq(u32, f.len, 3));
}

Test(ipc_frame, a_bad_version_is_a_protocol_error)
{
	uint8_t buf[IPC_HDR_LEN];

	put_header(buf, 0, MSG_PING, 0, 4);
	assert_parse_fails(buf, sizeof(buf), EPROTO);
	put_header(buf, IPC_PROTOCOL_VERSION + 1, MSG_PING, 0, 4);
	assert_parse_fails(buf, sizeof(buf), EPROTO);
}

Test(ipc_frame, nonzero_reserved_bits_are_a_protocol_error)
{
	uint8_t buf[IPC_HDR_LEN];

	put_header(buf, IPC_PROTOCOL_VERSION, MSG_PING, 0x0100, 0);
	assert_parse_fails(buf, sizeof(buf), EPROTO);
	put_header(buf, IPC_PROTOCOL_VERSION, MSG_PING, 0x0001, 0);
	assert_parse_fails(buf, sizeof(buf), EPROTO);
}

Test(ipc_frame, an_oversized_frame_is_refused_from_its_header_alone)
{
	uint8_t buf[IPC_HDR_LEN];

	put_header(
	    buf, IPC_PROTOCOL_VERSION, MSG_RELOAD, 0, IPC_MAX_PAYLOAD + 1);
	assert_parse_fails(buf, sizeof(buf), EMSGSIZE);
	put_header(buf, IPC_PROTOCOL_VERSION, MSG_RELOAD, 0, UINT32_MAX);
	assert_parse_fails(buf, sizeof(buf), EMSGSIZE);
}

Test(ipc_frame, a_payload_of_exactly_the_maximum_is_accepted)
{
	static uint8_t buf[IPC_TEST_FRAME_MAX];
	struct ipc_frame f;

	put_header(buf, IPC_PROTOCOL_VERSION, MSG_RELOAD, 0, IPC_MAX_PAYLOAD);
	cr_assert(
	    eq(long, (long)ipc_frame_parse(buf, sizeof(buf) - 1, &f), 0L));
	cr_assert(eq(long, (long)ipc_frame_parse(buf, sizeof(buf), &f),
	    (long)sizeof(buf)));
	cr_assert(eq(u32, f.len, IPC_MAX_PAYLOAD));
}

Test(ipc_frame, parsing_every_prefix_never_reads_past_the_end)
{
	struct ipc_test_guard g;
	uint8_t buf[IPC_TEST_FRAME_MAX];
	struct ipc_frame f;
	struct ipc_msg m;
	size_t i, n, t;

	for (t = 0; t < IPC_TEST_NTYPES; t++) {
		ipc_test_sample(ipc_test_types[t], (unsigned)t, &m);
		n = ipc_test_encode(&m, buf, sizeof(buf));
		/* Each prefix flush against the guard page: i bytes, no more.
		 */
		for (i = 0; i <= n; i++) {
			ipc_test_guard_place(&g, buf, i);
			cr_assert(eq(long, (long)ipc_frame_parse(g.data, i, &f),
			              i == n ? (long)n : 0L),
			    "%s, %zu of %zu bytes", ipc_type_name(m.type), i,
			    n);
			ipc_test_guard_free(&g);
		}
	}
}
