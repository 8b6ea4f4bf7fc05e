/* SPDX-License-Identifier: ISC */
/*
 * tests/unit/test_worker_http_open.c
 * Opening under the root, both ways (openat2 RESOLVE_BENEATH, and the
 * /proc/self/fd check used where openat2 is missing), on a real tree:
 * files and symlinks that stay inside open; symlinks that climb out,
 * absolute ones and links to /proc never do.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "http_priv.h"

static char dir[64];
static int rootfd = -1;

static void
put(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	cr_assert(f != NULL, "%s", path);
	fputs(text, f);
	fclose(f);
}

static void
link_to(const char *target, const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	cr_assert(eq(int, symlink(target, path), 0), "%s", path);
}

static void
setup(void)
{
	char path[256];

	snprintf(dir, sizeof(dir), "/tmp/tend-open-XXXXXX");
	cr_assert(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/root", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/root/sub", dir);
	mkdir(path, 0755);
	put("root/index.html", "inside\n");
	put("root/sub/page.html", "sub page\n");
	put("secret.txt", "TOPSECRET\n");
	link_to("sub/page.html", "root/inner-link");
	link_to("../secret.txt", "root/climb-out");
	link_to("/etc/passwd", "root/absolute");
	link_to("/proc/self/fd/0", "root/magic");
	link_to("../root/index.html", "root/out-and-back");
	snprintf(path, sizeof(path), "%s/root", dir);
	rootfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	cr_assert(rootfd >= 0);
}

static void
teardown(void)
{
	char cmd[128];

	close(rootfd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		cr_log_warn("could not remove %s", dir);
}

TestSuite(http_open, .init = setup, .fini = teardown);

typedef int (*open_fn)(int, const char *);

static void
expect_content(open_fn fn, const char *rel, const char *want)
{
	char buf[64] = {0};
	int fd = fn(rootfd, rel);

	cr_assert(fd >= 0, "%s: %s", rel, strerror(errno));
	cr_assert(read(fd, buf, sizeof(buf) - 1) > 0);
	close(fd);
	cr_assert(eq(str, buf, (char *)want), "%s", rel);
}

static void
expect_refused(open_fn fn, const char *rel)
{
	int fd = fn(rootfd, rel);
	bool refused = fd == -1 && (errno == EXDEV || errno == ELOOP);

	if (fd >= 0)
		close(fd);
	cr_assert(refused, "%s: opened, or %s", rel, strerror(errno));
}

static void
check(open_fn fn)
{
	int fd;

	expect_content(fn, "index.html", "inside\n");
	expect_content(fn, "sub/page.html", "sub page\n");
	expect_content(fn, "inner-link", "sub page\n");
	expect_refused(fn, "climb-out");
	expect_refused(fn, "absolute");
	expect_refused(fn, "magic");
	fd = fn(rootfd, "");
	cr_assert(fd >= 0, "the root itself: %s", strerror(errno));
	close(fd);
	cr_assert(eq(int, fn(rootfd, "missing.html"), -1));
	cr_assert(eq(int, errno, ENOENT));
}

Test(http_open, openat2_keeps_every_open_under_the_root)
{
	check(wrk_open_beneath);
}

Test(http_open, the_proc_check_keeps_every_open_under_the_root)
{
	check(wrk_open_beneath_proc);
}

/* Out and back in lands inside: harmless, and the check allows it. */
Test(http_open, the_proc_check_judges_where_the_file_is)
{
	expect_content(wrk_open_beneath_proc, "out-and-back", "inside\n");
}
