/* SPDX-License-Identifier: ISC */
/*
 * tests/unit/test_ipc_msg.c
 * ipc/msg.c: every message type encodes and decodes back to itself; the
 * decoder refuses every malformed payload with EPROTO.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "test_ipc.h"

TestSuite(ipc_msg, .timeout = 10.);

static uint8_t frame[IPC_TEST_FRAME_MAX];

/* Encode, parse, decode; returns the frame length. */
static size_t
round_trip(const struct ipc_msg *m, struct ipc_msg *out)
{
	struct ipc_frame f;
	size_t n;

	n = ipc_test_encode(m, frame, sizeof(frame));
	cr_assert(eq(long, (long)ipc_frame_parse(frame, n, &f), (long)n));
	cr_assert(eq(u8, f.type, m->type));
	ipc_test_decode(&f, out);
	return n;
}

static void
assert_payload_refused(uint8_t type, const void *payload, size_t len)
{
	struct ipc_frame f = {
	    .type = type, .len = (uint32_t)len, .payload = payload};
	struct ipc_msg m;

	errno = 0;
	cr_assert(eq(int, ipc_msg_decode(&f, &m), -1), "%s payload of %zu",
	    ipc_type_name(type), len);
	cr_assert(eq(int, errno, EPROTO), "errno %s", strerror(errno));
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

Test(ipc_msg, every_message_type_survives_a_round_trip)
{
	struct ipc_msg m, got;
	size_t t;
	unsigned seed;

	for (t = 0; t < IPC_TEST_NTYPES; t++) {
		for (seed = 0; seed < 3; seed++) {
			ipc_test_sample(ipc_test_types[t], seed, &m);
			round_trip(&m, &got);
			ipc_test_assert_msg_eq(&got, &m);
		}
	}
}

Test(ipc_msg, a_decoded_message_re_encodes_to_the_same_bytes)
{
	uint8_t again[IPC_TEST_FRAME_MAX];
	struct ipc_msg m, got;
	size_t n, t;

	for (t = 0; t < IPC_TEST_NTYPES; t++) {
		ipc_test_sample(ipc_test_types[t], 7, &m);
		n = round_trip(&m, &got);
		cr_assert(
		    eq(sz, ipc_test_encode(&got, again, sizeof(again)), n));
		cr_assert(eq(int, memcmp(again, frame, n), 0), "%s",
		    ipc_type_name(m.type));
	}
}

Test(ipc_msg, ping_and_pong_both_carry_seq)
{
	struct ipc_msg m, got;

	memset(&m, 0, sizeof(m));
	m.type = MSG_PING;
	m.u.ping.seq = 41;
	cr_assert(eq(sz, round_trip(&m, &got), IPC_HDR_LEN + 4));
	cr_assert(eq(u32, got.u.ping.seq, 41));
	m.type = MSG_PONG;
	m.u.pong.seq = 42;
	cr_assert(eq(sz, round_trip(&m, &got), IPC_HDR_LEN + 4));
	cr_assert(eq(int, got.type, MSG_PONG));
	cr_assert(eq(u32, got.u.pong.seq, 42));
}

Test(ipc_msg, extreme_numbers_keep_their_value_and_sign)
{
	struct ipc_msg m, got;

	memset(&m, 0, sizeof(m));
	m.type = MSG_BUILD_FINISHED;
	m.u.build_finished.status = INT32_MIN;
	m.u.build_finished.duration_ms = UINT32_MAX;
	round_trip(&m, &got);
	cr_assert(eq(i32, got.u.build_finished.status, INT32_MIN));
	cr_assert(eq(u32, got.u.build_finished.duration_ms, UINT32_MAX));
	m.u.build_finished.status = -1;
	round_trip(&m, &got);
	cr_assert(eq(i32, got.u.build_finished.status, -1));

	memset(&m, 0, sizeof(m));
	m.type = MSG_BYE;
	m.u.bye.requests = UINT64_MAX;
	m.u.bye.datagrams = 1ULL << 63;
	m.u.bye.cut = 0x100000000ULL;
	round_trip(&m, &got);
	ipc_test_assert_msg_eq(&got, &m);
}

Test(ipc_msg, numbers_are_big_endian_on_the_wire)
{
	struct ipc_msg m;
	size_t n;

	memset(&m, 0, sizeof(m));
	m.type = MSG_BYE;
	m.u.bye.signo = 0x0a0b0c0d;
	m.u.bye.requests = 0x0102030405060708ULL;
	n = ipc_test_encode(&m, frame, sizeof(frame));
	cr_assert(eq(sz, n, IPC_HDR_LEN + 4 + 3 * 8));
	cr_assert(eq(u8, frame[8], 0x0a));
	cr_assert(eq(u8, frame[11], 0x0d));
	cr_assert(eq(u8, frame[12], 0x01));
	cr_assert(eq(u8, frame[19], 0x08));
}

Test(ipc_msg, strings_are_a_length_then_bytes_without_nul)
{
	struct ipc_msg m;
	size_t n;

	memset(&m, 0, sizeof(m));
	m.type = MSG_BUILD_STARTED;
	strcpy(m.u.build_started.job, "web");
	m.u.build_started.pgid = 0x01020304;
	n = ipc_test_encode(&m, frame, sizeof(frame));
	cr_assert(eq(sz, n, IPC_HDR_LEN + 4 + 3 + 4));
	cr_assert(eq(u8, frame[11], 3));
	cr_assert(eq(int, memcmp(frame + 12, "web", 3), 0));
	cr_assert(eq(u8, frame[15], 0x01));
	cr_assert(eq(u8, frame[18], 0x04));
}

Test(ipc_msg, strings_filling_their_field_are_cut_at_field_size_minus_one)
{
	struct ipc_msg m, got;
	char want[IPC_NAME_MAX];

	/* No NUL anywhere in the field: the encoder must not run past it. */
	memset(&m, 0, sizeof(m));
	m.type = MSG_TRIGGER;
	memset(m.u.trigger.job, 'j', sizeof(m.u.trigger.job));
	memset(m.u.trigger.source, 's', sizeof(m.u.trigger.source));
	round_trip(&m, &got);
	memset(want, 'j', sizeof(want) - 1);
	want[sizeof(want) - 1] = '\0';
	cr_assert(eq(str, got.u.trigger.job, want));
	memset(want, 's', sizeof(want) - 1);
	cr_assert(eq(str, got.u.trigger.source, want));

	memset(&m, 0, sizeof(m));
	m.type = MSG_BUILD_FINISHED;
	memset(m.u.build_finished.tail, 't', IPC_TAIL_MAX);
	round_trip(&m, &got);
	cr_assert(eq(sz, strlen(got.u.build_finished.tail), IPC_TAIL_MAX - 1));

	memset(&m, 0, sizeof(m));
	m.type = MSG_RELOAD;
	memset(m.u.reload.paths, 'p', IPC_PATHS_MAX);
	round_trip(&m, &got);
	cr_assert(eq(sz, strlen(got.u.reload.paths), IPC_PATHS_MAX - 1));
}

Test(ipc_msg, encoding_into_too_small_a_buffer_fails_with_emsgsize)
{
	uint8_t small[IPC_TEST_FRAME_MAX];
	struct ipc_msg m;
	size_t cap, n, t;

	for (t = 0; t < IPC_TEST_NTYPES; t++) {
		ipc_test_sample(ipc_test_types[t], 1, &m);
		n = ipc_test_encode(&m, frame, sizeof(frame));
		for (cap = 0; cap < n; cap++) {
			errno = 0;
			cr_assert(
			    eq(long, (long)ipc_msg_encode(&m, small, cap), -1L),
			    "%s into %zu", ipc_type_name(m.type), cap);
			cr_assert(eq(int, errno, EMSGSIZE));
		}
		cr_assert(
		    eq(long, (long)ipc_msg_encode(&m, small, n), (long)n));
	}
}

Test(ipc_msg, encoding_an_unknown_type_fails_with_einval)
{
	struct ipc_msg m;

	memset(&m, 0, sizeof(m));
	m.type = (enum ipc_type)8;
	errno = 0;
	cr_assert(
	    eq(long, (long)ipc_msg_encode(&m, frame, sizeof(frame)), -1L));
	cr_assert(eq(int, errno, EINVAL));
}

Test(ipc_msg, decoding_an_unknown_type_is_a_protocol_error)
{
	uint8_t p[4] = {0};
	int types[] = {0, 8, 31, 36, 255};
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		assert_payload_refused((uint8_t)types[i], p, sizeof(p));
}

Test(ipc_msg, every_short_payload_is_a_protocol_error)
{
	struct ipc_frame f;
	struct ipc_msg m;
	size_t cut, n, t;

	for (t = 0; t < IPC_TEST_NTYPES; t++) {
		ipc_test_sample(ipc_test_types[t], 2, &m);
		n = ipc_test_encode(&m, frame, sizeof(frame));
		cr_assert(
		    eq(long, (long)ipc_frame_parse(frame, n, &f), (long)n));
		for (cut = 0; cut < f.len; cut++)
			assert_payload_refused(f.type, f.payload, cut);
	}
}

Test(ipc_msg, trailing_bytes_are_a_protocol_error)
{
	struct ipc_frame f;
	struct ipc_msg m;
	size_t n, t;

	for (t = 0; t < IPC_TEST_NTYPES; t++) {
		ipc_test_sample(ipc_test_types[t], 3, &m);
		n = ipc_test_encode(&m, frame, sizeof(frame) - 1);
		cr_assert(
		    eq(long, (long)ipc_frame_parse(frame, n, &f), (long)n));
		frame[n] = 0;
		assert_payload_refused(f.type, f.payload, f.len + 1);
	}
}

Test(ipc_msg, a_string_length_pointing_past_the_end_is_a_protocol_error)
{
	/* BUILD_STARTED: a string of 10, then the u32 process group. */
	uint8_t p[4 + 10 + 4];

	memset(p, 'a', sizeof(p));
	put32(p, 11);
	assert_payload_refused(MSG_BUILD_STARTED, p, sizeof(p));
	put32(p, UINT32_MAX);
	assert_payload_refused(MSG_BUILD_STARTED, p, sizeof(p));
	put32(p, 10);
	/* The same bytes with an honest length decode. */
	{
		struct ipc_frame f = {MSG_BUILD_STARTED, sizeof(p), p};
		struct ipc_msg m;

		ipc_test_decode(&f, &m);
		cr_assert(eq(str, m.u.build_started.job, "aaaaaaaaaa"));
	}
}

Test(ipc_msg, a_string_as_long_as_its_field_is_a_protocol_error)
{
	uint8_t p[4 + IPC_NAME_MAX + 4]; /* the string, then the pgid */
	struct ipc_frame f = {MSG_BUILD_STARTED, 0, p};
	struct ipc_msg m;

	memset(p, 'n', sizeof(p));
	put32(p, IPC_NAME_MAX);
	assert_payload_refused(MSG_BUILD_STARTED, p, sizeof(p));
	/* One byte less leaves room for the NUL. */
	put32(p, IPC_NAME_MAX - 1);
	f.len = sizeof(p) - 1;
	ipc_test_decode(&f, &m);
	cr_assert(eq(sz, strlen(m.u.build_started.job), IPC_NAME_MAX - 1));
}

Test(ipc_msg, an_embedded_nul_is_a_protocol_error)
{
	uint8_t p[4 + 5] = {0, 0, 0, 5, 'a', 'b', '\0', 'c', 'd'};

	assert_payload_refused(MSG_BUILD_STARTED, p, sizeof(p));
	p[6] = 'x';
	p[8] = '\0';
	assert_payload_refused(MSG_BUILD_STARTED, p, sizeof(p));
	p[8] = 'y';
	p[4] = '\0';
	assert_payload_refused(MSG_BUILD_STARTED, p, sizeof(p));
}

Test(ipc_msg, a_second_string_is_checked_like_the_first)
{
	/* READY: http "h", then udp claiming 9 bytes where 2 are left. */
	uint8_t p[] = {0, 0, 0, 1, 'h', 0, 0, 0, 9, 'u', 'v'};

	assert_payload_refused(MSG_READY, p, sizeof(p));
}

Test(ipc_msg, decoding_reads_only_the_payload)
{
	struct ipc_test_guard g;
	struct ipc_frame f;
	struct ipc_msg m, got;
	size_t n, t;

	for (t = 0; t < IPC_TEST_NTYPES; t++) {
		ipc_test_sample(ipc_test_types[t], 4, &m);
		n = ipc_test_encode(&m, frame, sizeof(frame));
		cr_assert(
		    eq(long, (long)ipc_frame_parse(frame, n, &f), (long)n));
		/* Payload flush against the guard, then every short one. */
		ipc_test_guard_place(&g, f.payload, f.len);
		f.payload = g.data;
		ipc_test_decode(&f, &got);
		ipc_test_assert_msg_eq(&got, &m);
		ipc_test_guard_free(&g);
		for (; f.len > 0; f.len--) {
			ipc_test_guard_place(
			    &g, frame + IPC_HDR_LEN, f.len - 1);
			assert_payload_refused(f.type, g.data, f.len - 1);
			ipc_test_guard_free(&g);
		}
	}
}

Test(ipc_msg, decoding_clears_what_an_earlier_message_left)
{
	struct ipc_msg m, got;

	ipc_test_sample(MSG_BUILD_FINISHED, 0, &m);
	round_trip(&m, &got);
	memset(&m, 0, sizeof(m));
	m.type = MSG_RELOAD;
	strcpy(m.u.reload.paths, "a.c");
	round_trip(&m, &got);
	cr_assert(eq(str, got.u.reload.paths, "a.c"));
	cr_assert(eq(u8, (uint8_t)got.u.reload.paths[100], 0));
}

Test(ipc_msg, every_type_has_a_name_and_others_are_unknown)
{
	size_t t;

	cr_assert(eq(
	    str, (char *)ipc_type_name(MSG_BUILD_FINISHED), "BUILD_FINISHED"));
	cr_assert(eq(str, (char *)ipc_type_name(MSG_PONG), "PONG"));
	for (t = 0; t < IPC_TEST_NTYPES; t++)
		cr_assert(ne(
		    str, (char *)ipc_type_name(ipc_test_types[t]), "unknown"));
	cr_assert(eq(str, (char *)ipc_type_name(0), "unknown"));
	cr_assert(eq(str, (char *)ipc_type_name(-1), "unknown"));
	cr_assert(eq(str, (char *)ipc_type_name(1000), "unknown"));
}

/* JOB_READY: the job's name, a length then its bytes, and nothing else. */
Test(ipc_msg, job_ready_is_the_job_name_alone)
{
	static const uint8_t want[] = {IPC_PROTOCOL_VERSION, MSG_JOB_READY, 0,
	    0, 0, 0, 0, 7, 0, 0, 0, 3, 'a', 'p', 'i'};
	struct ipc_msg m, got;
	size_t n;

	memset(&m, 0, sizeof(m));
	m.type = MSG_JOB_READY;
	snprintf(m.u.job_ready.job, sizeof(m.u.job_ready.job), "api");
	n = round_trip(&m, &got);
	cr_assert(eq(sz, n, sizeof(want)));
	cr_assert(eq(int, memcmp(frame, want, n), 0));
	cr_assert(eq(str, got.u.job_ready.job, "api"));
	cr_assert(eq(str, (char *)ipc_type_name(MSG_JOB_READY), "JOB_READY"));
	/* A name only: an empty payload is short, a u32 after it trails. */
	assert_payload_refused(MSG_JOB_READY, want + IPC_HDR_LEN, 2);
}
