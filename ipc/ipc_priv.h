/* SPDX-License-Identifier: ISC */
/*
 * ipc/ipc_priv.h
 * Internal to ipc/: big-endian byte access, the header writer, and the
 * wire layout of every message type. Not installed, not for callers.
 */
#ifndef TEND_IPC_PRIV_H
#define TEND_IPC_PRIV_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ipc.h"

/*
 * Byte-wise access: no alignment or host byte order assumed, so the same
 * code is right on every architecture and under UBSan.
 */
static inline uint32_t
ipc_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static inline uint64_t
ipc_get64(const uint8_t *p)
{
	return (uint64_t)ipc_get32(p) << 32 | ipc_get32(p + 4);
}

static inline void
ipc_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline void
ipc_put64(uint8_t *p, uint64_t v)
{
	ipc_put32(p, (uint32_t)(v >> 32));
	ipc_put32(p + 4, (uint32_t)v);
}

/* Write a frame header for a payload of plen bytes (frame.c). */
void ipc_frame_put_header(uint8_t *p, uint8_t type, uint32_t plen);

/*
 * One payload field: where it lives in struct ipc_msg and how it goes on
 * the wire. IPC_F_U32 also carries int32_t: exact-width signed types are
 * two's complement with no padding (C11 7.20.1.1), so the four bytes are
 * the same and one code path serves both.
 */
enum ipc_field_kind {
	IPC_F_U32, /* 4 bytes big-endian */
	IPC_F_U64, /* 8 bytes big-endian */
	IPC_F_STR, /* u32 big-endian length, then bytes, no NUL */
};

struct ipc_field {
	uint8_t kind; /* enum ipc_field_kind */
	uint16_t off; /* offsetof(struct ipc_msg, ...) */
	uint16_t size; /* sizeof the member; a string holds size - 1 bytes */
};

#define IPC_FIELDS_MAX 9

struct ipc_layout {
	uint8_t type; /* enum ipc_type */
	uint8_t nfields;
	const char *name;
	struct ipc_field fields[IPC_FIELDS_MAX];
};

/* The layout of a message type, or NULL if the type is unknown. */
const struct ipc_layout *ipc_layout_find(int type);

/* Frame length m encodes to, or -1 with errno EINVAL (unknown type). */
ssize_t ipc_msg_size(const struct ipc_msg *m);

#endif
