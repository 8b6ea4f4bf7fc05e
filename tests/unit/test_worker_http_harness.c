/* SPDX-License-Identifier: ISC */
/*
 * tests/unit/test_worker_http_harness.c
 * The end-to-end harness for the worker's HTTP server: a temp tree, a
 * child process serving it with wrk_http on its own libev loop, and a
 * plain blocking client. The child drains on SIGUSR1, cuts on SIGUSR2,
 * stops on SIGTERM, writes its counters, frees everything and (under
 * ASan) runs a leak check before it exits, so every test checks leaks.
 */
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <ev.h>

#include <dirent.h>

#include <criterion/criterion.h>

#include "http.h"
#include "test_worker_http_harness.h"

#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/lsan_interface.h>
#endif

struct child {
	struct ev_loop *loop;
	struct wrk_http *h;
	double deadline;
	ev_signal usr1, usr2, term;
};

static int
child_trigger(void *arg, const char *job, const char *peer)
{
	struct child *ch = arg;
	char data[512];

	if (strcmp(job, "nope") == 0)
		return -1;
	/* Broadcasting from inside a request exercises re-entry. */
	snprintf(
	    data, sizeof(data), "{\"job\":\"%s\",\"peer\":\"%s\"}", job, peer);
	wrk_http_broadcast(ch->h, "build", data);
	return 0;
}

static char *
child_status(void *arg)
{
	(void)arg;
	return strdup("{\"ok\":true}");
}

static void
child_drained(void *arg)
{
	struct child *ch = arg;

	ev_break(ch->loop, EVBREAK_ALL);
}

static void
child_usr1(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct child *ch =
	    (struct child *)(void *)((char *)w - offsetof(struct child, usr1));

	(void)loop;
	(void)revents;
	wrk_http_drain(ch->h, ch->deadline);
}

static void
child_usr2(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct child *ch =
	    (struct child *)(void *)((char *)w - offsetof(struct child, usr2));

	(void)loop;
	(void)revents;
	wrk_http_cut(ch->h);
}

static void
child_term(struct ev_loop *loop, ev_signal *w, int revents)
{
	(void)w;
	(void)revents;
	ev_break(loop, EVBREAK_ALL);
}

static void
limit_fds(int spare)
{
	struct rlimit rl;
	struct dirent *d;
	DIR *dir;
	int n = 0;

	if ((dir = opendir("/proc/self/fd")) == NULL)
		_exit(6);
	while ((d = readdir(dir)) != NULL)
		n += d->d_name[0] != '.';
	closedir(dir);
	/* n counts the DIR's own fd; it counts for libev's epoll fd later. */
	rl.rlim_cur = rl.rlim_max = (rlim_t)(n + spare);
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
		_exit(6);
}

static void
child_main(const struct srv *s, int lfd, int ready, const struct srv_opts *o)
{
	struct wrk_http_limits lim;
	struct wrk_http_ops ops;
	struct wrk_http_stats st;
	struct child ch;
	char path[128];
	FILE *f;
	int leaks = 0;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	signal(SIGPIPE, SIG_IGN);
	memset(&ch, 0, sizeof(ch));
	ch.deadline = o->drain_deadline > 0 ? o->drain_deadline : 5.0;
	if (o->spare_fds > 0)
		limit_fds(o->spare_fds);
	if ((ch.loop = ev_default_loop(0)) == NULL)
		_exit(2);
	wrk_http_limits_default(&lim);
	if (o->header_timeout > 0)
		lim.header_timeout = o->header_timeout;
	if (o->keepalive_timeout > 0)
		lim.keepalive_timeout = o->keepalive_timeout;
	if (o->max_header_bytes > 0)
		lim.max_header_bytes = o->max_header_bytes;
	if (o->max_url_bytes > 0)
		lim.max_url_bytes = o->max_url_bytes;
	lim.spa = o->spa;
	memset(&ops, 0, sizeof(ops));
	ops.trigger_build = child_trigger;
	ops.status_json = child_status;
	ops.drained = child_drained;
	ops.arg = &ch;
	if ((ch.h = wrk_http_new(ch.loop, lfd, s->root, &lim, &ops)) == NULL)
		_exit(3);
	ev_signal_init(&ch.usr1, child_usr1, SIGUSR1);
	ev_signal_init(&ch.usr2, child_usr2, SIGUSR2);
	ev_signal_init(&ch.term, child_term, SIGTERM);
	ev_signal_start(ch.loop, &ch.usr1);
	ev_signal_start(ch.loop, &ch.usr2);
	ev_signal_start(ch.loop, &ch.term);
	if (write(ready, "r", 1) != 1)
		_exit(4);
	close(ready);
	ev_run(ch.loop, 0);

	wrk_http_stats(ch.h, &st);
	snprintf(path, sizeof(path), "%s/stats", s->dir);
	if ((f = fopen(path, "w")) != NULL) {
		fprintf(f, "%llu %llu %llu\n", (unsigned long long)st.requests,
		    (unsigned long long)st.connections,
		    (unsigned long long)st.cut);
		fclose(f);
	}
	wrk_http_free(ch.h);
	ev_signal_stop(ch.loop, &ch.usr1);
	ev_signal_stop(ch.loop, &ch.usr2);
	ev_signal_stop(ch.loop, &ch.term);
	ev_loop_destroy(ch.loop);
	close(lfd);
#ifdef __SANITIZE_ADDRESS__
	leaks = __lsan_do_recoverable_leak_check();
#endif
	/* _exit: the test process's atexit handlers belong to Criterion. */
	_exit(leaks ? 5 : 0);
}

static void
put_file(const char *path, const char *content)
{
	FILE *f = fopen(path, "w");

	cr_assert(f != NULL, "fopen %s: %s", path, strerror(errno));
	fputs(content, f);
	cr_assert(fclose(f) == 0);
}

unsigned char
srv_pattern(size_t i)
{
	return (unsigned char)((i * 2654435761u) >> 13);
}

void
srv_make_file(const struct srv *s, const char *name, size_t size)
{
	char path[256], buf[65536];
	size_t off = 0, n, i;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", s->root, name);
	cr_assert((f = fopen(path, "w")) != NULL);
	while (off < size) {
		n = size - off < sizeof(buf) ? size - off : sizeof(buf);
		for (i = 0; i < n; i++)
			buf[i] = (char)srv_pattern(off + i);
		cr_assert(fwrite(buf, 1, n, f) == n);
		off += n;
	}
	cr_assert(fclose(f) == 0);
}

static void
make_tree(struct srv *s)
{
	char p[256], q[256];

	strcpy(s->dir, "/tmp/tend-http-XXXXXX");
	cr_assert(mkdtemp(s->dir) != NULL);
	snprintf(s->root, sizeof(s->root), "%s/root", s->dir);
	cr_assert(mkdir(s->root, 0755) == 0);
#define AT(name) (snprintf(p, sizeof(p), "%s/%s", s->root, (name)), p)
	snprintf(q, sizeof(q), "%s/secret", s->dir);
	put_file(q, SECRET "\n");
	put_file(AT("index.html"), "<!doctype html><p>home</p>\n");
	put_file(AT("hello.txt"), "hello, world\n");
	cr_assert(mkdir(AT("sub"), 0755) == 0);
	put_file(AT("sub/index.html"), "<p>sub</p>\n");
	put_file(AT("sub/page.css"), "p{}\n");
	cr_assert(mkdir(AT("empty"), 0755) == 0);
	cr_assert(mkdir(AT("a b"), 0755) == 0);
	put_file(AT("a b/index.html"), "<p>space</p>\n");
	put_file(AT("zero.txt"), "");
	cr_assert(symlink("hello.txt", AT("link-in")) == 0);
	cr_assert(symlink("../secret", AT("link-out")) == 0);
	cr_assert(symlink(q, AT("link-abs")) == 0);
	cr_assert(symlink("..", AT("link-up")) == 0);
	cr_assert(symlink("/proc/self/root", AT("link-proc")) == 0);
	cr_assert(mkfifo(AT("fifo"), 0644) == 0);
#undef AT
}

void
srv_start(struct srv *s, const struct srv_opts *o)
{
	struct srv_opts none;
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	struct pollfd pfd;
	int lfd, ready[2], one = 1;
	char b;

	memset(s, 0, sizeof(*s));
	memset(&none, 0, sizeof(none));
	make_tree(s);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	cr_assert(lfd >= 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	cr_assert(listen(lfd, 128) == 0);
	cr_assert(getsockname(lfd, (struct sockaddr *)&sa, &sl) == 0);
	s->port = ntohs(sa.sin_port);
	cr_assert(pipe2(ready, O_CLOEXEC) == 0);
	s->pid = fork();
	cr_assert(s->pid >= 0);
	if (s->pid == 0) {
		close(ready[0]);
		child_main(s, lfd, ready[1], o != NULL ? o : &none);
	}
	close(ready[1]);
	close(lfd);
	pfd.fd = ready[0];
	pfd.events = POLLIN;
	cr_assert(poll(&pfd, 1, 10000) == 1, "server child not ready");
	cr_assert(read(ready[0], &b, 1) == 1, "server child failed");
	close(ready[0]);
}

int
srv_wait(struct srv *s, double secs)
{
	struct timespec ts = {0, 5 * 1000 * 1000};
	int status, i, n = (int)(secs * 200);
	pid_t r;

	if (s->pid <= 0)
		return -1;
	for (i = 0; i < n; i++) {
		if ((r = waitpid(s->pid, &status, WNOHANG)) == s->pid) {
			s->pid = 0;
			return status;
		}
		nanosleep(&ts, NULL);
	}
	kill(s->pid, SIGKILL);
	waitpid(s->pid, &status, 0);
	s->pid = 0;
	return -1;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

void
srv_stop(struct srv *s)
{
	int status;

	if (s->pid > 0) {
		kill(s->pid, SIGTERM);
		status = srv_wait(s, 10);
		cr_expect(status != -1 && WIFEXITED(status) &&
		        WEXITSTATUS(status) == 0,
		    "server child did not exit cleanly (status %#x)", status);
	}
}

void
srv_cleanup(struct srv *s)
{
	srv_stop(s);
	if (s->dir[0] != '\0') {
		nftw(s->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
		s->dir[0] = '\0';
	}
}

void
srv_stats(const struct srv *s, uint64_t *req, uint64_t *conns, uint64_t *cut)
{
	unsigned long long a = 0, b = 0, c = 0;
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/stats", s->dir);
	cr_assert((f = fopen(path, "r")) != NULL, "no stats from the child");
	cr_assert(fscanf(f, "%llu %llu %llu", &a, &b, &c) == 3);
	fclose(f);
	*req = a;
	*conns = b;
	*cut = c;
}

void
cli_open(struct cli *c, const struct srv *s, int rcvbuf)
{
	struct timeval tv = {5, 0};
	struct sockaddr_in sa;

	c->len = 0;
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert(c->fd >= 0);
	if (rcvbuf > 0)
		setsockopt(
		    c->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)s->port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert(connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) == 0,
	    "connect: %s", strerror(errno));
}

void
cli_close(struct cli *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

void
cli_sendn(struct cli *c, const void *p, size_t len)
{
	const char *b = p;
	ssize_t n;

	while (len > 0) {
		n = send(c->fd, b, len, MSG_NOSIGNAL);
		cr_assert(n > 0, "send: %s", strerror(errno));
		b += n;
		len -= (size_t)n;
	}
}

void
cli_send(struct cli *c, const char *s)
{
	cli_sendn(c, s, strlen(s));
}

static ssize_t
fill(struct cli *c)
{
	ssize_t n;

	if (c->len == sizeof(c->buf))
		return -1;
	do
		n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
	while (n < 0 && errno == EINTR);
	if (n > 0)
		c->len += (size_t)n;
	return n;
}

const char *
resp_hdr(const struct resp *r, const char *name)
{
	static char val[1024];
	const char *line, *end, *colon, *v;
	size_t nlen = strlen(name), vlen;

	line = strstr(r->head, "\r\n");
	while (line != NULL && line[2] != '\r' && line[2] != '\0') {
		line += 2;
		end = strstr(line, "\r\n");
		if (end == NULL)
			break;
		colon = memchr(line, ':', (size_t)(end - line));
		if (colon != NULL && (size_t)(colon - line) == nlen &&
		    strncasecmp(line, name, nlen) == 0) {
			for (v = colon + 1; *v == ' '; v++)
				;
			vlen = (size_t)(end - v);
			if (vlen >= sizeof(val))
				vlen = sizeof(val) - 1;
			memcpy(val, v, vlen);
			val[vlen] = '\0';
			return val;
		}
		line = end;
	}
	return NULL;
}

static void
take(struct cli *c, void *dst, size_t n)
{
	memcpy(dst, c->buf, n);
	memmove(c->buf, c->buf + n, c->len - n);
	c->len -= n;
}

int
cli_resp(struct cli *c, struct resp *r, bool no_body)
{
	const char *cl, *conn;
	char *end;
	size_t hl, need, have, cap;
	ssize_t n;

	memset(r, 0, sizeof(*r));
	for (;;) {
		end =
		    c->len >= 4 ? memmem(c->buf, c->len, "\r\n\r\n", 4) : NULL;
		if (end != NULL)
			break;
		n = fill(c);
		if (n <= 0) {
			cr_assert(c->len == 0,
			    "truncated response head (%zu "
			    "bytes, n=%zd)",
			    c->len, n);
			return -1;
		}
	}
	hl = (size_t)(end - c->buf) + 4;
	cr_assert(hl < sizeof(r->head), "response head too long");
	take(c, r->head, hl);
	r->head[hl] = '\0';
	cr_assert(sscanf(r->head, "HTTP/1.1 %d ", &r->status) == 1,
	    "bad status line: %s", r->head);
	conn = resp_hdr(r, "Connection");
	r->closed = conn != NULL && strcasecmp(conn, "close") == 0;
	cl = resp_hdr(r, "Content-Length");
	if (no_body || r->status == 304 || r->status == 204) {
		r->body = calloc(1, 1);
		return 0;
	}
	if (cl != NULL) {
		need = strtoull(cl, NULL, 10);
		r->body = malloc(need + 1);
		cr_assert(r->body != NULL);
		have = c->len < need ? c->len : need;
		take(c, r->body, have);
		while (have < need) {
			n = recv(c->fd, r->body + have, need - have, 0);
			if (n < 0 && errno == EINTR)
				continue;
			cr_assert(n > 0, "body ended at %zu of %zu: %s", have,
			    need, n == 0 ? "EOF" : strerror(errno));
			have += (size_t)n;
		}
		r->body[need] = '\0';
		r->body_len = need;
		return 0;
	}
	/* No length: the body runs until the server closes. */
	cap = c->len + 1;
	r->body = malloc(cap);
	r->body_len = c->len;
	take(c, r->body, c->len);
	while ((n = fill(c)) > 0) {
		r->body = realloc(r->body, r->body_len + c->len + 1);
		take(c, r->body + r->body_len, c->len);
		r->body_len += (size_t)n;
	}
	r->body[r->body_len] = '\0';
	r->closed = true;
	return 0;
}

void
resp_free(struct resp *r)
{
	free(r->body);
	r->body = NULL;
}

char *
cli_read_all(struct cli *c, size_t *lenp, bool *eof)
{
	size_t len = c->len, cap = c->len + 4096;
	char *out = malloc(cap);
	ssize_t n;

	memcpy(out, c->buf, c->len);
	c->len = 0;
	*eof = false;
	for (;;) {
		if (cap - len < 4096)
			out = realloc(out, cap *= 2);
		n = recv(c->fd, out + len, cap - len - 1, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			*eof = true;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	out[len] = '\0';
	*lenp = len;
	return out;
}

bool
cli_eof(struct cli *c, double secs)
{
	struct timeval tv = {
	    (time_t)secs, (suseconds_t)((secs - (double)(time_t)secs) * 1e6)};
	char buf[4096];
	ssize_t n;

	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	c->len = 0;
	for (;;) {
		n = recv(c->fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			return true;
		if (n < 0)
			return false; /* timeout, or RST instead of FIN */
	}
}

bool
cli_wait_for(struct cli *c, const char *needle)
{
	size_t nlen = strlen(needle);

	while (c->len < nlen || memmem(c->buf, c->len, needle, nlen) == NULL)
		if (fill(c) <= 0)
			return false;
	return true;
}

void
fetch(const struct srv *s, const char *req, struct resp *r)
{
	struct cli c;

	cli_open(&c, s, 0);
	cli_send(&c, req);
	cr_assert(cli_resp(&c, r, strncmp(req, "HEAD ", 5) == 0) == 0,
	    "no response to %s", req);
	cli_close(&c);
}
