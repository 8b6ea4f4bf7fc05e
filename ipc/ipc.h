/* SPDX-License-Identifier: ISC */
/*
 * ipc/ipc.h
 * The socketpair protocol between supervisor and worker: frames, the
 * message set, and buffers that handle short reads and writes.
 * Depends on libc only. Bump IPC_PROTOCOL_VERSION on any change below,
 * and rerun fuzz/ipc_seeds.py to bring the fuzzer's seeds along.
 *
 * A frame is an 8-byte header followed by its payload:
 *	u8 version, u8 type, u16 zero, u32 payload length (big-endian)
 * Payload fields are big-endian u32/u64 and strings as u32 length + bytes.
 * No message boundary relies on EOF; EOF means the peer is gone.
 */
#ifndef TEND_IPC_H
#define TEND_IPC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define IPC_PROTOCOL_VERSION 5
#define IPC_HDR_LEN 8
#define IPC_MAX_PAYLOAD (64 * 1024) /* larger frames are a protocol error */

enum ipc_type {
	/* supervisor -> worker */
	MSG_BUILD_STARTED = 1,
	MSG_BUILD_FINISHED = 2,
	MSG_RELOAD = 3,
	MSG_STOP = 4,
	MSG_PING = 5,
	MSG_JOB_INFO = 6,
	MSG_JOB_READY = 7,
	/* worker -> supervisor */
	MSG_READY = 32,
	MSG_TRIGGER = 33,
	MSG_BYE = 34,
	MSG_PONG = 35,
};

#define IPC_NAME_MAX 64 /* job names, sources, addresses (with NUL) */
#define IPC_TAIL_MAX 4096 /* build output tail */
#define IPC_PATHS_MAX 8192 /* RELOAD: changed paths, '\n'-separated */

/*
 * RETIRE: a new worker takes the listener over (a reload); answer what
 * was accepted and let idle keep-alive clients send one more request.
 * GRACEFUL: tend stops; idle connections end now. CUT: end everything.
 * A worker only ever moves up this scale.
 */
enum ipc_stop_level { STOP_RETIRE = 1, STOP_GRACEFUL = 2, STOP_CUT = 3 };

struct ipc_msg {
	enum ipc_type type;
	union {
		struct {
			char job[IPC_NAME_MAX];
			uint32_t pgid; /* its process group, for /status */
		} build_started;
		struct {
			char job[IPC_NAME_MAX];
			uint32_t ok; /* 1: exit 0 */
			int32_t status; /* exit code, or 128+signal */
			uint32_t duration_ms;
			/*
			 * A task: 1, another run of this batch starts at
			 * once. A service: 1, it will start again (its
			 * restart delay runs, or a restart was asked for);
			 * 0, it is down until something starts it.
			 */
			uint32_t more;
			/* 1: tend cut this run short to start it again */
			uint32_t restarted;
			uint32_t runs; /* the job's runs so far, this one too */
			/* 0: it just ended; replayed to a new worker: ms ago */
			uint32_t age_ms;
			char tail[IPC_TAIL_MAX]; /* last output bytes */
		} build_finished;
		struct {
			char paths[IPC_PATHS_MAX];
		} reload;
		struct {
			uint32_t level; /* enum ipc_stop_level */
			uint32_t deadline_ms; /* drain deadline */
		} stop;
		struct {
			uint32_t seq;
		} ping, pong;
		struct {
			char name[IPC_NAME_MAX];
			uint32_t kind; /* 0 task, 1 service */
			uint32_t reset; /* 1: forget the jobs listed so far */
		} job_info;
		/*
		 * A service's run is ready: its "ready" probe passed, or
		 * it has none and has just started. Replayed to a new
		 * worker after the run's BUILD_STARTED.
		 */
		struct {
			char job[IPC_NAME_MAX];
		} job_ready;
		struct {
			char http[IPC_NAME_MAX]; /* "127.0.0.1:8000" */
			char udp[IPC_NAME_MAX]; /* "" when off */
		} ready;
		struct {
			char job[IPC_NAME_MAX]; /* "" for every task */
			char source[IPC_NAME_MAX]; /* "udp 127.0.0.1:5000" */
		} trigger;
		struct {
			uint32_t
			    signo; /* signal that stopped it, 0: EOF/STOP */
			uint64_t requests;
			uint64_t datagrams;
			uint64_t cut; /* connections cut, not drained */
		} bye;
	} u;
};

/* One decoded frame; payload points into the caller's buffer. */
struct ipc_frame {
	uint8_t type;
	uint32_t len;
	const uint8_t *payload;
};

/*
 * Parse one frame at the start of buf. Returns its total length (> 0),
 * 0 when more bytes are needed, or -1 with errno EPROTO (bad version or
 * nonzero reserved bits) or EMSGSIZE (payload over IPC_MAX_PAYLOAD).
 */
ssize_t ipc_frame_parse(const void *buf, size_t len, struct ipc_frame *out);

/*
 * Encode m as a whole frame into buf. Returns the frame length, or -1 with
 * errno EMSGSIZE when cap is too small or EINVAL for an unknown type.
 * Strings longer than their field are cut at the field size minus one.
 */
ssize_t ipc_msg_encode(const struct ipc_msg *m, void *buf, size_t cap);

/*
 * Decode a frame's payload into m. Returns 0, or -1 with errno EPROTO
 * (unknown type, payload too short or too long for the type, string too
 * long for its field, embedded NUL).
 */
int ipc_msg_decode(const struct ipc_frame *f, struct ipc_msg *m);

/* Incoming bytes from a nonblocking fd, cut into frames. */
struct ipc_rbuf {
	uint8_t buf[IPC_HDR_LEN + IPC_MAX_PAYLOAD];
	size_t len; /* bytes held */
	size_t off; /* start of the next frame */
};

/*
 * Read what the fd has (one read(2), EINTR retried). Returns bytes read,
 * 0 at EOF, or -1 with errno (EAGAIN when nothing is there).
 */
ssize_t ipc_rbuf_read(struct ipc_rbuf *rb, int fd);

/* Append bytes (for tests and fuzzing). Returns 0, or -1 EMSGSIZE when full. */
int ipc_rbuf_append(struct ipc_rbuf *rb, const void *data, size_t len);

/*
 * Take the next whole frame. Returns 1 with f filled (valid until the next
 * call), 0 when none is complete, -1 with errno on a protocol error (the
 * buffer is then unusable: drop the peer).
 */
int ipc_rbuf_next(struct ipc_rbuf *rb, struct ipc_frame *f);

/* Bytes of an unfinished frame: nonzero at EOF means a truncated frame. */
size_t ipc_rbuf_pending(const struct ipc_rbuf *rb);

/* What ipc_read_all saw last. */
enum ipc_read {
	IPC_READ_AGAIN, /* nothing more for now (EAGAIN): wait for the fd */
	IPC_READ_EOF, /* the peer closed, after whole frames */
	IPC_READ_ERROR, /* read(2) failed (errno): the peer is as good as gone
	                 */
	IPC_READ_BROKEN, /* a malformed or truncated frame: drop the peer */
};

/*
 * Both ends' reader: read the fd until it has nothing more, handing each
 * decoded message to fn in order. Stops early only at EOF or an error.
 */
enum ipc_read ipc_read_all(struct ipc_rbuf *rb, int fd,
    void (*fn)(void *arg, const struct ipc_msg *m), void *arg);

/* Outgoing frames queued for a nonblocking fd. */
struct ipc_wbuf {
	uint8_t *buf;
	size_t len;
	size_t cap;
	size_t off;
};

/* Encode and queue m. Returns 0, or -1 with errno (ENOMEM, EMSGSIZE). */
int ipc_wbuf_put(struct ipc_wbuf *wb, const struct ipc_msg *m);

/*
 * Write what the fd takes (EINTR retried, short writes kept, MSG_NOSIGNAL).
 * Returns bytes still queued (0: all sent), or -1 with errno on a hard
 * error (EPIPE: peer gone). EAGAIN is not an error: it returns what is left.
 */
ssize_t ipc_wbuf_flush(struct ipc_wbuf *wb, int fd);

size_t ipc_wbuf_pending(const struct ipc_wbuf *wb);
void ipc_wbuf_free(struct ipc_wbuf *wb);

const char *ipc_type_name(int type);

#endif
