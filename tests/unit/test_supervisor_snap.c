/* SPDX-License-Identifier: ISC */
/*
 * tests/unit/test_supervisor_snap.c
 * The difference of two poll snapshots, built by hand with made-up stat
 * data: files created, changed, deleted and renamed; two saves of the
 * same size in the same second told apart by the nanoseconds or by the
 * inode; a directory gone reported once, a new one by its files; what was
 * not read never compared; and the stamp that stands for a file.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "snap.h"

TestSuite(snap, .timeout = 10.);

static struct stat
file(unsigned long ino, long size, long sec, long nsec)
{
	struct stat st;

	memset(&st, 0, sizeof(st));
	st.st_mode = S_IFREG | 0644;
	st.st_ino = ino;
	st.st_size = size;
	st.st_mtim.tv_sec = st.st_ctim.tv_sec = sec;
	st.st_mtim.tv_nsec = st.st_ctim.tv_nsec = nsec;
	return st;
}

static struct stat
dir_st(void)
{
	struct stat st;

	memset(&st, 0, sizeof(st));
	st.st_mode = S_IFDIR | 0755;
	return st;
}

/* The reports of one diff, "path" or "path/" (a directory), by lines. */
static char got[4096];

static void
record(void *arg, const char *path, bool is_dir)
{
	(void)arg;
	strcat(got, path);
	strcat(got, is_dir ? "/\n" : "\n");
}

static size_t
diff(const struct snap *a, const struct snap *b)
{
	got[0] = '\0';
	return snap_diff(a, b, record, NULL);
}

/* src: a.txt b.txt (files), then src/lib: c.txt */
static void
base(struct snap *s, struct stat a, struct stat b)
{
	struct stat c = file(30, 3, 1000, 0), d = dir_st();

	snap_init(s);
	cr_assert(snap_root(s, "src") == 0);
	snap_open(s, 0);
	cr_assert(snap_add(s, 0, "a.txt", &a) == 0);
	cr_assert(snap_add(s, 0, "b.txt", &b) == 0);
	cr_assert(snap_add(s, 0, "lib", &d) == 0);
	snap_open(s, 3);
	cr_assert(snap_add(s, 3, "c.txt", &c) == 0);
}

Test(snap, the_same_tree_twice_reports_nothing)
{
	struct snap a, b;

	base(&a, file(10, 1, 1000, 5), file(20, 2, 1000, 0));
	base(&b, file(10, 1, 1000, 5), file(20, 2, 1000, 0));
	cr_assert_eq(diff(&a, &b), 0, "%s", got);
	cr_assert_eq(a.ndirs, 2);
	snap_free(&a);
	snap_free(&b);
}

Test(snap, a_file_created_is_reported)
{
	struct snap a, b;
	struct stat n = file(40, 1, 1001, 0);

	base(&a, file(10, 1, 1000, 5), file(20, 2, 1000, 0));
	base(&b, file(10, 1, 1000, 5), file(20, 2, 1000, 0));
	cr_assert(snap_add(&b, 3, "d.txt", &n) == 0);
	cr_assert_eq(diff(&a, &b), 1);
	cr_assert_str_eq(got, "src/lib/d.txt\n");
	/* And the other way round it is deleted. */
	cr_assert_eq(diff(&b, &a), 1);
	cr_assert_str_eq(got, "src/lib/d.txt\n");
	snap_free(&a);
	snap_free(&b);
}

Test(snap, a_file_grown_is_changed)
{
	struct snap a, b;

	base(&a, file(10, 1, 1000, 5), file(20, 2, 1000, 0));
	base(&b, file(10, 7, 1000, 5), file(20, 2, 1000, 0));
	cr_assert_eq(diff(&a, &b), 1);
	cr_assert_str_eq(got, "src/a.txt\n");
	snap_free(&a);
	snap_free(&b);
}

Test(snap, same_size_same_second_edits_differ_in_nanoseconds)
{
	struct snap a, b;

	base(&a, file(10, 1, 1000, 100), file(20, 2, 1000, 0));
	base(&b, file(10, 1, 1000, 101), file(20, 2, 1000, 0));
	cr_assert_eq(diff(&a, &b), 1);
	cr_assert_str_eq(got, "src/a.txt\n");
	snap_free(&a);
	snap_free(&b);
}

Test(snap, a_file_replaced_by_rename_differs_in_its_inode)
{
	struct snap a, b;

	/* Same size, same times to the nanosecond: only the inode. */
	base(&a, file(10, 1, 1000, 0), file(20, 2, 1000, 0));
	base(&b, file(11, 1, 1000, 0), file(20, 2, 1000, 0));
	cr_assert_eq(diff(&a, &b), 1);
	cr_assert_str_eq(got, "src/a.txt\n");
	snap_free(&a);
	snap_free(&b);
}

Test(snap, a_chmod_changes_the_ctime_and_is_a_change)
{
	struct snap a, b;
	struct stat t = file(10, 1, 1000, 0);

	t.st_ctim.tv_nsec = 9;
	base(&a, file(10, 1, 1000, 0), file(20, 2, 1000, 0));
	base(&b, t, file(20, 2, 1000, 0));
	cr_assert_eq(diff(&a, &b), 1);
	snap_free(&a);
	snap_free(&b);
}

Test(snap, a_rename_is_the_old_name_and_the_new_one)
{
	struct snap a, b;
	struct stat s = dir_st(), f = file(10, 1, 1000, 0);

	snap_init(&a);
	snap_init(&b);
	snap_root(&a, ".");
	snap_open(&a, 0);
	snap_add(&a, 0, "old.md", &f);
	snap_add(&a, 0, "src", &s);
	snap_open(&a, 2);
	snap_root(&b, ".");
	snap_open(&b, 0);
	snap_add(&b, 0, "src", &s);
	snap_open(&b, 1);
	snap_add(&b, 1, "new.md", &f); /* same inode, moved */
	cr_assert_eq(diff(&a, &b), 2);
	/* Root "." joins as the watcher does: no "./" in front. */
	cr_assert_str_eq(got, "old.md\nsrc/new.md\n");
	snap_free(&a);
	snap_free(&b);
}

Test(snap, a_directory_gone_is_one_report_for_all_it_held)
{
	struct snap a, b;
	struct stat x = file(10, 1, 1000, 0), y = file(20, 2, 1000, 0);

	base(&a, x, y);
	snap_init(&b);
	snap_root(&b, "src");
	snap_open(&b, 0);
	snap_add(&b, 0, "a.txt", &x);
	snap_add(&b, 0, "b.txt", &y);
	cr_assert_eq(diff(&a, &b), 1);
	cr_assert_str_eq(got, "src/lib/\n");
	snap_free(&a);
	snap_free(&b);
}

Test(snap, a_new_directory_is_reported_by_its_files_not_itself)
{
	struct snap a, b;
	struct stat d = dir_st(), f = file(50, 1, 1000, 0);

	snap_init(&a);
	snap_root(&a, "src");
	snap_open(&a, 0);
	snap_init(&b);
	snap_root(&b, "src");
	snap_open(&b, 0);
	snap_add(&b, 0, "empty", &d); /* 1 */
	snap_add(&b, 0, "new", &d); /* 2 */
	snap_open(&b, 1);
	snap_open(&b, 2);
	snap_add(&b, 2, "deeper", &d); /* 3 */
	snap_add(&b, 2, "x.c", &f); /* 4 */
	snap_open(&b, 3);
	snap_add(&b, 3, "y.c", &f);
	cr_assert_eq(diff(&a, &b), 2, "%s", got);
	cr_assert_str_eq(got, "src/new/deeper/y.c\nsrc/new/x.c\n");
	snap_free(&a);
	snap_free(&b);
}

Test(snap, a_file_that_became_a_directory_is_both)
{
	struct snap a, b;
	struct stat d = dir_st(), f = file(10, 1, 1000, 0);

	snap_init(&a);
	snap_root(&a, "src");
	snap_open(&a, 0);
	snap_add(&a, 0, "x", &f);
	snap_init(&b);
	snap_root(&b, "src");
	snap_open(&b, 0);
	snap_add(&b, 0, "x", &d);
	snap_open(&b, 1);
	snap_add(&b, 1, "inner", &f);
	cr_assert_eq(diff(&a, &b), 2);
	cr_assert_str_eq(got, "src/x\nsrc/x/inner\n");
	cr_assert_eq(diff(&b, &a), 2);
	cr_assert_str_eq(got, "src/x/\nsrc/x\n");
	snap_free(&a);
	snap_free(&b);
}

Test(snap, a_directory_not_read_is_not_compared)
{
	struct snap a, b;
	struct stat x = file(10, 9, 1000, 0), y = file(20, 2, 1000, 0);
	struct stat d = dir_st();

	base(&a, file(10, 1, 1000, 0), file(20, 2, 1000, 0));
	/* The same, but lib could not be read this time (EACCES, a cut). */
	snap_init(&b);
	snap_root(&b, "src");
	snap_open(&b, 0);
	snap_add(&b, 0, "a.txt", &x);
	snap_add(&b, 0, "b.txt", &y);
	snap_add(&b, 0, "lib", &d); /* stays SNAP_UNREAD */
	cr_assert_eq(diff(&a, &b), 1);
	cr_assert_str_eq(got, "src/a.txt\n"); /* not src/lib/c.txt */
	cr_assert_eq(diff(&b, &a), 1);
	/* A directory abandoned half read is unknown as well. */
	snap_unread(&a, 3);
	cr_assert_eq(diff(&a, &b), 1);
	snap_free(&a);
	snap_free(&b);
}

Test(snap, the_tree_gone_then_back)
{
	struct snap a, none;

	base(&a, file(10, 1, 1000, 0), file(20, 2, 1000, 0));
	snap_init(&none);
	cr_assert_eq(diff(&a, &none), 1);
	cr_assert_str_eq(got, "src/\n");
	cr_assert_eq(diff(&none, &a), 3);
	cr_assert_str_eq(got, "src/a.txt\nsrc/b.txt\nsrc/lib/c.txt\n");
	cr_assert_eq(diff(&none, &none), 0);
	snap_free(&a);
}

Test(snap, paths_come_in_order_and_lookups_find_entries)
{
	struct snap a, b;
	char path[64];
	unsigned depth;

	base(&a, file(10, 1, 1000, 0), file(20, 2, 1000, 0));
	base(&b, file(11, 1, 1000, 0), file(21, 2, 1000, 0));
	cr_assert_eq(diff(&a, &b), 2);
	cr_assert_str_eq(got, "src/a.txt\nsrc/b.txt\n");
	cr_assert_eq(snap_find(&a, 0, "lib"), 3);
	cr_assert_eq(snap_find(&a, 3, "c.txt"), 4);
	cr_assert_eq(snap_find(&a, 0, "nope"), UINT32_MAX);
	cr_assert_eq(snap_find(&a, 1, "x"), UINT32_MAX); /* a file */
	cr_assert(snap_path(&a, 4, path, sizeof(path), &depth) > 0);
	cr_assert_str_eq(path, "src/lib/c.txt");
	cr_assert_eq(depth, 2);
	cr_assert(snap_path(&a, 4, path, 8, NULL) == -1); /* too small */
	snap_free(&a);
	snap_free(&b);
}

Test(snap, the_stamp_changes_with_each_field_and_only_then)
{
	struct stat f = file(10, 100, 1000, 500), g;
	uint64_t s = snap_stamp(&f);

	g = f;
	cr_assert_eq(snap_stamp(&g), s);
	g.st_ino++;
	cr_assert_neq(snap_stamp(&g), s);
	g = f;
	g.st_size++;
	cr_assert_neq(snap_stamp(&g), s);
	g = f;
	g.st_mtim.tv_nsec++;
	cr_assert_neq(snap_stamp(&g), s);
	g = f;
	g.st_mtim.tv_sec++;
	cr_assert_neq(snap_stamp(&g), s);
	g = f;
	g.st_ctim.tv_nsec++;
	cr_assert_neq(snap_stamp(&g), s);
	g = f;
	g.st_mode = S_IFLNK | 0777;
	cr_assert_neq(snap_stamp(&g), s);
	/* What a poll does not look at. */
	g = f;
	g.st_atim.tv_sec += 99;
	g.st_blocks += 8;
	cr_assert_eq(snap_stamp(&g), s);
	cr_assert_neq(snap_stamp(&f), 0); /* 0 is a directory's */
}

Test(snap, many_entries_grow_the_arrays)
{
	struct snap a, b;
	struct stat f = file(1, 1, 1, 1);
	char name[32];

	snap_init(&a);
	snap_root(&a, "big");
	snap_open(&a, 0);
	for (int i = 0; i < 5000; i++) {
		snprintf(name, sizeof(name), "f%05d", i);
		cr_assert(snap_add(&a, 0, name, &f) == 0);
	}
	snap_init(&b);
	snap_root(&b, "big");
	snap_open(&b, 0);
	for (int i = 0; i < 5000; i++) {
		struct stat g = f;
		snprintf(name, sizeof(name), "f%05d", i);
		g.st_size = i == 4321 ? 2 : 1;
		cr_assert(snap_add(&b, 0, name, &g) == 0);
	}
	cr_assert_eq(diff(&a, &b), 1);
	cr_assert_str_eq(got, "big/f04321\n");
	cr_assert_eq(snap_find(&b, 0, "f04999"), 5000);
	snap_free(&a);
	snap_free(&b);
}
