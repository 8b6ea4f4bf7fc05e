/* SPDX-License-Identifier: ISC */
/*
 * supervisor/watch/snap.c
 * Snapshots of a polled tree (snap.h): building one breadth first, the
 * stamp that stands for a file's metadata, finding an entry, and the
 * difference of two snapshots as the reports inotify would have made.
 * Sorted per directory, two snapshots compare by merging each pair of
 * directories' lists: no hashing of paths, no copy of the tree, and the
 * memory is one array of 24-byte entries plus the names, about 40 bytes
 * a file (poll.c keeps two: the last scan and the one in progress).
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "snap.h"

void
snap_init(struct snap *s)
{
	memset(s, 0, sizeof(*s));
}

void
snap_free(struct snap *s)
{
	free(s->v);
	free(s->names);
	snap_init(s);
}

void
snap_swap(struct snap *a, struct snap *b)
{
	struct snap t = *a;

	*a = *b;
	*b = t;
}

/* splitmix64's finaliser: every input bit moves about half the output. */
static uint64_t
mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	h ^= h >> 31;
	return h;
}

uint64_t
snap_stamp(const struct stat *st)
{
	uint64_t h = 0x6a09e667f3bcc908ULL;

	h = mix(h, (uint64_t)st->st_ino);
	h = mix(h, (uint64_t)st->st_size);
	h = mix(h, (uint64_t)(st->st_mode & S_IFMT));
	h = mix(h, (uint64_t)st->st_mtim.tv_sec);
	h = mix(h, (uint64_t)st->st_mtim.tv_nsec);
	h = mix(h, (uint64_t)st->st_ctim.tv_sec);
	h = mix(h, (uint64_t)st->st_ctim.tv_nsec);
	return h | 1; /* never 0, a directory's */
}

static int
push_name(struct snap *s, const char *name, uint32_t *off)
{
	size_t len = strlen(name) + 1;

	if (s->nlen + len > UINT32_MAX)
		return -1;
	if (s->nlen + len > s->ncap) {
		size_t cap = s->ncap ? s->ncap * 2 : 4096;
		char *p;
		while (cap < s->nlen + len)
			cap *= 2;
		if ((p = realloc(s->names, cap)) == NULL)
			return -1;
		s->names = p;
		s->ncap = cap;
	}
	memcpy(s->names + s->nlen, name, len);
	*off = (uint32_t)s->nlen;
	s->nlen += len;
	return 0;
}

static int
push(
    struct snap *s, uint32_t parent, const char *name, uint64_t stamp, bool dir)
{
	struct snap_ent *e;
	uint32_t off;

	if (s->n == s->cap) {
		uint32_t cap = s->cap ? s->cap * 2 : 256;
		struct snap_ent *v;
		if (s->cap > UINT32_MAX / 4 ||
		    (v = realloc(s->v, cap * sizeof(*v))) == NULL)
			return -1;
		s->v = v;
		s->cap = cap;
	}
	if (push_name(s, name, &off) == -1)
		return -1;
	e = &s->v[s->n++];
	e->stamp = dir ? 0 : stamp;
	e->name = off;
	e->parent = parent;
	e->kids = 0;
	e->nkids = dir ? SNAP_UNREAD : SNAP_FILE;
	s->ndirs += dir;
	return 0;
}

int
snap_root(struct snap *s, const char *path)
{
	s->n = 0;
	s->nlen = 0;
	s->ndirs = 0;
	return push(s, 0, path, 0, true);
}

void
snap_open(struct snap *s, uint32_t dir)
{
	s->v[dir].kids = s->n;
	s->v[dir].nkids = 0;
}

int
snap_add(struct snap *s, uint32_t dir, const char *name, const struct stat *st)
{
	bool is_dir = S_ISDIR(st->st_mode);

	if (push(s, dir, name, is_dir ? 0 : snap_stamp(st), is_dir) == -1)
		return -1;
	s->v[dir].nkids++;
	return 0;
}

void
snap_unread(struct snap *s, uint32_t dir)
{
	s->v[dir].nkids = SNAP_UNREAD;
}

static bool
is_read(const struct snap *s, uint32_t i)
{
	return s->v[i].nkids != SNAP_FILE && s->v[i].nkids != SNAP_UNREAD;
}

uint32_t
snap_find(const struct snap *s, uint32_t dir, const char *name)
{
	uint32_t lo, hi;

	if (dir >= s->n || !is_read(s, dir))
		return UINT32_MAX;
	lo = s->v[dir].kids;
	hi = lo + s->v[dir].nkids;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int c = strcmp(snap_name(s, mid), name);
		if (c == 0)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return UINT32_MAX;
}

/*
 * The first len bytes of buf (a directory, "" for the root ".": the
 * watcher's paths have no "./") joined with name.
 */
static int
join(char *buf, size_t size, size_t len, const char *name)
{
	size_t n = strlen(name);

	if (len > 0)
		buf[len++] = '/';
	if (len + n + 1 > size)
		return -1;
	memcpy(buf + len, name, n + 1);
	return (int)(len + n);
}

int
snap_path(
    const struct snap *s, uint32_t i, char *buf, size_t size, unsigned *depth)
{
	uint32_t chain[PATH_MAX / 2];
	unsigned d = 0;
	int len;

	for (uint32_t k = i; k != 0; k = s->v[k].parent) {
		if (d == sizeof(chain) / sizeof(chain[0]))
			return -1;
		chain[d++] = k;
	}
	if (depth != NULL)
		*depth = d;
	if (strlen(snap_name(s, 0)) + 1 > size)
		return -1;
	strcpy(buf, snap_name(s, 0));
	len = (int)strlen(buf);
	if (d > 0 && strcmp(buf, ".") == 0)
		len = 0; /* "." + "a" is "a" */
	while (d-- > 0)
		if ((len = join(
		         buf, size, (size_t)len, snap_name(s, chain[d]))) < 0)
			return -1;
	return len;
}

struct diff {
	const struct snap *a, *b;
	snap_report_fn fn;
	void *arg;
	char path[PATH_MAX];
	size_t count;
};

static void
report(struct diff *df, bool is_dir)
{
	df->fn(df->arg, df->path, is_dir);
	df->count++;
}

/* Every file under directory i of s (read), as created. */
static void
report_files(struct diff *df, const struct snap *s, uint32_t i, size_t len)
{
	uint32_t end;

	if (!is_read(s, i))
		return;
	end = s->v[i].kids + s->v[i].nkids;
	for (uint32_t k = s->v[i].kids; k < end; k++) {
		int n = join(df->path, sizeof(df->path), len, snap_name(s, k));
		if (n < 0)
			continue;
		if (snap_is_dir(s, k))
			report_files(df, s, k, (size_t)n);
		else
			report(df, false);
		df->path[len] = '\0';
	}
}

/* Only in the old snapshot: a file deleted, or a directory gone. */
static void
gone(struct diff *df, uint32_t k)
{
	report(df, snap_is_dir(df->a, k));
}

/* Only in the new one. */
static void
came(struct diff *df, uint32_t k, size_t len)
{
	if (snap_is_dir(df->b, k))
		report_files(df, df->b, k, len);
	else
		report(df, false);
}

static void
diff_dir(struct diff *df, uint32_t ia, uint32_t ib, size_t len)
{
	const struct snap *a = df->a, *b = df->b;
	uint32_t i, j, ea, eb;

	/* Not read on either side: what is there is unknown. */
	if (!is_read(a, ia) || !is_read(b, ib))
		return;
	i = a->v[ia].kids;
	ea = i + a->v[ia].nkids;
	j = b->v[ib].kids;
	eb = j + b->v[ib].nkids;
	while (i < ea || j < eb) {
		int c = i == ea ? 1
		    : j == eb   ? -1
		                : strcmp(snap_name(a, i), snap_name(b, j));
		const char *name = c <= 0 ? snap_name(a, i) : snap_name(b, j);
		int n = join(df->path, sizeof(df->path), len, name);

		if (n < 0) {
			/* Too long to name: skip it on both sides. */
		} else if (c < 0)
			gone(df, i);
		else if (c > 0)
			came(df, j, (size_t)n);
		else if (snap_is_dir(a, i) && snap_is_dir(b, j))
			diff_dir(df, i, j, (size_t)n);
		else if (snap_is_dir(a, i) != snap_is_dir(b, j)) {
			gone(df, i);
			came(df, j, (size_t)n);
		} else if (a->v[i].stamp != b->v[j].stamp)
			report(df, false);
		df->path[len] = '\0';
		i += c <= 0;
		j += c >= 0;
	}
}

size_t
snap_diff(const struct snap *old, const struct snap *new, snap_report_fn fn,
    void *arg)
{
	struct diff df;
	const struct snap *top = old->n > 0 ? old : new;
	size_t len;

	if (top->n == 0)
		return 0;
	df.a = old;
	df.b = new;
	df.fn = fn;
	df.arg = arg;
	df.count = 0;
	len = strlen(snap_name(top, 0));
	if (len >= sizeof(df.path))
		return 0;
	memcpy(df.path, snap_name(top, 0), len + 1);
	if (new->n == 0) {
		report(&df, true); /* the tree itself went away */
		return df.count;
	}
	if (strcmp(df.path, ".") == 0)
		df.path[len = 0] = '\0'; /* "." + "a" is "a" */
	if (old->n == 0)
		report_files(&df, new, 0, len);
	else
		diff_dir(&df, 0, 0, len);
	return df.count;
}
