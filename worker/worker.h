/* SPDX-License-Identifier: ISC */
/*
 * worker/worker.h
 * The worker process's entry point: `tend __worker ...`, started by the
 * supervisor with the socketpair on fd 3, the HTTP listener on fd 4 and
 * the UDP socket on fd 5. Also runnable alone, e.g. by tests.
 */
#ifndef TEND_WORKER_H
#define TEND_WORKER_H

int wrk_main(int argc, char **argv);

#endif
