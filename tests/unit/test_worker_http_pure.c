/* SPDX-License-Identifier: ISC */
/*
 * tests/unit/test_worker_http_pure.c
 * The HTTP server's pure helpers, without sockets: URL path cleaning,
 * byte ranges, entity tags, HTTP dates, content types, query parameters,
 * JSON strings, the loopback test, and where live reload puts its tag.
 */
#include <sys/mman.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <string.h>

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "http_priv.h"

static void
assert_clean(const char *in, const char *want)
{
	char out[256];
	int st;

	st = wrk_http_path_clean(in, strlen(in), out, sizeof(out));
	cr_assert(eq(int, st, 0), "path %s refused with %d", in, st);
	cr_assert(eq(str, out, (char *)want), "path %s", in);
}

static void
assert_refused(const char *in, size_t len)
{
	char out[256];

	cr_assert(eq(int, wrk_http_path_clean(in, len, out, sizeof(out)), 400),
	    "path %s accepted as %s", in, out);
}

#define REFUSED(s) assert_refused((s), sizeof(s) - 1)

Test(http_path, plain_paths_become_relative_to_the_root)
{
	assert_clean("/", "");
	assert_clean("/index.html", "index.html");
	assert_clean("/sub/page.css", "sub/page.css");
	assert_clean("/sub/", "sub/");
	assert_clean("/...", "...");
	assert_clean("/.well-known/x", ".well-known/x");
}

Test(http_path, repeated_slashes_collapse_and_a_trailing_one_stays)
{
	assert_clean("//etc/passwd", "etc/passwd");
	assert_clean("/a///b//", "a/b/");
	assert_clean("///", "");
}

Test(http_path, escapes_are_decoded_exactly_once)
{
	assert_clean("/a%20b.txt", "a b.txt");
	assert_clean("/a%2fb", "a/b");
	assert_clean("/100%25.html", "100%.html");
	assert_clean("/caf%C3%A9", "caf\xc3\xa9");
}

Test(http_path, dot_segments_are_refused_in_every_spelling)
{
	REFUSED("/../secret");
	REFUSED("/a/../../secret");
	REFUSED("/a/./b");
	REFUSED("/.");
	REFUSED("/..");
	REFUSED("/sub/..");
	REFUSED("/%2e%2e/secret");
	REFUSED("/%2E%2e/secret");
	REFUSED("/..%2fsecret");
	REFUSED("/%2e%2e%2fsecret");
	REFUSED("/%2e/x");
}

Test(http_path, double_encoding_is_refused)
{
	REFUSED("/%252e%252e/secret");
	REFUSED("/%252fetc");
	REFUSED("/%255c");
	REFUSED("/%2525");
}

Test(http_path, bad_escapes_nul_controls_and_backslashes_are_refused)
{
	REFUSED("/a%zz");
	REFUSED("/a%2");
	REFUSED("/a%");
	REFUSED("/secret%00.html");
	REFUSED("/a%0d%0aX: y");
	REFUSED("/a\\b");
	REFUSED("/a%5cb");
	REFUSED("/..\\secret");
	assert_refused("/a\0b", 4);
}

Test(http_path, targets_not_starting_with_a_slash_are_refused)
{
	REFUSED("");
	REFUSED("index.html");
	REFUSED("*");
}

static void
assert_range(const char *s, uint64_t size, enum wrk_range want,
    uint64_t want_off, uint64_t want_cnt)
{
	uint64_t off = 99, cnt = 99;
	enum wrk_range got;

	got = wrk_http_range_parse(s, strlen(s), size, &off, &cnt);
	cr_assert(eq(int, (int)got, (int)want), "range %s of %llu", s,
	    (unsigned long long)size);
	if (want == RANGE_OK) {
		cr_assert(eq(u64, off, want_off), "range %s offset", s);
		cr_assert(eq(u64, cnt, want_cnt), "range %s count", s);
	}
}

Test(http_range, closed_open_and_suffix_ranges_are_understood)
{
	assert_range("bytes=0-0", 100, RANGE_OK, 0, 1);
	assert_range("bytes=10-19", 100, RANGE_OK, 10, 10);
	assert_range("bytes=90-", 100, RANGE_OK, 90, 10);
	assert_range("bytes=-5", 100, RANGE_OK, 95, 5);
	assert_range(" bytes = 1-2 ", 100, RANGE_OK, 1, 2);
	assert_range("Bytes=1-2", 100, RANGE_OK, 1, 2);
}

Test(http_range, ranges_past_the_end_are_clamped)
{
	assert_range("bytes=50-1000", 100, RANGE_OK, 50, 50);
	assert_range("bytes=-1000", 100, RANGE_OK, 0, 100);
	assert_range("bytes=0-99999999999999999999999", 100, RANGE_OK, 0, 100);
}

Test(http_range, ranges_beyond_the_file_are_unsatisfiable)
{
	assert_range("bytes=100-", 100, RANGE_UNSAT, 0, 0);
	assert_range("bytes=100-200", 100, RANGE_UNSAT, 0, 0);
	assert_range("bytes=-0", 100, RANGE_UNSAT, 0, 0);
	assert_range("bytes=0-", 0, RANGE_UNSAT, 0, 0);
	assert_range("bytes=-1", 0, RANGE_UNSAT, 0, 0);
	assert_range("bytes=99999999999999999999999-", 100, RANGE_UNSAT, 0, 0);
}

Test(http_range, several_or_malformed_ranges_are_ignored)
{
	assert_range("bytes=0-1,5-6", 100, RANGE_IGNORE, 0, 0);
	assert_range("bytes=5-1", 100, RANGE_IGNORE, 0, 0);
	assert_range("bytes=", 100, RANGE_IGNORE, 0, 0);
	assert_range("bytes=-", 100, RANGE_IGNORE, 0, 0);
	assert_range("bytes=a-b", 100, RANGE_IGNORE, 0, 0);
	assert_range("bytes=1-2x", 100, RANGE_IGNORE, 0, 0);
	assert_range("items=0-1", 100, RANGE_IGNORE, 0, 0);
	assert_range("bytes 0-1", 100, RANGE_IGNORE, 0, 0);
	assert_range("", 100, RANGE_IGNORE, 0, 0);
}

Test(http_etag, the_tag_encodes_mtime_and_size_in_hex)
{
	struct timespec ts = {.tv_sec = 0x5f5e100, .tv_nsec = 0xabc};
	char buf[64];

	wrk_http_etag(buf, sizeof(buf), &ts, 4096);
	cr_assert(eq(str, buf, "\"5f5e100-abc-1000\""));
}

static bool
inm(const char *list, const char *etag)
{
	return wrk_http_etag_match(list, strlen(list), etag);
}

Test(http_etag, if_none_match_compares_weakly_across_a_list)
{
	cr_assert(inm("\"a-1-2\"", "\"a-1-2\""));
	cr_assert(inm("W/\"a-1-2\"", "\"a-1-2\""));
	cr_assert(inm("\"x\", W/\"y\" ,\"a-1-2\"", "\"a-1-2\""));
	cr_assert(inm("*", "\"a-1-2\""));
	cr_assert(inm(" \"zz\", *", "\"a-1-2\""));
	cr_assert(not(inm("\"a-1-3\"", "\"a-1-2\"")));
	cr_assert(not(inm("a-1-2", "\"a-1-2\"")));
	cr_assert(not(inm("\"a-1-2", "\"a-1-2\"")));
	cr_assert(not(inm("", "\"a-1-2\"")));
	cr_assert(not(inm("\"a-1-2\"x", "\"a-1-2x\"")));
}

/* wrk_inject_at on s copied flush against a guard page: no overread. */
static size_t
inject_at(const char *s)
{
	size_t len = strlen(s), pg = 4096, at;
	char *m;

	m = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert(m != MAP_FAILED);
	cr_assert(mprotect(m + pg, pg, PROT_NONE) == 0);
	memcpy(m + pg - len, s, len);
	at = wrk_inject_at(m + pg - len, len);
	munmap(m, 2 * pg);
	return at;
}

Test(http_inject, the_tag_goes_before_the_last_closing_body_in_any_case)
{
	cr_assert(eq(sz, inject_at("<body>x</body>"), 7));
	cr_assert(eq(sz, inject_at("</body></body>\n"), 7));
	cr_assert(eq(sz, inject_at("a</BODY>b</bOdY>c"), 9));
	cr_assert(eq(sz, inject_at("</body>"), 0));
	cr_assert(eq(sz, inject_at("</body></body"), 0));
}

Test(http_inject, without_a_closing_body_the_tag_goes_at_the_end)
{
	cr_assert(eq(sz, inject_at(""), 0));
	cr_assert(eq(sz, inject_at("<p>"), 3));
	cr_assert(eq(sz, inject_at("</body"), 6));
	cr_assert(eq(sz, inject_at("</body >"), 8));
	cr_assert(eq(sz, inject_at("</bodyx>"), 8));
	cr_assert(eq(sz, inject_at("<<body>/body>"), 13));
}

Test(http_inject, the_injected_etag_is_marked_inside_the_quotes)
{
	char buf[64] = "\"5f5e100-abc-1000\"", tiny[8] = "\"abcd\"";

	wrk_inject_etag(buf, sizeof(buf));
	cr_assert(eq(str, buf, "\"5f5e100-abc-1000-lr\""));
	/* No room: left alone rather than cut (a cut tag could match). */
	wrk_inject_etag(tiny, sizeof(tiny));
	cr_assert(eq(str, tiny, "\"abcd\""));
}

Test(http_date, dates_are_formatted_as_imf_fixdate)
{
	char buf[WRK_DATE_LEN + 1];

	wrk_http_date_fmt(784111777, buf);
	cr_assert(eq(str, buf, "Sun, 06 Nov 1994 08:49:37 GMT"));
	wrk_http_date_fmt(0, buf);
	cr_assert(eq(str, buf, "Thu, 01 Jan 1970 00:00:00 GMT"));
}

static time_t
parse_date(const char *s)
{
	time_t t = 0;

	if (wrk_http_date_parse(s, strlen(s), &t) == -1)
		return -1;
	return t;
}

Test(http_date, the_three_http_date_forms_are_parsed)
{
	cr_assert(eq(i64, (int64_t)parse_date("Sun, 06 Nov 1994 08:49:37 GMT"),
	    784111777));
	cr_assert(eq(i64, (int64_t)parse_date("Sunday, 06-Nov-94 08:49:37 GMT"),
	    784111777));
	cr_assert(eq(
	    i64, (int64_t)parse_date("Sun Nov  6 08:49:37 1994"), 784111777));
}

Test(http_date, malformed_dates_are_rejected)
{
	cr_assert(eq(i64, (int64_t)parse_date(""), -1));
	cr_assert(eq(i64, (int64_t)parse_date("yesterday"), -1));
	cr_assert(
	    eq(i64, (int64_t)parse_date("Sun, 06 Nov 1994 08:49:37"), -1));
	cr_assert(
	    eq(i64, (int64_t)parse_date("Sun, 06 Nox 1994 08:49:37 GMT"), -1));
	cr_assert(
	    eq(i64, (int64_t)parse_date("Sun, 06 Nov 1994 25:49:37 GMT"), -1));
	cr_assert(eq(i64,
	    (int64_t)parse_date("Sun, 06 Nov 1994 08:49:37 GMT junk"), -1));
}

Test(http_mime, content_types_follow_the_extension)
{
	cr_assert(eq(str, (char *)wrk_http_mime("index.html"),
	    "text/html; charset=utf-8"));
	cr_assert(eq(str, (char *)wrk_http_mime("a/b/INDEX.HTM"),
	    "text/html; charset=utf-8"));
	cr_assert(eq(str, (char *)wrk_http_mime("app.mjs"),
	    "text/javascript; charset=utf-8"));
	cr_assert(
	    eq(str, (char *)wrk_http_mime("s.css"), "text/css; charset=utf-8"));
	cr_assert(eq(str, (char *)wrk_http_mime("x.svg"), "image/svg+xml"));
	cr_assert(eq(str, (char *)wrk_http_mime("f.woff2"), "font/woff2"));
	cr_assert(eq(str, (char *)wrk_http_mime("m.wasm"), "application/wasm"));
	cr_assert(
	    eq(str, (char *)wrk_http_mime("a.tar.gz"), "application/gzip"));
}

Test(http_mime, unknown_or_missing_extensions_are_octet_streams)
{
	cr_assert(eq(
	    str, (char *)wrk_http_mime("README"), "application/octet-stream"));
	cr_assert(eq(
	    str, (char *)wrk_http_mime("a.b/c"), "application/octet-stream"));
	cr_assert(
	    eq(str, (char *)wrk_http_mime(".gz"), "application/octet-stream"));
	cr_assert(eq(
	    str, (char *)wrk_http_mime("x.exe"), "application/octet-stream"));
}

static int
qparam(const char *q, char *out, size_t outsz)
{
	return wrk_http_query_param(q, strlen(q), "job", out, outsz);
}

Test(http_control, the_job_query_parameter_is_form_decoded)
{
	char out[16];

	cr_assert(eq(int, qparam("job=site", out, sizeof(out)), 1));
	cr_assert(eq(str, out, "site"));
	cr_assert(eq(int, qparam("x=1&job=a%2Fb+c&y", out, sizeof(out)), 1));
	cr_assert(eq(str, out, "a/b c"));
	cr_assert(eq(int, qparam("job=", out, sizeof(out)), 1));
	cr_assert(eq(str, out, ""));
	cr_assert(eq(int, qparam("jobs=1&xjob=2", out, sizeof(out)), 0));
	cr_assert(eq(int, qparam("job=%zz", out, sizeof(out)), -1));
	cr_assert(eq(int, qparam("job=a%0ab", out, sizeof(out)), -1));
	cr_assert(
	    eq(int, qparam("job=0123456789abcdef", out, sizeof(out)), -1));
}

Test(http_control, json_strings_are_escaped)
{
	char out[64];

	wrk_http_json_str(out, sizeof(out), "a\"b\\c\x01");
	cr_assert(eq(str, out, "\"a\\\"b\\\\c\\u0001\""));
}

Test(http_control, only_loopback_peers_count_as_local)
{
	struct sockaddr_in a4 = {.sin_family = AF_INET};
	struct sockaddr_in6 a6 = {.sin6_family = AF_INET6};

	inet_pton(AF_INET, "127.1.2.3", &a4.sin_addr);
	cr_assert(wrk_http_is_loopback((struct sockaddr *)&a4));
	inet_pton(AF_INET, "10.0.0.1", &a4.sin_addr);
	cr_assert(not(wrk_http_is_loopback((struct sockaddr *)&a4)));
	inet_pton(AF_INET6, "::1", &a6.sin6_addr);
	cr_assert(wrk_http_is_loopback((struct sockaddr *)&a6));
	inet_pton(AF_INET6, "::ffff:127.0.0.1", &a6.sin6_addr);
	cr_assert(wrk_http_is_loopback((struct sockaddr *)&a6));
	inet_pton(AF_INET6, "fe80::1", &a6.sin6_addr);
	cr_assert(not(wrk_http_is_loopback((struct sockaddr *)&a6)));
}
