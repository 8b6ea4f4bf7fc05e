/* SPDX-License-Identifier: ISC */
/*
 * supervisor/proc/guard.c
 * The guard process (guard.h). tend tells it, one int32 per write on a
 * pipe, +pgid when a job's group starts and -pgid when it is gone. EOF on
 * the pipe means tend died without cleaning up (SIGKILL, a crash): the
 * guard SIGKILLs every group it still knows and exits. At a normal end
 * tend SIGKILLs the guard first, so the EOF it acts on never comes while
 * tend is in control.
 *
 * Forked, not exec'd: its loop is a read and a kill, so it needs no fresh
 * image, and a fork costs a fraction of an exec plus libc's start-up. It
 * blocks every signal (only SIGKILL ends it early) and takes its own
 * process group, so neither the terminal's Ctrl-C nor a `kill -9 -PGID`
 * aimed at tend's group reaches it. As PID 1 there is no guard: when
 * PID 1 dies the kernel kills its whole namespace.
 */
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "guard.h"
#include "log.h"
#include "sweep.h"

#define GUARD_RESTARTS 5 /* deaths we replace before giving up */

static unsigned restarts;

static int
list_add(pid_t **v, size_t *n, size_t *cap, pid_t pgid)
{
	for (size_t i = 0; i < *n; i++)
		if ((*v)[i] == pgid)
			return 0;
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		pid_t *nv = realloc(*v, ncap * sizeof(**v));
		if (nv == NULL)
			return -1;
		*v = nv;
		*cap = ncap;
	}
	(*v)[(*n)++] = pgid;
	return 0;
}

static void
list_remove(pid_t *v, size_t *n, pid_t pgid)
{
	for (size_t i = 0; i < *n; i++)
		if (v[i] == pgid) {
			v[i] = v[--*n];
			return;
		}
}

/* The guard's whole life. System calls and a realloc, nothing else. */
static _Noreturn void
guard_main(int fd)
{
	pid_t *groups = NULL;
	size_t n = 0, cap = 0;
	int32_t rec[256];
	ssize_t got;
	char line[128];
	int len;

	for (;;) {
		got = read(fd, rec, sizeof(rec));
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		/* Writes of 4 bytes are atomic on a pipe: reads are whole. */
		for (size_t i = 0; i < (size_t)got / sizeof(rec[0]); i++) {
			if (rec[i] > 0 &&
			    list_add(&groups, &n, &cap, rec[i]) == -1) {
				len = snprintf(line, sizeof(line),
				    "tend: guard: out of memory; process "
				    "group %d is not guarded\n",
				    (int)rec[i]);
				(void)!write(STDERR_FILENO, line, (size_t)len);
			} else if (rec[i] < 0)
				list_remove(groups, &n, -rec[i]);
		}
	}
	/* tend is gone and these groups are still ours: nobody else knows. */
	for (size_t i = 0; i < n; i++) {
		if (kill(-groups[i], SIGKILL) == -1)
			continue;
		len = snprintf(line, sizeof(line),
		    "tend: the supervisor is gone; killed process group %d\n",
		    (int)groups[i]);
		(void)!write(STDERR_FILENO, line, (size_t)len);
	}
	free(groups); /* nothing to gain, but memcheck counts it lost */
	_exit(0);
}

/* In the fork: every signal is blocked already (guard_start). */
static _Noreturn void
guard_child(int rfd)
{
	setpgid(0, 0);
	prctl(PR_SET_NAME, "tend: guard");
	/* Keep stderr for its last words and the pipe; nothing else. */
	if (rfd != 3 && dup2(rfd, 3) == -1)
		_exit(1);
	close(STDIN_FILENO);
	close(STDOUT_FILENO);
	close_range(4, ~0U, 0);
	guard_main(3);
}

static void
tell(struct guard *g, int32_t rec)
{
	ssize_t n;

	if (g->loop == NULL || g->fd < 0) /* never started */
		return;
	do
		n = write(g->fd, &rec, sizeof(rec));
	while (n == -1 && errno == EINTR);
	if (n == (ssize_t)sizeof(rec) || g->warned)
		return;
	g->warned = true;
	/* EAGAIN: 16,384 records unread, the guard is stuck. */
	log_warn("cannot reach the guard process; a kill -9 of tend may "
	         "leave process group %d running",
	    (int)(rec < 0 ? -rec : rec));
}

static void
on_guard_exit(struct ev_loop *loop, ev_child *w, int revents)
{
	struct guard *g =
	    (struct guard *)((char *)w - offsetof(struct guard, child));

	(void)revents;
	ev_child_stop(loop, w);
	close(g->fd);
	g->fd = -1;
	g->pid = 0;
	sweep_spare(0);
	if (++restarts > GUARD_RESTARTS) {
		log_warnx("the guard process died %u times; going on without "
		          "it (a kill -9 of tend may leave jobs' children "
		          "running)",
		    restarts - 1);
		return;
	}
	log_warnx(
	    "the guard process died (status %d); starting another", w->rstatus);
	guard_start(g, loop, 0);
}

static int fork_guard(struct guard *);

static void
on_delay(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	fork_guard((struct guard *)((char *)w - offsetof(struct guard, delay)));
}

int
guard_start(struct guard *g, struct ev_loop *loop, double delay)
{
	if (g->loop == NULL) {
		g->loop = loop;
		g->fd = -1;
		ev_init(&g->delay, on_delay);
	}
	if (g->pid > 0 || ev_is_active(&g->delay))
		return 0;
	if (delay <= 0)
		return fork_guard(g);
	ev_timer_set(&g->delay, delay, 0.);
	ev_timer_start(loop, &g->delay);
	return 0;
}

static int
fork_guard(struct guard *g)
{
	struct ev_loop *loop = g->loop;
	sigset_t all, old;
	int p[2];
	pid_t pid;

	if (getpid() == 1)
		return 0;
	if (pipe2(p, O_CLOEXEC) == -1)
		goto fail;
	/* No handler of ours may run in the child before it blocks them. */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	pid = fork();
	if (pid == 0) {
		close(p[1]);
		guard_child(p[0]);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(p[0]);
	if (pid == -1) {
		close(p[1]);
		goto fail;
	}
	/* Never block tend: a full pipe is reported, not waited for. */
	if (fcntl(p[1], F_SETFL, O_NONBLOCK) == -1)
		log_warn("guard pipe: O_NONBLOCK");
	g->pid = pid;
	g->fd = p[1];
	ev_child_init(&g->child, on_guard_exit, pid, 0);
	ev_child_start(loop, &g->child);
	sweep_spare(pid);
	for (size_t i = 0; i < g->ngroups; i++)
		tell(g, (int32_t)g->groups[i]);
	return 0;
fail:
	log_warn("cannot start the guard process; a kill -9 of tend would "
	         "leave its jobs' children running");
	return -1;
}

void
guard_watch(struct guard *g, pid_t pgid)
{
	if (pgid <= 1 || list_add(&g->groups, &g->ngroups, &g->cap, pgid))
		return;
	tell(g, (int32_t)pgid);
}

void
guard_forget(struct guard *g, pid_t pgid)
{
	if (pgid <= 1)
		return;
	list_remove(g->groups, &g->ngroups, pgid);
	tell(g, -(int32_t)pgid);
}

void
guard_stop(struct guard *g)
{
	if (g->loop != NULL)
		ev_timer_stop(g->loop, &g->delay);
	if (g->pid > 0) {
		/* Dead before its pipe closes: EOF would make it kill. */
		ev_child_stop(g->loop, &g->child);
		kill(g->pid, SIGKILL);
		while (waitpid(g->pid, NULL, 0) == -1 && errno == EINTR)
			;
		g->pid = 0;
		sweep_spare(0);
	}
	if (g->loop != NULL && g->fd >= 0) { /* before a start, fd 0 */
		close(g->fd);
		g->fd = -1;
	}
	free(g->groups);
	g->groups = NULL;
	g->ngroups = g->cap = 0;
}
