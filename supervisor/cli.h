/* SPDX-License-Identifier: ISC */
/*
 * supervisor/cli.h
 * The command line: which mode, and the configuration it implies.
 */
#ifndef TEND_CLI_H
#define TEND_CLI_H

#include "config.h"

enum cli_mode { CLI_RUN_CONFIG, CLI_SERVE, CLI_CHECK, CLI_DONE };

struct cli {
	enum cli_mode mode;
	const char *cfg_file; /* CLI_RUN_CONFIG, CLI_CHECK */
	struct cfg cfg; /* CLI_SERVE: built from the flags */
};

/*
 * Parse argv. Returns 0 (CLI_DONE when --help or --version was printed),
 * or 2 after printing a usage error.
 */
int cli_parse(int argc, char **argv, struct cli *out);

#endif
