/* SPDX-License-Identifier: ISC */
/*
 * supervisor/proc/listen.c
 * Open the HTTP listener and the UDP socket before the worker exists, so
 * a busy port is a clear error at start-up and a restarted worker gets the
 * very same sockets. No SO_REUSEPORT: a second tend on the same port must
 * fail, not share it silently.
 */
#include <sys/socket.h>
#include <sys/types.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "fd.h"
#include "listen.h"
#include "log.h"

#define UDP_RCVBUF (8 * 1024 * 1024) /* the kernel doubles it */

static void
format_addr(const struct sockaddr *sa, char *buf, size_t size)
{
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;
		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		port = ntohs(in->sin_port);
		snprintf(buf, size, "%s:%u", host, port);
	} else {
		const struct sockaddr_in6 *in6 = (const void *)sa;
		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		port = ntohs(in6->sin6_port);
		snprintf(buf, size, "[%s]:%u", host, port);
	}
}

static int
open_socket(const char *hostport, int type, char *bound, size_t boundsize)
{
	struct addrinfo hints, *res = NULL;
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);
	char host[256], port[16];
	unsigned portnum;
	int fd = -1, one = 1, err;

	if (cfg_split_hostport(hostport, host, sizeof(host), &portnum) == -1) {
		log_warnx("%s: not an address of the form HOST:PORT", hostport);
		return -1;
	}
	snprintf(port, sizeof(port), "%u", portnum);
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = type;
	hints.ai_flags = AI_NUMERICSERV;
	/* Start-up only, before the loop runs: a lookup may block here. */
	if ((err = getaddrinfo(host, port, &hints, &res)) != 0) {
		log_warnx("%s: %s", hostport, gai_strerror(err));
		return -1;
	}
	fd = socket(res->ai_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1 || (fd = fd_move_high(fd)) < 0) {
		log_warn("socket");
		goto fail;
	}
	if (type == SOCK_STREAM)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	else {
		int size = UDP_RCVBUF;
		/*
		 * Every datagram the kernel accepts must be handled, so make
		 * the buffer deep enough for a burst; FORCE needs
		 * CAP_NET_ADMIN, the plain one is capped by rmem_max.
		 */
		if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size,
		        sizeof(size)) == -1)
			setsockopt(
			    fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	}
	if (bind(fd, res->ai_addr, res->ai_addrlen) == -1) {
		log_warn("cannot listen on %s (%s)", hostport,
		    type == SOCK_STREAM ? "http" : "udp");
		goto fail;
	}
	if (type == SOCK_STREAM && listen(fd, 511) == -1) {
		log_warn("listen on %s", hostport);
		goto fail;
	}
	if (getsockname(fd, (struct sockaddr *)&ss, &sslen) == 0)
		format_addr((struct sockaddr *)&ss, bound, boundsize);
	else
		snprintf(bound, boundsize, "%s", hostport);
	freeaddrinfo(res);
	return fd;

fail:
	if (fd >= 0)
		close(fd);
	freeaddrinfo(res);
	return -1;
}

int
listen_tcp(const char *hostport, char *bound, size_t boundsize)
{
	return open_socket(hostport, SOCK_STREAM, bound, boundsize);
}

int
listen_udp(const char *hostport, char *bound, size_t boundsize)
{
	return open_socket(hostport, SOCK_DGRAM, bound, boundsize);
}
