/* SPDX-License-Identifier: ISC */
/*
 * tests/unit/test_supervisor_poll.c
 * Watching by polling on real files (tmpfs and the disk, polling forced:
 * both report to inotify, so the fallback itself is tested as the pure
 * decision on statfs magic numbers): created, changed, deleted files and
 * directories; an edit of the same size in the same second; a rename
 * over a file; ignore rules, a .gitignore edited later; the timer, its
 * slices, the debounce a poll stretches, nothing after quiesce, and a
 * scan cut at its cap.
 */
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/vfs.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <ev.h>

#include "ignore.h"
#include "poll.h"
#include "scan.h"
#include "support.h"
#include "watch.h"

static char dir[64];
static struct ev_loop *loop;
static struct watch *w;
static char got[1 << 16]; /* reports, "path\n" or "path/\n" */
static char said[4096]; /* the watcher's lines */
static size_t nreports;
/* When set, each report re-arms this debounce, as dev mode does. */
static ev_timer debounce;
static ev_tstamp first;
static bool arm_debounce;
static double remaining;

static void
on_changed(void *arg, const char *path, bool is_dir)
{
	(void)arg;
	if (strlen(got) + strlen(path) + 3 < sizeof(got)) {
		strcat(got, path);
		strcat(got, is_dir ? "/\n" : "\n");
	}
	nreports++;
	if (arm_debounce) {
		watch_debounce(w, &debounce, &first, 0.0, 1.0);
		remaining = ev_timer_remaining(loop, &debounce);
	}
}

static void
on_overflow(void *arg)
{
	(void)arg;
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
say(const char *fmt, ...)
{
	size_t len = strlen(said);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(said + len, sizeof(said) - len, fmt, ap);
	va_end(ap);
	len = strlen(said);
	if (len + 1 < sizeof(said))
		strcat(said, "\n");
}

static void
on_debounce(struct ev_loop *l, ev_timer *t, int revents)
{
	(void)l;
	(void)t;
	(void)revents;
}

/* A private tree: on tmpfs when shm, else on the disk (/tmp). */
static void
enter(bool shm)
{
	snprintf(dir, sizeof(dir), "/dev/shm/tend-test-XXXXXX");
	if (!shm || mkdtemp(dir) == NULL)
		tmp_make(dir, sizeof(dir));
	cr_assert_eq(chdir(dir), 0);
	cr_assert_eq(mkdir("src", 0755), 0);
	tmp_write(dir, "src/a.txt", "a\n");
	loop = ev_loop_new(0);
	ev_init(&debounce, on_debounce);
}

static void
setup(void)
{
	enter(true);
}

static void
setup_disk(void)
{
	enter(false);
}

static void
teardown(void)
{
	watch_free(w);
	w = NULL;
	ev_loop_destroy(loop);
	if (chdir("/") == 0)
		tmp_remove(dir);
}

TestSuite(poll, .init = setup, .fini = teardown, .timeout = 30.);
TestSuite(poll_disk, .init = setup_disk, .fini = teardown, .timeout = 30.);

/* A watcher of tree, polling every ms (0: not forced). */
static void
watch_start(const char *tree, unsigned ms, const char *ignore_rule)
{
	struct watch_ops ops = {on_changed, on_overflow, NULL, say};
	struct ignore *ig = ignore_new();

	cr_assert(ig != NULL && ignore_add_defaults(ig) == 0);
	if (ignore_rule != NULL)
		cr_assert_eq(ignore_add(ig, "", ignore_rule), 0);
	cr_assert_not_null(w = watch_new(loop, ig, &ops));
	if (ms > 0)
		watch_force_poll(w, ms, "test");
	cr_assert_eq(watch_add_tree(w, tree), 0);
}

/* Scan now; the reports, for a comparison. */
static const char *
scan(void)
{
	got[0] = '\0';
	nreports = 0;
	watch_poll(w);
	return got;
}

static void
write_at(const char *name, const char *text, long sec, long nsec)
{
	struct timespec ts[2] = {{sec, nsec}, {sec, nsec}};

	tmp_write(dir, name, text);
	cr_assert_eq(utimensat(AT_FDCWD, name, ts, 0), 0, "%s", name);
}

Test(poll, the_filesystems_inotify_is_blind_to)
{
	cr_assert_str_eq(poll_fs_blind(0x6969), "nfs");
	cr_assert_str_eq(poll_fs_blind(0xFF534D42), "cifs");
	cr_assert_str_eq(poll_fs_blind(0xFE534D42), "smb3");
	cr_assert_str_eq(poll_fs_blind(0x517B), "smb");
	cr_assert_str_eq(poll_fs_blind(0x01021997), "9p");
	cr_assert_str_eq(poll_fs_blind(0x65735546), "fuse");
	cr_assert_str_eq(poll_fs_blind(0x00C36400), "ceph");
	cr_assert_str_eq(poll_fs_blind(0x786F4256), "vboxsf");
	/* A 32-bit kernel's f_type comes sign-extended into a long. */
	cr_assert_str_eq(
	    poll_fs_blind((unsigned long)(long)(int)0xFF534D42), "cifs");
	/* Local filesystems report every change: inotify. */
	cr_assert_null(poll_fs_blind(0xEF53)); /* ext2/3/4 */
	cr_assert_null(poll_fs_blind(0x01021994)); /* tmpfs */
	cr_assert_null(poll_fs_blind(0x9123683E)); /* btrfs */
	cr_assert_null(poll_fs_blind(0x58465342)); /* xfs */
	cr_assert_null(poll_fs_blind(0x794C7630)); /* overlayfs */
	cr_assert_null(poll_fs_blind(0x2FC12FC1)); /* zfs */
	cr_assert_null(poll_fs_blind(0));
}

Test(poll, a_local_tree_is_watched_with_inotify_unless_forced)
{
	struct statfs sf;

	cr_assert_eq(statfs(".", &sf), 0);
	cr_assert_null(poll_fs_blind((unsigned long)sf.f_type));
	watch_start("src", 0, NULL);
	cr_assert_str_eq(said, "", "%s", said);
	cr_assert_eq(watch_count(w), 1);
}

Test(poll, forced_polling_reports_created_changed_and_deleted_files)
{
	watch_start("src", 100, NULL);
	cr_assert(strstr(said, "watching ") != NULL, "%s", said);
	cr_assert(strstr(said, "/src by polling every 100 ms (test)") != NULL,
	    "%s", said);
	cr_assert_eq(watch_count(w), 1);
	cr_assert_str_eq(scan(), "");
	tmp_write(dir, "src/b.txt", "b\n");
	cr_assert_str_eq(scan(), "src/b.txt\n");
	tmp_write(dir, "src/a.txt", "longer\n");
	cr_assert_str_eq(scan(), "src/a.txt\n");
	cr_assert_eq(unlink("src/b.txt"), 0);
	cr_assert_str_eq(scan(), "src/b.txt\n");
	cr_assert_eq(rename("src/a.txt", "src/c.txt"), 0);
	cr_assert_str_eq(scan(), "src/a.txt\nsrc/c.txt\n");
	cr_assert_str_eq(scan(), "");
}

Test(poll, an_edit_of_the_same_size_in_the_same_second_is_seen)
{
	watch_start("src", 100, NULL);
	write_at("src/a.txt", "1\n", 1700000000, 100);
	cr_assert_str_eq(scan(), "src/a.txt\n");
	write_at("src/a.txt", "2\n", 1700000000, 200);
	cr_assert_str_eq(scan(), "src/a.txt\n");
}

Test(poll, a_rename_over_a_file_is_seen_by_its_inode)
{
	struct stat st;
	struct timespec ts[2];

	watch_start("src", 100, NULL);
	cr_assert_eq(stat("src/a.txt", &st), 0);
	ts[0] = st.st_atim;
	ts[1] = st.st_mtim;
	/* Same size, same mtime to the ns: another inode, renamed in. */
	tmp_write(dir, "src/.new", "b\n");
	cr_assert_eq(utimensat(AT_FDCWD, "src/.new", ts, 0), 0);
	cr_assert_str_eq(scan(), "src/.new\n");
	cr_assert_eq(rename("src/.new", "src/a.txt"), 0);
	cr_assert_str_eq(scan(), "src/.new\nsrc/a.txt\n");
}

Test(poll, directories_created_removed_and_moved)
{
	watch_start("src", 100, NULL);
	cr_assert_eq(mkdir("src/empty", 0755), 0);
	cr_assert_str_eq(scan(), ""); /* a directory alone is no change */
	cr_assert_eq(mkdir("src/new", 0755), 0);
	cr_assert_eq(mkdir("src/new/deeper", 0755), 0);
	tmp_write(dir, "src/new/deeper/x.c", "x\n");
	cr_assert_str_eq(scan(), "src/new/deeper/x.c\n");
	cr_assert_eq(watch_count(w), 4);
	cr_assert_eq(rename("src/new", "src/moved"), 0);
	cr_assert_str_eq(scan(), "src/moved/deeper/x.c\nsrc/new/\n");
	tmp_remove("src/moved");
	cr_assert_str_eq(scan(), "src/moved/\n");
	cr_assert_eq(rmdir("src/empty"), 0);
	cr_assert_str_eq(scan(), "src/empty/\n");
}

Test(poll, the_tree_itself_gone_and_back)
{
	watch_start("src", 100, NULL);
	cr_assert_eq(unlink("src/a.txt"), 0);
	cr_assert_eq(rmdir("src"), 0);
	cr_assert_str_eq(scan(), "src/\n");
	cr_assert_str_eq(scan(), "");
	cr_assert_eq(mkdir("src", 0755), 0);
	tmp_write(dir, "src/again.txt", "x\n");
	cr_assert_str_eq(scan(), "src/again.txt\n");
}

Test(poll, ignored_files_never_count_and_a_gitignore_edit_applies)
{
	tmp_write(dir, ".gitignore", "*.log\n");
	cr_assert_eq(mkdir("src/node_modules", 0755), 0);
	tmp_write(dir, "src/.gitignore", "node_modules/\n");
	watch_start("src", 100, "*.tmp");
	cr_assert_eq(watch_count(w), 1); /* node_modules is not scanned */
	tmp_write(dir, "src/debug.log", "x\n"); /* the parent's .gitignore */
	tmp_write(dir, "src/node_modules/lib.js", "x\n");
	tmp_write(dir, "src/.a.txt.swp", "x\n"); /* tend's defaults */
	tmp_write(dir, "src/a.txt~", "x\n");
	tmp_write(dir, "src/4913", "x\n");
	tmp_write(dir, "src/x.tmp", "x\n"); /* watch.ignore */
	cr_assert_str_eq(scan(), "");
	/* A rule that goes away: what it hid shows up, as created. */
	tmp_write(dir, "src/.gitignore", "# nothing\n");
	cr_assert_str_eq(scan(), "src/.gitignore\nsrc/node_modules/lib.js\n");
	tmp_write(dir, "src/.gitignore", "*.c\n");
	tmp_write(dir, "src/z.c", "x\n");
	cr_assert_str_eq(scan(), "src/.gitignore\n");
	tmp_write(dir, "src/a.txt", "real change\n");
	cr_assert_str_eq(scan(), "src/a.txt\n");
}

Test(poll, a_tree_inside_a_polled_tree_is_not_polled_twice)
{
	cr_assert_eq(mkdir("src/sub", 0755), 0);
	watch_start("src/sub", 100, NULL);
	cr_assert_eq(watch_add_tree(w, "src"), 0); /* replaces src/sub */
	cr_assert_eq(watch_add_tree(w, "src/sub"), 0); /* inside src */
	cr_assert_eq(watch_count(w), 2);
	tmp_write(dir, "src/sub/f", "x\n");
	cr_assert_str_eq(scan(), "src/sub/f\n");
}

static void
run_until(size_t reports, int ms)
{
	for (long end = now_ms() + ms; nreports < reports && now_ms() < end;)
		ev_run(loop, EVRUN_ONCE);
}

Test(poll, the_timer_scans_and_a_poll_stretches_the_debounce)
{
	watch_start("src", 100, NULL);
	got[0] = '\0';
	nreports = 0;
	arm_debounce = true;
	tmp_write(dir, "src/b.txt", "b\n");
	run_until(1, 3000);
	cr_assert_str_eq(got, "src/b.txt\n");
	/* A debounce of 0: it waits for the next scan all the same. */
	cr_assert_gt(remaining, 0.04, "%f", remaining);
	arm_debounce = false;
	ev_timer_stop(loop, &debounce);
	/* Quiesced: no more scans, no reports, nothing keeps the loop. */
	watch_quiesce(w);
	tmp_write(dir, "src/c.txt", "c\n");
	cr_assert_str_eq(scan(), "");
	ev_run(loop, 0);
	cr_assert_eq(nreports, 0);
}

Test(poll, a_big_scan_gives_the_loop_turns)
{
	char name[64];
	unsigned turns = 0;

	for (int d = 0; d < 20; d++) {
		snprintf(name, sizeof(name), "src/d%02d", d);
		cr_assert_eq(mkdir(name, 0755), 0);
		for (int f = 0; f < 1000; f++) {
			snprintf(name, sizeof(name), "src/d%02d/f%04d", d, f);
			tmp_write(dir, name, "x");
		}
	}
	watch_start("src", 50, NULL);
	cr_assert_eq(watch_count(w), 21);
	/* The last file of the breadth-first order. */
	tmp_write(dir, "src/d19/f9999", "y");
	got[0] = '\0';
	nreports = 0;
	for (long end = now_ms() + 10000; nreports == 0 && now_ms() < end;
	     turns++)
		ev_run(loop, EVRUN_ONCE);
	cr_assert_str_eq(got, "src/d19/f9999\n");
	/* 20,000 stat(2) calls are more than one 5 ms slice. */
	cr_assert_geq(turns, 2, "%u", turns);
}

Test(poll_disk, an_edit_in_the_same_second_on_the_disk)
{
	watch_start("src", 100, NULL);
	write_at("src/a.txt", "1\n", 1700000000, 1);
	cr_assert_str_eq(scan(), "src/a.txt\n");
	write_at("src/a.txt", "2\n", 1700000000, 2);
	cr_assert_str_eq(scan(), "src/a.txt\n");
}

Test(poll, the_working_directory_itself_has_paths_without_dot_slash)
{
	tmp_write(dir, ".gitignore", "*.log\n");
	watch_start(".", 100, NULL);
	tmp_write(dir, "top.txt", "x\n");
	tmp_write(dir, "src/b.txt", "x\n");
	tmp_write(dir, "debug.log", "x\n");
	tmp_write(dir, "src/debug.log", "x\n");
	cr_assert_str_eq(scan(), "src/b.txt\ntop.txt\n");
	cr_assert_eq(unlink("top.txt"), 0);
	cr_assert_str_eq(scan(), "top.txt\n");
}

/* A scan stopped at its cap: what it did not read is unknown, not gone. */
static void
scan_whole(
    struct scan *sc, const struct snap *old, struct ignore *ig, uint32_t cap)
{
	cr_assert_eq(scan_start(sc, "src", ig), 0);
	cr_assert(scan_run(sc, old, ig, cap, 1e300));
}

Test(poll, a_scan_at_its_cap_leaves_the_rest_unknown)
{
	struct ignore *ig = ignore_new();
	struct scan sc;
	struct snap full;
	char name[32];

	cr_assert_eq(mkdir("src/big", 0755), 0);
	for (int i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "src/big/f%d", i);
		tmp_write(dir, name, "x");
	}
	scan_init(&sc);
	snap_init(&full);
	scan_whole(&sc, &full, ig, 1000);
	cr_assert_not(sc.cut);
	cr_assert_eq(sc.next.n, 13); /* src, a.txt, big and its 10 */
	snap_swap(&full, &sc.next);
	/* Room for 5: big's 10 names do not fit, big is not read. */
	scan_whole(&sc, &full, ig, 5);
	cr_assert(sc.cut);
	cr_assert_eq(sc.next.n, 3);
	got[0] = '\0';
	cr_assert_eq(
	    snap_diff(&full, &sc.next, on_changed, NULL), 0, "%s", got);
	tmp_write(dir, "src/a.txt", "changed\n");
	scan_whole(&sc, &full, ig, 5);
	cr_assert_eq(snap_diff(&full, &sc.next, on_changed, NULL), 1);
	cr_assert_str_eq(got, "src/a.txt\n");
	scan_free(&sc);
	snap_free(&full);
	ignore_free(ig);
}
