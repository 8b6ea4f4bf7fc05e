/* SPDX-License-Identifier: ISC */
/*
 * tests/unit/test_config_names.c
 * The small parsers config/ exports: listen addresses, signal names, and
 * the "did you mean" distance behind every suggestion.
 */
#include <signal.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "cfg_int.h"
#include "config.h"

static void
assert_hostport(const char *s, const char *host, unsigned port)
{
	char h[64];
	unsigned p = 12345;

	cr_assert(eq(int, cfg_split_hostport(s, h, sizeof(h), &p), 0),
	    "rejected %s", s);
	cr_assert(eq(str, h, (char *)host));
	cr_assert(eq(uint, p, port));
}

static void
assert_not_hostport(const char *s)
{
	char h[64] = "untouched";
	unsigned p = 7;

	cr_assert(eq(int, cfg_split_hostport(s, h, sizeof(h), &p), -1),
	    "accepted %s", s);
	cr_assert(eq(str, h, "untouched"));
	cr_assert(eq(uint, p, 7));
}

Test(config_addr, ipv4_with_a_port_splits)
{
	assert_hostport("127.0.0.1:8000", "127.0.0.1", 8000);
	assert_hostport("0.0.0.0:65535", "0.0.0.0", 65535);
}

Test(config_addr, localhost_splits)
{
	assert_hostport("localhost:80", "localhost", 80);
}

Test(config_addr, bracketed_ipv6_loses_its_brackets)
{
	assert_hostport("[::1]:0", "::1", 0);
	assert_hostport("[fe80::1:2]:8080", "fe80::1:2", 8080);
}

Test(config_addr, an_address_without_a_port_is_rejected)
{
	assert_not_hostport("localhost");
	assert_not_hostport("127.0.0.1:");
	assert_not_hostport("[::1]");
}

Test(config_addr, a_port_out_of_range_or_not_decimal_is_rejected)
{
	assert_not_hostport("127.0.0.1:65536");
	assert_not_hostport("127.0.0.1:-1");
	assert_not_hostport("127.0.0.1:+80");
	assert_not_hostport("127.0.0.1: 80");
	assert_not_hostport("127.0.0.1:0x50");
	assert_not_hostport("127.0.0.1:000080");
}

Test(config_addr, a_host_that_needs_dns_or_is_malformed_is_rejected)
{
	assert_not_hostport(":80");
	assert_not_hostport("example.com:80");
	assert_not_hostport("256.0.0.1:80");
	assert_not_hostport("1.2.3:80");
	assert_not_hostport("::1:80");
	assert_not_hostport("[::1:80");
	assert_not_hostport("[]:80");
	assert_not_hostport("[127.0.0.1]:80");
	assert_not_hostport("LOCALHOST:80");
	assert_not_hostport("");
}

Test(config_addr, a_host_buffer_too_small_is_an_error_not_an_overrun)
{
	char h[9];
	unsigned p;

	cr_assert(
	    eq(int, cfg_split_hostport("127.0.0.1:1", h, sizeof(h), &p), -1));
	cr_assert(
	    eq(int, cfg_split_hostport("1.2.3.4:1", h, sizeof(h), &p), 0));
	cr_assert(eq(str, h, "1.2.3.4"));
}

Test(config_signals, names_with_and_without_sig_are_the_same)
{
	cr_assert(eq(int, cfg_signal_from_name("SIGTERM"), SIGTERM));
	cr_assert(eq(int, cfg_signal_from_name("TERM"), SIGTERM));
	cr_assert(eq(int, cfg_signal_from_name("SIGINT"), SIGINT));
	cr_assert(eq(int, cfg_signal_from_name("WINCH"), SIGWINCH));
}

Test(config_signals, every_usual_signal_has_a_name_both_ways)
{
	static const int sigs[] = {SIGHUP, SIGINT, SIGQUIT, SIGKILL, SIGUSR1,
	    SIGUSR2, SIGTERM, SIGCONT, SIGSTOP, SIGTSTP, SIGWINCH, SIGALRM,
	    SIGPIPE, SIGCHLD, SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGABRT,
	    SIGSYS};
	size_t i;

	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		const char *name = cfg_signal_name(sigs[i]);

		cr_assert(ne(ptr, (void *)name, NULL), "signal %d", sigs[i]);
		cr_assert(eq(int, strncmp(name, "SIG", 3), 0));
		cr_assert(eq(int, cfg_signal_from_name(name), sigs[i]));
		cr_assert(eq(int, cfg_signal_from_name(name + 3), sigs[i]));
	}
}

Test(config_signals, numbers_from_1_to_64_are_accepted)
{
	cr_assert(eq(int, cfg_signal_from_name("15"), 15));
	cr_assert(eq(int, cfg_signal_from_name("1"), 1));
	cr_assert(eq(int, cfg_signal_from_name("64"), 64));
	cr_assert(eq(int, cfg_signal_from_name("0"), -1));
	cr_assert(eq(int, cfg_signal_from_name("65"), -1));
	cr_assert(eq(int, cfg_signal_from_name("1000"), -1));
	cr_assert(eq(int, cfg_signal_from_name("15x"), -1));
}

Test(config_signals, unknown_or_lowercase_names_are_rejected)
{
	cr_assert(eq(int, cfg_signal_from_name("sigterm"), -1));
	cr_assert(eq(int, cfg_signal_from_name("Term"), -1));
	cr_assert(eq(int, cfg_signal_from_name("SIG"), -1));
	cr_assert(eq(int, cfg_signal_from_name("SIGSIGTERM"), -1));
	cr_assert(eq(int, cfg_signal_from_name(""), -1));
	cr_assert(eq(int, cfg_signal_from_name(NULL), -1));
}

Test(config_signals, a_signal_without_a_name_gives_null)
{
	cr_assert(eq(ptr, (void *)cfg_signal_name(0), NULL));
	cr_assert(eq(ptr, (void *)cfg_signal_name(40), NULL));
	cr_assert(eq(str, (char *)cfg_signal_name(SIGTERM), "SIGTERM"));
}

Test(config_suggest, distance_counts_edits_and_swaps)
{
	cr_assert(eq(sz, cfg_distance("cwd", "cwd"), 0));
	cr_assert(eq(sz, cfg_distance("cwdd", "cwd"), 1));
	cr_assert(eq(sz, cfg_distance("jbos", "jobs"), 1));
	cr_assert(eq(sz, cfg_distance("CMD", "cmd"), 0));
	cr_assert(eq(sz, cfg_distance("", "abc"), 3));
	cr_assert(eq(sz, cfg_distance("kitten", "sitting"), 3));
}

Test(config_suggest, only_close_words_are_suggested)
{
	static const char *const keys[] = {
	    "cmd", "cwd", "env", "stop_timeout", "timeout"};

	cr_assert(eq(
	    str, (char *)cfg_suggest("stop_timout", keys, 5), "stop_timeout"));
	cr_assert(eq(str, (char *)cfg_suggest("timeot", keys, 5), "timeout"));
	cr_assert(eq(ptr, (void *)cfg_suggest("ww", keys, 5), NULL));
	cr_assert(eq(ptr, (void *)cfg_suggest("zzzzzzz", keys, 5), NULL));
}

Test(config_names, http_urls_split_into_authority_host_port_and_path)
{
	char auth[80], host[64];
	const char *path;
	unsigned port;

	cr_assert_eq(cfg_split_http_url("http://127.0.0.1:8080/health", auth,
	                 sizeof(auth), host, sizeof(host), &port, &path),
	    0);
	cr_assert_str_eq(auth, "127.0.0.1:8080");
	cr_assert_str_eq(host, "127.0.0.1");
	cr_assert_eq(port, 8080);
	cr_assert_str_eq(path, "/health");
	cr_assert_eq(cfg_split_http_url("http://localhost", auth, sizeof(auth),
	                 host, sizeof(host), &port, &path),
	    0);
	cr_assert_eq(port, 80);
	cr_assert_str_eq(path, "/");
	cr_assert_eq(cfg_split_http_url("http://[::1]/x", auth, sizeof(auth),
	                 host, sizeof(host), &port, &path),
	    0);
	cr_assert_str_eq(host, "::1");
	cr_assert_eq(port, 80);
	cr_assert_eq(cfg_split_http_url("https://127.0.0.1/", auth,
	                 sizeof(auth), host, sizeof(host), &port, &path),
	    -1);
	cr_assert_eq(cfg_split_http_url("http:///x", auth, sizeof(auth), host,
	                 sizeof(host), &port, &path),
	    -1);
	cr_assert_eq(cfg_split_http_url("http://example.com/", auth,
	                 sizeof(auth), host, sizeof(host), &port, &path),
	    -1, "names are never resolved");
}
