/* SPDX-License-Identifier: ISC */
/*
 * worker/http_cond.c
 * Conditional and partial requests as pure functions: the entity tag of a
 * file, If-None-Match list matching, and single byte-range parsing.
 * No I/O and no state, so the unit tests call them directly.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "http_priv.h"

static bool
ows(char ch)
{
	return ch == ' ' || ch == '\t';
}

/* "<mtime seconds hex>-<mtime nsec hex>-<size hex>", quoted: strong. */
void
wrk_http_etag(char *buf, size_t sz, const struct timespec *mtime, uint64_t size)
{
	snprintf(buf, sz, "\"%llx-%lx-%llx\"",
	    (unsigned long long)mtime->tv_sec, (unsigned long)mtime->tv_nsec,
	    (unsigned long long)size);
}

/*
 * If-None-Match uses the weak comparison (RFC 9110 13.1.2): "W/" on either
 * side is ignored. A malformed member never matches, which only costs a
 * full response.
 */
bool
wrk_http_etag_match(const char *list, size_t len, const char *etag)
{
	size_t i = 0, start, elen;

	if (*etag == 'W' && etag[1] == '/')
		etag += 2;
	elen = strlen(etag);
	while (i < len) {
		while (i < len && (ows(list[i]) || list[i] == ','))
			i++;
		if (i == len)
			break;
		if (list[i] == '*')
			return true;
		if (i + 1 < len && list[i] == 'W' && list[i + 1] == '/')
			i += 2;
		if (i < len && list[i] == '"') {
			start = i++;
			while (i < len && list[i] != '"')
				i++;
			if (i < len) {
				i++;
				if (i - start == elen &&
				    memcmp(list + start, etag, elen) == 0)
					return true;
			}
		}
		while (i < len && list[i] != ',')
			i++;
	}
	return false;
}

/* Digits saturate: a huge first position is valid and unsatisfiable. */
static size_t
digits(const char *s, size_t len, size_t i, uint64_t *v)
{
	size_t start = i;
	uint64_t d;

	*v = 0;
	while (i < len && s[i] >= '0' && s[i] <= '9') {
		d = (uint64_t)(s[i] - '0');
		if (*v > (UINT64_MAX - d) / 10)
			*v = UINT64_MAX;
		else
			*v = *v * 10 + d;
		i++;
	}
	return i - start;
}

/*
 * One range of "bytes=a-b", "bytes=a-" or "bytes=-n" against a file of
 * size bytes. RANGE_OK sets *off and *cnt; RANGE_UNSAT asks for 416;
 * RANGE_IGNORE (several ranges, other units, bad syntax) asks for a plain
 * 200, which RFC 9110 14.2 allows for anything we choose not to handle.
 */
enum wrk_range
wrk_http_range_parse(
    const char *s, size_t len, uint64_t size, uint64_t *off, uint64_t *cnt)
{
	uint64_t a, b = 0;
	size_t i = 0, n;
	bool suffix = false, has_b = false;

	if (memchr(s, ',', len) != NULL)
		return RANGE_IGNORE;
	while (i < len && ows(s[i]))
		i++;
	if (len - i < 5 || strncasecmp(s + i, "bytes", 5) != 0)
		return RANGE_IGNORE;
	i += 5;
	while (i < len && ows(s[i]))
		i++;
	if (i == len || s[i++] != '=')
		return RANGE_IGNORE;
	while (i < len && ows(s[i]))
		i++;
	if (i < len && s[i] == '-') {
		suffix = true;
		i++;
	}
	if ((n = digits(s, len, i, &a)) == 0)
		return RANGE_IGNORE;
	i += n;
	if (!suffix) {
		if (i == len || s[i++] != '-')
			return RANGE_IGNORE;
		if ((n = digits(s, len, i, &b)) > 0) {
			has_b = true;
			i += n;
		}
	}
	while (i < len && ows(s[i]))
		i++;
	if (i != len)
		return RANGE_IGNORE;

	if (suffix) {
		if (a == 0 || size == 0)
			return RANGE_UNSAT;
		if (a > size)
			a = size;
		*off = size - a;
		*cnt = a;
		return RANGE_OK;
	}
	if (has_b && b < a)
		return RANGE_IGNORE;
	if (a >= size)
		return RANGE_UNSAT;
	if (!has_b || b > size - 1)
		b = size - 1;
	*off = a;
	*cnt = b - a + 1;
	return RANGE_OK;
}
