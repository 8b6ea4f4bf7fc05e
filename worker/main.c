/* SPDX-License-Identifier: ISC */
/*
 * worker/main.c
 * `tend __worker`: a fresh image with its own libev loop, started by the
 * supervisor (fork + exec of /proc/self/exe) with the socketpair on fd 3,
 * the HTTP listener on fd 4 and the UDP socket on fd 5. It stays in the
 * terminal's process group, so a Ctrl-C reaches it directly; it dies with
 * the supervisor (PR_SET_PDEATHSIG, and EOF on the socketpair).
 */
#include <sys/prctl.h>
#include <sys/types.h>

#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ev.h>

#include "log.h"
#include "worker.h"
#include "wrk.h"

static int
worker_usage(void)
{
	fprintf(stderr,
	    "usage: tend __worker --root DIR [--parent PID] [--http ADDR]\n"
	    "       [--udp ADDR] [--udp-log FILE] [--drain-timeout S]\n"
	    "       [--no-livereload] [--hold S | --no-hold] [--spa]\n"
	    "       [--host NAME]... [--deny GLOB]... [--allow GLOB]...\n"
	    "       [--status-any] [--proxy PREFIX=ADDR[@JOB]]...\n"
	    "  fds: 3 socketpair to the supervisor, 4 HTTP listener,\n"
	    "  5 UDP socket (with --udp)\n");
	return 2;
}

static int
parse_args(int argc, char **argv, struct wrk *w, bool *spa)
{
	static const struct option opts[] = {
	    {"root", required_argument, NULL, 'r'},
	    {"parent", required_argument, NULL, 'p'},
	    {"http", required_argument, NULL, 'H'},
	    {"udp", required_argument, NULL, 'u'},
	    {"udp-log", required_argument, NULL, 'l'},
	    {"drain-timeout", required_argument, NULL, 'd'},
	    {"no-livereload", no_argument, NULL, 'n'},
	    {"no-hold", no_argument, NULL, 'o'},
	    {"hold", required_argument, NULL, 'O'},
	    {"host", required_argument, NULL, 'h'},
	    {"deny", required_argument, NULL, 'D'},
	    {"allow", required_argument, NULL, 'A'},
	    {"status-any", no_argument, NULL, 'S'},
	    {"spa", no_argument, NULL, 's'},
	    {"proxy", required_argument, NULL, 'P'},
	    {NULL, 0, NULL, 0},
	};
	int ch;

	/* No option appears more often than there are arguments. */
	w->hosts = calloc((size_t)argc, sizeof(char *));
	w->deny = calloc((size_t)argc, sizeof(char *));
	w->allow = calloc((size_t)argc, sizeof(char *));
	w->routes = calloc((size_t)argc, sizeof(*w->routes));
	if (w->hosts == NULL || w->deny == NULL || w->allow == NULL ||
	    w->routes == NULL)
		fatal("calloc");
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'r':
			w->root = optarg;
			break;
		case 'p':
			w->parent = (pid_t)atoi(optarg);
			break;
		case 'H':
			w->http_addr = optarg;
			break;
		case 'u':
			w->udp_addr = optarg;
			break;
		case 'l':
			w->udp_log = optarg;
			break;
		case 'd':
			w->drain_timeout = atof(optarg);
			break;
		case 'n':
			w->livereload = false;
			break;
		case 'o':
			w->hold = false;
			break;
		case 'O':
			w->hold_timeout = atof(optarg);
			w->hold = w->hold_timeout > 0;
			break;
		case 's':
			*spa = true;
			break;
		case 'h':
			w->hosts[w->nhosts++] = optarg;
			break;
		case 'D':
			w->deny[w->ndeny++] = optarg;
			break;
		case 'A':
			w->allow[w->nallow++] = optarg;
			break;
		case 'S':
			w->status_any = true;
			break;
		case 'P':
			if (wrk_route_parse(optarg, &w->routes[w->nroutes]) ==
			    -1) {
				log_warnx(
				    "--proxy: expected PREFIX=ADDR[@JOB]");
				return -1;
			}
			w->nroutes++;
			break;
		default:
			return -1;
		}
	}
	return w->root == NULL || optind != argc ? -1 : 0;
}

static void
on_signal(struct ev_loop *loop, ev_signal *sw, int revents)
{
	static int presses;
	struct wrk *w = sw->data;

	(void)loop;
	(void)revents;
	wrk_link_poll(w);
	if (sw->signum == SIGINT)
		wrk_stop(w, ++presses >= 2 ? STOP_CUT : STOP_GRACEFUL, SIGINT);
	else
		wrk_stop(w, STOP_GRACEFUL, SIGTERM);
}

static int
http_trigger(void *arg, const char *job, const char *peer)
{
	struct wrk *w = arg;
	char source[96];

	if (job[0] != '\0' && wrk_job_find(w, job) == NULL)
		return -1;
	snprintf(source, sizeof(source), "http %s", peer);
	wrk_link_trigger(w, job, source);
	return 0;
}

static void
udp_build(void *arg, const char *job, const char *source)
{
	wrk_link_trigger(arg, job, source);
}

static void
udp_reload(void *arg, const char *source)
{
	struct wrk *w = arg;
	char data[128];

	snprintf(data, sizeof(data), "{\"source\":\"%s\"}", source);
	wrk_http_broadcast(w->http, "reload", data, NULL);
}

/* Said once when a proxy route's server stops answering, once when back. */
static void
upstream_news(void *arg, const struct wrk_http_route *r, int err)
{
	(void)arg;
	if (err != 0)
		log_warnx("proxy %s -> %s%s%s%s: %s", r->prefix, r->to,
		    r->job != NULL ? " (service \"" : "",
		    r->job != NULL ? r->job : "", r->job != NULL ? "\")" : "",
		    strerror(err));
	else
		log_info("proxy %s -> %s answers again", r->prefix, r->to);
}

static bool
fd_open(int fd)
{
	return fcntl(fd, F_GETFD) != -1;
}

int
wrk_main(int argc, char **argv)
{
	static struct wrk w;
	struct wrk_http_limits limits;
	struct wrk_http_ops hops = {
	    .trigger_build = http_trigger,
	    .status_json = wrk_status_json,
	    .drained = wrk_http_drained_cb,
	    .upstream = upstream_news,
	    .gate = wrk_gate,
	    .arg = &w,
	};
	struct wrk_udp_ops uops = {udp_build, udp_reload, &w};
	bool spa = false;

	log_init("tend[worker]");
	w.livereload = true;
	w.hold = true;
	w.drain_timeout = 5;
	w.ipc_fd = 3;
	w.http_fd = 4;
	w.udp_fd = -1;
	if (parse_args(argc, argv, &w, &spa) == -1)
		return worker_usage();
	if (w.udp_addr != NULL)
		w.udp_fd = 5;
	if (!fd_open(w.ipc_fd) || !fd_open(w.http_fd) ||
	    (w.udp_fd >= 0 && !fd_open(w.udp_fd)))
		fatalx("expected fds 3 (ipc), 4 (http)%s; see tend __worker "
		       "--help",
		    w.udp_fd >= 0 ? ", 5 (udp)" : "");

	/* Die with the supervisor; and if it is already gone, go now. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (w.parent > 0 && getppid() != w.parent)
		return 0;
	signal(SIGPIPE, SIG_IGN);
	/* The supervisor reloads on SIGHUP; a hangup is not ours to act on. */
	signal(SIGHUP, SIG_IGN);
	signal(SIGUSR1, SIG_IGN);
	/* Our own copies of the fds: close-on-exec, nonblocking. */
	for (int fd = 3; fd <= 5; fd++)
		if (fd_open(fd))
			fcntl(fd, F_SETFD, FD_CLOEXEC);
	fcntl(w.ipc_fd, F_SETFL, fcntl(w.ipc_fd, F_GETFL) | O_NONBLOCK);

	if (!(w.loop = ev_default_loop(EVFLAG_AUTO)))
		fatalx("could not initialise libev");
	if ((w.rb = calloc(1, sizeof(*w.rb))) == NULL)
		fatal("calloc");
	wrk_http_limits_default(&limits);
	limits.spa = spa;
	limits.livereload = w.livereload;
	if (w.hold_timeout > 0)
		limits.hold_timeout = w.hold_timeout;
	limits.hosts = w.hosts;
	limits.nhosts = w.nhosts;
	limits.deny = w.deny;
	limits.ndeny = w.ndeny;
	limits.allow = w.allow;
	limits.nallow = w.nallow;
	limits.status_any = w.status_any;
	limits.routes = w.routes;
	limits.nroutes = w.nroutes;
	if ((w.http = wrk_http_new(
	         w.loop, w.http_fd, w.root, &limits, &hops)) == NULL)
		fatal("cannot serve %s", w.root);
	if (w.udp_fd >= 0 &&
	    (w.udp = wrk_udp_new(w.loop, w.udp_fd, w.udp_log, &uops)) == NULL)
		fatal("udp");
	/* Until the supervisor says what runs (link.c: synced). */
	if (w.hold)
		wrk_http_hold(w.http, true);
	ev_signal_init(&w.sig_int, on_signal, SIGINT);
	ev_signal_init(&w.sig_term, on_signal, SIGTERM);
	w.sig_int.data = w.sig_term.data = &w;
	ev_signal_start(w.loop, &w.sig_int);
	ev_signal_start(w.loop, &w.sig_term);
	{
		/*
		 * The supervisor starts us with SIGINT and SIGTERM blocked, so
		 * that a Ctrl-C before this point waits instead of killing
		 * us. Now they are watched: let them (and a pending one) in.
		 */
		sigset_t ours;
		sigemptyset(&ours);
		sigaddset(&ours, SIGINT);
		sigaddset(&ours, SIGTERM);
		sigprocmask(SIG_UNBLOCK, &ours, NULL);
	}
	wrk_link_start(&w);

	ev_run(w.loop, 0);

	wrk_udp_free(w.udp);
	wrk_http_free(w.http);
	ipc_wbuf_free(&w.wb);
	free(w.rb);
	free(w.jobs);
	free(w.hosts);
	free(w.deny);
	free(w.allow);
	free(w.routes);
	return 0;
}
