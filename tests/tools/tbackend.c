/* SPDX-License-Identifier: ISC */
/*
 * tests/tools/tbackend.c
 * The HTTP server the proxy's integration tests put behind tend, often
 * as a tend service: one process per connection (blocking I/O, keep-alive
 * loops), endpoints chosen by the last segment of the path, so any
 * prefix reaches them:
 *
 *	head            the request head as received, as text/plain
 *	echo            the request body back as it arrives (Content-Length
 *	                when the request had one, else chunks)
 *	slow?ms=N       "slow done" after N ms
 *	big?bytes=N     N bytes of a pattern (byte i is 'a' + i % 26 ...)
 *	chunked?n=N     N chunks, of 1 to 4000 bytes, of the same pattern
 *	sse?n=N&ms=M    N events, M ms apart, as text/event-stream chunks
 *	page            an HTML page with </body>, Content-Length, an ETag
 *	status?code=N   status N with a short body
 *	pid             "pid N": the listening process, so a test can tell
 *	                one instance of the service from the next
 *	ws              a WebSocket echo (RFC 6455; the handshake's SHA-1
 *	                and base64 are tbackend_ws.c's)
 *
 * --delay MS waits that long before listening (a slow start).
 * --log FILE gets a line per connection ("accepted"), per answered
 * request ("done METHOD PATH") and per signal ("signal N"), so a test
 * can count connections and check what came first.
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "tbackend.h"

struct rd {
	int fd;
	size_t off, len;
	char buf[65536];
};

struct req {
	char method[16], path[2048], head[16384];
	long long clen; /* -1: none */
	int chunked, close, version;
	char wskey[128];
};

static int logfd = -1;
static long main_pid; /* the listening process (children answer) */
static volatile sig_atomic_t stop_sig;

static void
logline(const char *fmt, ...)
{
	char buf[2200];
	va_list ap;
	int n;

	if (logfd < 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0 || n > (int)sizeof(buf) - 2)
		n = (int)sizeof(buf) - 2;
	buf[n++] = '\n';
	if (write(logfd, buf, (size_t)n) != n)
		_exit(1);
}

static int
put(int fd, const void *p, size_t n)
{
	const char *s = p;
	ssize_t w;

	while (n > 0) {
		if ((w = send(fd, s, n, MSG_NOSIGNAL)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
putf(int fd, const char *fmt, ...)
{
	char buf[20000];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return n < 0 || n >= (int)sizeof(buf) ? -1 : put(fd, buf, (size_t)n);
}

/* 1: bytes buffered, 0: EOF, -1: error. */
static int
fill(struct rd *r)
{
	ssize_t n;

	if (r->off > 0) {
		memmove(r->buf, r->buf + r->off, r->len - r->off);
		r->len -= r->off;
		r->off = 0;
	}
	if (r->len == sizeof(r->buf))
		return -1;
	do
		n = recv(r->fd, r->buf + r->len, sizeof(r->buf) - r->len, 0);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return n == 0 ? 0 : -1;
	r->len += (size_t)n;
	return 1;
}

/* A line without its CRLF into line; -1 at EOF or when too long. */
static int
rd_line(struct rd *r, char *line, size_t size)
{
	char *nl;
	size_t n;

	while ((nl = memchr(r->buf + r->off, '\n', r->len - r->off)) == NULL)
		if (fill(r) <= 0)
			return -1;
	n = (size_t)(nl - (r->buf + r->off));
	if (n >= size)
		return -1;
	memcpy(line, r->buf + r->off, n);
	if (n > 0 && line[n - 1] == '\r')
		n--;
	line[n] = '\0';
	r->off += (size_t)(nl - (r->buf + r->off)) + 1;
	return 0;
}

/* Up to max bytes that are there (reading once if none are). */
static ssize_t
rd_some(struct rd *r, char *dst, size_t max)
{
	size_t n;
	int f;

	if (r->off == r->len && (f = fill(r)) <= 0)
		return f == 0 ? 0 : -1;
	n = r->len - r->off < max ? r->len - r->off : max;
	memcpy(dst, r->buf + r->off, n);
	r->off += n;
	return (ssize_t)n;
}

/* 0: a request; 1: the client closed between requests; -1: broken. */
static int
read_req(struct rd *r, struct req *q)
{
	char line[8192], *colon, *v;
	size_t hl = 0;
	int minor;

	memset(q, 0, sizeof(*q));
	q->clen = -1;
	if (r->off == r->len && fill(r) <= 0)
		return 1;
	if (rd_line(r, line, sizeof(line)) < 0 ||
	    sscanf(line, "%15s %2047s HTTP/1.%d", q->method, q->path, &minor) !=
	        3)
		return -1;
	q->version = minor;
	q->close = minor == 0;
	hl = (size_t)snprintf(q->head, sizeof(q->head), "%s\n", line);
	for (;;) {
		if (rd_line(r, line, sizeof(line)) < 0)
			return -1;
		if (line[0] == '\0')
			return 0;
		if (hl < sizeof(q->head))
			hl += (size_t)snprintf(
			    q->head + hl, sizeof(q->head) - hl, "%s\n", line);
		if ((colon = strchr(line, ':')) == NULL)
			return -1;
		*colon = '\0';
		for (v = colon + 1; *v == ' '; v++)
			;
		if (strcasecmp(line, "content-length") == 0)
			q->clen = atoll(v);
		else if (strcasecmp(line, "transfer-encoding") == 0)
			q->chunked = strcasestr(v, "chunked") != NULL;
		else if (strcasecmp(line, "connection") == 0)
			q->close = strcasestr(v, "close") != NULL;
		else if (strcasecmp(line, "sec-websocket-key") == 0)
			snprintf(q->wskey, sizeof(q->wskey), "%s", v);
	}
}

static long
param(const char *path, const char *name, long dflt)
{
	const char *q = strchr(path, '?'), *p;
	size_t n = strlen(name);

	for (p = q; p != NULL; p = strchr(p + 1, '&'))
		if (strncmp(p + 1, name, n) == 0 && p[1 + n] == '=')
			return atol(p + 2 + n);
	return dflt;
}

static char
pattern(unsigned long long i)
{
	return (char)('a' + i % 26);
}

/* The body's bytes, as they come, to fn; -1 when it breaks off. */
static int
body(struct rd *r, const struct req *q, int (*fn)(int, const char *, size_t),
    int fd)
{
	char buf[16384], line[128];
	long long left = q->clen;
	ssize_t n;

	if (!q->chunked) {
		while (left > 0) {
			n = rd_some(r, buf,
			    left < (long long)sizeof(buf) ? (size_t)left
			                                  : sizeof(buf));
			if (n <= 0 || fn(fd, buf, (size_t)n) < 0)
				return -1;
			left -= n;
		}
		return 0;
	}
	for (;;) {
		if (rd_line(r, line, sizeof(line)) < 0)
			return -1;
		if ((left = strtoll(line, NULL, 16)) == 0)
			break;
		while (left > 0) {
			n = rd_some(r, buf,
			    left < (long long)sizeof(buf) ? (size_t)left
			                                  : sizeof(buf));
			if (n <= 0 || fn(fd, buf, (size_t)n) < 0)
				return -1;
			left -= n;
		}
		if (rd_line(r, line, sizeof(line)) < 0)
			return -1;
	}
	/* Trailers, then the empty line. */
	while (rd_line(r, line, sizeof(line)) == 0 && line[0] != '\0')
		;
	return 0;
}

static int
discard(int fd, const char *p, size_t n)
{
	(void)fd;
	(void)p;
	(void)n;
	return 0;
}

static int
send_raw(int fd, const char *p, size_t n)
{
	return put(fd, p, n);
}

static int
send_chunk(int fd, const char *p, size_t n)
{
	return putf(fd, "%zx\r\n", n) || put(fd, p, n) || put(fd, "\r\n", 2)
	    ? -1
	    : 0;
}

/* Frames back as they come: text and binary echoed, close answered. */
static void
websocket(struct rd *r, int fd, const char *key)
{
	unsigned char hdr[14], mask[4];
	char accept[64];
	static char payload[1 << 20];
	unsigned long long len, i;
	ssize_t n;
	int op;

	ws_accept(key, accept);
	if (putf(fd,
	        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
	        "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n",
	        accept) < 0)
		return;
	for (;;) {
		for (i = 0; i < 2; i += (unsigned long long)n)
			if ((n = rd_some(r, (char *)hdr + i, 2 - i)) <= 0)
				return;
		op = hdr[0] & 15;
		len = hdr[1] & 127;
		n = len == 126 ? 2 : len == 127 ? 8 : 0;
		for (i = 0; i < (unsigned long long)n; i++) {
			char b;
			if (rd_some(r, &b, 1) != 1)
				return;
			len = i == 0 ? (unsigned char)b
			             : len << 8 | (unsigned char)b;
		}
		for (i = 0; i < 4; i += (unsigned long long)n)
			if ((n = rd_some(r, (char *)mask + i, 4 - i)) <= 0)
				return;
		if (len > sizeof(payload))
			return;
		for (i = 0; i < len; i += (unsigned long long)n)
			if ((n = rd_some(r, payload + i, len - i)) <= 0)
				return;
		for (i = 0; i < len; i++)
			payload[i] ^= (char)mask[i % 4];
		hdr[0] = (unsigned char)(0x80 | op);
		if (len < 126) {
			hdr[1] = (unsigned char)len;
			n = 2;
		} else if (len < 65536) {
			hdr[1] = 126, hdr[2] = (unsigned char)(len >> 8);
			hdr[3] = (unsigned char)len;
			n = 4;
		} else {
			hdr[1] = 127;
			for (i = 0; i < 8; i++)
				hdr[2 + i] =
				    (unsigned char)(len >> (56 - 8 * i));
			n = 10;
		}
		if (put(fd, hdr, (size_t)n) || put(fd, payload, len) || op == 8)
			return;
	}
}

static void
sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* One request; -1 ends the connection. */
static int
answer(struct rd *r, int fd, struct req *q)
{
	const char *slash = strrchr(q->path, '/');
	const char *name = slash != NULL ? slash + 1 : q->path;
	const char *conn = q->close ? "Connection: close\r\n" : "";
	char buf[65536];
	size_t nl = strcspn(name, "?");
	long long n;

#define IS(s) (nl == strlen(s) && strncmp(name, s, nl) == 0)
	if (IS("ws") && q->wskey[0] != '\0') {
		websocket(r, fd, q->wskey);
		return -1;
	}
	if (IS("echo")) {
		if (q->clen >= 0 && !q->chunked)
			return putf(fd,
			           "HTTP/1.1 200 OK\r\nContent-Length: %lld\r\n"
			           "Content-Type: application/octet-stream\r\n"
			           "%s\r\n",
			           q->clen, conn) ||
			        body(r, q, send_raw, fd)
			    ? -1
			    : 0;
		return putf(fd,
		           "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
		           "%s\r\n",
		           conn) ||
		        body(r, q, send_chunk, fd) || put(fd, "0\r\n\r\n", 5)
		    ? -1
		    : 0;
	}
	/* Every other endpoint reads no body: drop it. */
	if ((q->clen > 0 || q->chunked) && body(r, q, discard, -1) < 0)
		return -1;
	if (IS("head"))
		return putf(fd,
		    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
		    "Content-Length: %zu\r\n%s\r\n%s",
		    strlen(q->head), conn, q->head);
	if (IS("slow")) {
		sleep_ms(param(q->path, "ms", 1000));
		return putf(fd,
		    "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n%s\r\n"
		    "slow done\n",
		    conn);
	}
	if (IS("big")) {
		long long total = param(q->path, "bytes", 1 << 20), sent;
		if (putf(fd,
		        "HTTP/1.1 200 OK\r\nContent-Length: %lld\r\n"
		        "Content-Type: application/octet-stream\r\n%s\r\n",
		        total, conn) < 0)
			return -1;
		for (sent = 0; sent < total; sent += n) {
			n = total - sent < (long long)sizeof(buf)
			    ? total - sent
			    : (long long)sizeof(buf);
			for (long long i = 0; i < n; i++)
				buf[i] =
				    pattern((unsigned long long)(sent + i));
			if (put(fd, buf, (size_t)n) < 0)
				return -1;
		}
		return 0;
	}
	if (IS("chunked")) {
		long k = param(q->path, "n", 10);
		unsigned long long at = 0;
		if (putf(fd,
		        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
		        "Content-Type: text/plain\r\n%s\r\n",
		        conn) < 0)
			return -1;
		for (long i = 0; i < k; i++) {
			size_t len = 1 + (size_t)(i * 997) % 4000;
			for (size_t j = 0; j < len; j++)
				buf[j] = pattern(at + j);
			at += len;
			if (send_chunk(fd, buf, len) < 0)
				return -1;
		}
		return put(fd, "0\r\n\r\n", 5);
	}
	if (IS("sse")) {
		long k = param(q->path, "n", 3), ms = param(q->path, "ms", 200);
		if (putf(fd,
		        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream"
		        "\r\nCache-Control: no-cache\r\n"
		        "Transfer-Encoding: chunked\r\n%s\r\n",
		        conn) < 0)
			return -1;
		for (long i = 1; i <= k; i++) {
			int len = snprintf(buf, sizeof(buf),
			    "id: %ld\ndata: event %ld\n\n", i, i);
			if (i > 1)
				sleep_ms(ms);
			if (send_chunk(fd, buf, (size_t)len) < 0)
				return -1;
		}
		return put(fd, "0\r\n\r\n", 5);
	}
	if (IS("page")) {
		static const char page[] =
		    "<!doctype html>\n<html><body>\n<p>backend page</p>\n"
		    "</body></html>\n";
		return putf(fd,
		    "HTTP/1.1 200 OK\r\nContent-Type: text/html; "
		    "charset=utf-8\r\nContent-Length: %zu\r\n"
		    "ETag: \"p1\"\r\n%s\r\n%s",
		    sizeof(page) - 1, conn, page);
	}
	if (IS("pid")) {
		char body[32];
		int len = snprintf(body, sizeof(body), "pid %ld\n", main_pid);
		return putf(fd,
		    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
		    "Content-Length: %d\r\n%s\r\n%s",
		    len, conn, body);
	}
	if (IS("status")) {
		long code = param(q->path, "code", 200);
		return putf(fd,
		    "HTTP/1.1 %ld Status\r\nContent-Length: 7\r\n%s"
		    "\r\nstatus\n",
		    code, conn);
	}
	return putf(fd,
	    "HTTP/1.1 404 Not Found\r\nContent-Length: 10\r\n%s\r\n"
	    "not found\n",
	    conn);
#undef IS
}

static void
serve_conn(int fd)
{
	static struct rd r;
	static struct req q;
	int rc;

	r.fd = fd;
	while ((rc = read_req(&r, &q)) == 0) {
		rc = answer(&r, fd, &q);
		logline("done %s %s", q.method, q.path);
		if (rc < 0 || q.close)
			break;
	}
	close(fd);
}

static void
onsig(int sig)
{
	stop_sig = sig;
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sin;
	struct sigaction sa;
	int lfd, fd, one = 1, port = 0;
	long delay = 0;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--port") == 0)
			port = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--delay") == 0)
			delay = atol(argv[i + 1]);
		else if (strcmp(argv[i], "--log") == 0)
			logfd = open(argv[i + 1],
			    O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	}
	if (port <= 0) {
		fputs("usage: tbackend --port N [--log FILE]\n", stderr);
		return 2;
	}
	main_pid = (long)getpid();
	if (delay > 0)
		sleep_ms(delay);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = onsig;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGCHLD, SIG_IGN); /* children reap themselves */
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (lfd < 0 || bind(lfd, (void *)&sin, sizeof(sin)) < 0 ||
	    listen(lfd, 128) < 0) {
		perror("tbackend: listen");
		return 1;
	}
	printf("tbackend listening on 127.0.0.1:%d\n", port);
	fflush(stdout);
	while (!stop_sig) {
		if ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) < 0)
			continue; /* EINTR: a signal, checked above */
		logline("accepted");
		if (fork() == 0) {
			close(lfd);
			signal(SIGTERM, SIG_DFL);
			signal(SIGINT, SIG_DFL);
			serve_conn(fd);
			_exit(0);
		}
		close(fd);
	}
	logline("signal %d", (int)stop_sig);
	printf("tbackend: signal %d, exiting\n", (int)stop_sig);
	return 0;
}
