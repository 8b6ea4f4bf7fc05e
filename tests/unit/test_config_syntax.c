/* SPDX-License-Identifier: ISC */
/*
 * tests/unit/test_config_syntax.c
 * A JSON syntax error says what was expected where: line and column of
 * the place to fix, and the whole message checked, one case per mistake a
 * person makes by hand (config/syntax.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "test_config.h"

/* The whole message, at line:col, and nothing else reported. */
static void
syntax(const char *json, int line, int col, const char *msg)
{
	static struct cfg_err err;
	struct cfg c;
	char text[1024], want[1024];

	cr_assert(
	    eq(int, cfg_load_buf("tend.json", json, strlen(json), &c, &err),
	        -1),
	    "loaded: %s", json);
	cfg_err_format(&err, text, sizeof(text));
	snprintf(want, sizeof(want), "tend.json:%d:%d: %s", line, col, msg);
	cr_assert(eq(str, text, want), "for %s", json);
	cr_assert(eq(sz, err.e_count, 1));
	cr_assert(eq(str, err.e_path, ""));
	assert_cfg_empty(&c);
}

Test(config_syntax, a_missing_comma_between_members_names_the_member)
{
	syntax(
	    "{\n  \"jobs\": {\n    \"a\": {\"cmd\": \"x\" \"kind\": \"task\"}\n"
	    "  }\n}\n",
	    3, 22, "missing , or } after \"cmd\"");
	syntax("{\"a\": 1 \"b\": 2}", 1, 9, "missing , or } after \"a\"");
}

Test(config_syntax, a_missing_comma_in_an_array_names_the_item)
{
	syntax("{\"w\": [\"a\" \"b\"]}", 1, 12,
	    "missing , or ] after item 1 of \"w\"");
	syntax("[[1 2]]", 1, 5, "missing , or ] after item 1 of the array");
}

Test(config_syntax, a_wrong_closing_bracket_names_the_open_one)
{
	syntax("{\"a\": [1, 2}", 1, 12,
	    "expected , or ] after item 2 of \"a\", got } (the [ at 1:7 is "
	    "still open)");
	syntax("{\"a\": {\"b\": 1]", 1, 14,
	    "expected , or } after \"b\", got ] (the { at 1:7 is still open)");
}

Test(config_syntax, a_missing_colon)
{
	syntax("{\"jobs\" {}}", 1, 9, "missing : after \"jobs\"");
}

Test(config_syntax, a_missing_value)
{
	syntax("{\"a\": }", 1, 7, "expected a value for \"a\", got }");
	syntax(
	    "{\"a\": , \"b\": 1}", 1, 7, "expected a value for \"a\", got ,");
	syntax("{\"a\": [1,,2]}", 1, 10,
	    "expected a value after item 1 of \"a\", got ,");
	syntax("{\"a\": [}", 1, 8, "expected a value or ], got }");
}

Test(config_syntax, trailing_commas_are_named_at_the_comma)
{
	syntax("{\"a\": 1,\n}", 1, 8,
	    "trailing comma before } (JSON allows none)");
	syntax("{\"a\": [1, 2, ]}", 1, 12,
	    "trailing comma before ] (JSON allows none)");
}

Test(config_syntax, an_unterminated_string_is_named_where_it_starts)
{
	syntax("{\"a\": \"x}", 1, 7, "unterminated string");
	syntax("{\n  \"cmd\": \"make,\n  \"kind\": \"task\"\n}", 2, 10,
	    "unterminated string (a string ends on the line it starts: "
	    "missing \"?)");
}

Test(config_syntax, keys_need_double_quotes)
{
	syntax("{jobs: {}}", 1, 2,
	    "expected a key in double quotes or }, got jobs");
	syntax("{'jobs': {}}", 1, 2,
	    "expected a key in double quotes or }, got 'jobs'");
	syntax("{\"a\": 1, b: 2}", 1, 10,
	    "expected a key in double quotes, got b");
}

Test(config_syntax, values_that_are_not_json_say_why)
{
	syntax("{\"a\": 'x'}", 1, 7,
	    "expected a value, got 'x' (a string is in double quotes)");
	syntax("{\"a\": make}", 1, 7,
	    "expected a value, got make (a string is in double quotes)");
	syntax("{\"a\": True}", 1, 7,
	    "expected a value, got True (true, false and null are lower case)");
	syntax("{\"a\": nul}", 1, 7,
	    "expected a value, got nul (a string is in double quotes)");
	syntax("{\"a\": \xc3\xa9}", 1, 7, "expected a value, got \xc3\xa9");
}

Test(config_syntax, numbers_are_decimal_without_leading_zeros)
{
	syntax("{\"a\": 01}", 1, 7,
	    "invalid number 01 (no leading zeros in JSON)");
	syntax("{\"a\": 0x1F}", 1, 7,
	    "invalid number 0x1F (JSON numbers are decimal)");
	syntax("{\"a\": 1.}", 1, 7, "invalid number 1.");
	syntax("{\"a\": 1e}", 1, 7, "invalid number 1e");
	syntax("{\"a\": -}", 1, 7, "invalid number -");
	syntax("{\"a\": 1.2.3}", 1, 7, "invalid number 1.2.3");
	syntax("{\"a\": +1}", 1, 7,
	    "invalid number +1 (a JSON number starts with - or a digit)");
	syntax("{\"a\": .5}", 1, 7,
	    "invalid number .5 (a JSON number starts with - or a digit)");
}

Test(config_syntax, escapes_and_control_characters_in_strings)
{
	syntax("{\"a\": \"\\q\"}", 1, 8,
	    "invalid escape \\q in a string (a backslash itself is written "
	    "\\\\)");
	syntax("{\"a\": \"\\u12\"}", 1, 8,
	    "invalid \\u escape: expected four hex digits");
	syntax("{\"a\": \"\\udc00\"}", 1, 8,
	    "invalid \\u escape: \\udc00 is the second half of a surrogate "
	    "pair, without the first");
	syntax("{\"a\": \"\\ud800x\"}", 1, 8,
	    "invalid \\u escape: \\ud800 starts a surrogate pair that no "
	    "\\udc00-\\udfff ends");
	syntax("{\"a\": \"x\\u0000\"}", 1, 9,
	    "\\u0000 in a string: tend cannot hold a NUL character");
	syntax("{\"a\": \"x\ty\"}", 1, 9,
	    "the control character 0x09 in a string (write it as \\t)");
	syntax("{\"a\": \"x\x01\"}", 1, 9,
	    "the control character 0x01 in a string (write it as \\u0001)");
}

Test(config_syntax, the_end_of_input_names_what_is_still_open)
{
	syntax("{\"a\": [1, 2", 1, 12,
	    "unexpected end of input: missing ] to close \"a\" (opened at 1:7)");
	syntax("{\"a\": 1", 1, 8,
	    "unexpected end of input: missing } to close the object (opened "
	    "at 1:1)");
	syntax("{\"a\":", 1, 6,
	    "unexpected end of input: missing } to close the object (opened "
	    "at 1:1)");
}

Test(config_syntax, trailing_characters_say_what_follows)
{
	syntax("{}\n}", 2, 1,
	    "unexpected trailing characters after the end of the document: } "
	    "(one too many?)");
	syntax("{} {}", 1, 4,
	    "unexpected trailing characters after the end of the document: {");
}

Test(config_syntax, whitespace_is_only_what_json_allows)
{
	syntax("{\"a\":\f1}", 1, 6,
	    "expected a value, got the control character 0x0c");
}

Test(config_syntax, nesting_is_bounded_like_cjson)
{
	char *deep = malloc(2 * 1001 + 16);
	size_t n = 0;

	cr_assert(ne(ptr, deep, NULL));
	deep[n++] = '{';
	memcpy(deep + n, "\"a\":", 4);
	n += 4;
	for (int i = 0; i < 1000; i++)
		deep[n++] = '[';
	deep[n] = '\0';
	syntax(deep, 1, 1005, "nested deeper than 1000 objects and arrays");
	free(deep);
}

Test(config_syntax, valid_json_of_every_kind_still_loads)
{
	struct cfg c;

	load_ok("{\"$schema\": \"x\\u00e9\\ud83d\\ude00\\t\\\"\\\\\\/\", "
	        "\"jobs\": {\"a\": {\"cmd\": [\"x\", \"\"], \"timeout\": 0, "
	        "\"stop_timeout\": 1.5e0, \"restart_limit\": 10,"
	        "\"env\": {\"N\": \"-0\"}, \"ready\": null}},\r\n"
	        "\"watch\": {\"debounce_ms\": 0}, \"shutdown\": {\"grace\": "
	        "2E-1}}",
	    &c);
	cfg_free(&c);
}
