/* SPDX-License-Identifier: ISC */
/*
 * supervisor/ctl/client.c
 * The control commands as clients of a running tend: parse the command
 * line, send one request line, print the answer. Without a tend for this
 * config, say so and exit 1. A command waits at most CLIENT_WAIT for an
 * answer; only `tend logs -f` waits until tend exits or Ctrl-C.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "log.h"

#define CLIENT_WAIT 10000 /* ms for an answer that is not a follow */
#define ANSWER_MAX (4u << 20) /* a status or a log dump, at most */

static const char *const commands[] = {
    "status", "restart", "stop", "start", "build", "logs"};

static const char usage_text[] =
    "usage: tend status [-c FILE] [--json]\n"
    "       tend restart|stop|start [-c FILE] JOB...\n"
    "       tend build [-c FILE] [JOB...]\n"
    "       tend logs [-c FILE] [-f] [-n N] [JOB...]\n";

bool
ctl_is_command(const char *word)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(word, commands[i]) == 0)
			return true;
	return false;
}

struct request {
	const char *cfg_file;
	bool json, follow;
	long lines;
	char line[CTL_LINE_MAX];
};

static int
usage_error(const char *cmd, const char *why)
{
	fprintf(stderr, "tend %s: %s\n%s", cmd, why, usage_text);
	return 2;
}

static int
add_word(struct request *r, const char *word)
{
	size_t len = strlen(r->line);

	if (strpbrk(word, " \t\r\n") != NULL || word[0] == '\0')
		return -1;
	if (len + 1 + strlen(word) + 2 > sizeof(r->line))
		return -1;
	snprintf(
	    r->line + len, sizeof(r->line) - len, "%s%s", len ? " " : "", word);
	return 0;
}

/* Returns 0, or an exit code after a usage message. */
static int
parse(int argc, char **argv, struct request *r)
{
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"json", no_argument, NULL, 'j'},
	    {"follow", no_argument, NULL, 'f'},
	    {"lines", required_argument, NULL, 'n'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *cmd = argv[0];
	char num[32], *end;
	int c;

	memset(r, 0, sizeof(*r));
	r->lines = 50;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+c:fn:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			r->cfg_file = optarg;
			break;
		case 'j':
			r->json = true;
			break;
		case 'f':
			r->follow = true;
			break;
		case 'n':
			r->lines = strtol(optarg, &end, 10);
			if (*end != '\0' || end == optarg || r->lines < 0 ||
			    r->lines > 100000)
				return usage_error(cmd,
				    "-n: expected a number "
				    "of lines, 0 to 100000");
			break;
		case 'h':
			fputs(usage_text, stdout);
			return -1;
		default:
			return usage_error(cmd, "unknown option");
		}
	}
	if (r->json && strcmp(cmd, "status") != 0)
		return usage_error(cmd, "--json is for tend status");
	if ((r->follow || r->lines != 50) && strcmp(cmd, "logs") != 0)
		return usage_error(cmd, "-f and -n are for tend logs");
	add_word(r, cmd);
	if (strcmp(cmd, "logs") == 0) {
		snprintf(num, sizeof(num), "%ld", r->lines);
		add_word(r, num);
		add_word(r, r->follow ? "follow" : "once");
	}
	if (strcmp(cmd, "status") == 0 && optind < argc)
		return usage_error(cmd, "takes no job names");
	if ((strcmp(cmd, "restart") == 0 || strcmp(cmd, "stop") == 0 ||
	        strcmp(cmd, "start") == 0) &&
	    optind >= argc)
		return usage_error(cmd, "which job? (tend status lists them)");
	for (; optind < argc; optind++)
		if (add_word(r, argv[optind]) == -1)
			return usage_error(cmd,
			    "a job name is a word, and the "
			    "names fit in 1 KiB");
	return 0;
}

static int
connect_to(const char *path)
{
	struct sockaddr_un sa;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static int
send_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Read the answer: the first line says ok or why not. A status is
 * gathered to be rendered; other answers are printed as they come, so a
 * follow streams until tend exits (or Ctrl-C ends us).
 */
static int
read_answer(int fd, const struct request *r, const char *cmd)
{
	bool status = strcmp(cmd, "status") == 0;
	char *buf = malloc(ANSWER_MAX + 1), *nl;
	size_t len = 0, body = 0;
	bool head_done = false, ok = false;
	struct pollfd p = {fd, POLLIN, 0};
	int rc = 1;

	if (buf == NULL)
		fatal("tend %s", cmd);
	for (;;) {
		int pr = poll(&p, 1, r->follow && head_done ? -1 : CLIENT_WAIT);
		ssize_t n;
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr == 0) {
			fprintf(stderr,
			    "tend %s: no answer from tend in %d s\n", cmd,
			    CLIENT_WAIT / 1000);
			goto out;
		}
		if (len == ANSWER_MAX) {
			fprintf(stderr, "tend %s: answer over %u bytes\n", cmd,
			    ANSWER_MAX);
			goto out;
		}
		n = read(fd, buf + len, ANSWER_MAX - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (!head_done && (nl = memchr(buf, '\n', len)) != NULL) {
			head_done = true;
			ok = strncmp(buf, "ok\n", 3) == 0;
			body = (size_t)(nl + 1 - buf);
		}
		if (head_done && ok && !status) {
			fwrite(buf + body, 1, len - body, stdout);
			fflush(stdout);
			len = body = 0;
		}
	}
	buf[len] = '\0';
	if (!head_done)
		fprintf(stderr,
		    "tend %s: tend closed the connection without "
		    "an answer\n",
		    cmd);
	else if (!ok) {
		size_t skip = strncmp(buf, "error: ", 7) == 0 ? 7 : 0;
		fprintf(stderr, "tend %s: %.*s", cmd, (int)(body - skip),
		    buf + skip);
	} else
		rc = status ? ctl_print_status(buf + body, r->json) : 0;
out:
	free(buf);
	return rc;
}

int
ctl_main(int argc, char **argv)
{
	struct request r;
	char path[4096], line[CTL_LINE_MAX + 1];
	int fd, rc;

	if ((rc = parse(argc, argv, &r)) != 0)
		return rc < 0 ? 0 : rc;
	if (ctl_socket_path(r.cfg_file, false, path, sizeof(path)) == -1)
		return 1;
	if ((fd = connect_to(path)) == -1) {
		if (errno == ENOENT || errno == ECONNREFUSED)
			fprintf(stderr,
			    "tend %s: no tend is running for %s (here: %s)\n",
			    argv[0], r.cfg_file ? r.cfg_file : "./tend.json",
			    path);
		else
			fprintf(stderr, "tend %s: %s: %s\n", argv[0], path,
			    strerror(errno));
		return 1;
	}
	snprintf(line, sizeof(line), "%s\n", r.line);
	if (send_all(fd, line, strlen(line)) == -1) {
		fprintf(stderr, "tend %s: %s\n", argv[0], strerror(errno));
		close(fd);
		return 1;
	}
	rc = read_answer(fd, &r, argv[0]);
	close(fd);
	return rc;
}
