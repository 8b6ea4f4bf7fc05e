/* SPDX-License-Identifier: ISC */
/*
 * supervisor/cli_priv.h
 * What cli.c and cli_usage.c share: the help and the usage errors.
 */
#ifndef TEND_CLI_PRIV_H
#define TEND_CLI_PRIV_H

#include <getopt.h>
#include <stdio.h>

void cli_usage(FILE *f);
/* "tend: " fmt (with arg), then "see tend --help"; returns 2. */
int cli_usage_error(const char *fmt, const char *arg);
/* getopt_long returned ch for argv: say what was wrong; returns 2. */
int cli_bad_option(int ch, char **argv, const struct option *opts);
int cli_unknown_command(const char *word);

#endif
