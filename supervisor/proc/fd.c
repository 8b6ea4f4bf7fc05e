/* SPDX-License-Identifier: ISC */
/*
 * supervisor/proc/fd.c
 * Where tend keeps its own fds: at 10 or above, close-on-exec. A child's
 * fds are then moved into 0-6 by dup2 from there, which is never a
 * no-op that would leave close-on-exec set (spawn.c).
 */
#include <fcntl.h>
#include <unistd.h>

#include "fd.h"

int
fd_move_high(int fd)
{
	int nfd;

	if (fd < 0)
		return -1;
	if (fd >= 10)
		return fd;
	nfd = fcntl(fd, F_DUPFD_CLOEXEC, 10);
	close(fd);
	return nfd;
}
