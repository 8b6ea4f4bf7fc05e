/* SPDX-License-Identifier: ISC */
/*
 * worker/log.c
 * Terminal messages: one line each, built in a buffer and written with
 * one write(2) so that lines from the supervisor, the worker and the jobs
 * never interleave mid-line. log_warn appends strerror(errno). The
 * supervisor routes them through its terminal (log_set_sink).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

static const char *log_prefix = "tend";
static log_sink_fn *log_sink;

void
log_init(const char *prefix)
{
	log_prefix = prefix;
}

void
log_set_sink(log_sink_fn *sink)
{
	log_sink = sink;
}

int
log_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			/*
			 * XXX: a terminal in nonblocking mode (set by
			 * another program on the shared description) may
			 * say EAGAIN; we drop the rest rather than spin.
			 */
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void
vlog(int fd, bool error, int with_errno, const char *fmt, va_list ap)
{
	char line[1024];
	int saved = errno;
	int n, m;

	n = snprintf(line, sizeof(line), "%s: ", log_prefix);
	m = vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	if (m < 0)
		m = 0;
	n += m;
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	if (with_errno)
		n += snprintf(line + n, sizeof(line) - (size_t)n, ": %s",
		    strerror(saved));
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	if (log_sink != NULL)
		log_sink(fd, error, line, (size_t)n);
	else
		log_write_all(fd, line, (size_t)n);
	errno = saved;
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(STDOUT_FILENO, false, 0, fmt, ap);
	va_end(ap);
}

void
log_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(STDOUT_FILENO, true, 0, fmt, ap);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(STDERR_FILENO, true, 1, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(STDERR_FILENO, true, 0, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(STDERR_FILENO, true, 1, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(STDERR_FILENO, true, 0, fmt, ap);
	va_end(ap);
	exit(1);
}
