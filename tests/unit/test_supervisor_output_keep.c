/* SPDX-License-Identifier: ISC */
/*
 * tests/unit/test_supervisor_output_keep.c
 * What is kept of a job's output: the tail for the status page, the last
 * lines (at most OUTPUT_RECENT_LINES in OUTPUT_RECENT_BYTES, whichever
 * bound comes first, whole and in order, stderr ones marked), and the
 * job's log file (a full time, no escape sequences, one line a line).
 */
#include <fcntl.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "output.h"

static struct output o;
static int null_fd = -1;

static void
setup(void)
{
	null_fd = open("/dev/null", O_WRONLY);
	cr_assert(null_fd >= 0);
	output_init(&o, "site", NULL, false, null_fd);
}

static void
teardown(void)
{
	output_free(&o);
	close(null_fd);
}

TestSuite(output_keep, .init = setup, .fini = teardown);

Test(output_keep, the_tail_keeps_the_newest_bytes)
{
	char buf[OUTPUT_TAIL_MAX + 1];

	for (int i = 0; i < 2000; i++) {
		char line[32];
		int n = snprintf(line, sizeof(line), "line %d\n", i);
		output_feed(&o, i % 2, line, (size_t)n);
	}
	output_tail(&o, buf, sizeof(buf));
	cr_assert(strstr(buf, "line 1999\n") != NULL);
	cr_assert(strstr(buf, "line 10\n") == NULL);
	cr_assert_eq(strlen(buf), OUTPUT_TAIL_MAX);
	output_reset_tail(&o);
	output_tail(&o, buf, sizeof(buf));
	cr_assert_str_eq(buf, "");
}

/* What output_recent gives, one entry per line. */
struct seen {
	size_t n;
	char *line[OUTPUT_RECENT_LINES + 1];
	bool err[OUTPUT_RECENT_LINES + 1];
	size_t bytes;
};

static void
on_recent(void *arg, const char *line, size_t len, bool err)
{
	struct seen *s = arg;

	cr_assert(s->n < OUTPUT_RECENT_LINES);
	s->line[s->n] = strndup(line, len);
	s->err[s->n] = err;
	s->bytes += len;
	s->n++;
}

static void
seen_free(struct seen *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->line[i]);
	memset(s, 0, sizeof(*s));
}

Test(output_keep, nothing_is_recent_before_the_first_line)
{
	struct seen s = {0};

	output_feed(&o, false, "no newline yet", 14);
	cr_assert_eq(output_recent(&o, 10, on_recent, &s), 0);
	output_flush(&o);
	cr_assert_eq(output_recent(&o, 10, on_recent, &s), 1);
	cr_assert_str_eq(s.line[0], "no newline yet");
	seen_free(&s);
}

Test(output_keep, the_last_200_lines_are_kept_in_order)
{
	struct seen s = {0};
	char want[32];

	for (int i = 0; i < 500; i++) {
		char line[32];
		int n = snprintf(line, sizeof(line), "line %d\n", i);
		output_feed(&o, i % 3 == 0, line, (size_t)n);
	}
	cr_assert_eq(
	    output_recent(&o, 1000, on_recent, &s), OUTPUT_RECENT_LINES);
	for (size_t i = 0; i < s.n; i++) {
		size_t k = 500 - OUTPUT_RECENT_LINES + i;
		snprintf(want, sizeof(want), "line %zu", k);
		cr_assert_str_eq(s.line[i], want);
		cr_assert_eq(s.err[i], k % 3 == 0, "line %zu", k);
	}
	seen_free(&s);
	/* The newest n, oldest first. */
	cr_assert_eq(output_recent(&o, 3, on_recent, &s), 3);
	cr_assert_str_eq(s.line[0], "line 497");
	cr_assert_str_eq(s.line[2], "line 499");
	seen_free(&s);
	cr_assert_eq(output_recent(&o, 0, on_recent, &s), 0);
}

Test(output_keep, long_lines_are_bounded_by_bytes_first)
{
	struct seen s = {0};
	char line[1001];

	for (int i = 0; i < 100; i++) {
		memset(line, 'a' + i % 26, 999);
		line[999] = '\n';
		output_feed(&o, false, line, 1000);
	}
	/* 65 lines of 999 bytes fit in 64 KiB, 66 do not. */
	cr_assert_eq(
	    output_recent(&o, 1000, on_recent, &s), OUTPUT_RECENT_BYTES / 999);
	cr_assert(s.bytes <= OUTPUT_RECENT_BYTES);
	cr_assert_eq(s.line[s.n - 1][0], 'a' + 99 % 26);
	cr_assert_eq(strlen(s.line[0]), 999);
	cr_assert_eq(s.line[0][0], 'a' + (100 - s.n) % 26);
	seen_free(&s);
}

/* Line i: "i;" then a letter, 8 to 3008 bytes in all. */
static size_t
make_line(size_t i, char *buf)
{
	size_t len = 8 + (i * 7919) % 3001;
	int n = snprintf(buf, 32, "%zu;", i);

	memset(buf + n, 'A' + (int)(i % 26), len - (size_t)n);
	buf[len] = '\0';
	return len;
}

Test(output_keep, lines_of_every_size_come_back_whole_across_the_wrap)
{
	struct seen s = {0};
	char line[OUTPUT_LINE_MAX + 1];
	size_t total = 3000;

	/* Sizes that make lines straddle the end of the ring often. */
	for (size_t i = 0; i < total; i++) {
		size_t len = make_line(i, line);
		line[len] = '\n';
		output_feed(&o, false, line, len + 1);
	}
	output_recent(&o, OUTPUT_RECENT_LINES, on_recent, &s);
	cr_assert(s.n > 10 && s.bytes <= OUTPUT_RECENT_BYTES);
	cr_assert(s.bytes + 3008 > OUTPUT_RECENT_BYTES, "%zu", s.bytes);
	for (size_t k = 0; k < s.n; k++) {
		make_line(total - s.n + k, line);
		cr_assert_str_eq(s.line[k], line, "line %zu", total - s.n + k);
	}
	seen_free(&s);
}

Test(output_keep, the_log_file_gets_each_line_with_the_time_and_no_colours)
{
	static const char styled[] =
	    "\033[1;31mred\033[0m and \033]8;;x\007link\n";
	char path[] = "/tmp/tend-log-XXXXXX";
	int fd = mkstemp(path);
	char buf[4096];
	regex_t re;
	ssize_t n;

	cr_assert(fd >= 0);
	cr_assert(write(fd, "before\n", 7) == 7);
	cr_assert_eq(output_log_open(&o, path), 0);
	output_feed(&o, false, styled, sizeof(styled) - 1);
	output_feed(&o, true, "warn", 4);
	output_feed(&o, true, "ing\n", 4);
	output_feed(&o, false, "10%\r100%\n", 9);
	output_log_close(&o);
	output_feed(&o, false, "after the run\n", 14);
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	cr_assert(n > 0);
	buf[n] = '\0';
#define TS \
	"[0-9]{4}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]" \
	"\\.[0-9]{3}[+-][0-9]{2}:[0-9]{2}"
	cr_assert(regcomp(&re,
	              "^before\n" TS " \\| red and link\n" TS " ! warning\n" TS
	              " \\| 100%\n$",
	              REG_EXTENDED) == 0);
	cr_assert(regexec(&re, buf, 0, NULL, 0) == 0, "%s", buf);
	regfree(&re);
	close(fd);
	unlink(path);
}

Test(output_keep, a_log_that_cannot_be_opened_says_why)
{
	cr_assert_eq(output_log_open(&o, "/nonexistent/dir/x.log"), -1);
	output_feed(&o, false, "still shown\n", 12);
	cr_assert_eq(o.o_log_fd, -1);
}
