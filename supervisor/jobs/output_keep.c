/* SPDX-License-Identifier: ISC */
/*
 * supervisor/jobs/output_keep.c
 * What is kept of a job's output besides the terminal: the last bytes,
 * raw (the tail the worker's status page and error overlay show), the
 * last whole lines (a ring bounded by lines and bytes, for `tend logs`),
 * and the job's "log" file, each line appended with the date and time and
 * without escape sequences, in one write(2).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "output_int.h"

void
keep_tail(struct output *o, const char *buf, size_t len)
{
	if (o->o_tail == NULL && (o->o_tail = malloc(OUTPUT_TAIL_MAX)) == NULL)
		return;
	if (len >= OUTPUT_TAIL_MAX) {
		buf += len - OUTPUT_TAIL_MAX;
		len = OUTPUT_TAIL_MAX;
	}
	for (size_t i = 0; i < len; i++) {
		size_t pos = (o->o_tail_head + o->o_tail_len) % OUTPUT_TAIL_MAX;
		o->o_tail[pos] = buf[i];
		if (o->o_tail_len < OUTPUT_TAIL_MAX)
			o->o_tail_len++;
		else
			o->o_tail_head = (o->o_tail_head + 1) % OUTPUT_TAIL_MAX;
	}
}

void
output_reset_tail(struct output *o)
{
	o->o_tail_head = 0;
	o->o_tail_len = 0;
}

size_t
output_tail(const struct output *o, char *buf, size_t size)
{
	size_t n = o->o_tail_len;

	if (size == 0)
		return 0;
	if (o->o_tail == NULL) {
		buf[0] = '\0';
		return 0;
	}
	if (n > size - 1)
		n = size - 1;
	/* The newest n bytes. */
	size_t start = (o->o_tail_head + o->o_tail_len - n) % OUTPUT_TAIL_MAX;
	for (size_t i = 0; i < n; i++)
		buf[i] = o->o_tail[(start + i) % OUTPUT_TAIL_MAX];
	buf[n] = '\0';
	return n;
}

/* The recent lines: one after the other in a byte ring. */

static const struct output_line *
recent_line(const struct output_recent *r, size_t i)
{
	return &r->r_lines[(r->r_first + i) % OUTPUT_RECENT_LINES];
}

static void
recent_copy(
    const struct output_recent *r, const struct output_line *l, char *dst)
{
	size_t first = r->r_cap - l->l_off;

	if (first >= l->l_len)
		memcpy(dst, r->r_buf + l->l_off, l->l_len);
	else {
		memcpy(dst, r->r_buf + l->l_off, first);
		memcpy(dst + first, r->r_buf, l->l_len - first);
	}
}

static void
recent_drop(struct output_recent *r)
{
	r->r_used -= r->r_lines[r->r_first].l_len;
	r->r_first = (r->r_first + 1) % OUTPUT_RECENT_LINES;
	r->r_n--;
}

/* A bigger ring (need bytes, at most OUTPUT_RECENT_BYTES), lines in order. */
static int
recent_grow(struct output_recent *r, size_t need)
{
	size_t cap = r->r_cap > 0 ? r->r_cap : 1024, off = 0;
	char *buf;

	while (cap < need)
		cap *= 2;
	if (cap > OUTPUT_RECENT_BYTES)
		cap = OUTPUT_RECENT_BYTES;
	if ((buf = malloc(cap)) == NULL)
		return -1;
	for (size_t i = 0; i < r->r_n; i++) {
		struct output_line *l = (struct output_line *)recent_line(r, i);
		recent_copy(r, l, buf + off);
		l->l_off = (uint32_t)off;
		off += l->l_len;
	}
	free(r->r_buf);
	r->r_buf = buf;
	r->r_cap = cap;
	return 0;
}

static void
recent_add(struct output_recent *r, bool err, const char *line, size_t len)
{
	struct output_line *l;
	size_t at;

	if (r->r_lines == NULL &&
	    (r->r_lines = calloc(OUTPUT_RECENT_LINES, sizeof(*l))) == NULL)
		return;
	if (len > OUTPUT_LINE_MAX)
		len = OUTPUT_LINE_MAX;
	while (r->r_n > 0 &&
	    (r->r_n == OUTPUT_RECENT_LINES ||
	        r->r_used + len > OUTPUT_RECENT_BYTES))
		recent_drop(r);
	if (r->r_buf == NULL || r->r_used + len > r->r_cap)
		if (recent_grow(r, r->r_used + len) == -1)
			while (r->r_n > 0 && r->r_used + len > r->r_cap)
				recent_drop(r);
	if (r->r_buf == NULL || r->r_used + len > r->r_cap)
		return;
	at = r->r_n == 0
	    ? 0
	    : (r->r_lines[r->r_first].l_off + r->r_used) % r->r_cap;
	if (len <= r->r_cap - at)
		memcpy(r->r_buf + at, line, len);
	else {
		memcpy(r->r_buf + at, line, r->r_cap - at);
		memcpy(r->r_buf, line + (r->r_cap - at), len - (r->r_cap - at));
	}
	l = &r->r_lines[(r->r_first + r->r_n) % OUTPUT_RECENT_LINES];
	l->l_off = (uint32_t)at;
	l->l_len = (uint32_t)len;
	l->l_err = err;
	r->r_n++;
	r->r_used += len;
}

size_t
output_recent(const struct output *o, size_t n,
    void (*cb)(void *arg, const char *line, size_t len, bool err), void *arg)
{
	const struct output_recent *r = &o->o_recent;
	char tmp[OUTPUT_LINE_MAX];

	if (n > r->r_n)
		n = r->r_n;
	for (size_t i = r->r_n - n; i < r->r_n; i++) {
		const struct output_line *l = recent_line(r, i);
		if (l->l_off + l->l_len <= r->r_cap)
			cb(arg, r->r_buf + l->l_off, l->l_len, l->l_err);
		else {
			recent_copy(r, l, tmp);
			cb(arg, tmp, l->l_len, l->l_err);
		}
	}
	return n;
}

/* The job's "log" file. */

int
output_log_open(struct output *o, const char *path)
{
	int fd;

	output_log_close(o);
	fd = open(
	    path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0666);
	if (fd == -1)
		return -1;
	o->o_log_fd = fd;
	return 0;
}

void
output_log_close(struct output *o)
{
	if (o->o_log_fd >= 0)
		close(o->o_log_fd);
	o->o_log_fd = -1;
}

/* Without escape sequences (CSI such as colours, OSC, two-byte ones). */
static size_t
strip_escapes(char *dst, const char *src, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		if (src[i] != '\033') {
			dst[n++] = src[i];
			continue;
		}
		if (i + 1 >= len)
			break;
		if (src[i + 1] == '[') {
			/* Parameters, then a final byte from '@' to '~'. */
			for (i += 2;
			     i < len && (src[i] < 0x40 || src[i] > 0x7e); i++)
				;
		} else if (src[i + 1] == ']') {
			/* Up to BEL or ESC '\'. */
			for (i += 2; i < len && src[i] != '\a' &&
			     !(src[i] == '\033' && i + 1 < len &&
			         src[i + 1] == '\\');
			     i++)
				;
			if (i < len && src[i] == '\033')
				i++;
		} else
			i++;
	}
	return n;
}

/* "2025-01-31T23:59:59.123+01:00 | line" ("!" for stderr). */
static void
log_line(struct output *o, bool err, const char *line, size_t len)
{
	char buf[64 + OUTPUT_LINE_MAX + 1];
	size_t n = term_iso_time(buf, 48);

	buf[n++] = ' ';
	buf[n++] = err ? '!' : '|';
	buf[n++] = ' ';
	n += strip_escapes(buf + n, line, len);
	buf[n++] = '\n';
	if (log_write_all(o->o_log_fd, buf, n) == -1 && errno != EAGAIN) {
		/* A full disk, say: once, then no more tries this run. */
		log_warn("job \"%s\": its log file", o->o_name);
		output_log_close(o);
	}
}

void
keep_line(struct output *o, bool err, const char *line, size_t len)
{
	if (o->o_line_fn != NULL)
		o->o_line_fn(o->o_line_arg, line, len);
	recent_add(&o->o_recent, err, line, len);
	if (o->o_log_fd >= 0)
		log_line(o, err, line, len);
}

void
keep_free(struct output *o)
{
	struct output_recent *r = &o->o_recent;

	free(o->o_tail);
	o->o_tail = NULL;
	o->o_tail_head = o->o_tail_len = 0;
	free(r->r_buf);
	free(r->r_lines);
	memset(r, 0, sizeof(*r));
	output_log_close(o);
}
