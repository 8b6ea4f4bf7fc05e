/* SPDX-License-Identifier: ISC */
/*
 * supervisor/cli.c
 * Parse `tend [-c FILE]`, `tend serve [ROOT] [flags]`, `tend run [-j N]
 * [--keep-going] [JOB...]`, `tend exec [flags] -- CMD...`, `tend check`,
 * --help and --version. `tend serve` builds a struct cfg in code, so both
 * ways of starting tend are validated by the same cfg_validate.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage_text[] =
    "usage: tend [-c FILE]\n"
    "       tend serve [ROOT] [--build CMD [--watch PATH]...] [--http ADDR]\n"
    "                  [--udp ADDR] [--udp-log FILE]\n"
    "       tend run [-c FILE] [-j N] [--keep-going] [JOB...]\n"
    "       tend exec [--watch PATH]... [--restart | --queue] [--clear]\n"
    "                 [--stop-signal SIG] [--stop-timeout S]\n"
    "                 [--restart-on-failure] -- CMD [ARG...]\n"
    "       tend check [-c FILE]\n"
    "       tend --help | --version\n"
    "\n"
    "  tend            run the jobs of FILE (default ./tend.json); serve\n"
    "                  HTTP/UDP when it has a \"serve\" section\n"
    "  tend serve      serve ROOT (default .) over HTTP, building it with\n"
    "                  CMD first and again on a change, SIGUSR1, a UDP\n"
    "                  \"build\" datagram or POST /__tend/build\n"
    "  tend run        run the named jobs (default: every task) and what\n"
    "                  they depend on, -j at once, then print a summary\n"
    "  tend exec       run one command supervised: signals forwarded,\n"
    "                  exit status passed through, zombies reaped;\n"
    "                  restarted on a change with --watch\n"
    "  tend check      validate FILE and print it normalised\n"
    "\n"
    "  --http ADDR     HOST:PORT to serve on (default 127.0.0.1:8000;\n"
    "                  port 0 picks a free one)\n"
    "  --udp ADDR      HOST:PORT for the UDP event port (default: off)\n"
    "  --udp-log FILE  append every UDP log record to FILE\n"
    "  --watch PATH    rebuild when PATH (a file, directory or glob such\n"
    "                  as 'src/**/*.scss') changes; repeatable; without\n"
    "                  --build, changes under ROOT reload the browser\n"
    "\n"
    "Ctrl-C lets a running build finish; press it again to abort the\n"
    "build, a third time to kill everything. See tend(1).\n";

static void
usage(FILE *f)
{
	fputs(usage_text, f);
}

static int
usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "tend: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n\n");
	usage(stderr);
	return 2;
}

static void
set_str(char **dst, const char *src)
{
	free(*dst);
	*dst = src ? strdup(src) : NULL;
}

static int
strv_push(struct cfg_strv *sv, const char *s)
{
	char **v = realloc(sv->v, (sv->n + 2) * sizeof(*v));

	if (v == NULL)
		return -1;
	sv->v = v;
	if ((v[sv->n] = strdup(s)) == NULL)
		return -1;
	v[++sv->n] = NULL;
	return 0;
}

static int
parse_config_flags(int argc, char **argv, struct cli *out)
{
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int ch;

	out->cfg_file = "tend.json";
	while ((ch = getopt_long(argc, argv, "+c:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			out->cfg_file = optarg;
			break;
		case 'h':
			usage(stdout);
			out->mode = CLI_DONE;
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument \"%s\"", argv[optind]);
	return 0;
}

static int
parse_serve(int argc, char **argv, struct cli *out)
{
	static const struct option opts[] = {
	    {"build", required_argument, NULL, 'b'},
	    {"http", required_argument, NULL, 'H'},
	    {"udp", required_argument, NULL, 'u'},
	    {"udp-log", required_argument, NULL, 'l'},
	    {"watch", required_argument, NULL, 'w'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct cfg *c = &out->cfg;
	struct cfg_strv watch = {NULL, 0};
	const char *build = NULL;
	int rc = 0;
	int ch;

	cfg_init(c);
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'b':
			build = optarg;
			break;
		case 'H':
			set_str(&c->c_serve.s_http, optarg);
			break;
		case 'u':
			set_str(&c->c_serve.s_udp, optarg);
			break;
		case 'l':
			set_str(&c->c_serve.s_udp_log, optarg);
			break;
		case 'w':
			if (strv_push(&watch, optarg) == -1) {
				rc = usage_error("%sout of memory", "");
				goto done;
			}
			break;
		case 'h':
			usage(stdout);
			out->mode = CLI_DONE;
			goto done;
		default:
			usage(stderr);
			rc = 2;
			goto done;
		}
	}
	if (optind < argc)
		set_str(&c->c_serve.s_root, argv[optind++]);
	if (optind < argc)
		rc = usage_error("unexpected argument \"%s\"", argv[optind]);
	else if (c->c_serve.s_udp_log != NULL && c->c_serve.s_udp == NULL)
		rc = usage_error("%s--udp-log needs --udp", "");
	else if (build != NULL && build[0] == '\0')
		rc = usage_error("%s--build needs a command", "");
	else if (build == NULL && watch.n > 0)
		rc = usage_error("%s--watch needs --build (without a build, "
		                 "changes under ROOT reload the browser)",
		    "");
	else if (build != NULL) {
		/*
		 * No change builds unless --watch names it: watching "." by
		 * default would rebuild forever on whatever the build
		 * writes. The root is still watched, for live reload.
		 */
		struct cfg_job *j = cfg_add_job(c, "build", build);
		if (j == NULL)
			rc = usage_error("%sout of memory", "");
		else {
			j->j_watch = watch;
			watch.v = NULL;
			watch.n = 0;
		}
	}
done:
	for (size_t i = 0; i < watch.n; i++)
		free(watch.v[i]);
	free(watch.v);
	/* Nothing runs: main() exits with rc and never frees the config. */
	if (rc != 0 || out->mode == CLI_DONE)
		cfg_free(c);
	return rc;
}

static int
parse_run(int argc, char **argv, struct cli *out)
{
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"jobs", required_argument, NULL, 'j'},
	    {"keep-going", no_argument, NULL, 'k'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	char *end;
	long n;
	int ch;

	out->cfg_file = "tend.json";
	while ((ch = getopt_long(argc, argv, "c:j:kh", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			out->cfg_file = optarg;
			break;
		case 'j':
			n = strtol(optarg, &end, 10);
			if (*end != '\0' || n < 1 || n > 1024)
				return usage_error("-j: expected a number of "
				                   "jobs from 1 to 1024, got "
				                   "\"%s\"",
				    optarg);
			out->run_parallel = (unsigned)n;
			break;
		case 'k':
			out->run_keep_going = true;
			break;
		case 'h':
			usage(stdout);
			out->mode = CLI_DONE;
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	out->run_jobs = argv + optind;
	out->run_njobs = (size_t)(argc - optind);
	return 0;
}

static int
parse_signal_arg(const char *arg, int *out)
{
	int sig = cfg_signal_from_name(arg);

	if (sig <= 0)
		return usage_error("--stop-signal: unknown signal \"%s\"", arg);
	*out = sig;
	return 0;
}

static int
parse_exec(int argc, char **argv, struct cli *out)
{
	static const struct option opts[] = {
	    {"watch", required_argument, NULL, 'w'},
	    {"restart", no_argument, NULL, 'r'},
	    {"queue", no_argument, NULL, 'q'},
	    {"stop-signal", required_argument, NULL, 's'},
	    {"stop-timeout", required_argument, NULL, 't'},
	    {"restart-on-failure", no_argument, NULL, 'f'},
	    {"clear", no_argument, NULL, 'C'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct exec_opts *o = &out->exec;
	char *end;
	int ch, rc;

	o->watch = out->exec_watch;
	o->on_change = EXEC_RESTART;
	o->stop_signal = SIGTERM;
	o->stop_timeout = 5;
	/* "+": options end at the command, even without "--". */
	while ((ch = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (ch) {
		case 'w':
			if (o->nwatch >= sizeof(out->exec_watch) /
			        sizeof(out->exec_watch[0]))
				return usage_error("%stoo many --watch", "");
			o->watch[o->nwatch++] = optarg;
			break;
		case 'r':
			o->on_change = EXEC_RESTART;
			break;
		case 'q':
			o->on_change = EXEC_QUEUE;
			break;
		case 's':
			if ((rc = parse_signal_arg(optarg, &o->stop_signal)))
				return rc;
			break;
		case 't':
			o->stop_timeout = strtod(optarg, &end);
			if (*end != '\0' || end == optarg ||
			    o->stop_timeout < 0)
				return usage_error("--stop-timeout: expected "
				                   "seconds >= 0, got \"%s\"",
				    optarg);
			break;
		case 'f':
			o->restart_on_failure = true;
			break;
		case 'C':
			o->clear = true;
			break;
		case 'h':
			usage(stdout);
			out->mode = CLI_DONE;
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc)
		return usage_error("%sexec needs a command: tend exec -- CMD "
		                   "[ARG...]",
		    "");
	o->argv = argv + optind;
	return 0;
}

int
cli_parse(int argc, char **argv, struct cli *out)
{
	memset(out, 0, sizeof(*out));
	if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
		printf("tend %s\n", TEND_VERSION);
		out->mode = CLI_DONE;
		return 0;
	}
	if (argc >= 2 &&
	    (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		out->mode = CLI_DONE;
		return 0;
	}
	if (argc >= 2 && strcmp(argv[1], "serve") == 0) {
		out->mode = CLI_SERVE;
		return parse_serve(argc - 1, argv + 1, out);
	}
	if (argc >= 2 && strcmp(argv[1], "run") == 0) {
		out->mode = CLI_RUN;
		return parse_run(argc - 1, argv + 1, out);
	}
	if (argc >= 2 && strcmp(argv[1], "exec") == 0) {
		out->mode = CLI_EXEC;
		return parse_exec(argc - 1, argv + 1, out);
	}
	if (argc >= 2 && strcmp(argv[1], "check") == 0) {
		out->mode = CLI_CHECK;
		return parse_config_flags(argc - 1, argv + 1, out);
	}
	if (argc >= 2 && argv[1][0] != '-')
		return usage_error("unknown command \"%s\"", argv[1]);
	out->mode = CLI_RUN_CONFIG;
	return parse_config_flags(argc, argv, out);
}
