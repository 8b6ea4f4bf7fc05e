/* SPDX-License-Identifier: ISC */
/*
 * supervisor/proc/spawn.c
 * Start a child clean: own process group when asked, every disposition
 * default, the requested mask (empty for jobs), chosen fds dup'ed into
 * place, everything else closed by close-on-exec (the flag form of tini's
 * restore_signals).
 *
 * Why vfork and not posix_spawn: a child created in tend's process group
 * is, until its setpgid, in the terminal's foreground group. A Ctrl-C in
 * that instant is queued for it (signals are blocked during the set-up)
 * and, once the mask is cleared with default dispositions, kills the
 * build before it even ran. posix_spawn offers no step between setpgid
 * and the mask; here the child ignores the terminal's signals after its
 * setpgid, which discards such a pending signal, then resets them.
 * vfork, as glibc's posix_spawn does it: the child borrows our memory
 * until exec, so it makes system calls only (no malloc, no stdio), and
 * every signal stays blocked until its dispositions are default, so no
 * handler of ours runs on the borrowed stack.
 */
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spawn_req.h"

extern char **environ;

/* The terminal's signals: a pending one was meant for tend's group. */
static const int tty_signals[] = {
    SIGINT, SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU, SIGWINCH};

void
spawn_req_init(struct spawn_req *r)
{
	memset(r, 0, sizeof(*r));
	r->stdin_fd = r->stdout_fd = r->stderr_fd = -1;
	for (int i = 0; i < 4; i++)
		r->extra_fds[i] = -1;
}

static void
reset_signals(bool own_group)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	if (own_group) {
		sa.sa_handler = SIG_IGN; /* discards a pending one */
		for (size_t i = 0; i < sizeof(tty_signals) / sizeof(int); i++)
			sigaction(tty_signals[i], &sa, NULL);
	}
	sa.sa_handler = SIG_DFL;
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			sigaction(sig, &sa, NULL); /* EINVAL for a few: fine */
}

static int
place_fds(const struct spawn_req *r)
{
	int in = r->stdin_fd;

	if (in < 0 && (in = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	/*
	 * The sources are all >= 10 (see fd_move_high) or /dev/null's fresh
	 * fd, so a dup2 never lands on a source still to be copied.
	 */
	if (dup2(in, 0) < 0)
		return -1;
	if (r->stdout_fd >= 0 && dup2(r->stdout_fd, 1) < 0)
		return -1;
	if (r->stderr_fd >= 0 && dup2(r->stderr_fd, 2) < 0)
		return -1;
	for (int i = 0; i < 4 && r->extra_fds[i] >= 0; i++)
		if (dup2(r->extra_fds[i], 3 + i) < 0)
			return -1;
	return 0;
}

/*
 * The child, in vfork's borrowed memory: only system calls until exec,
 * no return. A failure goes back through errfd, not through our shared
 * memory: valgrind, for one, runs vfork as a plain fork.
 */
static _Noreturn void
child(const struct spawn_req *r, int errfd, pid_t parent)
{
	sigset_t empty;
	int err;

	if (r->die_with_parent) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent) /* it died before the prctl */
			_exit(127);
	}
	if (r->own_group && setpgid(0, 0) == -1)
		goto fail;
	reset_signals(r->own_group);
	if (place_fds(r) == -1)
		goto fail;
	if (r->cwd != NULL && chdir(r->cwd) == -1)
		goto fail;
	sigemptyset(&empty);
	sigprocmask(SIG_SETMASK, r->mask ? r->mask : &empty, NULL);
	{
		char *const *envp = r->envp ? r->envp : environ;
		const char *path = r->path ? r->path : r->argv[0];
		if (r->search)
			execvpe(path, r->argv, envp);
		else
			execve(path, r->argv, envp);
	}
fail:
	err = errno;
	/* The parent reads why; a short write leaves it with EIO. */
	if (write(errfd, &err, sizeof(err)) < 0)
		_exit(127);
	_exit(127);
}

pid_t
spawn_start(const struct spawn_req *r)
{
	sigset_t all, old;
	int p[2], err = 0;
	ssize_t n;
	pid_t pid, self = getpid();

	/* exec closes the write end: EOF means the exec happened. */
	if (pipe2(p, O_CLOEXEC) == -1)
		return -1;
	/* No handler of ours may run in the child before its reset. */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	/*
	 * vfork: no page tables to copy; we resume once the child has
	 * exec'd or given up, so the read below does not wait.
	 */
	pid = vfork();
	if (pid == 0)
		child(r, p[1], self);
	err = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(p[1]);
	if (pid == -1) {
		close(p[0]);
		errno = err;
		return -1;
	}
	do
		n = read(p[0], &err, sizeof(err));
	while (n < 0 && errno == EINTR);
	close(p[0]);
	if (n == 0)
		return pid;
	/* The exec failed: reap the child, report its errno. */
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	errno = n == sizeof(err) ? err : EIO;
	return -1;
}
