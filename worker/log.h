/* SPDX-License-Identifier: ISC */
/*
 * worker/log.h
 * One-line messages to the terminal for both processes, "tend: ..." from
 * the supervisor and "tend[worker]: ..." from the worker. It lives in
 * worker/ because the supervisor links the worker library, never the
 * other way round.
 */
#ifndef TEND_LOG_H
#define TEND_LOG_H

#include <stddef.h>

void log_init(const char *prefix);
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void fatal(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
_Noreturn void fatalx(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/* Write all of buf to fd, retrying EINTR and short writes. */
int log_write_all(int fd, const void *buf, size_t len);

#endif
