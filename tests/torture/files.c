/* SPDX-License-Identifier: ISC */
/*
 * tests/torture/files.c
 * What an iteration starts from: its served root (data.bin written,
 * page.html at "v0", the 4 MiB big.bin hard-linked from one copy per run)
 * and its tend.json: the counting build that records its fds and rewrites
 * page.html, the db service and the seed task writing into it.
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
 * shell, the shell's own fds being close-on-exec), then deletes the page
 * it serves and writes it again 0.3 s on, as a site generator does, then
 * done-n: a request for the page while it runs must wait for the build.
 */
static const char build_fmt[] =
    "%sn=$(($(cat counter 2>/dev/null || echo 0) + 1)); echo $n > counter; "
    "touch started-$n; ls -l /proc/self/fd > fds-$n; rm -f public/page.html; "
    "sleep %s; echo v$n > public/page.html; echo done > done-$n";

/*
 * The db service and the task writing into it. Each run of seed writes
 * records s<run>-1 .. s<run>-COUNT (its runs counted in a file, then exec:
 * tend's signals reach tstore itself) and notes each acknowledged one.
 */
static const char stores_fmt[] =
    "\"db\": { \"kind\": \"service\", \"ready\": { \"log\": "
    "\"^listening\" },\n"
    "    \"cmd\": [\"%s\", \"serve\", \"--data\", \"db.data\", "
    "\"--log\", \"db.log\", \"--stop-delay-ms\", \"%d\"] },\n"
    "  \"seed\": { \"after\": [\"db\"], \"cmd\": \"n=$(($(cat seeds "
    "2>/dev/null || echo 0) + 1)); echo $n > seeds; exec %s put "
    "--port-file db.data.port --count %d --delay-ms %d --prefix s$n "
    "--acked seed.acked\" }";

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
	tmp_write(dir, "public/page.html", "v0\n");
	snprintf(path, sizeof(path), "%s/public/big.bin", dir);
	return link(big_path, path) == 0;
}

/*
 * With trap_int (three presses planned) the build ignores SIGINT, and so
 * does its sleep, and lasts 0.8 s: the 2nd press cannot end it, so the
 * 3rd (SIGKILL to everything) is typed while tend still runs. db then
 * takes 0.4 s to stop, not 50 ms: a 3rd press finds it stopping and must
 * SIGKILL it, not send its stop signal again. A reload writes db and seed
 * unchanged: tend must leave them alone.
 */
void
tt_write_config(
    const char *dir, bool trap_int, bool second_job, bool new_worker)
{
	char text[4096], cmd[1024], stores[2048];

	snprintf(cmd, sizeof(cmd), build_fmt, trap_int ? "trap '' INT; " : "",
	    trap_int ? "0.8" : "0.3");
	snprintf(stores, sizeof(stores), stores_fmt, TSTORE_BIN,
	    trap_int ? 400 : 50, TSTORE_BIN, TT_SEED_COUNT, TT_SEED_DELAY_MS);
	snprintf(text, sizeof(text),
	    "{ \"jobs\": { \"build\": { \"cmd\": \"%s\" },\n  %s%s },\n"
	    "  \"serve\": { \"root\": \"public\", \"http\": \"127.0.0.1:0\",\n"
	    "    \"udp\": \"127.0.0.1:0\", \"udp_log\": \"udp.log\"%s } }\n",
	    cmd, stores,
	    second_job ? ",\n  \"two\": { \"cmd\": \"echo two > two\" }" : "",
	    new_worker ? ", \"drain_timeout\": 6" : "");
	tmp_write(dir, "tend.json", text);
}
