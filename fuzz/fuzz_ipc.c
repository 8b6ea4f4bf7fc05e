/* SPDX-License-Identifier: ISC */
/*
 * fuzz/fuzz_ipc.c
 * libFuzzer target for the ipc/ decoder: arbitrary bytes go through
 * ipc_rbuf_append in pieces, whole frames through ipc_msg_decode, and
 * every message that decodes must re-encode to the very bytes it came
 * from (the decoder accepts only canonical payloads) and decode again to
 * the same struct.
 *
 *	clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE \
 *	    -Iipc fuzz/fuzz_ipc.c ipc/[a-z]*.c -o /tmp/fuzz_ipc
 *	/tmp/fuzz_ipc -max_total_time=60 fuzz/corpus/ipc
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ipc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ipc_rbuf rb;
static uint8_t again[IPC_HDR_LEN + IPC_MAX_PAYLOAD];
static struct ipc_msg m, m2;

static void
check_frame(const struct ipc_frame *f)
{
	struct ipc_frame f2;
	ssize_t n;

	if (ipc_msg_decode(f, &m) == -1)
		return;
	n = ipc_msg_encode(&m, again, sizeof(again));
	if (n != (ssize_t)(IPC_HDR_LEN + f->len))
		abort();
	if (memcmp(again + IPC_HDR_LEN, f->payload, f->len) != 0)
		abort();
	if (ipc_frame_parse(again, (size_t)n, &f2) != n || f2.type != f->type)
		abort();
	/* Both decodes start from memset 0, so whole structs compare. */
	if (ipc_msg_decode(&f2, &m2) == -1 || memcmp(&m, &m2, sizeof(m)) != 0)
		abort();
	(void)ipc_type_name(m.type);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ipc_frame f;
	size_t chunk, room, step;
	int r;

	memset(&rb, 0, sizeof(rb));
	if (size == 0)
		return 0;
	/* The first byte picks the read size, as a socket would vary it. */
	chunk = (size_t)data[0] * 37 + 1;
	data++;
	size--;
	while (size > 0) {
		/*
		 * Whole frames are drained below, so what is held is less
		 * than one frame and the rest of the buffer always takes
		 * sizeof(rb.buf) - pending more bytes.
		 */
		room = sizeof(rb.buf) - ipc_rbuf_pending(&rb);
		step = size < chunk ? size : chunk;
		step = step < room ? step : room;
		if (step == 0 || ipc_rbuf_append(&rb, data, step) == -1)
			abort();
		data += step;
		size -= step;
		while ((r = ipc_rbuf_next(&rb, &f)) == 1)
			check_frame(&f);
		if (r == -1)
			return 0; /* peer dropped */
	}
	return 0;
}
