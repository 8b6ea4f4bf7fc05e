/* SPDX-License-Identifier: ISC */
/*
 * tests/tools/tbackend_ws.c
 * The WebSocket handshake's arithmetic for tbackend: Sec-WebSocket-Accept
 * is base64(SHA-1(key + the RFC 6455 GUID)). SHA-1 (FIPS 180-4) and
 * base64 (RFC 4648) written out, as test code that needs no library.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tbackend.h"

/* SHA-1 (FIPS 180-4), for the one key a handshake hashes. */
static void
sha1(const unsigned char *msg, size_t len, unsigned char out[20])
{
	uint32_t h[5] = {
	    0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
	unsigned char blk[64];
	uint64_t bits = (uint64_t)len * 8;
	size_t total = ((len + 8) / 64 + 1) * 64, i, k;

	for (i = 0; i < total; i += 64) {
		uint32_t w[80], a, b, c, d, e, f, t;
		for (k = 0; k < 64; k++) {
			size_t at = i + k;
			blk[k] = at < len ? msg[at]
			    : at == len   ? 0x80
			    : at >= total - 8
			    ? (unsigned char)(bits >> (8 * (total - 1 - at)))
			    : 0;
		}
		for (k = 0; k < 16; k++)
			w[k] = (uint32_t)blk[4 * k] << 24 |
			    (uint32_t)blk[4 * k + 1] << 16 |
			    (uint32_t)blk[4 * k + 2] << 8 | blk[4 * k + 3];
		for (k = 16; k < 80; k++) {
			t = w[k - 3] ^ w[k - 8] ^ w[k - 14] ^ w[k - 16];
			w[k] = t << 1 | t >> 31;
		}
		a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
		for (k = 0; k < 80; k++) {
			uint32_t kk;
			if (k < 20)
				f = (b & c) | (~b & d), kk = 0x5A827999;
			else if (k < 40)
				f = b ^ c ^ d, kk = 0x6ED9EBA1;
			else if (k < 60)
				f = (b & c) | (b & d) | (c & d),
				kk = 0x8F1BBCDC;
			else
				f = b ^ c ^ d, kk = 0xCA62C1D6;
			t = (a << 5 | a >> 27) + f + e + kk + w[k];
			e = d, d = c, c = b << 30 | b >> 2, b = a, a = t;
		}
		h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e;
	}
	for (k = 0; k < 20; k++)
		out[k] = (unsigned char)(h[k / 4] >> (24 - 8 * (k % 4)));
}

static void
base64(const unsigned char *in, size_t len, char *out)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                          "abcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, o = 0;

	for (i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 |
		    (i + 1 < len ? (uint32_t)in[i + 1] << 8 : 0) |
		    (i + 2 < len ? in[i + 2] : 0);
		out[o++] = tab[v >> 18 & 63];
		out[o++] = tab[v >> 12 & 63];
		out[o++] = i + 1 < len ? tab[v >> 6 & 63] : '=';
		out[o++] = i + 2 < len ? tab[v & 63] : '=';
	}
	out[o] = '\0';
}

void
ws_accept(const char *key, char out[64])
{
	static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
	unsigned char hash[20];
	char in[256];

	snprintf(in, sizeof(in), "%.200s%s", key, guid);
	sha1((const unsigned char *)in, strlen(in), hash);
	base64(hash, 20, out);
}
