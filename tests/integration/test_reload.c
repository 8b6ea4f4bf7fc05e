/* SPDX-License-Identifier: ISC */
/*
 * tests/integration/test_reload.c
 * SIGHUP without collateral damage: a run queued before the reload still
 * runs, a removed service gets its stop signal once, a service after a
 * changed one keeps running, and a task added to tend.json runs once.
 */
#include "common.h"

TestSuite(reload, .init = it_setup, .fini = it_teardown, .timeout = 60);

/* A service that logs every signal it gets into NAME.sig, and its start. */
#define SVC(name, after, extra) \
	"\"" name "\": { \"kind\": \"service\", \"after\": " after ", " extra \
	"  \"cmd\": \"echo start >> " name ".sig; " \
	"trap 'echo TERM >> " name ".sig; exit 0' TERM; " \
	"trap 'echo INT >> " name ".sig' INT; touch " name ".up; " \
	"while :; do sleep 0.05; done\",\n" \
	"  \"ready\": { \"file\": \"" name ".up\" } }"

/* Offset of the last needle in the output, or -1. */
static long
last_at(const char *needle)
{
	const char *p = tp.out, *last = NULL;

	while ((p = strstr(p, needle)) != NULL)
		last = p++;
	return last == NULL ? -1 : (long)(last - tp.out);
}

Test(reload, a_run_queued_before_the_reload_still_runs)
{
	const char *args[] = {NULL};
	const char *json = "{ \"jobs\": { \"slow\": { \"cmd\": \"echo run >> "
	                   "slow.runs; sleep 0.6\" } } }\n";

	tmp_write(dir, "tend.json", json);
	it_start(args, false);
	cr_assert(tp_wait_for(&tp, "task \"slow\" started", 5000));
	kill(tp.pid, SIGUSR1);
	cr_assert(tp_wait_for(&tp, "queued one more run", 5000), "%s", tp.out);
	kill(tp.pid, SIGHUP);
	cr_assert(
	    tp_wait_for(&tp, "configuration reloaded", 5000), "%s", tp.out);
	expect_runs("slow.runs", 2);
	cr_assert(strstr(tp.out, "dropping") == NULL, "%s", tp.out);
	it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	expect_no_process_left();
}

Test(reload, removed_and_changed_services_stop_once_the_rest_stays)
{
	const char *args[] = {NULL};

	tmp_write(dir, "tend.json",
	    "{ \"jobs\": {\n" SVC("db", "[]", "") ",\n" SVC(
	        "api", "[\"db\"]", "") ",\n" SVC("old", "[]", "") " } }\n");
	it_start(args, false);
	it_wait_file("db.up");
	it_wait_file("api.up");
	it_wait_file("old.up");
	/* old removed; db changed (a new stop_timeout); api, after db, same. */
	tmp_write(dir, "tend.json",
	    "{ \"jobs\": {\n" SVC(
	        "db", "[]", "\"stop_timeout\": 3, ") ",\n" SVC("api",
	        "[\"db\"]", "") ",\n"
	                        "\"lint\": { \"cmd\": \"echo run >> "
	                        "lint.runs\" } } }\n");
	kill(tp.pid, SIGHUP);
	cr_assert(
	    tp_wait_for(&tp, "configuration reloaded", 10000), "%s", tp.out);
	cr_assert(strstr(tp.out, "changed \"db\"") != NULL, "%s", tp.out);
	cr_assert(strstr(tp.out, "added \"lint\"") != NULL, "%s", tp.out);
	cr_assert(strstr(tp.out, "removed \"old\"") != NULL, "%s", tp.out);
	expect_runs("lint.runs", 1);
	for (long end = now_ms() + 5000;
	     lines_with("db.sig", "start") < 2 && now_ms() < end;)
		tp_pump(&tp, 10);
	cr_assert(lines_with("db.sig", "start") == 2, "%s", tp.out);
	cr_assert(lines_with("db.sig", "TERM") == 1);
	cr_assert(lines_with("old.sig", "TERM") == 1);
	cr_assert(lines_with("api.sig", "start") == 1, "api restarted");
	cr_assert(lines_with("api.sig", "TERM") == 0, "api was signalled");
	it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	/* One signal per run, each the stop signal: never INT, never twice. */
	cr_assert(lines_with("db.sig", "TERM") == 2);
	cr_assert(lines_with("api.sig", "TERM") == 1);
	cr_assert(lines_with("old.sig", "TERM") == 1);
	cr_assert(lines_with("db.sig", "INT") + lines_with("api.sig", "INT") +
	        lines_with("old.sig", "INT") ==
	    0);
	/* api needs db: at the stop, db is signalled after api ended. */
	cr_assert(last_at("service \"api\" stopped") <
	        last_at("stopping service \"db\""),
	    "%s", tp.out);
	expect_no_process_left();
}
