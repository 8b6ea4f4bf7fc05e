/* SPDX-License-Identifier: ISC */
/*
 * supervisor/watch/glob.c
 * Path glob matching for `watch` and `ignore` patterns, the base directory
 * of a pattern, and path normalisation. Owns no memory and does no I/O.
 *
 * Matching works on two levels. A path and a pattern are sequences of
 * segments; a "**" segment matches any run of path segments and every
 * other pattern segment matches exactly one. Inside a segment, '*' matches
 * any run of characters and every other token exactly one character. Both
 * levels are the same problem (wildcard matching), solved with the
 * classic two-pointer algorithm: on a mismatch, go back to the last star
 * and let it take one more unit. Backtracking only to the most recent star
 * is enough because every other token has a fixed width, so the work is
 * bounded by O(len(pattern) * len(path)) at each level, with no
 * exponential case such as "a*a*a*a*b".
 */
#include <string.h>

#include "glob.h"

/*
 * The end of the segment starting at p: the next '/' or the NUL. In a
 * pattern an escaped slash does not end a segment; it then has to match a
 * '/' inside a path segment, which never happens, so such a pattern
 * matches nothing. That is deliberate: a slash cannot be a file name byte.
 */
static const char *
glob_seg_end(const char *p, bool esc)
{
	while (*p != '\0' && *p != '/') {
		if (esc && *p == '\\' && p[1] != '\0')
			p++;
		p++;
	}
	return p;
}

/*
 * The next segment at *cur, as [*b, *e), advancing *cur past it. Empty and
 * "." segments are skipped, so "a//b", "./a/b" and "a/b/" all read as
 * "a", "b". False when none is left.
 */
static bool
glob_next(const char **cur, bool esc, const char **b, const char **e)
{
	const char *p = *cur;

	for (;;) {
		while (*p == '/')
			p++;
		if (*p == '\0') {
			*cur = p;
			return false;
		}
		*b = p;
		p = glob_seg_end(p, esc);
		*e = p;
		if (!(*e - *b == 1 && **b == '.'))
			break;
	}
	*cur = p;
	return true;
}

static bool
glob_is_globstar(const char *b, const char *e)
{
	return e - b == 2 && b[0] == '*' && b[1] == '*';
}

/*
 * A bracket expression at p ('[' included) tested against c. Returns the
 * position after its ']', or NULL if it is not terminated within the
 * segment (the '[' is then an ordinary character, as in fnmatch). A ']'
 * right after "[" or "[!" is a member; "\x" is the member x.
 */
static const char *
glob_class(const char *p, const char *pe, unsigned char c, bool *ok)
{
	const char *first;
	bool neg = false, hit = false;
	unsigned char lo, hi;

	p++;
	if (p < pe && (*p == '!' || *p == '^')) {
		neg = true;
		p++;
	}
	first = p;
	while (p < pe && (*p != ']' || p == first)) {
		if (*p == '\\' && p + 1 < pe)
			p++;
		lo = hi = (unsigned char)*p++;
		if (p + 1 < pe && *p == '-' && p[1] != ']') {
			p++;
			if (*p == '\\' && p + 1 < pe)
				p++;
			hi = (unsigned char)*p++;
		}
		if (lo <= c && c <= hi)
			hit = true;
	}
	if (p >= pe)
		return NULL;
	*ok = hit != neg;
	return p + 1;
}

/*
 * The single-character token at p (not '*'): its length, and in *ok
 * whether it matches c.
 */
static size_t
glob_token(const char *p, const char *pe, unsigned char c, bool *ok)
{
	const char *q;

	if (*p == '\\' && p + 1 < pe) {
		*ok = (unsigned char)p[1] == c;
		return 2;
	}
	if (*p == '?') {
		*ok = true;
		return 1;
	}
	if (*p == '[' && (q = glob_class(p, pe, c, ok)) != NULL)
		return (size_t)(q - p);
	*ok = (unsigned char)*p == c;
	return 1;
}

/* One pattern segment [p, pe) against one path segment [s, se). */
static bool
glob_seg(const char *p, const char *pe, const char *s, const char *se)
{
	const char *star_p = NULL, *star_s = NULL;
	size_t n;
	bool ok;

	while (s < se) {
		if (p < pe && *p == '*') {
			while (p < pe && *p == '*')
				p++;
			star_p = p;
			star_s = s;
			continue;
		}
		if (p < pe) {
			n = glob_token(p, pe, (unsigned char)*s, &ok);
			if (ok) {
				p += n;
				s++;
				continue;
			}
		}
		if (star_p == NULL)
			return false;
		/* The last star takes one more character; retry after it. */
		p = star_p;
		s = ++star_s;
	}
	while (p < pe && *p == '*')
		p++;
	return p == pe;
}

/*
 * The segment-level matcher. With prefix, running out of pattern while
 * the path goes on is a match: a plain pattern names a directory and
 * everything in it. With inside, running out of path is a match: the
 * pattern may go on to name something inside it.
 */
static bool
glob_segs(const char *pattern, const char *path, bool prefix, bool inside)
{
	const char *pp = pattern, *sp = path, *pn, *sn;
	const char *star_pp = NULL, *star_sp = NULL;
	const char *pb, *pe, *sb, *se;

	for (;;) {
		sn = sp;
		if (!glob_next(&sn, false, &sb, &se))
			break;
		pn = pp;
		if (glob_next(&pn, true, &pb, &pe)) {
			if (glob_is_globstar(pb, pe)) {
				/* First try "**" as zero segments. */
				pp = star_pp = pn;
				star_sp = sp;
				continue;
			}
			if (glob_seg(pb, pe, sb, se)) {
				pp = pn;
				sp = sn;
				continue;
			}
		} else if (prefix)
			return true;
		if (star_pp == NULL)
			return false;
		/* The last "**" takes one more segment; retry after it. */
		glob_next(&star_sp, false, &sb, &se);
		sp = star_sp;
		pp = star_pp;
	}
	/*
	 * The path is used up. Something inside it may match whatever is
	 * left of the pattern; the path itself only if that is all "**".
	 */
	if (inside)
		return true;
	while (glob_next(&pp, true, &pb, &pe))
		if (!glob_is_globstar(pb, pe))
			return false;
	return true;
}

bool
glob_match(const char *pattern, const char *path)
{
	/*
	 * A pattern ending in a "**" segment needs no prefix rule: "**"
	 * already matches zero segments, so "a/" "**" matches "a".
	 */
	return glob_segs(pattern, path, !glob_is_pattern(pattern), false);
}

bool
glob_match_inside(const char *pattern, const char *dir)
{
	return glob_segs(pattern, dir, !glob_is_pattern(pattern), true);
}

bool
glob_is_pattern(const char *pattern)
{
	for (const char *p = pattern; *p != '\0'; p++) {
		if (*p == '\\') {
			if (p[1] == '\0')
				break;
			p++;
		} else if (*p == '*' || *p == '?' || *p == '[')
			return true;
	}
	return false;
}

/* Does [b, e) hold an unescaped glob character? */
static bool
glob_seg_is_pattern(const char *b, const char *e)
{
	for (; b < e; b++) {
		if (*b == '\\' && b + 1 < e)
			b++;
		else if (*b == '*' || *b == '?' || *b == '[')
			return true;
	}
	return false;
}

int
glob_base(const char *pattern, char *out, size_t size)
{
	const char *cur = pattern, *b, *e;
	size_t o = 0;

	if (size == 0)
		return -1;
	if (pattern[0] == '/') {
		if (size < 2)
			goto fail;
		out[o++] = '/';
	}
	while (glob_next(&cur, true, &b, &e) && !glob_seg_is_pattern(b, e)) {
		if (o > 0 && out[o - 1] != '/') {
			if (o + 1 >= size)
				goto fail;
			out[o++] = '/';
		}
		for (; b < e; b++) {
			if (*b == '\\' && b + 1 < e)
				b++;
			if (o + 1 >= size)
				goto fail;
			out[o++] = *b;
		}
	}
	if (o == 0) {
		if (size < 2)
			goto fail;
		out[o++] = '.';
	}
	out[o] = '\0';
	return 0;
fail:
	out[0] = '\0';
	return -1;
}

void
glob_clean(const char *in, char *out, size_t size)
{
	const char *cur = in, *b, *e;
	size_t o = 0, n;
	bool abs = in[0] == '/';

	if (size == 0)
		return;
	/*
	 * Writing never overtakes reading (every segment and separator
	 * written was read first), so in may be out; segments are copied
	 * with memmove for that reason.
	 */
	if (abs && o + 1 < size)
		out[o++] = '/';
	while (glob_next(&cur, false, &b, &e)) {
		if (o > 0 && out[o - 1] != '/') {
			if (o + 1 >= size)
				break;
			out[o++] = '/';
		}
		n = (size_t)(e - b);
		if (n > size - 1 - o)
			n = size - 1 - o;
		memmove(out + o, b, n);
		o += n;
		if (o + 1 >= size)
			break;
	}
	if (o == 0 && size >= 2)
		out[o++] = '.';
	out[o] = '\0';
}
