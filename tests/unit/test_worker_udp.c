/* SPDX-License-Identifier: ISC */
/*
 * tests/unit/test_worker_udp.c
 * How a datagram is read: commands, and log records rendered printable.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "udp.h"

static enum udp_cmd
parse(const char *s, char *job)
{
	return udp_parse(s, strlen(s), job, 64);
}

Test(udp, commands_are_recognised_with_trailing_newlines)
{
	char job[64];

	cr_assert_eq(parse("ping", job), UDP_PING);
	cr_assert_eq(parse("ping\n", job), UDP_PING);
	cr_assert_eq(parse("reload\r\n", job), UDP_RELOAD);
	cr_assert_eq(parse("build", job), UDP_BUILD);
	cr_assert_str_eq(job, "");
	cr_assert_eq(parse("build site\n", job), UDP_BUILD);
	cr_assert_str_eq(job, "site");
}

Test(udp, anything_else_is_a_log_record)
{
	char job[64];

	cr_assert_eq(parse("pingpong", job), UDP_LOG);
	cr_assert_eq(parse("builder", job), UDP_LOG);
	cr_assert_eq(parse("build two words", job), UDP_LOG);
	cr_assert_eq(parse("build a\x01", job), UDP_LOG);
	cr_assert_eq(parse("", job), UDP_LOG);
	cr_assert_eq(parse(" ping", job), UDP_LOG);
	char longname[200];
	memset(longname, 'a', sizeof(longname));
	memcpy(longname, "build ", 6);
	longname[199] = '\0';
	cr_assert_eq(parse(longname, job), UDP_LOG);
}

Test(udp, records_are_escaped_to_one_printable_line)
{
	char out[64];

	udp_escape("a\nb\\c\x01\xff\n", 8, out, sizeof(out));
	cr_assert_str_eq(out, "a\\x0ab\\\\c\\x01\\xff");
	cr_assert_eq(udp_escape("abcdef", 6, out, 4), 3);
	cr_assert_str_eq(out, "abc");
	udp_escape("\x01\x02", 2, out, 6);
	cr_assert_str_eq(out, "\\x01", "never a partial escape");
}
