/* SPDX-License-Identifier: ISC */
/*
 * supervisor/jobs/output.h
 * A job's output on its way to the terminal and to what keeps it: its
 * stdout and stderr cut into lines, each line prefixed with the job's
 * name (padded to the longest name, coloured by the job's place in the
 * config, "|" before a stdout line and "!" before a stderr one) and
 * written whole; a line without a newline shown after 100 ms; the last
 * bytes kept as a tail for the worker, the last lines for `tend logs`,
 * and every line appended to the job's "log" file.
 */
#ifndef TEND_OUTPUT_H
#define TEND_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ev.h>

#define OUTPUT_LINE_MAX 4096
#define OUTPUT_TAIL_MAX 4000 /* fits an ipc BUILD_FINISHED tail */
/* The last lines kept for `tend logs`: this many, in this many bytes. */
#define OUTPUT_RECENT_LINES 200
#define OUTPUT_RECENT_BYTES (64 * 1024)
#define OUTPUT_PARTIAL_DELAY 0.1 /* s: then a line without '\n' shows */
#define OUTPUT_NAME_MAX 64 /* config names have at most 63 bytes */
#define OUTPUT_COLORS 8 /* the palette: distinct, none of them red */

struct output;

/* One of a job's pipes, stdout or stderr, and the line it is writing. */
struct output_stream {
	struct output *s_out;
	bool s_err;
	/*
	 * The line since its start or its last '\r' (a progress bar redraws
	 * it): OUTPUT_LINE_MAX, allocated at the stream's first byte.
	 */
	char *s_line;
	size_t s_len;
	size_t s_shown; /* of s_line, bytes already on the terminal */
	bool s_started; /* part of this line is on the terminal */
	bool s_cr; /* a '\r' ended what is shown: redraw with the prefix */
	bool s_cr_held; /* the last byte was '\r': "\r\n" ends the line */
	ev_timer s_timer; /* shows a waiting partial line */
};

/* A line of the recent ring: where its bytes are, and from which pipe. */
struct output_line {
	uint32_t l_off;
	uint32_t l_len;
	bool l_err;
};

/* The last lines, whole, oldest first (output_keep.c). */
struct output_recent {
	char *r_buf; /* a ring of r_cap bytes, grown up to RECENT_BYTES */
	size_t r_cap;
	size_t r_used;
	struct output_line *r_lines; /* OUTPUT_RECENT_LINES, a ring */
	size_t r_first; /* the oldest line */
	size_t r_n;
};

struct output {
	char o_name[OUTPUT_NAME_MAX];
	size_t o_name_len;
	unsigned o_color; /* palette index, from the job's place */
	bool o_use_color;
	int o_fd; /* where lines go: tend's stdout */
	struct ev_loop *o_loop; /* NULL: partial lines wait for '\n' */
	struct output_stream o_out, o_err;
	/* The last bytes, raw, of both pipes, for the status page. */
	char *o_tail; /* OUTPUT_TAIL_MAX, a ring */
	size_t o_tail_head;
	size_t o_tail_len;
	struct output_recent o_recent;
	int o_log_fd; /* the job's "log" file during a run, or -1 */
	/* Called with each whole line (a "log" probe), both pipes. */
	void (*o_line_fn)(void *arg, const char *line, size_t len);
	void *o_line_arg;
	/* Every live output, for the width of the names (output_term.c). */
	bool o_listed;
	struct output *o_prev, *o_next;
};

/*
 * Decide whether tend colours what it prints: FORCE_COLOR (set, not
 * empty, not "0") forces colour, else NO_COLOR (set, not empty) turns it
 * off, else tty says (whether the output is a terminal).
 */
bool output_color(bool tty);

/*
 * tend's terminal, once, before anything is printed: a time before every
 * line (--timestamps, "output": {"timestamps": true}), and tend's own
 * lines (log.h) routed through it, so that they end a job's partial line
 * first and, coloured, say errors in red.
 */
void output_term_init(bool timestamps);

/* loop: for the partial-line timers; name is copied. */
void output_init(struct output *o, const char *name, struct ev_loop *loop,
    bool color, int fd);
/* The job's place in the config: its colour (wrapping after 8). */
void output_set_color(struct output *o, size_t index);
/* Feed bytes read from the job's stdout (err false) or stderr. */
void output_feed(struct output *o, bool err, const char *buf, size_t len);
/* End of one pipe: a partial last line is written with '\n'. */
void output_end(struct output *o, bool err);
void output_flush(struct output *o); /* both pipes */
void output_reset_tail(struct output *o);
void output_free(struct output *o);
/* Copy the tail, oldest byte first, NUL-terminated, into buf. */
size_t output_tail(const struct output *o, char *buf, size_t size);

/*
 * The newest n lines kept (at most OUTPUT_RECENT_LINES, in at most
 * OUTPUT_RECENT_BYTES), oldest first, each without its '\n' and with
 * err set for a stderr line. Returns how many cb was given.
 */
size_t output_recent(const struct output *o, size_t n,
    void (*cb)(void *arg, const char *line, size_t len, bool err), void *arg);

/*
 * The job's "log" file for this run: opened for appending (0 or -1 with
 * errno), every whole line written to it with the date and time, until
 * output_log_close.
 */
int output_log_open(struct output *o, const char *path);
void output_log_close(struct output *o);

#endif
