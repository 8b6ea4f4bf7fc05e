/* SPDX-License-Identifier: ISC */
/*
 * tests/unit/test_worker_http_guard.c
 * The guards as pure functions (http_guard.c): Host syntax and the
 * allowlist against DNS rebinding, the same-origin rule for requests that
 * change state, and the names never served.
 */
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "http_priv.h"

static int
split(const char *v, char *host)
{
	return wrk_guard_host_split(v, strlen(v), host, WRK_HDR_VAL);
}

Test(http_guard, host_values_are_split_and_checked)
{
	char h[WRK_HDR_VAL];

	cr_assert(eq(int, split("LocalHost:8000", h), 0));
	cr_assert(eq(str, h, "localhost"));
	cr_assert(eq(int, split("[::1]:80", h), 0));
	cr_assert(eq(str, h, "::1"));
	cr_assert(eq(int, split("localhost.", h), 0));
	cr_assert(eq(str, h, "localhost"));
	cr_assert(eq(int, split(" 127.0.0.1 ", h), 0));
	cr_assert(eq(str, h, "127.0.0.1"));
	cr_assert(eq(int, split("", h), 0));
	cr_assert(eq(str, h, ""));
	/* RFC 9112 3.2: an invalid Host is a 400. */
	cr_assert(eq(int, split("a b/c", h), -1));
	cr_assert(eq(int, split("a/b", h), -1));
	cr_assert(eq(int, split("user@host", h), -1));
	cr_assert(eq(int, split("host:80x", h), -1));
	cr_assert(eq(int, split("[::1", h), -1));
	cr_assert(eq(int, split("[]:80", h), -1));
	cr_assert(eq(int, split("[::g]", h), -1));
	cr_assert(eq(int, split("[::1]x", h), -1));
}

Test(http_guard, loopback_names_and_ip_addresses_are_allowed_others_not)
{
	struct wrk_http_limits l;

	wrk_http_limits_default(&l);
	cr_assert(wrk_guard_host_allowed(&l, "localhost"));
	cr_assert(wrk_guard_host_allowed(&l, "app.localhost"));
	cr_assert(wrk_guard_host_allowed(&l, "127.0.0.1"));
	cr_assert(wrk_guard_host_allowed(&l, "::1"));
	cr_assert(
	    wrk_guard_host_allowed(&l, "192.168.1.20")); /* bound 0.0.0.0 */
	cr_assert(wrk_guard_host_allowed(&l, "")); /* HTTP/1.0, no Host */
	cr_assert(not(wrk_guard_host_allowed(&l, "evil.example")));
	cr_assert(not(wrk_guard_host_allowed(&l, "localhost.evil.example")));
	cr_assert(not(wrk_guard_host_allowed(&l, "evillocalhost")));
	cr_assert(not(wrk_guard_host_allowed(&l, "127.0.0.1.nip.io")));
	cr_assert(not(wrk_guard_host_allowed(&l, "1.2.3")));
}

Test(http_guard, serve_hosts_adds_names_suffixes_or_any)
{
	static char *const hosts[] = {"dev.example", "*.test"};
	static char *const any[] = {"*"};
	struct wrk_http_limits l;

	wrk_http_limits_default(&l);
	l.hosts = hosts;
	l.nhosts = 2;
	cr_assert(wrk_guard_host_allowed(&l, "dev.example"));
	cr_assert(wrk_guard_host_allowed(&l, "a.b.test"));
	cr_assert(not(wrk_guard_host_allowed(&l, "test")));
	cr_assert(not(wrk_guard_host_allowed(&l, "x.dev.example")));
	l.hosts = any;
	l.nhosts = 1;
	cr_assert(wrk_guard_host_allowed(&l, "evil.example"));
}

static void
set(struct wrk_hval *v, const char *s)
{
	v->len = strlen(s);
	memcpy(v->v, s, v->len + 1);
}

Test(http_guard, state_changes_come_from_the_same_origin_or_no_browser)
{
	struct wrk_hval hdrs[HDR_COUNT];
	struct wrk_req r;

	memset(&r, 0, sizeof(r));
	memset(hdrs, 0, sizeof(hdrs));
	r.hdr = hdrs;
	set(&r.hdr[HDR_HOST], "127.0.0.1:8000");
	cr_assert(wrk_guard_same_origin(&r)); /* curl: no Origin */
	set(&r.hdr[HDR_ORIGIN], "http://127.0.0.1:8000");
	cr_assert(wrk_guard_same_origin(&r));
	set(&r.hdr[HDR_ORIGIN], "http://evil.example");
	cr_assert(not(wrk_guard_same_origin(&r)));
	set(&r.hdr[HDR_ORIGIN], "null");
	cr_assert(not(wrk_guard_same_origin(&r)));
	set(&r.hdr[HDR_ORIGIN], "http://127.0.0.1:8001");
	cr_assert(not(wrk_guard_same_origin(&r)));
	set(&r.hdr[HDR_ORIGIN], "");
	set(&r.hdr[HDR_SEC_FETCH_SITE], "cross-site");
	cr_assert(not(wrk_guard_same_origin(&r)));
	set(&r.hdr[HDR_SEC_FETCH_SITE], "same-site");
	cr_assert(not(wrk_guard_same_origin(&r)));
	set(&r.hdr[HDR_SEC_FETCH_SITE], "same-origin");
	cr_assert(wrk_guard_same_origin(&r));
	set(&r.hdr[HDR_SEC_FETCH_SITE], "none"); /* typed by the user */
	cr_assert(wrk_guard_same_origin(&r));
}

Test(http_guard, secrets_are_hidden_and_deny_allow_adjust_it)
{
	static char *const deny[] = {"drafts", "notes/*.txt"};
	static char *const allow[] = {".env.example"};
	struct wrk_http_limits l;
	const char *hidden[] = {".env", ".env.local", ".envrc", ".git/config",
	    "a/.git/HEAD", ".hg/store", ".svn/entries", "certs/site.pem",
	    "tls.key", "id_rsa", "keys/id_rsa.pub", "id_ed25519"};
	const char *served[] = {"index.html", ".well-known/security.txt",
	    "keyboard.html", "env.js", "a/git/config", "pem.html"};

	wrk_http_limits_default(&l);
	for (size_t i = 0; i < sizeof(hidden) / sizeof(hidden[0]); i++)
		cr_assert(wrk_guard_hidden(&l, hidden[i]), "%s", hidden[i]);
	for (size_t i = 0; i < sizeof(served) / sizeof(served[0]); i++)
		cr_assert(
		    not(wrk_guard_hidden(&l, served[i])), "%s", served[i]);
	l.deny = deny;
	l.ndeny = 2;
	l.allow = allow;
	l.nallow = 1;
	cr_assert(wrk_guard_hidden(&l, "drafts/post.html"));
	cr_assert(wrk_guard_hidden(&l, "notes/a.txt"));
	cr_assert(not(wrk_guard_hidden(&l, "notes/a.html")));
	cr_assert(not(wrk_guard_hidden(&l, ".env.example")));
	cr_assert(wrk_guard_hidden(&l, ".env"));
}
