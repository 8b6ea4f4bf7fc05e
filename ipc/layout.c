/* SPDX-License-Identifier: ISC */
/*
 * ipc/layout.c
 * The wire layout of each message type: which members of struct ipc_msg
 * go on the wire, in which order, as what. Encoder, decoder and names all
 * read this one table, so a new message is one row here plus the header.
 */
#include <stddef.h>

#include "ipc_priv.h"

#define FIELD(k, member) \
	{ \
		(k), offsetof(struct ipc_msg, member), \
		    sizeof(((struct ipc_msg *)0)->member) \
	}
#define U32(member) FIELD(IPC_F_U32, member)
#define U64(member) FIELD(IPC_F_U64, member)
#define STR(member) FIELD(IPC_F_STR, member)

/* One field a line, in wire order; kept out of clang-format's reflow. */
/* clang-format off */
static const struct ipc_layout layouts[] = {
	{ MSG_BUILD_STARTED, 2, "BUILD_STARTED", {
		STR(u.build_started.job),
		U32(u.build_started.pgid),
	} },
	{ MSG_BUILD_FINISHED, 9, "BUILD_FINISHED", {
		STR(u.build_finished.job),
		U32(u.build_finished.ok),
		U32(u.build_finished.status),
		U32(u.build_finished.duration_ms),
		U32(u.build_finished.more),
		U32(u.build_finished.restarted),
		U32(u.build_finished.runs),
		U32(u.build_finished.age_ms),
		STR(u.build_finished.tail),
	} },
	{ MSG_RELOAD, 1, "RELOAD", {
		STR(u.reload.paths),
	} },
	{ MSG_STOP, 2, "STOP", {
		U32(u.stop.level),
		U32(u.stop.deadline_ms),
	} },
	{ MSG_PING, 1, "PING", {
		U32(u.ping.seq),
	} },
	{ MSG_JOB_INFO, 3, "JOB_INFO", {
		STR(u.job_info.name),
		U32(u.job_info.kind),
		U32(u.job_info.reset),
	} },
	{ MSG_JOB_READY, 1, "JOB_READY", {
		STR(u.job_ready.job),
	} },
	{ MSG_READY, 2, "READY", {
		STR(u.ready.http),
		STR(u.ready.udp),
	} },
	{ MSG_TRIGGER, 2, "TRIGGER", {
		STR(u.trigger.job),
		STR(u.trigger.source),
	} },
	{ MSG_BYE, 4, "BYE", {
		U32(u.bye.signo),
		U64(u.bye.requests),
		U64(u.bye.datagrams),
		U64(u.bye.cut),
	} },
	{ MSG_PONG, 1, "PONG", {
		U32(u.pong.seq),
	} },
};
/* clang-format on */

/* Offsets and sizes must fit the table's uint16_t members. */
_Static_assert(sizeof(struct ipc_msg) <= UINT16_MAX,
    "struct ipc_msg outgrew struct ipc_field");

const struct ipc_layout *
ipc_layout_find(int type)
{
	size_t i;

	/* Ten rows: a linear scan beats anything clever. */
	for (i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++)
		if (layouts[i].type == type)
			return &layouts[i];
	return NULL;
}
