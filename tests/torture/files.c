/* SPDX-License-Identifier: ISC */
/*
 * tests/torture/files.c
 * What an iteration starts from: its served root (data.bin written, the
 * 4 MiB big.bin hard-linked from one copy per run), its tend.json (the
 * counting build that records its fds), and the one /proc reader the
 * driver needs (a field of /proc/PID/stat).
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "torture.h"

/*
 * Run n (counted in a file) writes started-n, then the fds it was given
 * (ls is a child of the shell: it inherits exactly what tend gave the
 * shell, the shell's own fds being close-on-exec), then done-n 0.3 s on.
 */
static const char build_fmt[] =
    "%sn=$(($(cat counter 2>/dev/null || echo 0) + 1)); echo $n > counter; "
    "touch started-$n; ls -l /proc/self/fd > fds-$n; sleep %s; "
    "echo done > done-$n";

static char big_path[64];

int
tt_make_big(void)
{
	unsigned char *data = malloc(TT_BIG_SIZE);
	int fd;

	snprintf(big_path, sizeof(big_path), "/tmp/tend-torture-big-XXXXXX");
	if (data == NULL || (fd = mkstemp(big_path)) == -1) {
		perror("mkstemp");
		return -1;
	}
	for (size_t i = 0; i < TT_BIG_SIZE; i++)
		data[i] = tt_data_byte(i);
	if (write(fd, data, TT_BIG_SIZE) != TT_BIG_SIZE) {
		perror(big_path);
		close(fd);
		return -1;
	}
	fchmod(fd, 0644);
	close(fd);
	free(data);
	return 0;
}

void
tt_unlink_big(void)
{
	unlink(big_path);
}

bool
tt_write_files(const char *dir)
{
	unsigned char *data = malloc(TT_FILE_SIZE);
	char path[128];

	snprintf(path, sizeof(path), "%s/public", dir);
	mkdir(path, 0755);
	for (size_t i = 0; i < TT_FILE_SIZE; i++)
		data[i] = tt_data_byte(i);
	tmp_write_bytes(dir, "public/data.bin", data, TT_FILE_SIZE);
	free(data);
	snprintf(path, sizeof(path), "%s/public/big.bin", dir);
	return link(big_path, path) == 0;
}

/*
 * With trap_int (three presses planned) the build ignores SIGINT, and so
 * does its sleep, and lasts 0.8 s: the 2nd press cannot end it, so the
 * 3rd (SIGKILL to everything) is typed while tend still runs.
 */
void
tt_write_config(
    const char *dir, bool trap_int, bool second_job, bool new_worker)
{
	char text[1024], cmd[512];

	snprintf(cmd, sizeof(cmd), build_fmt, trap_int ? "trap '' INT; " : "",
	    trap_int ? "0.8" : "0.3");
	snprintf(text, sizeof(text),
	    "{ \"jobs\": { \"build\": { \"cmd\": \"%s\" }%s },\n"
	    "  \"serve\": { \"root\": \"public\", \"http\": \"127.0.0.1:0\",\n"
	    "    \"udp\": \"127.0.0.1:0\", \"udp_log\": \"udp.log\"%s } }\n",
	    cmd, second_job ? ", \"two\": { \"cmd\": \"echo two > two\" }" : "",
	    new_worker ? ", \"drain_timeout\": 6" : "");
	tmp_write(dir, "tend.json", text);
}
