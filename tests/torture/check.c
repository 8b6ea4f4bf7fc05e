/* SPDX-License-Identifier: ISC */
/*
 * tests/torture/check.c
 * The invariants the torture checks on what an iteration left on disk:
 * builds (every started-N has its done-N after one Ctrl-C; a build saw no
 * fd but 0-2) and the UDP log (every acknowledged record is in it, each
 * record at most once, and with one or two Ctrl-C every record sent before
 * the first one), and on what tend printed about its tasks. The seed task
 * and the db service have theirs in store.c.
 */
#include <sys/types.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "torture.h"

#define MAX_BUILDS 256

/*
 * fds-N is `ls -l /proc/self/fd` run by the build's shell: ls inherits
 * exactly what the shell got from tend (the shell's own fds are
 * close-on-exec), plus the directory it reads, which is fd 3 when nothing
 * leaked. Anything else is an fd tend leaked into the build.
 */
static void
check_fds(const char *dir, unsigned n)
{
	char name[32], *text, *line, *save = NULL;
	size_t len;
	int seen = 0;

	snprintf(name, sizeof(name), "fds-%u", n);
	if ((text = tmp_read(dir, name, &len)) == NULL) {
		tt_fail("build %u completed without writing %s", n, name);
		return;
	}
	for (line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		char *arrow = strstr(line, " -> "), *p;
		int fd;
		if (strncmp(line, "total", 5) == 0)
			continue;
		if (arrow == NULL) {
			tt_fail("%s: unexpected line: %s", name, line);
			continue;
		}
		for (p = arrow; p > line && p[-1] != ' '; p--)
			;
		fd = atoi(p);
		if (fd <= 2 ||
		    (fd == 3 && strncmp(arrow + 4, "/proc/", 6) == 0 &&
		        strstr(arrow + 4, "/fd") != NULL))
			seen |= 1 << (fd > 3 ? 3 : fd);
		else
			tt_fail("build %u inherited fd %d: %s", n, fd, line);
	}
	if (seen != 0xf)
		tt_fail("%s: fds 0-3 not all listed (mask %#x)", name, seen);
	free(text);
}

void
check_builds(const char *dir, int presses, unsigned *builds_started)
{
	bool started[MAX_BUILDS] = {false}, done[MAX_BUILDS] = {false};
	DIR *d = opendir(dir);
	struct dirent *de;
	unsigned n, max = 0;

	*builds_started = 0;
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		bool is_start = sscanf(de->d_name, "started-%u", &n) == 1;
		bool is_done =
		    !is_start && sscanf(de->d_name, "done-%u", &n) == 1;
		if ((!is_start && !is_done) || n == 0 || n >= MAX_BUILDS)
			continue;
		if (is_start)
			started[n] = true;
		else
			done[n] = true;
		if (n > max)
			max = n;
	}
	closedir(d);
	for (n = 1; n <= max; n++) {
		if (done[n] && !started[n])
			tt_fail(
			    "build %u: done-%u without started-%u", n, n, n);
		if (started[n])
			(*builds_started)++;
		if (started[n] && !done[n] && presses == 1)
			tt_fail("build %u started but did not complete (one "
			        "Ctrl-C must let it finish)",
			    n);
		if (done[n])
			check_fds(dir, n);
	}
}

/* Missing records of [lo, hi), reported as one violation with a range. */
static void
require(const unsigned char *seen, uint32_t lo, uint32_t hi, const char *what)
{
	uint32_t missing = 0, first = 0;

	for (uint32_t r = lo; r < hi; r++)
		if (!seen[r] && missing++ == 0)
			first = r;
	if (missing > 0)
		tt_fail("udp: %u of the %u records %s are not in udp.log "
		        "(first: rec %u; range %u-%u)",
		    missing, hi - lo, what, first, lo, hi - 1);
}

void
check_udp_log(
    const char *dir, const struct tt_load *ld, unsigned long *acked_out)
{
	unsigned char *seen = calloc(ld->next_rec + 1, 1);
	size_t len;
	char *log = tmp_read(dir, "udp.log", &len), *p;
	uint32_t dups = 0;

	*acked_out = 0;
	for (p = log; p != NULL && (p = strstr(p, " rec ")) != NULL; p++) {
		unsigned long r = strtoul(p + 5, NULL, 10);
		if (r >= ld->next_rec)
			tt_fail("udp: udp.log has rec %lu, never sent", r);
		else if (seen[r] && dups++ == 0)
			tt_fail("udp: rec %lu is in udp.log twice", r);
		else
			seen[r] = 1;
	}
	free(log);
	require(seen, 0, ld->acked_pre, "acknowledged by a pong");
	*acked_out = ld->acked_pre;
	if (ld->boundary && ld->acked_post > ld->boundary_rec) {
		require(seen, ld->boundary_rec, ld->acked_post,
		    "acknowledged by a pong after the kill -9 (or reload)");
		*acked_out += ld->acked_post - ld->boundary_rec;
	}
	/*
	 * One or two Ctrl-C: every datagram the kernel accepted before the
	 * first is handled. A kill -9 of the worker may lose what it had
	 * read but not handled: the records sent before the kill that no
	 * pong vouched for are excused.
	 */
	if (ld->ctrl_c && ld->presses <= 2) {
		uint32_t end = ld->before_ctrl_c;
		if (ld->boundary && ld->boundary_rec < end) {
			require(seen, 0, ld->acked_pre, "sent before Ctrl-C");
			require(seen, ld->boundary_rec, end,
			    "sent after the kill -9 (or reload) and before "
			    "Ctrl-C");
		} else
			require(seen, 0, end, "sent before Ctrl-C");
	}
	free(seen);
}

static size_t
count(const char *out, const char *needle)
{
	size_t n = 0;

	for (const char *p = out; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

/*
 * What tend said about its jobs. "killed by signal 2" (not "stopped" or
 * "interrupted": tend did not send it) means the terminal's SIGINT
 * reached a job, which its own process group should prevent: tend is the
 * only sender of signals to a job. With one Ctrl-C every run of a task
 * that tend started finishes (successfully: seed fails if db goes away
 * under it), including a build whose script never got to write
 * started-N. (The pty is in NOFLSH mode, so no line tend wrote before the
 * Ctrl-C is discarded: before that, a "finished" line written just before
 * the ^C went with the flush and looked like a build tend had not
 * finished.)
 */
void
check_output(const char *out, int presses)
{
	static const char *const tasks[] = {"build", "seed", "two"};
	char started[64], finished[64];

	if (strstr(out, "killed by signal 2") != NULL)
		tt_fail("a job was killed by the terminal's SIGINT (tend says "
		        "\"killed by signal 2\", not \"interrupted\")");
	for (size_t i = 0; i < sizeof(tasks) / sizeof(tasks[0]); i++) {
		snprintf(
		    started, sizeof(started), "build \"%s\" started", tasks[i]);
		snprintf(finished, sizeof(finished), "build \"%s\" finished in",
		    tasks[i]);
		if (presses == 1 && count(out, finished) < count(out, started))
			tt_fail("tend started %zu runs of \"%s\" and %zu "
			        "finished, with one Ctrl-C",
			    count(out, started), tasks[i],
			    count(out, finished));
	}
	if (strstr(out, "Sanitizer") != NULL ||
	    strstr(out, "runtime error:") != NULL)
		tt_fail("a sanitizer reported");
}
