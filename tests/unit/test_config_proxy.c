/* SPDX-License-Identifier: ISC */
/*
 * tests/unit/test_config_proxy.c
 * serve.proxy: both forms read into struct cfg_proxy in file order, the
 * normalised output (always the long form) loads back the same, every
 * wrong route is its own mistake, a job must be a service of the file,
 * and a config built in code (tend serve --proxy) is held to the same
 * rules at the same paths.
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "test_config.h"

TestSuite(config_proxy);

Test(config_proxy, both_forms_are_read_in_file_order)
{
	struct cfg c;

	load_ok("{\"jobs\": {\"api\": {\"cmd\": \"x\", \"kind\": \"service\"}},"
	        " \"serve\": {\"proxy\": {\"/api\": {\"to\": \"[::1]:5000\","
	        " \"job\": \"api\"}, \"/\": \"localhost:80\","
	        " \"/x\": {\"to\": \"127.0.0.1:1\", \"job\": null}}}}",
	    &c);
	cr_assert(eq(sz, c.c_serve.s_nproxy, 3));
	cr_assert(eq(str, c.c_serve.s_proxy[0].p_prefix, "/api"));
	cr_assert(eq(str, c.c_serve.s_proxy[0].p_to, "[::1]:5000"));
	cr_assert(eq(str, c.c_serve.s_proxy[0].p_job, "api"));
	cr_assert(eq(str, c.c_serve.s_proxy[1].p_prefix, "/"));
	cr_assert(eq(str, c.c_serve.s_proxy[1].p_to, "localhost:80"));
	cr_assert(eq(ptr, c.c_serve.s_proxy[1].p_job, NULL));
	cr_assert(eq(ptr, c.c_serve.s_proxy[2].p_job, NULL));
	cfg_free(&c);
}

Test(config_proxy, the_normalised_form_loads_back_the_same)
{
	struct cfg c, again;
	char *text, *text2;

	load_ok(
	    "{\"jobs\": {\"api\": {\"cmd\": \"x\", \"kind\": \"service\"}},"
	    " \"serve\": {\"proxy\": {\"/api\": {\"to\": \"127.0.0.1:5000\","
	    " \"job\": \"api\"}, \"/b\": \"127.0.0.1:6000\"}}}",
	    &c);
	text = cfg_to_json(&c);
	cr_assert(ne(ptr, text, NULL));
	cr_assert(strstr(text,
	              "\"/b\":\t{\n\t\t\t\t\"to\":\t\"127.0.0.1:6000\","
	              "\n\t\t\t\t\"job\":\tnull") != NULL,
	    "%s", text);
	load_ok(text, &again);
	text2 = cfg_to_json(&again);
	cr_assert(eq(str, text, text2));
	free(text);
	free(text2);
	cfg_free(&c);
	cfg_free(&again);
}

Test(config_proxy, every_wrong_route_is_a_mistake_of_its_own)
{
	static const char *const want[] = {
	    "serve.proxy.api",
	    "expected a path prefix",
	    "serve.proxy./p0",
	    "a port from 1 to 65535",
	    "serve.proxy./__tend/x",
	    "under /__tend/",
	    "serve.proxy./__tend",
	    "under /__tend/",
	    "serve.proxy./j.job",
	    "expected the name of a service",
	    "serve.proxy./k",
	    "needs \"to\"",
	    "serve.proxy./u",
	    "unknown key \"jb\"",
	    "serve.proxy./task.job",
	    "\"gen\" is a task",
	    "serve.proxy./none.job",
	    "unknown job \"apj\"; did you mean \"api\"",
	};

	assert_load_fails_all(
	    "{\"jobs\": {\"api\": {\"cmd\": \"x\", \"kind\": \"service\"},"
	    " \"gen\": {\"cmd\": \"y\"}},"
	    " \"serve\": {\"proxy\": {\"api\": \"127.0.0.1:1\","
	    " \"/p0\": \"127.0.0.1:0\", \"/__tend/x\": \"127.0.0.1:1\","
	    " \"/t\": \"127.0.0.1:1\", \"/__tend\": \"127.0.0.1:1\","
	    " \"/j\": {\"to\": \"127.0.0.1:1\", \"job\": \"a b\"},"
	    " \"/k\": {\"job\": \"api\"},"
	    " \"/u\": {\"to\": \"127.0.0.1:1\", \"jb\": 1},"
	    " \"/task\": {\"to\": \"127.0.0.1:1\", \"job\": \"gen\"},"
	    " \"/none\": {\"to\": \"127.0.0.1:1\", \"job\": \"apj\"}}}}",
	    want, CFG_NELEM_T(want));
}

Test(config_proxy, a_route_built_in_code_is_checked_alike)
{
	struct cfg c;
	struct cfg_err err;

	cfg_init(&c);
	cr_assert(
	    eq(int, cfg_add_proxy(&c, "/api", "127.0.0.1:5000", NULL), 0));
	cr_assert(eq(int, cfg_validate(&c, &err), 0), "%s", err.e_msg);
	cr_assert(
	    eq(int, cfg_add_proxy(&c, "/api", "127.0.0.1:6000", NULL), 0));
	cr_assert(eq(int, cfg_add_proxy(&c, "/v", "127.0.0.1:0", NULL), 0));
	cr_assert(eq(int, cfg_add_proxy(&c, "v", "127.0.0.1:1", NULL), 0));
	cr_assert(eq(int, cfg_validate(&c, &err), -1));
	cr_assert(eq(sz, err.e_count, 3));
	cr_assert(eq(str, err.e_list[0].i_path, "serve.proxy./api"));
	cr_assert(strstr(err.e_list[0].i_msg, "listed twice") != NULL);
	cr_assert(eq(str, err.e_list[1].i_path, "serve.proxy./v"));
	cr_assert(strstr(err.e_list[1].i_msg, "from 1 to 65535") != NULL);
	cr_assert(eq(str, err.e_list[2].i_path, "serve.proxy.v"));
	cfg_free(&c);
}
