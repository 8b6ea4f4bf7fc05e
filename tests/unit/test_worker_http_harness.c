/* SPDX-License-Identifier: ISC */
/*
 * tests/unit/test_worker_http_harness.c
 * The end-to-end harness for the worker's HTTP server: a temp tree, a
 * child process serving it with wrk_http on its own libev loop (the
 * client is in test_worker_http_client.c). The child drains on SIGUSR1,
 * cuts on SIGUSR2, stops on SIGTERM, runs the commands of the control
 * socket (hold, release, broadcast: srv_ctl), writes its counters, frees
 * everything and (under ASan) runs a leak check before it exits, so every
 * test checks leaks.
 */
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
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
#include <dirent.h>
#include <time.h>
#include <unistd.h>

#include <ev.h>

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
	ev_io ctl;
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
	wrk_http_broadcast(ch->h, "build", data, NULL);
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
	wrk_http_drain(ch->h, ch->deadline, false);
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

/* One byte per command; each is acknowledged once it has run. */
static void
child_ctl(struct ev_loop *loop, ev_io *w, int revents)
{
	struct child *ch =
	    (struct child *)(void *)((char *)w - offsetof(struct child, ctl));
	char cmd;
	ssize_t n;

	(void)revents;
	n = read(w->fd, &cmd, 1);
	if (n <= 0) {
		if (n == 0 || (errno != EINTR && errno != EAGAIN))
			ev_io_stop(loop, w);
		return;
	}
	switch (cmd) {
	case CTL_HOLD:
		wrk_http_hold(ch->h, true);
		break;
	case CTL_RELEASE:
		wrk_http_hold(ch->h, false);
		break;
	case CTL_NOTE:
		wrk_http_broadcast(ch->h, "note", "one\ntwo\r\nthree", NULL);
		break;
	case CTL_HANDOFF:
		wrk_http_drain(ch->h, ch->deadline, true);
		break;
	}
	if (write(w->fd, &cmd, 1) != 1)
		ev_io_stop(loop, w);
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
child_main(
    const struct srv *s, int lfd, int ready, int ctl, const struct srv_opts *o)
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
	lim.livereload = o->livereload;
	lim.hold_timeout = o->hold_timeout;
	{
		static char *const t[] = {"t"};
		lim.hosts = o->hosts != NULL ? o->hosts : t;
		lim.nhosts = o->hosts != NULL ? o->nhosts : 1;
	}
	lim.deny = o->deny;
	lim.ndeny = o->ndeny;
	lim.allow = o->allow;
	lim.nallow = o->nallow;
	lim.status_any = o->status_any;
	lim.routes = o->routes;
	lim.nroutes = o->nroutes;
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
	ev_io_init(&ch.ctl, child_ctl, ctl, EV_READ);
	ev_io_start(ch.loop, &ch.ctl);
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
	ev_io_stop(ch.loop, &ch.ctl);
	ev_loop_destroy(ch.loop);
	close(lfd);
	close(ctl);
#ifdef __SANITIZE_ADDRESS__
	leaks = __lsan_do_recoverable_leak_check();
#endif
	/* _exit: the test process's atexit handlers belong to Criterion. */
	_exit(leaks ? 5 : 0);
}

void
srv_write(const struct srv *s, const char *name, const char *content)
{
	char path[256], tmp[272];
	FILE *f;

	/* Written beside and renamed, as a build would, so no read is torn. */
	snprintf(path, sizeof(path), "%s/%s", s->root, name);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	cr_assert((f = fopen(tmp, "w")) != NULL, "fopen %s", tmp);
	fputs(content, f);
	cr_assert(fclose(f) == 0);
	cr_assert(rename(tmp, path) == 0);
}

void
srv_ctl(struct srv *s, char cmd)
{
	struct pollfd pfd = {.fd = s->ctl, .events = POLLIN};
	char ack;

	cr_assert(s->ctl >= 0, "no control socket");
	cr_assert(write(s->ctl, &cmd, 1) == 1);
	cr_assert(poll(&pfd, 1, 5000) == 1, "control command %c not run", cmd);
	cr_assert(read(s->ctl, &ack, 1) == 1 && ack == cmd);
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
	int lfd, ready[2], ctl[2], one = 1;
	char b;

	memset(s, 0, sizeof(*s));
	s->ctl = -1;
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
	cr_assert(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ctl) == 0);
	s->pid = fork();
	cr_assert(s->pid >= 0);
	if (s->pid == 0) {
		close(ready[0]);
		close(ctl[0]);
		child_main(s, lfd, ready[1], ctl[1], o != NULL ? o : &none);
	}
	close(ready[1]);
	close(ctl[1]);
	s->ctl = ctl[0];
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
	/* > 0: a zeroed srv that never started must not close stdin. */
	if (s->ctl > 0) {
		close(s->ctl);
		s->ctl = -1;
	}
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
srv_nap_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

void
srv_assert_hdr(const struct resp *r, const char *name, const char *want)
{
	const char *v = resp_hdr(r, name);

	cr_assert(v != NULL, "no %s header in\n%s", name, r->head);
	cr_assert(strcmp(v, want) == 0, "header %s in\n%s", name, r->head);
}

void
srv_assert_status(struct srv *s, const char *req, int status, const char *body)
{
	struct resp r;

	fetch(s, req, &r);
	cr_assert(r.status == status, "%s\n->\n%s", req, r.head);
	if (body != NULL)
		cr_assert(strcmp(r.body, body) == 0, "body of %s", req);
	resp_free(&r);
}
