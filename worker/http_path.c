/* SPDX-License-Identifier: ISC */
/*
 * worker/http_path.c
 * Turn the path of a request target into a relative path under the served
 * root, or refuse it. A pure function over a buffer: no I/O, no state.
 * The kernel (openat2 RESOLVE_BENEATH) is the second line of defence; this
 * one refuses every spelling of ".." before a path ever reaches it.
 */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "http_priv.h"

static int
hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/*
 * A second layer of encoding means a client (or an attacker) hopes that
 * something decodes twice; nothing here does, so refuse it outright.
 */
static bool
double_encoded(const char *s, size_t len)
{
	static const char *const bad[] = {"%2e", "%2f", "%5c", "%25"};
	size_t i, k;

	for (i = 0; i + 3 <= len; i++) {
		if (s[i] != '%')
			continue;
		for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++)
			if (strncasecmp(s + i, bad[k], 3) == 0)
				return true;
	}
	return false;
}

/*
 * in/len is the path component of the request target, still %-encoded.
 * On success out holds the decoded path without its leading '/', with
 * single '/' separators, "" for the root and a trailing '/' kept when the
 * target had one; outsz >= len + 1 always suffices. Returns 0, or 400 for
 * anything refused: no leading '/', a bad or NUL escape, control bytes,
 * backslashes, double encoding, or a "." or ".." segment (never resolved).
 */
int
wrk_http_path_clean(const char *in, size_t len, char *out, size_t outsz)
{
	size_t i, o, seg;
	int hi, lo;
	bool slash;
	char ch;

	if (len == 0 || in[0] != '/' || outsz < len + 1)
		return 400;
	/* Decode once into out, keeping the leading '/' for now. */
	for (i = 0, o = 0; i < len; i++) {
		ch = in[i];
		if (ch == '%') {
			if (i + 2 >= len)
				return 400;
			hi = hexval((unsigned char)in[i + 1]);
			lo = hexval((unsigned char)in[i + 2]);
			if (hi < 0 || lo < 0)
				return 400;
			ch = (char)(hi << 4 | lo);
			i += 2;
		}
		if ((unsigned char)ch < 0x20 || ch == 0x7f || ch == '\\')
			return 400;
		out[o++] = ch;
	}
	out[o] = '\0';
	if (double_encoded(out, o))
		return 400;

	/* Collapse "//", refuse "." and "..", drop the leading '/'. */
	len = o;
	slash = out[len - 1] == '/';
	o = 0;
	for (i = 0; i < len;) {
		while (i < len && out[i] == '/')
			i++;
		if (i == len)
			break;
		seg = i;
		while (i < len && out[i] != '/')
			i++;
		if ((i - seg == 1 && out[seg] == '.') ||
		    (i - seg == 2 && out[seg] == '.' && out[seg + 1] == '.'))
			return 400;
		if (o > 0)
			out[o++] = '/';
		/* o <= seg always holds, so moving left is safe. */
		memmove(out + o, out + seg, i - seg);
		o += i - seg;
	}
	if (o > 0 && slash)
		out[o++] = '/';
	out[o] = '\0';
	return 0;
}
