/* SPDX-License-Identifier: ISC */
/*
 * fuzz/fuzz_http.c
 * libFuzzer target for the worker's HTTP server, through its real code:
 * each input is what one client sends on one connection. The connection
 * is one end of a socketpair handed to wrk_conn_new, as the accept loop
 * would hand it an accepted socket; the fuzzer writes the input to the
 * other end (in two writes, split where the first byte says, with the
 * server's loop run between them), shuts its side down and runs the loop
 * until the server has answered and closed, reading every response byte.
 *
 * Checks: the responses never contain the marker of a file outside the
 * served root (a path escaped it: "..", %-encoding, a symlink out); every
 * output starts with a status line; the server closes the connection
 * by itself or after wrk_http_cut, leaving no connection and no fd
 * behind (/proc/self/fd is counted every 1000 inputs).
 *
 * The first input byte is not sent: it picks where the input is split
 * (0: all of it in the second write, 255: all of it in the first).
 *
 *	clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE \
 *	    -Iworker fuzz/fuzz_http.c worker/http_*.c \
 *	    -lev -lhttp_parser -o /tmp/fuzz_http
 *	/tmp/fuzz_http -max_total_time=60 fuzz/corpus/http
 *
 * To see the responses to an input: FUZZ_HTTP_DUMP=1 fuzz_http FILE.
 *
 * The served tree is made in LLVMFuzzerInitialize under /tmp/tend-fuzz-*
 * and removed at exit (a crash leaves it behind):
 *	root/index.html		HTML with </body> (live reload injects)
 *	root/a.css
 *	root/big.txt		over WRK_SMALL_FILE: sent with sendfile
 *	root/sub/page.html	HTML without </body>
 *	root/link-in -> a.css	a symlink that stays inside
 *	root/link-out -> ../secret.txt	one that leaves the root
 *	secret.txt		the marker, which no response may contain
 * and a proxy route, /api, to a closed port on 127.0.0.1 (502).
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ev.h>

#include "http.h"
#include "http_priv.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_TURNS 200 /* loop turns per input before the connection is cut */
#define FD_CHECK_EVERY 1000
#define FD_SLACK 4 /* fds the count may grow by before it is a leak */
#define BIG_SIZE (WRK_SMALL_FILE * 3 + 123)

static char tmpdir[] = "/tmp/tend-fuzz-XXXXXX";
static bool tmpdir_made;
/*
 * The secret's marker. Its control bytes keep it from being echoed: a
 * job name with them is refused and JSON would escape them anyway, and
 * paths with them are refused, so only the file's bytes can carry it.
 */
static char marker[80];
static size_t marker_len;

static struct ev_loop *loop;
static struct wrk_http *h;
static int lfd = -1;
static unsigned long runs;
static int fd_base = -1;
static bool dump; /* FUZZ_HTTP_DUMP set: responses go to stderr */
static unsigned long cuts; /* inputs whose connection had to be cut */

static int
ops_trigger_build(void *arg, const char *job, const char *peer)
{
	(void)arg;
	(void)job;
	(void)peer;
	return 0;
}

static char *
ops_status_json(void *arg)
{
	(void)arg;
	return strdup("{}");
}

static void
ops_drained(void *arg)
{
	(void)arg;
}

static void
die(const char *what)
{
	fprintf(stderr, "fuzz_http: %s: %s\n", what, strerror(errno));
	abort();
}

static void
put_file(const char *rel, const char *data, size_t len)
{
	char path[sizeof(tmpdir) + 64];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	if ((f = fopen(path, "w")) == NULL)
		die(path);
	if (fwrite(data, 1, len, f) != len || fclose(f) != 0)
		die(path);
}

static void
put_link(const char *target, const char *rel)
{
	char path[sizeof(tmpdir) + 64];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	if (symlink(target, path) == -1)
		die(path);
}

static void
put_dir(const char *rel)
{
	char path[sizeof(tmpdir) + 64];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	if (mkdir(path, 0755) == -1)
		die(path);
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
cleanup(void)
{
	if (runs > 0)
		fprintf(stderr,
		    "fuzz_http: %lu inputs, %lu connections cut after %d "
		    "turns\n",
		    runs, cuts, MAX_TURNS);
	if (h != NULL) {
		wrk_http_free(h);
		h = NULL;
	}
	if (lfd >= 0) {
		close(lfd);
		lfd = -1;
	}
	if (tmpdir_made) {
		nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
		tmpdir_made = false;
	}
}

static void
make_tree(void)
{
	static const char index_html[] =
	    "<!doctype html>\n<title>index</title>\n<link rel=stylesheet "
	    "href=/a.css>\n<body><h1>index</h1>\n</BODY>\n</html>\n";
	static const char page_html[] = "<!doctype html>\n<p>a page without "
	                                "a body end tag\n";
	static const char css[] = "body { color: #333; }\n";
	char *big;
	size_t i;

	if (mkdtemp(tmpdir) == NULL)
		die("mkdtemp");
	tmpdir_made = true;
	snprintf(marker, sizeof(marker),
	    "\001TEND-FUZZ-SECRET-%ld-%ld-7f3a9c\001", (long)getpid(),
	    (long)time(NULL));
	marker_len = strlen(marker);
	put_file("secret.txt", marker, marker_len);
	put_dir("root");
	put_dir("root/sub");
	put_file("root/index.html", index_html, sizeof(index_html) - 1);
	put_file("root/a.css", css, sizeof(css) - 1);
	put_file("root/sub/page.html", page_html, sizeof(page_html) - 1);
	if ((big = malloc(BIG_SIZE)) == NULL)
		die("malloc");
	for (i = 0; i < BIG_SIZE; i++)
		big[i] = (char)('a' + i % 26);
	put_file("root/big.txt", big, BIG_SIZE);
	free(big);
	put_link("a.css", "root/link-in");
	put_link("../secret.txt", "root/link-out");
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct wrk_http_limits lim;
	struct wrk_http_ops ops;
	struct sockaddr_in sin;
	char root[sizeof(tmpdir) + 8];

	(void)argc;
	(void)argv;
	dump = getenv("FUZZ_HTTP_DUMP") != NULL;
	/* The server sends with MSG_NOSIGNAL; sendfile has no such flag. */
	signal(SIGPIPE, SIG_IGN);
	make_tree();
	atexit(cleanup);

	if ((loop = ev_default_loop(0)) == NULL)
		die("ev_default_loop");
	/* A listener nobody connects to: accept_cb never runs. */
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (lfd == -1)
		die("socket");
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(lfd, 1) == -1)
		die("bind/listen");

	wrk_http_limits_default(&lim);
	lim.livereload = true;
	/* The seeds' names, a wildcard, and globs: every guard is reached. */
	{
		static char *const hosts[] = {"f", "x", "*.dev.test"};
		static char *const deny[] = {"private", "*.secret"};
		static char *const allow[] = {".env.example"};
		lim.hosts = hosts;
		lim.nhosts = 3;
		lim.deny = deny;
		lim.ndeny = 2;
		lim.allow = allow;
		lim.nallow = 1;
	}
	/*
	 * A proxy route to a port nobody listens on (a socket bound, then
	 * closed): requests under /api are parsed, routed, guarded and
	 * rewritten, their bodies streamed, and answered 502.
	 */
	{
		static struct wrk_http_route route = {
		    .prefix = "/api", .to = "127.0.0.1 (closed)", .job = "api"};
		struct sockaddr_in *to = (void *)&route.addr[0];
		socklen_t sl = sizeof(*to);
		int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

		memset(to, 0, sizeof(*to));
		to->sin_family = AF_INET;
		to->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (s == -1 || bind(s, (struct sockaddr *)to, sl) == -1 ||
		    getsockname(s, (struct sockaddr *)to, &sl) == -1)
			die("proxy port");
		close(s);
		route.addrlen[0] = sl;
		route.naddr = 1;
		lim.routes = &route;
		lim.nroutes = 1;
	}
	memset(&ops, 0, sizeof(ops));
	ops.trigger_build = ops_trigger_build;
	ops.status_json = ops_status_json;
	ops.drained = ops_drained;
	snprintf(root, sizeof(root), "%s/root", tmpdir);
	if ((h = wrk_http_new(loop, lfd, root, &lim, &ops)) == NULL)
		die("wrk_http_new");
	return 0;
}

static int
count_fds(void)
{
	struct dirent *d;
	DIR *dir;
	int n = 0;

	if ((dir = opendir("/proc/self/fd")) == NULL)
		return -1;
	while ((d = readdir(dir)) != NULL)
		n += d->d_name[0] != '.';
	closedir(dir);
	return n;
}

/* What the client has read so far, checked as it arrives. */
struct seen {
	size_t total;
	char head[9]; /* the first bytes: a status line's "HTTP/1.1 " */
	char tail[sizeof(marker)]; /* the last marker_len - 1 bytes */
	size_t tail_len;
};

static bool
contains_marker(const char *buf, size_t len)
{
	size_t i;

	/* By hand: libFuzzer's memmem hook would feed the marker back in. */
	for (i = 0; i + marker_len <= len; i++)
		if (buf[i] == marker[0] &&
		    memcmp(buf + i, marker, marker_len) == 0)
			return true;
	return false;
}

static void
check_bytes(struct seen *s, const char *buf, size_t len)
{
	char joined[2 * sizeof(marker)];
	size_t k, keep;

	if (dump)
		fwrite(buf, 1, len, stderr);
	for (k = 0; k < len && s->total + k < sizeof(s->head); k++)
		s->head[s->total + k] = buf[k];
	s->total += len;
	if (s->total >= sizeof(s->head) &&
	    memcmp(s->head, "HTTP/1.1 ", sizeof(s->head)) != 0) {
		fprintf(stderr, "fuzz_http: output starts with \"%.9s\"\n",
		    s->head);
		abort();
	}
	/* The marker may straddle two reads. */
	k = len < marker_len - 1 ? len : marker_len - 1;
	memcpy(joined, s->tail, s->tail_len);
	memcpy(joined + s->tail_len, buf, k);
	if (contains_marker(joined, s->tail_len + k) ||
	    contains_marker(buf, len)) {
		fprintf(stderr,
		    "fuzz_http: a response carries the secret "
		    "from outside the root\n");
		abort();
	}
	if (len >= marker_len - 1) {
		memcpy(s->tail, buf + len - (marker_len - 1), marker_len - 1);
		s->tail_len = marker_len - 1;
	} else {
		keep = s->tail_len + len <= marker_len - 1
		    ? s->tail_len
		    : marker_len - 1 - len;
		memmove(s->tail, s->tail + s->tail_len - keep, keep);
		memcpy(s->tail + keep, buf, len);
		s->tail_len = keep + len;
	}
}

/* Read what the server sent; true at EOF (or a reset). */
static bool
client_read(int fd, struct seen *s)
{
	char buf[65536];
	ssize_t n;

	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n > 0) {
			check_bytes(s, buf, (size_t)n);
			continue;
		}
		if (n == 0)
			return true;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return false;
		return true; /* ECONNRESET and the like: the server is gone */
	}
}

static void
check_fds(void)
{
	int n;

	if (runs++ % FD_CHECK_EVERY != 0)
		return;
	if ((n = count_fds()) < 0)
		return;
	if (fd_base < 0) {
		fd_base = n;
		return;
	}
	if (n > fd_base + FD_SLACK) {
		fprintf(stderr,
		    "fuzz_http: fd leak: %d open after %lu inputs, %d at "
		    "the start\n",
		    n, runs, fd_base);
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wrk_http_stats st;
	struct sockaddr_in peer;
	struct seen seen;
	size_t off = 0, limit;
	bool shut = false, eof = false;
	ssize_t n;
	int sv[2], turn;

	if (size == 0)
		return 0;
	/* The first byte picks the split: 0 .. all of the rest. */
	limit = (size - 1) * data[0] / 255;
	data++;
	size--;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
	        sv) == -1)
		die("socketpair");
	memset(&peer, 0, sizeof(peer));
	peer.sin_family = AF_INET;
	peer.sin_port = htons(1234);
	peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (wrk_conn_new(h, sv[0], (struct sockaddr *)&peer, sizeof(peer)) ==
	    NULL) {
		close(sv[0]);
		close(sv[1]);
		return 0;
	}

	memset(&seen, 0, sizeof(seen));
	for (turn = 0; turn < MAX_TURNS; turn++) {
		while (off < limit) {
			n = send(sv[1], data + off, limit - off, MSG_NOSIGNAL);
			if (n > 0) {
				off += (size_t)n;
				continue;
			}
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				break;
			/* The server closed: the rest is never read. */
			off = limit = size;
		}
		if (off == size && !shut) {
			shutdown(sv[1], SHUT_WR);
			shut = true;
		}
		ev_run(loop, EVRUN_NOWAIT);
		limit = size; /* after the first turn, the rest */
		if (client_read(sv[1], &seen))
			eof = true;
		wrk_http_stats(h, &st);
		if (eof && shut && st.open == 0)
			break;
	}
	/* Still open: stuck, or waiting on a timer. Cut it, as a stop would. */
	wrk_http_stats(h, &st);
	if (st.open > 0) {
		cuts++;
		wrk_http_cut(h);
	}
	wrk_http_stats(h, &st);
	if (st.open != 0) {
		fprintf(stderr, "fuzz_http: %zu connections after a cut\n",
		    st.open);
		abort();
	}
	/* Whatever was sent before the cut is checked too. */
	(void)client_read(sv[1], &seen);
	close(sv[1]);
	check_fds();
	return 0;
}
