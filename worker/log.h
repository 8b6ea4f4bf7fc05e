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

#include <stdbool.h>
#include <stddef.h>

void log_init(const char *prefix);
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* log_info for a failure (a job failed): red on a colour terminal. */
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void fatal(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
_Noreturn void fatalx(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/*
 * Where the lines go instead of straight to fd: the supervisor's terminal
 * (supervisor/jobs/output_term.c). error: log_error, log_warn, log_warnx,
 * fatal and fatalx. line ends with '\n'.
 */
typedef void log_sink_fn(int fd, bool error, const char *line, size_t len);
void log_set_sink(log_sink_fn *sink);

/* Write all of buf to fd, retrying EINTR and short writes. */
int log_write_all(int fd, const void *buf, size_t len);

#endif
