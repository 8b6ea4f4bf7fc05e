/* SPDX-License-Identifier: ISC */
/*
 * tests/unit/test_supervisor_ignore.c
 * Which changes a watcher skips: tend's defaults, and .gitignore files
 * read from a real directory (top level and nested) with git's meaning:
 * last rule wins, directory-only rules, anchoring, and no re-including a
 * file whose directory is ignored.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "ignore.h"
#include "support.h"

static struct ignore *ig;
static char dir[64];

/* Each test runs in its own process, so chdir into a private tree. */
static void
setup(void)
{
	tmp_make(dir, sizeof(dir));
	cr_assert_eq(chdir(dir), 0);
	cr_assert_not_null(ig = ignore_new());
}

static void
teardown(void)
{
	ignore_free(ig);
	if (chdir("/") == 0)
		tmp_remove(dir);
}

TestSuite(ignore, .init = setup, .fini = teardown, .timeout = 10.);

static void
assert_ignored(const char *path, bool is_dir)
{
	cr_assert(ignore_match(ig, path, is_dir), "%s %s should be ignored",
	    is_dir ? "directory" : "file", path);
}

static void
assert_kept(const char *path, bool is_dir)
{
	cr_assert_not(ignore_match(ig, path, is_dir),
	    "%s %s should not be ignored", is_dir ? "directory" : "file", path);
}

static void
mkdirs(const char *path)
{
	cr_assert(mkdir(path, 0755) == 0 || errno == EEXIST, "mkdir %s", path);
}

/* The project's top-level .gitignore used by several tests. */
static void
load_top(void)
{
	tmp_write(dir, ".gitignore",
	    "# build output\n"
	    "\n"
	    "node_modules/\n"
	    "*.log\n"
	    "!keep.log\n"
	    "/build\n"
	    "!build/keep.txt\n"
	    "docs/**/*.tmp\n"
	    "sub/\n"
	    "\\#file\n"
	    "\\!bang\n"
	    "trailing   \n"
	    "space\\ \n");
	cr_assert_eq(ignore_load_gitignore(ig, "."), 0);
}

Test(ignore, nothing_is_ignored_without_rules)
{
	assert_kept("src/main.c", false);
	assert_kept(".git/config", false);
}

Test(ignore, defaults_skip_vcs_dirs_and_editor_files)
{
	cr_assert_eq(ignore_add_defaults(ig), 0);
	assert_ignored(".git/config", false);
	assert_ignored(".git", true);
	assert_ignored("a/.git/HEAD", false);
	assert_ignored(".hg/store/x", false);
	assert_ignored("lib/.svn/entries", false);
	assert_ignored("x.swp", false);
	assert_ignored("a/b/.x.swo", false);
	assert_ignored("x.swx", false);
	assert_ignored("notes.md~", false);
	assert_ignored("dir/.#foo", false);
	assert_ignored("#draft.md#", false);
	assert_ignored("4913", false);
	assert_ignored("content/4913", false);
	assert_ignored(".DS_Store", false);
	assert_kept("src/main.c", false);
	assert_kept(".gitignore", false);
	assert_kept("x.swpx", false);
	assert_kept("49130", false);
	assert_kept("src", true);
}

Test(ignore, a_vcs_name_that_is_a_file_is_not_a_vcs_dir)
{
	/* A submodule's or worktree's ".git" is a file naming the real one. */
	cr_assert_eq(ignore_add_defaults(ig), 0);
	assert_kept(".git", false);
}

Test(ignore, the_top_and_dot_are_never_ignored)
{
	cr_assert_eq(ignore_add(ig, "", "*"), 0);
	assert_kept(".", true);
	assert_kept("", true);
	assert_ignored("x", false);
}

Test(ignore, a_directory_only_rule_skips_the_tree_at_any_depth)
{
	load_top();
	assert_ignored("node_modules", true);
	assert_ignored("node_modules/left-pad/index.js", false);
	assert_ignored("web/node_modules/x/y.js", false);
	assert_kept("node_modules", false);
	assert_kept("web/node_modules", false);
}

Test(ignore, a_directory_only_rule_leaves_a_file_of_the_same_name)
{
	load_top();
	assert_ignored("sub", true);
	assert_ignored("a/sub", true);
	assert_ignored("a/sub/x.c", false);
	assert_kept("sub", false);
	assert_kept("a/sub", false);
	assert_kept("subway/x", false);
}

Test(ignore, a_name_pattern_matches_at_any_depth_and_negation_reincludes)
{
	load_top();
	assert_ignored("a.log", false);
	assert_ignored("x/y/b.log", false);
	assert_kept("keep.log", false);
	assert_kept("x/keep.log", false);
	assert_kept("a.logx", false);
}

Test(ignore, a_leading_slash_anchors_to_the_gitignore_directory)
{
	load_top();
	assert_ignored("build", true);
	assert_ignored("build", false);
	assert_ignored("build/out.o", false);
	assert_kept("src/build", true);
	assert_kept("src/build/out.o", false);
	assert_kept("builder", true);
}

Test(ignore, a_negated_file_inside_an_ignored_dir_stays_ignored)
{
	load_top();
	/* "!build/keep.txt" follows "/build", yet git never looks in build. */
	assert_ignored("build/keep.txt", false);
	assert_ignored("node_modules/keep.log", false);
}

Test(ignore, double_star_in_the_middle_spans_directories)
{
	load_top();
	assert_ignored("docs/a.tmp", false);
	assert_ignored("docs/x/y/a.tmp", false);
	assert_kept("docs/a.txt", false);
	assert_kept("other/docs/a.tmp", false);
	assert_kept("a.tmp", false);
}

Test(ignore, comments_blank_lines_escapes_and_trailing_spaces)
{
	load_top();
	assert_ignored("#file", false);
	assert_ignored("x/#file", false);
	assert_ignored("!bang", false);
	assert_ignored("trailing", false);
	assert_ignored("space ", false);
	assert_kept("space", false);
	assert_kept("trailing   ", false);
	assert_kept("# build output", false);
	assert_kept("file", false);
}

Test(ignore, a_nested_gitignore_applies_below_its_directory_and_wins)
{
	load_top();
	mkdirs("pkg");
	tmp_write(dir, "pkg/.gitignore",
	    "*.gen\n"
	    "/local\n"
	    "!important.log\n");
	cr_assert_eq(ignore_load_gitignore(ig, "pkg"), 0);
	assert_ignored("pkg/a.gen", false);
	assert_ignored("pkg/x/a.gen", false);
	assert_kept("a.gen", false);
	assert_kept("other/a.gen", false);
	assert_ignored("pkg/local", true);
	assert_kept("local", true);
	assert_kept("pkg/x/local", true);
	/* The deeper file's rule comes later, so it beats "*.log". */
	assert_kept("pkg/important.log", false);
	assert_kept("pkg/x/important.log", false);
	assert_ignored("important.log", false);
	/* The top file's rules still reach into pkg. */
	assert_ignored("pkg/debug.log", false);
}

Test(ignore, reloading_a_gitignore_replaces_its_rules_in_place)
{
	load_top();
	mkdirs("pkg");
	tmp_write(dir, "pkg/.gitignore", "!important.log\n");
	cr_assert_eq(ignore_load_gitignore(ig, "pkg"), 0);
	/* A rescan reads the top file again, after pkg's. */
	tmp_write(dir, ".gitignore", "*.log\n*.bak\n");
	cr_assert_eq(ignore_load_gitignore(ig, "./"), 0);
	assert_ignored("a.bak", false);
	assert_kept("keep.txt", false);
	assert_kept("build", true);
	/* Still before pkg's rules, so the negation keeps winning. */
	assert_kept("pkg/important.log", false);
	assert_ignored("pkg/other.log", false);
}

Test(ignore, a_missing_gitignore_adds_nothing)
{
	mkdirs("empty");
	cr_assert_eq(ignore_load_gitignore(ig, "empty"), 0);
	cr_assert_eq(ignore_load_gitignore(ig, "no/such/dir"), 0);
	assert_kept("empty/x", false);
}

Test(ignore, an_unreadable_gitignore_is_an_error)
{
	mkdirs(".gitignore");
	errno = 0;
	cr_assert_eq(ignore_load_gitignore(ig, "."), -1);
	cr_assert_eq(errno, EISDIR);
}

Test(ignore, a_gitignore_over_one_mebibyte_is_refused)
{
	size_t n = 1024 * 1024 + 1;
	char *big = malloc(n);

	cr_assert_not_null(big);
	memset(big, '#', n);
	tmp_write_bytes(dir, ".gitignore", big, n);
	free(big);
	errno = 0;
	cr_assert_eq(ignore_load_gitignore(ig, "."), -1);
	cr_assert_eq(errno, EFBIG);
	assert_kept("x", false);
}

Test(ignore, crlf_line_endings_and_a_byte_order_mark_are_tolerated)
{
	tmp_write(dir, ".gitignore", "\xef\xbb\xbf*.o\r\ntmp/\r\n");
	cr_assert_eq(ignore_load_gitignore(ig, "."), 0);
	assert_ignored("a.o", false);
	assert_ignored("tmp", true);
	assert_kept("a.c", false);
}

Test(ignore, a_trailing_double_star_ignores_the_contents_not_the_dir)
{
	/* As in git: "a/" "**" leaves a itself, so "!a/keep" works. */
	cr_assert_eq(ignore_add(ig, "", "gen/**"), 0);
	cr_assert_eq(ignore_add(ig, "", "!gen/keep"), 0);
	assert_kept("gen", true);
	assert_ignored("gen/x.c", false);
	assert_ignored("gen/d/x.c", false);
	assert_kept("gen/keep", false);
}

Test(ignore, rules_apply_only_below_their_base)
{
	cr_assert_eq(ignore_add(ig, "web", "*.map"), 0);
	cr_assert_eq(ignore_add(ig, "web/", "/dist"), 0);
	cr_assert_eq(ignore_add(ig, "web", "web"), 0);
	assert_ignored("web/app.js.map", false);
	assert_ignored("web/js/app.js.map", false);
	assert_kept("app.js.map", false);
	assert_kept("webapp/x.map", false);
	assert_ignored("web/dist", true);
	assert_kept("web/js/dist", true);
	/* A rule never ignores its own base directory. */
	assert_kept("web", true);
	assert_ignored("web/web", true);
}

Test(ignore, a_dot_base_means_the_top)
{
	cr_assert_eq(ignore_add(ig, ".", "/out"), 0);
	assert_ignored("out", true);
	assert_kept("a/out", true);
}

Test(ignore, lines_that_are_not_rules_add_nothing)
{
	cr_assert_eq(ignore_add(ig, "", ""), 0);
	cr_assert_eq(ignore_add(ig, "", "   "), 0);
	cr_assert_eq(ignore_add(ig, "", "# note"), 0);
	cr_assert_eq(ignore_add(ig, "", "!"), 0);
	cr_assert_eq(ignore_add(ig, "", "/"), 0);
	assert_kept("note", false);
	assert_kept("# note", false);
	assert_kept("x", true);
}

/* A rule added later takes effect at once; freeing NULL is fine. */
Test(ignore, a_rule_takes_effect_at_once_and_free_accepts_null)
{
	cr_assert(!ignore_match(ig, "/p/a.o", false));
	cr_assert_eq(ignore_add(ig, "/p", "*.o"), 0);
	cr_assert(ignore_match(ig, "/p/a.o", false));
	ignore_free(NULL);
}
