/* SPDX-License-Identifier: ISC */
/*
 * ipc/msg.c
 * Message payloads: struct ipc_msg to bytes and back, walking the layout
 * table in layout.c. Pure functions over buffers; no I/O.
 *
 * The decoder is strict so that every accepted payload has exactly one
 * encoding: a frame that decodes re-encodes to the same bytes.
 */
#include <errno.h>
#include <string.h>

#include "ipc_priv.h"

/* Bytes of a string field that go on the wire: cut at size - 1. */
static size_t
str_len(const struct ipc_msg *m, const struct ipc_field *fd)
{
	/* strnlen: the field may lack a NUL if the caller filled it all. */
	return strnlen((const char *)m + fd->off, fd->size - 1u);
}

static size_t
payload_len(const struct ipc_msg *m, const struct ipc_layout *l)
{
	size_t i, n = 0;

	for (i = 0; i < l->nfields; i++) {
		switch (l->fields[i].kind) {
		case IPC_F_U32:
			n += 4;
			break;
		case IPC_F_U64:
			n += 8;
			break;
		case IPC_F_STR:
			n += 4 + str_len(m, &l->fields[i]);
			break;
		}
	}
	return n;
}

ssize_t
ipc_msg_size(const struct ipc_msg *m)
{
	const struct ipc_layout *l;

	if ((l = ipc_layout_find(m->type)) == NULL) {
		errno = EINVAL;
		return -1;
	}
	return (ssize_t)(IPC_HDR_LEN + payload_len(m, l));
}

ssize_t
ipc_msg_encode(const struct ipc_msg *m, void *buf, size_t cap)
{
	const struct ipc_layout *l;
	const struct ipc_field *fd;
	const char *src;
	uint8_t *p = buf;
	uint32_t v32;
	uint64_t v64;
	size_t i, n, plen;

	if ((l = ipc_layout_find(m->type)) == NULL) {
		errno = EINVAL;
		return -1;
	}
	plen = payload_len(m, l);
	/* Field sizes keep plen far below the cap; check anyway, cheaply. */
	if (plen > IPC_MAX_PAYLOAD || cap < IPC_HDR_LEN + plen) {
		errno = EMSGSIZE;
		return -1;
	}
	ipc_frame_put_header(p, l->type, (uint32_t)plen);
	p += IPC_HDR_LEN;
	for (i = 0; i < l->nfields; i++) {
		fd = &l->fields[i];
		src = (const char *)m + fd->off;
		switch (fd->kind) {
		case IPC_F_U32:
			memcpy(&v32, src, sizeof(v32));
			ipc_put32(p, v32);
			p += 4;
			break;
		case IPC_F_U64:
			memcpy(&v64, src, sizeof(v64));
			ipc_put64(p, v64);
			p += 8;
			break;
		case IPC_F_STR:
			n = str_len(m, fd);
			ipc_put32(p, (uint32_t)n);
			memcpy(p + 4, src, n);
			p += 4 + n;
			break;
		}
	}
	return (ssize_t)(IPC_HDR_LEN + plen);
}

int
ipc_msg_decode(const struct ipc_frame *f, struct ipc_msg *m)
{
	const struct ipc_layout *l;
	const struct ipc_field *fd;
	const uint8_t *p = f->payload;
	size_t left = f->len;
	uint32_t v32, n;
	uint64_t v64;
	char *dst;
	size_t i;

	if ((l = ipc_layout_find(f->type)) == NULL)
		goto bad;
	/*
	 * Zeroed first: strings come out NUL-terminated and no stale bytes
	 * from an earlier message survive in the union.
	 */
	memset(m, 0, sizeof(*m));
	m->type = (enum ipc_type)l->type;
	for (i = 0; i < l->nfields; i++) {
		fd = &l->fields[i];
		dst = (char *)m + fd->off;
		switch (fd->kind) {
		case IPC_F_U32:
			if (left < 4)
				goto bad;
			v32 = ipc_get32(p);
			memcpy(dst, &v32, sizeof(v32));
			p += 4;
			left -= 4;
			break;
		case IPC_F_U64:
			if (left < 8)
				goto bad;
			v64 = ipc_get64(p);
			memcpy(dst, &v64, sizeof(v64));
			p += 8;
			left -= 8;
			break;
		case IPC_F_STR:
			if (left < 4)
				goto bad;
			n = ipc_get32(p);
			p += 4;
			left -= 4;
			/* Room for the NUL, and within what arrived. */
			if (n >= fd->size || n > left)
				goto bad;
			/* A NUL inside would silently shorten the string. */
			if (memchr(p, '\0', n) != NULL)
				goto bad;
			memcpy(dst, p, n);
			p += n;
			left -= n;
			break;
		}
	}
	/* Trailing bytes mean the peer speaks another layout: refuse. */
	if (left != 0)
		goto bad;
	return 0;
bad:
	errno = EPROTO;
	return -1;
}
