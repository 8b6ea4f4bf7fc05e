/* SPDX-License-Identifier: ISC */
/*
 * fuzz/fuzz_udp.c
 * libFuzzer target for the pure half of worker/udp.c: every input is a
 * datagram. udp_parse must classify it without reading past it, and a
 * build command must yield a job name that is short, NUL-terminated and
 * free of spaces and control bytes. udp_escape must render it, into a
 * buffer of the size the worker uses (4 * len + 1, room for everything)
 * and into tiny ones (cut to fit), as one printable, NUL-terminated line
 * that never ends in a partial escape and that decodes back to the
 * datagram (minus one trailing newline), or a prefix of it when cut.
 *
 *	clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE \
 *	    -Iworker fuzz/fuzz_udp.c worker/udp.c worker/log.c \
 *	    -lev -o /tmp/fuzz_udp
 *	/tmp/fuzz_udp -max_total_time=60 fuzz/corpus/udp
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "udp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define JOBSIZE 64
#define TINY_MAX 9 /* tiny output buffers: 1 .. TINY_MAX bytes */

static void
fail(const char *what, size_t size)
{
	fprintf(stderr, "fuzz_udp: %s (input of %zu bytes)\n", what, size);
	abort();
}

static int
hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

/*
 * Check out (n bytes from udp_escape into a buffer of outsize) and decode
 * it into dec; returns the decoded length. Aborts on anything malformed.
 */
static size_t
check_escaped(
    const char *out, size_t n, size_t outsize, uint8_t *dec, size_t size)
{
	size_t i, d = 0;
	int hi, lo;

	if (n >= outsize)
		fail("escape: length not below the buffer size", size);
	if (out[n] != '\0' || strlen(out) != n)
		fail("escape: not NUL-terminated at the returned length", size);
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)out[i];

		if (ch < 0x20 || ch >= 0x7f)
			fail("escape: byte outside printable ASCII", size);
		if (ch != '\\') {
			dec[d++] = ch;
			continue;
		}
		/* An escape: "\\\\" or "\\xNN", whole. */
		if (i + 1 >= n)
			fail("escape: partial escape at the end", size);
		if (out[i + 1] == '\\') {
			dec[d++] = '\\';
			i++;
			continue;
		}
		if (out[i + 1] != 'x' || i + 3 >= n)
			fail("escape: partial or unknown escape", size);
		hi = hexval((unsigned char)out[i + 2]);
		lo = hexval((unsigned char)out[i + 3]);
		if (hi < 0 || lo < 0)
			fail("escape: bad hex digits", size);
		/* Only what is not printable as itself is escaped. */
		if ((hi << 4 | lo) >= 0x20 && (hi << 4 | lo) < 0x7f)
			fail("escape: a printable byte was escaped", size);
		dec[d++] = (uint8_t)(hi << 4 | lo);
		i += 3;
	}
	return d;
}

static void
check_parse(const uint8_t *data, size_t size)
{
	char job[JOBSIZE + 1];
	enum udp_cmd cmd;
	size_t i, n;

	/* A sentinel past the buffer given: it must never be written. */
	memset(job, 'Z', sizeof(job));
	cmd = udp_parse((const char *)data, size, job, JOBSIZE);
	if (job[JOBSIZE] != 'Z')
		fail("parse: wrote past jobsize", size);
	switch (cmd) {
	case UDP_BUILD:
		if (size < 5 || memcmp(data, "build", 5) != 0)
			fail("parse: build without the word build", size);
		if ((n = strnlen(job, JOBSIZE)) == JOBSIZE)
			fail("parse: job not NUL-terminated", size);
		for (i = 0; i < n; i++)
			if ((unsigned char)job[i] <= ' ' || job[i] == 0x7f)
				fail("parse: space or control byte in job",
				    size);
		/* The job is the input's last word, as sent. */
		if (n > 0 && memmem(data, size, job, n) == NULL)
			fail("parse: job not taken from the input", size);
		break;
	case UDP_PING:
	case UDP_RELOAD:
		if (size < 4 || (data[0] != 'p' && data[0] != 'r'))
			fail("parse: command without its word", size);
		break;
	case UDP_LOG:
		break;
	default:
		fail("parse: unknown command", size);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *out;
	uint8_t *dec;
	size_t want, outsize, n, d, tiny;
	char canary;

	check_parse(data, size);

	/* What the escape must render: the datagram less one newline. */
	want = size > 0 && data[size - 1] == '\n' ? size - 1 : size;
	outsize = 4 * size + 1;
	if ((out = malloc(outsize)) == NULL ||
	    (dec = malloc(size + 1)) == NULL) {
		free(out);
		return 0;
	}

	/* Room for everything: the whole datagram comes back. */
	n = udp_escape((const char *)data, size, out, outsize);
	d = check_escaped(out, n, outsize, dec, size);
	if (d != want || memcmp(dec, data, want) != 0)
		fail("escape: does not decode to the datagram", size);

	/* Cut to fit: a prefix, and as much of it as fits whole. */
	for (tiny = 1; tiny <= TINY_MAX; tiny++) {
		char *small = malloc(tiny);

		if (small == NULL)
			break;
		n = udp_escape((const char *)data, size, small, tiny);
		d = check_escaped(small, n, tiny, dec, size);
		if (d > want || memcmp(dec, data, d) != 0)
			fail("escape: cut output is not a prefix", size);
		/* The next piece must not have fitted. */
		if (d < want) {
			unsigned char ch = data[d];
			size_t piece = ch == '\\'       ? 2
			    : (ch >= 0x20 && ch < 0x7f) ? 1
			                                : 4;
			if (n + piece < tiny)
				fail("escape: cut earlier than needed", size);
		}
		free(small);
	}

	/* outsize 0: nothing written, 0 returned. */
	canary = 'C';
	if (udp_escape((const char *)data, size, &canary, 0) != 0 ||
	    canary != 'C')
		fail("escape: wrote into a zero-sized buffer", size);

	free(dec);
	free(out);
	return 0;
}
