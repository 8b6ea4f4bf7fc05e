/* SPDX-License-Identifier: ISC */
/*
 * tests/unit/test_supervisor_ready_harness.c
 * The shared fixture of the readiness probe tests (see the header).
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ev.h>

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "test_supervisor_ready_harness.h"

struct job_env rt_env;
struct job rt_job;
struct cfg_job rt_cfg;
char rt_dir[64];
struct rt_got rt_got;

void
rt_on_ready(struct job *j, bool ok, const char *why)
{
	cr_assert(eq(ptr, j, &rt_job));
	rt_got.calls++;
	rt_got.ok = ok;
	snprintf(rt_got.why, sizeof(rt_got.why), "%s", why);
	if (rt_got.stop_inside)
		ready_stop(j);
	ev_break(rt_env.loop, EVBREAK_ALL);
}

void
rt_setup(void)
{
	memset(&rt_env, 0, sizeof(rt_env));
	memset(&rt_job, 0, sizeof(rt_job));
	memset(&rt_cfg, 0, sizeof(rt_cfg));
	memset(&rt_got, 0, sizeof(rt_got));
	/* The test server writes to sockets the probe may have closed. */
	signal(SIGPIPE, SIG_IGN);
	rt_env.loop = ev_default_loop(0);
	cr_assert(ne(ptr, rt_env.loop, NULL));
	rt_cfg.j_name = "api";
	rt_cfg.j_kind = JOB_SERVICE;
	rt_cfg.j_ready.r_timeout = 5;
	rt_cfg.j_ready.r_interval = 0.05;
	rt_job.j_env = &rt_env;
	rt_job.j_cfg = &rt_cfg;
	snprintf(rt_dir, sizeof(rt_dir), "/tmp/tend-ready-test-XXXXXX");
	cr_assert(ne(ptr, mkdtemp(rt_dir), NULL));
}

void
rt_teardown(void)
{
	char cmd[128];

	ready_stop(&rt_job);
	free(rt_cfg.j_ready.r_target);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", rt_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", rt_dir);
}

void
rt_probe(enum cfg_ready_kind kind, const char *target)
{
	free(rt_cfg.j_ready.r_target);
	rt_cfg.j_ready.r_kind = kind;
	rt_cfg.j_ready.r_target = target ? strdup(target) : NULL;
}

static void
on_guard(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)w;
	(void)revents;
	ev_break(loop, EVBREAK_ALL);
}

double
rt_run_for(double secs)
{
	ev_timer guard;
	double t0;

	ev_now_update(rt_env.loop);
	t0 = ev_now(rt_env.loop);
	ev_timer_init(&guard, on_guard, secs, 0.);
	ev_timer_start(rt_env.loop, &guard);
	ev_run(rt_env.loop, 0);
	ev_timer_stop(rt_env.loop, &guard);
	ev_now_update(rt_env.loop);
	return ev_now(rt_env.loop) - t0;
}

void
rt_assert_ready(const char *why)
{
	cr_assert(eq(int, rt_got.calls, 1), "calls %d, why \"%s\"",
	    rt_got.calls, rt_got.why);
	cr_assert(rt_got.ok, "not ready: %s", rt_got.why);
	cr_assert(strstr(rt_got.why, why) != NULL, "why \"%s\" lacks \"%s\"",
	    rt_got.why, why);
}

void
rt_assert_not_ready(const char *why)
{
	cr_assert(eq(int, rt_got.calls, 1), "calls %d", rt_got.calls);
	cr_assert(not(rt_got.ok), "ready: %s", rt_got.why);
	cr_assert(strstr(rt_got.why, why) != NULL, "why \"%s\" lacks \"%s\"",
	    rt_got.why, why);
}

int
rt_count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	cr_assert(ne(ptr, d, NULL));
	while (readdir(d) != NULL)
		n++;
	closedir(d);
	return n;
}

int
rt_bound_socket(int family, int *port)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
	socklen_t len;
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET6) {
		a6->sin6_family = AF_INET6;
		a6->sin6_addr = in6addr_loopback;
		len = sizeof(*a6);
	} else {
		a4->sin_family = AF_INET;
		a4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof(*a4);
	}
	if (fd < 0 || bind(fd, (struct sockaddr *)&ss, len) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	len = sizeof(ss);
	cr_assert(eq(int, getsockname(fd, (struct sockaddr *)&ss, &len), 0));
	*port = ntohs(family == AF_INET6 ? a6->sin6_port : a4->sin_port);
	return fd;
}
