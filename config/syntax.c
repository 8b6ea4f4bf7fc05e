/* SPDX-License-Identifier: ISC */
/*
 * config/syntax.c
 * The JSON grammar (RFC 8259) checked before cJSON parses, so that a
 * syntax error says what was expected where: "missing , or } after
 * \"cmd\"", "trailing comma before ]", "unterminated string". cJSON only
 * gives the offset where it gave up, and accepts what JSON does not
 * (leading zeros, raw control characters in strings, "1."); this is the
 * grammar tend holds tend.json to, the same as an editor's and the
 * schema validators'. Comments are blank by now (comments.c).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cfg_int.h"

/* cJSON's CJSON_NESTING_LIMIT: it refuses a 1001st nested container. */
#define SX_DEPTH 1000
/* Longest excerpt of the text quoted in a message. */
#define SX_SHOW 40

enum sx_state {
	SX_VALUE, /* a value (after ':', after ',' in an array, at the top) */
	SX_ARR_FIRST, /* after '[': a value or ']' */
	SX_OBJ_FIRST, /* after '{': a key or '}' */
	SX_OBJ_KEY, /* after ',' in an object: a key */
	SX_COLON, /* after a key */
	SX_OBJ_NEXT, /* after a member's value: ',' or '}' */
	SX_ARR_NEXT, /* after an item: ',' or ']' */
	SX_END, /* after the document's value: nothing */
};

struct sx_frame {
	char f_open; /* '{' or '[' */
	size_t f_at; /* offset of the bracket */
	const char *f_key; /* object: the last key (raw); NULL before one */
	size_t f_keylen;
	size_t f_items; /* array: items so far */
};

struct sx {
	const char *t;
	size_t len, i, comma; /* comma: offset of the last ',' */
	struct sx_frame *stk;
	size_t depth;
	char *msg;
	size_t size;
};

static bool sx_fail(struct sx *x, size_t at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool
sx_fail(struct sx *x, size_t at, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(x->msg, x->size, fmt, ap);
	va_end(ap);
	x->i = at;
	return false;
}

/* At most max bytes of s[0..n), cut at a UTF-8 character boundary. */
static int
sx_cut(const char *s, size_t n, size_t max)
{
	if (n <= max)
		return (int)n;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return (int)max;
}

/* What is at offset at, for "got ...": a word, a character, a byte. */
static void
sx_token(const struct sx *x, size_t at, char *buf, size_t size)
{
	const char *s = x->t + at;
	unsigned char c;
	size_t n = 0;

	if (at >= x->len) {
		snprintf(buf, size, "the end of the file");
		return;
	}
	c = (unsigned char)*s;
	if (c == '\'') {
		/* A single-quoted string, to its end on this line. */
		for (n = 1; at + n < x->len && s[n] != '\n' && s[n] != '\'';)
			n++;
		if (at + n < x->len && s[n] == '\'')
			n++;
	} else {
		while (at + n < x->len &&
		    (strchr("+-._$", s[n]) != NULL ||
		        (s[n] >= '0' && s[n] <= '9') ||
		        (s[n] >= 'a' && s[n] <= 'z') ||
		        (s[n] >= 'A' && s[n] <= 'Z')))
			n++;
	}
	if (n > 0) {
		snprintf(buf, size, "%.*s%s", sx_cut(s, n, SX_SHOW), s,
		    n > SX_SHOW ? "..." : "");
	} else if (c < 0x20 || c == 0x7f) {
		snprintf(buf, size, "the control character 0x%02x", c);
	} else if (c < 0x80) {
		snprintf(buf, size, "%c", c);
	} else {
		/* One UTF-8 character (the text was checked already). */
		n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
		snprintf(buf, size, "%.*s", (int)n, s);
	}
}

/* 1-based line and column of offset at, for "opened at 3:7". */
static void
sx_linecol(const struct sx *x, size_t at, int *line, int *col)
{
	*line = 1;
	*col = 1;
	for (size_t k = 0; k < at; k++) {
		if (x->t[k] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

/* Where we are, for "after ...": "\"cmd\"", "item 2 of \"watch\"". */
static void
sx_where(const struct sx *x, char *buf, size_t size)
{
	const struct sx_frame *f, *up;

	if (x->depth == 0) {
		snprintf(buf, size, "the document's value");
		return;
	}
	f = &x->stk[x->depth - 1];
	if (f->f_open == '{' && f->f_key == NULL) {
		snprintf(buf, size, "the {");
		return;
	}
	if (f->f_open == '{') {
		snprintf(buf, size, "\"%.*s\"",
		    sx_cut(f->f_key, f->f_keylen, SX_SHOW), f->f_key);
		return;
	}
	up = x->depth >= 2 ? &x->stk[x->depth - 2] : NULL;
	if (up != NULL && up->f_open == '{' && up->f_key != NULL)
		snprintf(buf, size, "item %zu of \"%.*s\"", f->f_items,
		    sx_cut(up->f_key, up->f_keylen, SX_SHOW), up->f_key);
	else
		snprintf(buf, size, "item %zu of the array", f->f_items);
}

/* The container a closing bracket would close, for end-of-input. */
static bool
sx_eof(struct sx *x)
{
	const struct sx_frame *f, *up;
	char what[SX_SHOW + 32];
	int line, col;

	if (x->depth == 0)
		return sx_fail(
		    x, x->len, "unexpected end of input: expected a value");
	f = &x->stk[x->depth - 1];
	up = x->depth >= 2 ? &x->stk[x->depth - 2] : NULL;
	if (up != NULL && up->f_open == '{' && up->f_key != NULL)
		snprintf(what, sizeof(what), "\"%.*s\"",
		    sx_cut(up->f_key, up->f_keylen, SX_SHOW), up->f_key);
	else
		snprintf(what, sizeof(what), "the %s",
		    f->f_open == '{' ? "object" : "array");
	sx_linecol(x, f->f_at, &line, &col);
	return sx_fail(x, x->len,
	    "unexpected end of input: missing %c to close %s (opened at "
	    "%d:%d)",
	    f->f_open == '{' ? '}' : ']', what, line, col);
}

static bool
sx_hex4(const char *s, size_t avail, unsigned *out)
{
	unsigned v = 0;

	if (avail < 4)
		return false;
	for (int k = 0; k < 4; k++) {
		char c = s[k];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return false;
	}
	*out = v;
	return true;
}

/* A string from the '"' at x->i; x->i ends past the closing quote. */
static bool
sx_string(struct sx *x, const char **body, size_t *bodylen)
{
	size_t open = x->i, k = open + 1;
	unsigned u, lo;

	while (k < x->len) {
		unsigned char c = (unsigned char)x->t[k];

		if (c == '"') {
			*body = x->t + open + 1;
			*bodylen = k - open - 1;
			x->i = k + 1;
			return true;
		}
		if (c == '\n' || c == '\r')
			return sx_fail(x, open,
			    "unterminated string (a string ends on the line "
			    "it starts: missing \"?)");
		if (c < 0x20) {
			const char *esc = c == '\t' ? "\\t"
			    : c == '\b'             ? "\\b"
			    : c == '\f'             ? "\\f"
			                            : NULL;
			if (esc != NULL)
				return sx_fail(x, k,
				    "the control character 0x%02x in a string "
				    "(write it as %s)",
				    c, esc);
			return sx_fail(x, k,
			    "the control character 0x%02x in a string (write "
			    "it as \\u%04x)",
			    c, c);
		}
		if (c != '\\') {
			k++;
			continue;
		}
		if (k + 1 >= x->len)
			break;
		c = (unsigned char)x->t[k + 1];
		if (strchr("\"\\/bfnrt", c) != NULL && c != '\0') {
			k += 2;
			continue;
		}
		if (c != 'u') {
			char tok[8];
			sx_token(x, k + 1, tok, sizeof(tok));
			return sx_fail(x, k,
			    "invalid escape \\%s in a string (a backslash "
			    "itself is written \\\\)",
			    tok);
		}
		if (!sx_hex4(x->t + k + 2, x->len - k - 2, &u))
			return sx_fail(x, k,
			    "invalid \\u escape: expected four hex digits");
		k += 6;
		/* JSON allows it; tend's strings end at a NUL (cJSON's too). */
		if (u == 0)
			return sx_fail(x, k - 6,
			    "\\u0000 in a string: tend cannot hold a NUL "
			    "character");
		if (u >= 0xdc00 && u <= 0xdfff)
			return sx_fail(x, k - 6,
			    "invalid \\u escape: \\u%04x is the second half "
			    "of a surrogate pair, without the first",
			    u);
		if (u >= 0xd800 && u <= 0xdbff) {
			if (k + 1 >= x->len || x->t[k] != '\\' ||
			    x->t[k + 1] != 'u' ||
			    !sx_hex4(x->t + k + 2, x->len - k - 2, &lo) ||
			    lo < 0xdc00 || lo > 0xdfff)
				return sx_fail(x, k - 6,
				    "invalid \\u escape: \\u%04x starts a "
				    "surrogate pair that no \\udc00-\\udfff "
				    "ends",
				    u);
			k += 6;
		}
	}
	return sx_fail(x, open, "unterminated string");
}

/* -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)? and no more. */
static bool
sx_number(struct sx *x)
{
	const char *t = x->t;
	size_t start = x->i, k = start, end;
	bool ok = true;
	char tok[SX_SHOW + 8];

#define SX_DIGIT(p) ((p) < x->len && t[p] >= '0' && t[p] <= '9')
	if (k < x->len && t[k] == '-')
		k++;
	if (SX_DIGIT(k) && t[k] == '0') {
		k++;
	} else if (SX_DIGIT(k)) {
		while (SX_DIGIT(k))
			k++;
	} else {
		ok = false;
	}
	if (ok && k < x->len && t[k] == '.') {
		k++;
		ok = SX_DIGIT(k);
		while (SX_DIGIT(k))
			k++;
	}
	if (ok && k < x->len && (t[k] == 'e' || t[k] == 'E')) {
		k++;
		if (k < x->len && (t[k] == '+' || t[k] == '-'))
			k++;
		ok = SX_DIGIT(k);
		while (SX_DIGIT(k))
			k++;
	}
#undef SX_DIGIT
	/* A number runs into the next token only when it is wrong. */
	end = k;
	while (end < x->len &&
	    ((t[end] >= '0' && t[end] <= '9') || t[end] == '.' ||
	        t[end] == '+' || t[end] == '-' ||
	        (t[end] >= 'a' && t[end] <= 'z') ||
	        (t[end] >= 'A' && t[end] <= 'Z')))
		end++;
	if (ok && end == k) {
		x->i = k;
		return true;
	}
	sx_token(x, start, tok, sizeof(tok));
	if (t[start] == '+' || t[start] == '.')
		return sx_fail(x, start,
		    "invalid number %s (a JSON number starts with - or a "
		    "digit)",
		    tok);
	k = start + (t[start] == '-');
	if (k + 1 < x->len && t[k] == '0' &&
	    (t[k + 1] == 'x' || t[k + 1] == 'X'))
		return sx_fail(x, start,
		    "invalid number %s (JSON numbers are decimal)", tok);
	if (k + 1 < x->len && t[k] == '0' && t[k + 1] >= '0' && t[k + 1] <= '9')
		return sx_fail(x, start,
		    "invalid number %s (no leading zeros in JSON)", tok);
	return sx_fail(x, start, "invalid number %s", tok);
}

/*
 * A value starting at x->i that is not a container; what names the place
 * for a missing value: " for \"cmd\"", " or ]", "".
 */
static bool
sx_scalar(struct sx *x, char c, const char *what)
{
	const char *word, *hint;
	char tok[SX_SHOW + 8];
	size_t n = 0;

	if (c == '"') {
		const char *b;
		size_t bl;
		return sx_string(x, &b, &bl);
	}
	if (c == '-' || (c >= '0' && c <= '9') || c == '+' || c == '.')
		return sx_number(x);
	word = x->t + x->i;
	while (x->i + n < x->len &&
	    ((word[n] >= 'a' && word[n] <= 'z') ||
	        (word[n] >= 'A' && word[n] <= 'Z') ||
	        (word[n] >= '0' && word[n] <= '9') || word[n] == '_' ||
	        word[n] == '$'))
		n++;
	if ((n == 4 && memcmp(word, "true", 4) == 0) ||
	    (n == 5 && memcmp(word, "false", 5) == 0) ||
	    (n == 4 && memcmp(word, "null", 4) == 0)) {
		x->i += n;
		return true;
	}
	sx_token(x, x->i, tok, sizeof(tok));
	if (c == '\'')
		hint = " (a string is in double quotes)";
	else if ((n == 4 &&
	             (strncasecmp(word, "true", 4) == 0 ||
	                 strncasecmp(word, "null", 4) == 0)) ||
	    (n == 5 && strncasecmp(word, "false", 5) == 0))
		hint = " (true, false and null are lower case)";
	else if (n > 0 && !(c >= '0' && c <= '9'))
		hint = " (a string is in double quotes)";
	else
		hint = "";
	if (c == '}' || c == ']' || c == ',' || c == ':')
		return sx_fail(
		    x, x->i, "expected a value%s, got %s", what, tok);
	return sx_fail(x, x->i, "expected a value, got %s%s", tok, hint);
}

static bool
sx_push(struct sx *x, char open)
{
	struct sx_frame *f;

	if (x->depth == SX_DEPTH)
		return sx_fail(x, x->i,
		    "nested deeper than %d objects and arrays", SX_DEPTH);
	f = &x->stk[x->depth++];
	memset(f, 0, sizeof(*f));
	f->f_open = open;
	f->f_at = x->i++;
	return true;
}

/* A value ended: what may come next depends on where it was. */
static enum sx_state
sx_after_value(struct sx *x)
{
	if (x->depth == 0)
		return SX_END;
	if (x->stk[x->depth - 1].f_open == '{')
		return SX_OBJ_NEXT;
	x->stk[x->depth - 1].f_items++;
	return SX_ARR_NEXT;
}

/* The value expected at x->i: " for \"cmd\"", " or ]", "". */
static void
sx_value_place(const struct sx *x, enum sx_state st, char *buf, size_t size)
{
	char where[SX_SHOW + 48];

	buf[0] = '\0';
	if (st == SX_ARR_FIRST) {
		snprintf(buf, size, " or ]");
	} else if (x->depth > 0) {
		sx_where(x, where, sizeof(where));
		snprintf(buf, size, " %s %s",
		    x->stk[x->depth - 1].f_open == '{' ? "for" : "after",
		    where);
	}
}

static bool
sx_run(struct sx *x)
{
	enum sx_state st = SX_VALUE;
	char where[SX_SHOW + 64], tok[SX_SHOW + 8];
	struct sx_frame *top;
	int line, col;
	char c;

	for (;;) {
		while (x->i < x->len &&
		    (x->t[x->i] == ' ' || x->t[x->i] == '\t' ||
		        x->t[x->i] == '\n' || x->t[x->i] == '\r'))
			x->i++;
		if (x->i == x->len)
			return st == SX_END || sx_eof(x);
		c = x->t[x->i];
		top = x->depth ? &x->stk[x->depth - 1] : NULL;
		switch (st) {
		case SX_ARR_FIRST:
		case SX_VALUE:
			if (c == ']' && st == SX_ARR_FIRST) {
				x->depth--;
				x->i++;
				st = sx_after_value(x);
			} else if (c == ']' && top != NULL &&
			    top->f_open == '[') {
				return sx_fail(x, x->comma,
				    "trailing comma before ] (JSON allows "
				    "none)");
			} else if (c == '{' || c == '[') {
				if (!sx_push(x, c))
					return false;
				st = c == '{' ? SX_OBJ_FIRST : SX_ARR_FIRST;
			} else {
				sx_value_place(x, st, where, sizeof(where));
				if (!sx_scalar(x, c, where))
					return false;
				st = sx_after_value(x);
			}
			break;
		case SX_OBJ_FIRST:
		case SX_OBJ_KEY:
			if (c == '"') {
				if (!sx_string(x, &top->f_key, &top->f_keylen))
					return false;
				st = SX_COLON;
			} else if (c == '}' && st == SX_OBJ_FIRST) {
				x->depth--;
				x->i++;
				st = sx_after_value(x);
			} else if (c == '}') {
				return sx_fail(x, x->comma,
				    "trailing comma before } (JSON allows "
				    "none)");
			} else {
				sx_token(x, x->i, tok, sizeof(tok));
				return sx_fail(x, x->i,
				    "expected a key in double quotes%s, got %s",
				    st == SX_OBJ_FIRST ? " or }" : "", tok);
			}
			break;
		case SX_COLON:
			if (c != ':') {
				sx_where(x, where, sizeof(where));
				return sx_fail(
				    x, x->i, "missing : after %s", where);
			}
			x->i++;
			st = SX_VALUE;
			break;
		case SX_OBJ_NEXT:
		case SX_ARR_NEXT:
			if (c == ',') {
				x->comma = x->i++;
				st = st == SX_OBJ_NEXT ? SX_OBJ_KEY : SX_VALUE;
				break;
			}
			if (c == (top->f_open == '{' ? '}' : ']')) {
				x->depth--;
				x->i++;
				st = sx_after_value(x);
				break;
			}
			sx_where(x, where, sizeof(where));
			if (c != '}' && c != ']')
				return sx_fail(x, x->i,
				    "missing , or %c after %s",
				    top->f_open == '{' ? '}' : ']', where);
			sx_linecol(x, top->f_at, &line, &col);
			return sx_fail(x, x->i,
			    "expected , or %c after %s, got %c (the %c at "
			    "%d:%d is still open)",
			    top->f_open == '{' ? '}' : ']', where, c,
			    top->f_open, line, col);
		case SX_END:
			sx_token(x, x->i, tok, sizeof(tok));
			return sx_fail(x, x->i,
			    "unexpected trailing characters after the end of "
			    "the document: %s%s",
			    tok,
			    c == '}' || c == ']' ? " (one too many?)" : "");
		}
	}
}

bool
cfg_json_check(const char *text, size_t len, size_t *at, char *msg, size_t size)
{
	struct sx x = {text, len, 0, 0, NULL, 0, msg, size};
	bool ok;

	msg[0] = '\0';
	if ((x.stk = calloc(SX_DEPTH, sizeof(*x.stk))) == NULL) {
		snprintf(msg, size, "out of memory");
		*at = 0;
		return false;
	}
	ok = sx_run(&x);
	free(x.stk);
	*at = x.i;
	return ok;
}
