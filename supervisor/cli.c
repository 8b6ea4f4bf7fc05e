/* SPDX-License-Identifier: ISC */
/*
 * supervisor/cli.c
 * Parse `tend [-c FILE]`, `tend serve [ROOT] [flags]`, `tend run [-j N]
 * [--keep-going] [JOB...]`, `tend exec [flags] -- CMD...`, `tend check`,
 * --help and --version. `tend serve` builds a struct cfg in code, so both
 * ways of starting tend are validated by the same cfg_validate. The help
 * and the one-line usage errors are cli_usage.c's.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_priv.h"

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

/* --poll MS, as watch.poll_ms: a whole number from 50 to 60000. */
static int
parse_poll(const char *arg, unsigned *out)
{
	char *end;
	long n = strtol(arg, &end, 10);

	if (*end != '\0' || end == arg || n < 50 || n > 60000)
		return cli_usage_error(
		    "--poll: expected milliseconds from 50 to "
		    "60000, got \"%s\"",
		    arg);
	*out = (unsigned)n;
	return 0;
}

static int
parse_config_flags(int argc, char **argv, struct cli *out)
{
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"timestamps", no_argument, NULL, 'T'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int ch;

	out->cfg_file = "tend.json";
	while ((ch = getopt_long(argc, argv, "+:c:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			out->cfg_file = optarg;
			break;
		case 'T':
			if (out->mode == CLI_CHECK)
				return cli_usage_error(
				    "%s--timestamps is for tend, "
				    "tend serve and tend run",
				    "");
			out->timestamps = true;
			break;
		case 'h':
			cli_usage(stdout);
			out->mode = CLI_DONE;
			return 0;
		default:
			return cli_bad_option(ch, argv, opts);
		}
	}
	if (optind < argc)
		return cli_usage_error(
		    "unexpected argument \"%s\"", argv[optind]);
	return 0;
}

/*
 * --proxy PREFIX=ADDR, cut at the last '=' (a prefix may hold one, an
 * address never does). cfg_validate checks both halves.
 */
static int
add_proxy(struct cfg *c, const char *arg)
{
	const char *eq = strrchr(arg, '=');
	char *prefix;
	int rc = 0;

	if (eq == NULL || eq == arg || eq[1] == '\0')
		return cli_usage_error(
		    "--proxy: expected PREFIX=HOST:PORT, such "
		    "as /api=127.0.0.1:5000, got \"%s\"",
		    arg);
	if ((prefix = strndup(arg, (size_t)(eq - arg))) == NULL ||
	    cfg_add_proxy(c, prefix, eq + 1, NULL) < 0)
		rc = cli_usage_error("%sout of memory", "");
	free(prefix);
	return rc;
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
	    {"timestamps", no_argument, NULL, 'T'},
	    {"spa", no_argument, NULL, 'S'},
	    {"no-dotenv", no_argument, NULL, 'D'},
	    {"poll", required_argument, NULL, 'P'},
	    {"proxy", required_argument, NULL, 'X'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct cfg *c = &out->cfg;
	struct cfg_strv watch = {NULL, 0};
	const char *build = NULL;
	int rc = 0;
	int ch;

	cfg_init(c);
	while ((ch = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
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
				rc = cli_usage_error("%sout of memory", "");
				goto done;
			}
			break;
		case 'T':
			out->timestamps = true;
			break;
		case 'S':
			c->c_serve.s_spa = true;
			break;
		case 'D':
			c->c_dotenv = false;
			break;
		case 'P':
			if ((rc = parse_poll(optarg, &c->c_poll_ms)) != 0)
				goto done;
			break;
		case 'X':
			if ((rc = add_proxy(c, optarg)) != 0)
				goto done;
			break;
		case 'h':
			cli_usage(stdout);
			out->mode = CLI_DONE;
			goto done;
		default:
			rc = cli_bad_option(ch, argv, opts);
			goto done;
		}
	}
	if (optind < argc)
		set_str(&c->c_serve.s_root, argv[optind++]);
	if (optind < argc)
		rc =
		    cli_usage_error("unexpected argument \"%s\"", argv[optind]);
	else if (c->c_serve.s_udp_log != NULL && c->c_serve.s_udp == NULL)
		rc = cli_usage_error("%s--udp-log needs --udp", "");
	else if (build != NULL && build[0] == '\0')
		rc = cli_usage_error("%s--build needs a command", "");
	else if (build == NULL && watch.n > 0)
		rc =
		    cli_usage_error("%s--watch needs --build (without a build, "
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
			rc = cli_usage_error("%sout of memory", "");
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
	    {"timestamps", no_argument, NULL, 'T'},
	    {"json", no_argument, NULL, 'J'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	char *end;
	long n;
	int ch;

	out->cfg_file = "tend.json";
	while ((ch = getopt_long(argc, argv, ":c:j:kh", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			out->cfg_file = optarg;
			break;
		case 'j':
			n = strtol(optarg, &end, 10);
			if (*end != '\0' || n < 1 || n > 1024)
				return cli_usage_error(
				    "-j: expected a number of "
				    "jobs from 1 to 1024, got "
				    "\"%s\"",
				    optarg);
			out->run_parallel = (unsigned)n;
			break;
		case 'k':
			out->run_keep_going = true;
			break;
		case 'J':
			out->run_json = true;
			break;
		case 'T':
			out->timestamps = true;
			break;
		case 'h':
			cli_usage(stdout);
			out->mode = CLI_DONE;
			return 0;
		default:
			return cli_bad_option(ch, argv, opts);
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
		return cli_usage_error(
		    "--stop-signal: unknown signal \"%s\"", arg);
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
	    {"restart-limit", required_argument, NULL, 'L'},
	    {"clear", no_argument, NULL, 'C'},
	    {"poll", required_argument, NULL, 'P'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct exec_opts *o = &out->exec;
	bool limit_given = false;
	char *end;
	long n;
	int ch, rc;

	o->watch = out->exec_watch;
	o->on_change = EXEC_RESTART;
	o->stop_signal = SIGTERM;
	o->stop_timeout = 5;
	o->restart_limit = EXEC_RESTART_LIMIT;
	/* "+": options end at the command, even without "--". */
	while ((ch = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'w':
			if (o->nwatch >= sizeof(out->exec_watch) /
			        sizeof(out->exec_watch[0]))
				return cli_usage_error(
				    "%stoo many --watch", "");
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
				return cli_usage_error(
				    "--stop-timeout: expected "
				    "seconds >= 0, got \"%s\"",
				    optarg);
			break;
		case 'f':
			o->restart_on_failure = true;
			break;
		case 'L':
			n = strtol(optarg, &end, 10);
			if (*end != '\0' || end == optarg || n < 0 ||
			    n > EXEC_RESTART_LIMIT_MAX)
				return cli_usage_error(
				    "--restart-limit: expected a "
				    "number from 0 to 1000, got "
				    "\"%s\"",
				    optarg);
			o->restart_limit = (unsigned)n;
			limit_given = true;
			break;
		case 'C':
			o->clear = true;
			break;
		case 'P':
			if ((rc = parse_poll(optarg, &o->poll_ms)) != 0)
				return rc;
			break;
		case 'h':
			cli_usage(stdout);
			out->mode = CLI_DONE;
			return 0;
		default:
			return cli_bad_option(ch, argv, opts);
		}
	}
	if (limit_given && !o->restart_on_failure)
		return cli_usage_error(
		    "%s--restart-limit needs --restart-on-failure", "");
	if (o->poll_ms > 0 && o->nwatch == 0)
		return cli_usage_error("%s--poll needs --watch", "");
	if (optind >= argc)
		return cli_usage_error(
		    "%sexec needs a command: tend exec -- CMD "
		    "[ARG...]",
		    "");
	o->argv = argv + optind;
	return 0;
}

int
cli_parse(int argc, char **argv, struct cli *out)
{
	memset(out, 0, sizeof(*out));
	opterr = 0; /* bad_option says it in one line */
	if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
		printf("tend %s\n", TEND_VERSION);
		out->mode = CLI_DONE;
		return 0;
	}
	if (argc >= 2 &&
	    (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		cli_usage(stdout);
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
		return cli_unknown_command(argv[1]);
	out->mode = CLI_DEV;
	return parse_config_flags(argc, argv, out);
}
