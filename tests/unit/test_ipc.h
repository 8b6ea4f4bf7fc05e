/* SPDX-License-Identifier: ISC */
/*
 * tests/unit/test_ipc.h
 * Helpers shared by the ipc/ unit tests: sample messages, field-by-field
 * comparison, guard pages and nonblocking socketpairs.
 */
#ifndef TEND_TEST_IPC_H
#define TEND_TEST_IPC_H

#include <stddef.h>
#include <stdint.h>

#include "ipc.h"

#define IPC_TEST_NTYPES 11
extern const enum ipc_type ipc_test_types[IPC_TEST_NTYPES];

/* The largest frame any message can encode to. */
#define IPC_TEST_FRAME_MAX (IPC_HDR_LEN + IPC_MAX_PAYLOAD)

/* Fill m with distinctive values for type; seed varies them. */
void ipc_test_sample(enum ipc_type type, unsigned seed, struct ipc_msg *m);

/* Encode m into buf, asserting success; returns the frame length. */
size_t ipc_test_encode(const struct ipc_msg *m, uint8_t *buf, size_t cap);

/* Decode f into m, asserting success. */
void ipc_test_decode(const struct ipc_frame *f, struct ipc_msg *m);

/* Assert every field of the two messages is equal, naming the field. */
void ipc_test_assert_msg_eq(
    const struct ipc_msg *got, const struct ipc_msg *want);

/*
 * Bytes placed so that the last one sits right before a PROT_NONE page:
 * reading one byte too far faults and the test crashes.
 */
struct ipc_test_guard {
	uint8_t *map;
	size_t maplen;
	uint8_t *data;
};
void ipc_test_guard_place(
    struct ipc_test_guard *g, const void *data, size_t len);
void ipc_test_guard_free(struct ipc_test_guard *g);

/* An AF_UNIX stream socketpair, both ends nonblocking and close-on-exec. */
void ipc_test_socketpair(int sv[2]);

#endif
