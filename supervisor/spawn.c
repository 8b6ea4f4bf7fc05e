/* SPDX-License-Identifier: ISC */
/*
 * supervisor/spawn.c
 * posix_spawn with the flags that make a child start clean, the flag form
 * of tini's restore_signals: POSIX_SPAWN_SETSIGMASK (empty: libev may have
 * blocked signals in us) and POSIX_SPAWN_SETSIGDEF (we ignore SIGPIPE; a
 * child must not inherit that), plus an own process group when asked.
 */
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <unistd.h>

#include "spawn_req.h"

extern char **environ;

void
spawn_req_init(struct spawn_req *r)
{
	r->path = NULL;
	r->argv = NULL;
	r->search = false;
	r->envp = NULL;
	r->cwd = NULL;
	r->own_group = false;
	r->stdin_fd = -1;
	r->stdout_fd = -1;
	r->stderr_fd = -1;
	for (int i = 0; i < 4; i++)
		r->extra_fds[i] = -1;
}

static int
add_fds(posix_spawn_file_actions_t *fa, const struct spawn_req *r)
{
	int err = 0;

	if (r->stdin_fd >= 0)
		err = posix_spawn_file_actions_adddup2(fa, r->stdin_fd, 0);
	else
		err = posix_spawn_file_actions_addopen(
		    fa, 0, "/dev/null", O_RDONLY, 0);
	if (!err && r->stdout_fd >= 0)
		err = posix_spawn_file_actions_adddup2(fa, r->stdout_fd, 1);
	if (!err && r->stderr_fd >= 0)
		err = posix_spawn_file_actions_adddup2(fa, r->stderr_fd, 2);
	/*
	 * The sources are all >= 10 (see sup_fd_high), so a dup2 never
	 * lands on a source still to be copied, and never is a no-op that
	 * would leave close-on-exec set.
	 */
	for (int i = 0; i < 4 && !err && r->extra_fds[i] >= 0; i++)
		err = posix_spawn_file_actions_adddup2(
		    fa, r->extra_fds[i], 3 + i);
	if (!err && r->cwd != NULL)
		err = posix_spawn_file_actions_addchdir_np(fa, r->cwd);
	return err;
}

pid_t
spawn_start(const struct spawn_req *r)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t empty, all;
	short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
	pid_t pid = -1;
	int err;

	sigemptyset(&empty);
	sigfillset(&all);
	if ((err = posix_spawnattr_init(&attr)) != 0) {
		errno = err;
		return -1;
	}
	if ((err = posix_spawn_file_actions_init(&fa)) != 0) {
		posix_spawnattr_destroy(&attr);
		errno = err;
		return -1;
	}
	if (r->own_group) {
		flags |= POSIX_SPAWN_SETPGROUP;
		err = posix_spawnattr_setpgroup(&attr, 0);
	}
	if (!err)
		err = posix_spawnattr_setflags(&attr, flags);
	if (!err)
		err = posix_spawnattr_setsigmask(&attr, &empty);
	if (!err)
		err = posix_spawnattr_setsigdefault(&attr, &all);
	if (!err)
		err = add_fds(&fa, r);
	if (!err) {
		char *const *envp = r->envp ? r->envp : environ;
		const char *path = r->path ? r->path : r->argv[0];
		if (r->search)
			err =
			    posix_spawnp(&pid, path, &fa, &attr, r->argv, envp);
		else
			err =
			    posix_spawn(&pid, path, &fa, &attr, r->argv, envp);
	}
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (err) {
		errno = err;
		return -1;
	}
	return pid;
}
