/* SPDX-License-Identifier: ISC */
/*
 * tests/unit/test_supervisor_transient.c
 * watch/transient.c and pathset_remove_if: an editor's temporary that is
 * gone is dropped from a change set; one still there, and any other file
 * gone or not, stays.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "pathset.h"
#include "transient.h"

TestSuite(transient, .timeout = 10.);

Test(transient, gone_temporaries_go_and_everything_else_stays)
{
	char dir[] = "/tmp/tend-transient-XXXXXX", kept[64], cwd[4096];
	struct pathset s = {0};
	FILE *f;

	cr_assert(mkdtemp(dir) != NULL);
	cr_assert(getcwd(cwd, sizeof(cwd)) != NULL);
	cr_assert(chdir(dir) == 0);
	snprintf(kept, sizeof(kept), ".b.c.tmp99");
	cr_assert((f = fopen(kept, "w")) != NULL);
	fclose(f);
	pathset_add(&s, "src/.a.c.tmp123"); /* gone: dropped */
	pathset_add(&s, "src/a.c"); /* gone, but a source: a deletion */
	pathset_add(&s, "x___jb_tmp___");
	pathset_add(&s, ".b.c.tmp99"); /* still there: reported */
	pathset_add(&s, "src/4913");
	pathset_add(&s, "notes.md~");
	pathset_remove_if(&s, watch_transient_gone);
	cr_assert_eq(s.n, 2);
	cr_assert_str_eq(s.p[0], "src/a.c");
	cr_assert_str_eq(s.p[1], ".b.c.tmp99");
	pathset_clear(&s);
	unlink(kept);
	cr_assert(chdir(cwd) == 0);
	rmdir(dir);
}
