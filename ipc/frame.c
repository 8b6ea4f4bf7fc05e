/* SPDX-License-Identifier: ISC */
/*
 * ipc/frame.c
 * The 8-byte frame header: parse it at the start of a buffer, write it.
 * Pure functions over buffers; owns no fd and does no I/O.
 */
#include <errno.h>

#include "ipc_priv.h"

ssize_t
ipc_frame_parse(const void *buf, size_t len, struct ipc_frame *out)
{
	const uint8_t *p = buf;
	uint32_t plen;

	if (len < IPC_HDR_LEN)
		return 0;
	if (p[0] != IPC_PROTOCOL_VERSION || p[2] != 0 || p[3] != 0) {
		errno = EPROTO;
		return -1;
	}
	/*
	 * The size is judged from the header alone, before any wait for the
	 * payload: a peer announcing a huge frame is dropped at once instead
	 * of being waited for.
	 */
	plen = ipc_get32(p + 4);
	if (plen > IPC_MAX_PAYLOAD) {
		errno = EMSGSIZE;
		return -1;
	}
	if (len - IPC_HDR_LEN < plen)
		return 0;
	out->type = p[1];
	out->len = plen;
	out->payload = p + IPC_HDR_LEN;
	return (ssize_t)(IPC_HDR_LEN + plen);
}

void
ipc_frame_put_header(uint8_t *p, uint8_t type, uint32_t plen)
{
	p[0] = IPC_PROTOCOL_VERSION;
	p[1] = type;
	p[2] = 0;
	p[3] = 0;
	ipc_put32(p + 4, plen);
}
