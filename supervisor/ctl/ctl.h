/* SPDX-License-Identifier: ISC */
/*
 * supervisor/ctl/ctl.h
 * Control of a running tend from another terminal: `tend status`,
 * `tend restart|stop|start|build JOB...` and `tend logs`. The running
 * tend listens on a Unix socket only its user can open; the commands are
 * its clients. This folder is the socket's place and the client; the
 * server is sup/control.c.
 *
 * The protocol: the client sends one line of words ("status",
 * "restart api", "logs 50 follow api"); tend answers "ok" or "error:
 * WHY" on the first line, then the payload (JSON for status, lines for
 * the rest), and closes, unless the client follows the logs.
 */
#ifndef TEND_CTL_H
#define TEND_CTL_H

#include <stdbool.h>
#include <stddef.h>

#define CTL_LINE_MAX 1024 /* a request, with its job names */

/*
 * The socket of the tend started with cfg_file (NULL: ./tend.json, as
 * plain tend and tend serve in the same directory). create: make the
 * private directory it lives in. Returns 0, or -1 after saying why.
 */
int ctl_socket_path(const char *cfg_file, bool create, char *out, size_t size);

/* argv[0] is one of the control commands. */
bool ctl_is_command(const char *word);
/* Run one: argv[0] is the command. Returns the exit code. */
int ctl_main(int argc, char **argv);

/* status_table.c: the JSON status as a table for people. */
int ctl_print_status(const char *json, bool as_json);

#endif
