/* SPDX-License-Identifier: ISC */
/*
 * supervisor/jobs/output.c
 * A job's lines on the terminal. Each pipe (stdout, stderr) is cut into
 * lines; a line is written with its prefix in one write(2), so that lines
 * of two jobs, or of a job and tend, never mix mid-line. A line longer
 * than OUTPUT_LINE_MAX is written in pieces, each prefixed. A line still
 * without its newline after OUTPUT_PARTIAL_DELAY (a prompt, a progress
 * bar) is shown as it is; the rest continues it without a new prefix
 * unless something else was written in between. After a lone '\r' the
 * redrawn line starts again with "\r" and the prefix.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "output_int.h"

/* Distinct, and none red: red is for errors. */
static const char *const palette[OUTPUT_COLORS] = {
    "36", "33", "32", "35", "94", "96", "93", "95"};

bool
output_color(bool tty)
{
	const char *force = getenv("FORCE_COLOR");
	const char *no = getenv("NO_COLOR");

	if (force != NULL && force[0] != '\0' && strcmp(force, "0") != 0)
		return true;
	/* no-color.org: "when present and not an empty string". */
	if (no != NULL && no[0] != '\0')
		return false;
	return tty;
}

/* "[HH:MM:SS.mmm ]name<pad> | " ("!" for stderr); returns its length. */
static size_t
prefix(const struct output *o, bool err, char *buf, size_t size)
{
	size_t n = 0, width = term_width();
	int pad = width > o->o_name_len ? (int)(width - o->o_name_len) : 0;
	char sep = err ? '!' : '|';
	int m;

	if (term_timestamps())
		n = term_clock(buf, size, o->o_use_color);
	if (o->o_use_color)
		m = snprintf(buf + n, size - n, "\033[%sm%s%*s %c\033[0m ",
		    palette[o->o_color % OUTPUT_COLORS], o->o_name, pad, "",
		    sep);
	else
		m = snprintf(
		    buf + n, size - n, "%s%*s %c ", o->o_name, pad, "", sep);
	if (m < 0)
		return n;
	n += (size_t)m;
	return n < size ? n : size - 1;
}

/*
 * Write what of s's line is not on the terminal yet; newline: and end
 * it. Continues the terminal's open line when it is s's, else starts a
 * fresh one with the prefix (ending another's partial line first).
 */
static void
show(struct output_stream *s, bool newline)
{
	struct output *o = s->s_out;
	char buf[OUTPUT_PREFIX_MAX + 1 + OUTPUT_LINE_MAX + 1];
	size_t n = 0, pending = s->s_len - s->s_shown;

	if (term_open() == s) {
		if (s->s_cr && pending > 0) {
			buf[n++] = '\r';
			n += prefix(o, s->s_err, buf + n, OUTPUT_PREFIX_MAX);
		}
	} else if (pending == 0 && (s->s_started || !newline)) {
		/* Shown already, and ended by whoever wrote since. */
		return;
	} else {
		term_break();
		n = prefix(o, s->s_err, buf, OUTPUT_PREFIX_MAX);
	}
	memcpy(buf + n, s->s_line + s->s_shown, pending);
	n += pending;
	if (newline)
		buf[n++] = '\n';
	if (n > 0)
		log_write_all(o->o_fd, buf, n);
	s->s_shown = s->s_len;
	s->s_cr = false;
	s->s_started = !newline;
	term_set_open(newline ? NULL : s);
}

static void
arm(struct output_stream *s)
{
	struct ev_loop *loop = s->s_out->o_loop;

	if (loop == NULL)
		return;
	if (s->s_len == s->s_shown)
		ev_timer_stop(loop, &s->s_timer);
	else if (!ev_is_active(&s->s_timer)) {
		ev_timer_set(&s->s_timer, OUTPUT_PARTIAL_DELAY, 0.);
		ev_timer_start(loop, &s->s_timer);
	}
}

static void
on_partial(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct output_stream *s = (struct output_stream *)((char *)w -
	    offsetof(struct output_stream, s_timer));

	(void)loop;
	(void)revents;
	if (s->s_len > s->s_shown)
		show(s, false);
}

static void
line_end(struct output_stream *s)
{
	show(s, true);
	keep_line(s->s_out, s->s_err, s->s_line, s->s_len);
	s->s_len = s->s_shown = 0;
	s->s_started = s->s_cr = false;
	arm(s);
}

/* A lone '\r': what was drawn stays, the next text redraws the line. */
static void
carriage_return(struct output_stream *s)
{
	if (s->s_len > s->s_shown)
		show(s, false);
	if (s->s_started)
		s->s_cr = true;
	s->s_len = s->s_shown = 0;
}

static void
stream_init(struct output *o, struct output_stream *s, bool err)
{
	s->s_out = o;
	s->s_err = err;
	ev_init(&s->s_timer, on_partial);
}

void
output_init(struct output *o, const char *name, struct ev_loop *loop,
    bool color, int fd)
{
	memset(o, 0, sizeof(*o));
	snprintf(o->o_name, sizeof(o->o_name), "%s", name);
	o->o_name_len = strlen(o->o_name);
	o->o_use_color = color;
	o->o_fd = fd;
	o->o_loop = loop;
	o->o_log_fd = -1;
	stream_init(o, &o->o_out, false);
	stream_init(o, &o->o_err, true);
	term_add(o);
}

void
output_set_color(struct output *o, size_t index)
{
	o->o_color = (unsigned)(index % OUTPUT_COLORS);
}

void
output_feed(struct output *o, bool err, const char *buf, size_t len)
{
	struct output_stream *s = err ? &o->o_err : &o->o_out;
	const char *end = buf + len;

	if (s->s_line == NULL &&
	    (s->s_line = malloc(OUTPUT_LINE_MAX)) == NULL) {
		/* Better the bytes unprefixed than lost. */
		term_break();
		log_write_all(o->o_fd, buf, len);
		return;
	}
	keep_tail(o, buf, len);
	while (buf < end) {
		const char *p = buf;
		size_t room = OUTPUT_LINE_MAX - s->s_len;

		if (s->s_cr_held) {
			s->s_cr_held = false;
			if (*buf == '\n') {
				line_end(s);
				buf++;
				continue;
			}
			carriage_return(s);
			room = OUTPUT_LINE_MAX;
		}
		while (p < end && (size_t)(p - buf) < room && *p != '\n' &&
		    *p != '\r')
			p++;
		memcpy(s->s_line + s->s_len, buf, (size_t)(p - buf));
		s->s_len += (size_t)(p - buf);
		buf = p;
		if (buf == end)
			break;
		if (*buf == '\n') {
			line_end(s);
			buf++;
		} else if (*buf == '\r') {
			s->s_cr_held = true;
			buf++;
		} else
			line_end(s); /* full: the line is cut */
	}
	arm(s);
}

void
output_end(struct output *o, bool err)
{
	struct output_stream *s = err ? &o->o_err : &o->o_out;

	/* A last '\r' ends the line as '\n' would. */
	s->s_cr_held = false;
	if (s->s_len > 0 || s->s_started)
		line_end(s);
}

void
output_flush(struct output *o)
{
	output_end(o, false);
	output_end(o, true);
}

static void
stream_free(struct output_stream *s)
{
	if (term_open() == s)
		term_break();
	if (s->s_out->o_loop != NULL)
		ev_timer_stop(s->s_out->o_loop, &s->s_timer);
	free(s->s_line);
	s->s_line = NULL;
	s->s_len = s->s_shown = 0;
	s->s_started = s->s_cr = s->s_cr_held = false;
}

void
output_free(struct output *o)
{
	stream_free(&o->o_out);
	stream_free(&o->o_err);
	keep_free(o);
	term_remove(o);
}
