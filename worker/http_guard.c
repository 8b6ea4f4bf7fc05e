/* SPDX-License-Identifier: ISC */
/*
 * worker/http_guard.c
 * Who may ask what. tend listens on loopback, and that is not enough: any
 * web page can reach it through the browser. A page on a name its owner
 * points at 127.0.0.1 (DNS rebinding) is same-origin with tend for the
 * browser, so the Host header must name tend (loopback names, an IP
 * address, or a name the user listed); a page elsewhere can still send
 * simple POSTs, so what changes state must come from tend's own origin;
 * secrets kept in the project tree (.env, .git, keys) are never served.
 * Pure functions of the request and the limits (unit tests call them),
 * the 403 page that tells a user which name to allow, and the one for a
 * proxied request another site's page sent.
 */
#include <ctype.h>
#include <fnmatch.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "http_priv.h"

/*
 * Names served as 404, as if absent, unless an allow glob names them:
 * whole names, name prefixes (.env*, id_rsa*) and extensions (*.pem).
 * Matched by hand, not by fnmatch: every request pays for this check.
 */
static const char *const secret_names[] = {".git", ".hg", ".svn", ".ssh",
    ".aws", ".npmrc", ".netrc", ".pgpass", ".htpasswd"};
static const char *const secret_prefixes[] = {".env", "id_rsa", "id_ed25519"};
static const char *const secret_suffixes[] = {".pem", ".key", ".p12", ".pfx"};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static bool
secret(const char *name, size_t n)
{
	for (size_t i = 0; i < NELEM(secret_names); i++)
		if (n == strlen(secret_names[i]) &&
		    memcmp(name, secret_names[i], n) == 0)
			return true;
	for (size_t i = 0; i < NELEM(secret_prefixes); i++) {
		size_t k = strlen(secret_prefixes[i]);
		if (n >= k && memcmp(name, secret_prefixes[i], k) == 0)
			return true;
	}
	for (size_t i = 0; i < NELEM(secret_suffixes); i++) {
		size_t k = strlen(secret_suffixes[i]);
		if (n >= k && memcmp(name + n - k, secret_suffixes[i], k) == 0)
			return true;
	}
	return false;
}

static bool
reg_name_char(unsigned char ch)
{
	return isalnum(ch) || strchr("-._~!$&'()*+,;=%", ch) != NULL;
}

/*
 * Split a Host value (RFC 9110 7.2: uri-host [ ":" port ]) and check its
 * syntax. host gets the name, lower-cased, without brackets or a trailing
 * dot. Returns 0, or -1 when it is not a valid Host (400).
 */
int
wrk_guard_host_split(const char *v, size_t len, char *host, size_t size)
{
	size_t i = 0, o = 0, end;

	while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t'))
		len--;
	while (i < len && (v[i] == ' ' || v[i] == '\t'))
		i++;
	if (i < len && v[i] == '[') {
		/* IP-literal: hex digits, colons, dots (an IPv4 tail). */
		for (end = i + 1; end < len && v[end] != ']'; end++)
			if (!isxdigit((unsigned char)v[end]) && v[end] != ':' &&
			    v[end] != '.')
				return -1;
		if (end == len || end == i + 1)
			return -1;
		i++;
	} else {
		for (end = i; end < len && v[end] != ':'; end++)
			if (!reg_name_char((unsigned char)v[end]))
				return -1;
	}
	if (end - i >= size)
		return -1;
	while (i < end)
		host[o++] = (char)tolower((unsigned char)v[i++]);
	host[o] = '\0';
	if (o > 0 && host[o - 1] == '.')
		host[--o] = '\0';
	if (end < len && v[end] == ']')
		end++;
	if (end == len)
		return 0;
	if (v[end] != ':')
		return -1;
	for (end++; end < len; end++)
		if (!isdigit((unsigned char)v[end]))
			return -1;
	return 0;
}

/* Dotted-quad IPv4, or an IPv6 literal (from brackets: has a ':'). */
static bool
ip_literal(const char *h)
{
	unsigned parts = 0, digits = 0;

	if (strchr(h, ':') != NULL)
		return true;
	for (; *h != '\0'; h++) {
		if (isdigit((unsigned char)*h)) {
			if (++digits > 3)
				return false;
		} else if (*h == '.' && digits > 0) {
			parts++;
			digits = 0;
		} else
			return false;
	}
	return parts == 3 && digits > 0;
}

static bool
suffix(const char *h, const char *s)
{
	size_t hl = strlen(h), sl = strlen(s);

	return hl > sl && strcasecmp(h + hl - sl, s) == 0 &&
	    h[hl - sl - 1] == '.';
}

/*
 * A browser connects to what the name resolves to. An IP address can only
 * be tend's own (a page there is no third party's), localhost and
 * *.localhost resolve to loopback by RFC 6761; any other name may be an
 * attacker's pointed at 127.0.0.1, unless the user listed it.
 */
bool
wrk_guard_host_allowed(const struct wrk_http_limits *l, const char *host)
{
	if (host[0] == '\0' || ip_literal(host) ||
	    strcmp(host, "localhost") == 0 || suffix(host, "localhost"))
		return true;
	for (size_t i = 0; i < l->nhosts; i++) {
		const char *a = l->hosts[i];
		if (strcmp(a, "*") == 0 || strcasecmp(a, host) == 0 ||
		    (strncmp(a, "*.", 2) == 0 && suffix(host, a + 2)))
			return true;
	}
	return false;
}

static bool
hval_is(const struct wrk_hval *v, const char *s)
{
	const char *p = v->v;
	size_t len = v->len;

	while (len > 0 && (*p == ' ' || *p == '\t'))
		p++, len--;
	while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
		len--;
	return !v->over && len == strlen(s) && strncasecmp(p, s, len) == 0;
}

/*
 * A request that changes state: from a browser, only tend's own pages may
 * send it (Sec-Fetch-Site same-origin or none, an Origin equal to
 * http://Host). Without either header it is no browser's (curl, a
 * script, an editor plugin): the caller's loopback rule decides.
 */
bool
wrk_guard_same_origin(const struct wrk_req *r)
{
	const struct wrk_hval *sfs = &r->hdr[HDR_SEC_FETCH_SITE];
	const struct wrk_hval *origin = &r->hdr[HDR_ORIGIN];
	const struct wrk_hval *host = &r->hdr[HDR_HOST];
	char want[WRK_HDR_VAL + 8];

	if ((sfs->len > 0 || sfs->over) && !hval_is(sfs, "same-origin") &&
	    !hval_is(sfs, "none"))
		return false;
	if (origin->len == 0 && !origin->over)
		return true;
	if (host->over || host->len + 8 > sizeof(want))
		return false;
	memcpy(want, "http://", 7);
	memcpy(want + 7, host->v, host->len + 1);
	return hval_is(origin, want);
}

/* One name of the path, or the whole path for a glob with a '/'. */
static bool
listed(char *const *globs, size_t n, const char *path, const char *name,
    size_t nlen)
{
	char one[256];

	if (nlen >= sizeof(one))
		return false;
	memcpy(one, name, nlen);
	one[nlen] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (strchr(globs[i], '/') != NULL) {
			if (fnmatch(globs[i], path,
			        FNM_PATHNAME | FNM_PERIOD) == 0 ||
			    fnmatch(globs[i], path, FNM_LEADING_DIR) == 0)
				return true;
		} else if (fnmatch(globs[i], one, 0) == 0)
			return true;
	}
	return false;
}

/*
 * path is cleaned and relative ("a/.git/config"). Hidden when one of its
 * names is a secret's (or matches serve.deny), unless serve.allow
 * matches that name or the path.
 */
bool
wrk_guard_hidden(const struct wrk_http_limits *l, const char *path)
{
	const char *p = path;

	while (*p != '\0') {
		size_t n = strcspn(p, "/");
		bool deny =
		    secret(p, n) || listed(l->deny, l->ndeny, path, p, n);
		if (deny && !listed(l->allow, l->nallow, path, p, n))
			return true;
		p += n + (p[n] == '/');
	}
	return false;
}

/* 403 for a Host not allowed, with a page that says how to allow it. */
void
wrk_guard_refuse_host(struct wrk_conn *c)
{
	const char *h = c->c_req.host;
	char body[2048], name[WRK_HDR_VAL * 6];
	int n;

	wrk_html_esc(name, sizeof(name), h);
	n = snprintf(body, sizeof(body),
	    "<!doctype html>\n<title>403 Forbidden</title>\n"
	    "<h1>403 Forbidden</h1>\n"
	    "<p>tend does not answer requests for the name <b>%s</b>: a page "
	    "on another site could reach tend through such a name (DNS "
	    "rebinding).</p>\n"
	    "<p>If you opened tend under this name yourself, add it to "
	    "tend.json: <code>\"serve\": {\"hosts\": [\"%s\"]}</code>.</p>\n",
	    name, name);
	if (n < 0 || (size_t)n >= sizeof(body))
		n = 0;
	wrk_resp_start(c, 403);
	wrk_resp_body(c, "text/html; charset=utf-8", body, (size_t)n);
}

/*
 * 403 for a request to a proxy route that could change the server's
 * state, sent by a page of another site (cross-site request forgery
 * against the server behind tend, or a WebSocket opened from there).
 */
void
wrk_guard_refuse_site(struct wrk_conn *c)
{
	static const char body[] =
	    "<!doctype html>\n<title>403 Forbidden</title>\n"
	    "<h1>403 Forbidden</h1>\n"
	    "<p>tend does not forward this request: it was sent by a page of "
	    "another site (its Origin or Sec-Fetch-Site says so), and it "
	    "could change the state of the server behind tend. Only tend's "
	    "own pages, and clients that are no browser, may send such "
	    "requests (GET, HEAD and OPTIONS pass from anywhere).</p>\n";

	wrk_resp_start(c, 403);
	wrk_resp_body(c, "text/html; charset=utf-8", body, sizeof(body) - 1);
}
