/* SPDX-License-Identifier: ISC */
/*
 * supervisor/jobs/output.c
 * Prefix and line-buffer job output. A line is written with one write(2)
 * so that lines of two jobs, or of a job and tend, never mix mid-line. A
 * line longer than OUTPUT_LINE_MAX is written in pieces, each prefixed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "output.h"

static const char *const colors[] = {"36", "35", "33", "32", "34", "31"};

void
output_init(struct output *o, const char *name, bool color, int fd)
{
	int n;

	memset(o, 0, sizeof(*o));
	if (color) {
		size_t h = 0;
		for (const char *p = name; *p; p++)
			h = h * 31 + (unsigned char)*p;
		n = snprintf(o->o_prefix, sizeof(o->o_prefix),
		    "\033[%sm%s |\033[0m ", colors[h % 6], name);
	} else
		n = snprintf(o->o_prefix, sizeof(o->o_prefix), "%s | ", name);
	if (n < 0 || (size_t)n >= sizeof(o->o_prefix))
		n = (int)strlen(o->o_prefix);
	o->o_prefix_len = (size_t)n;
	o->o_fd = fd;
}

static void
tail_add(struct output *o, const char *buf, size_t len)
{
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

static void
emit(struct output *o, bool newline)
{
	char line[sizeof(o->o_prefix) + OUTPUT_LINE_MAX + 1];
	size_t n = 0;

	if (o->o_line_fn != NULL)
		o->o_line_fn(o->o_line_arg, o->o_line, o->o_len);
	memcpy(line, o->o_prefix, o->o_prefix_len);
	n = o->o_prefix_len;
	memcpy(line + n, o->o_line, o->o_len);
	n += o->o_len;
	if (newline)
		line[n++] = '\n';
	log_write_all(o->o_fd, line, n);
	o->o_len = 0;
}

void
output_feed(struct output *o, const char *buf, size_t len)
{
	if (o->o_line == NULL) {
		o->o_line = malloc(OUTPUT_LINE_MAX);
		o->o_tail = malloc(OUTPUT_TAIL_MAX);
		if (o->o_line == NULL || o->o_tail == NULL) {
			/* Better the bytes unprefixed than lost. */
			log_write_all(o->o_fd, buf, len);
			output_free(o);
			return;
		}
	}
	tail_add(o, buf, len);
	while (len > 0) {
		const char *nl = memchr(buf, '\n', len);
		size_t take = nl ? (size_t)(nl - buf) : len;
		size_t room = OUTPUT_LINE_MAX - o->o_len;

		if (take > room)
			take = room;
		memcpy(o->o_line + o->o_len, buf, take);
		o->o_len += take;
		buf += take;
		len -= take;
		if (len > 0 && *buf == '\n') {
			emit(o, true);
			buf++;
			len--;
		} else if (o->o_len == OUTPUT_LINE_MAX)
			emit(o, true);
	}
}

void
output_flush(struct output *o)
{
	if (o->o_len > 0)
		emit(o, true);
}

void
output_reset_tail(struct output *o)
{
	o->o_tail_head = 0;
	o->o_tail_len = 0;
}

void
output_free(struct output *o)
{
	free(o->o_line);
	free(o->o_tail);
	o->o_line = o->o_tail = NULL;
	o->o_len = o->o_tail_head = o->o_tail_len = 0;
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
