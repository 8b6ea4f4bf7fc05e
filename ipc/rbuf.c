/* SPDX-License-Identifier: ISC */
/*
 * ipc/rbuf.c
 * The read side: bytes from a nonblocking fd (or from a test) go into a
 * fixed buffer and come out as whole frames. The buffer holds exactly one
 * largest frame, so nothing is ever allocated from what a peer announces.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "ipc_priv.h"

/*
 * Make the free space at the end as large as it can be when it is needed.
 * Consumed bytes at the front are reclaimed: for free when everything was
 * consumed, by moving the unfinished tail (less than one frame) otherwise.
 * Called only before new bytes go in, never from ipc_rbuf_next, so a frame
 * it returned stays where it is until the caller reads again.
 */
static size_t
rbuf_room(struct ipc_rbuf *rb, size_t want)
{
	size_t room = sizeof(rb->buf) - rb->len;

	if (rb->off == rb->len) {
		rb->off = rb->len = 0;
		return sizeof(rb->buf);
	}
	if (room < want && rb->off > 0) {
		memmove(rb->buf, rb->buf + rb->off, rb->len - rb->off);
		rb->len -= rb->off;
		rb->off = 0;
		room = sizeof(rb->buf) - rb->len;
	}
	return room;
}

ssize_t
ipc_rbuf_read(struct ipc_rbuf *rb, int fd)
{
	size_t room;
	ssize_t n;

	/*
	 * Compact only when the end is reached: one memmove per buffer's
	 * worth of input, not one per read.
	 */
	if ((room = rbuf_room(rb, 1)) == 0) {
		/*
		 * Full with unconsumed frames: the caller did not drain
		 * ipc_rbuf_next. A read of 0 bytes would look like EOF.
		 */
		errno = EMSGSIZE;
		return -1;
	}
	do
		n = read(fd, rb->buf + rb->len, room);
	while (n == -1 && errno == EINTR);
	if (n > 0)
		rb->len += (size_t)n;
	return n;
}

int
ipc_rbuf_append(struct ipc_rbuf *rb, const void *data, size_t len)
{
	if (len == 0)
		return 0;
	if (rbuf_room(rb, len) < len) {
		errno = EMSGSIZE;
		return -1;
	}
	memcpy(rb->buf + rb->len, data, len);
	rb->len += len;
	return 0;
}

int
ipc_rbuf_next(struct ipc_rbuf *rb, struct ipc_frame *f)
{
	ssize_t n;

	/*
	 * On a protocol error off stays at the bad frame, so every later
	 * call fails the same way: the buffer is poisoned, not resynced.
	 */
	n = ipc_frame_parse(rb->buf + rb->off, rb->len - rb->off, f);
	if (n <= 0)
		return (int)n;
	rb->off += (size_t)n;
	return 1;
}

size_t
ipc_rbuf_pending(const struct ipc_rbuf *rb)
{
	return rb->len - rb->off;
}
