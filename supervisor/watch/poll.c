/* SPDX-License-Identifier: ISC */
/*
 * supervisor/watch/poll.c
 * Polled trees (poll.h): the trees, the timer that scans them (scan.c),
 * the diff of each scan with the last one (snap.c) reported through the
 * watcher's callback, and which filesystems need it.
 *
 * A scan of 50,000 files is about 100 ms of stat(2) on the reference VM,
 * so a scan is cut into slices of POLL_SLICE and the loop gets a turn
 * between them: a Ctrl-C, a job's output or a reload waits at most one
 * slice, not one scan. The pause after a scan is the interval, but at
 * least POLL_IDLE_SHARE times the CPU the scan took, so that polling a
 * huge tree costs at most a tenth of a core and says so once. While a
 * debounce waits (changes were just found) scans follow every
 * POLL_SETTLE, so that the end of a burst is seen before the build starts:
 * a burst is one build as with inotify.
 *
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "poll.h"
#include "scan.h"

#define POLL_SLICE 0.005 /* s of scanning, then the loop's turn */
#define POLL_SETTLE 0.05 /* s between scans while a debounce waits */
#define POLL_IDLE_SHARE 9 /* pause >= 9x a scan's CPU: <= 1/10 core */
#define POLL_BUSY_SHARE 2 /* while settling: <= 1/3 core, ~1 s at most */
#define POLL_SLACK 0.02 /* s added to the settle estimate */
#define POLL_MAX_ENTRIES 200000 /* ~15 MiB with a scan; then cut */

struct tree {
	char *root; /* cleaned, as watch_add_tree got it */
	struct snap snap; /* the last scan */
	bool have; /* snap is a baseline */
};

struct poller {
	struct ev_loop *loop;
	struct ignore *ig;
	snap_report_fn fn;
	void *arg;
	poll_say_fn *say;
	double interval;
	struct tree *trees;
	size_t ntrees;
	/* A cycle: each tree scanned in turn, a slice at a time. */
	struct scan sc;
	bool active; /* a cycle is in progress */
	size_t tree; /* the tree being scanned */
	bool begun; /* sc began that tree */
	double cpu; /* CPU seconds of this cycle so far */
	double start; /* when it began (scan_clock) */
	ev_timer timer;
	bool found; /* the current cycle reported something */
	bool reporting;
	double last_cpu, last_wall; /* of the last whole cycle */
	ev_tstamp hold; /* a debounce waits until then */
	bool stats; /* TEND_POLL_STATS: a line per cycle */
	bool warned_cap, warned_slow, quiet;
};

static double
cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double
dmax(double a, double b)
{
	return a > b ? a : b;
}

const char *
poll_fs_blind(unsigned long f_type)
{
	/*
	 * inotify reports what goes through this kernel's VFS. On these a
	 * change can come from elsewhere: the server or another client
	 * (NFS, SMB, Ceph, AFS, Coda, Lustre, GPFS), another node of a
	 * cluster (OCFS2, GFS2), the host of a VM (9p: WSL2's /mnt/c and
	 * QEMU shares; vboxsf), or a FUSE daemon (sshfs, rclone, s3fs, and
	 * virtiofs and Docker Desktop's shares, which are FUSE too): inotify
	 * stays silent. Not overlayfs: every change to a mounted overlay goes
	 * through it (changing its layers underneath is undefined, the
	 * kernel's overlayfs.rst), and its inotify events are reported
	 * (a container's root, or a bind mount, which is the host's own
	 * filesystem). Values: linux/magic.h, and the filesystems' sources
	 * for those it lacks (GFS2, Lustre, GPFS, vboxsf).
	 */
	static const struct {
		uint32_t magic;
		const char *name;
	} blind[] = {
	    {0x6969, "nfs"},
	    {0x517B, "smb"},
	    {0xFF534D42, "cifs"},
	    {0xFE534D42, "smb3"},
	    {0x01021997, "9p"},
	    {0x65735546, "fuse"},
	    {0x00C36400, "ceph"},
	    {0x5346414F, "afs"},
	    {0x6B414653, "afs"},
	    {0x73757245, "coda"},
	    {0x7461636F, "ocfs2"},
	    {0x01161970, "gfs2"},
	    {0x0BD00BD0, "lustre"},
	    {0x47504653, "gpfs"},
	    {0x786F4256, "vboxsf"},
	};

	for (size_t i = 0; i < sizeof(blind) / sizeof(blind[0]); i++)
		if ((uint32_t)f_type == blind[i].magic)
			return blind[i].name;
	return NULL;
}

/* Is path root itself or inside it? Both cleaned. */
static bool
contains(const char *root, const char *path)
{
	size_t n = strlen(root);

	if (strcmp(root, ".") == 0)
		return path[0] != '/' && strcmp(path, "..") != 0 &&
		    strncmp(path, "../", 3) != 0;
	if (strcmp(root, "/") == 0)
		return path[0] == '/';
	return strncmp(path, root, n) == 0 &&
	    (path[n] == '\0' || path[n] == '/');
}

static uint32_t
total_entries(const struct poller *p)
{
	uint64_t n = 0;

	for (size_t i = 0; i < p->ntrees; i++)
		n += p->trees[i].snap.n;
	return n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

static void
report(void *arg, const char *path, bool is_dir)
{
	struct poller *p = arg;

	p->found = true;
	p->fn(p->arg, path, is_dir);
}

/* The tree's scan is complete: report what changed, keep the new one. */
static void
finish_tree(struct poller *p, struct scan *sc)
{
	struct tree *t = &p->trees[p->tree];

	if (sc->cut && !p->warned_cap) {
		p->warned_cap = true;
		log_warnx("polling %s: stopped at %d files and directories; "
		          "the rest is not watched (ignore big directories "
		          "in .gitignore or watch.ignore)",
		    t->root, POLL_MAX_ENTRIES);
	}
	if (t->have && !p->quiet) {
		p->reporting = true;
		snap_diff(&t->snap, &sc->next, report, p);
		p->reporting = false;
	}
	snap_swap(&t->snap, &sc->next);
	t->have = true;
	p->begun = false;
	p->tree++;
}

/*
 * Scan the current tree until it is done (true) or the deadline passes
 * (false: call again).
 */
static bool
scan_tree(struct poller *p, double deadline)
{
	struct tree *t = &p->trees[p->tree];
	uint32_t others = total_entries(p) - t->snap.n, cap;

	cap = others >= POLL_MAX_ENTRIES ? 0 : POLL_MAX_ENTRIES - others;
	if (!p->begun) {
		if (scan_start(&p->sc, t->root, p->ig) == -1) {
			p->tree++; /* ENOMEM: this tree waits for the next */
			return true;
		}
		p->begun = true;
	}
	if (!scan_run(&p->sc, &t->snap, p->ig, cap, deadline))
		return false;
	finish_tree(p, &p->sc);
	return true;
}

/* Go on with the cycle until done (true) or the deadline (false). */
static bool
step(struct poller *p, double deadline)
{
	double c0 = cpu_now();
	bool done = true;

	while (p->tree < p->ntrees && (done = scan_tree(p, deadline)))
		;
	p->cpu += cpu_now() - c0;
	return done && p->tree >= p->ntrees;
}

static void
begin_cycle(struct poller *p)
{
	p->active = true;
	p->tree = 0;
	p->begun = false;
	p->cpu = 0;
	p->start = scan_clock();
	p->found = false;
}

static double
settle_pause(const struct poller *p)
{
	double s = p->interval < POLL_SETTLE ? p->interval : POLL_SETTLE;

	return dmax(s, POLL_BUSY_SHARE * p->last_cpu);
}

static void
arm(struct poller *p, double after)
{
	ev_timer_stop(p->loop, &p->timer);
	ev_timer_set(&p->timer, after, 0.);
	ev_timer_start(p->loop, &p->timer);
}

static void
end_cycle(struct poller *p)
{
	double pause;
	bool busy;

	p->active = false;
	p->last_cpu = p->cpu;
	p->last_wall = scan_clock() - p->start;
	busy = p->found || ev_now(p->loop) < p->hold;
	pause = busy ? settle_pause(p)
	             : dmax(p->interval, POLL_IDLE_SHARE * p->last_cpu);
	if (!busy && pause > p->interval && !p->warned_slow) {
		p->warned_slow = true;
		p->say("polling: a scan of %u files and directories takes "
		       "%.0f ms of CPU, so it runs every %.0f ms instead of "
		       "%.0f to stay under a tenth of a core (ignore big "
		       "directories in .gitignore or watch.ignore)",
		    total_entries(p), p->last_cpu * 1e3,
		    (pause + p->last_wall) * 1e3, p->interval * 1e3);
	}
	if (p->stats)
		p->say("poll: %u entries in %zu tree%s, scan %.1f ms, CPU "
		       "%.1f ms, next in %.0f ms",
		    total_entries(p), p->ntrees, p->ntrees == 1 ? "" : "s",
		    p->last_wall * 1e3, p->last_cpu * 1e3, pause * 1e3);
	arm(p, pause);
}

static void
on_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct poller *p = w->data;

	(void)loop;
	(void)revents;
	if (p->quiet)
		return;
	if (!p->active)
		begin_cycle(p);
	if (step(p, scan_clock() + POLL_SLICE))
		end_cycle(p);
	else
		arm(p, 0.); /* the loop's turn, then the next slice */
}

void
poller_scan_now(struct poller *p)
{
	if (p == NULL || p->quiet || p->ntrees == 0)
		return;
	if (!p->active)
		begin_cycle(p);
	step(p, 1e300);
	end_cycle(p);
}

struct poller *
poller_new(struct ev_loop *loop, struct ignore *ig, unsigned ms,
    snap_report_fn fn, void *arg, poll_say_fn *say)
{
	struct poller *p = calloc(1, sizeof(*p));
	const char *stats = getenv("TEND_POLL_STATS");

	if (p == NULL)
		return NULL;
	p->loop = loop;
	p->ig = ig;
	p->interval = ms / 1000.0;
	p->fn = fn;
	p->arg = arg;
	p->say = say;
	p->stats = stats != NULL && stats[0] != '\0' && strcmp(stats, "0");
	scan_init(&p->sc);
	ev_init(&p->timer, on_timer);
	p->timer.data = p;
	return p;
}

bool
poller_covers(const struct poller *p, const char *dir)
{
	for (size_t i = 0; p != NULL && i < p->ntrees; i++)
		if (contains(p->trees[i].root, dir))
			return true;
	return false;
}

/* Trees inside dir are polled by dir's from now on. */
static void
drop_inside(struct poller *p, const char *dir)
{
	size_t k = 0;

	for (size_t i = 0; i < p->ntrees; i++) {
		struct tree *t = &p->trees[i];
		if (contains(dir, t->root)) {
			free(t->root);
			snap_free(&t->snap);
		} else
			p->trees[k++] = *t;
	}
	p->ntrees = k;
}

int
poller_add(struct poller *p, const char *dir, const char *why)
{
	struct tree *trees;
	char abs[PATH_MAX];
	double c0;

	if (p->quiet || poller_covers(p, dir))
		return 0;
	/* A cycle in progress ends first: the tree list is about to change. */
	if (p->active)
		poller_scan_now(p);
	drop_inside(p, dir);
	trees = realloc(p->trees, (p->ntrees + 1) * sizeof(*trees));
	if (trees == NULL)
		return -1;
	p->trees = trees;
	memset(&trees[p->ntrees], 0, sizeof(trees[0]));
	if ((trees[p->ntrees].root = strdup(dir)) == NULL)
		return -1;
	snap_init(&trees[p->ntrees].snap);
	/* The baseline, now and whole, as inotify's first walk is. */
	p->tree = p->ntrees++;
	p->begun = false;
	p->start = scan_clock();
	c0 = cpu_now();
	scan_tree(p, 1e300);
	p->last_cpu = cpu_now() - c0;
	p->last_wall = scan_clock() - p->start;
	p->say("watching %s by polling every %.0f ms%s",
	    realpath(dir, abs) != NULL ? abs : dir, p->interval * 1e3, why);
	if (!ev_is_active(&p->timer))
		arm(p, p->interval);
	return 0;
}

bool
poller_reporting(const struct poller *p)
{
	return p != NULL && p->reporting;
}

double
poller_settle(const struct poller *p)
{
	double rest = 0;

	/* The rest of this cycle (the trees after this one), a pause, and
	 * one more whole cycle. */
	if (p->active && p->tree + 1 < p->ntrees)
		rest = p->last_wall * (double)(p->ntrees - p->tree - 1) /
		    (double)p->ntrees;
	return rest + settle_pause(p) + p->last_wall + POLL_SLACK;
}

void
poller_hold(struct poller *p, ev_tstamp until)
{
	if (p == NULL || p->quiet || p->ntrees == 0)
		return;
	if (until > p->hold)
		p->hold = until;
	/* Waiting out a long pause: come back sooner, a burst may go on. */
	if (!p->active && ev_is_active(&p->timer) &&
	    ev_timer_remaining(p->loop, &p->timer) > settle_pause(p))
		arm(p, settle_pause(p));
}

unsigned
poller_dirs(const struct poller *p)
{
	unsigned n = 0;

	for (size_t i = 0; p != NULL && i < p->ntrees; i++)
		n += p->trees[i].snap.ndirs;
	return n;
}

void
poller_quiesce(struct poller *p)
{
	if (p == NULL || p->quiet)
		return;
	p->quiet = true;
	ev_timer_stop(p->loop, &p->timer);
	p->active = false;
	scan_free(&p->sc);
	for (size_t i = 0; i < p->ntrees; i++)
		snap_free(&p->trees[i].snap);
}

void
poller_free(struct poller *p)
{
	if (p == NULL)
		return;
	poller_quiesce(p);
	for (size_t i = 0; i < p->ntrees; i++)
		free(p->trees[i].root);
	free(p->trees);
	free(p);
}
