/* SPDX-License-Identifier: ISC */
/*
 * worker/http_file.c
 * Static files: a cleaned path opened under the root (http_open.c),
 * directories (301 to the slash form, index.html), the SPA fallback,
 * and the response: validators (412 for a failed If-Match or
 * If-Unmodified-Since, 304), a single byte range, HEAD, and the
 * body as a copy for small files or by sendfile from the open fd. HTML
 * with live reload on is a whole copy with the script tag (http_inject.c):
 * its own ETag, no ranges.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "http_priv.h"

static int
errno_status(int e)
{
	switch (e) {
	case ENOENT:
	case ENOTDIR:
	case ENAMETOOLONG:
		return 404;
	case EACCES:
	case EPERM:
	case EXDEV:
	case ELOOP:
		return 403;
	case EMFILE:
	case ENFILE:
	case ENOMEM:
		return 503;
	default:
		return 500;
	}
}

/* The SPA fallback applies to routes, not to missing assets. */
static bool
spa_route(const char *rel)
{
	size_t len = strlen(rel), i;

	while (len > 0 && rel[len - 1] == '/')
		len--;
	for (i = len; i > 0 && rel[i - 1] != '/'; i--)
		;
	return memchr(rel + i, '.', len - i) == NULL;
}

static bool
hdr_given(const struct wrk_hval *v)
{
	return v->len > 0 || v->over;
}

static void
trim(const char **s, size_t *len)
{
	while (*len > 0 && (**s == ' ' || **s == '\t'))
		(*s)++, (*len)--;
	while (*len > 0 && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
		(*len)--;
}

/* If-Range holds a strong validator that must equal ours exactly. */
static bool
if_range_holds(const struct wrk_hval *v, const char *etag, const char *lm)
{
	const char *s = v->v;
	size_t len = v->len;

	if (!hdr_given(v))
		return true;
	if (v->over)
		return false;
	trim(&s, &len);
	return (len == strlen(etag) && memcmp(s, etag, len) == 0) ||
	    (len == strlen(lm) && memcmp(s, lm, len) == 0);
}

/* If-Match's strong comparison (RFC 9110 13.1.1): a weak tag never holds. */
static bool
strong_match(const char *list, size_t len, const char *etag)
{
	size_t i = 0, elen = strlen(etag);

	while (i < len) {
		while (i < len &&
		    (list[i] == ' ' || list[i] == '\t' || list[i] == ','))
			i++;
		if (i < len && list[i] == '*')
			return true;
		if (i + elen <= len && memcmp(list + i, etag, elen) == 0 &&
		    (i + elen == len || list[i + elen] == ',' ||
		        list[i + elen] == ' ' || list[i + elen] == '\t'))
			return true;
		while (i < len && list[i] != ',')
			i++;
	}
	return false;
}

/*
 * RFC 9110 13.2.2, steps 1 and 2: If-Match, or else If-Unmodified-Since,
 * that does not hold is a 412 (a client updating what it saw must learn
 * that it changed). An unparsable date is ignored, as the RFC says.
 */
static bool
precondition_failed(const struct wrk_req *r, const char *etag, time_t mtime)
{
	const struct wrk_hval *im = &r->hdr[HDR_IF_MATCH];
	const struct wrk_hval *ius = &r->hdr[HDR_IF_UNMODIFIED_SINCE];
	time_t t;

	if (hdr_given(im))
		return im->over || !strong_match(im->v, im->len, etag);
	if (ius->len == 0 || ius->over ||
	    wrk_http_date_parse(ius->v, ius->len, &t) == -1)
		return false;
	return mtime > t;
}

static bool
not_modified(const struct wrk_req *r, const char *etag, time_t mtime)
{
	const struct wrk_hval *inm = &r->hdr[HDR_IF_NONE_MATCH];
	const struct wrk_hval *ims = &r->hdr[HDR_IF_MODIFIED_SINCE];
	time_t t;

	/* RFC 9110 13.1.3: If-None-Match, when present, decides alone. */
	if (hdr_given(inm))
		return !inm->over &&
		    wrk_http_etag_match(inm->v, inm->len, etag);
	if (ims->len == 0 || ims->over ||
	    wrk_http_date_parse(ims->v, ims->len, &t) == -1)
		return false;
	return mtime <= t;
}

/* Copy a small body into the output so headers and body go in one send. */
static void
copy_small(struct wrk_conn *c, int fd, uint64_t off, uint64_t cnt)
{
	char *p;
	size_t got = 0;
	ssize_t n;

	if ((p = wrk_out_reserve(c, (size_t)cnt)) == NULL)
		return;
	while (got < cnt) {
		n = pread(fd, p + got, (size_t)cnt - got, (off_t)(off + got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	c->c_wlen += got;
	/* The file shrank under us: the client sees a short body and EOF. */
	if (got < cnt)
		c->c_close_after = true;
}

static void
serve(struct wrk_conn *c, int fd, const struct stat *st, const char *name)
{
	const struct wrk_req *r = &c->c_req;
	const struct wrk_hval *range = &r->hdr[HDR_RANGE];
	const char *type = wrk_http_mime(name);
	char etag[64], lm[WRK_DATE_LEN + 1], extra[64];
	uint64_t size = (uint64_t)st->st_size, off = 0, cnt = size;
	enum wrk_range rg = RANGE_IGNORE;
	bool lr = wrk_inject_wanted(c, type, size);

	wrk_http_etag(etag, sizeof(etag), &st->st_mtim, size);
	if (lr)
		wrk_inject_etag(etag, sizeof(etag));
	wrk_http_date_fmt(st->st_mtim.tv_sec, lm);
	if (precondition_failed(r, etag, st->st_mtim.tv_sec)) {
		close(fd);
		wrk_resp_error(c, 412, NULL);
		return;
	}
	if (not_modified(r, etag, st->st_mtim.tv_sec)) {
		close(fd);
		wrk_resp_start(c, 304);
		wrk_resp_hdr(c, "ETag: %s", etag);
		wrk_resp_hdr(c, "Last-Modified: %s", lm);
		WRK_OUT_LIT(c, "Cache-Control: no-cache\r\n");
		wrk_resp_end(c);
		return;
	}
	/*
	 * The bytes of an injected page are not the file's, and a range of
	 * them would be a guess (RFC 9110 14.2 lets a server ignore Range).
	 */
	if (!lr && range->len > 0 && !range->over &&
	    if_range_holds(&r->hdr[HDR_IF_RANGE], etag, lm)) {
		rg = wrk_http_range_parse(
		    range->v, range->len, size, &off, &cnt);
		if (rg == RANGE_UNSAT) {
			close(fd);
			snprintf(extra, sizeof(extra),
			    "Content-Range: bytes */%llu",
			    (unsigned long long)size);
			wrk_resp_error(c, 416, extra);
			return;
		}
	}
	wrk_resp_start(c, rg == RANGE_OK ? 206 : 200);
	wrk_resp_hdr(c, "Content-Type: %s", type);
	wrk_resp_hdr(c, "Content-Length: %llu",
	    (unsigned long long)(cnt + (lr ? WRK_LR_TAG_LEN : 0)));
	wrk_resp_hdr(c, "Last-Modified: %s", lm);
	wrk_resp_hdr(c, "ETag: %s", etag);
	if (lr)
		WRK_OUT_LIT(c, "Accept-Ranges: none\r\n");
	else
		WRK_OUT_LIT(c, "Accept-Ranges: bytes\r\n");
	/* A dev server's files change: revalidate each time (cheap, 304). */
	WRK_OUT_LIT(c, "Cache-Control: no-cache\r\n");
	if (rg == RANGE_OK)
		wrk_resp_hdr(c, "Content-Range: bytes %llu-%llu/%llu",
		    (unsigned long long)off,
		    (unsigned long long)(off + cnt - 1),
		    (unsigned long long)size);
	wrk_resp_end(c);
	if (c->c_head || (cnt == 0 && !lr)) {
		close(fd);
	} else if (lr) {
		wrk_inject_body(c, fd, size);
		close(fd);
	} else if (cnt <= WRK_SMALL_FILE) {
		copy_small(c, fd, off, cnt);
		close(fd);
	} else {
		c->c_ffd = fd;
		c->c_foff = (off_t)off;
		c->c_fleft = cnt;
	}
}

/* Append n bytes of s, percent-encoding all but unreserved and keep. */
static void
out_encoded(struct wrk_conn *c, const char *str, size_t n, const char *keep)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *s = (const unsigned char *)str;
	char *p;

	for (size_t i = 0; i < n; i++) {
		if ((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') ||
		    (s[i] != '\0' && strchr(keep, s[i]) != NULL)) {
			wrk_out_append(c, s + i, 1);
		} else if ((p = wrk_out_reserve(c, 3)) != NULL) {
			p[0] = '%';
			p[1] = hex[s[i] >> 4];
			p[2] = hex[s[i] & 15];
			c->c_wlen += 3;
		}
	}
}

static void
redirect_slash(struct wrk_conn *c, const char *rel)
{
	static const char body[] = "<!doctype html>\n<title>301 Moved "
	                           "Permanently</title>\n";
	const struct wrk_req *r = &c->c_req;

	/* Built from the cleaned path: no "//host" can reach Location. */
	wrk_resp_start(c, 301);
	WRK_OUT_LIT(c, "Location: /");
	out_encoded(c, rel, strlen(rel), "-._~!$&'()*+,;=:@/");
	WRK_OUT_LIT(c, "/");
	/*
	 * The query goes along as the client sent it (its escapes too); the
	 * parser let nothing through that could end the header line, and
	 * whatever is not a query character is escaped anyway.
	 */
	if (r->query != NULL && r->query_len > 0) {
		WRK_OUT_LIT(c, "?");
		out_encoded(c, r->query, r->query_len, "-._~!$&'()*+,;=:@/?%");
	}
	WRK_OUT_LIT(c, "\r\n");
	wrk_resp_body(c, "text/html; charset=utf-8", body, sizeof(body) - 1);
}

/*
 * GET or HEAD of rel, a path from wrk_http_path_clean in a buffer with
 * room for "index.html" after it.
 */
void
wrk_http_file(struct wrk_conn *c, char *rel)
{
	struct wrk_http *h = c->c_h;
	const char *name = rel;
	struct stat st;
	size_t len;
	int fd;

	if ((fd = wrk_open_beneath(h->h_rootfd, rel)) == -1) {
		if ((errno == ENOENT || errno == ENOTDIR) && h->h_lim.spa &&
		    spa_route(rel)) {
			name = "index.html";
			fd = wrk_open_beneath(h->h_rootfd, name);
		}
		if (fd == -1) {
			wrk_resp_error(c, errno_status(errno), NULL);
			return;
		}
	}
	if (fstat(fd, &st) == -1)
		goto fail;
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		len = strlen(rel);
		if (len > 0 && rel[len - 1] != '/') {
			redirect_slash(c, rel);
			return;
		}
		/* Opened from the root again, so its symlinks are judged alike.
		 */
		memcpy(rel + len, "index.html", sizeof("index.html"));
		if ((fd = wrk_open_beneath(h->h_rootfd, rel)) == -1) {
			wrk_resp_error(c, errno_status(errno), NULL);
			return;
		}
		if (fstat(fd, &st) == -1)
			goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		wrk_resp_error(c, 403, NULL);
		return;
	}
	serve(c, fd, &st, name);
	return;
fail:
	close(fd);
	wrk_resp_error(c, 500, NULL);
}
