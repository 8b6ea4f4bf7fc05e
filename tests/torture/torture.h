/* SPDX-License-Identifier: ISC */
/*
 * tests/torture/torture.h
 * Shared by the torture program: one iteration's state (tend under a pty,
 * its temp dir, the Ctrl-C plan), the load generator (HTTP keep-alive
 * clients, a numbered UDP stream with acknowledging pings, and requests
 * for a page while a build rewrites it, all driven from one poll loop
 * with the pty), the files of an iteration, the invariant checks and the
 * report.
 */
#ifndef TEND_TORTURE_H
#define TEND_TORTURE_H

#include <sys/types.h>

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "support.h"

#define TT_FILE_SIZE (64 * 1024) /* public/data.bin */
#define TT_NCONN 4 /* keep-alive HTTP clients */
#define TT_SLOW TT_NCONN /* c[TT_SLOW]: one slow download of big.bin */
#define TT_NALL (TT_NCONN + 1)
#define TT_BIG_SIZE (4 * 1024 * 1024) /* public/big.bin */
#define TT_SLOW_MS 400 /* the slow reader is slow until Ctrl-C + this */
#define TT_MAXPINGS 512 /* pings per iteration (one socket each) */
#define TT_PING_EVERY 50 /* records between pings */
#define TT_UDP_INTERVAL_MS 2 /* one record every 2 ms */
#define TT_NPAGE 16 /* requests for public/page.html in flight at once */
#define TT_PAGE_EVERY_MS 60 /* one more while a build runs, this often */
#define TT_SEED_COUNT 60 /* records the seed task writes into db per run */
#define TT_SEED_DELAY_MS 5 /* between them: a run lasts about 0.35 s */
#define TT_SEED_RUNS 64 /* runs of seed a check can tell apart */

/* When the first Ctrl-C is typed. */
enum tt_moment {
	TM_STARTUP, /* before "worker ready" */
	TM_READY, /* right after "worker ready" */
	TM_BUILD, /* while a build runs (a started-N file exists) */
	TM_BETWEEN, /* right after a "finished" line, nothing running */
	TM_SEED, /* while the seed task writes records into db */
	TM_RESTART, /* 0-50 ms after kill -9 of the worker */
	TM_RELOAD, /* 0-50 ms after a SIGHUP: new jobs, same worker */
	TM_HANDOFF, /* 0-50 ms after a SIGHUP that replaces the worker */
	TM_COUNT
};

extern const char *const tt_moment_name[TM_COUNT];

enum hc_state { HC_CLOSED, HC_CONNECTING, HC_SENDING, HC_READING };

struct tt_conn {
	int fd;
	bool slow; /* 4 KiB per 5 ms until fast_after_ms, one request */
	long next_read_ms; /* the slow one's next read */
	enum hc_state st;
	int epoch; /* ld->epoch when connected (a kill bumps it) */
	size_t req_off; /* bytes of the request sent */
	bool must_answer; /* the request was all sent before the 1st Ctrl-C */
	char head[2048];
	size_t hlen;
	bool have_head;
	int status;
	long clen; /* Content-Length, -1 if none */
	size_t body; /* body bytes received and verified */
	bool server_closes; /* the head said "Connection: close" */
	bool retry_after; /* the head has a Retry-After */
};

/* A GET of /page.html sent while build N ran (Connection: close). */
struct tt_page {
	int fd;
	enum hc_state st;
	unsigned build; /* the N of the latest started-N when it connected */
	int epoch;
	size_t req_off;
	size_t len;
	char buf[1024]; /* the whole answer: head and "v<k>\n" */
};

struct tt_ping {
	int fd; /* its own socket: the pong names the ping */
	uint32_t upto; /* records sent before it: [0, upto) */
	bool ponged;
};

struct tt_load {
	int http_port, udp_port;
	bool started;
	bool pty_dead; /* the pty hung up: nothing holds the terminal now */
	bool connect_more; /* false from the 1st Ctrl-C on */
	int presses; /* the plan, for what a cut may excuse */
	int epoch; /* kills of the worker so far */
	struct tt_conn c[TT_NALL];
	long fast_after_ms; /* when the slow reader reads at full speed */
	/* HTTP results */
	unsigned long responses; /* complete and verified */
	unsigned long truncated; /* header seen, body cut (excused) */
	unsigned long unanswered; /* sent, no answer (excused) */
	unsigned long refused; /* connect failed (after Ctrl-C) */
	unsigned long slow_done; /* slow downloads completed */
	unsigned long busy; /* 503 with Retry-After after a 2nd Ctrl-C */
	/* page.c: requests for public/page.html while a build rewrites it */
	const char *dir;
	struct tt_page pg[TT_NPAGE];
	unsigned page_build; /* the latest started-N seen */
	bool page_build_done; /* and its done-N */
	long next_page_ms;
	unsigned long page_sent, page_ok, page_busy, page_refused;
	unsigned long page_excused;
	unsigned long page_early; /* refused while their build still ran */
	unsigned page_early_build; /* the first of them was sent during it */
	/* UDP */
	int udp_fd;
	uint32_t next_rec;
	long next_udp_ms;
	struct tt_ping pings[TT_MAXPINGS];
	int npings;
	bool ctrl_c; /* the 1st Ctrl-C was typed */
	uint32_t before_ctrl_c; /* records sent before it */
	bool boundary; /* a kill of the worker happened */
	uint32_t boundary_rec; /* records sent before the boundary */
	uint32_t acked_pre; /* [0, acked_pre) acknowledged before it */
	uint32_t acked_post; /* [boundary_rec, acked_post) after it */
};

/* Report an invariant violation of the current iteration. */
void tt_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* load.c */
void load_init(struct tt_load *ld, const char *dir, int presses);
/* One turn of the loop: the pty, the sockets, tend's exit; up to ms. */
void load_step(struct tt_load *ld, struct tp *tp, int ms);
/* Start the slow download of big.bin (the 1st Ctrl-C follows soon). */
void load_start_slow(struct tt_load *ld);
/* Call right before typing the 1st Ctrl-C. */
void load_mark_ctrl_c(struct tt_load *ld);
/* Call right before kill -9 of the worker (or another ordering break). */
void load_mark_boundary(struct tt_load *ld);
/* After tend exited: collect late pongs, close everything. */
void load_finish(struct tt_load *ld);
bool load_conns_closed(const struct tt_load *ld);
/* The byte at offset i of public/data.bin. */
unsigned char tt_data_byte(size_t i);

/* page.c: the load_step hooks of the page requests. */
void page_init(struct tt_load *ld);
void page_tick(struct tt_load *ld); /* a new request when one is due */
int page_pollfds(struct tt_load *ld, struct pollfd *pf, int *who, int tag);
void page_event(struct tt_load *ld, int i, short revents);
void page_finish(struct tt_load *ld); /* tend exited: judge what is open */
bool page_closed(const struct tt_load *ld);

/* torture.c: the totals of a run; report.c prints them. */
struct totals {
	unsigned long responses, truncated, unanswered, acked, sent, builds;
	unsigned long slow_started, slow_done, busy;
	unsigned long page_sent, page_ok, page_busy, page_refused;
	unsigned long page_excused;
	unsigned long seed_runs, seed_acked, seed_stored, seed_cut;
	unsigned long seed_finishing, seed_interrupted;
	unsigned runs[TM_COUNT][3], bad[TM_COUNT][3];
	unsigned violations, bad_iterations, fd_checked, startup_late, kept;
};
void print_tail(const char *out);
void print_summary(
    const struct totals *t, int iterations, long ms, uint64_t seed);

/* files.c */
int tt_make_big(void); /* once per run; -1 on failure */
void tt_unlink_big(void);
bool tt_write_files(const char *dir); /* false if big.bin is missing */
void tt_write_config(
    const char *dir, bool trap_int, bool second_job, bool new_worker);

/* store.c: what the seed task and the db service left, and their order. */
struct store_stats {
	unsigned runs; /* runs of seed begun (its counter file) */
	unsigned long acked, stored; /* lines in seed.acked and db.data */
	bool cut; /* a run of seed ended without all its records acked */
	bool finishing; /* seed ran at the 1st Ctrl-C ("finishing") */
	bool interrupted; /* and at the 2nd ("interrupting") */
};
void check_store(
    const char *dir, const char *out, int presses, struct store_stats *st);

/* check.c: the invariants on the files tend and its builds left. */
void check_builds(const char *dir, int presses, unsigned *builds_started);
void check_output(const char *out, int presses);
void check_udp_log(
    const char *dir, const struct tt_load *ld, unsigned long *acked_out);

#endif
