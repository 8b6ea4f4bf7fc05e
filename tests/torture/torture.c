/* SPDX-License-Identifier: ISC */
/*
 * tests/torture/torture.c
 * The torture driver: `torture [--iterations N] [--seed S] [--first I]
 * [--verbose]`. Each iteration starts tend under a pty in a fresh
 * directory (a counting build that rewrites a served page, a db service
 * and a seed task writing records into it, a 64 KiB file served, a UDP
 * port with a log), puts HTTP and UDP load on it (load.c, page.c), types
 * 1, 2 or 3 Ctrl-C (150 ms apart) at a seeded random moment (start-up,
 * ready, mid-build, between builds, while seed writes, during a worker
 * restart, during a SIGHUP reload), and checks the invariants (here and in
 * check.c, store.c). Exit 1 on any violation.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "torture.h"

#define ITER_TIMEOUT_MS 15000
#define KEEP_MAX 5 /* failing iterations whose directory is kept */

const char *const tt_moment_name[TM_COUNT] = {"start-up", "ready", "mid-build",
    "between", "seeding", "restart", "reload", "handoff"};

/* The iteration being run, for tt_fail and the helpers below. */
static struct {
	int idx;
	uint64_t seed;
	enum tt_moment m;
	int presses, typed;
	int violations;
	char dir[64];
	struct tp tp;
	struct tt_load ld;
	long deadline;
	uint64_t rng;
	bool verbose;
	bool slow; /* a slow download of big.bin is in flight at Ctrl-C */
} it;

void
tt_fail(const char *fmt, ...)
{
	va_list ap;

	if (it.violations++ == 0)
		fprintf(stderr,
		    "iteration %d (%s, %d Ctrl-C; replay: --seed %llu --first %d "
		    "--iterations 1): VIOLATION\n",
		    it.idx, tt_moment_name[it.m], it.presses,
		    (unsigned long long)it.seed, it.idx);
	fprintf(stderr, "  violation: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static uint64_t
splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int
rnd(int n) /* 0 .. n-1 */
{
	return (int)(splitmix(&it.rng) % (uint64_t)n);
}

/* Run the loop for ms, or until tend exited. */
static void
step_for(int ms)
{
	long end = now_ms() + ms;

	do
		load_step(&it.ld, &it.tp,
		    (int)(end - now_ms()) > 5       ? 5
		        : (int)(end - now_ms()) < 0 ? 0
		                                    : (int)(end - now_ms()));
	while (now_ms() < end && !it.tp.exited);
}

static bool
wait_text(const char *needle, size_t count)
{
	while (tp_count(&it.tp, needle) < count) {
		if (it.tp.exited || now_ms() > it.deadline) {
			tt_fail("did not see %zu x \"%s\"", count, needle);
			return false;
		}
		load_step(&it.ld, &it.tp, 5);
	}
	return true;
}

static bool
wait_file(const char *name)
{
	while (!tmp_exists(it.dir, name)) {
		if (it.tp.exited || now_ms() > it.deadline) {
			tt_fail("%s never appeared", name);
			return false;
		}
		load_step(&it.ld, &it.tp, 2);
	}
	return true;
}

/* The first worker's pid, once its whole line is there; -1 if none. */
static pid_t
worker_pid(void)
{
	const char *p;
	pid_t pid;

	while ((p = strstr(it.tp.out, "worker ready (pid ")) == NULL ||
	    strstr(p, ")\r\n") == NULL) {
		if (it.tp.exited || now_ms() > it.deadline) {
			tt_fail("no whole \"worker ready (pid N)\" line");
			return -1;
		}
		load_step(&it.ld, &it.tp, 5);
	}
	if ((pid = tp_worker_pid(&it.tp, 0)) <= 0)
		return -1;
	/* Only ever signal a process of tend's session. */
	if (proc_stat_field(pid, 6) != it.tp.pid) {
		tt_fail("worker pid %d is not in tend's session", (int)pid);
		return -1;
	}
	return pid;
}

/*
 * SIGUSR1 runs every task again, build then seed; a UDP "build build"
 * runs build alone (nothing runs after it). Returns whether seed runs too.
 */
static bool
trigger_build(void)
{
	if (rnd(2) == 0 || it.ld.udp_fd < 0) {
		kill(it.tp.pid, SIGUSR1);
		return true;
	}
	udp_send(it.ld.udp_fd, it.ld.udp_port, "build build");
	return false;
}

/* Until builds runs of build and seeds of seed have finished. */
static bool
wait_finished(size_t builds, size_t seeds)
{
	return wait_text("build \"build\" finished", builds) &&
	    wait_text("build \"seed\" finished", seeds);
}

/*
 * A terminal that makes SIGINT from ^C also throws away the output not
 * read yet (no NOFLSH), so a line tend wrote just before the Ctrl-C, such
 * as a build's "finished", could vanish before this program read it.
 * What tend said is the evidence here: keep all of it. (The pty's modes
 * are shared by both ends; tend in serve mode never changes them.)
 */
static void
keep_output_at_ctrl_c(int master)
{
	struct termios t;

	if (tcgetattr(master, &t) == 0) {
		t.c_lflag |= NOFLSH;
		tcsetattr(master, TCSANOW, &t);
	}
}

/* Bring tend to the chosen moment; the first Ctrl-C follows at once. */
static void
reach_moment(unsigned *startup_late)
{
	char name[32];
	int target, extra;
	size_t seeds;

	switch (it.m) {
	case TM_STARTUP:
		/*
		 * Four windows: as soon as the terminal is tend's (perhaps
		 * before its handlers exist), right after the UDP port is
		 * printed (the load has begun, the worker is being spawned),
		 * right after the first build started, or in the first 8 ms.
		 */
		while (proc_stat_field(it.tp.pid, 8) != it.tp.pid &&
		    now_ms() < it.deadline)
			usleep(200);
		if ((extra = rnd(4)) == 0)
			step_for(rnd(2));
		else if (extra == 1 && wait_text("udp events on", 1))
			step_for(rnd(3));
		else if (extra == 2 && wait_text("build \"build\" started", 1))
			step_for(rnd(3));
		else if (extra == 3)
			step_for(rnd(8));
		if (strstr(it.tp.out, "worker ready") != NULL)
			(*startup_late)++;
		break;
	case TM_READY:
		wait_text("worker ready", 1);
		step_for(rnd(20));
		break;
	case TM_BUILD:
		target = 1 + rnd(2);
		if (target == 2 && wait_text("build \"build\" finished", 1))
			trigger_build();
		snprintf(name, sizeof(name), "started-%d", target);
		wait_file(name);
		/* The build lasts 0.3 s: let a 2nd Ctrl-C land in it too. */
		step_for(rnd(it.presses == 1 ? 250 : 120));
		break;
	case TM_BETWEEN:
		/* Nothing runs: seed follows the first build, wait for it. */
		extra = rnd(3);
		seeds = 1;
		wait_finished(1, seeds);
		for (int i = 1; i <= extra; i++) {
			seeds += trigger_build();
			wait_finished((size_t)i + 1, seeds);
		}
		step_for(rnd(30));
		break;
	case TM_SEED:
		/* A run lasts about 0.35 s: let a 2nd Ctrl-C land in it too. */
		wait_text("build \"seed\" started", 1);
		step_for(rnd(it.presses == 1 ? 300 : 150));
		break;
	case TM_RESTART:
		wait_text("worker ready", 1);
		step_for(rnd(300));
		if ((target = worker_pid()) <= 0)
			break; /* never kill(-1) */
		load_mark_boundary(&it.ld);
		kill(target, SIGKILL);
		step_for(rnd(51));
		break;
	case TM_RELOAD:
	case TM_HANDOFF:
		wait_text("worker ready", 1);
		if (rnd(3) != 0)
			wait_text("build \"build\" finished", 1);
		else
			step_for(rnd(200));
		tt_write_config(
		    it.dir, it.presses == 3, true, it.m == TM_HANDOFF);
		/*
		 * Two workers read the UDP socket during the overlap, so a
		 * pong no longer proves that earlier records were handled,
		 * only that they will be: a SIGKILL (3rd Ctrl-C) may lose them.
		 */
		if (it.presses == 3 && it.m == TM_HANDOFF)
			load_mark_boundary(&it.ld);
		kill(it.tp.pid, SIGHUP);
		step_for(rnd(51));
		break;
	case TM_COUNT:
		break;
	}
}

static void
type_ctrl_c(void)
{
	if (it.tp.exited || it.ld.pty_dead)
		return;
	if (it.typed == 0 && it.slow) {
		load_start_slow(&it.ld); /* its response under way at Ctrl-C */
		step_for(20);
		if (it.tp.exited)
			return;
	}
	if (it.typed == 0)
		load_mark_ctrl_c(&it.ld);
	it.typed++;
	it.ld.presses = it.typed;
	tp_type(&it.tp, "\x03");
}

static void
run_iteration(struct totals *t)
{
	const char *args[] = {NULL};
	unsigned builds = 0;
	unsigned long acked = 0;
	struct store_stats st;
	long t0 = now_ms();

	it.violations = 0;
	it.typed = 0;
	it.deadline = t0 + ITER_TIMEOUT_MS;
	tmp_make(it.dir, sizeof(it.dir));
	/* Not where the first Ctrl-C's timing is the point of the moment. */
	it.slow = tt_write_files(it.dir) && rnd(2) == 0 && it.m != TM_STARTUP &&
	    it.m != TM_RESTART;
	tt_write_config(it.dir, it.presses == 3, false, false);
	load_init(&it.ld, it.dir, 0);
	tp_start(&it.tp, it.dir, args);
	keep_output_at_ctrl_c(it.tp.master);

	reach_moment(&t->startup_late);
	if (it.tp.exited)
		tt_fail("tend exited before the first Ctrl-C, status %#x",
		    it.tp.status);
	for (int i = 0; i < it.presses; i++) {
		if (i > 0)
			step_for(150);
		type_ctrl_c();
	}
	while (!it.tp.exited && now_ms() < it.deadline)
		load_step(&it.ld, &it.tp, 5);
	if (!it.tp.exited) {
		tt_fail("tend did not exit within %d ms of its start",
		    ITER_TIMEOUT_MS);
		print_tail(it.tp.out);
		tp_cleanup(&it.tp); /* SIGKILL to the session, reaps tend */
	}
	/* Read what is left: the terminal, the last bytes, the pongs. */
	for (long end = now_ms() + 1000;
	     now_ms() < end && (!it.ld.pty_dead || !load_conns_closed(&it.ld));)
		load_step(&it.ld, &it.tp, 5);
	load_finish(&it.ld);

	if (it.tp.out != NULL) {
		if (!WIFSIGNALED(it.tp.status) ||
		    WTERMSIG(it.tp.status) != SIGINT)
			tt_fail("exit status %#x, not death by SIGINT",
			    it.tp.status);
		check_output(it.tp.out, it.typed);
	}
	size_t left = session_wait_empty(it.tp.pid, 3000);
	if (left > 0)
		tt_fail("%zu process(es) left in tend's session", left);
	check_builds(it.dir, it.typed, &builds);
	check_udp_log(it.dir, &it.ld, &acked);
	check_store(it.dir, it.tp.out, it.typed, &st);

	/* Counted by the presses actually typed (tend may exit sooner). */
	int col = it.typed < 1 ? 0 : it.typed - 1;
	t->runs[it.m][col]++;
	t->responses += it.ld.responses;
	t->truncated += it.ld.truncated;
	t->unanswered += it.ld.unanswered;
	t->slow_started += it.slow && it.typed > 0;
	t->slow_done += it.ld.slow_done;
	t->busy += it.ld.busy;
	t->page_sent += it.ld.page_sent;
	t->page_ok += it.ld.page_ok;
	t->page_busy += it.ld.page_busy;
	t->page_refused += it.ld.page_refused;
	t->page_excused += it.ld.page_excused;
	t->seed_runs += st.runs;
	t->seed_acked += st.acked;
	t->seed_stored += st.stored;
	t->seed_cut += st.cut;
	t->seed_finishing += st.finishing;
	t->seed_interrupted += st.interrupted;
	t->acked += acked;
	t->sent += it.ld.next_rec;
	t->builds += builds;
	t->fd_checked += tmp_exists(it.dir, "done-1");
	if (it.verbose || it.violations > 0)
		printf(
		    "%4d %-10s %d/%d Ctrl-C  %5ld ms  builds %u  http %lu ok "
		    "%lu cut %lu unanswered  udp %u sent %lu acked  page %lu "
		    "sent %lu ok %lu refused  seed %u runs %lu acked%s  %s\n",
		    it.idx, tt_moment_name[it.m], it.typed, it.presses,
		    now_ms() - t0, builds, it.ld.responses, it.ld.truncated,
		    it.ld.unanswered, it.ld.next_rec, acked, it.ld.page_sent,
		    it.ld.page_ok, it.ld.page_refused, st.runs, st.acked,
		    st.cut ? " (cut)" : "", it.violations ? "VIOLATION" : "ok");
	if (it.violations > 0) {
		t->violations += (unsigned)it.violations;
		t->bad_iterations++;
		t->bad[it.m][col]++;
		if (it.tp.out != NULL)
			print_tail(it.tp.out);
	}
	fflush(stdout);
	if (it.violations > 0 && t->kept < KEEP_MAX) {
		t->kept++;
		fprintf(stderr, "  kept %s\n", it.dir);
	} else
		tmp_remove(it.dir);
	if (it.tp.out != NULL)
		tp_cleanup(&it.tp);
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: torture [--iterations N] [--seed S] [--first I] "
	    "[--skip MOMENT]... [--verbose]\n"
	    "moments: start-up ready mid-build between seeding restart "
	    "reload handoff\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	int iterations = 200, first = 0, plan[TM_COUNT * 3], nplan = 0;
	bool skip[TM_COUNT] = {false};
	uint64_t seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	struct totals t;
	long t0 = now_ms();

	memset(&t, 0, sizeof(t));
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--iterations") == 0 && i + 1 < argc)
			iterations = atoi(argv[++i]);
		else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
			seed = strtoull(argv[++i], NULL, 0);
		else if (strcmp(argv[i], "--first") == 0 && i + 1 < argc)
			first = atoi(argv[++i]);
		else if (strcmp(argv[i], "--verbose") == 0)
			it.verbose = true;
		else if (strcmp(argv[i], "--skip") == 0 && i + 1 < argc) {
			int m = 0;
			while (m < TM_COUNT &&
			    strcmp(argv[i + 1], tt_moment_name[m]) != 0)
				m++;
			if (m == TM_COUNT)
				usage();
			skip[m] = true;
			i++;
		} else
			usage();
	}
	for (int m = 0; m < TM_COUNT; m++)
		for (int k = 0; k < 3 && !skip[m]; k++)
			nplan++;
	if (iterations < 0 || first < 0 || nplan == 0)
		usage();
	signal(SIGPIPE, SIG_IGN);
	if (tt_make_big() == -1)
		return 2;
	printf("torture: %d iterations from %d, --seed %llu\n", iterations,
	    first, (unsigned long long)seed);
	fflush(stdout);
	/* Each block covers every moment x presses once, shuffled. */
	for (int i = 0; i < first + iterations; i++) {
		if (i % nplan == 0) {
			uint64_t bs = seed ^ (0xb10cULL + (uint64_t)i);
			for (int k = 0, n = 0; k < TM_COUNT * 3; k++)
				if (!skip[k / 3])
					plan[n++] = k;
			for (int k = nplan - 1; k > 0; k--) {
				int j =
				    (int)(splitmix(&bs) % (uint64_t)(k + 1));
				int tmp = plan[k];
				plan[k] = plan[j];
				plan[j] = tmp;
			}
		}
		if (i < first)
			continue;
		it.idx = i;
		it.m = (enum tt_moment)(plan[i % nplan] / 3);
		it.presses = plan[i % nplan] % 3 + 1;
		it.seed = seed;
		it.rng = seed + (uint64_t)i * 0x1000193ULL;
		run_iteration(&t);
	}

	print_summary(&t, iterations, now_ms() - t0, seed);
	tt_unlink_big();
	return t.violations > 0 ? 1 : 0;
}
