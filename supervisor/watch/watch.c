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
 */
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/types.h>

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
#include "watch.h"

#define WATCH_MASK \
	(IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MOVED_FROM | \
	    IN_MOVED_TO | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | \
	    IN_ONLYDIR | IN_DONT_FOLLOW | IN_EXCL_UNLINK)
#define MAX_DEPTH 64

struct watch {
	struct ev_loop *loop;
	ev_io io;
	int fd;
	struct ignore *ig;
	struct watch_ops ops;
	char **paths; /* indexed by watch descriptor */
	int npaths;
	unsigned count;
	char **roots; /* what watch_add_tree was given, for rescans */
	size_t nroots;
	bool warned_limit;
	bool quiet; /* watch_quiesce ran */
};

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
	          "ignore big directories in .gitignore or watch.ignore)",
	    dir, buf);
}

/*
 * Watch dir and recurse. When report is set (a directory that appeared
 * after start), every file found is reported as changed.
 */
static int
add_dir(struct watch *w, const char *dir, int depth, bool report)
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
			if (!ignore_match(w->ig, path, true))
				rc = add_dir(w, path, depth + 1, report);
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
		add_dir(w, w->roots[i], 0, false);
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
		add_dir(w, path, 0, true);
	/* A directory created or touched is no change; its files will be. */
	if (is_dir && !(ev->mask & (IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE)))
		return;
	w->ops.changed(w->ops.arg, path, is_dir);
}

void
watch_poll(struct watch *w)
{
	/* Aligned as the inotify(7) example does. */
	char buf[65536]
	    __attribute__((aligned(__alignof__(struct inotify_event))));

	for (;;) {
		ssize_t n = read(w->fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return; /* EAGAIN: all read */
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const void *)p;
			handle(w, ev);
			p += sizeof(*ev) + ev->len;
		}
	}
}

static void
on_readable(struct ev_loop *loop, ev_io *io, int revents)
{
	(void)loop;
	(void)revents;
	watch_poll(io->data);
}

struct watch *
watch_new(struct ev_loop *loop, struct ignore *ig, const struct watch_ops *ops)
{
	struct watch *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->fd < 0) {
		log_warn("inotify_init1");
		free(w);
		return NULL;
	}
	w->loop = loop;
	w->ig = ig;
	w->ops = *ops;
	ev_io_init(&w->io, on_readable, w->fd, EV_READ);
	w->io.data = w;
	ev_io_start(loop, &w->io);
	return w;
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
	char clean[PATH_MAX];
	char **roots;

	glob_clean(dir, clean, sizeof(clean));
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
	return add_dir(w, clean, 0, false);
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
watch_debounce(struct ev_loop *loop, ev_timer *t, ev_tstamp *first, double wait,
    double max_wait)
{
	ev_tstamp now = ev_now(loop);

	if (!ev_is_active(t))
		*first = now;
	else if (now + wait > *first + max_wait)
		wait = *first + max_wait - now;
	if (wait < 0)
		wait = 0;
	ev_timer_stop(loop, t);
	ev_timer_set(t, wait, 0.);
	ev_timer_start(loop, t);
}

unsigned
watch_count(const struct watch *w)
{
	return w->count;
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
	ev_io_stop(w->loop, &w->io);
	close(w->fd);
	for (int i = 0; i < w->npaths; i++)
		free(w->paths[i]);
	free(w->paths);
	for (size_t i = 0; i < w->nroots; i++)
		free(w->roots[i]);
	free(w->roots);
	ignore_free(w->ig);
	free(w);
}
