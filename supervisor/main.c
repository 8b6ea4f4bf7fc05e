/* SPDX-License-Identifier: ISC */
/*
 * supervisor/main.c
 * Entry point: the worker mode (tend exec'ing itself), or the command
 * line, the config, and the supervisor. Exit codes: 0, 1 a failure at
 * run time, 2 usage or config error, or death by the stopping signal.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "exec.h"
#include "log.h"
#include "sup.h"
#include "worker.h"

/* Every mistake, one line each. */
static void
print_errors(const struct cfg_err *err)
{
	char msg[1024];

	for (size_t i = 0; i < cfg_err_nlines(err); i++) {
		cfg_err_line(err, i, msg, sizeof(msg));
		fprintf(stderr, "tend: %s\n", msg);
	}
}

static int
load_config(const char *file, struct cfg *c)
{
	static struct cfg_err err; /* 16 KiB */

	if (cfg_load_file(file, c, &err) == 0)
		return 0;
	print_errors(&err);
	return -1;
}

static int
check(const char *file)
{
	struct cfg c;
	char *json;

	if (load_config(file, &c) == -1)
		return 2;
	if ((json = cfg_to_json(&c)) == NULL)
		fatal("cfg_to_json");
	printf("%s\n", json);
	free(json);
	cfg_free(&c);
	return 0;
}

int
main(int argc, char **argv)
{
	static struct sup s; /* large and long-lived */
	static struct cfg_err err; /* 16 KiB */
	struct cli cli;
	int rc;

	if (argc >= 2 && strcmp(argv[1], "__worker") == 0)
		return wrk_main(argc - 1, argv + 1);

	log_init("tend");
	if ((rc = cli_parse(argc, argv, &cli)) != 0)
		return rc;
	switch (cli.mode) {
	case CLI_DONE:
		return 0;
	case CLI_CHECK:
		return check(cli.cfg_file);
	case CLI_RUN_CONFIG:
		if (load_config(cli.cfg_file, &s.cfg) == -1)
			return 2;
		s.cfg_file = cli.cfg_file;
		s.serve = s.cfg.c_serve.s_enabled;
		break;
	case CLI_EXEC:
		return exec_run(&cli.exec);
	case CLI_RUN:
		if (load_config(cli.cfg_file, &s.cfg) == -1)
			return 2;
		s.cfg_file = cli.cfg_file;
		s.run_mode = true;
		s.run_parallel = cli.run_parallel;
		s.run_keep_going = cli.run_keep_going;
		s.run_targets = cli.run_jobs;
		s.run_ntargets = cli.run_njobs;
		break;
	case CLI_SERVE:
		if (cfg_validate(&cli.cfg, &err) == -1) {
			print_errors(&err);
			cfg_free(&cli.cfg);
			return 2;
		}
		s.cfg = cli.cfg;
		s.serve = true;
		break;
	}
	return sup_run(&s);
}
