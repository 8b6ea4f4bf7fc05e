/* SPDX-License-Identifier: ISC */
/*
 * supervisor/proc/fd.h
 * tend's own fds live at 10 or above (fd.c).
 */
#ifndef TEND_FD_H
#define TEND_FD_H

/* fd moved to >= 10, close-on-exec; the old one closed. -1 on error. */
int fd_move_high(int fd);

#endif
