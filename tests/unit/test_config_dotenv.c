/* SPDX-License-Identifier: ISC */
/*
 * tests/unit/test_config_dotenv.c
 * The .env parser alone (config/dotenv.c): every form docker compose and
 * the dotenv libraries accept, and every mistake with its line.
 */
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "dotenv.h"

static struct cfg_dotenv d;

static void
fini(void)
{
	cfg_dotenv_free(&d);
}

TestSuite(config_dotenv, .fini = fini);

static void
parse_ok(const char *text)
{
	struct cfg_dotenv_err err;

	cr_assert(eq(int, cfg_dotenv_parse(text, strlen(text), &d, &err), 0),
	    "line %u: %s", err.line, err.msg);
}

/* Variable i is name=value, set on line. */
static void
var(size_t i, const char *name, const char *value, unsigned line)
{
	cr_assert(i < d.n, "only %zu variables", d.n);
	cr_assert(eq(str, d.v[i].name, (char *)name));
	cr_assert(eq(str, d.v[i].value, (char *)value), "%s", name);
	cr_assert(eq(uint, d.v[i].line, line), "%s", name);
}

static void
parse_fails(const char *text, size_t len, unsigned line, const char *msg)
{
	struct cfg_dotenv_err err;

	cr_assert(eq(int, cfg_dotenv_parse(text, len, &d, &err), -1),
	    "parsed: %s", text);
	cr_assert(eq(uint, err.line, line), "message: %s", err.msg);
	cr_assert(
	    strstr(err.msg, msg) != NULL, "\"%s\" lacks \"%s\"", err.msg, msg);
	cr_assert(eq(sz, d.n, 0));
	cr_assert(eq(ptr, d.v, NULL));
}

Test(config_dotenv, key_value_lines_in_file_order)
{
	parse_ok("A=1\nB_2=two\n_c=x=y\nlower=ok\n");
	cr_assert(eq(sz, d.n, 4));
	var(0, "A", "1", 1);
	var(1, "B_2", "two", 2);
	var(2, "_c", "x=y", 3);
	var(3, "lower", "ok", 4);
}

Test(config_dotenv, an_empty_file_and_only_comments_give_nothing)
{
	parse_ok("");
	cr_assert(eq(sz, d.n, 0));
	parse_ok("\n\n   \n\t\n# a comment\n   # indented\n#\n");
	cr_assert(eq(sz, d.n, 0));
}

Test(config_dotenv, export_and_blanks_around_the_equals_sign)
{
	parse_ok("export A=1\n  export\tB = 2\n\tC\t=\t3\nexport=4\n");
	cr_assert(eq(sz, d.n, 4));
	var(0, "A", "1", 1);
	var(1, "B", "2", 2);
	var(2, "C", "3", 3);
	var(3, "export", "4", 4);
}

Test(config_dotenv, unquoted_values_trim_blanks_and_keep_the_rest)
{
	parse_ok("A=  a b  \nB=\nC=it's \"x\"\nD=\\n\\t$HOME\n");
	var(0, "A", "a b", 1);
	var(1, "B", "", 2);
	var(2, "C", "it's \"x\"", 3);
	var(3, "D", "\\n\\t$HOME", 4);
}

Test(config_dotenv, a_hash_after_a_blank_starts_a_comment)
{
	parse_ok("A=1 # one\nB=a#b\nC=#c\nD= #d\nE=x\t#tab\nF=y #\n");
	var(0, "A", "1", 1);
	var(1, "B", "a#b", 2);
	var(2, "C", "#c", 3);
	var(3, "D", "", 4);
	var(4, "E", "x", 5);
	var(5, "F", "y", 6);
}

Test(config_dotenv, single_quotes_are_literal)
{
	parse_ok("A='a \\n \"b\" $C # not a comment'\nB=''\nC='  x  '\n");
	var(0, "A", "a \\n \"b\" $C # not a comment", 1);
	var(1, "B", "", 2);
	var(2, "C", "  x  ", 3);
}

Test(config_dotenv, double_quotes_have_escapes)
{
	parse_ok("A=\"l1\\nl2\\tt\\rr\\\"q\\\" back\\\\slash\"\n"
	         "B=\"keep \\x \\$ \\' 'single'\"\nC=\"\"\nD=\"a # b\"\n");
	var(0, "A", "l1\nl2\tt\rr\"q\" back\\slash", 1);
	var(1, "B", "keep \\x \\$ \\' 'single'", 2);
	var(2, "C", "", 3);
	var(3, "D", "a # b", 4);
}

Test(config_dotenv, a_comment_may_follow_a_closing_quote)
{
	parse_ok("A=\"x\" # said\nB='y'\t#\nC=\"z\"   \n");
	var(0, "A", "x", 1);
	var(1, "B", "y", 2);
	var(2, "C", "z", 3);
}

Test(config_dotenv, quoted_values_may_span_lines_and_lines_still_count)
{
	parse_ok("A=\"one\ntwo\"\nB='three\n\nfour'\nC=5\n");
	cr_assert(eq(sz, d.n, 3));
	var(0, "A", "one\ntwo", 1);
	var(1, "B", "three\n\nfour", 3);
	var(2, "C", "5", 6);
}

Test(config_dotenv, crlf_lines_no_final_newline_and_a_byte_order_mark)
{
	parse_ok("\xef\xbb\xbf"
	         "A=1\r\nB=\"x\r\ny\"\r\n# c\r\nC='q'\r\nD=last");
	cr_assert(eq(sz, d.n, 4));
	var(0, "A", "1", 1);
	var(1, "B", "x\ny", 2);
	var(2, "C", "q", 5);
	var(3, "D", "last", 6);
}

Test(config_dotenv, a_name_set_twice_is_kept_twice_in_order)
{
	parse_ok("A=1\nA=2\n");
	cr_assert(eq(sz, d.n, 2));
	var(0, "A", "1", 1);
	var(1, "A", "2", 2);
}

/* --- mistakes: the line, and what was expected --- */

#define FAILS(text, line, msg) parse_fails(text, strlen(text), line, msg)

Test(config_dotenv, a_line_without_equals_sign_is_an_error)
{
	FAILS("A=1\n\nnot an assignment\n", 3, "expected KEY=VALUE");
	FAILS("A\n", 1, "expected KEY=VALUE");
	FAILS("A=1\nB", 2, "expected KEY=VALUE");
}

Test(config_dotenv, an_empty_name_is_an_error)
{
	FAILS("=value\n", 1, "expected KEY=VALUE");
	FAILS("  = x\n", 1, "expected KEY=VALUE");
}

Test(config_dotenv, export_without_an_assignment_is_an_error)
{
	FAILS("export A\n", 1, "expected KEY=VALUE");
	FAILS("export \n", 1, "expected KEY=VALUE");
}

Test(config_dotenv, a_blank_inside_the_name_is_an_error)
{
	FAILS("MY VAR=1\n", 1, "expected KEY=VALUE");
}

Test(config_dotenv, names_are_portable_shell_names)
{
	FAILS("1A=x\n", 1, "invalid variable name \"1A\"");
	FAILS("ok=1\nA-B=x\n", 2, "invalid variable name \"A-B\"");
	FAILS("A.B=x\n", 1, "not starting with a digit");
	FAILS("\xc3\xa9=x\n", 1, "invalid variable name");
}

Test(config_dotenv, a_long_bad_name_is_cut_and_control_bytes_hidden)
{
	FAILS("0123456789012345678901234567890123456789012345=x\n", 1,
	    "\"0123456789012345678901234567890123456789...\"");
	FAILS("A\x1b[2J=x\n", 1, "\"A?[2J\"");
}

Test(config_dotenv, an_unterminated_quote_names_the_line_it_opened)
{
	FAILS("A=1\nB=\"open\nC=2\n", 2, "unterminated double-quoted value");
	FAILS("A='open\n", 1, "unterminated single-quoted value");
	/* An escaped quote does not close it. */
	FAILS("A=\"x\\\"\n", 1, "unterminated double-quoted value");
}

Test(config_dotenv, text_after_the_closing_quote_is_an_error)
{
	FAILS("A=\"x\" y\n", 1, "unexpected text after the closing quote");
	FAILS("A='x'y\n", 1, "unexpected text after the closing quote");
	/* On the line where the value ends. */
	FAILS("A=\"x\ny\"z\n", 2, "unexpected text after the closing quote");
}

Test(config_dotenv, lines_inside_quoted_values_count_for_later_errors)
{
	FAILS("A=\"1\n2\n3\"\nbad\n", 4, "expected KEY=VALUE");
	FAILS("A='1\r\n2'\r\nbad\r\n", 3, "expected KEY=VALUE");
}

Test(config_dotenv, a_nul_byte_is_an_error_on_its_line)
{
	static const char text[] = "A=1\nB=x\0y\n";

	parse_fails(text, sizeof(text) - 1, 2, "NUL byte");
}
