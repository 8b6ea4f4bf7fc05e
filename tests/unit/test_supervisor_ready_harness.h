/* SPDX-License-Identifier: ISC */
/*
 * tests/unit/test_supervisor_ready_harness.h
 * What the readiness probe tests share: one hand-built struct job_env
 * and struct job on the default libev loop (no supervisor: jobs/ needs
 * none), a cfg_job to fill, a callback that records the probe's answer, a
 * bounded loop run, fd counting and a TCP socket bound to a free loopback
 * port.
 */
#ifndef TEST_SUPERVISOR_READY_HARNESS_H
#define TEST_SUPERVISOR_READY_HARNESS_H

#include <stdbool.h>

#include "job.h"
#include "ready.h"

extern struct job_env rt_env;
extern struct job rt_job; /* j_env = &rt_env, j_cfg = &rt_cfg */
extern struct cfg_job rt_cfg; /* a service; timeout 5 s, interval 0.05 s */
extern char rt_dir[64]; /* a fresh directory, removed by rt_teardown */

/* What the probe told rt_on_ready. */
struct rt_got {
	int calls;
	bool ok;
	char why[256];
	bool stop_inside; /* rt_on_ready calls ready_stop */
};
extern struct rt_got rt_got;

void rt_setup(void);
void rt_teardown(void);
/* The ready_fn of every test: records, then breaks the loop. */
void rt_on_ready(struct job *j, bool ok, const char *why);
/* Set the job's probe (target copied; NULL for none). */
void rt_probe(enum cfg_ready_kind kind, const char *target);
/* Run the loop until the probe answers or secs pass; the time taken. */
double rt_run_for(double secs);
void rt_assert_ready(const char *why_part);
void rt_assert_not_ready(const char *why_part);
int rt_count_fds(void);
/*
 * A TCP socket bound to 127.0.0.1 (AF_INET) or ::1 (AF_INET6) on a free
 * port, not listening: connects are refused until listen(). -1 if the
 * family is not available.
 */
int rt_bound_socket(int family, int *port);

#endif
