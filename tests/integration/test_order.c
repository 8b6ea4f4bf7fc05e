/* SPDX-License-Identifier: ISC */
/*
 * tests/integration/test_order.c
 * `after` and readiness in the long-running mode (tend with a tend.json,
 * no command): a service after a task waits for the task, a task after a
 * service waits for its ready probe, a failed task keeps its dependants
 * from starting until a later good build, and a file change to a task
 * reruns the tasks after it.
 */
#include <sys/stat.h>

#include "common.h"

TestSuite(order, .init = it_setup, .fini = it_teardown, .timeout = 60);

/* Offset of needle in the output, or -1. */
static long
at(const char *needle)
{
	const char *p = strstr(tp.out, needle);

	return p == NULL ? -1 : (long)(p - tp.out);
}

/* POST /__tend/build?job=name, answered 202. */
static void
post_build(int port, const char *name)
{
	char req[256], *resp;
	size_t len;

	snprintf(req, sizeof(req),
	    "POST /__tend/build?job=%s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	    "Content-Length: 0\r\nConnection: close\r\n\r\n",
	    name);
	resp = http_exchange(port, req, &len, 5000);
	cr_assert(http_status(resp) == 202, "%s", resp);
	free(resp);
}

static void
stop_and_check(void)
{
	it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	expect_no_process_left();
}

Test(order, a_service_after_a_task_waits_for_the_task)
{
	const char *args[] = {NULL};

	tmp_write(dir, "tend.json",
	    "{ \"jobs\": {\n"
	    "  \"api\": { \"kind\": \"service\", \"after\": [\"build\"],\n"
	    "    \"cmd\": \"cat built.txt 2>/dev/null || echo NO-BUILD-YET; "
	    "while :; do sleep 0.05; done\" },\n"
	    "  \"build\": { \"cmd\": \"sleep 0.3; echo BUILT > built.txt\" } "
	    "} }");
	it_start(args, false);
	cr_assert(tp_wait_for(&tp, "api   | ", 5000), "output:\n%s", tp.out);
	cr_assert(
	    strstr(tp.out, "NO-BUILD-YET") == NULL, "output:\n%s", tp.out);
	cr_assert(
	    strstr(tp.out, "api   | BUILT") != NULL, "output:\n%s", tp.out);
	cr_assert(
	    at("build \"build\" finished") < at("service \"api\" started"),
	    "output:\n%s", tp.out);
	stop_and_check();
}

Test(order, a_task_after_a_service_waits_for_its_ready_log_line)
{
	const char *args[] = {NULL};

	tmp_write(dir, "tend.json",
	    "{ \"jobs\": {\n"
	    "  \"migrate\": { \"after\": [\"db\"],\n"
	    "    \"cmd\": \"test -e db-up && echo AFTER-DB || echo "
	    "TOO-EARLY\" },\n"
	    "  \"db\": { \"kind\": \"service\", \"ready\": { \"log\": "
	    "\"^db accepts\" },\n"
	    "    \"cmd\": \"sleep 0.5; touch db-up; echo db accepts; "
	    "while :; do sleep 0.05; done\" } } }");
	it_start(args, false);
	cr_assert(tp_wait_for(&tp, "task \"migrate\" finished", 5000),
	    "output:\n%s", tp.out);
	cr_assert(strstr(tp.out, "migrate | AFTER-DB") != NULL, "output:\n%s",
	    tp.out);
	cr_assert(at("service \"db\" is ready") >= 0 &&
	        at("service \"db\" is ready") < at("task \"migrate\" started"),
	    "output:\n%s", tp.out);
	stop_and_check();
}

Test(order, a_failed_task_keeps_its_dependants_from_starting_until_it_succeeds)
{
	const char *args[] = {NULL};

	tmp_write(dir, "tend.json",
	    "{ \"jobs\": {\n"
	    "  \"gen\": { \"cmd\": \"test -e fixed\" },\n"
	    "  \"site\": { \"cmd\": \"touch site-ran\", \"after\": [\"gen\"] "
	    "},\n"
	    "  \"api\": { \"kind\": \"service\", \"after\": [\"site\"],\n"
	    "    \"cmd\": \"touch api-ran; while :; do sleep 0.05; done\" } "
	    "} }");
	it_start(args, false);
	cr_assert(
	    tp_wait_for(&tp,
	        "not starting task \"site\": dependency \"gen\" failed", 5000),
	    "output:\n%s", tp.out);
	cr_assert(tp_wait_for(&tp,
	              "not starting service \"api\": dependency \"gen\" "
	              "failed",
	              5000),
	    "output:\n%s", tp.out);
	tp_pump(&tp, 300);
	cr_assert(!tmp_exists(dir, "site-ran"), "output:\n%s", tp.out);
	cr_assert(!tmp_exists(dir, "api-ran"), "output:\n%s", tp.out);
	cr_assert(strstr(tp.out, "\"api\" started") == NULL);

	/* A good build of gen lets them start, in order. */
	tmp_write(dir, "fixed", "");
	kill(tp.pid, SIGUSR1);
	cr_assert(tp_wait_for(&tp, "service \"api\" started", 5000),
	    "output:\n%s", tp.out);
	cr_assert(tmp_exists(dir, "site-ran"));
	cr_assert(at("task \"site\" finished") < at("service \"api\" started"),
	    "output:\n%s", tp.out);
	stop_and_check();
}

Test(order, a_change_to_a_task_reruns_the_tasks_after_it)
{
	const char *args[] = {NULL};
	char src[128];

	snprintf(src, sizeof(src), "%s/src", dir);
	mkdir(src, 0755);
	tmp_write(dir, "tend.json",
	    "{ \"jobs\": {\n"
	    "  \"css\": { \"cmd\": \"echo css >> runs\", \"watch\": "
	    "[\"src\"] },\n"
	    "  \"site\": { \"cmd\": \"echo site >> runs\", \"after\": "
	    "[\"css\"] },\n"
	    "  \"other\": { \"cmd\": \"echo other >> runs\" } } }");
	it_start(args, false);
	cr_assert(tp_wait_for(&tp, "watching", 5000), "output:\n%s", tp.out);
	cr_assert(tp_wait_for(&tp, "task \"site\" finished", 5000),
	    "output:\n%s", tp.out);
	tp_pump(&tp, 200);
	tmp_write(dir, "src/a.scss", "a");
	cr_assert(tp_wait_for(&tp, "changed: ", 5000), "output:\n%s", tp.out);
	for (long t0 = now_ms(); now_ms() - t0 < 5000 &&
	     tp_count(&tp, "task \"site\" finished") < 2;)
		tp_pump(&tp, 20);
	tp_pump(&tp, 300);
	size_t len;
	char *runs = tmp_read(dir, "runs", &len);
	cr_assert(runs != NULL);
	/* Each once at start (css before site), then css and site again. */
	const char *second = strstr(runs, "site\n");
	cr_assert(second != NULL && strstr(second + 5, "css\nsite\n") != NULL,
	    "runs:\n%s\noutput:\n%s", runs, tp.out);
	cr_assert(strstr(runs, "css\n") < strstr(runs, "site\n"));
	free(runs);
	cr_assert(tp_count(&tp, "task \"other\" started") == 1);
	stop_and_check();
}

/*
 * Service s, which fails at once while the file "down" exists (policy:
 * its restart fields), and task t after it; served, worker ready.
 */
static void
start_service_down(const char *policy)
{
	const char *args[] = {NULL};
	char cfg[1024];

	tmp_write(dir, "down", "");
	snprintf(cfg, sizeof(cfg),
	    "{ \"jobs\": {\n"
	    "  \"s\": { \"kind\": \"service\", %s,\n"
	    "    \"cmd\": \"[ -e down ] && exit 1; echo S-UP; "
	    "while :; do sleep 0.05; done\" },\n"
	    "  \"t\": { \"after\": [\"s\"], \"cmd\": \"echo T-RAN\" } },\n"
	    "  \"serve\": { \"root\": \"public\", \"http\": \"127.0.0.1:0\" } }",
	    policy);
	tmp_write(dir, "tend.json", cfg);
	it_start(args, true);
}

/* From now on s stays up once it starts. */
static void
bring_service_up(void)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/down", dir);
	unlink(path);
}

/* s comes up, and t, which waited for it, runs its second time. */
static void
expect_second_run_of_t(void)
{
	cr_assert(tp_wait_for(&tp, "s | S-UP", 5000), "output:\n%s", tp.out);
	for (long end = now_ms() + 3000;
	     tp_count(&tp, "t | T-RAN") < 2 && now_ms() < end;)
		tp_pump(&tp, 20);
	cr_assert(tp_count(&tp, "t | T-RAN") == 2,
	    "t did not run once s was up; output:\n%s", tp.out);
}

Test(order, a_task_waiting_for_a_restarting_service_starts_when_it_is_back)
{
	int port;

	/* s fails at once while "down" exists: restarts 0.1, 0.2, 0.4 s... */
	start_service_down("\"restart_limit\": 50");
	port = tp_http_port(&tp);
	/* During a long wait to restart, t is asked for: it must wait. */
	cr_assert(tp_wait_for(&tp, "restarting service \"s\" in 0.8 s", 10000),
	    "output:\n%s", tp.out);
	post_build(port, "t");
	bring_service_up();
	expect_second_run_of_t();
	stop_and_check();
}

Test(order, a_service_that_ended_for_good_starts_again_on_request)
{
	int port;

	start_service_down("\"restart\": \"never\"");
	port = tp_http_port(&tp);
	cr_assert(tp_wait_for(&tp, "service \"s\" failed", 5000), "output:\n%s",
	    tp.out);
	/* s is gone for good ("never"): t, asked for now, waits for it. */
	post_build(port, "t");
	cr_assert(tp_wait_for(&tp, "dependency \"s\" failed", 5000),
	    "output:\n%s", tp.out);
	bring_service_up();
	/* The fix is in: asking for s starts it, and then t, which waited. */
	post_build(port, "s");
	expect_second_run_of_t();
	stop_and_check();
}
