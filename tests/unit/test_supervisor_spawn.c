/* SPDX-License-Identifier: ISC */
/*
 * tests/unit/test_supervisor_spawn.c
 * spawn_start with real children: what a child starts with (an empty
 * mask and no ignored signal whatever tend blocks or ignores, its own
 * process group, stdin from /dev/null, the asked cwd), and an exec
 * failure reported with its errno and nothing left to reap.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "spawn_req.h"

TestSuite(spawn, .timeout = 30);

/* Runs argv with stdout into a pipe; returns its output (free it). */
static char *
run(struct spawn_req *r, pid_t *pidp)
{
	static char out[16384];
	size_t len = 0;
	ssize_t n;
	int p[2], status;
	pid_t pid;
	bool ok;

	cr_assert(eq(int, pipe(p), 0));
	r->stdout_fd = p[1];
	pid = spawn_start(r);
	cr_assert(pid > 0, "spawn_start: %s", strerror(errno));
	close(p[1]);
	while ((n = read(p[0], out + len, sizeof(out) - 1 - len)) > 0)
		len += (size_t)n;
	close(p[0]);
	out[len] = '\0';
	cr_assert(eq(int, waitpid(pid, &status, 0), pid));
	ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	cr_assert(ok, "child status %#x, output:\n%s", status, out);
	if (pidp != NULL)
		*pidp = pid;
	return out;
}

static const char *
field(const char *status, const char *name)
{
	const char *p = strstr(status, name);

	cr_assert(p != NULL, "no %s in:\n%s", name, status);
	return p + strlen(name);
}

/* Bit n-1 stands for signal n in /proc/PID/status. */
#define GLIBC_SIGNALS ((1ULL << 31) | (1ULL << 32))

Test(spawn, a_child_starts_with_no_blocked_and_no_ignored_signal)
{
	uint64_t ign;
	char *argv[] = {"cat", "/proc/self/status", NULL};
	struct spawn_req r;
	sigset_t block;
	const char *st;
	pid_t pid;

	/* What tend does to itself must not reach the child. */
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, NULL);
	spawn_req_init(&r);
	r.argv = argv;
	r.search = true;
	r.own_group = true;
	st = run(&r, &pid);
	cr_assert(
	    eq(int, strncmp(field(st, "\nSigBlk:\t"), "0000000000000000", 16),
	        0),
	    "%s", st);
	/*
	 * Signals 32 and 33 belong to glibc (its sigaction refuses them), so
	 * an ignore inherited from whoever started the tests may stay.
	 */
	ign = strtoull(field(st, "\nSigIgn:\t"), NULL, 16) & ~GLIBC_SIGNALS;
	cr_assert(eq(u64, ign, 0), "ignored in the child:\n%s", st);
	cr_assert(eq(int, atoi(field(st, "\nNSpgid:\t")), (int)pid),
	    "not in its own process group:\n%s", st);
}

Test(spawn, the_mask_asked_for_is_the_mask_the_child_gets)
{
	char *argv[] = {"cat", "/proc/self/status", NULL};
	struct spawn_req r;
	sigset_t mask;
	const char *st;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT); /* bit 2: 0x...02 */
	spawn_req_init(&r);
	r.argv = argv;
	r.search = true;
	r.mask = &mask;
	st = run(&r, NULL);
	cr_assert(
	    eq(int, strncmp(field(st, "\nSigBlk:\t"), "0000000000000002", 16),
	        0),
	    "%s", st);
}

Test(spawn, stdin_is_dev_null_and_cwd_is_the_one_asked)
{
	char *argv[] = {"/bin/sh", "-c", "pwd; readlink /proc/self/fd/0", NULL};
	struct spawn_req r;

	spawn_req_init(&r);
	r.argv = argv;
	r.cwd = "/tmp";
	cr_assert(eq(str, run(&r, NULL), "/tmp\n/dev/null\n"));
}

Test(spawn, an_exec_failure_is_reported_and_nothing_is_left_to_reap)
{
	char *argv[] = {"no-such-command-for-tend-xyz", NULL};
	char *abs_argv[] = {"/nonexistent/tend/x", NULL};
	struct spawn_req r;

	spawn_req_init(&r);
	r.argv = argv;
	r.search = true;
	errno = 0;
	cr_assert(eq(int, spawn_start(&r), -1));
	cr_assert(eq(int, errno, ENOENT), "%s", strerror(errno));
	r.argv = abs_argv;
	r.search = false;
	errno = 0;
	cr_assert(eq(int, spawn_start(&r), -1));
	cr_assert(eq(int, errno, ENOENT), "%s", strerror(errno));
	r.argv = argv;
	r.cwd = "/nonexistent/tend";
	errno = 0;
	cr_assert(eq(int, spawn_start(&r), -1));
	cr_assert(eq(int, errno, ENOENT), "chdir: %s", strerror(errno));
	cr_assert(eq(int, waitpid(-1, NULL, WNOHANG), -1));
	cr_assert(eq(int, errno, ECHILD), "a failed child was left unreaped");
}
