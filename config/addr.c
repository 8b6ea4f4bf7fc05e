/* SPDX-License-Identifier: ISC */
/*
 * config/addr.c
 * "HOST:PORT" as tend.json and the command line write listen addresses.
 * Only literal addresses and "localhost" are accepted: a name that needs
 * DNS would make startup slow or ambiguous, and the check stays pure.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "cfg_int.h"

/* Longest host part: a bracketed IPv6 literal with its brackets. */
#define CFG_HOST_MAX (INET6_ADDRSTRLEN + 2)

static int
cfg_parse_port(const char *s, unsigned *port)
{
	unsigned long v = 0;
	size_t i;

	/* Digits only: no sign, no spaces, no hex, at most 5 of them. */
	if (s[0] == '\0' || strlen(s) > 5)
		return -1;
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > 65535)
		return -1;
	*port = (unsigned)v;
	return 0;
}

/*
 * "127.0.0.1:8000" -> "127.0.0.1", 8000; "[::1]:0" -> "::1", 0 (brackets
 * removed, ready for inet_pton); "localhost:80" -> "localhost", 80.
 * host is written only on success and must hold the host and its NUL.
 */
int
cfg_split_hostport(const char *s, char *host, size_t hostsize, unsigned *port)
{
	char buf[CFG_HOST_MAX + 1];
	const char *colon, *h;
	size_t hlen;
	unsigned p;
	struct in_addr a4;
	struct in6_addr a6;

	if (s == NULL || (colon = strrchr(s, ':')) == NULL)
		return -1;
	hlen = (size_t)(colon - s);
	if (hlen == 0 || hlen > CFG_HOST_MAX)
		return -1;
	memcpy(buf, s, hlen);
	buf[hlen] = '\0';
	if (cfg_parse_port(colon + 1, &p) < 0)
		return -1;

	h = buf;
	if (buf[0] == '[') {
		if (hlen < 3 || buf[hlen - 1] != ']')
			return -1;
		buf[hlen - 1] = '\0';
		h = buf + 1;
		if (inet_pton(AF_INET6, h, &a6) != 1)
			return -1;
	} else if (strcmp(h, "localhost") != 0 &&
	    inet_pton(AF_INET, h, &a4) != 1) {
		/* Also catches an unbracketed "::1:80". */
		return -1;
	}
	if (strlen(h) + 1 > hostsize)
		return -1;
	memcpy(host, h, strlen(h) + 1);
	*port = p;
	return 0;
}

int
cfg_split_http_url(const char *url, char *auth, size_t authsize, char *host,
    size_t hostsize, unsigned *port, const char **path)
{
	char withport[CFG_HOST_MAX + 16];
	const char *a, *colon, *rb;
	size_t alen;

	if (strncmp(url, "http://", 7) != 0)
		return -1;
	a = url + 7;
	alen = strcspn(a, "/");
	if (alen == 0 || alen >= authsize || alen + 4 > sizeof(withport))
		return -1;
	memcpy(auth, a, alen);
	auth[alen] = '\0';
	*path = a[alen] != '\0' ? a + alen : "/";
	/* A port when the last ':' follows the last ']' (IPv6 brackets). */
	colon = strrchr(auth, ':');
	rb = strrchr(auth, ']');
	snprintf(withport, sizeof(withport), "%s%s", auth,
	    colon == NULL || (rb != NULL && colon < rb) ? ":80" : "");
	return cfg_split_hostport(withport, host, hostsize, port);
}
