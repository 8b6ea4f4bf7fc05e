/* SPDX-License-Identifier: ISC */
/*
 * worker/udp.h
 * The UDP event port: each datagram is a command (`build [JOB]`,
 * `reload`, `ping`) or a log record, printed with its source and appended
 * to the udp log file.
 */
#ifndef TEND_UDP_H
#define TEND_UDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ev.h>

struct wrk_udp;

struct wrk_udp_ops {
	void (*build)(void *arg, const char *job, const char *source);
	void (*reload)(void *arg, const char *source);
	void *arg;
};

enum udp_cmd { UDP_LOG, UDP_BUILD, UDP_RELOAD, UDP_PING };

/*
 * Classify a datagram. For UDP_BUILD the job name (possibly empty) is
 * copied into job. Pure: used by the unit tests and the fuzzer.
 */
enum udp_cmd udp_parse(const char *buf, size_t len, char *job, size_t jobsize);

/*
 * Render a datagram as one printable line: bytes outside printable ASCII
 * become \xNN, a backslash becomes \\, one trailing newline is dropped.
 * Returns the length written (always NUL-terminated, cut to fit).
 */
size_t udp_escape(const char *buf, size_t len, char *out, size_t outsize);

/* log_path NULL: records are only printed. Opens it O_APPEND. */
struct wrk_udp *wrk_udp_new(struct ev_loop *loop, int fd, const char *log_path,
    const struct wrk_udp_ops *ops);

/* Read and handle every datagram the socket holds (until EAGAIN). */
size_t wrk_udp_drain(struct wrk_udp *u);

struct wrk_udp_stats {
	uint64_t datagrams; /* handled, commands and records */
	uint64_t records; /* log records */
	uint64_t log_errors;
};
void wrk_udp_stats(const struct wrk_udp *u, struct wrk_udp_stats *st);

void wrk_udp_free(struct wrk_udp *u);

#endif
