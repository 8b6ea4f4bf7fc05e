/* SPDX-License-Identifier: ISC */
/*
 * supervisor/jobs/output_int.h
 * What the output files share and nobody else sees: the terminal's state
 * (output_term.c) and what is kept of the lines (output_keep.c).
 */
#ifndef TEND_OUTPUT_INT_H
#define TEND_OUTPUT_INT_H

#include "output.h"

/* Room for a prefix: time, colours, a padded name, the separator. */
#define OUTPUT_PREFIX_MAX 256

/* output_term.c: the one terminal every job and tend itself write to. */
void term_add(struct output *o);
void term_remove(struct output *o);
size_t term_width(void); /* the longest name among the live outputs */
bool term_timestamps(void);
/* The stream whose line is on the terminal without its newline. */
struct output_stream *term_open(void);
void term_set_open(struct output_stream *s);
/* Someone else writes: end that line with '\n' first. */
void term_break(void);
/* "HH:MM:SS.mmm " (dim when color), into buf; returns its length. */
size_t term_clock(char *buf, size_t size, bool color);
/* "2025-01-31T23:59:59.123+01:00": local time, ms and offset. */
size_t term_iso_time(char *buf, size_t size);

/* output_keep.c */
void keep_tail(struct output *o, const char *buf, size_t len);
/* A whole line: to the "log" probe, the recent ring, the log file. */
void keep_line(struct output *o, bool err, const char *line, size_t len);
void keep_free(struct output *o);

#endif
