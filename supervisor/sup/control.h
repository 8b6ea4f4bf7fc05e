/* SPDX-License-Identifier: ISC */
/*
 * supervisor/sup/control.h
 * The control socket inside tend: the server (control.c) and what each
 * request does (control_cmd.c, control_status.c).
 */
#ifndef TEND_CONTROL_H
#define TEND_CONTROL_H

#include <stdbool.h>
#include <stddef.h>

#include "sup.h"

struct conn;

/* control.c: the socket and its clients */
void control_open(struct sup *s); /* a failure is a warning: tend runs */
void control_close(struct sup *s);
/* Queue bytes for the client (dropped, and counted, past its limit). */
void control_out(struct conn *c, const char *buf, size_t len);
void control_printf(struct conn *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Keep c open for new output lines of the named jobs (n == 0: all). */
int control_follow(struct conn *c, char *const *names, size_t n);
/* A job's output line, to every follower of that job. */
void control_line(
    struct sup *s, const struct job *j, const char *line, size_t len);

/* control_cmd.c: one request, as words */
void control_request(struct sup *s, struct conn *c, char **w, size_t n);

/* control_status.c: `tend status` as JSON (malloc'd), NULL if no memory */
char *control_status_json(struct sup *s);

#endif
