/* SPDX-License-Identifier: ISC */
/*
 * tests/integration/test_across.c
 * Ctrl-C, SIGTERM and SIGHUP where work crosses processes: a task writing
 * records into a service (tstore, a small TCP store that acknowledges
 * each record once it is on disk and logs every signal it receives).
 * Nothing acknowledged is lost, services stop after the tasks that use
 * them and after each other in reverse dependency order, each gets its
 * stop signal once, and a reload leaves an unchanged service alone.
 */
#include <sys/socket.h>

#include <errno.h>

#include "common.h"

TestSuite(across, .init = it_setup, .fini = it_teardown, .timeout = 90);

/* Offset of needle in the output, or -1. */
static long
at(const char *needle)
{
	const char *p = strstr(tp.out, needle);

	return p == NULL ? -1 : (long)(p - tp.out);
}

static void
wait_lines(const char *file, const char *prefix, size_t n, int ms)
{
	for (long end = now_ms() + ms;
	     lines_with(file, prefix) < n && now_ms() < end;)
		tp_pump(&tp, 10);
	cr_assert(lines_with(file, prefix) >= n,
	    "%s: %zu lines \"%s\", wanted %zu; output:\n%s", file,
	    lines_with(file, prefix), prefix, n, tp.out);
}

/* A tstore service named name, after the jobs in after (JSON list). */
static void
store_job(char *buf, size_t size, const char *name, const char *after,
    int stop_delay_ms)
{
	snprintf(buf, size,
	    "\"%s\": { \"kind\": \"service\", \"after\": %s,\n"
	    "  \"ready\": { \"log\": \"^listening\" },\n"
	    /* Generous: a loaded CI machine under ASan must not reach the
	     * SIGKILL; the tests are about order, not speed. */
	    "  \"stop_timeout\": 30,\n"
	    "  \"cmd\": [\"%s\", \"serve\", \"--data\", \"%s.data\", "
	    "\"--log\", \"%s.log\", \"--stop-delay-ms\", \"%d\"] }",
	    name, after, TSTORE_BIN, name, name, stop_delay_ms);
}

/* A task writing count records into the store name, one every 50 ms. */
static void
seed_job(char *buf, size_t size, const char *task, const char *store, int count)
{
	snprintf(buf, size,
	    "\"%s\": { \"after\": [\"%s\"],\n"
	    "  \"cmd\": [\"%s\", \"put\", \"--port-file\", \"%s.data.port\", "
	    "\"--count\", \"%d\", \"--delay-ms\", \"50\", \"--prefix\", "
	    "\"%s\", \"--acked\", \"%s.acked\"] }",
	    task, store, TSTORE_BIN, store, count, task, task);
}

/*
 * Every record the task saw acknowledged is in the store, all of them
 * were written (the task was let finish), and the store got exactly one
 * stop signal and stopped cleanly.
 */
static void
expect_all_kept(const char *task, const char *store, size_t count)
{
	char acked[64], data[64], log[64];

	snprintf(acked, sizeof(acked), "%s.acked", task);
	snprintf(data, sizeof(data), "%s.data", store);
	snprintf(log, sizeof(log), "%s.log", store);
	cr_assert(lines_with(acked, task) == count,
	    "%zu of %zu records acknowledged; output:\n%s",
	    lines_with(acked, task), count, tp.out);
	cr_assert(lines_with(data, task) == count,
	    "%zu of %zu records in the store; output:\n%s",
	    lines_with(data, task), count, tp.out);
	cr_assert(lines_with(log, "signal SIGTERM") == 1,
	    "%s got SIGTERM %zu times", store,
	    lines_with(log, "signal SIGTERM"));
	cr_assert(
	    lines_with(log, "signal ") == 1, "%s got another signal", store);
	cr_assert(lines_with(log, "stopped records=") == 1,
	    "%s did not stop cleanly; output:\n%s", store, tp.out);
}

static void
write_db_and_seed(int count)
{
	char db[512], seed[512], json[4096];

	store_job(db, sizeof(db), "db", "[]", 0);
	seed_job(seed, sizeof(seed), "seed", "db", count);
	snprintf(json, sizeof(json), "{ \"jobs\": {\n%s,\n%s } }\n", db, seed);
	tmp_write(dir, "tend.json", json);
}

Test(across, ctrl_c_lets_a_task_finish_before_its_service_stops)
{
	const char *args[] = {NULL};

	write_db_and_seed(20);
	it_start(args, false);
	wait_lines("seed.acked", "seed", 3, 10000);
	it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	expect_all_kept("seed", "db", 20);
	cr_assert(
	    at("stopping \"db\" (waiting for \"seed\")") >= 0, "%s", tp.out);
	cr_assert(at("task \"seed\" finished") >= 0 &&
	        at("task \"seed\" finished") <
	            at("stopping service \"db\" (SIGTERM)"),
	    "%s", tp.out);
	/* It exits 0 on its stop signal: stopped, not "by signal 15". */
	cr_assert(at("service \"db\" stopped after") >= 0, "%s", tp.out);
	expect_no_process_left();
}

Test(across, sigterm_lets_a_task_finish_before_its_service_stops)
{
	const char *args[] = {NULL};

	write_db_and_seed(20);
	it_start(args, false);
	wait_lines("seed.acked", "seed", 3, 10000);
	kill(tp.pid, SIGTERM);
	expect_exit_by_signal(SIGTERM);
	expect_all_kept("seed", "db", 20);
	expect_no_process_left();
}

Test(across, tend_run_stops_services_after_the_tasks_that_use_them)
{
	const char *args[] = {"run", "seed", NULL};

	write_db_and_seed(20);
	it_start(args, false);
	wait_lines("seed.acked", "seed", 3, 10000);
	it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	expect_all_kept("seed", "db", 20);
	cr_assert(at("seed  ok") >= 0, "%s", tp.out);
	expect_no_process_left();
}

/*
 * db <- cache <- seed (seed writes into cache), and mail alone: mail
 * stops at once, cache after seed, db after cache. Each store's log has
 * one SIGTERM; tend's output shows the order.
 */
Test(across, services_stop_in_reverse_dependency_order)
{
	const char *args[] = {NULL};
	char db[512], cache[512], mail[512], seed[512], json[4096];

	store_job(db, sizeof(db), "db", "[]", 300);
	store_job(cache, sizeof(cache), "cache", "[\"db\"]", 300);
	store_job(mail, sizeof(mail), "mail", "[]", 0);
	seed_job(seed, sizeof(seed), "seed", "cache", 16);
	snprintf(json, sizeof(json), "{ \"jobs\": {\n%s,\n%s,\n%s,\n%s } }\n",
	    db, cache, mail, seed);
	tmp_write(dir, "tend.json", json);
	it_start(args, false);
	wait_lines("seed.acked", "seed", 3, 10000);
	it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	expect_all_kept("seed", "cache", 16);
	cr_assert(lines_with("db.log", "signal SIGTERM") == 1);
	cr_assert(lines_with("mail.log", "signal SIGTERM") == 1);
	cr_assert(at("stopping \"mail\", then \"db\" (waiting for \"cache\", "
	             "\"seed\"), \"cache\" (waiting for \"seed\")") >= 0,
	    "%s", tp.out);
	cr_assert(
	    at("stopping service \"mail\"") < at("task \"seed\" finished"),
	    "%s", tp.out);
	cr_assert(
	    at("task \"seed\" finished") < at("stopping service \"cache\""),
	    "%s", tp.out);
	cr_assert(
	    at("service \"cache\" stopped") < at("stopping service \"db\""),
	    "%s", tp.out);
	expect_no_process_left();
}

/* The 2nd Ctrl-C hurries: no service is sent the same signal twice. */
Test(across, a_second_ctrl_c_sends_no_signal_twice)
{
	const char *args[] = {NULL};
	char db[512], seed[512], json[4096];

	store_job(db, sizeof(db), "db", "[]", 1500);
	seed_job(seed, sizeof(seed), "seed", "db", 200);
	snprintf(json, sizeof(json),
	    "{ \"jobs\": {\n%s,\n%s,\n\"idle\": { \"kind\": \"service\", "
	    "\"cmd\": [\"%s\", \"serve\", \"--data\", \"idle.data\", "
	    "\"--log\", \"idle.log\", \"--stop-delay-ms\", \"1500\"] } } }\n",
	    db, seed, TSTORE_BIN);
	tmp_write(dir, "tend.json", json);
	it_start(args, false);
	wait_lines("seed.acked", "seed", 3, 10000);
	wait_lines("idle.log", "start", 1, 5000);
	it_ctrl_c(1);
	/* idle waits for nothing: it is stopping when the 2nd press comes. */
	wait_lines("idle.log", "signal SIGTERM", 1, 5000);
	it_ctrl_c(1);
	cr_assert(
	    tp_wait_for(&tp, "task \"seed\" interrupted", 5000), "%s", tp.out);
	expect_exit_by_signal(SIGINT);
	cr_assert(lines_with("idle.log", "signal ") == 1, "idle: %zu signals",
	    lines_with("idle.log", "signal "));
	cr_assert(lines_with("db.log", "signal SIGTERM") == 1);
	cr_assert(lines_with("db.log", "second stop signal") == 0);
	cr_assert(lines_with("idle.log", "second stop signal") == 0);
	/* What was acknowledged before the interruption is kept. */
	cr_assert(
	    lines_with("db.data", "seed") >= lines_with("seed.acked", "seed"));
	expect_no_process_left();
}

/*
 * A reload while the task writes: the task finishes, the unchanged db is
 * not signalled (one start, no signal), the new task runs once. Then a
 * change to db restarts it alone, with one SIGTERM.
 */
Test(across, a_reload_waits_for_the_task_and_leaves_unchanged_services)
{
	const char *args[] = {NULL};
	char db[512], seed[512], json[4096];

	write_db_and_seed(20);
	it_start(args, false);
	wait_lines("seed.acked", "seed", 3, 10000);
	store_job(db, sizeof(db), "db", "[]", 0);
	seed_job(seed, sizeof(seed), "seed", "db", 20);
	snprintf(json, sizeof(json),
	    "{ \"jobs\": {\n%s,\n%s,\n"
	    "\"lint\": { \"cmd\": \"echo run >> lint.runs\" } } }\n",
	    db, seed);
	tmp_write(dir, "tend.json", json);
	kill(tp.pid, SIGHUP);
	cr_assert(
	    tp_wait_for(&tp, "configuration reloaded", 10000), "%s", tp.out);
	cr_assert(at("build \"seed\" finished") < at("configuration reloaded"),
	    "%s", tp.out);
	expect_runs("lint.runs", 1);
	cr_assert(lines_with("seed.acked", "seed") == 20);
	cr_assert(lines_with("db.log", "signal") == 0, "db was signalled");
	cr_assert(lines_with("db.log", "start pid") == 1, "db restarted");

	/* Its own configuration changed: restarted, with one SIGTERM. */
	store_job(db, sizeof(db), "db", "[]", 100);
	snprintf(json, sizeof(json),
	    "{ \"jobs\": {\n%s,\n%s,\n"
	    "\"lint\": { \"cmd\": \"echo run >> lint.runs\" } } }\n",
	    db, seed);
	tmp_write(dir, "tend.json", json);
	kill(tp.pid, SIGHUP);
	wait_lines("db.log", "start pid", 2, 10000);
	cr_assert(lines_with("db.log", "signal SIGTERM") == 1);
	cr_assert(lines_with("db.log", "stopped records=20") == 1);
	expect_runs("lint.runs", 1); /* unchanged: not run again */
	it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	cr_assert(lines_with("db.log", "signal SIGTERM") == 2);
	cr_assert(lines_with("db.data", "seed") == 20);
	expect_no_process_left();
}
