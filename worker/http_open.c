/* SPDX-License-Identifier: ISC */
/*
 * worker/http_open.c
 * Open a cleaned relative path for reading without ever leaving the
 * served root. The kernel does it with openat2 RESOLVE_BENEATH; where
 * openat2 is missing (Linux before 5.6, valgrind) the open file itself
 * is checked, through /proc/self/fd, before a byte of it is read.
 */
#include <sys/syscall.h>
#include <sys/types.h>

#include <linux/openat2.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "http_priv.h"

#define OPEN_FLAGS (O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)

/* Where fd is, as the kernel names it; -1 (errno) when it cannot say. */
static ssize_t
fd_path(int fd, char *out, size_t size)
{
	char link[32];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	if ((n = readlink(link, out, size - 1)) < 0)
		return -1;
	if ((size_t)n == size - 1) {
		errno = ENAMETOOLONG;
		return -1;
	}
	out[n] = '\0';
	return n;
}

/*
 * Open as a path only (no side effect, even for a device or a FIFO),
 * ask the kernel where that file is, refuse it (EXDEV, as openat2 does)
 * unless it is the root or under it, and only then open it for reading
 * through its /proc/self/fd link. The check is on the file opened, not
 * on a name, so a rename racing it cannot slip another file in. A file
 * deleted meanwhile reads as "PATH (deleted)" and is refused too.
 */
int
wrk_open_beneath_proc(int rootfd, const char *rel)
{
	char root[PATH_MAX], got[PATH_MAX], link[32];
	ssize_t rlen;
	int pfd, fd, saved;
	bool inside;

	if ((rlen = fd_path(rootfd, root, sizeof(root))) < 0)
		return -1;
	pfd = openat(rootfd, rel[0] ? rel : ".", O_PATH | O_CLOEXEC);
	if (pfd < 0)
		return -1;
	if (fd_path(pfd, got, sizeof(got)) < 0) {
		saved = errno;
		close(pfd);
		errno = saved;
		return -1;
	}
	inside = strncmp(got, root, (size_t)rlen) == 0 &&
	    (got[rlen] == '\0' || got[rlen] == '/' ||
	        (rlen == 1 && root[0] == '/'));
	if (!inside) {
		close(pfd);
		errno = EXDEV;
		return -1;
	}
	snprintf(link, sizeof(link), "/proc/self/fd/%d", pfd);
	fd = open(link, OPEN_FLAGS);
	saved = errno;
	close(pfd);
	errno = saved;
	return fd;
}

/*
 * RESOLVE_BENEATH lets the kernel refuse, with EXDEV, every resolution
 * that would leave the root: "..", absolute symlinks, and relative ones
 * that climb out. Symlinks that stay inside are followed. O_NONBLOCK keeps
 * a FIFO from blocking the open; it is refused after fstat.
 */
int
wrk_open_beneath(int rootfd, const char *rel)
{
	static bool no_openat2;
	struct open_how how;
	int fd = -1, tries;

	if (no_openat2)
		return wrk_open_beneath_proc(rootfd, rel);
	memset(&how, 0, sizeof(how));
	how.flags = OPEN_FLAGS;
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
	/* EAGAIN: a rename raced the lookup; the kernel asks for a retry. */
	for (tries = 0; tries < 4; tries++) {
		fd = (int)syscall(
		    SYS_openat2, rootfd, rel[0] ? rel : ".", &how, sizeof(how));
		if (fd >= 0 || (errno != EAGAIN && errno != EINTR))
			break;
	}
	if (fd < 0 && errno == ENOSYS) {
		no_openat2 = true;
		return wrk_open_beneath_proc(rootfd, rel);
	}
	return fd;
}
