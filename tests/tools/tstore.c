/* SPDX-License-Identifier: ISC */
/*
 * tests/tools/tstore.c
 * A small TCP record store that integration tests run under tend as a
 * "database", and the client that writes records into it. The server
 * logs every signal it receives, so a test can count what a supervisor
 * sent, and syncs each record before acknowledging it; the client notes
 * every acknowledged record, so a test can check none was lost.
 */
#include <sys/socket.h>
#include <sys/types.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAXCLIENTS 64
#define BUFSZ 4096

struct client {
	int fd;
	size_t inlen, outlen;
	char in[BUFSZ], out[BUFSZ];
};

static struct client clients[MAXCLIENTS];
static int sigw = -1; /* write end of the self-pipe */
static int logfd = -1, datafd = -1;
static long records; /* lines in the data file */
static long acked; /* records the client saw acknowledged */

/* Both subcommands' options, serve's then put's, and their values. */
enum { DATA, LOG, PORT, STOPDELAY, PORTFILE, COUNT, DELAY, PREFIX, ACKED };
static const char *const names[] = {"--data", "--log", "--port",
    "--stop-delay-ms", "--port-file", "--count", "--delay-ms", "--prefix",
    "--acked"};
static const char *opt[ACKED + 1];

static _Noreturn void
usage(void)
{
	fputs("usage: tstore serve --data FILE --log FILE [--port N] "
	      "[--stop-delay-ms MS]\n"
	      "       tstore put --port-file FILE --count N [--delay-ms D] "
	      "[--prefix P] [--acked FILE]\n",
	    stderr);
	exit(2);
}

static _Noreturn void
die(const char *what)
{
	fprintf(stderr, "tstore: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Fills opt[] from argv, allowing the options first to last only. */
static void
parse(int argc, char **argv, int first, int last)
{
	int i, j;

	for (i = 0; i < argc; i += 2) {
		for (j = first; j <= last && strcmp(argv[i], names[j]) != 0;
		     j++)
			;
		if (j > last || i + 1 == argc)
			usage();
		opt[j] = argv[i + 1];
	}
}

static long
number(int i, long dflt, long max)
{
	char *end;
	long v;

	if (opt[i] == NULL)
		return dflt;
	errno = 0;
	v = strtol(opt[i], &end, 10);
	if (errno || end == opt[i] || *end || v < 0 || v > max)
		usage();
	return v;
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* One write(2) per line: a test reading the log never sees half a line. */
static __attribute__((format(printf, 1, 2))) void
logline(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap); /* our lines are short */
	va_end(ap);
	buf[n++] = '\n';
	if (write(logfd, buf, n) != n)
		die("write log");
}

static void
onsignal(int signo)
{
	unsigned char b = (unsigned char)signo;
	int saved = errno;
	ssize_t n;

	/* A handler, not signalfd: a signal is taken when it arrives rather
	 * than left pending until we read, when a repeat would merge into it
	 * and escape the count. Repeats faster than we run still merge. */
	n = write(sigw, &b, 1);
	(void)n;
	errno = saved;
}

static struct sockaddr_in
loopback(long port)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return sin;
}

static void
write_portfile(const char *data, int port)
{
	char path[PATH_MAX], tmp[PATH_MAX], buf[32];
	int fd, n;

	if (snprintf(path, sizeof(path), "%s.port", data) >=
	        (int)sizeof(path) ||
	    snprintf(tmp, sizeof(tmp), "%s.port.tmp", data) >= (int)sizeof(tmp))
		usage();
	/* Renamed into place, so a reader sees no file or a whole one. */
	n = snprintf(buf, sizeof(buf), "%d\n", port);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd == -1 || write(fd, buf, n) != n || close(fd) == -1)
		die(tmp);
	if (rename(tmp, path) == -1)
		die(path);
}

/* Answers the buffered complete lines the output has room for, then
 * flushes what it can. -1: drop the client. */
static int
answer(struct client *c)
{
	char *nl;
	size_t len;
	ssize_t n;

	while (c->outlen + 32 <= BUFSZ &&
	    (nl = memchr(c->in, '\n', c->inlen)) != NULL) {
		len = nl - c->in;
		if (len >= 4 && memcmp(c->in, "PUT ", 4) == 0) {
			/* Text and newline in one write: no torn record. */
			n = write(datafd, c->in + 4, len - 3);
			if (n != (ssize_t)(len - 3))
				die("write data");
			if (fdatasync(datafd) == -1)
				die("fdatasync");
			records++;
			c->outlen += snprintf(c->out + c->outlen,
			    BUFSZ - c->outlen, "OK %ld\n", records);
		} else {
			memcpy(c->out + c->outlen, "ERR\n", 4);
			c->outlen += 4;
		}
		c->inlen -= len + 1;
		memmove(c->in, nl + 1, c->inlen);
	}
	if (c->inlen == BUFSZ && memchr(c->in, '\n', c->inlen) == NULL)
		return -1; /* a line longer than we buffer */
	while (c->outlen > 0) {
		n = send(c->fd, c->out, c->outlen, MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n == -1)
			return -1;
		c->outlen -= n;
		memmove(c->out, c->out + n, c->outlen);
	}
	return 0;
}

/* 0: read some or nothing yet, 1: EOF, -1: error. */
static int
fill(struct client *c)
{
	ssize_t n;

	do
		n = recv(c->fd, c->in + c->inlen, BUFSZ - c->inlen, 0);
	while (n == -1 && errno == EINTR);
	if (n == -1)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
	if (n == 0)
		return 1;
	c->inlen += n;
	return 0;
}

static void
take_clients(int lfd)
{
	int fd, i;

	while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) !=
	    -1) {
		for (i = 0; i < MAXCLIENTS && clients[i].fd != -1; i++)
			;
		if (i == MAXCLIENTS) {
			close(fd);
			continue;
		}
		clients[i].fd = fd;
		clients[i].inlen = clients[i].outlen = 0;
	}
}

static int
serve(int argc, char **argv)
{
	static const int sigs[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT};
	struct pollfd pfd[MAXCLIENTS + 2];
	struct sockaddr_in sin;
	struct sigaction sa;
	struct client *c;
	const char *data, *log;
	long port, delay;
	long long deadline = 0;
	int sp[2], lfd, stopping = 0, i, r, timeout, one = 1;
	socklen_t slen = sizeof(sin);
	unsigned char signo;
	char buf[BUFSZ];
	ssize_t n;

	parse(argc, argv, DATA, STOPDELAY);
	if ((data = opt[DATA]) == NULL || (log = opt[LOG]) == NULL)
		usage();
	port = number(PORT, 0, 65535);
	delay = number(STOPDELAY, 0, INT_MAX);

	if ((logfd = open(
	         log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)) == -1)
		die(log);
	if ((datafd = open(
	         data, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644)) == -1)
		die(data);
	/* Records survive a restart, and so does their count. */
	while ((n = read(datafd, buf, sizeof(buf))) > 0)
		while (n-- > 0)
			records += buf[n] == '\n';
	if (n == -1)
		die(data);
	if (pipe2(sp, O_NONBLOCK | O_CLOEXEC) == -1)
		die("pipe2");
	sigw = sp[1];
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = onsignal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < (int)(sizeof(sigs) / sizeof(sigs[0])); i++)
		if (sigaction(sigs[i], &sa, NULL) == -1)
			die("sigaction");
	/* Only now: a test may signal us as soon as it sees this line. */
	logline("start pid %ld", (long)getpid());

	sin = loopback(port);
	if ((lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	         0)) == -1 ||
	    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ==
	        -1 ||
	    bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(lfd, 64) == -1 ||
	    getsockname(lfd, (struct sockaddr *)&sin, &slen) == -1)
		die("listen");
	printf("listening on 127.0.0.1:%d\n", ntohs(sin.sin_port));
	fflush(stdout);
	write_portfile(data, ntohs(sin.sin_port));

	for (i = 0; i < MAXCLIENTS; i++)
		clients[i].fd = -1;
	for (;;) {
		timeout = -1;
		if (stopping && (timeout = deadline - now_ms()) <= 0)
			break;
		pfd[0].fd = sp[0];
		pfd[0].events = POLLIN;
		pfd[1].fd = lfd;
		pfd[1].events = POLLIN;
		for (i = 0; i < MAXCLIENTS; i++) {
			c = &clients[i];
			pfd[i + 2].fd = c->fd;
			pfd[i + 2].events = (c->inlen < BUFSZ ? POLLIN : 0) |
			    (c->outlen > 0 ? POLLOUT : 0);
		}
		if (poll(pfd, MAXCLIENTS + 2, timeout) == -1) {
			if (errno == EINTR)
				continue; /* the self-pipe has the signal */
			die("poll");
		}
		while (read(sp[0], &signo, 1) == 1) {
			logline("signal SIG%s", sigabbrev_np(signo));
			if (signo != SIGTERM && signo != SIGINT)
				continue;
			if (stopping) {
				logline("second stop signal: quitting without "
				        "cleanup");
				_exit(3);
			}
			/* Stop taking clients; serve those we have until
			 * the deadline, as a database flushing would. */
			stopping = 1;
			deadline = now_ms() + delay;
			close(lfd);
			lfd = pfd[1].fd = -1;
		}
		if (lfd != -1 && (pfd[1].revents & POLLIN))
			take_clients(lfd);
		/* A slot filled just now had fd -1 in poll: no revents. */
		for (i = 0; i < MAXCLIENTS; i++) {
			c = &clients[i];
			if (c->fd == -1 || pfd[i + 2].revents == 0)
				continue;
			r = 0;
			if (pfd[i + 2].revents & (POLLIN | POLLHUP | POLLERR))
				r = fill(c);
			if (r == -1 || answer(c) == -1 || r == 1) {
				close(c->fd);
				c->fd = -1;
			}
		}
	}
	for (i = 0; i < MAXCLIENTS; i++)
		if (clients[i].fd != -1)
			close(clients[i].fd);
	logline("stopped records=%ld", records);
	close(datafd);
	close(logfd);
	return 0;
}

static _Noreturn __attribute__((format(printf, 1, 2))) void
putfail(const char *fmt, ...)
{
	va_list ap;

	fputs("tstore put: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " after %ld acked records\n", acked);
	exit(1);
}

static int
put(int argc, char **argv)
{
	const char *portfile, *prefix, *ackfile;
	long count, delay, port = 0, i;
	long long give_up = now_ms() + 5000;
	struct timespec ts;
	struct sockaddr_in sin;
	char buf[BUFSZ], line[BUFSZ], *nl;
	size_t len = 0;
	ssize_t n;
	int fd, afd = -1, ok;
	FILE *f;

	parse(argc, argv, PORTFILE, ACKED);
	if ((portfile = opt[PORTFILE]) == NULL || opt[COUNT] == NULL)
		usage();
	count = number(COUNT, 0, LONG_MAX);
	delay = number(DELAY, 0, INT_MAX);
	prefix = opt[PREFIX] != NULL ? opt[PREFIX] : "rec";
	ackfile = opt[ACKED];
	if (strlen(prefix) > 1000)
		usage();
	if (ackfile != NULL &&
	    (afd = open(ackfile, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
	         0644)) == -1)
		die(ackfile);

	/* The server may still be starting: wait for its port file. */
	while ((f = fopen(portfile, "r")) == NULL ||
	    fscanf(f, "%ld", &port) != 1 || port <= 0 || port > 65535) {
		if (f != NULL)
			fclose(f);
		if (now_ms() >= give_up)
			putfail("no port in %s", portfile);
		usleep(10000);
	}
	fclose(f);

	sin = loopback(port);
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		putfail("connect 127.0.0.1:%ld: %s", port, strerror(errno));

	for (i = 1; i <= count; i++) {
		n = snprintf(line, sizeof(line), "PUT %s-%ld\n", prefix, i);
		/* Blocking and no handlers: all is sent or it failed. And
		 * MSG_NOSIGNAL, as a server gone away is reported, not fatal.
		 */
		if (send(fd, line, n, MSG_NOSIGNAL) != n)
			putfail("send: %s", strerror(errno));
		while ((nl = memchr(buf, '\n', len)) == NULL) {
			if (len == sizeof(buf))
				putfail("reply too long");
			n = recv(fd, buf + len, sizeof(buf) - len, 0);
			if (n == -1 && errno != EINTR)
				putfail("recv: %s", strerror(errno));
			if (n == 0)
				putfail("EOF");
			if (n > 0)
				len += n;
		}
		ok = strncmp(buf, "OK ", 3) == 0;
		len -= nl + 1 - buf;
		memmove(buf, nl + 1, len);
		if (!ok)
			putfail("ERR");
		acked++;
		n = snprintf(line, sizeof(line), "%s-%ld\n", prefix, i);
		if (afd != -1 && write(afd, line, n) != n)
			putfail("write %s: %s", ackfile, strerror(errno));
		printf("put %s-%ld ok\n", prefix, i);
		fflush(stdout);
		ts.tv_sec = delay / 1000;
		ts.tv_nsec = delay % 1000 * 1000000;
		while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
			;
	}
	close(fd);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "serve") == 0)
		return serve(argc - 2, argv + 2);
	if (argc >= 2 && strcmp(argv[1], "put") == 0)
		return put(argc - 2, argv + 2);
	usage();
}
