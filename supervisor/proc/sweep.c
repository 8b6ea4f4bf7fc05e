/* SPDX-License-Identifier: ISC */
/*
 * supervisor/proc/sweep.c
 * Find our children: as a child subreaper we inherit every orphan a job
 * leaves behind (a daemonising build, a straggler that called setsid), so
 * signalling our children until none is left means no process outlives
 * tend. Reads /proc/self/task/<tid>/children (one small file); when the
 * kernel lacks it, scans /proc for processes whose parent we are.
 * Also tend's very last step after a stop by signal (die_of_signal).
 */
#include <sys/types.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sweep.h"

/* Our guard process (guard.c): a child, but not one to sweep. */
static pid_t spared;

void
sweep_spare(pid_t pid)
{
	spared = pid;
}

static ssize_t
read_small(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n, total = 0;

	if (fd == -1)
		return -1;
	while ((size_t)total < size - 1) {
		n = read(fd, buf + total, size - 1 - (size_t)total);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		total += n;
	}
	close(fd);
	buf[total] = '\0';
	return total;
}

static size_t
signal_list(char *list, int signo)
{
	size_t count = 0;
	char *p = list, *end;

	for (;;) {
		long pid = strtol(p, &end, 10);
		if (end == p)
			break;
		if (pid > 0 && pid != spared && kill((pid_t)pid, signo) == 0)
			count++;
		p = end;
	}
	return count;
}

static size_t
scan_proc(int signo)
{
	pid_t self = getpid();
	size_t count = 0;
	struct dirent *de;
	DIR *d = opendir("/proc");

	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		char path[300], stat[512], *rp;
		long ppid;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		if (read_small(path, stat, sizeof(stat)) <= 0)
			continue;
		/* pid (comm) state ppid: comm may hold spaces and parens. */
		if ((rp = strrchr(stat, ')')) == NULL ||
		    sscanf(rp + 1, " %*c %ld", &ppid) != 1)
			continue;
		pid_t pid = (pid_t)atol(de->d_name);
		if (ppid == self && pid != spared && kill(pid, signo) == 0)
			count++;
	}
	closedir(d);
	return count;
}

size_t
sweep_children(int signo)
{
	char path[64], list[8192];
	pid_t self = getpid();

	snprintf(path, sizeof(path), "/proc/self/task/%d/children", (int)self);
	if (read_small(path, list, sizeof(list)) >= 0 &&
	    strlen(list) < sizeof(list) - 32)
		return signal_list(list, signo);
	return scan_proc(signo);
}

_Noreturn void
die_of_signal(int signo)
{
	sigset_t set;

	signal(signo, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, signo);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(signo);
	_exit(128 + signo);
}
