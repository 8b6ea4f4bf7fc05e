/* SPDX-License-Identifier: ISC */
/*
 * tests/torture/store.c
 * The invariants of work that crosses processes: the seed task writing
 * records into the db service (tstore). Every record seed saw
 * acknowledged is in db.data, each once; with one Ctrl-C every run of
 * seed that began wrote all its records (tend let it finish before it
 * stopped db); db got its stop signal once and no other signal, started
 * once (a reload leaves it alone), never quit on a second stop signal,
 * and with one or two Ctrl-C stopped cleanly; and tend stopped db only
 * after seed's run ended, as its output shows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "torture.h"

#define NREC (TT_SEED_RUNS * TT_SEED_COUNT)

/*
 * Marks each "s<run>-<i>" line of name in seen (by run and i); a line
 * seen twice or not a record is a violation. Returns the lines.
 */
static unsigned long
read_records(const char *dir, const char *name, unsigned char *seen)
{
	char *text, *line, *save = NULL;
	unsigned long lines = 0;
	unsigned run, i;
	size_t len;

	if ((text = tmp_read(dir, name, &len)) == NULL)
		return 0;
	for (line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		lines++;
		if (sscanf(line, "s%u-%u", &run, &i) != 2 || run == 0 ||
		    run > TT_SEED_RUNS || i == 0 || i > TT_SEED_COUNT) {
			tt_fail("%s: not a record: \"%.40s\"", name, line);
			continue;
		}
		if (seen[(run - 1) * TT_SEED_COUNT + i - 1]++ == 1)
			tt_fail("%s: %s is there twice", name, line);
	}
	free(text);
	return lines;
}

static size_t
lines_with(const char *text, const char *needle)
{
	size_t n = 0;

	for (const char *p = text; p != NULL && (p = strstr(p, needle)); p++)
		n++;
	return n;
}

/* db.log: one stop signal, no other, one start, a clean stop. */
static void
check_db_log(const char *dir, int presses)
{
	size_t len;
	char *log = tmp_read(dir, "db.log", &len), *last;
	size_t terms, signals;

	if (log == NULL)
		return; /* never started, or killed before it opened its log */
	terms = lines_with(log, "signal SIGTERM");
	signals = lines_with(log, "signal SIG");
	if (terms > 1 || lines_with(log, "second stop signal") > 0)
		tt_fail("db got its stop signal twice (%zu x SIGTERM in "
		        "db.log)",
		    terms);
	if (signals > terms)
		tt_fail("db got %zu signal(s) other than SIGTERM (a Ctrl-C "
		        "or a reload reached it)",
		    signals - terms);
	if (lines_with(log, "start pid") > 1)
		tt_fail("db started %zu times (a reload must leave it alone)",
		    lines_with(log, "start pid"));
	/*
	 * tstore logs "start pid" once its handlers are set: a stop signal
	 * before that kills it, as it would kill any program, tend or not.
	 */
	if (lines_with(log, "start pid") == 0 || presses < 1)
		;
	else if (terms == 0)
		tt_fail("db never got its stop signal (SIGTERM)");
	else if (presses <= 2) {
		while (len > 0 && log[len - 1] == '\n')
			log[--len] = '\0';
		last = strrchr(log, '\n');
		last = last ? last + 1 : log;
		if (strncmp(last, "stopped records=", 16) != 0)
			tt_fail("db did not stop cleanly: db.log ends with "
			        "\"%.60s\"",
			    last);
	}
	free(log);
}

/*
 * tend stops db once every job after it has ended: if it says so before
 * the 2nd Ctrl-C was typed (the echo "^C" in its output is where the key
 * was typed), seed's last run must have ended before that line.
 */
static void
check_order(const char *out)
{
	const char *stop = strstr(out, "stopping service \"db\"");
	const char *second = strstr(out, "^C"), *run = NULL, *p, *end;

	if (stop == NULL)
		return;
	if (second != NULL)
		second = strstr(second + 2, "^C");
	if (second != NULL && second < stop)
		return; /* the 2nd press hurried: it stops db at once */
	for (p = out; (p = strstr(p, "build \"seed\" started")) != NULL; p++)
		run = p;
	if (run == NULL || run > stop)
		return; /* seed never ran (or began after db was stopped) */
	for (end = run + 1; (end = strstr(end, "build \"seed\" ")) != NULL &&
	     strncmp(end + 13, "started", 7) == 0;
	     end++)
		;
	if (end == NULL || end > stop)
		tt_fail("tend stopped db before seed, which writes into it, "
		        "ended (\"stopping service \\\"db\\\"\" comes first)");
}

void
check_store(
    const char *dir, const char *out, int presses, struct store_stats *st)
{
	unsigned char *acked = calloc(NREC, 1), *stored = calloc(NREC, 1);
	size_t len;
	char *text = tmp_read(dir, "seeds", &len);

	memset(st, 0, sizeof(*st));
	st->runs = text != NULL ? (unsigned)atoi(text) : 0;
	free(text);
	if (st->runs > TT_SEED_RUNS) {
		tt_fail("seed ran %u times, more than checked", st->runs);
		st->runs = TT_SEED_RUNS;
	}
	st->acked = read_records(dir, "seed.acked", acked);
	st->stored = read_records(dir, "db.data", stored);
	for (unsigned r = 0; r < NREC; r++)
		if (acked[r] && !stored[r]) {
			tt_fail(
			    "db: s%u-%u was acknowledged to seed but is not "
			    "in db.data",
			    r / TT_SEED_COUNT + 1, r % TT_SEED_COUNT + 1);
			break;
		}
	for (unsigned run = 0; run < st->runs; run++) {
		unsigned missing = 0;
		for (unsigned i = 0; i < TT_SEED_COUNT; i++)
			missing += !acked[run * TT_SEED_COUNT + i];
		if (missing == 0)
			continue;
		st->cut = true;
		if (presses == 1)
			tt_fail("seed run %u was cut: %u of its %d records "
			        "not acknowledged, with one Ctrl-C",
			    run + 1, missing, TT_SEED_COUNT);
	}
	check_db_log(dir, presses);
	if (out != NULL) {
		check_order(out);
		st->finishing = strstr(out, "finishing build \"seed\"") != NULL;
		st->interrupted =
		    strstr(out, "interrupting build \"seed\"") != NULL;
	}
	free(acked);
	free(stored);
}
