/* SPDX-License-Identifier: ISC */
/*
 * worker/http_inject.c
 * Live-reload script injection into HTML files (limits.livereload): which
 * responses get it, their entity tag, where the tag goes (before the last
 * </body>, any case, else at the end) and the body itself, read whole
 * with pread and spliced in the output buffer. http_file.c decides the
 * status and headers; the injected length is always the file's plus
 * WRK_LR_TAG_LEN, so HEAD and 304 need not read the file.
 */
#include <sys/types.h>

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "http_priv.h"

/*
 * GET and HEAD of an HTML file that fits in memory. Bigger ones are sent
 * as they are: a page of more than 8 MiB is generated data, not a page
 * anyone edits and reloads.
 */
bool
wrk_inject_wanted(const struct wrk_conn *c, const char *type, uint64_t size)
{
	return c->c_h->h_lim.livereload && strncmp(type, "text/html", 9) == 0 &&
	    size <= WRK_INJECT_MAX;
}

/*
 * "...-lr" inside the quotes: the injected body is another representation
 * of the file, so a cache must not mix it with the raw one (livereload
 * toggled between runs), and If-None-Match compares against this tag.
 */
void
wrk_inject_etag(char *etag, size_t sz)
{
	size_t len = strlen(etag);

	if (len < 2 || etag[len - 1] != '"' || len + 3 >= sz)
		return;
	memcpy(etag + len - 1, "-lr\"", 5);
}

static char
lower(char ch)
{
	return ch >= 'A' && ch <= 'Z' ? (char)(ch + ('a' - 'A')) : ch;
}

/* Offset of the last "</body>" in buf, in any case; len when none. */
size_t
wrk_inject_at(const char *buf, size_t len)
{
	static const char tag[] = "</body>";
	const size_t n = sizeof(tag) - 1;
	size_t i, k;

	if (len < n)
		return len;
	for (i = len - n + 1; i-- > 0;) {
		if (buf[i] != '<')
			continue;
		for (k = 1; k < n && lower(buf[i + k]) == tag[k]; k++)
			;
		if (k == n)
			return i;
	}
	return len;
}

/*
 * The body after the headers: size bytes of fd read straight into the
 * output, the tag spliced in with one memmove. A file that shrank since
 * fstat gives a short body and the connection closes (as for a copied
 * small file); one that grew is cut at size, so Content-Length holds.
 */
void
wrk_inject_body(struct wrk_conn *c, int fd, uint64_t size)
{
	size_t got = 0, at;
	ssize_t n;
	char *p;

	if ((p = wrk_out_reserve(c, (size_t)size + WRK_LR_TAG_LEN)) == NULL)
		return;
	while (got < size) {
		n = pread(fd, p + got, (size_t)size - got, (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	at = wrk_inject_at(p, got);
	memmove(p + at + WRK_LR_TAG_LEN, p + at, got - at);
	memcpy(p + at, WRK_LR_TAG, WRK_LR_TAG_LEN);
	c->c_wlen += got + WRK_LR_TAG_LEN;
	if (got < size)
		c->c_close_after = true;
}
