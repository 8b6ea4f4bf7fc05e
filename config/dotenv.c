/* SPDX-License-Identifier: ISC */
/*
 * config/dotenv.c
 * The .env syntax, as docker compose and the dotenv libraries read it
 * (dotenv.h has the rules). One pass over the text; a value is measured
 * before it is copied, so nothing is allocated for what is not kept.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_int.h"
#include "dotenv.h"

/* Longest part of a bad name quoted back in a message. */
#define DOTENV_SHOW 40

struct dp {
	const char *p, *end;
	unsigned line;
	struct cfg_dotenv_err *err;
};

static int dp_fail(struct dp *d, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
dp_fail(struct dp *d, unsigned line, const char *fmt, ...)
{
	va_list ap;

	d->err->line = line;
	va_start(ap, fmt);
	vsnprintf(d->err->msg, sizeof(d->err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* p ends a line: "\n", "\r\n", a "\r" at the very end, or the end. */
static bool
at_eol(const struct dp *d, const char *p)
{
	return p == d->end || *p == '\n' ||
	    (*p == '\r' && (p + 1 == d->end || p[1] == '\n'));
}

static void
skip_blanks(struct dp *d)
{
	while (d->p < d->end && is_blank(*d->p))
		d->p++;
}

/* To the start of the next line. */
static void
next_line(struct dp *d)
{
	while (d->p < d->end && *d->p != '\n')
		d->p++;
	if (d->p < d->end) {
		d->p++;
		d->line++;
	}
}

/* A double-quoted escape, or 0: the backslash stays as written. */
static char
unescape(char c)
{
	switch (c) {
	case 'n':
		return '\n';
	case 'r':
		return '\r';
	case 't':
		return '\t';
	case '"':
		return '"';
	case '\\':
		return '\\';
	}
	return 0;
}

/* d->p is on the opening quote; a quoted value may span lines. */
static int
quoted(struct dp *d, char **out)
{
	char q = *d->p++, *v, *w;
	const char *s = d->p, *e = s;
	unsigned start = d->line;

	while (e < d->end && *e != q) {
		if (q == '"' && *e == '\\' && e + 1 < d->end)
			e++;
		e++;
	}
	if (e >= d->end)
		return dp_fail(d, start, "unterminated %s-quoted value",
		    q == '"' ? "double" : "single");
	if ((v = malloc((size_t)(e - s) + 1)) == NULL)
		return dp_fail(d, start, "out of memory");
	for (w = v; s < e; s++) {
		if (*s == '\n')
			d->line++;
		if (*s == '\r' && s + 1 < e && s[1] == '\n')
			continue; /* CRLF: the value gets "\n" */
		if (q == '"' && *s == '\\' && unescape(s[1]) != 0) {
			*w++ = unescape(*++s);
			continue;
		}
		*w++ = *s;
	}
	*w = '\0';
	d->p = e + 1;
	skip_blanks(d);
	if (!at_eol(d, d->p) && *d->p != '#') {
		free(v);
		return dp_fail(
		    d, d->line, "unexpected text after the closing quote");
	}
	*out = v;
	return 0;
}

/*
 * To the end of the line, or to a '#' after a blank (a comment: "a#b"
 * keeps its '#'), trailing blanks trimmed.
 */
static int
unquoted(struct dp *d, char **out)
{
	const char *s = d->p, *e = s;

	while (!at_eol(d, e) && !(*e == '#' && is_blank(e[-1])))
		e++;
	d->p = e;
	while (e > s && is_blank(e[-1]))
		e--;
	if ((*out = strndup(s, (size_t)(e - s))) == NULL)
		return dp_fail(d, d->line, "out of memory");
	return 0;
}

static int
push(struct dp *d, struct cfg_dotenv *out, char *name, char *value,
    unsigned line)
{
	struct cfg_dotenv_var *nv;

	/* Grows at powers of two. */
	if ((out->n & (out->n - 1)) == 0) {
		nv = realloc(out->v, (out->n ? out->n * 2 : 1) * sizeof(*nv));
		if (nv == NULL) {
			free(name);
			free(value);
			return dp_fail(d, line, "out of memory");
		}
		out->v = nv;
	}
	out->v[out->n].name = name;
	out->v[out->n].value = value;
	out->v[out->n].line = line;
	out->n++;
	return 0;
}

static int
bad_name(struct dp *d, unsigned line, const char *k, size_t len)
{
	char shown[DOTENV_SHOW + 4];
	size_t i, n = len > DOTENV_SHOW ? DOTENV_SHOW : len;

	/* The terminal gets no control bytes from the file. */
	for (i = 0; i < n; i++)
		shown[i] =
		    (unsigned char)k[i] < 0x20 || k[i] == 0x7f ? '?' : k[i];
	strcpy(shown + n, n < len ? "..." : "");
	return dp_fail(d, line,
	    "invalid variable name \"%s\": expected letters, digits and "
	    "'_', not starting with a digit",
	    shown);
}

/* One "[export] KEY=VALUE [# comment]", starting at its first non-blank. */
static int
assignment(struct dp *d, struct cfg_dotenv *out)
{
	unsigned line = d->line;
	const char *k, *ke;
	char *name, *value;
	int rc;

	if (d->end - d->p > 6 && memcmp(d->p, "export", 6) == 0 &&
	    is_blank(d->p[6])) {
		d->p += 6;
		skip_blanks(d);
	}
	k = d->p;
	while (!at_eol(d, d->p) && *d->p != '=' && !is_blank(*d->p))
		d->p++;
	ke = d->p;
	skip_blanks(d);
	if (ke == k || at_eol(d, d->p) || *d->p != '=')
		return dp_fail(d, line, "expected KEY=VALUE");
	if (!cfg_env_name_ok(k, (size_t)(ke - k)))
		return bad_name(d, line, k, (size_t)(ke - k));
	d->p++;
	skip_blanks(d);
	if (d->p < d->end && (*d->p == '"' || *d->p == '\''))
		rc = quoted(d, &value);
	else
		rc = unquoted(d, &value);
	if (rc < 0)
		return -1;
	if ((name = strndup(k, (size_t)(ke - k))) == NULL) {
		free(value);
		return dp_fail(d, line, "out of memory");
	}
	if (push(d, out, name, value, line) < 0)
		return -1;
	next_line(d);
	return 0;
}

int
cfg_dotenv_parse(const char *text, size_t len, struct cfg_dotenv *out,
    struct cfg_dotenv_err *err)
{
	struct dp d = {text, text + len, 1, err};
	const char *nul;

	memset(out, 0, sizeof(*out));
	memset(err, 0, sizeof(*err));
	/* No environment string can hold one. */
	if (len > 0 && (nul = memchr(text, '\0', len)) != NULL) {
		for (const char *p = text; p < nul; p++)
			d.line += *p == '\n';
		return dp_fail(&d, d.line, "a NUL byte: not a text file");
	}
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		d.p += 3; /* a UTF-8 byte order mark, as editors on Windows */
	while (d.p < d.end) {
		skip_blanks(&d);
		if (at_eol(&d, d.p) || *d.p == '#') {
			next_line(&d);
			continue;
		}
		if (assignment(&d, out) < 0) {
			cfg_dotenv_free(out);
			return -1;
		}
	}
	return 0;
}

void
cfg_dotenv_free(struct cfg_dotenv *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].name);
		free(d->v[i].value);
	}
	free(d->v);
	d->v = NULL;
	d->n = 0;
}
