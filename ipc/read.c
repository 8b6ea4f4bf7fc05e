/* SPDX-License-Identifier: ISC */
/*
 * ipc/read.c
 * One end's reading of the socketpair, the same for both: read what is
 * there, decode each whole frame and hand it over, until the socket has
 * nothing more, and say why it stopped.
 */
#include <errno.h>

#include "ipc_priv.h"

enum ipc_read
ipc_read_all(struct ipc_rbuf *rb, int fd,
    void (*fn)(void *arg, const struct ipc_msg *m), void *arg)
{
	struct ipc_frame f;
	struct ipc_msg m;
	ssize_t n;
	int r;

	for (;;) {
		n = ipc_rbuf_read(rb, fd);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? IPC_READ_AGAIN
			                       : IPC_READ_ERROR;
		while ((r = ipc_rbuf_next(rb, &f)) == 1) {
			if (ipc_msg_decode(&f, &m) == -1)
				return IPC_READ_BROKEN;
			fn(arg, &m);
		}
		if (r == -1)
			return IPC_READ_BROKEN;
		if (n == 0)
			return ipc_rbuf_pending(rb) > 0 ? IPC_READ_BROKEN
			                                : IPC_READ_EOF;
	}
}
