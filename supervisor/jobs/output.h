/* SPDX-License-Identifier: ISC */
/*
 * supervisor/jobs/output.h
 * A job's output on its way to the terminal: cut into lines, each line
 * prefixed with the job's name and written whole, and the last bytes kept
 * as a tail for the worker's status page and error overlay.
 */
#ifndef TEND_OUTPUT_H
#define TEND_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>

#define OUTPUT_LINE_MAX 4096
#define OUTPUT_TAIL_MAX 4000 /* fits an ipc BUILD_FINISHED tail */

struct output {
	char o_prefix[96];
	size_t o_prefix_len;
	/*
	 * Allocated at the first byte of output, freed by output_free: a
	 * `tend run` of 1000 silent tasks must not zero 8 MiB up front.
	 */
	char *o_line; /* OUTPUT_LINE_MAX */
	size_t o_len;
	char *o_tail; /* OUTPUT_TAIL_MAX, a ring */
	size_t o_tail_head;
	size_t o_tail_len;
	int o_fd; /* where lines go: tend's stdout */
	/* Called with each whole line before it is written (a "log" probe). */
	void (*o_line_fn)(void *arg, const char *line, size_t len);
	void *o_line_arg;
};

void output_init(struct output *o, const char *name, bool color, int fd);
/* Feed bytes read from the job; complete lines are written. */
void output_feed(struct output *o, const char *buf, size_t len);
/* End of the job's output: a partial last line is written with '\n'. */
void output_flush(struct output *o);
void output_reset_tail(struct output *o);
void output_free(struct output *o);
/* Copy the tail, oldest byte first, NUL-terminated, into buf. */
size_t output_tail(const struct output *o, char *buf, size_t size);

#endif
