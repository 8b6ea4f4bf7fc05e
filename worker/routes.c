/* SPDX-License-Identifier: ISC */
/*
 * worker/routes.c
 * The worker's proxy routes from its command line: "--proxy
 * PREFIX=ADDR[@JOB]" (supervisor/dev/worker_args.c writes them) into the
 * struct wrk_http_route the HTTP server takes, the address resolved
 * once, here: literal addresses only, as config/ accepts them, and
 * localhost as 127.0.0.1 then ::1 (a server may listen on either).
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "wrk.h"

static void
add_addr(struct wrk_http_route *r, int family, const char *host, unsigned port)
{
	struct sockaddr_in *in4 = (void *)&r->addr[r->naddr];
	struct sockaddr_in6 *in6 = (void *)&r->addr[r->naddr];

	memset(&r->addr[r->naddr], 0, sizeof(r->addr[r->naddr]));
	if (family == AF_INET) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((unsigned short)port);
		inet_pton(AF_INET, host, &in4->sin_addr);
		r->addrlen[r->naddr++] = sizeof(*in4);
	} else {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((unsigned short)port);
		inet_pton(AF_INET6, host, &in6->sin6_addr);
		r->addrlen[r->naddr++] = sizeof(*in6);
	}
}

/*
 * arg is kept: the route points into it (cut at its last '=' and at the
 * '@' after it). Returns 0, or -1 when it is not PREFIX=ADDR[@JOB].
 */
int
wrk_route_parse(char *arg, struct wrk_http_route *r)
{
	char *eq = strrchr(arg, '='), *at, host[64];
	unsigned port;

	memset(r, 0, sizeof(*r));
	if (eq == NULL || eq == arg || arg[0] != '/')
		return -1;
	*eq = '\0';
	if ((at = strchr(eq + 1, '@')) != NULL) {
		*at = '\0';
		if (at[1] == '\0')
			return -1;
		r->job = at + 1;
	}
	r->prefix = arg;
	r->to = eq + 1;
	if (cfg_split_hostport(r->to, host, sizeof(host), &port) < 0 ||
	    port == 0)
		return -1;
	if (strcmp(host, "localhost") == 0) {
		add_addr(r, AF_INET, "127.0.0.1", port);
		add_addr(r, AF_INET6, "::1", port);
	} else
		add_addr(r, strchr(host, ':') != NULL ? AF_INET6 : AF_INET,
		    host, port);
	return 0;
}
