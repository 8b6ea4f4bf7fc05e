/* SPDX-License-Identifier: ISC */
/*
 * supervisor/cli.c
 * Parse `tend [-c FILE]`, `tend serve [ROOT] [flags]`, `tend check`,
 * --help and --version. `tend serve` builds a struct cfg in code, so both
 * ways of starting tend are validated by the same cfg_validate.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage_text[] =
    "usage: tend [-c FILE]\n"
    "       tend serve [ROOT] [--build CMD] [--http ADDR] [--udp ADDR]\n"
    "                  [--udp-log FILE]\n"
    "       tend check [-c FILE]\n"
    "       tend --help | --version\n"
    "\n"
    "  tend            run the jobs of FILE (default ./tend.json); serve\n"
    "                  HTTP/UDP when it has a \"serve\" section\n"
    "  tend serve      serve ROOT (default .) over HTTP, building it with\n"
    "                  CMD first and again on SIGUSR1, a UDP \"build\"\n"
    "                  datagram or POST /__tend/build\n"
    "  tend check      validate FILE and print it normalised\n"
    "\n"
    "  --http ADDR     HOST:PORT to serve on (default 127.0.0.1:8000;\n"
    "                  port 0 picks a free one)\n"
    "  --udp ADDR      HOST:PORT for the UDP event port (default: off)\n"
    "  --udp-log FILE  append every UDP log record to FILE\n"
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
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct cfg *c = &out->cfg;
	const char *build = NULL;
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
		set_str(&c->c_serve.s_root, argv[optind++]);
	if (optind < argc)
		return usage_error("unexpected argument \"%s\"", argv[optind]);
	if (build != NULL && build[0] == '\0')
		return usage_error("%s--build needs a command", "");
	if (build != NULL && cfg_add_job(c, "build", build) == NULL)
		return usage_error("%sout of memory", "");
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
	if (argc >= 2 && strcmp(argv[1], "check") == 0) {
		out->mode = CLI_CHECK;
		return parse_config_flags(argc - 1, argv + 1, out);
	}
	if (argc >= 2 && argv[1][0] != '-')
		return usage_error("unknown command \"%s\"", argv[1]);
	out->mode = CLI_RUN_CONFIG;
	return parse_config_flags(argc, argv, out);
}
