/* SPDX-License-Identifier: ISC */
/*
 * supervisor/watch/watch.c
 * Recursive watching with raw inotify (ev_stat is "not meant for massive
 * numbers of stat watchers"). One watch per directory; a table from watch
 * descriptor to path; a directory created or moved in is scanned and its
 * files reported, since they may have been written before its watch
 * existed. A directory moved out or deleted loses its watches (and its
 * subdirectories'): a watch follows the inode, so what is written in it
 * later, elsewhere, must not be reported under its old name. IN_Q_OVERFLOW
 * means events were lost: every tree is rescanned and the caller rebuilds,
 * rather than silently missing a change.
 *
 * A tree on a filesystem that does not tell inotify about changes made
 * elsewhere (statfs: poll_fs_blind), or a mount of one met inside a
 * watched tree, is polled instead (poll.c), and so is every tree when
 * polling is forced (watch_force_poll); the caller sees the same reports.
 */
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/vfs.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ev.h>

#include "glob.h"
#include "log.h"
#include "poll.h"
#include "watch.h"

#define WATCH_MASK \
	(IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MOVED_FROM | \
	    IN_MOVED_TO | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | \
	    IN_ONLYDIR | IN_DONT_FOLLOW | IN_EXCL_UNLINK)
#define MAX_DEPTH 64

struct watch {
	struct ev_loop *loop;
	ev_io io;
	int fd; /* inotify, opened with the first tree it watches; or -1 */
	struct ignore *ig;
	struct watch_ops ops;
	char **paths; /* indexed by watch descriptor */
	int npaths;
	unsigned count;
	char **roots; /* what watch_add_tree was given, for rescans */
	size_t nroots;
	bool warned_limit;
	bool quiet; /* watch_quiesce ran */
	struct poller *poll; /* the polled trees, if any */
	unsigned poll_ms; /* forced: every tree is polled */
	const char *poll_why;
};

static int add_dir(
    struct watch *w, const char *dir, int depth, bool report, dev_t dev);

/* Poll dir: why ends the line that says so. */
static int
poll_tree(struct watch *w, const char *dir, const char *why)
{
	unsigned ms = w->poll_ms > 0 ? w->poll_ms : POLL_DEFAULT_MS;

	if (w->poll == NULL &&
	    (w->poll = poller_new(w->loop, w->ig, ms, w->ops.changed,
	         w->ops.arg, w->ops.say)) == NULL)
		return -1;
	return poller_add(w->poll, dir, why);
}

/*
 * A directory on another filesystem than its parent's (a mount point):
 * polled if inotify does not see changes made to it elsewhere. Returns
 * 1 if it is polled now, 0 if inotify will do, -1 on ENOMEM.
 */
static int
poll_if_blind(struct watch *w, const char *dir)
{
	char why[96];
	struct statfs sf;
	const char *fs;

	if (statfs(dir, &sf) == -1 || (fs = poll_fs_blind(sf.f_type)) == NULL)
		return 0;
	snprintf(
	    why, sizeof(why), ": %s does not report changes to inotify", fs);
	return poll_tree(w, dir, why) == -1 ? -1 : 1;
}

/* Watch dir with inotify, dev being its filesystem (0: look). */
static int
add_top(struct watch *w, const char *dir, bool report)
{
	struct stat st;

	if (stat(dir, &st) == -1)
		return add_dir(w, dir, 0, report, 0);
	return add_dir(w, dir, 0, report, st.st_dev);
}

static void on_readable(struct ev_loop *loop, ev_io *io, int revents);

/* The inotify fd, at the first tree that needs it. */
static int
inotify_open(struct watch *w)
{
	if (w->fd >= 0)
		return 0;
	w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->fd < 0)
		return -1;
	ev_io_init(&w->io, on_readable, w->fd, EV_READ);
	w->io.data = w;
	ev_io_start(w->loop, &w->io);
	return 0;
}

static void
join(char *out, size_t size, const char *dir, const char *name)
{
	if (strcmp(dir, ".") == 0)
		snprintf(out, size, "%s", name);
	else
		snprintf(out, size, "%s/%s", dir, name);
}

static int
remember(struct watch *w, int wd, const char *path)
{
	if (wd >= w->npaths) {
		int n = wd + 64;
		char **p = realloc(w->paths, (size_t)n * sizeof(*p));
		if (p == NULL)
			return -1;
		memset(p + w->npaths, 0, (size_t)(n - w->npaths) * sizeof(*p));
		w->paths = p;
		w->npaths = n;
	}
	if (w->paths[wd] == NULL)
		w->count++;
	else if (strcmp(w->paths[wd], path) == 0)
		return 0;
	free(w->paths[wd]);
	w->paths[wd] = strdup(path);
	return w->paths[wd] ? 0 : -1;
}

static void
limit_reached(struct watch *w, const char *dir)
{
	char buf[32] = "?";
	int fd;
	ssize_t n;

	if (w->warned_limit)
		return;
	w->warned_limit = true;
	fd =
	    open("/proc/sys/fs/inotify/max_user_watches", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		buf[n > 0 ? n - 1 : 0] = '\0';
		close(fd);
	}
	log_warnx("cannot watch %s: the inotify watch limit "
	          "(fs.inotify.max_user_watches = %s) is reached; raise it "
	          "with: sudo sysctl fs.inotify.max_user_watches=524288 (or "
	          "ignore big directories in .gitignore or watch.ignore, or "
	          "poll: watch.poll_ms, --poll)",
	    dir, buf);
}

/*
 * Watch dir (on device dev) and recurse. When report is set (a directory
 * that appeared after start), every file found is reported as changed.
 */
static int
add_dir(struct watch *w, const char *dir, int depth, bool report, dev_t dev)
{
	struct dirent *de;
	DIR *d;
	int wd, rc = 0;

	if (depth > MAX_DEPTH)
		return 0;
	wd = inotify_add_watch(w->fd, dir, WATCH_MASK);
	if (wd < 0) {
		if (errno == ENOSPC) {
			limit_reached(w, dir);
			return -1;
		}
		if (errno != ENOENT && errno != ENOTDIR && errno != EACCES)
			log_warn("watch %s", dir);
		return 0;
	}
	if (remember(w, wd, dir) == -1)
		return -1;
	if (ignore_load_gitignore(w->ig, dir) == -1)
		log_warn("%s/.gitignore", dir);
	if ((d = opendir(dir)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL && rc == 0) {
		char path[PATH_MAX];
		struct stat st;

		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		join(path, sizeof(path), dir, de->d_name);
		if (lstat(path, &st) == -1)
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (ignore_match(w->ig, path, true))
				continue;
			/* A mount point: perhaps one inotify is blind to. */
			if (st.st_dev != dev &&
			    (rc = poll_if_blind(w, path)) != 0) {
				rc = rc < 0 ? -1 : 0;
				continue;
			}
			rc = add_dir(w, path, depth + 1, report, st.st_dev);
		} else if (report && !ignore_match(w->ig, path, false))
			w->ops.changed(w->ops.arg, path, false);
	}
	closedir(d);
	return rc;
}

/* Stop watching dir and every directory below it. */
static void
drop_tree(struct watch *w, const char *dir)
{
	size_t n = strlen(dir);
	bool all = strcmp(dir, ".") == 0;

	for (int wd = 0; wd < w->npaths; wd++) {
		const char *p = w->paths[wd];
		if (p == NULL ||
		    !(all ||
		        (strncmp(p, dir, n) == 0 &&
		            (p[n] == '\0' || p[n] == '/'))))
			continue;
		/* Its IN_IGNORED then finds no path: already forgotten. */
		inotify_rm_watch(w->fd, wd);
		free(w->paths[wd]);
		w->paths[wd] = NULL;
		w->count--;
	}
}

static void
rescan(struct watch *w)
{
	for (size_t i = 0; i < w->nroots; i++)
		add_top(w, w->roots[i], false);
}

static void
handle(struct watch *w, const struct inotify_event *ev)
{
	char path[PATH_MAX];
	bool is_dir = (ev->mask & IN_ISDIR) != 0;

	if (ev->mask & IN_Q_OVERFLOW) {
		log_warnx("the kernel dropped file events (inotify queue "
		          "overflow); rescanning and rebuilding");
		rescan(w);
		w->ops.overflow(w->ops.arg);
		return;
	}
	if (ev->wd < 0 || ev->wd >= w->npaths || w->paths[ev->wd] == NULL)
		return;
	if (ev->mask & IN_IGNORED) {
		free(w->paths[ev->wd]);
		w->paths[ev->wd] = NULL;
		w->count--;
		return;
	}
	if (ev->mask & IN_MOVE_SELF) {
		/*
		 * A directory moved whose parent is not watched (a tree's
		 * top): from a watched parent, IN_MOVED_FROM came first and
		 * dropped this watch already.
		 */
		snprintf(path, sizeof(path), "%s", w->paths[ev->wd]);
		drop_tree(w, path);
		w->ops.changed(w->ops.arg, path, true);
		return;
	}
	if (ev->len == 0 || ev->name[0] == '\0') /* the directory itself */
		return;
	join(path, sizeof(path), w->paths[ev->wd], ev->name);
	if (is_dir && (ev->mask & (IN_MOVED_FROM | IN_DELETE)))
		drop_tree(w, path);
	if (ignore_match(w->ig, path, is_dir))
		return;
	if (is_dir && (ev->mask & (IN_CREATE | IN_MOVED_TO)))
		add_top(w, path, true);
	/* A directory created or touched is no change; its files will be. */
	if (is_dir && !(ev->mask & (IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE)))
		return;
	w->ops.changed(w->ops.arg, path, is_dir);
}

/* Deliver what the inotify queue holds. */
static void
read_queue(struct watch *w)
{
	/* Aligned as the inotify(7) example does. */
	char buf[65536]
	    __attribute__((aligned(__alignof__(struct inotify_event))));

	while (w->fd >= 0) {
		ssize_t n = read(w->fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* EAGAIN: all read */
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const void *)p;
			handle(w, ev);
			p += sizeof(*ev) + ev->len;
		}
	}
}

void
watch_poll(struct watch *w)
{
	read_queue(w);
	poller_scan_now(w->poll);
}

static void
on_readable(struct ev_loop *loop, ev_io *io, int revents)
{
	(void)loop;
	(void)revents;
	read_queue(io->data); /* a poll has its own timer */
}

struct watch *
watch_new(struct ev_loop *loop, struct ignore *ig, const struct watch_ops *ops)
{
	struct watch *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	w->fd = -1;
	w->loop = loop;
	w->ig = ig;
	w->ops = *ops;
	if (w->ops.say == NULL)
		w->ops.say = log_info;
	return w;
}

void
watch_force_poll(struct watch *w, unsigned ms, const char *why)
{
	w->poll_ms = ms;
	w->poll_why = why;
}

/*
 * As git does, the .gitignore files of the directories above a watched
 * tree apply to it too: from the working directory down to its parent.
 */
static void
load_parent_gitignores(struct watch *w, const char *dir)
{
	char prefix[PATH_MAX];
	const char *p = dir;

	if (dir[0] == '/' || strcmp(dir, ".") == 0)
		return;
	ignore_load_gitignore(w->ig, ".");
	while ((p = strchr(p, '/')) != NULL) {
		snprintf(prefix, sizeof(prefix), "%.*s", (int)(p - dir), dir);
		ignore_load_gitignore(w->ig, prefix);
		p++;
	}
}

int
watch_add_tree(struct watch *w, const char *dir)
{
	char clean[PATH_MAX], why[160];
	char **roots;
	int rc;

	glob_clean(dir, clean, sizeof(clean));
	if (w->poll_ms > 0) {
		load_parent_gitignores(w, clean);
		snprintf(why, sizeof(why), " (%s)", w->poll_why);
		return poll_tree(w, clean, why);
	}
	if ((rc = poll_if_blind(w, clean)) != 0) {
		load_parent_gitignores(w, clean);
		return rc < 0 ? -1 : 0;
	}
	if (poller_covers(w->poll, clean))
		return 0;
	if (inotify_open(w) == -1) {
		/* Out of inotify instances (another tool holds them)? */
		snprintf(why, sizeof(why),
		    ": inotify_init1: %s (fs.inotify.max_user_instances)",
		    strerror(errno));
		load_parent_gitignores(w, clean);
		return poll_tree(w, clean, why);
	}
	for (size_t i = 0; i < w->nroots; i++)
		if (strcmp(w->roots[i], clean) == 0)
			return 0;
	roots = realloc(w->roots, (w->nroots + 1) * sizeof(*roots));
	if (roots == NULL)
		return -1;
	w->roots = roots;
	if ((w->roots[w->nroots] = strdup(clean)) == NULL)
		return -1;
	w->nroots++;
	load_parent_gitignores(w, clean);
	return add_top(w, clean, false);
}

int
watch_pattern_dir(const char *pattern, char *out, size_t size)
{
	struct stat st;
	char *slash;

	if (glob_base(pattern, out, size) == -1)
		return -1;
	while (!(stat(out, &st) == 0 && S_ISDIR(st.st_mode))) {
		if ((slash = strrchr(out, '/')) == NULL) {
			snprintf(out, size, ".");
			break;
		}
		if (slash == out) { /* "/x": the root itself */
			out[1] = '\0';
			break;
		}
		*slash = '\0';
	}
	return 0;
}

void
watch_debounce(struct watch *w, ev_timer *t, ev_tstamp *first, double wait,
    double max_wait)
{
	struct ev_loop *loop = w->loop;
	ev_tstamp now = ev_now(loop);

	/*
	 * Found by a poll: the burst is over only when a later scan finds
	 * nothing new, so wait for one (the poller scans sooner meanwhile).
	 */
	if (poller_reporting(w->poll)) {
		double settle = poller_settle(w->poll);
		wait = wait > settle ? wait : settle;
		max_wait = max_wait > 2 * settle ? max_wait : 2 * settle;
	}

	if (!ev_is_active(t))
		*first = now;
	else if (now + wait > *first + max_wait)
		wait = *first + max_wait - now;
	if (wait < 0)
		wait = 0;
	ev_timer_stop(loop, t);
	ev_timer_set(t, wait, 0.);
	ev_timer_start(loop, t);
	poller_hold(w->poll, now + wait);
}

unsigned
watch_count(const struct watch *w)
{
	return w->count + poller_dirs(w->poll);
}

/*
 * Stop watching, early in a stop: the kernel frees inotify marks after an
 * SRCU grace period, and close(2) of an inotify fd that still has marks
 * waits for one (6-16 ms seen here). Removed now, they are freed while
 * the worker drains, and the close at exit finds nothing to wait for.
 */
void
watch_quiesce(struct watch *w)
{
	if (w == NULL || w->quiet)
		return;
	w->quiet = true;
	poller_quiesce(w->poll);
	if (w->fd < 0)
		return;
	ev_io_stop(w->loop, &w->io);
	for (int wd = 0; wd < w->npaths; wd++)
		if (w->paths[wd] != NULL)
			inotify_rm_watch(w->fd, wd);
}

void
watch_free(struct watch *w)
{
	if (w == NULL)
		return;
	poller_free(w->poll);
	if (w->fd >= 0) {
		ev_io_stop(w->loop, &w->io);
		close(w->fd);
	}
	for (int i = 0; i < w->npaths; i++)
		free(w->paths[i]);
	free(w->paths);
	for (size_t i = 0; i < w->nroots; i++)
		free(w->roots[i]);
	free(w->roots);
	ignore_free(w->ig);
	free(w);
}
