/* SPDX-License-Identifier: ISC */
/*
 * tests/unit/test_supervisor_output.c
 * Job output reaches the terminal whole: prefixed lines, never split or
 * merged by how the bytes arrived, a partial last line completed, and
 * the tail kept for the status page.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "output.h"

static char *
capture(const char *input, size_t chunk)
{
	static struct output o;
	char path[] = "/tmp/tend-output-XXXXXX";
	int fd = mkstemp(path);
	size_t len = strlen(input);
	char *buf = calloc(1, 65536);

	output_init(&o, "site", false, fd);
	for (size_t i = 0; i < len; i += chunk)
		output_feed(&o, input + i, len - i < chunk ? len - i : chunk);
	output_flush(&o);
	output_free(&o);
	lseek(fd, 0, SEEK_SET);
	cr_assert(read(fd, buf, 65535) >= 0);
	close(fd);
	unlink(path);
	return buf;
}

Test(output, lines_are_prefixed_whatever_the_read_sizes)
{
	const char *in = "one\ntwo\n\nthree";
	const char *want = "site | one\nsite | two\nsite | \nsite | three\n";

	for (size_t chunk = 1; chunk <= strlen(in); chunk++) {
		char *got = capture(in, chunk);
		cr_assert_str_eq(got, want, "chunk %zu", chunk);
		free(got);
	}
}

Test(output, an_overlong_line_is_cut_into_prefixed_pieces)
{
	char *in = malloc(OUTPUT_LINE_MAX + 11);
	memset(in, 'x', OUTPUT_LINE_MAX + 10);
	in[OUTPUT_LINE_MAX + 10] = '\0';
	char *got = capture(in, 1000);
	cr_assert_eq(strncmp(got, "site | xxx", 10), 0);
	cr_assert(strstr(got + 1, "\nsite | xxxxxxxxxx\n") != NULL);
	free(in);
	free(got);
}

Test(output, the_tail_keeps_the_newest_bytes)
{
	static struct output o;
	char buf[OUTPUT_TAIL_MAX + 1];
	int fd = open("/dev/null", O_WRONLY);

	output_init(&o, "site", false, fd);
	for (int i = 0; i < 2000; i++) {
		char line[32];
		int n = snprintf(line, sizeof(line), "line %d\n", i);
		output_feed(&o, line, (size_t)n);
	}
	output_tail(&o, buf, sizeof(buf));
	cr_assert(strstr(buf, "line 1999\n") != NULL);
	cr_assert(strstr(buf, "line 10\n") == NULL);
	cr_assert_eq(strlen(buf), OUTPUT_TAIL_MAX);
	output_reset_tail(&o);
	output_tail(&o, buf, sizeof(buf));
	cr_assert_str_eq(buf, "");
	output_free(&o);
	close(fd);
}
