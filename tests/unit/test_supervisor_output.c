/* SPDX-License-Identifier: ISC */
/*
 * tests/unit/test_supervisor_output.c
 * Job output reaches the terminal whole: prefixed lines, never split or
 * merged by how the bytes arrived, a partial last line completed, a line
 * without its newline shown after 100 ms and continued without a second
 * prefix unless someone wrote in between, a progress bar's '\r' redrawn
 * with the prefix, names aligned, colours by place, stderr marked, the
 * time before each line, and the colour decision (NO_COLOR, FORCE_COLOR).
 */
#include <fcntl.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ev.h>

#include <criterion/criterion.h>

#include "log.h"
#include "output.h"

/* A file standing in for the terminal; read back with got(). */
static int term_fd = -1;
static char term_path[] = "/tmp/tend-output-XXXXXX";

static void
term_setup(void)
{
	term_fd = mkstemp(term_path);
	cr_assert(term_fd >= 0);
}

static void
term_teardown(void)
{
	close(term_fd);
	unlink(term_path);
}

/* Everything written so far, NUL-terminated (static). */
static const char *
got(void)
{
	static char buf[65536];
	ssize_t n = pread(term_fd, buf, sizeof(buf) - 1, 0);

	cr_assert(n >= 0);
	buf[n] = '\0';
	return buf;
}

static void
term_clear(void)
{
	cr_assert(ftruncate(term_fd, 0) == 0);
	cr_assert(lseek(term_fd, 0, SEEK_SET) == 0);
}

static void
feed(struct output *o, const char *s)
{
	output_feed(o, false, s, strlen(s));
}

static void
on_stop(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)w;
	(void)revents;
	ev_break(loop, EVBREAK_ALL);
}

/* Run the loop for s seconds: partial-line timers fire meanwhile. */
static void
run_for(struct ev_loop *loop, double s)
{
	ev_timer t;

	ev_timer_init(&t, on_stop, s, 0.);
	ev_timer_start(loop, &t);
	ev_run(loop, 0);
	ev_timer_stop(loop, &t);
}

TestSuite(output, .init = term_setup, .fini = term_teardown);

static char *
capture(const char *input, size_t chunk)
{
	static struct output o;
	size_t len = strlen(input);

	term_clear();
	output_init(&o, "site", NULL, false, term_fd);
	for (size_t i = 0; i < len; i += chunk)
		output_feed(
		    &o, false, input + i, len - i < chunk ? len - i : chunk);
	output_flush(&o);
	output_free(&o);
	return strdup(got());
}

Test(output, lines_are_prefixed_whatever_the_read_sizes)
{
	const char *in = "one\ntwo\n\nthree";
	const char *want = "site | one\nsite | two\nsite | \nsite | three\n";

	for (size_t chunk = 1; chunk <= strlen(in); chunk++) {
		char *s = capture(in, chunk);
		cr_assert_str_eq(s, want, "chunk %zu", chunk);
		free(s);
	}
}

Test(output, an_overlong_line_is_cut_into_prefixed_pieces)
{
	char *in = malloc(OUTPUT_LINE_MAX + 11);
	memset(in, 'x', OUTPUT_LINE_MAX + 10);
	in[OUTPUT_LINE_MAX + 10] = '\0';
	char *s = capture(in, 1000);
	cr_assert_eq(strncmp(s, "site | xxx", 10), 0);
	cr_assert(strstr(s + 1, "\nsite | xxxxxxxxxx\n") != NULL);
	free(in);
	free(s);
}

Test(output, crlf_ends_a_line_whatever_the_read_sizes)
{
	const char *in = "a\r\nb\r\n\r\nc\r";
	const char *want = "site | a\nsite | b\nsite | \nsite | c\n";

	for (size_t chunk = 1; chunk <= strlen(in); chunk++) {
		char *s = capture(in, chunk);
		cr_assert_str_eq(s, want, "chunk %zu", chunk);
		free(s);
	}
}

Test(output, a_progress_bar_is_redrawn_with_its_prefix)
{
	const char *in = "10%\r20%\r30%\ndone\n";
	const char *want = "site | 10%\rsite | 20%\rsite | 30%\nsite | done\n";

	for (size_t chunk = 1; chunk <= strlen(in); chunk++) {
		char *s = capture(in, chunk);
		cr_assert_str_eq(s, want, "chunk %zu", chunk);
		free(s);
	}
}

Test(output, a_line_without_newline_shows_after_100_ms_and_continues)
{
	struct ev_loop *loop = ev_loop_new(0);
	struct output o;

	output_init(&o, "site", loop, false, term_fd);
	feed(&o, "Password: ");
	cr_assert_str_eq(got(), "", "shown before its time");
	run_for(loop, 0.05);
	cr_assert_str_eq(got(), "");
	run_for(loop, 0.1);
	cr_assert_str_eq(got(), "site | Password: ");
	feed(&o, "ok\nnext");
	cr_assert_str_eq(got(), "site | Password: ok\n");
	run_for(loop, 0.15);
	cr_assert_str_eq(got(), "site | Password: ok\nsite | next");
	/* The end of the job ends the line, nothing repeated. */
	output_flush(&o);
	cr_assert_str_eq(got(), "site | Password: ok\nsite | next\n");
	output_free(&o);
	ev_loop_destroy(loop);
}

Test(output, a_progress_bar_shown_by_the_timer_is_redrawn)
{
	struct ev_loop *loop = ev_loop_new(0);
	struct output o;

	output_init(&o, "site", loop, false, term_fd);
	feed(&o, "50%");
	run_for(loop, 0.15);
	feed(&o, "\r60%");
	run_for(loop, 0.15);
	feed(&o, "\r100%\n");
	cr_assert_str_eq(got(), "site | 50%\rsite | 60%\rsite | 100%\n");
	output_free(&o);
	ev_loop_destroy(loop);
}

Test(output, another_jobs_line_ends_a_partial_one_which_is_prefixed_again)
{
	struct ev_loop *loop = ev_loop_new(0);
	struct output a, b;

	output_init(&a, "a", loop, false, term_fd);
	output_init(&b, "bb", loop, false, term_fd);
	feed(&a, "Password: ");
	run_for(loop, 0.15);
	feed(&b, "hello\n");
	feed(&a, "secret\n");
	cr_assert_str_eq(got(), "a  | Password: \nbb | hello\na  | secret\n");
	output_free(&a);
	output_free(&b);
	ev_loop_destroy(loop);
}

Test(output, a_line_of_tend_ends_a_partial_one_too)
{
	struct ev_loop *loop = ev_loop_new(0);
	struct output o;

	cr_assert(dup2(term_fd, STDOUT_FILENO) == STDOUT_FILENO);
	unsetenv("FORCE_COLOR");
	output_term_init(false);
	output_init(&o, "site", loop, false, STDOUT_FILENO);
	feed(&o, "Password: ");
	run_for(loop, 0.15);
	log_info("a note");
	feed(&o, "secret\n");
	cr_assert_str_eq(
	    got(), "site | Password: \ntend: a note\nsite | secret\n");
	output_free(&o);
	ev_loop_destroy(loop);
}

Test(output, a_stderr_line_is_marked_and_keeps_its_own_line)
{
	struct ev_loop *loop = ev_loop_new(0);
	struct output o;

	output_init(&o, "site", loop, false, term_fd);
	feed(&o, "half ");
	output_feed(&o, true, "oops\n", 5);
	feed(&o, "done\n");
	cr_assert_str_eq(got(), "site ! oops\nsite | half done\n");
	output_free(&o);
	ev_loop_destroy(loop);
}

Test(output, names_are_padded_to_the_longest)
{
	struct output a, b, c;

	output_init(&a, "a", NULL, false, term_fd);
	output_init(&b, "middle", NULL, false, term_fd);
	output_init(&c, "the-longest", NULL, false, term_fd);
	feed(&a, "1\n");
	output_feed(&b, true, "2\n", 2);
	feed(&c, "3\n");
	cr_assert_str_eq(got(),
	    "a           | 1\n"
	    "middle      ! 2\n"
	    "the-longest | 3\n");
	/* Gone, it no longer counts. */
	output_free(&c);
	feed(&a, "4\n");
	cr_assert(strstr(got(), "\na      | 4\n") != NULL, "%s", got());
	output_free(&a);
	output_free(&b);
}

/* The colour code of the line o writes, as "36". */
static void
color_of(struct output *o, size_t index, char *code)
{
	const char *s;

	term_clear();
	output_set_color(o, index);
	feed(o, "x\n");
	s = got();
	cr_assert(strncmp(s, "\033[", 2) == 0, "%s", s);
	cr_assert(sscanf(s + 2, "%7[0-9]m", code) == 1, "%s", s);
}

Test(output, colours_follow_the_place_in_the_config_and_are_never_red)
{
	struct output o;
	char codes[OUTPUT_COLORS + 2][8];

	output_init(&o, "site", NULL, true, term_fd);
	for (size_t i = 0; i < OUTPUT_COLORS + 2; i++) {
		color_of(&o, i, codes[i]);
		cr_assert(
		    strcmp(codes[i], "31") != 0 && strcmp(codes[i], "91") != 0,
		    "red for job %zu", i);
	}
	for (size_t i = 0; i < OUTPUT_COLORS; i++)
		for (size_t k = 0; k < i; k++)
			cr_assert(strcmp(codes[i], codes[k]) != 0,
			    "jobs %zu and %zu share %s", k, i, codes[i]);
	cr_assert_str_eq(codes[OUTPUT_COLORS], codes[0]);
	cr_assert_str_eq(codes[OUTPUT_COLORS + 1], codes[1]);
	/* The whole prefix, and a stderr line's. */
	term_clear();
	output_set_color(&o, 0);
	feed(&o, "out\n");
	output_feed(&o, true, "err\n", 4);
	cr_assert_str_eq(got(),
	    "\033[36msite |\033[0m out\n"
	    "\033[36msite !\033[0m err\n");
	output_free(&o);
}

Test(output, timestamps_start_every_line)
{
	struct output o;
	regex_t re;

	output_term_init(true);
	output_init(&o, "site", NULL, false, term_fd);
	feed(&o, "one\ntwo\n");
	cr_assert(regcomp(&re,
	              "^[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\\.[0-9]{3} site \\| "
	              "one\n"
	              "[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\\.[0-9]{3} site \\| "
	              "two\n$",
	              REG_EXTENDED) == 0);
	cr_assert(regexec(&re, got(), 0, NULL, 0) == 0, "%s", got());
	regfree(&re);
	output_free(&o);
}

Test(output, the_colour_decision_honours_no_color_and_force_color)
{
	unsetenv("NO_COLOR");
	unsetenv("FORCE_COLOR");
	cr_assert(output_color(true));
	cr_assert(!output_color(false));
	setenv("NO_COLOR", "", 1);
	cr_assert(output_color(true), "an empty NO_COLOR is no NO_COLOR");
	setenv("NO_COLOR", "1", 1);
	cr_assert(!output_color(true));
	setenv("FORCE_COLOR", "1", 1);
	cr_assert(output_color(false), "FORCE_COLOR wins");
	setenv("FORCE_COLOR", "0", 1);
	cr_assert(!output_color(true), "FORCE_COLOR=0 forces nothing");
	unsetenv("NO_COLOR");
	cr_assert(!output_color(false));
	cr_assert(output_color(true));
	setenv("FORCE_COLOR", "", 1);
	cr_assert(!output_color(false));
	setenv("FORCE_COLOR", "true", 1);
	cr_assert(output_color(false));
}
