/* SPDX-License-Identifier: ISC */
/*
 * supervisor/cli.h
 * The command line: which mode, and the configuration it implies.
 */
#ifndef TEND_CLI_H
#define TEND_CLI_H

#include "config.h"
#include "exec.h"

enum cli_mode {
	CLI_DEV, /* tend [-c FILE]: dev mode from tend.json */
	CLI_SERVE, /* tend serve ...: dev mode from the flags */
	CLI_CHECK, /* tend check */
	CLI_RUN, /* tend run [-j N] [--keep-going] [JOB...] */
	CLI_EXEC, /* tend exec [...] -- CMD */
	CLI_DONE, /* --help or --version printed */
};

struct cli {
	enum cli_mode mode;
	const char *cfg_file; /* CLI_DEV, CLI_CHECK, CLI_RUN */
	struct cfg cfg; /* CLI_SERVE: built from the flags */
	char **run_jobs; /* CLI_RUN: the named jobs (argv slice) */
	size_t run_njobs;
	unsigned run_parallel; /* -j N; 0: the number of CPUs */
	bool run_keep_going;
	bool run_json; /* tend run --json: the summary as JSON on stdout */
	bool timestamps; /* --timestamps: tend, tend serve, tend run */
	struct exec_opts exec; /* CLI_EXEC */
	char *exec_watch[64];
};

/*
 * Parse argv. Returns 0 (CLI_DONE when --help or --version was printed),
 * or 2 after printing a usage error.
 */
int cli_parse(int argc, char **argv, struct cli *out);

#endif
