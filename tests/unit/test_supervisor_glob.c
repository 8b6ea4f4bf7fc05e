/* SPDX-License-Identifier: ISC */
/*
 * tests/unit/test_supervisor_glob.c
 * The globs a user writes in `watch` and `ignore`: what they match and
 * what they must not (a watched "content" is not "contents"), the
 * directory each one needs watched, and how user paths are normalised.
 */
#include <stdbool.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "glob.h"

/* Pointer-free, so the table survives Criterion's fork and exec (PIE). */
struct glob_case {
	char pat[40];
	char path[48];
	bool want;
};

ParameterizedTestParameters(glob, matches_what_the_table_says)
{
	static struct glob_case cases[] = {
	    /* A plain pattern is a file or a directory and all below. */
	    {"content", "content", true},
	    {"content", "content/a/b.md", true},
	    {"content", "contents/x", false},
	    {"content", "contents", false},
	    {"content/", "content/a", true},
	    {"a/b", "a/b/c", true},
	    {"a/b", "a", false},
	    {"a/b", "a/bc", false},
	    {".git", ".git/config", true},
	    /* '*' stays inside one segment. */
	    {"*.md", "a.md", true},
	    {"*.md", "dir/a.md", false},
	    {"*.md", "a.mdx", false},
	    {"*.md", ".md", true},
	    {"src/*.c", "src/main.c", true},
	    {"src/*.c", "src/sub/main.c", false},
	    {"*", "x", true},
	    {"*", "x/y", false},
	    {"a*b", "ab", true},
	    {"a*b*c", "axxbyyc", true},
	    {"a*b*c", "axxbyy", false},
	    {"a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	        false},
	    {"a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab",
	        true},
	    /* '?' is one character, never '/'. */
	    {"?.c", "a.c", true},
	    {"a?b", "a/b", false},
	    {"a?b", "axb", true},
	    {"??", "abc", false},
	    /* Classes. */
	    {"[abc].c", "b.c", true},
	    {"[abc].c", "d.c", false},
	    {"[a-z]x", "qx", true},
	    {"[!a-z]x", "qx", false},
	    {"[!a-z]x", "Qx", true},
	    {"[^a]", "b", true},
	    {"[]]", "]", true},
	    {"a[/]b", "a/b", false},
	    {"[a", "[a", true},
	    {"x[0-9][0-9]", "x42", true},
	    {"x[0-9][0-9]", "x4a", false},
	    /* "**" as a whole segment: zero or more segments. */
	    {"**", "a", true},
	    {"**", "a/b/c", true},
	    {"**/b", "b", true},
	    {"**/b", "x/y/b", true},
	    {"**/b", "x/yb", false},
	    {"**/b", "b/x", false},
	    {"a/**/b", "a/b", true},
	    {"a/**/b", "a/x/y/b", true},
	    {"a/**/b", "a/x/c", false},
	    {"a/**/b", "x/a/b", false},
	    {"a/**", "a", true},
	    {"a/**", "a/x/y", true},
	    {"a/**", "ab/x", false},
	    {"src/**/*.scss", "src/x.scss", true},
	    {"src/**/*.scss", "src/a/b/x.scss", true},
	    {"src/**/*.scss", "src/a/b/x.css", false},
	    {"**/*.c", "deep/er/x.c", true},
	    {"a/**/b/**/c", "a/x/b/y/z/c", true},
	    {"a/**/b/**/c", "a/x/c/b", false},
	    {"**/**/**/x", "a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/y", false},
	    /* "**" inside a segment is just '*'. */
	    {"a**b", "axxb", true},
	    {"a**b", "ax/xb", false},
	    /* Escapes make glob characters literal. */
	    {"\\*.c", "*.c", true},
	    {"\\*.c", "x.c", false},
	    {"a\\?", "a?", true},
	    {"a\\?", "ab", false},
	    {"\\[x]", "[x]", true},
	    {"\\[x]", "x", false},
	    {"[\\]]", "]", true},
	    {"\\#x", "#x", true},
	    /* Sloppy user spellings read as the clean path. */
	    {"./content//a", "content/a/b", true},
	};

	return cr_make_param_array(
	    struct glob_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct glob_case *c, glob, matches_what_the_table_says)
{
	cr_assert_eq(glob_match(c->pat, c->path), c->want,
	    "glob_match(\"%s\", \"%s\") should be %s", c->pat, c->path,
	    c->want ? "true" : "false");
}

ParameterizedTestParameters(glob, match_inside_says_what_a_directory_held)
{
	static struct glob_case cases[] = {
	    {"src", "src/sub", true},
	    {"src", "src", true},
	    {"src", "srcs/sub", false},
	    {"src/**/*.md", "src/sub", true},
	    {"src/**/*.md", "src/a/b", true},
	    {"src/**/*.md", "other/sub", false},
	    {"src/*.md", "src/sub", false},
	    {"src/*/*.md", "src/sub", true},
	    {"src/a/*.md", "src", true},
	    {"src/a/*.md", "src/b", false},
	    {"*.md", "sub", false},
	    {"**/*.md", "deep/sub", true},
	};

	return cr_make_param_array(
	    struct glob_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(
    struct glob_case *c, glob, match_inside_says_what_a_directory_held)
{
	cr_assert_eq(glob_match_inside(c->pat, c->path), c->want,
	    "glob_match_inside(\"%s\", \"%s\") should be %s", c->pat, c->path,
	    c->want ? "true" : "false");
}

Test(glob, a_long_run_of_stars_fails_in_linear_time, .timeout = 2.)
{
	char path[4097];

	memset(path, 'a', sizeof(path) - 1);
	path[sizeof(path) - 1] = '\0';
	cr_assert_not(glob_match("a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", path));
	for (size_t i = 1; i < sizeof(path) - 1; i += 2)
		path[i] = '/';
	cr_assert_not(glob_match("**/a/**/a/**/a/**/a/**/a/**/b", path));
}

Test(glob, the_empty_pattern_and_dot_mean_the_whole_tree)
{
	cr_assert(glob_match("", "a/b"));
	cr_assert(glob_match(".", "a"));
	cr_assert(glob_match("./", "a"));
}

Test(glob, only_unescaped_star_question_and_bracket_make_a_pattern)
{
	cr_assert(glob_is_pattern("*.md"));
	cr_assert(glob_is_pattern("a?"));
	cr_assert(glob_is_pattern("[ab]"));
	cr_assert(glob_is_pattern("src/**"));
	cr_assert(glob_is_pattern("\\**"));
	cr_assert_not(glob_is_pattern("content"));
	cr_assert_not(glob_is_pattern("a/b.c"));
	cr_assert_not(glob_is_pattern("\\*\\?\\["));
	cr_assert_not(glob_is_pattern("trailing\\"));
	cr_assert_not(glob_is_pattern(""));
}

static void
assert_base(const char *pattern, const char *want)
{
	char out[64];

	cr_assert_eq(glob_base(pattern, out, sizeof(out)), 0,
	    "glob_base(\"%s\") failed", pattern);
	cr_assert_str_eq(out, want, "glob_base(\"%s\")", pattern);
}

Test(glob, base_is_the_leading_segments_without_glob_characters)
{
	assert_base("src/**/*.scss", "src");
	assert_base("content", "content");
	assert_base("content/", "content");
	assert_base("*.md", ".");
	assert_base("**/*.md", ".");
	assert_base("a/b/*.c", "a/b");
	assert_base("a/b/c.md", "a/b/c.md");
	assert_base("./x", "x");
	assert_base("./x//y/", "x/y");
	assert_base("", ".");
	assert_base(".", ".");
	assert_base("a/[bc]/d", "a");
	assert_base("a\\*b/*.c", "a*b");
	assert_base("/abs/dir/*.c", "/abs/dir");
}

Test(glob, base_that_does_not_fit_fails)
{
	char out[4];

	cr_assert_eq(glob_base("abcd/*.c", out, sizeof(out)), -1);
	cr_assert_str_eq(out, "");
	cr_assert_eq(glob_base("abc/*.c", out, sizeof(out)), 0);
	cr_assert_str_eq(out, "abc");
	cr_assert_eq(glob_base("*.c", out, 1), -1);
}

static void
assert_clean(const char *in, const char *want)
{
	char out[64], same[64];

	glob_clean(in, out, sizeof(out));
	cr_assert_str_eq(out, want, "glob_clean(\"%s\")", in);
	/* In place gives the same answer. */
	strcpy(same, in);
	glob_clean(same, same, sizeof(same));
	cr_assert_str_eq(same, want, "glob_clean(\"%s\") in place", in);
}

Test(glob, clean_drops_dot_slash_and_extra_slashes)
{
	assert_clean("./x", "x");
	assert_clean("././x/", "x");
	assert_clean("a//b///c", "a/b/c");
	assert_clean("a/b/", "a/b");
	assert_clean("a/./b", "a/b");
	assert_clean(".", ".");
	assert_clean("./", ".");
	assert_clean("", ".");
	assert_clean("a/../b", "a/../b");
	assert_clean("/", "/");
	assert_clean("//abs//x/", "/abs/x");
	assert_clean(".git/x", ".git/x");
}

Test(glob, clean_truncates_to_fit)
{
	char out[4];

	glob_clean("abcdef", out, sizeof(out));
	cr_assert_str_eq(out, "abc");
	glob_clean("a/bcdef", out, sizeof(out));
	cr_assert_str_eq(out, "a/b");
}
