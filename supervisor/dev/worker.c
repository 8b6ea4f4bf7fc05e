/* SPDX-License-Identifier: ISC */
/*
 * supervisor/dev/worker.c
 * The worker as seen from the supervisor: start it by exec'ing ourselves
 * in worker mode with the socketpair and the listeners on fds 3, 4, 5 (a
 * fresh image and loop, as OpenBSD httpd's proc_exec does), speak the ipc
 * protocol with it, ping it, and restart it on the same sockets when it
 * dies without having been asked to stop.
 */
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ev.h>

#include "dev.h"
#include "fd.h"
#include "log.h"
#include "spawn_req.h"

#define PING_INTERVAL 5.0 /* s; a worker silent for two intervals is hung */
#define RESTART_MIN 0.05
#define RESTART_MAX 2.0
#define FAILS_BEFORE_GIVING_UP 5

static void worker_free(struct worker *w);

static void
want_write(struct worker *w)
{
	struct ev_loop *loop = w->w_dev->sup.loop;

	if (w->w_fd < 0)
		return;
	if (ipc_wbuf_pending(&w->w_wb) > 0) {
		if (ipc_wbuf_flush(&w->w_wb, w->w_fd) < 0) {
			/* EPIPE: it is gone; its exit is handled by ev_child.
			 */
			ipc_wbuf_free(&w->w_wb);
		}
	}
	if (ipc_wbuf_pending(&w->w_wb) > 0)
		ev_io_start(loop, &w->w_wio);
	else
		ev_io_stop(loop, &w->w_wio);
}

void
worker_send(struct worker *w, const struct ipc_msg *m)
{
	if (w == NULL || w->w_fd < 0)
		return;
	if (ipc_wbuf_put(&w->w_wb, m) == -1) {
		log_warn("worker: cannot queue %s", ipc_type_name(m->type));
		return;
	}
	want_write(w);
}

void
worker_stop(struct worker *w, enum ipc_stop_level level)
{
	struct ipc_msg m;

	if (w == NULL)
		return;
	memset(&m, 0, sizeof(m));
	m.type = MSG_STOP;
	m.u.stop.level = level;
	m.u.stop.deadline_ms =
	    (uint32_t)(w->w_dev->sup.cfg.c_serve.s_drain_timeout * 1000.0);
	ev_timer_stop(w->w_dev->sup.loop, &w->w_ping);
	worker_send(w, &m);
}

void
worker_kill(struct worker *w)
{
	/* Once reaped (ev_child stopped) the pid may belong to someone else. */
	if (w != NULL && w->w_pid > 0 && ev_is_active(&w->w_child))
		kill(w->w_pid, SIGKILL);
}

static const char *
plural(uint64_t n)
{
	return n == 1 ? "" : "s";
}

static void
handle_msg(void *arg, const struct ipc_msg *m)
{
	struct worker *w = arg;
	struct dev *d = w->w_dev;

	switch (m->type) {
	case MSG_READY:
		if (w->w_state == WP_STARTING)
			w->w_state = WP_READY;
		d->worker_fails = 0;
		d->worker_backoff = RESTART_MIN;
		log_info("worker ready (pid %d)", (int)w->w_pid);
		break;
	case MSG_TRIGGER:
		queue_trigger(d, m->u.trigger.job, m->u.trigger.source);
		break;
	case MSG_BYE:
		w->w_bye = true;
		w->w_bye_signo = m->u.bye.signo;
		log_info("worker stopped: %llu request%s answered, %llu "
		         "datagram%s handled, %llu response%s cut",
		    (unsigned long long)m->u.bye.requests,
		    plural(m->u.bye.requests),
		    (unsigned long long)m->u.bye.datagrams,
		    plural(m->u.bye.datagrams),
		    (unsigned long long)m->u.bye.cut, plural(m->u.bye.cut));
		break;
	case MSG_PONG:
		w->w_pong_seq = m->u.pong.seq;
		break;
	default:
		log_warnx(
		    "worker sent an unexpected %s", ipc_type_name(m->type));
		break;
	}
}

/*
 * Read and handle what the worker sent, until EAGAIN or EOF. Also called
 * when the worker has exited: its BYE may still be in the socket, and
 * whether it said BYE decides between "stopped" and "crashed".
 */
static void
read_all(struct worker *w)
{
	struct ev_loop *loop = w->w_dev->sup.loop;
	enum ipc_read r;

	if (w->w_fd < 0)
		return;
	r = ipc_read_all(w->w_rb, w->w_fd, handle_msg, w);
	if (r == IPC_READ_AGAIN)
		return;
	if (r == IPC_READ_BROKEN) {
		log_warnx("worker (pid %d) broke the ipc protocol; killing it",
		    (int)w->w_pid);
		worker_kill(w);
	}
	/* EOF or error: the worker is going; ev_child tells us. */
	ev_io_stop(loop, &w->w_rio);
	ev_io_stop(loop, &w->w_wio);
	close(w->w_fd);
	w->w_fd = -1;
}

static void
on_read(struct ev_loop *loop, ev_io *io, int revents)
{
	(void)loop;
	(void)revents;
	read_all(
	    (struct worker *)((char *)io - offsetof(struct worker, w_rio)));
}

static void
on_write(struct ev_loop *loop, ev_io *io, int revents)
{
	struct worker *w =
	    (struct worker *)((char *)io - offsetof(struct worker, w_wio));

	(void)loop;
	(void)revents;
	want_write(w);
}

static void
on_ping(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct worker *w =
	    (struct worker *)((char *)t - offsetof(struct worker, w_ping));
	struct ipc_msg m;

	(void)loop;
	(void)revents;
	if (w->w_ping_seq != w->w_pong_seq) {
		log_warnx("worker (pid %d) did not answer a ping in %.0f s; "
		          "killing it",
		    (int)w->w_pid, PING_INTERVAL);
		worker_kill(w);
		return;
	}
	memset(&m, 0, sizeof(m));
	m.type = MSG_PING;
	m.u.ping.seq = ++w->w_ping_seq;
	worker_send(w, &m);
}

static void
on_restart_timer(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct dev *d =
	    (struct dev *)((char *)t - offsetof(struct dev, worker_restart));

	(void)loop;
	(void)revents;
	if (!sup_stopping(&d->sup) && d->worker == NULL)
		worker_start(d);
}

static void
describe_exit(char *buf, size_t size, int wstatus)
{
	if (WIFSIGNALED(wstatus))
		snprintf(
		    buf, size, "was killed by signal %d", WTERMSIG(wstatus));
	else
		snprintf(
		    buf, size, "exited with status %d", WEXITSTATUS(wstatus));
}

/* A stopping worker exits 0 after BYE; anything else is worth a line. */
static void
report_unclean(const struct worker *w, int wstatus)
{
	char how[64];

	if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0 && w->w_bye)
		return;
	describe_exit(how, sizeof(how), wstatus);
	log_warnx("worker (pid %d) %s%s", (int)w->w_pid, how,
	    w->w_bye ? "" : " without saying BYE");
}

/*
 * Stopping, and the worker died before it drained (it was killed, or it
 * had just died when the Ctrl-C came): what the kernel queued on the
 * sockets is still there. Start another to answer it; give up after a
 * few, or once tend is past its first stop step.
 */
static void
drain_after_crash(struct dev *d, const struct worker *w)
{
	if (w->w_bye || !d->serve || d->http_fd < 0 ||
	    d->sup.stop.st != ST_FINISHING || ++d->drain_attempts > 3)
		return;
	log_info("starting a worker to answer what is queued");
	if (worker_start(d) == 0)
		worker_stop(d->worker, STOP_GRACEFUL);
}

static void
worker_crashed(struct dev *d, struct worker *w, int wstatus)
{
	char how[64];

	describe_exit(how, sizeof(how), wstatus);
	if (w->w_state == WP_STARTING)
		d->worker_fails++;
	if (d->worker_fails >= FAILS_BEFORE_GIVING_UP) {
		log_warnx("worker %s %u times before it was ready; giving up",
		    how, d->worker_fails);
		sup_fail(&d->sup, 1);
		return;
	}
	log_warnx("worker (pid %d) %s; restarting it on the same sockets",
	    (int)w->w_pid, how);
	ev_timer_set(&d->worker_restart, d->worker_backoff, 0.);
	ev_timer_start(d->sup.loop, &d->worker_restart);
	d->worker_backoff *= 2;
	if (d->worker_backoff > RESTART_MAX)
		d->worker_backoff = RESTART_MAX;
}

static void
on_worker_exit(struct ev_loop *loop, ev_child *c, int revents)
{
	struct worker *w =
	    (struct worker *)((char *)c - offsetof(struct worker, w_child));
	struct dev *d = w->w_dev;
	struct sup *s = &d->sup;
	int wstatus = c->rstatus;

	(void)revents;
	ev_child_stop(loop, c);
	read_all(w);
	if (w->w_state == WP_RETIRING) {
		struct worker **pp = &d->retiring;
		while (*pp != NULL && *pp != w)
			pp = &(*pp)->w_next;
		if (*pp == w)
			*pp = w->w_next;
		report_unclean(w, wstatus);
	} else if (w == d->worker) {
		d->worker = NULL;
		if (sup_stopping(s)) {
			report_unclean(w, wstatus);
			drain_after_crash(d, w);
		} else if (w->w_bye && w->w_bye_signo != 0) {
			/*
			 * Its Ctrl-C (or SIGTERM) is ours too: stop. It
			 * drained the sockets before its BYE, so no other
			 * worker has to.
			 */
			d->worker_drained = true;
			sup_stop_event(
			    s, SE_WORKER_STOPPED, (int)w->w_bye_signo);
		} else
			worker_crashed(d, w, wstatus);
	}
	w->w_pid = 0;
	worker_free(w);
	sup_check_idle(s);
}

static void
worker_free(struct worker *w)
{
	struct ev_loop *loop = w->w_dev->sup.loop;

	ev_io_stop(loop, &w->w_rio);
	ev_io_stop(loop, &w->w_wio);
	ev_timer_stop(loop, &w->w_ping);
	ev_child_stop(loop, &w->w_child);
	if (w->w_fd >= 0)
		close(w->w_fd);
	ipc_wbuf_free(&w->w_wb);
	free(w->w_rb);
	free(w->w_args);
	free(w);
}

int
worker_start(struct dev *d)
{
	struct spawn_req req;
	struct worker *w;
	char **argv;
	sigset_t early;
	int sv[2];
	pid_t pid;

	if ((w = calloc(1, sizeof(*w))) == NULL ||
	    (w->w_rb = calloc(1, sizeof(*w->w_rb))) == NULL) {
		free(w);
		log_warn("worker");
		return -1;
	}
	w->w_dev = d;
	w->w_fd = -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0,
	        sv) == -1) {
		log_warn("socketpair");
		worker_free(w);
		return -1;
	}
	w->w_fd = sv[0];
	if ((sv[1] = fd_move_high(sv[1])) < 0) {
		worker_free(w);
		return -1;
	}
	if ((argv = wargs_build(d)) == NULL) {
		log_warn("worker");
		close(sv[1]);
		worker_free(w);
		return -1;
	}
	w->w_args = wargs_key(argv, &w->w_args_len);
	spawn_req_init(&req);
	/*
	 * Ourselves, even if the binary was rebuilt since we started (the
	 * worker must speak our protocol). TEND_WORKER_EXE overrides it for
	 * tools that cannot follow an exec of /proc/self/exe (valgrind).
	 */
	req.path = getenv("TEND_WORKER_EXE");
	if (req.path == NULL || req.path[0] == '\0')
		req.path = "/proc/self/exe";
	req.argv = argv;
	req.stdin_fd = -1;
	sigemptyset(&early);
	sigaddset(&early, SIGINT);
	sigaddset(&early, SIGTERM);
	req.mask = &early;
	req.extra_fds[0] = sv[1]; /* 3: ipc */
	req.extra_fds[1] = d->http_fd; /* 4: http listener */
	req.extra_fds[2] = d->udp_fd; /* 5: udp socket, or the end */
	pid = spawn_start(&req);
	wargs_free(argv);
	close(sv[1]);
	if (pid == -1) {
		log_warn("cannot start the worker");
		worker_free(w);
		return -1;
	}
	ev_child_init(&w->w_child, on_worker_exit, pid, 0);
	ev_child_start(d->sup.loop, &w->w_child);
	w->w_pid = pid;
	w->w_state = WP_STARTING;
	w->w_started = ev_now(d->sup.loop);
	ev_io_init(&w->w_rio, on_read, w->w_fd, EV_READ);
	ev_io_init(&w->w_wio, on_write, w->w_fd, EV_WRITE);
	ev_io_start(d->sup.loop, &w->w_rio);
	ev_timer_init(&w->w_ping, on_ping, PING_INTERVAL, PING_INTERVAL);
	ev_timer_start(d->sup.loop, &w->w_ping);
	if (!ev_is_active(&d->worker_restart))
		ev_init(&d->worker_restart, on_restart_timer);
	d->worker = w;
	news_jobs(d, w);
	news_replay(d, w);
	return 0;
}

/*
 * A new worker takes the listener; the old one answers what it has. A
 * worker still retiring from an earlier reload stops waiting for its
 * idle clients: two of them lingering would be one too many.
 */
static void
retire(struct dev *d)
{
	struct worker *w = d->worker;

	worker_stop_retiring(d, STOP_GRACEFUL);
	d->worker = NULL;
	w->w_state = WP_RETIRING;
	w->w_next = d->retiring;
	d->retiring = w;
	worker_stop(w, STOP_RETIRE);
	worker_start(d);
}

void
worker_stop_retiring(struct dev *d, enum ipc_stop_level level)
{
	for (struct worker *w = d->retiring; w != NULL; w = w->w_next)
		worker_stop(w, level);
}

void
worker_kill_retiring(struct dev *d)
{
	for (struct worker *w = d->retiring; w != NULL; w = w->w_next)
		worker_kill(w);
}

/*
 * After a reload. A worker whose command line stays the same keeps
 * running, so its clients (an open page's event stream, keep-alive
 * connections) never notice; it only learns the new jobs. Otherwise a
 * new worker starts and the old one retires. With no worker (a restart
 * is pending) the next one starts from the new configuration anyway.
 */
void
worker_reconfigure(struct dev *d)
{
	char **argv, *key = NULL;
	struct worker *w = d->worker;
	size_t len = 0;
	bool same;

	if (w == NULL)
		return;
	if ((argv = wargs_build(d)) != NULL)
		key = wargs_key(argv, &len);
	wargs_free(argv);
	same = key != NULL && w->w_args != NULL && len == w->w_args_len &&
	    memcmp(key, w->w_args, len) == 0;
	free(key);
	if (same)
		news_jobs(d, w);
	else
		retire(d);
}
