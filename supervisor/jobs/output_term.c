/* SPDX-License-Identifier: ISC */
/*
 * supervisor/jobs/output_term.c
 * The one terminal (tend's stdout and stderr) that every job and tend
 * itself write to: which job's line is on it without its newline, the
 * width the names are padded to, the time before each line, and tend's
 * own lines (log.h), routed here so that they end a job's partial line
 * first and, coloured, say errors in red.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "output_int.h"

static struct {
	struct output_stream *open;
	struct output *head; /* every live output */
	size_t width;
	bool timestamps;
} term;

void
term_add(struct output *o)
{
	if (o->o_listed)
		return;
	o->o_prev = NULL;
	o->o_next = term.head;
	if (term.head != NULL)
		term.head->o_prev = o;
	term.head = o;
	o->o_listed = true;
	if (o->o_name_len > term.width)
		term.width = o->o_name_len;
}

void
term_remove(struct output *o)
{
	if (!o->o_listed)
		return;
	if (o->o_prev != NULL)
		o->o_prev->o_next = o->o_next;
	else
		term.head = o->o_next;
	if (o->o_next != NULL)
		o->o_next->o_prev = o->o_prev;
	o->o_prev = o->o_next = NULL;
	o->o_listed = false;
	if (o->o_name_len < term.width)
		return;
	term.width = 0;
	for (const struct output *p = term.head; p != NULL; p = p->o_next)
		if (p->o_name_len > term.width)
			term.width = p->o_name_len;
}

size_t
term_width(void)
{
	return term.width;
}

bool
term_timestamps(void)
{
	return term.timestamps;
}

struct output_stream *
term_open(void)
{
	return term.open;
}

void
term_set_open(struct output_stream *s)
{
	term.open = s;
}

void
term_break(void)
{
	if (term.open == NULL)
		return;
	log_write_all(term.open->s_out->o_fd, "\n", 1);
	term.open = NULL;
}

static void
now(struct timespec *ts, struct tm *tm)
{
	clock_gettime(CLOCK_REALTIME, ts);
	localtime_r(&ts->tv_sec, tm);
}

size_t
term_clock(char *buf, size_t size, bool color)
{
	struct timespec ts;
	struct tm tm;
	int n;

	now(&ts, &tm);
	n = snprintf(buf, size, "%s%02d:%02d:%02d.%03ld%s ",
	    color ? "\033[2m" : "", tm.tm_hour, tm.tm_min, tm.tm_sec,
	    ts.tv_nsec / 1000000, color ? "\033[0m" : "");
	if (n < 0)
		return 0;
	return (size_t)n < size ? (size_t)n : size - 1;
}

size_t
term_iso_time(char *buf, size_t size)
{
	struct timespec ts;
	struct tm tm;
	long off;
	int n;

	now(&ts, &tm);
	off = tm.tm_gmtoff / 60;
	n = snprintf(buf, size,
	    "%04d-%02d-%02dT%02d:%02d:%02d.%03ld%c%02ld:%02ld",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	    tm.tm_sec, ts.tv_nsec / 1000000, off < 0 ? '-' : '+',
	    (off < 0 ? -off : off) / 60, (off < 0 ? -off : off) % 60);
	if (n < 0)
		return 0;
	return (size_t)n < size ? (size_t)n : size - 1;
}

/* log.h's sink: one of tend's own lines, with its '\n'. */
static void
term_say(int fd, bool error, const char *line, size_t len)
{
	char buf[OUTPUT_PREFIX_MAX + 1200];
	bool color = output_color(isatty(fd));
	size_t n = 0;

	term_break();
	if (term.timestamps)
		n = term_clock(buf, sizeof(buf), color);
	if (len > 0 && line[len - 1] == '\n')
		len--;
	if (len > sizeof(buf) - n - 16)
		len = sizeof(buf) - n - 16;
	if (error && color) {
		memcpy(buf + n, "\033[31m", 5);
		n += 5;
	}
	memcpy(buf + n, line, len);
	n += len;
	if (error && color) {
		memcpy(buf + n, "\033[0m", 4);
		n += 4;
	}
	buf[n++] = '\n';
	log_write_all(fd, buf, n);
}

void
output_term_init(bool timestamps)
{
	term.timestamps = timestamps;
	log_set_sink(term_say);
}
