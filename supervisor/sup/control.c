/* SPDX-License-Identifier: ISC */
/*
 * supervisor/sup/control.c
 * The control socket's server, in tend's loop (ctl/ctl.h has the
 * protocol): accept, read one request line, answer, close. Everything is
 * nonblocking and bounded: at most CONN_MAX clients, a request within
 * REQUEST_WAIT, answers of at most OUT_MAX bytes; EMFILE pauses accepting
 * for a moment instead of spinning. Followers of `tend logs -f` stay
 * until tend exits; one that does not read loses lines, never tend's time.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ev.h>

#include "control.h"
#include "ctl.h"
#include "log.h"

#define CONN_MAX 32
#define REQUEST_WAIT 5.0 /* s for a client to send its line */
#define OUT_MAX (8u << 20) /* bytes queued for one client */
#define EMFILE_PAUSE 0.1 /* s without accepting after EMFILE */

struct conn {
	struct control *ct;
	int fd;
	ev_io rio, wio;
	ev_timer wait;
	char in[CTL_LINE_MAX];
	size_t inlen;
	char *out;
	size_t outlen, outoff, outcap;
	bool answered; /* close once out is flushed */
	bool follow; /* tend logs -f: stays for new lines */
	char **names; /* followed jobs' names (a reload may renumber
	                 them); NULL: every job */
	size_t nnames;
	size_t dropped; /* lines not queued: the client did not read */
	struct conn *next;
};

struct control {
	struct sup *s;
	int fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	ev_io accept_io;
	ev_timer pause;
	struct conn *conns;
	size_t nconns;
};

static void conn_close(struct conn *c);

void
control_out(struct conn *c, const char *buf, size_t len)
{
	if (c->outlen + len > OUT_MAX) {
		c->dropped++;
		return;
	}
	if (c->outlen + len > c->outcap) {
		size_t cap = c->outcap ? c->outcap : 4096;
		char *p;
		while (cap < c->outlen + len)
			cap *= 2;
		if ((p = realloc(c->out, cap)) == NULL) {
			c->dropped++;
			return;
		}
		c->out = p;
		c->outcap = cap;
	}
	memcpy(c->out + c->outlen, buf, len);
	c->outlen += len;
	ev_io_start(c->ct->s->loop, &c->wio);
}

void
control_printf(struct conn *c, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	control_out(
	    c, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

static void
on_write(struct ev_loop *loop, ev_io *w, int revents)
{
	struct conn *c = w->data;

	(void)revents;
	while (c->outoff < c->outlen) {
		ssize_t n = send(c->fd, c->out + c->outoff,
		    c->outlen - c->outoff, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			conn_close(c); /* EPIPE: the client went away */
			return;
		}
		c->outoff += (size_t)n;
	}
	c->outoff = c->outlen = 0;
	ev_io_stop(loop, w);
	if (c->answered && !c->follow)
		conn_close(c);
}

static void
conn_close(struct conn *c)
{
	struct control *ct = c->ct;
	struct conn **pp = &ct->conns;

	while (*pp != c)
		pp = &(*pp)->next;
	*pp = c->next;
	ct->nconns--;
	ev_io_stop(ct->s->loop, &c->rio);
	ev_io_stop(ct->s->loop, &c->wio);
	ev_timer_stop(ct->s->loop, &c->wait);
	close(c->fd);
	free(c->out);
	for (size_t i = 0; i < c->nnames; i++)
		free(c->names[i]);
	free(c->names);
	free(c);
}

/* Split the line into words; returns how many (at most max). */
static size_t
words(char *line, char **w, size_t max)
{
	size_t n = 0;

	for (char *p = strtok(line, " "); p != NULL && n < max;
	     p = strtok(NULL, " "))
		w[n++] = p;
	return n;
}

static void
handle_line(struct conn *c, char *line)
{
	char *w[CTL_LINE_MAX / 2];
	size_t n = words(line, w, sizeof(w) / sizeof(w[0]));

	ev_timer_stop(c->ct->s->loop, &c->wait);
	ev_io_stop(c->ct->s->loop, &c->rio);
	c->answered = true;
	if (n == 0)
		control_printf(c, "error: empty request\n");
	else
		control_request(c->ct->s, c, w, n);
	if (c->follow) /* to see the client go, not to read more */
		ev_io_start(c->ct->s->loop, &c->rio);
	else if (c->outlen == 0)
		conn_close(c);
}

static void
on_read(struct ev_loop *loop, ev_io *w, int revents)
{
	struct conn *c = w->data;
	char *nl;
	ssize_t n;

	(void)loop;
	(void)revents;
	if (c->answered) {
		/* A follower says nothing more; EOF is its Ctrl-C. */
		char junk[256];
		n = read(c->fd, junk, sizeof(junk));
		if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
			conn_close(c);
		return;
	}
	n = read(c->fd, c->in + c->inlen, sizeof(c->in) - 1 - c->inlen);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		conn_close(c);
		return;
	}
	c->inlen += (size_t)n;
	c->in[c->inlen] = '\0';
	if ((nl = memchr(c->in, '\n', c->inlen)) != NULL) {
		*nl = '\0';
		handle_line(c, c->in);
	} else if (c->inlen == sizeof(c->in) - 1) {
		c->answered = true;
		ev_io_stop(loop, w);
		control_printf(
		    c, "error: request over %d bytes\n", CTL_LINE_MAX - 1);
	}
}

static void
on_wait(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	conn_close(w->data); /* a client that says nothing */
}

static void
on_pause(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct control *ct = w->data;

	(void)revents;
	ev_io_start(loop, &ct->accept_io);
}

static void
on_accept(struct ev_loop *loop, ev_io *w, int revents)
{
	struct control *ct = w->data;

	(void)revents;
	for (;;) {
		int fd =
		    accept4(ct->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct conn *c;
		if (fd < 0 && (errno == EINTR || errno == ECONNABORTED))
			continue;
		if (fd < 0 &&
		    (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
		        errno == ENOMEM)) {
			/* Out of fds: try again soon, not in a busy loop. */
			ev_io_stop(loop, w);
			ev_timer_set(&ct->pause, EMFILE_PAUSE, 0.);
			ev_timer_start(loop, &ct->pause);
			return;
		}
		if (fd < 0)
			return; /* EAGAIN */
		if (ct->nconns >= CONN_MAX ||
		    (c = calloc(1, sizeof(*c))) == NULL) {
			static const char busy[] = "error: too many clients\n";
			(void)!send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL);
			close(fd);
			continue;
		}
		c->ct = ct;
		c->fd = fd;
		ev_io_init(&c->rio, on_read, fd, EV_READ);
		ev_io_init(&c->wio, on_write, fd, EV_WRITE);
		ev_timer_init(&c->wait, on_wait, REQUEST_WAIT, 0.);
		c->rio.data = c->wio.data = c->wait.data = c;
		ev_io_start(loop, &c->rio);
		ev_timer_start(loop, &c->wait);
		c->next = ct->conns;
		ct->conns = c;
		ct->nconns++;
	}
}

/* Another tend answers on path: leave it be. A stale socket goes. */
static bool
in_use(const char *path)
{
	struct sockaddr_un sa;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool live;

	if (fd < 0)
		return false;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	live = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return live;
}

void
control_open(struct sup *s)
{
	struct control *ct = calloc(1, sizeof(*ct));
	struct sockaddr_un sa;
	mode_t old;

	if (ct == NULL)
		return;
	ct->s = s;
	ct->fd = -1;
	if (ctl_socket_path(s->cfg_file, true, ct->path, sizeof(ct->path)) ==
	    -1)
		goto off;
	if (in_use(ct->path)) {
		log_warnx("another tend for this config answers tend status; "
		          "this one runs without control (%s)",
		    ct->path);
		goto off;
	}
	unlink(ct->path);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", ct->path);
	if ((ct->fd = socket(
	         AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) == -1)
		goto warn;
	/* 0600 from the start: no moment when another user may connect. */
	old = umask(0177);
	if (bind(ct->fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		umask(old);
		goto warn;
	}
	umask(old);
	if (listen(ct->fd, CONN_MAX) == -1)
		goto warn;
	ev_io_init(&ct->accept_io, on_accept, ct->fd, EV_READ);
	ev_timer_init(&ct->pause, on_pause, EMFILE_PAUSE, 0.);
	ct->accept_io.data = ct->pause.data = ct;
	ev_io_start(s->loop, &ct->accept_io);
	s->control = ct;
	return;
warn:
	log_warn("control socket %s", ct->path);
	if (ct->fd >= 0) {
		close(ct->fd);
		unlink(ct->path);
	}
off:
	free(ct);
}

void
control_close(struct sup *s)
{
	struct control *ct = s->control;

	if (ct == NULL)
		return;
	while (ct->conns != NULL)
		conn_close(ct->conns);
	ev_io_stop(s->loop, &ct->accept_io);
	ev_timer_stop(s->loop, &ct->pause);
	close(ct->fd);
	unlink(ct->path);
	free(ct);
	s->control = NULL;
}

int
control_follow(struct conn *c, char *const *names, size_t n)
{
	c->follow = true;
	if (n == 0)
		return 0;
	if ((c->names = calloc(n, sizeof(*c->names))) == NULL)
		return -1;
	for (; c->nnames < n; c->nnames++)
		if ((c->names[c->nnames] = strdup(names[c->nnames])) == NULL)
			return -1;
	return 0;
}

static bool
follows(const struct conn *c, const char *name)
{
	if (!c->follow)
		return false;
	if (c->names == NULL)
		return true;
	for (size_t i = 0; i < c->nnames; i++)
		if (strcmp(c->names[i], name) == 0)
			return true;
	return false;
}

/* A job's output line, to every follower of that job. */
void
control_line(struct sup *s, const struct job *j, const char *line, size_t len)
{
	struct control *ct = s->control;

	if (ct == NULL)
		return;
	for (struct conn *c = ct->conns; c != NULL; c = c->next) {
		if (!follows(c, j->j_cfg->j_name))
			continue;
		if (c->dropped > 0 && c->outlen < OUT_MAX / 2) {
			control_printf(c,
			    "tend | %zu line%s not shown: this "
			    "client read too slowly\n",
			    c->dropped, c->dropped == 1 ? "" : "s");
			c->dropped = 0;
		}
		control_printf(c, "%s | ", j->j_cfg->j_name);
		control_out(c, line, len);
		control_out(c, "\n", 1);
	}
}
