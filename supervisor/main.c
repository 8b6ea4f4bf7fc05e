/* SPDX-License-Identifier: ISC */
/*
 * supervisor/main.c
 * Entry point: argv to one of dev (tend, tend serve), run (tend run),
 * exec (tend exec), check (tend check), or the worker (tend exec'ing
 * itself). Exit codes: 0, 1 a failure at run time, 2 usage or config
 * error, or death by the stopping signal.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ctl.h"
#include "dev.h"
#include "exec.h"
#include "log.h"
#include "run.h"
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
	char *json, *env;

	if (load_config(file, &c) == -1)
		return 2;
	if ((json = cfg_to_json(&c)) == NULL)
		fatal("cfg_to_json");
	printf("%s\n", json);
	free(json);
	/* Where each variable comes from, as comments (NULL: none). */
	if ((env = cfg_env_report(&c)) != NULL)
		fputs(env, stdout);
	free(env);
	cfg_free(&c);
	return 0;
}

int
main(int argc, char **argv)
{
	static struct dev dev; /* large and long-lived */
	static struct runner runner;
	static struct cfg_err err; /* 16 KiB */
	struct cli cli;
	int rc;

	if (argc >= 2 && strcmp(argv[1], "__worker") == 0)
		return wrk_main(argc - 1, argv + 1);

	log_init("tend");
	if (argc >= 2 && ctl_is_command(argv[1]))
		return ctl_main(argc - 1, argv + 1);
	if ((rc = cli_parse(argc, argv, &cli)) != 0)
		return rc;
	switch (cli.mode) {
	case CLI_DONE:
		return 0;
	case CLI_CHECK:
		return check(cli.cfg_file);
	case CLI_EXEC:
		return exec_run(&cli.exec);
	case CLI_DEV:
		if (load_config(cli.cfg_file, &dev.sup.cfg) == -1)
			return 2;
		dev.sup.cfg_file = cli.cfg_file;
		dev.sup.timestamps = cli.timestamps;
		dev.serve = dev.sup.cfg.c_serve.s_enabled;
		return dev_run(&dev);
	case CLI_SERVE:
		/* The current directory's .env, as beside a tend.json. */
		if (cfg_validate(&cli.cfg, &err) == -1 ||
		    cfg_env_merge(&cli.cfg, NULL, &err) == -1) {
			print_errors(&err);
			cfg_free(&cli.cfg);
			return 2;
		}
		dev.sup.cfg = cli.cfg;
		dev.sup.timestamps = cli.timestamps;
		dev.serve = true;
		return dev_run(&dev);
	case CLI_RUN:
		if (load_config(cli.cfg_file, &runner.sup.cfg) == -1)
			return 2;
		runner.sup.cfg_file = cli.cfg_file;
		runner.sup.timestamps = cli.timestamps;
		runner.parallel = cli.run_parallel;
		runner.keep_going = cli.run_keep_going;
		runner.json_fd = cli.run_json ? 1 : -1;
		runner.targets = cli.run_jobs;
		runner.ntargets = cli.run_njobs;
		return run_main(&runner);
	}
	return 2;
}
