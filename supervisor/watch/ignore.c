/* SPDX-License-Identifier: ISC */
/*
 * supervisor/watch/ignore.c
 * The ignore rules a watcher applies, with gitignore semantics: parsing a
 * rule, reading a .gitignore, and deciding whether a path is ignored. Owns
 * the rule list; the only I/O is reading .gitignore files.
 *
 * A rule is stored ready to match: its base directory (where its
 * .gitignore lives), flags, and either a glob for glob_match() or, for a
 * pattern without glob characters, the unescaped literal compared with
 * strcmp(). Plain patterns avoid glob_match() because it treats a plain
 * pattern as a directory and matches everything below it; here that is
 * the job of the parent-directory rule in ignore_match(), which also
 * keeps negations of files in ignored directories from working, as in git.
 */
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "glob.h"
#include "ignore.h"

/* A .gitignore is text someone wrote; a bigger one is a mistake. */
#define IGNORE_FILE_MAX (1024 * 1024)

enum {
	IR_NEGATE = 1 << 0, /* "!pattern": re-include */
	IR_DIR = 1 << 1, /* "pattern/": directories only */
	IR_ANCHORED = 1 << 2, /* matched against the path below base */
	IR_PLAIN = 1 << 3, /* r_pat is a literal, compared with strcmp */
	IR_FILE = 1 << 4, /* came from base's .gitignore */
};

struct ignore_rule {
	char *r_base; /* cleaned, "" for the top; one block with r_pat */
	size_t r_baselen;
	char *r_pat;
	unsigned r_flags;
};

struct ignore {
	struct ignore_rule *ig_rules;
	size_t ig_n;
	size_t ig_cap;
	unsigned long ig_gen; /* bumped whenever the rules change */
};

struct ignore *
ignore_new(void)
{
	return calloc(1, sizeof(struct ignore));
}

static void
ignore_clear(struct ignore *ig)
{
	for (size_t i = 0; i < ig->ig_n; i++)
		free(ig->ig_rules[i].r_base);
	free(ig->ig_rules);
	ig->ig_rules = NULL;
	ig->ig_n = ig->ig_cap = 0;
}

void
ignore_free(struct ignore *ig)
{
	if (ig == NULL)
		return;
	ignore_clear(ig);
	free(ig);
}

static int
ignore_reserve(struct ignore *ig, size_t n)
{
	struct ignore_rule *r;
	size_t cap;

	if (n <= ig->ig_cap)
		return 0;
	cap = ig->ig_cap == 0 ? 16 : ig->ig_cap;
	while (cap < n)
		cap *= 2;
	if ((r = reallocarray(ig->ig_rules, cap, sizeof(*r))) == NULL)
		return -1;
	ig->ig_rules = r;
	ig->ig_cap = cap;
	return 0;
}

/* Copy [p, p + len) to out, resolving backslash escapes. */
static void
ignore_unescape(const char *p, size_t len, char *out)
{
	const char *e = p + len;

	while (p < e) {
		/* A lone trailing backslash escapes nothing; keep it. */
		if (*p == '\\' && p + 1 < e)
			p++;
		*out++ = *p++;
	}
	*out = '\0';
}

/*
 * Parse line into a rule appended to ig. Returns 0 (added, or nothing to
 * add) or -1 (ENOMEM).
 */
static int
ignore_push(
    struct ignore *ig, const char *base, const char *line, unsigned flags)
{
	struct ignore_rule *r;
	const char *p = line;
	size_t len = strlen(line), baselen, k;
	char *block, *tmp;
	bool globstar_end;

	if (len == 0 || line[0] == '#')
		return 0;
	/* Trailing spaces go unless escaped: an odd run of backslashes. */
	while (len > 0 && p[len - 1] == ' ') {
		for (k = 0; k < len - 1 && p[len - 2 - k] == '\\'; k++)
			;
		if (k % 2 == 1)
			break;
		len--;
	}
	if (len > 0 && p[0] == '!') {
		flags |= IR_NEGATE;
		p++;
		len--;
	}
	while (len > 0 && p[len - 1] == '/') {
		flags |= IR_DIR;
		len--;
	}
	if (len > 0 && p[0] == '/') {
		flags |= IR_ANCHORED;
		while (len > 0 && p[0] == '/') {
			p++;
			len--;
		}
	} else if (memchr(p, '/', len) != NULL)
		flags |= IR_ANCHORED;
	if (len == 0) /* "/", "!" and the like match nothing in git */
		return 0;

	/*
	 * In gitignore "a/" "**" matches everything inside a but not a
	 * itself, while glob_match() lets "**" match zero segments. Asking
	 * for one more segment ("a/" "**" "/" "*") gives git's meaning, so
	 * that "!a/keep" can still re-include a file in a.
	 */
	globstar_end = len >= 3 && memcmp(p + len - 3, "/**", 3) == 0;

	if (base[0] == '.' && base[1] == '\0')
		base = "";
	baselen = strlen(base);
	if ((block = malloc(baselen + 1 + len + 3)) == NULL)
		return -1;
	if (ignore_reserve(ig, ig->ig_n + 1) == -1) {
		free(block);
		return -1;
	}
	r = &ig->ig_rules[ig->ig_n];
	r->r_base = block;
	glob_clean(base, r->r_base, baselen + 1);
	if (strcmp(r->r_base, ".") == 0)
		r->r_base[0] = '\0';
	r->r_baselen = strlen(r->r_base);
	r->r_pat = block + baselen + 1;
	memcpy(r->r_pat, p, len);
	r->r_pat[len] = '\0';
	if (globstar_end)
		memcpy(r->r_pat + len, "/*", 3);
	if (!glob_is_pattern(r->r_pat)) {
		flags |= IR_PLAIN;
		/* In place: unescaping and cleaning only ever shorten. */
		tmp = r->r_pat;
		ignore_unescape(tmp, len, tmp);
		glob_clean(tmp, tmp, len + 1);
	}
	r->r_flags = flags;
	ig->ig_n++;
	ig->ig_gen++;
	return 0;
}

int
ignore_add(struct ignore *ig, const char *base, const char *line)
{
	if (ignore_push(ig, base, line, 0) == -1) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

int
ignore_add_defaults(struct ignore *ig)
{
	/*
	 * VCS metadata changes on every commit and status; editors write
	 * swap files (vim: .swp/.swo/.swx, and "4913" to test that a
	 * directory is writable), backups ("~"), and lock or autosave files
	 * (emacs: ".#x", "#x#"). "#" starts a comment, hence the escape.
	 */
	static const char *const defaults[] = {".git/", ".hg/", ".svn/",
	    "*.swp", "*.swo", "*.swx", "*~", ".#*", "\\#*#", "4913",
	    ".DS_Store"};

	for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
		if (ignore_add(ig, "", defaults[i]) == -1)
			return -1;
	return 0;
}

/* Read all of fd, up to IGNORE_FILE_MAX bytes, NUL-terminated. */
static char *
ignore_slurp(int fd, size_t *lenp)
{
	char *buf = NULL, *nbuf;
	size_t len = 0, cap = 0;
	ssize_t n;

	for (;;) {
		if (len == cap) {
			if (cap > IGNORE_FILE_MAX) {
				errno = EFBIG;
				goto fail;
			}
			cap = cap == 0 ? 4096 : cap * 2;
			/* One byte over the cap tells "too big" from "full". */
			if (cap > IGNORE_FILE_MAX + 1)
				cap = IGNORE_FILE_MAX + 1;
			if ((nbuf = realloc(buf, cap + 1)) == NULL)
				goto fail;
			buf = nbuf;
		}
		n = read(fd, buf + len, cap - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			goto fail;
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > IGNORE_FILE_MAX) {
			errno = EFBIG;
			goto fail;
		}
	}
	buf[len] = '\0';
	*lenp = len;
	return buf;
fail:
	free(buf);
	return NULL;
}

/*
 * Put the rules of fresh in place of the rules that base's .gitignore
 * gave before (at the position of the first of them), or after all rules
 * if there were none. Takes fresh's rules; -1 on ENOMEM, ig unchanged.
 */
static int
ignore_splice(struct ignore *ig, struct ignore *fresh, const char *base)
{
	struct ignore_rule *v;
	size_t at = ig->ig_n, old = 0, n = 0, i;

	for (i = 0; i < ig->ig_n; i++) {
		const struct ignore_rule *r = &ig->ig_rules[i];
		if ((r->r_flags & IR_FILE) && strcmp(r->r_base, base) == 0) {
			if (old++ == 0)
				at = i;
		}
	}
	if (old == 0 && fresh->ig_n == 0)
		return 0;
	if ((v = calloc(ig->ig_n - old + fresh->ig_n + 1, sizeof(*v))) == NULL)
		return -1;
	for (i = 0; i < ig->ig_n; i++) {
		struct ignore_rule *r = &ig->ig_rules[i];
		if (i == at)
			for (size_t k = 0; k < fresh->ig_n; k++)
				v[n++] = fresh->ig_rules[k];
		if ((r->r_flags & IR_FILE) && strcmp(r->r_base, base) == 0)
			free(r->r_base);
		else
			v[n++] = *r;
	}
	if (at == ig->ig_n)
		for (size_t k = 0; k < fresh->ig_n; k++)
			v[n++] = fresh->ig_rules[k];
	free(ig->ig_rules);
	ig->ig_rules = v;
	ig->ig_n = ig->ig_cap = n;
	ig->ig_gen++;
	/* The rules now belong to ig. */
	fresh->ig_n = 0;
	return 0;
}

int
ignore_load_gitignore(struct ignore *ig, const char *dir)
{
	struct ignore fresh = {NULL, 0, 0, 0};
	char base[PATH_MAX], path[PATH_MAX + sizeof("/.gitignore")];
	char *buf = NULL, *line, *nl;
	size_t len = 0, n;
	int fd, saved;

	if (strlen(dir) >= sizeof(base)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	glob_clean(dir, base, sizeof(base));
	if (strcmp(base, ".") == 0) {
		base[0] = '\0';
		memcpy(path, ".gitignore", sizeof(".gitignore"));
	} else {
		n = strlen(base);
		memcpy(path, base, n);
		memcpy(path + n, "/.gitignore", sizeof("/.gitignore"));
	}
	/*
	 * O_NONBLOCK: a FIFO named .gitignore must not hang the watcher; it
	 * reads as empty (no writer) or fails with EAGAIN.
	 */
	do
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	while (fd == -1 && errno == EINTR);
	if (fd == -1)
		return errno == ENOENT ? 0 : -1;
	buf = ignore_slurp(fd, &len);
	saved = errno;
	close(fd);
	if (buf == NULL) {
		errno = saved;
		return -1;
	}

	line = buf;
	/* Git skips a UTF-8 byte order mark, as some editors write one. */
	if (len >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0)
		line += 3;
	while (line < buf + len) {
		if ((nl = memchr(line, '\n', (size_t)(buf + len - line))) ==
		    NULL)
			nl = buf + len;
		*nl = '\0';
		/* A file saved with CRLF endings means the same rules. */
		if (nl > line && nl[-1] == '\r')
			nl[-1] = '\0';
		if (ignore_push(&fresh, base, line, IR_FILE) == -1)
			goto fail;
		line = nl + 1;
	}
	if (ignore_splice(ig, &fresh, base) == -1)
		goto fail;
	free(buf);
	ignore_clear(&fresh);
	return 0;
fail:
	free(buf);
	ignore_clear(&fresh);
	errno = ENOMEM;
	return -1;
}

/* Does rule r match path (NUL-terminated, cleaned)? */
static bool
ignore_rule_match(const struct ignore_rule *r, const char *path, bool is_dir)
{
	const char *rel = path, *name;

	if ((r->r_flags & IR_DIR) && !is_dir)
		return false;
	/* Strictly below base: a .gitignore cannot ignore its own dir. */
	if (r->r_baselen > 0) {
		if (strncmp(path, r->r_base, r->r_baselen) != 0 ||
		    path[r->r_baselen] != '/')
			return false;
		rel = path + r->r_baselen + 1;
	}
	if (!(r->r_flags & IR_ANCHORED)) {
		name = strrchr(rel, '/');
		rel = name == NULL ? rel : name + 1;
	}
	if (r->r_flags & IR_PLAIN)
		return strcmp(r->r_pat, rel) == 0;
	return glob_match(r->r_pat, rel);
}

/* The rules' verdict on path alone, parents not considered. */
static bool
ignore_excluded(const struct ignore *ig, const char *path, bool is_dir)
{
	/* The last matching rule wins, so look from the end. */
	for (size_t i = ig->ig_n; i-- > 0;) {
		const struct ignore_rule *r = &ig->ig_rules[i];
		if (ignore_rule_match(r, path, is_dir))
			return !(r->r_flags & IR_NEGATE);
	}
	return false;
}

unsigned long
ignore_generation(const struct ignore *ig)
{
	return ig == NULL ? 0 : ig->ig_gen;
}

bool
ignore_match(const struct ignore *ig, const char *path, bool is_dir)
{
	char stack[PATH_MAX], *buf = stack;
	size_t len;
	bool hit = false;

	if (ig == NULL || ig->ig_n == 0 || path[0] == '\0' ||
	    strcmp(path, ".") == 0)
		return false;
	len = strlen(path);
	if (len >= sizeof(stack) && (buf = malloc(len + 1)) == NULL) {
		/*
		 * XXX Without memory for a copy the parents cannot be cut
		 * out of path; judging the path alone can only let through
		 * a change in an ignored directory (a spurious rebuild),
		 * never hide one.
		 */
		return ignore_excluded(ig, path, is_dir);
	}
	memcpy(buf, path, len + 1);
	/*
	 * Parents first, top down: once a directory is ignored nothing
	 * below it is looked at, so a later "!dir/file" cannot re-include
	 * a file there (git does not even read an ignored directory).
	 */
	for (size_t k = 1; k < len && !hit; k++) {
		if (buf[k] != '/')
			continue;
		buf[k] = '\0';
		hit = ignore_excluded(ig, buf, true);
		buf[k] = '/';
	}
	if (!hit)
		hit = ignore_excluded(ig, buf, is_dir);
	if (buf != stack)
		free(buf);
	return hit;
}
