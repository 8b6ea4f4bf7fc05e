/* SPDX-License-Identifier: ISC */
/*
 * tests/integration/proxy_util.c
 * The proxy tests' fixture and client helpers; see proxy_util.h.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "common.h"
#include "proxy_util.h"

int px_port, px_bport;

int
free_port(void)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), port;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert(fd >= 0 && bind(fd, (void *)&sin, sizeof(sin)) == 0 &&
	    getsockname(fd, (void *)&sin, &sl) == 0);
	port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

void
px_start(const char *extra_proxy, const char *extra_serve)
{
	const char *args[] = {NULL};
	char cfg[4096];

	px_bport = free_port();
	snprintf(cfg, sizeof(cfg),
	    "{ \"jobs\": { \"api\": { \"kind\": \"service\",\n"
	    "    \"cmd\": [\"%s\", \"--port\", \"%d\", \"--log\", "
	    "\"backend.log\"],\n"
	    "    \"ready\": { \"tcp\": \"127.0.0.1:%d\" } } },\n"
	    "  \"serve\": { \"root\": \"public\", \"http\": \"127.0.0.1:0\",\n"
	    "    \"proxy\": { \"/api\": { \"to\": \"127.0.0.1:%d\", "
	    "\"job\": \"api\" }%s }%s } }\n",
	    TBACKEND_BIN, px_bport, px_bport, px_bport, extra_proxy,
	    extra_serve);
	tmp_write(dir, "tend.json", cfg);
	it_start(args, true);
	cr_assert(tp_wait_for(&tp, "service \"api\" is ready", 10000),
	    "output:\n%s", tp.out);
	px_port = tp_http_port(&tp);
	cr_assert(px_port > 0);
}

char *
px_exchange(const char *req, size_t *len)
{
	return http_exchange(px_port, req, len, 10000);
}

char *
px_get(const char *path, size_t *len)
{
	char req[2048];

	snprintf(req, sizeof(req),
	    "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n"
	    "\r\n",
	    path, px_port);
	return px_exchange(req, len);
}

char *
dechunk(const char *body, size_t len, size_t *out_len)
{
	char *out = malloc(len + 1);
	size_t i = 0, o = 0, n;
	char *end;

	cr_assert(out != NULL);
	for (;;) {
		cr_assert(i < len, "chunked body ends without its last chunk");
		n = strtoul(body + i, &end, 16);
		cr_assert(end != body + i && end[0] == '\r' && end[1] == '\n',
		    "bad chunk size line at %zu", i);
		i = (size_t)(end - body) + 2;
		if (n == 0)
			break;
		cr_assert(i + n + 2 <= len, "short chunk");
		memcpy(out + o, body + i, n);
		o += n;
		i += n;
		cr_assert(body[i] == '\r' && body[i + 1] == '\n');
		i += 2;
	}
	cr_assert(i + 2 <= len && body[i] == '\r' && body[i + 1] == '\n',
	    "no CRLF after the last chunk");
	out[o] = '\0';
	*out_len = o;
	return out;
}

size_t
backend_lines(const char *prefix)
{
	return lines_with("backend.log", prefix);
}

size_t
ws_frame(int op, const char *payload, size_t len, unsigned char *out)
{
	static const unsigned char mask[4] = {0x37, 0xfa, 0x21, 0x3d};
	size_t o = 0;

	out[o++] = (unsigned char)(0x80 | op);
	if (len < 126)
		out[o++] = (unsigned char)(0x80 | len);
	else if (len < 65536) {
		out[o++] = 0x80 | 126;
		out[o++] = (unsigned char)(len >> 8);
		out[o++] = (unsigned char)len;
	} else {
		out[o++] = 0x80 | 127;
		for (int k = 7; k >= 0; k--)
			out[o++] = (unsigned char)(len >> (8 * k));
	}
	memcpy(out + o, mask, 4);
	o += 4;
	for (size_t i = 0; i < len; i++)
		out[o++] = (unsigned char)payload[i] ^ mask[i % 4];
	return o;
}

static bool
read_full(int fd, void *buf, size_t n)
{
	char *p = buf;
	ssize_t got;

	while (n > 0) {
		if ((got = recv(fd, p, n, 0)) <= 0)
			return false;
		p += got;
		n -= (size_t)got;
	}
	return true;
}

long
ws_read(int fd, int *op, char *payload, size_t size)
{
	unsigned char h[2], ext[8];
	unsigned long long len;

	if (!read_full(fd, h, 2))
		return -1;
	*op = h[0] & 15;
	len = h[1] & 127;
	if (len == 126) {
		if (!read_full(fd, ext, 2))
			return -1;
		len = (unsigned long long)ext[0] << 8 | ext[1];
	} else if (len == 127) {
		if (!read_full(fd, ext, 8))
			return -1;
		len = 0;
		for (int k = 0; k < 8; k++)
			len = len << 8 | ext[k];
	}
	if (len > size || !read_full(fd, payload, (size_t)len))
		return -1;
	return (long)len;
}
