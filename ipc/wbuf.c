/* SPDX-License-Identifier: ISC */
/*
 * ipc/wbuf.c
 * The write side: encoded frames queue in a growable buffer and leave
 * through a nonblocking fd as fast as it takes them. Partial writes are
 * kept; the queue empties in order or the peer is reported gone.
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipc_priv.h"

#define WBUF_MIN 4096
/*
 * A drained buffer larger than this is released: a burst (a worker slow
 * to read thousands of messages) should not pin its memory for good.
 */
#define WBUF_KEEP (4 * (IPC_HDR_LEN + IPC_MAX_PAYLOAD))

static int
wbuf_reserve(struct ipc_wbuf *wb, size_t need)
{
	uint8_t *nb;
	size_t cap, queued;

	if (wb->cap - wb->len >= need)
		return 0;
	queued = wb->len - wb->off;
	/*
	 * Move the queue to the front only when at least as much is sent as
	 * is still queued: each byte is then moved O(1) times on average.
	 */
	if (wb->off > 0 && wb->off >= queued) {
		memmove(wb->buf, wb->buf + wb->off, queued);
		wb->len = queued;
		wb->off = 0;
		if (wb->cap - wb->len >= need)
			return 0;
	}
	if (need > SIZE_MAX - wb->len)
		goto nomem;
	cap = wb->cap > 0 ? wb->cap : WBUF_MIN;
	while (cap - wb->len < need) {
		if (cap > SIZE_MAX / 2)
			goto nomem;
		cap *= 2;
	}
	if ((nb = realloc(wb->buf, cap)) == NULL)
		goto nomem;
	wb->buf = nb;
	wb->cap = cap;
	return 0;
nomem:
	errno = ENOMEM;
	return -1;
}

int
ipc_wbuf_put(struct ipc_wbuf *wb, const struct ipc_msg *m)
{
	ssize_t n;

	if ((n = ipc_msg_size(m)) == -1)
		return -1;
	if (wbuf_reserve(wb, (size_t)n) == -1)
		return -1;
	/* Encoded in place: no staging copy of up to 64 KiB per message. */
	if ((n = ipc_msg_encode(m, wb->buf + wb->len, wb->cap - wb->len)) == -1)
		return -1;
	wb->len += (size_t)n;
	return 0;
}

ssize_t
ipc_wbuf_flush(struct ipc_wbuf *wb, int fd)
{
	int sock = 1;
	ssize_t n;

	while (wb->off < wb->len) {
		/*
		 * send(MSG_NOSIGNAL) turns a gone peer into EPIPE instead of
		 * a SIGPIPE; write() is for pipes and files in tests, where
		 * the caller must ignore SIGPIPE itself.
		 */
		if (sock)
			n = send(fd, wb->buf + wb->off, wb->len - wb->off,
			    MSG_NOSIGNAL);
		else
			n = write(fd, wb->buf + wb->off, wb->len - wb->off);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == ENOTSOCK && sock) {
				sock = 0;
				continue;
			}
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			/* Queue kept: the caller drops the peer and frees. */
			return -1;
		}
		/* No progress without an error: try again on POLLOUT. */
		if (n == 0)
			break;
		wb->off += (size_t)n;
	}
	if (wb->off == wb->len) {
		if (wb->cap > WBUF_KEEP)
			ipc_wbuf_free(wb);
		wb->off = wb->len = 0;
	}
	return (ssize_t)(wb->len - wb->off);
}

size_t
ipc_wbuf_pending(const struct ipc_wbuf *wb)
{
	return wb->len - wb->off;
}

void
ipc_wbuf_free(struct ipc_wbuf *wb)
{
	free(wb->buf);
	memset(wb, 0, sizeof(*wb));
}
