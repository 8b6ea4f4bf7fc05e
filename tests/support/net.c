/* SPDX-License-Identifier: ISC */
/*
 * tests/support/net.c
 * Plain blocking sockets with timeouts, as a client would use them: TCP
 * for HTTP (raw bytes, so no client normalises a hostile path for us)
 * and UDP for the event port. Only ever 127.0.0.1.
 */
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support.h"

static struct sockaddr_in
loopback(int port)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return sin;
}

int
tcp_connect(int port, int rcvbuf)
{
	struct sockaddr_in sin = loopback(port);
	struct timeval tv = {.tv_sec = 10};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd == -1)
		return -1;
	if (rcvbuf > 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

char *
http_exchange(int port, const char *req, size_t *len, int timeout_ms)
{
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap + 1);
	long end = now_ms() + timeout_ms;
	int fd = tcp_connect(port, 0);

	*len = 0;
	buf[0] = '\0';
	if (fd == -1)
		return buf;
	if (send(fd, req, strlen(req), MSG_NOSIGNAL) < 0) {
		close(fd);
		return buf;
	}
	while (now_ms() < end) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, (int)(end - now_ms())) <= 0)
			break;
		if (n == cap) {
			cap *= 2;
			buf = realloc(buf, cap + 1);
		}
		ssize_t got = recv(fd, buf + n, cap - n, 0);
		if (got <= 0)
			break;
		n += (size_t)got;
	}
	close(fd);
	buf[n] = '\0';
	*len = n;
	return buf;
}

int
http_status(const char *resp)
{
	int code;

	if (resp == NULL || sscanf(resp, "HTTP/1.%*d %d", &code) != 1)
		return -1;
	return code;
}

int
http_get_on(int fd, const char *path, bool *closed)
{
	char req[512], buf[8192], *end;
	const char *cl;
	size_t n = 0, want;
	ssize_t got;
	int len;

	len = snprintf(req, sizeof(req),
	    "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", path);
	if (len < 0 || (size_t)len >= sizeof(req) ||
	    send(fd, req, (size_t)len, MSG_NOSIGNAL) != len)
		return -1;
	while (n < sizeof(buf) - 1) {
		if ((got = recv(fd, buf + n, sizeof(buf) - 1 - n, 0)) <= 0)
			return -1;
		n += (size_t)got;
		buf[n] = '\0';
		if ((end = strstr(buf, "\r\n\r\n")) == NULL)
			continue;
		cl = strstr(buf, "Content-Length: ");
		want =
		    (size_t)(end + 4 - buf) + (cl ? (size_t)atol(cl + 16) : 0);
		if (n < want)
			continue;
		if (closed != NULL)
			*closed =
			    strstr(buf, "Connection: close\r\n") != NULL &&
			    strstr(buf, "Connection: close\r\n") < end;
		return http_status(buf);
	}
	return -1;
}

const char *
http_body(const char *resp, size_t len, size_t *body_len)
{
	const char *p = strstr(resp, "\r\n\r\n");

	if (p == NULL) {
		*body_len = 0;
		return resp + len;
	}
	p += 4;
	*body_len = len - (size_t)(p - resp);
	return p;
}

int
udp_socket(void)
{
	struct sockaddr_in sin = loopback(0);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd >= 0)
		bind(fd, (struct sockaddr *)&sin, sizeof(sin));
	return fd;
}

int
udp_send(int fd, int port, const char *msg)
{
	struct sockaddr_in sin = loopback(port);

	return (int)sendto(
	    fd, msg, strlen(msg), 0, (struct sockaddr *)&sin, sizeof(sin));
}

int
udp_recv(int fd, char *buf, size_t size, int timeout_ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	if (poll(&p, 1, timeout_ms) <= 0)
		return -1;
	ssize_t n = recv(fd, buf, size - 1, 0);
	if (n >= 0)
		buf[n] = '\0';
	return (int)n;
}
