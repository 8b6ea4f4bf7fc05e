/* SPDX-License-Identifier: ISC */
/*
 * worker/udp.c
 * Read datagrams (recvmmsg, in batches), answer commands, print and log
 * the rest. On shutdown wrk_udp_drain reads to EAGAIN, so every datagram
 * the kernel accepted before the stop is handled. A failing log file
 * (disk full) is reported once per failure streak; records are still
 * printed and the worker keeps serving.
 */
#include <sys/socket.h>
#include <sys/types.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ev.h>

#include "log.h"
#include "udp.h"

#define BATCH 32
#define DGRAM_MAX 65536
#define PER_EVENT 1024 /* datagrams per readiness event, for fairness */

struct wrk_udp {
	struct ev_loop *loop;
	ev_io io;
	int fd;
	int log_fd;
	const char *log_path;
	bool log_failing;
	struct wrk_udp_ops ops;
	struct wrk_udp_stats st;
	char (*bufs)[DGRAM_MAX];
};

static bool
word_is(const char *buf, size_t len, const char *word)
{
	size_t n = strlen(word);

	return len >= n && memcmp(buf, word, n) == 0 &&
	    (len == n || buf[n] == ' ');
}

enum udp_cmd
udp_parse(const char *buf, size_t len, char *job, size_t jobsize)
{
	/* Trailing whitespace (a newline from `echo | nc -u`) is ignored. */
	while (len > 0 &&
	    (buf[len - 1] == '\n' || buf[len - 1] == '\r' ||
	        buf[len - 1] == ' ' || buf[len - 1] == '\t'))
		len--;
	if (len == 4 && memcmp(buf, "ping", 4) == 0)
		return UDP_PING;
	if (len == 6 && memcmp(buf, "reload", 6) == 0)
		return UDP_RELOAD;
	if (word_is(buf, len, "build")) {
		const char *p = buf + 5;
		size_t n = len - 5;
		while (n > 0 && *p == ' ') {
			p++;
			n--;
		}
		/* One job name, no spaces and no control bytes in it. */
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)p[i] <= ' ' || p[i] == 0x7f)
				return UDP_LOG;
		if (n >= jobsize)
			return UDP_LOG;
		memcpy(job, p, n);
		job[n] = '\0';
		return UDP_BUILD;
	}
	return UDP_LOG;
}

size_t
udp_escape(const char *buf, size_t len, char *out, size_t outsize)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	if (outsize == 0)
		return 0;
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)buf[i];
		if (c == '\\') {
			if (o + 2 >= outsize)
				break;
			out[o++] = '\\';
			out[o++] = '\\';
		} else if (c >= 0x20 && c < 0x7f) {
			if (o + 1 >= outsize)
				break;
			out[o++] = (char)c;
		} else {
			if (o + 4 >= outsize)
				break;
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
	return o;
}

static void
format_peer(const struct sockaddr_storage *ss, char *buf, size_t size)
{
	char host[INET6_ADDRSTRLEN] = "?";

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)ss;
		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		snprintf(buf, size, "%s:%u", host, ntohs(in->sin_port));
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)ss;
		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		snprintf(buf, size, "[%s]:%u", host, ntohs(in6->sin6_port));
	} else
		snprintf(buf, size, "?");
}

static void
append_log(struct wrk_udp *u, const char *peer, const char *text)
{
	char line[DGRAM_MAX * 4 + 128];
	struct timespec ts;
	struct tm tm;
	int n;

	if (u->log_fd < 0)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = snprintf(line, sizeof(line),
	    "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s %s\n", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
	    ts.tv_nsec / 1000000, peer, text);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	/* O_APPEND: one write per record keeps records whole. */
	if (log_write_all(u->log_fd, line, (size_t)n) == -1) {
		u->st.log_errors++;
		if (!u->log_failing)
			log_warn("udp log %s: cannot append (records are "
			         "printed but not saved until it works again)",
			    u->log_path);
		u->log_failing = true;
		return;
	}
	if (u->log_failing)
		log_info("udp log %s: writing again", u->log_path);
	u->log_failing = false;
}

static void
handle(struct wrk_udp *u, const char *buf, size_t len,
    const struct sockaddr_storage *from, socklen_t fromlen)
{
	static char text[DGRAM_MAX * 4 + 1];
	char peer[INET6_ADDRSTRLEN + 16], job[64], source[96];

	format_peer(from, peer, sizeof(peer));
	u->st.datagrams++;
	switch (udp_parse(buf, len, job, sizeof(job))) {
	case UDP_PING:
		/* Nonblocking; a full send buffer loses a pong, not data. */
		sendto(u->fd, "pong", 4, MSG_DONTWAIT,
		    (const struct sockaddr *)from, fromlen);
		return;
	case UDP_BUILD:
		snprintf(source, sizeof(source), "udp %s", peer);
		u->ops.build(u->ops.arg, job, source);
		return;
	case UDP_RELOAD:
		snprintf(source, sizeof(source), "udp %s", peer);
		u->ops.reload(u->ops.arg, source);
		return;
	case UDP_LOG:
		break;
	}
	u->st.records++;
	udp_escape(buf, len, text, sizeof(text));
	log_info("udp %s: %s", peer, text);
	append_log(u, peer, text);
}

/* Returns datagrams handled; stops at EAGAIN or after max. */
static size_t
read_batch(struct wrk_udp *u, size_t max)
{
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_storage from[BATCH];
	size_t done = 0;

	while (done < max) {
		for (int i = 0; i < BATCH; i++) {
			iov[i].iov_base = u->bufs[i];
			iov[i].iov_len = DGRAM_MAX;
			memset(&msgs[i], 0, sizeof(msgs[i]));
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
			msgs[i].msg_hdr.msg_name = &from[i];
			msgs[i].msg_hdr.msg_namelen = sizeof(from[i]);
		}
		int n = recvmmsg(u->fd, msgs, BATCH, MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				log_warn("udp recvmmsg");
			break;
		}
		for (int i = 0; i < n; i++)
			handle(u, u->bufs[i], msgs[i].msg_len, &from[i],
			    msgs[i].msg_hdr.msg_namelen);
		done += (size_t)n;
		if (n < BATCH)
			break;
	}
	return done;
}

static void
on_readable(struct ev_loop *loop, ev_io *io, int revents)
{
	struct wrk_udp *u =
	    (struct wrk_udp *)((char *)io - offsetof(struct wrk_udp, io));

	(void)loop;
	(void)revents;
	read_batch(u, PER_EVENT);
}

struct wrk_udp *
wrk_udp_new(struct ev_loop *loop, int fd, const char *log_path,
    const struct wrk_udp_ops *ops)
{
	struct wrk_udp *u = calloc(1, sizeof(*u));

	if (u == NULL || (u->bufs = malloc(BATCH * sizeof(*u->bufs))) == NULL) {
		free(u);
		return NULL;
	}
	u->loop = loop;
	u->fd = fd;
	u->ops = *ops;
	u->log_fd = -1;
	u->log_path = log_path;
	if (log_path != NULL) {
		u->log_fd = open(
		    log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
		if (u->log_fd < 0)
			log_warn("udp log %s: cannot open; records are only "
			         "printed",
			    log_path);
	}
	ev_io_init(&u->io, on_readable, fd, EV_READ);
	ev_io_start(loop, &u->io);
	return u;
}

size_t
wrk_udp_drain(struct wrk_udp *u)
{
	return read_batch(u, (size_t)-1);
}

void
wrk_udp_stats(const struct wrk_udp *u, struct wrk_udp_stats *st)
{
	*st = u->st;
}

void
wrk_udp_free(struct wrk_udp *u)
{
	if (u == NULL)
		return;
	ev_io_stop(u->loop, &u->io);
	if (u->log_fd >= 0)
		close(u->log_fd);
	free(u->bufs);
	free(u);
}
