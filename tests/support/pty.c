/* SPDX-License-Identifier: ISC */
/*
 * tests/support/pty.c
 * Run tend under a pseudo-terminal (forkpty makes it a session leader
 * with the pty as its controlling terminal), type into it, collect what
 * it prints, wait for it, and count what is left of its session.
 */
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "support.h"

const char *tp_no_color = "1";
const char *tp_force_color = NULL;

long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

void
tp_start(struct tp *tp, const char *cwd, const char *const *args)
{
	tp_start_nofile(tp, cwd, args, 0);
}

/*
 * TEND_TEST_VALGRIND=DIR runs tend (supervisor and worker, not the jobs)
 * under memcheck, one log per process in DIR (tests/valgrind/suite).
 */
static void
exec_tend(const char **argv, size_t n)
{
	const char *dir = getenv("TEND_TEST_VALGRIND");
	const char *vg[48];
	char log[512];
	size_t k = 0;

	if (dir == NULL || dir[0] == '\0') {
		execv(TEND_BIN, (char *const *)argv);
		return;
	}
	snprintf(log, sizeof(log), "--log-file=%s/vg.%%p.log", dir);
	setenv("TEND_WORKER_EXE", TEND_BIN, 1);
	vg[k++] = "valgrind";
	vg[k++] = "--trace-children=yes";
	vg[k++] = "--trace-children-skip=/bin/*,/usr/*,/sbin/*";
	vg[k++] = "--leak-check=full";
	vg[k++] = "--errors-for-leak-kinds=definite";
	vg[k++] = "--child-silent-after-fork=yes";
	vg[k++] = log;
	vg[k++] = TEND_BIN;
	for (size_t i = 1; i < n && k < 47; i++)
		vg[k++] = argv[i];
	vg[k] = NULL;
	execvp("valgrind", (char *const *)vg);
}

void
tp_start_nofile(struct tp *tp, const char *cwd, const char *const *args,
    unsigned long nofile)
{
	const char *argv[32];
	struct winsize ws = {.ws_row = 40, .ws_col = 200};
	size_t n = 0;

	memset(tp, 0, sizeof(*tp));
	tp->out = calloc(1, TP_OUT_MAX + 1);
	argv[n++] = "tend";
	while (args && args[n - 1] && n < 31) {
		argv[n] = args[n - 1];
		n++;
	}
	argv[n] = NULL;
	tp->pid = forkpty(&tp->master, NULL, NULL, &ws);
	if (tp->pid == -1) {
		perror("forkpty");
		abort();
	}
	if (tp->pid == 0) {
		struct rlimit rl = {.rlim_cur = nofile, .rlim_max = nofile};
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (cwd && chdir(cwd) == -1)
			_exit(126);
		if (nofile > 0 && setrlimit(RLIMIT_NOFILE, &rl) == -1)
			_exit(126);
		if (tp_no_color != NULL)
			setenv("NO_COLOR", tp_no_color, 1);
		else
			unsetenv("NO_COLOR");
		if (tp_force_color != NULL)
			setenv("FORCE_COLOR", tp_force_color, 1);
		else
			unsetenv("FORCE_COLOR");
		exec_tend(argv, n);
		_exit(127);
	}
	fcntl(tp->master, F_SETFL, O_NONBLOCK);
	fcntl(tp->master, F_SETFD, FD_CLOEXEC);
}

void
tp_pump(struct tp *tp, int ms)
{
	long end = now_ms() + ms;

	for (;;) {
		struct pollfd p = {.fd = tp->master, .events = POLLIN};
		long left = end - now_ms();
		if (left < 0)
			left = 0;
		int r = poll(&p, 1, (int)left);
		if (r > 0) {
			char buf[65536];
			ssize_t got = read(tp->master, buf, sizeof(buf));
			if (got > 0) {
				size_t room = TP_OUT_MAX - tp->len;
				size_t take =
				    (size_t)got < room ? (size_t)got : room;
				memcpy(tp->out + tp->len, buf, take);
				tp->len += take;
				tp->out[tp->len] = '\0';
				continue; /* more may be there right now */
			}
			if (got == 0 || (errno != EAGAIN && errno != EINTR))
				return; /* EIO: the slave side is closed */
		}
		if (left == 0)
			return;
	}
}

bool
tp_wait_for(struct tp *tp, const char *needle, int timeout_ms)
{
	long end = now_ms() + timeout_ms;

	while (strstr(tp->out, needle) == NULL) {
		if (now_ms() >= end)
			return false;
		tp_pump(tp, 20);
	}
	return true;
}

size_t
tp_count(const struct tp *tp, const char *needle)
{
	size_t n = 0;

	for (const char *p = tp->out; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

void
tp_type(struct tp *tp, const char *keys)
{
	size_t len = strlen(keys);

	if (write(tp->master, keys, len) != (ssize_t)len)
		perror("tp_type");
}

bool
tp_wait_exit(struct tp *tp, int timeout_ms)
{
	long end = now_ms() + timeout_ms;

	while (!tp->exited) {
		pid_t r = waitpid(tp->pid, &tp->status, WNOHANG);
		if (r == tp->pid) {
			tp->exited = true;
			break;
		}
		if (now_ms() >= end)
			return false;
		tp_pump(tp, 10);
	}
	tp_pump(tp, 0);
	return true;
}

static int
port_after(struct tp *tp, const char *prefix)
{
	const char *p = strstr(tp->out, prefix);

	if (p == NULL)
		return -1;
	p += strlen(prefix);
	p = strchr(p, ':');
	return p ? atoi(p + 1) : -1;
}

int
tp_http_port(struct tp *tp)
{
	if (!tp_wait_for(tp, "http://", 5000))
		return -1;
	tp_wait_for(tp, "/\r\n", 1000);
	return port_after(tp, "http://");
}

int
tp_udp_port(struct tp *tp)
{
	if (!tp_wait_for(tp, "udp events on ", 5000))
		return -1;
	tp_wait_for(tp, "\r\n", 1000);
	return port_after(tp, "udp events on ");
}

pid_t
tp_worker_pid(struct tp *tp, int n)
{
	const char *p = tp->out;

	for (int i = 0; p != NULL; i++) {
		p = strstr(p, "worker ready (pid ");
		if (p == NULL)
			return -1;
		p += strlen("worker ready (pid ");
		if (i == n)
			return (pid_t)atoi(p);
	}
	return -1;
}

/*
 * /proc/PID/stat into buf; returns where field 3 (the state) starts, past
 * "pid (comm) " (comm may hold spaces and parentheses), or NULL.
 */
static const char *
stat_fields(pid_t pid, char *buf, size_t size)
{
	char path[64], *rp;
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return NULL;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	if ((rp = strrchr(buf, ')')) == NULL || rp[1] != ' ')
		return NULL;
	return rp + 2;
}

long long
proc_stat_field(pid_t pid, int field)
{
	char buf[1024];
	const char *p = stat_fields(pid, buf, sizeof(buf));

	if (p == NULL || field < 3)
		return -1;
	if (field == 3)
		return (unsigned char)*p;
	for (int i = 3; i < field && p != NULL; i++)
		if ((p = strchr(p, ' ')) != NULL)
			p++;
	return p != NULL ? strtoll(p, NULL, 10) : -1;
}

static bool
read_stat(pid_t pid, char *state, pid_t *sid)
{
	char buf[1024];
	const char *p = stat_fields(pid, buf, sizeof(buf));
	int session;

	/* state ppid pgrp session */
	if (p == NULL || sscanf(p, "%c %*d %*d %d", state, &session) != 2)
		return false;
	*sid = session;
	return true;
}

bool
pid_alive(pid_t pid)
{
	char state;
	pid_t sid;

	return read_stat(pid, &state, &sid) && state != 'Z' && state != 'X';
}

static size_t
session_signal(pid_t sid, int signo)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	size_t n = 0;

	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		char state;
		pid_t s, pid;
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pid = (pid_t)atoi(de->d_name);
		if (!read_stat(pid, &state, &s) || s != sid || state == 'Z' ||
		    state == 'X')
			continue;
		n++;
		if (signo)
			kill(pid, signo);
	}
	closedir(d);
	return n;
}

size_t
session_count(pid_t sid)
{
	return session_signal(sid, 0);
}

size_t
session_wait_empty(pid_t sid, int timeout_ms)
{
	long end = now_ms() + timeout_ms;
	size_t n;

	while ((n = session_count(sid)) > 0 && now_ms() < end)
		usleep(10000);
	return n;
}

void
tp_cleanup(struct tp *tp)
{
	if (tp->pid <= 0)
		return;
	session_signal(tp->pid, SIGKILL);
	if (!tp->exited) {
		kill(tp->pid, SIGKILL);
		waitpid(tp->pid, &tp->status, 0);
		tp->exited = true;
	}
	if (tp->master >= 0)
		close(tp->master);
	tp->master = -1;
	free(tp->out);
	tp->out = NULL;
}
