/* SPDX-License-Identifier: ISC */
/*
 * supervisor/cli_usage.c
 * What tend says about its command line: the help, and for a mistake one
 * line with a suggestion (an option another tool spells otherwise, a
 * typo, a missing value, an unknown command), then "see tend --help".
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_priv.h"
#include "suggest.h"

static const char usage_text[] =
    "usage: tend [-c FILE] [--timestamps]\n"
    "       tend serve [ROOT] [--build CMD [--watch PATH]...] [--http ADDR]\n"
    "                  [--udp ADDR] [--udp-log FILE] [--spa] [--no-dotenv]\n"
    "                  [--proxy PREFIX=ADDR]... [--poll MS] [--timestamps]\n"
    "       tend run [-c FILE] [-j N] [--keep-going] [--timestamps]\n"
    "                [--json] [JOB...]\n"
    "       tend exec [--watch PATH]... [--poll MS] [--restart | --queue]\n"
    "                 [--clear]\n"
    "                 [--stop-signal SIG] [--stop-timeout S]\n"
    "                 [--restart-on-failure [--restart-limit N]]\n"
    "                 -- CMD [ARG...]\n"
    "       tend check [-c FILE]\n"
    "       tend status [-c FILE] [--json]\n"
    "       tend restart|stop|start [-c FILE] JOB...\n"
    "       tend build [-c FILE] [JOB...]\n"
    "       tend logs [-c FILE] [-f] [-n N] [JOB...]\n"
    "       tend --help | --version\n"
    "\n"
    "  tend            run the jobs of FILE (default ./tend.json); serve\n"
    "                  HTTP/UDP when it has a \"serve\" section\n"
    "  tend serve      serve ROOT (default .) over HTTP, building it with\n"
    "                  CMD first and again on a change, SIGUSR1, a UDP\n"
    "                  \"build\" datagram or POST /__tend/build\n"
    "  tend run        run the named jobs (default: every task) and what\n"
    "                  they depend on, -j at once, then print a summary\n"
    "                  (--json: the summary alone on stdout, as JSON)\n"
    "  tend exec       run one command supervised: signals forwarded,\n"
    "                  exit status passed through, zombies reaped;\n"
    "                  restarted on a change with --watch\n"
    "  tend check      validate FILE and print it normalised, then where\n"
    "                  each job's variables come from (.env, env_file, env)\n"
    "  tend status     the jobs of the tend running for FILE (--json for\n"
    "                  scripts); restart, stop, start, build act on them;\n"
    "                  logs prints their last lines (-f: and what follows)\n"
    "\n"
    "  --http ADDR     HOST:PORT to serve on (default 127.0.0.1:8000;\n"
    "                  port 0 picks a free one)\n"
    "  --udp ADDR      HOST:PORT for the UDP event port (default: off)\n"
    "  --udp-log FILE  append every UDP log record to FILE\n"
    "  --watch PATH    rebuild when PATH (a file, directory or glob such\n"
    "                  as 'src/**/*.scss') changes; repeatable. A change\n"
    "                  under ROOT while no build runs reloads the browser\n"
    "  --spa           serve ROOT/index.html for paths without a file\n"
    "                  and without an extension (single-page apps)\n"
    "  --proxy PREFIX=ADDR\n"
    "                  forward requests whose path starts with PREFIX\n"
    "                  (whole segments: /api, /api/...) to the server at\n"
    "                  ADDR (HOST:PORT), path unchanged; repeatable, the\n"
    "                  longest prefix wins\n"
    "  --no-dotenv     do not read ./.env into the build's environment\n"
    "  --poll MS       watch by polling every MS milliseconds (50-60000)\n"
    "                  instead of inotify (NFS, SMB and 9p are polled\n"
    "                  every 500 ms without it)\n"
    "  --timestamps    start each output line with the time, HH:MM:SS.mmm\n"
    "  --restart-limit N\n"
    "                  exec --restart-on-failure gives up after N failures\n"
    "                  in a row, each within 10 s of starting (default 5,\n"
    "                  as a service's restart_limit; 0: never)\n"
    "\n"
    "Ctrl-C lets a running build finish; press it again to abort the\n"
    "build, a third time to kill everything. See tend(1).\n";

void
cli_usage(FILE *f)
{
	fputs(usage_text, f);
}

/* One line saying what is wrong, and where to read more: not the help. */
int
cli_usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "tend: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nsee tend --help\n");
	return 2;
}

/* Options other tools have, and tend's for the same thing. */
static const struct {
	const char *word, *opt;
} synonyms[] = {
    {"port", "http"},
    {"p", "http"},
    {"host", "http"},
    {"listen", "http"},
    {"bind", "http"},
    {"addr", "http"},
    {"address", "http"},
    {"cmd", "build"},
    {"command", "build"},
    {"exec", "build"},
    {"file", "config"},
    {"f", "config"},
    {"parallel", "jobs"},
    {"signal", "stop-signal"},
    {"timeout", "stop-timeout"},
    {"on-failure", "restart-on-failure"},
    {"retries", "restart-limit"},
    {"max-restarts", "restart-limit"},
    {"fallback", "spa"},
    {"api", "proxy"},
    {"backend", "proxy"},
    {"upstream", "proxy"},
    {"history-api-fallback", "spa"},
    {"legacy-watch", "poll"},
    {"polling", "poll"},
};

/* The option of opts closest to word (without dashes), or NULL. */
static const char *
suggest_option(const char *word, const struct option *opts)
{
	const char *names[32];
	size_t n = 0, i, k;

	for (i = 0; i < sizeof(synonyms) / sizeof(synonyms[0]); i++) {
		if (strcmp(word, synonyms[i].word) != 0)
			continue;
		for (k = 0; opts[k].name != NULL; k++)
			if (strcmp(opts[k].name, synonyms[i].opt) == 0)
				return opts[k].name;
	}
	for (k = 0; opts[k].name != NULL && n < 32; k++)
		names[n++] = opts[k].name;
	return cfg_suggest(word, names, n);
}

/*
 * The long option getopt_long took for name (len bytes: all of it, or a
 * prefix of one option), by its value val; NULL if there is none.
 */
static const struct option *
find_option(const struct option *opts, const char *name, size_t len, int val)
{
	for (size_t k = 0; opts[k].name != NULL; k++)
		if (opts[k].val == val && strncmp(opts[k].name, name, len) == 0)
			return &opts[k];
	return NULL;
}

/*
 * getopt_long returned '?' or ':' (opterr is off: the message is ours).
 * A long option is argv[optind - 1]; a short one is optopt, which may sit
 * in a cluster ("-kx"), where argv[optind - 1] is another word.
 */
int
cli_bad_option(int ch, char **argv, const struct option *opts)
{
	const char *arg = argv[optind - 1], *name = arg + 2, *hint;
	size_t len = strcspn(name, "="), n = 0, k;
	const struct option *o = NULL;
	char msg[256], word[64];
	int w;

	if (strncmp(arg, "--", 2) == 0 && optopt != 0)
		o = find_option(opts, name, len, optopt);
	if (o != NULL) {
		/* A known long option (or its prefix) used wrongly. */
		snprintf(word, sizeof(word), "--%s", o->name);
		if (ch == ':')
			return cli_usage_error("option %s needs a value", word);
		return cli_usage_error("option %s takes no value", word);
	}
	if (strncmp(arg, "--", 2) != 0 || optopt != 0) {
		snprintf(word, sizeof(word), "-%c", optopt);
		if (ch == ':')
			return cli_usage_error("option %s needs a value", word);
		hint = suggest_option(word + 1, opts);
	} else {
		snprintf(word, sizeof(word), "--%.*s", (int)len, name);
		/* A prefix of two options or more: getopt took none. */
		w = snprintf(msg, sizeof(msg), "option %s is ambiguous:", word);
		for (k = 0; opts[k].name != NULL; k++) {
			if (strncmp(opts[k].name, name, len) != 0)
				continue;
			n++;
			if (w > 0 && (size_t)w < sizeof(msg))
				w += snprintf(msg + w, sizeof(msg) - (size_t)w,
				    "%s --%s", n > 1 ? "," : "", opts[k].name);
		}
		if (n > 1)
			return cli_usage_error("%s", msg);
		hint = suggest_option(word + 2, opts);
	}
	if (hint == NULL)
		return cli_usage_error("unknown option %s", word);
	snprintf(msg, sizeof(msg), "unknown option %s; did you mean --%s?",
	    word, hint);
	return cli_usage_error("%s", msg);
}

int
cli_unknown_command(const char *word)
{
	static const char *const commands[] = {"serve", "run", "exec", "check",
	    "status", "restart", "stop", "start", "build", "logs"};
	const char *hint =
	    cfg_suggest(word, commands, sizeof(commands) / sizeof(commands[0]));
	char msg[160];

	snprintf(msg, sizeof(msg), "unknown command \"%.60s\"%s%s%s", word,
	    hint ? "; did you mean \"" : "", hint ? hint : "",
	    hint ? "\"?" : "");
	return cli_usage_error("%s", msg);
}
