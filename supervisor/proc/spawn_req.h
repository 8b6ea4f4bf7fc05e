/* SPDX-License-Identifier: ISC */
/*
 * supervisor/proc/spawn_req.h
 * Start a child cleanly: vfork and exec with an empty signal mask, default
 * dispositions, chosen fds dup'ed into place and everything else closed
 * by close-on-exec.
 */
#ifndef TEND_SPAWN_REQ_H
#define TEND_SPAWN_REQ_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

struct spawn_req {
	const char *path; /* NULL: argv[0] */
	char *const *argv; /* the path is looked up in PATH when search */
	bool search;
	char *const *envp; /* NULL: tend's environ */
	const char *cwd; /* NULL: tend's */
	bool own_group; /* setpgid(0, 0): a terminal Ctrl-C misses it */
	int stdin_fd; /* -1: /dev/null */
	int stdout_fd; /* -1: tend's */
	int stderr_fd; /* -1: tend's */
	int extra_fds[4]; /* dup'ed to 3, 4, 5, 6; -1 ends the list */
	/*
	 * Signals the child starts with blocked; NULL: none. Only the worker
	 * uses it: a Ctrl-C before its loop watches SIGINT must wait for it,
	 * not kill it (libev unblocks a signal when it starts watching it).
	 */
	const sigset_t *mask;
	/*
	 * SIGKILL the child if tend dies (PR_SET_PDEATHSIG): a job's main
	 * process must not outlive a `kill -9` of tend. The rest of its
	 * process group is the guard's (guard.c), in every mode.
	 */
	bool die_with_parent;
};

void spawn_req_init(struct spawn_req *r);

/*
 * Returns the pid, or -1 with errno (an exec failure such as ENOENT is
 * reported here through a close-on-exec pipe).
 */
pid_t spawn_start(const struct spawn_req *r);

#endif
