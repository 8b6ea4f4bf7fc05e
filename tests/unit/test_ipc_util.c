/* SPDX-License-Identifier: ISC */
/*
 * tests/unit/test_ipc_util.c
 * Helpers for the ipc/ tests (declared in test_ipc.h); no tests here.
 */
#include <sys/mman.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "test_ipc.h"

const enum ipc_type ipc_test_types[IPC_TEST_NTYPES] = {
    MSG_BUILD_STARTED,
    MSG_BUILD_FINISHED,
    MSG_RELOAD,
    MSG_STOP,
    MSG_PING,
    MSG_JOB_INFO,
    MSG_JOB_READY,
    MSG_READY,
    MSG_TRIGGER,
    MSG_BYE,
    MSG_PONG,
};

/* Printable filler of n bytes that changes with seed. */
static void
fill(char *dst, size_t size, size_t n, unsigned seed)
{
	size_t i;

	cr_assert(lt(sz, n, size));
	for (i = 0; i < n; i++)
		dst[i] = (char)('!' + (i * 7 + seed) % 94);
	dst[n] = '\0';
}

void
ipc_test_sample(enum ipc_type type, unsigned seed, struct ipc_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->type = type;
	switch (type) {
	case MSG_BUILD_STARTED:
		snprintf(m->u.build_started.job, IPC_NAME_MAX, "site-%u", seed);
		m->u.build_started.pgid = 1000 + seed;
		break;
	case MSG_BUILD_FINISHED:
		snprintf(m->u.build_finished.job, IPC_NAME_MAX, "css-%u", seed);
		m->u.build_finished.ok = seed & 1;
		/* Negative, to catch a lost sign. */
		m->u.build_finished.status = -(int32_t)seed - 2;
		m->u.build_finished.duration_ms = 0xfedcba98u - seed;
		m->u.build_finished.more = seed & 2;
		m->u.build_finished.restarted = 0x80000000u | seed;
		m->u.build_finished.runs = 0x80000000u + seed;
		m->u.build_finished.age_ms = 0x7654321u + seed;
		fill(m->u.build_finished.tail, IPC_TAIL_MAX, IPC_TAIL_MAX - 1,
		    seed);
		break;
	case MSG_RELOAD:
		fill(m->u.reload.paths, IPC_PATHS_MAX, 100 + seed % 1000, seed);
		m->u.reload.paths[10] = '\n';
		break;
	case MSG_STOP:
		m->u.stop.level = STOP_CUT;
		m->u.stop.deadline_ms = 5000 + seed;
		break;
	case MSG_PING:
		m->u.ping.seq = 0x80000001u + seed;
		break;
	case MSG_JOB_INFO:
		/* A name using the whole field, NUL aside. */
		fill(m->u.job_info.name, IPC_NAME_MAX, IPC_NAME_MAX - 1, seed);
		m->u.job_info.kind = 1;
		break;
	case MSG_JOB_READY:
		snprintf(m->u.job_ready.job, IPC_NAME_MAX, "api%u", seed);
		break;
	case MSG_READY:
		snprintf(m->u.ready.http, IPC_NAME_MAX, "127.0.0.1:%u",
		    8000 + seed % 1000);
		/* Empty udp: a zero-length string on the wire. */
		break;
	case MSG_TRIGGER:
		snprintf(m->u.trigger.job, IPC_NAME_MAX, "j%u", seed);
		snprintf(
		    m->u.trigger.source, IPC_NAME_MAX, "udp 127.0.0.1:5000");
		break;
	case MSG_BYE:
		m->u.bye.signo = 2;
		m->u.bye.requests = 0x0123456789abcdefULL + seed;
		m->u.bye.datagrams = UINT64_MAX - seed;
		m->u.bye.cut = (uint64_t)seed << 40;
		break;
	case MSG_PONG:
		m->u.pong.seq = 0xffffffffu - seed;
		break;
	}
}

size_t
ipc_test_encode(const struct ipc_msg *m, uint8_t *buf, size_t cap)
{
	ssize_t n;

	n = ipc_msg_encode(m, buf, cap);
	cr_assert(gt(long, (long)n, 0), "encode %s: %s", ipc_type_name(m->type),
	    strerror(errno));
	return (size_t)n;
}

void
ipc_test_decode(const struct ipc_frame *f, struct ipc_msg *m)
{
	cr_assert(eq(int, ipc_msg_decode(f, m), 0), "decode %s: %s",
	    ipc_type_name(f->type), strerror(errno));
}

void
ipc_test_assert_msg_eq(const struct ipc_msg *got, const struct ipc_msg *want)
{
	const char *name = ipc_type_name(want->type);

	cr_assert(eq(int, got->type, want->type), "type of %s", name);
	switch (want->type) {
	case MSG_BUILD_STARTED:
		cr_assert(eq(str, (char *)got->u.build_started.job,
		    (char *)want->u.build_started.job));
		cr_assert(eq(u32, got->u.build_started.pgid,
		    want->u.build_started.pgid));
		break;
	case MSG_BUILD_FINISHED:
		cr_assert(eq(str, (char *)got->u.build_finished.job,
		    (char *)want->u.build_finished.job));
		cr_assert(eq(
		    u32, got->u.build_finished.ok, want->u.build_finished.ok));
		cr_assert(eq(i32, got->u.build_finished.status,
		    want->u.build_finished.status));
		cr_assert(eq(u32, got->u.build_finished.duration_ms,
		    want->u.build_finished.duration_ms));
		cr_assert(eq(u32, got->u.build_finished.more,
		    want->u.build_finished.more));
		cr_assert(eq(u32, got->u.build_finished.restarted,
		    want->u.build_finished.restarted));
		cr_assert(eq(u32, got->u.build_finished.runs,
		    want->u.build_finished.runs));
		cr_assert(eq(u32, got->u.build_finished.age_ms,
		    want->u.build_finished.age_ms));
		cr_assert(eq(str, (char *)got->u.build_finished.tail,
		    (char *)want->u.build_finished.tail));
		break;
	case MSG_RELOAD:
		cr_assert(eq(str, (char *)got->u.reload.paths,
		    (char *)want->u.reload.paths));
		break;
	case MSG_STOP:
		cr_assert(eq(u32, got->u.stop.level, want->u.stop.level));
		cr_assert(
		    eq(u32, got->u.stop.deadline_ms, want->u.stop.deadline_ms));
		break;
	case MSG_PING:
		cr_assert(eq(u32, got->u.ping.seq, want->u.ping.seq));
		break;
	case MSG_JOB_INFO:
		cr_assert(eq(str, (char *)got->u.job_info.name,
		    (char *)want->u.job_info.name));
		cr_assert(eq(u32, got->u.job_info.kind, want->u.job_info.kind));
		break;
	case MSG_JOB_READY:
		cr_assert(eq(str, (char *)got->u.job_ready.job,
		    (char *)want->u.job_ready.job));
		break;
	case MSG_READY:
		cr_assert(eq(str, (char *)got->u.ready.http,
		    (char *)want->u.ready.http));
		cr_assert(eq(
		    str, (char *)got->u.ready.udp, (char *)want->u.ready.udp));
		break;
	case MSG_TRIGGER:
		cr_assert(eq(str, (char *)got->u.trigger.job,
		    (char *)want->u.trigger.job));
		cr_assert(eq(str, (char *)got->u.trigger.source,
		    (char *)want->u.trigger.source));
		break;
	case MSG_BYE:
		cr_assert(eq(u32, got->u.bye.signo, want->u.bye.signo));
		cr_assert(eq(u64, got->u.bye.requests, want->u.bye.requests));
		cr_assert(eq(u64, got->u.bye.datagrams, want->u.bye.datagrams));
		cr_assert(eq(u64, got->u.bye.cut, want->u.bye.cut));
		break;
	case MSG_PONG:
		cr_assert(eq(u32, got->u.pong.seq, want->u.pong.seq));
		break;
	default:
		cr_fatal("no comparison for type %d", (int)want->type);
	}
}

void
ipc_test_guard_place(struct ipc_test_guard *g, const void *data, size_t len)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t body = (len + page - 1) / page * page;

	if (body == 0)
		body = page;
	g->maplen = body + page;
	g->map = mmap(NULL, g->maplen, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert(ne(ptr, g->map, MAP_FAILED), "mmap: %s", strerror(errno));
	cr_assert(eq(int, mprotect(g->map + body, page, PROT_NONE), 0),
	    "mprotect: %s", strerror(errno));
	g->data = g->map + body - len;
	if (len > 0)
		memcpy(g->data, data, len);
}

void
ipc_test_guard_free(struct ipc_test_guard *g)
{
	munmap(g->map, g->maplen);
	memset(g, 0, sizeof(*g));
}

void
ipc_test_socketpair(int sv[2])
{
	cr_assert(eq(int,
	              socketpair(AF_UNIX,
	                  SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv),
	              0),
	    "socketpair: %s", strerror(errno));
}
