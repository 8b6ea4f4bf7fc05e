/* SPDX-License-Identifier: ISC */
/*
 * tests/unit/test_supervisor_guard.c
 * The guard process with real process groups: when its pipe closes
 * without guard_stop (what a kill -9 of tend does) it kills exactly the
 * groups still watched; guard_stop ends it without killing anything; a
 * guard that dies is replaced and told the groups again; a delayed start
 * still learns the groups watched before it.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "guard.h"

TestSuite(guard, .timeout = 30);

/* A `sleep 30` leading its own process group, as a job does. */
static pid_t
group(void)
{
	pid_t pid = fork();

	cr_assert(pid >= 0);
	if (pid == 0) {
		setpgid(0, 0);
		execlp("sleep", "sleep", "30", (char *)NULL);
		_exit(127);
	}
	setpgid(pid, pid); /* whichever of us runs first */
	return pid;
}

/* Reaps pid if it dies within ms; true if it did, by SIGKILL. */
static bool
killed_within(pid_t pid, int ms)
{
	int status;

	for (int waited = 0; waited <= ms; waited += 5) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			return WIFSIGNALED(status) &&
			    WTERMSIG(status) == SIGKILL;
		usleep(5000);
	}
	return false;
}

static void
end(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* Runs the loop until the guard has a process other than old. */
static void
loop_until_guard(struct guard *g, struct ev_loop *loop, pid_t old)
{
	for (int i = 0; i < 200 && (g->pid == 0 || g->pid == old); i++) {
		ev_run(loop, EVRUN_NOWAIT);
		usleep(5000);
	}
	cr_assert(g->pid > 0 && g->pid != old, "no new guard process");
}

/* What a kill -9 of tend leaves: the guard with its pipe at EOF. */
static void
abandon(struct guard *g)
{
	int status;
	bool clean;

	ev_child_stop(g->loop, &g->child);
	close(g->fd);
	/* tend's own copy of the list would go with tend. */
	free(g->groups);
	g->groups = NULL;
	cr_assert(eq(int, waitpid(g->pid, &status, 0), g->pid));
	clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	cr_assert(clean, "the guard ended with status %#x", status);
}

Test(guard, eof_kills_the_watched_groups_and_only_those)
{
	struct ev_loop *loop = ev_default_loop(0);
	struct guard g = {0};
	pid_t a = group(), b = group(), c = group();

	cr_assert(eq(int, guard_start(&g, loop, 0), 0));
	cr_assert(g.pid > 0);
	guard_watch(&g, a);
	guard_watch(&g, b);
	guard_watch(&g, c);
	guard_forget(&g, b);
	abandon(&g);
	cr_assert(killed_within(a, 2000), "a watched group survived");
	cr_assert(killed_within(c, 2000), "a watched group survived");
	bool b_killed = killed_within(b, 200);

	cr_assert(not(b_killed), "a forgotten group was killed");
	end(b);
}

Test(guard, stop_ends_the_guard_and_kills_nothing)
{
	struct ev_loop *loop = ev_default_loop(0);
	struct guard g = {0};
	pid_t a = group(), guard_pid;

	guard_start(&g, loop, 0);
	guard_pid = g.pid;
	guard_watch(&g, a);
	guard_stop(&g);
	cr_assert(eq(int, g.pid, 0));
	bool gone = kill(guard_pid, 0) == -1 && errno == ESRCH;
	bool a_killed = killed_within(a, 300);

	cr_assert(gone, "the guard was not reaped");
	cr_assert(not(a_killed), "guard_stop killed a group");
	end(a);
}

Test(guard, a_dead_guard_is_replaced_and_told_the_groups_again)
{
	struct ev_loop *loop = ev_default_loop(0);
	struct guard g = {0};
	pid_t a = group(), first;

	guard_start(&g, loop, 0);
	guard_watch(&g, a);
	first = g.pid;
	kill(first, SIGKILL);
	loop_until_guard(&g, loop, first);
	abandon(&g);
	cr_assert(killed_within(a, 2000), "the new guard did not know a");
}

Test(guard, a_delayed_start_learns_what_was_watched_before)
{
	struct ev_loop *loop = ev_default_loop(0);
	struct guard g = {0};
	pid_t a = group();

	guard_start(&g, loop, 0.05);
	cr_assert(eq(int, g.pid, 0), "forked before its delay");
	guard_watch(&g, a);
	loop_until_guard(&g, loop, 0);
	abandon(&g);
	cr_assert(killed_within(a, 2000), "the guard did not know a");
}
