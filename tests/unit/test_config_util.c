/* SPDX-License-Identifier: ISC */
/*
 * tests/unit/test_config_util.c
 * The checks the config tests share; no tests of its own.
 */
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "test_config.h"

void
load_ok(const char *json, struct cfg *c)
{
	struct cfg_err err;
	char line[1024];

	if (cfg_load_buf("tend.json", json, strlen(json), c, &err) != 0) {
		cfg_err_format(&err, line, sizeof(line));
		cr_fatal("unexpected error: %s", line);
	}
}

const struct cfg_job *
job(const struct cfg *c, const char *name)
{
	const struct cfg_job *j = cfg_find_job(c, name);

	cr_assert(ne(ptr, (void *)j, NULL), "no job %s", name);
	return j;
}

/* The config the caller gets back after an error is empty. */
void
assert_cfg_empty(const struct cfg *c)
{
	cr_assert(eq(ptr, c->c_jobs, NULL));
	cr_assert(eq(sz, c->c_njobs, 0));
	cr_assert(eq(ptr, c->c_file, NULL));
	cr_assert(eq(ptr, c->c_serve.s_root, NULL));
	cr_assert(eq(ptr, c->c_serve.s_http, NULL));
}

/* Load json and check the error: its path and a telling part of it. */
void
assert_load_fails(const char *json, const char *path, const char *msg)
{
	struct cfg c;
	struct cfg_err err;
	int rc;

	memset(&c, 0xa5, sizeof(c)); /* garbage in: must not matter */
	rc = cfg_load_buf("tend.json", json, strlen(json), &c, &err);
	cr_assert(eq(int, rc, -1), "loaded without error: %s", json);
	cr_assert(eq(str, err.e_file, "tend.json"));
	cr_assert(
	    eq(str, err.e_path, (char *)path), "message was \"%s\"", err.e_msg);
	cr_assert(strstr(err.e_msg, msg) != NULL,
	    "message \"%s\" does not contain \"%s\"", err.e_msg, msg);
	cr_assert(eq(int, err.e_line, 0));
	/* One mistake, one message: nothing it implies is reported again. */
	cr_assert(eq(sz, err.e_count, 1), "%zu messages, the second: %s: %s",
	    err.e_count, err.e_list[1].i_path, err.e_list[1].i_msg);
	assert_cfg_empty(&c);
	cfg_free(&c); /* safe on the empty result */
}

void
assert_load_fails_all(const char *json, const char *const *want, size_t n)
{
	static struct cfg_err err;
	struct cfg c;

	cr_assert(eq(
	    int, cfg_load_buf("tend.json", json, strlen(json), &c, &err), -1));
	cr_assert(eq(sz, err.e_count, n / 2), "%zu mistakes, not %zu",
	    err.e_count, n / 2);
	for (size_t i = 0; i < n / 2 && i < CFG_MAX_ERRORS; i++) {
		const struct cfg_err_item *it = &err.e_list[i];

		cr_assert(eq(str, (char *)it->i_path, (char *)want[2 * i]),
		    "mistake %zu: %s: %s", i, it->i_path, it->i_msg);
		cr_assert(strstr(it->i_msg, want[2 * i + 1]) != NULL,
		    "mistake %zu: \"%s\" does not contain \"%s\"", i, it->i_msg,
		    want[2 * i + 1]);
	}
	/* The first is also the one a single-line caller shows. */
	cr_assert(eq(str, err.e_path, err.e_list[0].i_path));
	cr_assert(eq(str, err.e_msg, err.e_list[0].i_msg));
	assert_cfg_empty(&c);
}
