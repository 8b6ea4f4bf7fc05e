/* SPDX-License-Identifier: ISC */
/*
 * tests/unit/test_config_files.c
 * Reading tend.json from disk (missing, a directory, the size cap) and
 * the one-line error format the executables print.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "config.h"

static const char example[] =
    "{\n"
    "  // a comment\n"
    "  \"jobs\": {\"css\": {\"cmd\": [\"sass\", \"a\", \"b\"]},\n"
    "           \"site\": {\"cmd\": \"make site\", \"after\": [\"css\"]},\n"
    "           \"api\": {\"cmd\": \"./api\", \"kind\": \"service\"}},\n"
    "  \"serve\": {\"root\": \"public\"}\n"
    "}\n";

/* --- files --- */

static char tmpdir[PATH_MAX];

static void
make_tmpdir(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/tend-config-XXXXXX");
	cr_assert(ne(ptr, mkdtemp(tmpdir), NULL));
}

static void
remove_tmpdir(void)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	(void)system(cmd);
}

static void
write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "w");

	cr_assert(ne(ptr, f, NULL));
	cr_assert(eq(sz, fwrite(data, 1, len, f), len));
	cr_assert(eq(int, fclose(f), 0));
}

Test(config_files, a_file_on_disk_loads_and_remembers_its_name,
    .init = make_tmpdir, .fini = remove_tmpdir)
{
	char path[PATH_MAX + 16];
	struct cfg c;
	struct cfg_err err;

	snprintf(path, sizeof(path), "%s/tend.json", tmpdir);
	write_file(path, example, strlen(example));
	cr_assert(eq(int, cfg_load_file(path, &c, &err), 0), "%s", err.e_msg);
	cr_assert(eq(str, c.c_file, path));
	cr_assert(eq(sz, c.c_njobs, 3));
	cfg_free(&c);
	cr_assert(eq(ptr, c.c_jobs, NULL));
	cr_assert(eq(ptr, c.c_file, NULL));
}

Test(config_files, a_missing_file_says_why, .init = make_tmpdir,
    .fini = remove_tmpdir)
{
	char path[PATH_MAX + 16], line[1024];
	struct cfg c;
	struct cfg_err err;

	snprintf(path, sizeof(path), "%s/nope.json", tmpdir);
	cr_assert(eq(int, cfg_load_file(path, &c, &err), -1));
	cr_assert(eq(str, err.e_path, ""));
	cr_assert(eq(str, err.e_msg, "cannot read: No such file or directory"));
	cfg_err_format(&err, line, sizeof(line));
	cr_assert(strstr(line, "nope.json: cannot read: No such") != NULL);
	cr_assert(eq(ptr, c.c_jobs, NULL));
}

Test(config_files, a_directory_is_not_a_config, .init = make_tmpdir,
    .fini = remove_tmpdir)
{
	struct cfg c;
	struct cfg_err err;

	cr_assert(eq(int, cfg_load_file(tmpdir, &c, &err), -1));
	cr_assert(eq(str, err.e_msg, "cannot read: Is a directory"));
}

Test(config_files, a_file_over_one_mebibyte_is_too_large, .init = make_tmpdir,
    .fini = remove_tmpdir)
{
	char path[PATH_MAX + 16];
	size_t len = 1024 * 1024 + 1;
	char *big = malloc(len);
	struct cfg c;
	struct cfg_err err;

	cr_assert(ne(ptr, big, NULL));
	memset(big, ' ', len);
	big[0] = '{';
	big[len - 1] = '}';
	snprintf(path, sizeof(path), "%s/big.json", tmpdir);
	write_file(path, big, len);
	free(big);
	cr_assert(eq(int, cfg_load_file(path, &c, &err), -1));
	cr_assert(strstr(err.e_msg, "file too large") != NULL, "%s", err.e_msg);
}

Test(config_files, a_file_of_exactly_one_mebibyte_is_read, .init = make_tmpdir,
    .fini = remove_tmpdir)
{
	char path[PATH_MAX + 16];
	size_t len = 1024 * 1024;
	char *big = malloc(len);
	struct cfg c;
	struct cfg_err err;

	cr_assert(ne(ptr, big, NULL));
	memset(big, '\n', len);
	big[0] = '{';
	big[len - 1] = '}';
	snprintf(path, sizeof(path), "%s/big.json", tmpdir);
	write_file(path, big, len);
	free(big);
	cr_assert(eq(int, cfg_load_file(path, &c, &err), 0), "%s", err.e_msg);
	cfg_free(&c);
}

/* --- cfg_err_format --- */

Test(config_format, a_syntax_error_reads_file_line_column)
{
	struct cfg c;
	struct cfg_err err;
	char line[1024];

	cr_assert(
	    eq(int, cfg_load_buf("tend.json", "{\n\"a\" 1}", 8, &c, &err), -1));
	cfg_err_format(&err, line, sizeof(line));
	cr_assert(eq(str, line, "tend.json:2:5: missing : after \"a\""));
}

Test(config_format, a_value_error_reads_file_path_message)
{
	struct cfg c;
	struct cfg_err err;
	char line[1024];
	const char *json = "{\"jobs\": {\"site\": {\"cmd\": 42}}}";

	cr_assert(eq(
	    int, cfg_load_buf("tend.json", json, strlen(json), &c, &err), -1));
	cfg_err_format(&err, line, sizeof(line));
	cr_assert(eq(str, line,
	    "tend.json: jobs.site.cmd: expected a string or an array of "
	    "strings, got 42"));
}

Test(config_format, an_error_without_path_reads_file_message)
{
	struct cfg c;
	struct cfg_err err;
	char line[1024];

	cr_assert(eq(int, cfg_load_buf("t.json", "[]", 2, &c, &err), -1));
	cfg_err_format(&err, line, sizeof(line));
	cr_assert(eq(str, line,
	    "t.json: expected an object at the top level, got an array"));
}

Test(config_format, a_small_buffer_is_cut_not_overrun)
{
	struct cfg_err err;
	char line[8];

	memset(&err, 0, sizeof(err));
	strcpy(err.e_file, "tend.json");
	strcpy(err.e_msg, "boom");
	cfg_err_format(&err, line, sizeof(line));
	cr_assert(eq(str, line, "tend.js"));
}
