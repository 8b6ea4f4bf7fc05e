/* SPDX-License-Identifier: ISC */
/*
 * tests/torture/report.c
 * What the torture prints besides the violations themselves: the last
 * lines tend printed in a violating iteration (without the echo of every
 * UDP record and every record seed wrote), and the summary of a run.
 */
#include <stdio.h>
#include <string.h>

#include "torture.h"

/* The last lines tend printed, without "udp ...: rec N", "seed  | put". */
void
print_tail(const char *out)
{
	const char *keep[40], *p = out;
	int n = 0;

	for (const char *eol; *p != '\0'; p = eol + 1) {
		if ((eol = strchr(p, '\n')) == NULL)
			eol = p + strlen(p) - 1;
		if (strncmp(p, "tend[worker]: udp 127.0.0.1:", 28) == 0 &&
		    strstr(p, ": rec ") != NULL && strstr(p, ": rec ") < eol)
			continue;
		if (strncmp(p, "seed  | put s", 13) == 0)
			continue;
		if (n == 40)
			memmove(keep, keep + 1, sizeof(keep) - sizeof(keep[0]));
		keep[n < 40 ? n++ : 39] = p;
	}
	fprintf(
	    stderr, "  tend's output (last lines, udp records left out):\n");
	for (int i = 0; i < n; i++) {
		const char *eol = strchr(keep[i], '\n');
		int len = eol ? (int)(eol - keep[i]) : (int)strlen(keep[i]);
		if (len > 0 && keep[i][len - 1] == '\r')
			len--;
		fprintf(stderr, "    | %.*s\n", len, keep[i]);
	}
}

void
print_summary(const struct totals *t, int iterations, long ms, uint64_t seed)
{
	printf("\ntorture: %d iterations in %.1f s (--seed %llu)\n", iterations,
	    (double)ms / 1000.0, (unsigned long long)seed);
	printf("Ctrl-C timings covered (iterations/violating ones, by the "
	       "presses typed before tend exited):\n");
	printf("  %-10s %10s %10s %10s\n", "moment", "1 press", "2 presses",
	    "3 presses");
	for (int m = 0; m < TM_COUNT; m++)
		printf("  %-10s %6u/%-3u %6u/%-3u %6u/%-3u\n",
		    tt_moment_name[m], t->runs[m][0], t->bad[m][0],
		    t->runs[m][1], t->bad[m][1], t->runs[m][2], t->bad[m][2]);
	printf("  (start-up: %u of them typed after \"worker ready\")\n",
	    t->startup_late);
	printf("HTTP responses verified: %lu (cut by 2+ Ctrl-C or a kill: %lu, "
	       "unanswered: %lu, 503 after a 2nd Ctrl-C: %lu)\n",
	    t->responses, t->truncated, t->unanswered, t->busy);
	printf("page.html requests during builds: %lu (200 from the finished "
	       "build: %lu, 503 after a 2nd Ctrl-C: %lu, refused: %lu, cut by "
	       "2+ Ctrl-C or a kill: %lu)\n",
	    t->page_sent, t->page_ok, t->page_busy, t->page_refused,
	    t->page_excused);
	printf("seed runs: %lu (writing at the 1st Ctrl-C: %lu, interrupted "
	       "by the 2nd: %lu, cut: %lu); records acknowledged %lu, stored "
	       "in db %lu\n",
	    t->seed_runs, t->seed_finishing, t->seed_interrupted, t->seed_cut,
	    t->seed_acked, t->seed_stored);
	printf("slow 4 MiB downloads in flight at the 1st Ctrl-C: %lu, "
	       "completed: %lu\n",
	    t->slow_started, t->slow_done);
	printf("datagrams acknowledged: %lu of %lu sent\n", t->acked, t->sent);
	printf("builds started: %lu; fd check in %u iterations\n", t->builds,
	    t->fd_checked);
	printf("invariant violations: %u in %u iterations\n", t->violations,
	    t->bad_iterations);
}
